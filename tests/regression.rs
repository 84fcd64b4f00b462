//! One test per bypass ever found, named `bNNN_<slug>`, with what it was and where it was
//! found. A bypass is an input that should have failed (or ended in exit 2) and passed.

use countersign::evaluate::{self, Context};
use countersign::facts::{Change, ChangedPath, CommitFacts, Identity};
use countersign::policy::load::load;
use countersign::policy::{Origin, Policy};
use countersign::time::Date;

fn policy(text: &str) -> Policy {
    load(text, Origin::Embedded).unwrap_or_else(|e| panic!("{}", e.render_plain()))
}

fn commit(message: &str, paths: &[&str]) -> CommitFacts {
    CommitFacts {
        id: "1111111111111111111111111111111111111111".into(),
        parents: vec!["2222222222222222222222222222222222222222".into()],
        author: Identity::new("Alice Author", "alice@corp.example"),
        committer: Identity::new("Alice Author", "alice@corp.example"),
        time: 1_704_067_200,
        message: message.as_bytes().to_vec(),
        encoding: None,
        paths: paths
            .iter()
            .map(|p| ChangedPath {
                path: (*p).to_string(),
                change: Change::Modified,
                old_mode: Some(0o100644),
                new_mode: Some(0o100644),
                link_target: None,
            })
            .collect(),
    }
}

fn failing(p: &Policy, c: &CommitFacts) -> bool {
    let ctx = Context {
        policy: p,
        pr: None,
        branch: None,
        today: Date::parse("2026-06-01").expect("date"),
        head: None,
        explain: false,
        whole_history: false,
    };
    evaluate::evaluate_commit(&ctx, c)
        .expect("evaluate")
        .is_failing()
}

