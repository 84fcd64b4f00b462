//! Issue 11, classes 4, 5, 6 and 13: adversarial variants on real temporary repositories.
//!
//! - class 4 (`c4_…`): a rule covers its directory entry (submodule or symlink *at* the folder)
//!   and a symlink is classified by its target, resolved within the repository;
//! - class 5 (`c5_…`): rules match the NFC + Unicode-case-folded spelling of a path;
//! - class 6 (`c6_…`): requirements combine per requirement over every touched tier, each
//!   tier's team constraint on its own, `ai: forbidden` sticky, protected paths get every
//!   tier's strongest requirement, involvement extras accumulate;
//! - class 13 (`c13_…`): `policy diff` sees every field.

use crate::adversarial::common::{ALICE, COPILOT_BOT, Run, TestRepo, commit_as, run, write_object};

/// The policy of these cases: every kind of requirement, and two teams.
const POLICY: &str = "version: 1
tiers:
  - name: low
  - name: standard
    reviewers: 1
  - name: auth
    reviewers: 1
    reviewers_from: [security]
    change_record: true
    applies_to: all
  - name: pay
    reviewers: 2
    reviewers_from: [payments]
  - name: restricted
    ai: forbidden
  - name: top
    reviewers: 1
default_tier: standard
rules:
  - { name: docs, paths: [\"docs/**\"], tier: low }
  - { name: auth, paths: [\"src/auth/**\"], tier: auth }
  - { name: payments, paths: [\"src/payments/**\"], tier: pay }
  - { name: crypto, paths: [\"src/crypto/**\"], tier: restricted }
  - { name: everything-src, paths: [\"src/**\"], tier: top }
  - { name: lockfiles, paths: [\"**/Cargo.lock\"], tier: auth }
  - { name: cafe, paths: [\"caf\u{e9}/**\"], tier: auth }
  - { name: street, paths: [\"strasse/**\"], tier: auth }
involvement:
  assisted: { extra_reviewers: 1 }
  autonomous: { change_record: true }
teams:
  - name: security
    members:
      - { name: Sam Security, email: sam@corp.example }
      - { name: Dana Double, email: dana@corp.example }
  - name: payments
    members:
      - { name: Pat Payments, email: pat@corp.example }
      - { name: Dana Double, email: dana@corp.example }
      - { name: Paul Payments, email: paul@corp.example }
evidence:
  review: trailer
  reviewer_trailers: [Reviewed-by]
  change_record:
    trailers: [Change-Request]
    formats:
      - { name: chg, regex: '^CHG-[0-9]+$' }
";

const SAM: &str = "Reviewed-by: Sam Security <sam@corp.example>";
const DANA: &str = "Reviewed-by: Dana Double <dana@corp.example>";
const PAT: &str = "Reviewed-by: Pat Payments <pat@corp.example>";
const PAUL: &str = "Reviewed-by: Paul Payments <paul@corp.example>";
const OTTO: &str = "Reviewed-by: Otto Other <otto@corp.example>";
const CHG: &str = "Change-Request: CHG-7";
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";

fn repo() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import\n\nReviewed-by: Sam Security <sam@corp.example>\nReviewed-by: Pat Payments <pat@corp.example>\nReviewed-by: Paul Payments <paul@corp.example>\nChange-Request: CHG-1\n",
        &[
            (".countersign.yml", POLICY),
            ("docs/index.md", "docs\n"),
            ("misc/notes.txt", "notes\n"),
            ("src/auth/login.rs", "fn login() {}\n"),
            ("src/payments/charge.rs", "fn charge() {}\n"),
            ("src/crypto/aes.rs", "fn aes() {}\n"),
        ],
    );
    r
}

fn message(subject: &str, trailers: &[&str]) -> String {
    if trailers.is_empty() {
        return format!("{subject}\n");
    }
    format!("{subject}\n\n{}\n", trailers.join("\n"))
}

fn check(r: &TestRepo) -> Run {
    run(r, &["check", "HEAD", "--format", "json"], &[])
}

/// Stages symlink `path` → `target` and commits it as Alice with `trailers`.
fn commit_link(r: &mut TestRepo, path: &str, target: &str, trailers: &[&str]) -> String {
    r.symlink(target, path);
    commit_as(r, ALICE, &message("Add a link", trailers), &[])
}

/// The tiers the evaluator reports for the newest commit's requirements.
fn requirements(out: &Run) -> serde_json::Value {
    out.json()["commits"][0]["requirements"].clone()
}

/// The symlink target of `path` in HEAD, as git stores it (the oracle).
fn git_link_target(r: &mut TestRepo, path: &str) -> String {
    r.git(&["cat-file", "blob", &format!("HEAD:{path}")])
}

// ------------------------------------------------------------------ class 4

#[test]
fn c4_link_named_harmlessly_into_the_risky_folder_is_risky() {
    let mut r = repo();
    // No AI marker: `auth` applies to all changes.
    commit_link(&mut r, "docs/readme", "../src/auth", &[]);
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("missing-change-record"), "{:?}", out.codes());
    assert_eq!(out.json()["commits"][0]["tier"], "top");
    // With the auth tier's evidence (and `top`'s reviewer) it passes.
    r.git(&["rm", "-q", "docs/readme"]);
    commit_link(&mut r, "docs/readme", "../src/auth", &[SAM, CHG]);
    check(&r).assert_pass();
}

#[test]
fn c4_targets_are_normalised_within_the_repository() {
    for target in [
        "../src/auth/../auth/login.rs",
        "./../src/./auth//login.rs",
        "../misc/../src/auth",
        "..//src/auth/",
        "../src\\auth\\login.rs",
    ] {
        let mut r = repo();
        commit_link(&mut r, "docs/link", target, &[]);
        let out = check(&r);
        assert_eq!(out.code, 1, "{target}: {}", out.stdout);
        assert!(
            out.has("missing-change-record"),
            "{target}: {:?}",
            out.codes()
        );
        // The facts carry the target exactly as git stores it.
        let facts = run(&r, &["facts", "HEAD"], &[]);
        let v: serde_json::Value = serde_json::from_str(&facts.stdout).expect("facts json");
        let stored = git_link_target(&mut r, "docs/link");
        let paths = v["commits"][0]["paths"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            paths.iter().any(|p| p["link_target"] == stored.as_str()),
            "{target}: {paths:?} vs git's {stored:?}"
        );
    }
}

#[test]
fn c4_submodule_at_the_risky_folder_is_risky() {
    let mut r = repo();
    r.git(&["rm", "-q", "-r", "src/auth"]);
    r.add_gitlink("src/auth", "1111111111111111111111111111111111111111");
    commit_as(&mut r, ALICE, "Vendor auth as a submodule\n", &[]);
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("missing-change-record"));
    // A submodule anywhere: `**/Cargo.lock` (auth) may lie inside it — also in a folder
    // whose name holds a newline (git allows it; `**` crosses it as in globset, and the
    // control character is also dropped in a second spelling).
    for dir in ["vendor/lib", "odd\nname/lib"] {
        let mut r = repo();
        let info = format!("160000,1111111111111111111111111111111111111111,{dir}");
        r.git(&["update-index", "--add", "--cacheinfo", &info]);
        r.git(&["commit", "-q", "-m", "Add a submodule"]);
        let out = check(&r);
        assert!(
            out.has("missing-change-record"),
            "{dir:?}: {:?}",
            out.codes()
        );
    }
}

#[test]
fn c4_symlink_at_the_risky_folder_itself_is_risky() {
    let mut r = repo();
    r.git(&["rm", "-q", "-r", "src/auth"]);
    commit_link(&mut r, "src/auth", "../misc", &[]);
    let out = check(&r);
    out.assert_deny("missing-change-record");
    // A symlink at a parent of the rule's folder, too.
    let mut r = repo();
    commit_link(&mut r, "lib", "src", &[]);
    check(&r).assert_deny("missing-change-record");
}

#[test]
fn c4_link_into_a_forbidden_folder_is_forbidden_for_ai() {
    let mut r = repo();
    commit_link(
        &mut r,
        "tools/aes.rs",
        "../src/crypto/aes.rs",
        &[CLAUDE, SAM, CHG, OTTO],
    );
    check(&r).assert_deny("ai-forbidden");
}

#[test]
fn c4_absolute_and_escaping_targets_are_recorded_not_resolved() {
    for target in ["/etc/passwd", "../../outside", "C:/Windows"] {
        let mut r = repo();
        commit_link(&mut r, "docs/ext", target, &[]);
        let facts = run(&r, &["facts", "HEAD"], &[]);
        assert_eq!(facts.code, 0, "{}", facts.stderr);
        let v: serde_json::Value = serde_json::from_str(&facts.stdout).expect("facts json");
        assert_eq!(v["commits"][0]["paths"][0]["link_target"], target);
        // Not inside the repository: the link's own path decides (docs, and what may lie
        // below a folder there: `**/Cargo.lock` is auth).
        let out = check(&r);
        assert_eq!(
            out.json()["commits"][0]["decisive_path"]["path"],
            "docs/ext"
        );
    }
}

#[test]
fn c4_repointing_a_link_away_from_the_risky_folder_is_risky() {
    let mut r = repo();
    commit_link(&mut r, "lib/login.rs", "../src/auth/login.rs", &[SAM, CHG]);
    check(&r).assert_pass();
    // Re-pointed at an unreviewed file: the old target counts.
    commit_link(&mut r, "lib/login.rs", "../misc/notes.txt", &[]);
    check(&r).assert_deny("missing-change-record");
    // Deleting the link is a change of it too.
    let mut r = repo();
    commit_link(&mut r, "lib/login.rs", "../src/auth/login.rs", &[SAM, CHG]);
    r.git(&["rm", "-q", "lib/login.rs"]);
    commit_as(&mut r, ALICE, "Drop the link\n", &[]);
    check(&r).assert_deny("missing-change-record");
}

#[test]
fn c4_oversized_link_target_is_exit_2() {
    let mut r = repo();
    let blob = write_object(&mut r, "blob", "a/".repeat(16_400).as_bytes());
    let info = format!("120000,{blob},docs/huge");
    r.git(&["update-index", "--add", "--cacheinfo", &info]);
    r.git(&["commit", "-q", "-m", "Huge link"]);
    let out = check(&r);
    out.assert_indeterminate("limit");
    assert!(out.stderr.contains("32768"), "{}", out.stderr);
}

#[test]
fn c4_commit_msg_hook_reads_staged_link_targets() {
    let mut r = repo();
    r.symlink("../src/crypto", "docs/crypto");
    r.git(&["add", "-A"]);
    let msg = r.tmp.path().join("COMMIT_EDITMSG");
    std::fs::write(&msg, message("Link crypto", &[CLAUDE])).expect("write");
    let m = msg.to_string_lossy().into_owned();
    // `hooks.commit-msg` defaults to warn, which still blocks `ai-forbidden`.
    let out = run(&r, &["hook", "commit-msg", &m], &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("ai-forbidden") || out.stdout.contains("ai-forbidden"));
    // The same link pointing at docs is fine.
    r.git(&["rm", "-q", "--cached", "docs/crypto"]);
    r.symlink("index.md", "docs/crypto");
    r.git(&["add", "-A"]);
    let out = run(&r, &["hook", "commit-msg", &m], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

// ------------------------------------------------------------------ class 5

#[test]
fn c5_unicode_equivalent_spellings_match_the_rules() {
    for (path, why) in [
        ("\u{17f}rc/auth/login.rs", "LATIN SMALL LETTER LONG S"),
        ("Cargo.loc\u{212a}", "KELVIN SIGN"),
        ("sub/CARGO.LOC\u{212a}", "KELVIN SIGN, upper case"),
        ("cafe\u{301}/menu.txt", "decomposed é"),
        ("CAF\u{c9}/menu.txt", "upper-case É"),
        ("CAFE\u{301}/menu.txt", "decomposed upper-case É"),
        ("stra\u{df}e/map.txt", "sharp s folds to ss"),
        ("STRASSE/map.txt", "ASCII case"),
        ("src/au\u{200c}th/login.rs", "zero-width non-joiner"),
    ] {
        let mut r = repo();
        commit_as(&mut r, ALICE, "Change\n", &[(path, "x\n")]);
        let out = check(&r);
        assert_eq!(out.code, 1, "{why} ({path}) passed: {}", out.stdout);
        assert!(out.has("missing-change-record"), "{why}: {:?}", out.codes());
    }
}

#[test]
fn c5_compatibility_forms_are_other_files() {
    // Fullwidth letters are different names on every file system (NFKC is not applied).
    let mut r = repo();
    commit_as(
        &mut r,
        ALICE,
        "Change\n",
        &[("\u{ff53}\u{ff52}\u{ff43}/auth/login.rs", "x\n")],
    );
    let out = check(&r);
    out.assert_pass();
    assert_eq!(out.json()["commits"][0]["tier"], "standard");
}

#[test]
fn c5_globs_written_in_another_spelling_match_plain_paths() {
    let mut r = repo();
    let policy = POLICY.replace("caf\u{e9}/**", "CAFE\u{301}/**");
    commit_as(
        &mut r,
        ALICE,
        "Policy\n\nReviewed-by: Sam Security <sam@corp.example>\nReviewed-by: Pat Payments <pat@corp.example>\nReviewed-by: Paul Payments <paul@corp.example>\nChange-Request: CHG-2\n",
        &[(".countersign.yml", &policy)],
    );
    commit_as(&mut r, ALICE, "Change\n", &[("caf\u{e9}/menu.txt", "x\n")]);
    check(&r).assert_deny("missing-change-record");
}

// ------------------------------------------------------------------ class 6

#[test]
fn c6_each_tiers_team_constraint_holds_on_its_own() {
    let files = [
        ("src/auth/login.rs", "fn login() { 1 }\n"),
        ("src/payments/charge.rs", "fn charge() { 1 }\n"),
    ];
    // (reviewers, passes?): auth needs 1 from security, pay needs 2 from payments.
    for (reviewers, pass) in [
        (&[SAM, OTTO][..], false),
        (&[PAT, PAUL][..], false),
        (&[SAM, PAT][..], false),
        (&[SAM, PAT, PAUL][..], true),
        // Dana is in both teams: she counts for both, as she would for either tier alone.
        (&[DANA, PAT][..], true),
        (&[DANA][..], false),
    ] {
        let mut r = repo();
        let mut t: Vec<&str> = reviewers.to_vec();
        t.push(CHG);
        commit_as(&mut r, ALICE, &message("Both", &t), &files);
        let out = check(&r);
        if pass {
            out.assert_pass();
        } else {
            out.assert_deny("missing-reviewer");
        }
        let req = requirements(&out);
        assert_eq!(req["reviewers"], 2, "{req}");
        let from = req["reviewers_from"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(from.len(), 2, "{req}");
        assert_eq!(from[0]["tier"], "auth");
        assert_eq!(from[1]["teams"][0], "payments");
        assert_eq!(from[1]["reviewers"], 2);
    }
}

#[test]
fn c6_requirements_of_lower_tiers_survive_a_higher_tier() {
    // `restricted` and `top` sit above `auth`: touching them never drops auth's evidence,
    // and `applies_to: all` of the lower tier makes the whole commit need evidence.
    let mut r = repo();
    commit_as(
        &mut r,
        ALICE,
        "Touch auth and crypto\n\nReviewed-by: Otto Other <otto@corp.example>\n",
        &[
            ("src/auth/login.rs", "fn login() { 2 }\n"),
            ("src/crypto/aes.rs", "fn aes() { 2 }\n"),
        ],
    );
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("missing-change-record"));
    assert_eq!(out.json()["commits"][0]["tier"], "top");
}

#[test]
fn c6_ai_forbidden_is_sticky_under_a_higher_rule() {
    // `src/crypto/**` (restricted) and `src/**` (top, above it) both match.
    let mut r = repo();
    commit_as(
        &mut r,
        ALICE,
        &message("Crypto", &[CLAUDE, SAM, PAT, OTTO, CHG]),
        &[("src/crypto/aes.rs", "fn aes() { 3 }\n")],
    );
    let out = check(&r);
    out.assert_deny("ai-forbidden");
    let f = &out.json()["commits"][0]["findings"][0];
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("tier `restricted` forbids AI"),
        "{f}"
    );
}

#[test]
fn c6_protected_paths_get_every_tiers_strongest_requirement() {
    // The design example: the highest tier (`restricted`) asks only `ai: forbidden`; `high`
    // asks 2 security reviewers, a change record and `applies_to: all`.
    let design: String = include_str!("../../../fixtures/authoring/design-example.yml")
        .lines()
        .filter(|l| !l.starts_with("baseline:") && !l.trim_start().starts_with("commit:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace(
            "codes: [missing-change-record]",
            "paths: [\"src/hotfix/**\"]\n    codes: [missing-change-record]",
        );
    let design = design.as_str();
    let mut r = TestRepo::new();
    r.commit_files("Initial import\n", &[(".countersign.yml", design)]);
    // A human edits the policy file with no reviewer (a waiver added, say: `check` reads
    // the working tree's policy, so the edit keeps the tiers).
    commit_as(
        &mut r,
        ALICE,
        "Relax\n",
        &[(".countersign.yml", &format!("{design}# edited\n"))],
    );
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("missing-change-record"));
    let req = requirements(&out);
    assert_eq!(req["reviewers"], 2, "{req}");
    assert_eq!(req["reviewers_from"][0]["teams"][0], "security", "{req}");
    // CI configuration too, and `ai: forbidden` of any tier stays.
    commit_as(
        &mut r,
        ALICE,
        &message("CI", &[CLAUDE]),
        &[(".github/workflows/ci.yml", "on: push\n")],
    );
    check(&r).assert_deny("ai-forbidden");
}

#[test]
fn c6_involvement_extras_accumulate_up_the_ladder() {
    // Copilot's agent authors: `autonomous`, which gets `assisted`'s extra reviewer too.
    let mut r = repo();
    commit_as(
        &mut r,
        COPILOT_BOT,
        &message("Agent change", &[OTTO, CHG]),
        &[("misc/notes.txt", "agent\n")],
    );
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    let req = requirements(&out);
    assert_eq!(
        req["reviewers"], 2,
        "standard 1 + assisted's extra 1: {req}"
    );
    assert_eq!(req["change_record"], true, "autonomous' own extra: {req}");
    commit_as(
        &mut r,
        COPILOT_BOT,
        &message("Agent change", &[OTTO, SAM, CHG]),
        &[("misc/notes.txt", "agent 2\n")],
    );
    check(&r).assert_pass();
}

// ------------------------------------------------------------------ class 13

#[test]
fn c13_policy_diff_sees_every_field() {
    let base = POLICY;
    // (from, to, weakens?)
    let cases: &[(&str, &str, bool)] = &[
        ("    reviewers_from: [security]\n", "", true),
        (
            "[\"src/auth/**\"], tier: auth",
            "[\"src/authx/**\"], tier: auth",
            true,
        ),
        (
            "  - { name: crypto, paths: [\"src/crypto/**\"], tier: restricted }\n",
            "",
            true,
        ),
        ("default_tier: standard", "default_tier: low", true),
        (
            "  - name: low\n",
            "  - name: low\n    description: Docs only.\n",
            false,
        ),
        (
            "assisted: { extra_reviewers: 1 }",
            "assisted: { extra_reviewers: 0 }",
            true,
        ),
        (
            "{ name: Sam Security, email: sam@corp.example }",
            "{ name: Sam S., email: sam@corp.example }",
            false,
        ),
        (
            "{ name: Sam Security, email: sam@corp.example }",
            "{ name: Sam Security, email: sam@corp.example, github: sam-gh }",
            true,
        ),
    ];
    for (from, to, weakens) in cases {
        assert!(base.contains(from), "{from}");
        let mut r = repo();
        let before = r.head();
        commit_as(
            &mut r,
            ALICE,
            "Edit the policy\n",
            &[(".countersign.yml", &base.replacen(from, to, 1))],
        );
        let out = run(&r, &["policy", "diff", &before, "--format", "json"], &[]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{from} → {to}: {e}: {}\n{}", out.stdout, out.stderr));
        let changes = v["changes"].as_array().cloned().unwrap_or_default();
        assert!(!changes.is_empty(), "{from} → {to}: no change reported");
        assert_eq!(v["weakens"], *weakens, "{from} → {to}: {changes:#?}");
        assert_eq!(out.code, i32::from(*weakens), "{}", out.stderr);
    }
}
