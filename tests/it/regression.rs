//! One test per bypass ever found, named `bNNN_<slug>`, with what it was and where it was
//! found. A bypass is an input that should have failed (or ended in exit 2) and passed.

use crate::support;

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
                old_link_target: None,
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
        repo_head: None,
        explain: false,
        whole_history: false,
    };
    evaluate::evaluate_commit(&ctx, c)
        .expect("evaluate")
        .is_failing()
}

/// b001 — found by the `monotone` property test (tests/it/properties.rs).
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

/// A commit of one entry with the given modes and symlink target (issue 11 regressions).
fn entry_commit(message: &str, path: &str, mode: u32, target: Option<&str>) -> CommitFacts {
    let mut c = commit(message, &[path]);
    if let Some(p) = c.paths.first_mut() {
        p.change = Change::Added;
        p.old_mode = None;
        p.new_mode = Some(mode);
        p.link_target = target.map(str::to_string);
    }
    c
}

const AUTH_ALL: &str = "version: 1
tiers:
  - name: low
  - name: auth
    reviewers: 1
    applies_to: all
default_tier: low
rules:
  - { name: auth, paths: [\"src/auth/**\"], tier: auth }
  - { name: lock, paths: [\"**/Cargo.lock\"], tier: auth }
";

/// b150 — issue 11 class 4 (independent adversarial review).
/// A symlink or submodule whose path *is* `src/auth` matched no `src/auth/**` rule, and a
/// symlink named `docs/readme` pointing at `../src/auth` was classified by its name only:
/// both got the default tier. A directory entry now gets every rule that can match something
/// below it, and a symlink is classified by its target (resolved in the repository) too.
#[test]
fn b150_link_or_submodule_escaped_the_folders_rule() {
    let p = policy(AUTH_ALL);
    for (path, mode, target) in [
        ("src/auth", 0o160000, None),
        ("src/auth", 0o120000, Some("../elsewhere")),
        ("src", 0o120000, Some("lib")),
        ("docs/readme", 0o120000, Some("../src/auth")),
        ("docs/readme", 0o120000, Some("../src/auth/../auth/x.rs")),
        ("docs/readme", 0o120000, Some("./../src/./auth/x.rs")),
    ] {
        assert!(
            failing(&p, &entry_commit("Add\n", path, mode, target)),
            "{path} ({mode:o}) → {target:?} escaped"
        );
    }
    // A plain file named like the folder is only itself.
    assert!(!failing(
        &p,
        &entry_commit("Add\n", "src/auth", 0o100644, None)
    ));
}

/// b151 — issue 11 class 5 (independent adversarial review).
/// On macOS and Windows `ſrc/auth/x` (U+017F), `Cargo.locK` (U+212A KELVIN SIGN) and a
/// decomposed `é` name the same files as `src/auth/x`, `Cargo.lock` and `é`; the rules saw
/// only the bytes. Paths (and globs) are now also matched NFC + Unicode-case-folded.
#[test]
fn b151_unicode_equivalent_spelling_escaped_its_rule() {
    let p = policy(&AUTH_ALL.replace(
        "  - { name: lock,",
        "  - { name: cafe, paths: [\"caf\u{e9}/**\"], tier: auth }\n  - { name: lock,",
    ));
    for path in [
        "\u{17f}rc/auth/x.rs",
        "Cargo.loc\u{212a}",
        "cafe\u{301}/x",
        "CAF\u{c9}/x",
    ] {
        assert!(failing(&p, &commit("Add x\n", &[path])), "{path:?} escaped");
    }
}

/// b152 — issue 11 class 6 (independent adversarial review).
/// Protected paths got "the highest tier by position": with the README's example policy that
/// tier asks only `ai: forbidden`, so a human could gut the policy file with no reviewer. They
/// now get the strongest requirement of every tier.
#[test]
fn b152_protected_path_got_only_the_highest_tier() {
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
",
    );
    for path in [".countersign.yml", ".github/workflows/ci.yml", "CODEOWNERS"] {
        assert!(failing(&p, &commit("Relax the gate\n", &[path])), "{path}");
    }
}

/// b153 — issue 11 class 6 (independent adversarial review).
/// With several tiers touched, the reviewer teams came from one tier only (the highest that
/// named teams): tier A's `reviewers_from: [security]` was replaced by tier B's
/// `[payments]`, so two payments reviewers passed a change to security code. Each tier's team
/// constraint now holds on its own.
#[test]
fn b153_one_tiers_team_stood_in_for_another() {
    let p = policy(
        "version: 1
tiers:
  - name: low
  - name: sec
    reviewers: 1
    reviewers_from: [security]
    applies_to: all
  - name: pay
    reviewers: 2
    reviewers_from: [payments]
    applies_to: all
default_tier: low
rules:
  - { name: auth, paths: [\"src/auth/**\"], tier: sec }
  - { name: pay, paths: [\"src/pay/**\"], tier: pay }
teams:
  - name: security
    members: [{ name: Sam Sec, email: sam@corp.example }]
  - name: payments
    members: [{ name: Pat Pay, email: pat@corp.example }, { name: Paul Pay, email: paul@corp.example }]
",
    );
    let two_payments = "Both\n\nReviewed-by: Pat Pay <pat@corp.example>\nReviewed-by: Paul Pay <paul@corp.example>\n";
    let paths = ["src/auth/x.rs", "src/pay/y.rs"];
    assert!(failing(&p, &commit(two_payments, &paths)));
    let all = format!("{two_payments}Reviewed-by: Sam Sec <sam@corp.example>\n");
    assert!(!failing(&p, &commit(&all, &paths)));
}

/// b154 — issue 11 class 13 (independent adversarial review).
/// `policy diff` compared a fixed list of fields: a changed default tier (with no sample path
/// reaching it), rule order, tier descriptions and `controls` gave an empty diff. Every
/// compiled policy struct is now destructured exhaustively in diff and show.
#[test]
fn b154_policy_diff_missed_fields() {
    use countersign::policy::diff::compare;
    // The design example without the parts that name revisions (baseline, waiver commit).
    let base: String = include_str!("../../fixtures/authoring/design-example.yml")
        .lines()
        .filter(|l| !l.starts_with("baseline:") && !l.trim_start().starts_with("commit:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace(
            "codes: [missing-change-record]",
            "paths: [\"src/hotfix/**\"]\n    codes: [missing-change-record]",
        );
    let base = base.as_str();
    let old = policy(base);
    for (from, to, weakens) in [
        ("default_tier: standard", "default_tier: low", true),
        (
            "    description: Docs and drafts; AI use is fine without review.\n",
            "",
            false,
        ),
        (
            "\"NIST AI RMF GOVERN 1.3\"",
            "\"NIST AI RMF GOVERN 1.4\"",
            false,
        ),
        ("        gitlab: alice\n", "        gitlab: mallory\n", true),
    ] {
        assert!(base.contains(from), "{from}");
        let new = policy(&base.replacen(from, to, 1));
        let d = compare(&old, &new, &[]);
        assert!(!d.changes.is_empty(), "{from} → {to}: empty diff");
        assert_eq!(d.weakens, weakens, "{from} → {to}: {:#?}", d.changes);
    }
}

/// b155 — issue 11 class 13 (independent adversarial review).
/// A system clock before 1970 read as 1970-01-01 (`unwrap_or(0)`), so every waiver looked
/// unexpired. Today's date is now an error (exit 2) at every call site.
#[test]
fn b155_clock_before_1970_made_every_waiver_valid() {
    let before = std::time::UNIX_EPOCH.checked_sub(std::time::Duration::from_secs(86_400));
    let err = before.map(Date::at).expect("representable");
    assert!(err.is_err(), "{err:?}");
    assert!(Date::today().is_ok());
}

/// b200 — issue 11, class 7 (independent adversarial review).
/// A waiver's `commit:` matched by prefix (7+ hex digits: an attacker grinds a commit onto the
/// prefix in seconds), `baseline:` could be a tag or branch (moved onto the attack), and a
/// rule-scoped waiver covered a commit as soon as one of its paths hit the rule. Now: full
/// ids only (policy error, exit 2), and a rule-scoped waiver covers a finding only when every
/// path that caused it falls under one of its rules. Adversarial variants:
/// tests/it/adversarial/evidence_input.rs `class7_*`.
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
            repo_head: Some(&head),
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

/// b206 — issue 11, class 8 (found by fuzzing `identity` for 51 s, session 4).
/// `normalize_email` was not idempotent: a stray `)` inside an `xn--` label of a Unicode
/// domain made the IDNA mapping fail, and the `)` was dropped only afterwards, so
/// `alice@bücher.xn--bcher-k)va.example` stayed Unicode while the reviewer's all-punycode
/// spelling was ASCII — two spellings, two people, and the writer's own review counted. Cleaning and mapping now repeat until
/// nothing changes. The fuzzer's input is a seed in `fuzz/corpus/identity/`.
#[test]
fn b206_stray_parenthesis_kept_a_unicode_domain_apart() {
    use countersign::message::identity::normalize_email;
    for (a, b) in [
        (
            "alice@bücher.xn--bcher-k)va.example",
            "alice@xn--bcher-kva.xn--bcher-kva.example",
        ),
        (
            "alice@BÜCHER.xn--bcher-kva(x).example",
            "Alice@xn--bcher-kva.xn--bcher-kva.example",
        ),
        (
            "alice@bücher.xn--bcher-kva\".example",
            "alice@xn--bcher-kva.xn--bcher-kva.example",
        ),
        (
            "alice@bücher.xn--bcher- kva.example",
            "alice@xn--bcher-kva.xn--bcher-kva.example",
        ),
    ] {
        let (na, nb) = (normalize_email(a), normalize_email(b));
        assert_eq!(na, nb, "{a:?} and {b:?}");
        assert_eq!(normalize_email(&na), na, "not idempotent on {a:?}");
    }
    let p = policy(
        "version: 1
tiers:
  - name: high
    reviewers: 1
    applies_to: all
",
    );
    let mut c = commit("x", &["src/a.rs"]);
    c.author = Identity::new("Alice", "alice@bücher.xn--bcher-k)va.example");
    c.message = "Fix\n\nReviewed-by: Alice <alice@xn--bcher-kva.xn--bcher-kva.example>\n"
        .as_bytes()
        .to_vec();
    assert!(failing(&p, &c), "the writer's own review counted");
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
        repo_head: None,
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

/// Signed reviews for the b25x cases: deterministic ed25519 keys (from fixed seeds) and
/// SSHSIG signatures made in-process, so these stay pure evaluator tests.
mod signed {
    use countersign::evaluate::{self, Context};
    use countersign::facts::{CommitFacts, CommitReviews, SignedReview};
    use countersign::policy::Policy;
    use countersign::review::note;
    use countersign::review::statement::{APPROVE, Reviewer, SCHEMA, Statement};
    use countersign::time::Date;
    use ssh_key::private::Ed25519Keypair;
    use ssh_key::{HashAlg, LineEnding, PrivateKey, SshSig};

    pub fn key(seed: u8) -> PrivateKey {
        PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
    }

    pub fn public(seed: u8) -> String {
        key(seed).public_key().to_openssh().expect("openssh")
    }

    /// A policy in `signed` mode: Alice (seed 1) and Bob (seed 2) registered.
    pub fn policy(extra: &str) -> Policy {
        super::policy(&format!(
            "version: 1
tiers:
  - name: standard
    reviewers: 1
    applies_to: all
default_tier: standard
teams:
  - name: t
    members:
      - {{ name: Alice Author, email: alice@corp.example, ssh_keys: [\"{}\"] }}
      - {{ name: Bob Reviewer, email: bob@corp.example, ssh_keys: [\"{}\"] }}
evidence:
  review: signed
{extra}",
            public(1),
            public(2)
        ))
    }

    pub fn statement(commit: &CommitFacts, name: &str, email: &str) -> Statement {
        Statement {
            schema: SCHEMA.into(),
            commit: commit.id.clone(),
            tree: "3".repeat(40),
            parents: commit.parents.clone(),
            patch_id: Some("4".repeat(40)),
            reviewer: Reviewer {
                name: name.into(),
                email: email.into(),
            },
            verdict: APPROVE.into(),
            time: 1_704_067_200,
            tool: "test".into(),
            comment: None,
        }
    }

    pub fn signed(s: &Statement, seed: u8, namespace: &str) -> SignedReview {
        let bytes = s.to_bytes();
        let sig = SshSig::sign(&key(seed), namespace, HashAlg::Sha512, &bytes)
            .expect("sign")
            .to_pem(LineEnding::LF)
            .expect("pem");
        assert!(note::dearmor(&sig).is_some());
        SignedReview {
            note_of: s.commit.clone(),
            statement: String::from_utf8(bytes).expect("utf8"),
            signature: sig,
        }
    }

    /// (failing, rejection reasons)
    pub fn judge(p: &Policy, c: &CommitFacts, reviews: Vec<SignedReview>) -> (bool, Vec<String>) {
        let ctx = Context {
            policy: p,
            pr: None,
            branch: None,
            today: Date::parse("2026-06-01").expect("date"),
            head: None,
            repo_head: None,
            explain: false,
            whole_history: false,
        };
        let r = evaluate::evaluate_reviewed(
            &ctx,
            c,
            &CommitReviews {
                patch_id: None,
                signed: reviews,
            },
        )
        .expect("evaluate");
        let reasons = r
            .reviewers
            .iter()
            .filter(|x| !x.accepted)
            .map(|x| x.reason.map(|r| r.as_str()).unwrap_or("?").to_string())
            .collect();
        (r.is_failing(), reasons)
    }
}

/// b250 — issue 12 §2: forged review evidence. A signed statement whose bytes were edited
/// after signing (reviewer renamed, time moved), or signed in another namespace (`git`),
/// must never count; the untouched one does.
#[test]
fn b250_tampered_or_foreign_signed_review_is_not_evidence() {
    let p = signed::policy("");
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Bob Reviewer", "bob@corp.example");
    let good = signed::signed(&s, 2, "countersign-review");
    assert_eq!(signed::judge(&p, &c, vec![good.clone()]), (false, vec![]));
    let mut renamed = good.clone();
    renamed.statement = renamed.statement.replace("Bob Reviewer", "Bob Reviewed");
    let mut moved = good.clone();
    moved.statement = moved.statement.replace("1704067200", "1704067201");
    let git_ns = signed::signed(&s, 2, "git");
    for r in [renamed, moved, git_ns] {
        assert_eq!(
            signed::judge(&p, &c, vec![r]),
            (true, vec!["unverified".to_string()])
        );
    }
}

/// A policy where any AI involvement on ordinary code needs one reviewer.
const AI_NEEDS_REVIEW: &str =
    "version: 1\ntiers:\n  - name: standard\n    reviewers: 1\ndefault_tier: standard\n";

/// b600 — found measuring detection on real histories (issue 14, item 5a).
/// A squash body written with literal `\n` escapes put `Co-Authored-By: Claude
/// <noreply@anthropic.com>` in the middle of one long line; only line-start trailer shapes
/// were read, so the AI-assisted commit needed no reviewer. Stable addresses now count
/// wherever they stand under an authorship key.
#[test]
fn b600_mid_line_co_author_was_not_a_marker() {
    let p = policy(AI_NEEDS_REVIEW);
    let msg = r"Fix startup\n\n- Move keychain migration\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
    assert!(failing(&p, &commit(msg, &["src/app.rs"])));
    assert!(!failing(
        &p,
        &commit(r"Fix startup\n\n- Move keychain migration", &["src/app.rs"])
    ));
}

/// b601 — found measuring detection on real histories (issue 14, item 5b).
/// The Codex GitHub App (`chatgpt-codex-connector[bot]`, and the newer `openai-codex[bot]`)
/// co-authors hundreds of commits in some projects; the table did not know either account.
#[test]
fn b601_codex_app_co_author_was_not_a_marker() {
    let p = policy(AI_NEEDS_REVIEW);
    for co in [
        "chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
        "OpenAI Codex <215057067+openai-codex[bot]@users.noreply.github.com>",
    ] {
        let msg = format!("Fix x\n\nCo-authored-by: {co}\n");
        assert!(failing(&p, &commit(&msg, &["src/app.rs"])), "{co}");
    }
}

/// b602 — found measuring detection on real histories (issue 14, item 5c).
/// Tools keep signing with their former names and second addresses: Crush was termai
/// (`noreply@termai.io`) and used `noreply@crush.charm.land`; OpenHands was OpenDevin; Factory's
/// CLI commits as `droid@factory.ai` beside its `factory-droid[bot]` app. None was a marker.
#[test]
fn b602_former_names_and_second_addresses_were_not_markers() {
    let p = policy(AI_NEEDS_REVIEW);
    for co in [
        "termai <noreply@termai.io>",
        "Crush <noreply@crush.charm.land>",
        "OpenDevin <opendevin@opendevin.ai>",
        "Droid <droid@factory.ai>",
    ] {
        let msg = format!("Fix x\n\nCo-Authored-By: {co}\n");
        assert!(failing(&p, &commit(&msg, &["src/app.rs"])), "{co}");
    }
}

/// b603 — found measuring detection on real histories (issue 14, item 5d).
/// Claude Code's footer without its link (`🤖 Generated with Claude Code`, written when the
/// co-author line is switched off) was not a marker.
#[test]
fn b603_footer_without_link_was_not_a_marker() {
    let p = policy(AI_NEEDS_REVIEW);
    for footer in [
        "🤖 Generated with Claude Code",
        "Generated with Claude Code",
    ] {
        let msg = format!("Fix x\n\nBody.\n\n{footer}\n");
        assert!(failing(&p, &commit(&msg, &["src/app.rs"])), "{footer}");
    }
}

/// b251 — issue 12 §2: a valid signature by a key the policy does not register for the
/// person the statement names (an unknown key; Alice's key signing as Bob) is not evidence.
#[test]
fn b251_signed_review_key_must_be_registered_for_that_person() {
    let p = signed::policy("");
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Bob Reviewer", "bob@corp.example");
    for seed in [9, 1] {
        assert_eq!(
            signed::judge(&p, &c, vec![signed::signed(&s, seed, "countersign-review")]),
            (true, vec!["not-authorized".to_string()])
        );
    }
}

/// b252 — issue 12 §2: a signed review of another commit (copied into this commit's note)
/// does not count; with `survives: rebase` only an equal patch-id does.
#[test]
fn b252_signed_review_of_another_commit_does_not_count() {
    let c = commit("Change\n", &["src/x.rs"]);
    let mut other = c.clone();
    other.id = "5".repeat(40);
    let s = signed::statement(&other, "Bob Reviewer", "bob@corp.example");
    let r = signed::signed(&s, 2, "countersign-review");
    for extra in ["", "  signed_review: { survives: rebase }\n"] {
        let p = signed::policy(extra);
        assert_eq!(
            signed::judge(&p, &c, vec![r.clone()]),
            (true, vec!["wrong-commit".to_string()])
        );
    }
}

/// b253 — issue 12 §2: the author signing her own change with her registered key is a
/// self-review, not evidence.
#[test]
fn b253_self_signed_review_is_not_evidence() {
    let p = signed::policy("");
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Alice Author", "alice@corp.example");
    assert_eq!(
        signed::judge(&p, &c, vec![signed::signed(&s, 1, "countersign-review")]),
        (true, vec!["self-review".to_string()])
    );
}

/// b254 — issue 12: `review: [signed, approval]` without platform data is decidable (signed
/// reviews can satisfy it), so no exit 2; only when every mode needs the platform is it.
#[test]
fn b254_any_of_review_modes_do_not_demand_platform_data() {
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Bob Reviewer", "bob@corp.example");
    let p = signed::policy("");
    let text = p
        .source
        .text
        .replace("review: signed", "review: [signed, approval]");
    let p = policy(&text);
    assert_eq!(
        signed::judge(&p, &c, vec![signed::signed(&s, 2, "countersign-review")]),
        (false, vec![])
    );
}

/// Builds a commit with `git commit-tree` and returns its id.
fn commit_tree(r: &mut support::TestRepo, tree: &str, parents: &[&str], msg: &str) -> String {
    let mut a = vec!["commit-tree", tree];
    for p in parents {
        a.push("-p");
        a.push(p);
    }
    a.extend(["-m", msg]);
    r.git(&a).trim().to_string()
}

/// b100 — issue 11, class 1. A merge was judged on the paths where it differed from
/// *every* parent. A side branch forked before a reviewed fix, merged with the old version
/// of the file winning, differed from its second parent nowhere: zero paths, so the revert
/// of reviewed work needed no review. The merge now answers for its diff against its first
/// parent, less what the range introduced or its base has.
#[test]
fn b100_merge_reviving_pre_fix_content_answered_for_nothing() {
    use countersign::git::{self, Limits, RangeSpec};
    let mut r = support::TestRepo::new();
    r.commit_files("import", &[("src/auth/login.rs", "old\n")]);
    let import = r.head();
    r.commit_files("reviewed fix", &[("src/auth/login.rs", "fixed\n")]);
    let t = r.head();
    r.checkout(&["-b", "old", &import]);
    r.commit_files("trivial", &[("README.md", "x\n")]);
    r.checkout(&["-b", "feature", &t]);
    let _ = r.git_output(&["merge", "-q", "--no-ff", "--no-commit", "old"]);
    r.git(&["checkout", "old", "--", "src/auth/login.rs"]);
    let x = r.commit("Merge branch 'old'");
    let combined = r.git(&["diff-tree", "-c", "-r", "--name-only", "--no-commit-id", &x]);
    assert_eq!(combined.trim(), "", "the old rule saw no path");
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &RangeSpec::Expr(format!("{t}..{x}")), None).expect("range");
    let facts = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| f,
    )
    .expect("scan");
    let merge = facts.iter().find(|f| f.id == x).expect("merge in range");
    let paths: Vec<&str> = merge.paths.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["src/auth/login.rs"]);
}

/// b101 — issue 11, class 2. countersign's own commit parser took every `parent` line of
/// the header as a parent (git takes only those right after `tree`) and the first of
/// several `author` lines (`git log --format=%an` shows the last). Both now agree with git
/// or fail closed.
#[test]
fn b101_late_parent_line_and_second_author_were_misread() {
    use countersign::git::commit;
    let t = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let p = "1111111111111111111111111111111111111111";
    let late =
        format!("tree {t}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\nparent {p}\n\nm\n");
    assert_eq!(
        commit::parse(late.as_bytes()).map(|c| c.parents.len()),
        Ok(0)
    );
    let two = format!(
        "tree {t}\nauthor Human <h@x> 1 +0000\nauthor Bot <b@x> 1 +0000\ncommitter C <c@x> 1 +0000\n\nm\n"
    );
    assert!(commit::parse(two.as_bytes()).is_err());
}

/// b102 — issue 11, class 3. libgit2 follows `info/grafts` in its walks: a graft giving the
/// commit after an AI commit the AI commit's parent cut the AI commit out of `A..B`.
/// A repository with grafts is now refused (exit 2); replace refs never applied.
#[test]
fn b102_graft_cut_an_ai_commit_out_of_the_range() {
    use countersign::git::{self, RangeSpec};
    let mut r = support::TestRepo::new();
    r.commit_files("import", &[("a", "1\n")]);
    let import = r.head();
    r.commit_files(
        "AI change\n\nCo-authored-by: Claude <noreply@anthropic.com>",
        &[("a", "2\n")],
    );
    let h = r.commit_files("docs", &[("b", "1\n")]);
    std::fs::write(r.dir.join(".git/info/grafts"), format!("{h} {import}\n")).expect("grafts");
    assert_eq!(
        r.git(&["rev-list", &format!("{import}..{h}")])
            .lines()
            .count(),
        1
    );
    let repo = git::open(r.path()).expect("open");
    let e = git::resolve(&repo, &RangeSpec::Expr(format!("{import}..{h}")), None)
        .expect_err("grafts refused");
    assert_eq!(e.kind, countersign::ErrorKind::Repository);
    assert!(e.message.contains("graft"), "{}", e.message);
}

/// b103 — issue 11, class 11. The tree diff recursed once per directory level: a path
/// 10,001 directories deep (git reads it with `core.maxTreeDepth` raised) overflowed the
/// stack and killed the process with SIGSEGV. The diff keeps its own stack now, with a
/// documented depth limit (4,096) that ends in exit 2.
#[test]
fn b103_deep_tree_overflowed_the_stack() {
    use countersign::git::{self, Limits};
    let mut r = support::TestRepo::new();
    let path = format!("{}f", "d/".repeat(10_001));
    let stream = format!(
        "commit refs/heads/main\ncommitter C <c@x> 1704067200 +0000\ndata 4\ndeep\nM 100644 inline {path}\ndata 3\nhi\n\n"
    );
    let mut child = r
        .command("git")
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("fast-import");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), stream.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
    let c = r.rev("main");
    let repo = git::open(r.path()).expect("open");
    let oid = git2::Oid::from_str(&c).expect("oid");
    let e = git::read_commit(&repo, oid, &Limits::default()).expect_err("too deep");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
    assert!(e.message.contains("4096 directories"), "{}", e.message);
}

/// b104 — issue 11, class 11. An octopus merge's diff held every parent's trees at every
/// level (memory parents × tree size, unbounded), and a policy blob on a base commit was
/// read whole whatever its size. Parents are capped (128) and policy blobs are size-checked
/// from the object header (1 MiB) before they are read.
#[test]
fn b104_octopus_parents_and_policy_blobs_were_unbounded() {
    use countersign::git::{self, Limits};
    let mut r = support::TestRepo::new();
    r.commit_files("import", &[("a", "1\n")]);
    let base = r.head();
    let tree = r.rev("HEAD^{tree}");
    let parents: Vec<String> = (0..129)
        .map(|i| commit_tree(&mut r, &tree, &[&base], &format!("p{i}")))
        .collect();
    let refs: Vec<&str> = parents.iter().map(String::as_str).collect();
    let x = commit_tree(&mut r, &tree, &refs, "octopus");
    let repo = git::open(r.path()).expect("open");
    let e = git::read_commit(
        &repo,
        git2::Oid::from_str(&x).expect("oid"),
        &Limits::default(),
    )
    .expect_err("too many parents");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
    let big = "# x\n".repeat(300_000);
    r.commit_files("big policy", &[(".countersign.yml", &big)]);
    let repo = git::open(r.path()).expect("open");
    let e = git::read_blob_at(&repo, "HEAD", ".countersign.yml", git::MAX_POLICY_BYTES)
        .expect_err("over the limit");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
}