/// b001 — found by the `monotone` property test (tests/properties.rs).
/// The tier of a commit was the highest tier of its paths, and only that tier's requirements
/// applied. With the design's own example (`high`: 2 reviewers, change record, `applies_to:
/// all`; above it `restricted`: `ai: forbidden` and nothing else), a human commit to
/// `src/payments/` failed without review — and passed once it also touched one file under
/// `src/crypto/`. Requirements now combine every tier the commit touches.
#[test]
fn b001_touching_a_higher_weaker_tier_dropped_requirements() {
    let p = policy(
        "version: 1
tiers:
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 2
    change_record: true
    applies_to: all
  - name: restricted
    ai: forbidden
default_tier: standard
rules:
  - { name: payments, paths: [\"src/payments/**\"], tier: high }
  - { name: crypto, paths: [\"src/crypto/**\"], tier: restricted }
",
    );
    let m = "Change charge flow\n";
    assert!(failing(&p, &commit(m, &["src/payments/charge.rs"])));
    assert!(
        failing(
            &p,
            &commit(m, &["src/payments/charge.rs", "src/crypto/aes.rs"])
        ),
        "adding a restricted path must not drop the `high` requirements"
    );
    // And via a protected path (the policy file is at least the highest tier).
    assert!(failing(
        &p,
        &commit(m, &["src/payments/charge.rs", ".countersign.yml"])
    ));
    // And via a second rule that matches the same path with the higher, weaker tier.
    let q = policy(&format!(
        "{}  - {{ name: all, paths: [\"**\"], tier: restricted }}\n",
        p.source.text
    ));
    assert!(failing(&q, &commit(m, &["src/payments/charge.rs"])));
}

/// b002 — found by the adversarial suite (AT-P05).
/// A path with an invisible code point (`src/au<U+200C>th/x.rs`, which renders as
/// `src/auth/x.rs` and which git ignores on HFS+) matched no rule, so it got the default tier:
/// a human commit there needed no review. Paths are now also classified without such
/// characters.
#[test]
fn b002_invisible_code_point_in_path_escaped_its_rule() {
    let p = policy(
        "version: 1
tiers:
  - name: low
  - name: auth
    reviewers: 1
    applies_to: all
default_tier: low
rules:
  - { name: auth, paths: [\"src/auth/**\"], tier: auth }
",
    );
    for path in [
        "src/au\u{200c}th/x.rs",
        "src/auth\u{200b}/x.rs",
        "src/\u{202e}auth/x.rs",
        "src/auth/x.rs",
    ] {
        assert!(
            failing(&p, &commit("Add x\n", &[path])),
            "{path:?} escaped the auth rule"
        );
    }
}

/// b003 — found by the adversarial suite (AT-P07).
/// `.gitmodules` decides where submodule content comes from, but it was an ordinary path: a
/// human commit pointing a submodule at another URL needed no review under a policy whose
/// default tier only applies to AI changes. It is now a protected path.
#[test]
fn b003_gitmodules_url_change_was_not_risky() {
    let p = policy(
        "version: 1
tiers:
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 1
    applies_to: all
default_tier: standard
",
    );
    assert!(failing(
        &p,
        &commit("Point submodule elsewhere\n", &[".gitmodules"])
    ));
}

/// b004: the pre-receive parser accepted `0000… 0000… refs/heads/x` (zeros on both sides:
/// neither a create nor a delete). git never sends it; the hook must reject it, not guess.
/// Found when the fuzz harness moved from a test-only parser to the hook's own.
#[test]
fn b004_pre_receive_line_with_two_zero_ids_is_rejected() {
    let zero = "0".repeat(40);
    let line = format!("{zero} {zero} refs/heads/x\n");
    assert!(countersign::platform::hook_lines::parse_pre_receive(line.as_bytes()).is_err());
}

/// b200 — issue 11, class 7 (independent adversarial review).
/// A waiver's `commit:` matched by prefix (7+ hex digits: an attacker grinds a commit onto the
/// prefix in seconds), `baseline:` could be a tag or branch (moved onto the attack), and a
/// rule-scoped waiver covered a commit as soon as one of its paths hit the rule. Now: full
/// ids only (policy error, exit 2), and a rule-scoped waiver covers a finding only when every
/// path that caused it falls under one of its rules. Adversarial variants:
/// tests/adversarial/evidence_input.rs `class7_*`.
#[test]
fn b200_waivers_and_baselines_could_be_aimed() {
    let base = "version: 1
tiers:
  - name: low
  - name: high
    reviewers: 1
    applies_to: all
default_tier: low
rules:
  - name: payments
    paths: ['src/payments/**']
    tier: high
  - name: auth
    paths: ['src/auth/**']
    tier: high
";
    let waiver = |scope: &str| {
        format!(
            "{base}waivers:\n  - id: W-1\n    {scope}\n    codes: [missing-reviewer]\n    reason: r\n    approved_by: Carol Chief <carol@example.com>\n    expires: 2099-01-01\n"
        )
    };
    // Abbreviated commit ids and non-id baselines do not load.
    for text in [
        waiver("commit: 1111111"),
        waiver("commit: 111111111111111111111111111111111111111"),
        format!("{base}baseline: v1.0\n"),
        format!("{base}baseline: main\n"),
        format!("{base}baseline: 1111111\n"),
    ] {
        assert!(load(&text, Origin::Embedded).is_err(), "{text}");
    }
    // The full id waives exactly that commit.
    let p = policy(&waiver(&format!("commit: {}", "1".repeat(40))));
    assert!(!failing(&p, &commit("Fix\n", &["src/payments/a.rs"])));
    // A rule-scoped waiver does not stretch to a path of another rule.
    let p = policy(&waiver("rules: [payments]"));
    assert!(!failing(&p, &commit("Fix\n", &["src/payments/a.rs"])));
    assert!(failing(
        &p,
        &commit("Fix\n", &["src/payments/a.rs", "src/auth/login.rs"])
    ));
}

/// b201 — issue 11, class 14: the `receive_line` fuzz target's property (an accepted
/// pre-receive line names a ref under `refs/`) failed within seconds: the parser accepted any
/// ref name without control characters (`x`, `HEAD`, `refs/`, `refs/heads/a..b`). It now
/// checks names as `git receive-pack` does (`refs/` + git's check-ref-format rules); the
/// crashers are seeds in fuzz/corpus/receive_line/crash-refname-*.
#[test]
fn b201_pre_receive_accepted_malformed_ref_names() {
    let (z, a) = ("0".repeat(40), "1".repeat(40));
    for name in [
        "x",
        "HEAD",
        "refs/",
        "refs/heads/a..b",
        "refs/heads/x.lock",
        "refs/main",
    ] {
        let line = format!("{z} {a} {name}\n");
        assert!(
            countersign::platform::hook_lines::parse_pre_receive(line.as_bytes()).is_err(),
            "{name}"
        );
    }
    // A one-level name under refs/ may be deleted (git ≥ 2.35 lets such refs be cleaned up).
    let line = format!("{a} {z} refs/main\n");
    assert!(countersign::platform::hook_lines::parse_pre_receive(line.as_bytes()).is_ok());
}

/// b202 — issue 11, class 9 (independent adversarial review).
/// With `evidence.review: approval`, a platform approval whose `commit_id` was null (GitHub
/// sends null for reviews of a force-pushed-away commit; a hand-made PR file may leave it
/// out) counted for whatever head was evaluated. An approval now counts only when it names
/// the evaluated head, in every review mode. Variants: evidence_input.rs `class9_*`.
#[test]
fn b202_approval_with_no_commit_counted_for_any_head() {
    use countersign::facts::{Approval, PullRequest};
    let p = policy(
        "version: 1
tiers:
  - name: high
    reviewers: 1
    applies_to: all
evidence:
  review: approval
",
    );
    let c = commit("Fix\n", &["src/a.rs"]);
    let head = c.id.clone();
    let eval = |commit_id: Option<&str>| {
        let pr = PullRequest {
            author_login: "alice".into(),
            head_sha: Some(head.clone()),
            approvals: Some(vec![Approval {
                login: "bob".into(),
                name: None,
                email: None,
                is_bot: false,
                commit_id: commit_id.map(str::to_string),
            }]),
            ..PullRequest::default()
        };
        let ctx = Context {
            policy: &p,
            pr: Some(&pr),
            branch: None,
            today: Date::parse("2026-06-01").expect("date"),
            head: Some(&head),
            explain: false,
            whole_history: false,
        };
        evaluate::evaluate_commit(&ctx, &c)
            .expect("evaluate")
            .is_failing()
    };
    assert!(!eval(Some(&head)), "an approval of the head counts");
    assert!(eval(None), "an approval of no commit must not count");
    assert!(
        eval(Some(&"2".repeat(40))),
        "an approval of another commit must not count"
    );
}

/// b203 — issue 11, class 8 (independent adversarial review).
/// Identities were compared as spellings: a reviewer `<"alice"@corp.example>`, a Unicode
/// domain against its punycode, or a `Co-developed-by:` co-author was not recognised as the
/// commit's own writer. Emails now normalise (comments, quotes, case, `+tag`, IDNA, GitHub
/// noreply) or are `malformed`, and every co-authorship line makes a writer. Variants:
/// evidence_input.rs `class8_*`.
#[test]
fn b203_writer_escaped_self_review_by_spelling() {
    let p = policy(
        "version: 1
tiers:
  - name: high
    reviewers: 1
    applies_to: all
",
    );
    let mut c = commit("x", &["src/a.rs"]);
    c.author = Identity::new("Alice", "alice@bücher.example");
    for message in [
        "Fix\n\nReviewed-by: Alice <alice@xn--bcher-kva.example>\n",
        "Fix\n\nReviewed-by: Alice <\"alice\"@bücher.example>\n",
        "Fix\n\nCo-developed-by: Bob <bob@corp.example>\nReviewed-by: Bob <bob@corp.example>\n",
    ] {
        c.message = message.as_bytes().to_vec();
        assert!(failing(&p, &c), "{message}");
    }
    c.message = b"Fix\n\nReviewed-by: Bob <bob@corp.example>\n".to_vec();
    assert!(!failing(&p, &c));
}

/// b204 — issue 11, class 10 (independent adversarial review).
/// On a server whose `HEAD` named a branch that did not exist (deleted, or `HEAD` left at
/// `master`), pre-receive read a re-created default branch's policy from nowhere and fell
/// back to the embedded default, and allowed deleting the real default branch. It now
/// rejects every push until `HEAD` names an existing branch (the fix is printed). Variants
/// with real `git push`: evidence_input.rs `class10_*`.
#[test]
fn b204_unborn_server_head_fell_back_to_the_embedded_policy() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(tmp.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .output()
            .expect("git");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    git(&["init", "-q", "--bare", "-b", "main", "s.git"]);
    let tree = git(&[
        "--git-dir=s.git",
        "hash-object",
        "-t",
        "tree",
        "-w",
        "/dev/null",
    ]);
    let c = git(&["--git-dir=s.git", "commit-tree", &tree, "-m", "x"]);
    git(&["--git-dir=s.git", "update-ref", "refs/heads/keep", &c]);
    let zero = "0".repeat(40);
    for line in [
        format!("{zero} {c} refs/heads/main\n"),
        format!("{c} {zero} refs/heads/keep\n"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(["hook", "pre-receive"])
            .current_dir(tmp.path().join("s.git"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(line.as_bytes())
            .expect("write");
        let o = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{line}{err}");
        assert!(
            err.contains("git symbolic-ref HEAD refs/heads/keep"),
            "{err}"
        );
    }
}

/// b205 — issue 11, class 12 (independent adversarial review).
/// Commit text reached the terminal raw in the human report (miette printed the message as
/// its source): an OSC 8 hyperlink, a CSI sequence, a C1 control, a carriage return or a bidi
/// override in a commit message could rewrite what the reviewer saw. Every output boundary now
/// neutralises them (message::unicode::neutralize). Variants: evidence_input.rs `class12_*`.
#[test]
fn b205_escape_sequences_in_a_commit_reached_the_terminal() {
    use countersign::report::{self, Format, Options};
    let p = policy(
        "version: 1
tiers:
  - name: high
    reviewers: 1
    applies_to: all
",
    );
    let hostile =
        "Fix \x1b]8;;https://evil.example\x07x\x1b]8;;\x07 \x1b[2J\u{9b}31m\rOK \u{202e}txt";
    let c = commit(
        &format!("{hostile}\n\nBody {hostile}\n"),
        &["src/\x1b[1ma.rs"],
    );
    let ctx = Context {
        policy: &p,
        pr: None,
        branch: None,
        today: Date::parse("2026-06-01").expect("date"),
        head: None,
        explain: false,
        whole_history: false,
    };
    let cr = evaluate::evaluate_commit(&ctx, &c).expect("evaluate");
    let r = evaluate::finish(&ctx, Default::default(), vec![cr]);
    for format in [Format::Human, Format::Json, Format::Github] {
        let text = report::render(
            &r,
            &p,
            format,
            Options {
                color: false,
                verbose: true,
            },
        );
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && countersign::message::unicode::is_forbidden(c)),
            "{format:?}: {text:?}"
        );
    }
}
