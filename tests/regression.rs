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
    let base: String = include_str!("../fixtures/authoring/design-example.yml")
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
