//! Fix advice that fits the commit (issue 14, item 2): `--amend` only for the commit the
//! author has checked out, a `reword` rebase only for unpublished commits, and for commits
//! already published (a remote's protected branch, a protected tag, a push pipeline of a
//! protected branch) the waiver or `baseline:` that applies, written out — and that waiver,
//! pasted into the policy, really settles the finding.

use serde_json::Value;

use crate::support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";
const POLICY: &str = "version: 1\ntiers:\n  - name: low\n  - name: standard\n    reviewers: 1\ndefault_tier: standard\nrules:\n  - name: docs\n    paths: [\"docs/**\"]\n    tier: low\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(r: &TestRepo, args: &[&str]) -> Run {
    let out = r.command(BIN).args(args).output().expect("run countersign");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The help of the first finding of commit `id` in a JSON report of `args`.
fn help_for(r: &TestRepo, args: &[&str], id: &str) -> String {
    let mut a = args.to_vec();
    a.extend_from_slice(&["--format", "json"]);
    let out = run(r, &a);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    let c = v["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("commit {id} not in the report:\n{}", out.stdout));
    c["findings"][0]["help"].as_str().expect("help").to_string()
}

/// main: the policy; then an AI-assisted commit without a reviewer (`bad`) and a docs
/// commit on top.
fn history() -> (TestRepo, String, String) {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[(".countersign.yml", POLICY), ("src/lib.rs", "\n")],
    );
    let bad = r.commit_files(
        &format!("Add util\n\nBody.\n\n{CLAUDE}\n"),
        &[("src/util.rs", "fn a() {}\n")],
    );
    let top = r.commit_files("Docs", &[("docs/a.md", "a\n")]);
    (r, bad, top)
}

#[test]
fn amend_only_for_the_checked_out_commit() {
    let (mut r, bad, _) = history();
    // `check HEAD~1`: the failing commit is not HEAD, so `--amend` would change another one.
    let help = help_for(&r, &["check", "HEAD~1"], &bad);
    assert!(
        help.contains(&format!("git rebase -i {}~1", &bad[..12])),
        "{help}"
    );
    assert!(!help.contains("--amend"), "{help}");
    // The same commit checked out (detached): now it is HEAD.
    r.git(&["checkout", "-q", "--detach", &bad]);
    let help = help_for(&r, &["check", "HEAD"], &bad);
    assert!(help.contains("git commit --amend --trailer"), "{help}");
    assert!(!help.contains("rebase -i"), "{help}");
    // The range's head is not the repository's HEAD: on another branch, checking `main`.
    r.git(&["checkout", "-q", "-b", "other", &bad]);
    r.git(&["checkout", "-q", "HEAD~1"]);
    let help = help_for(&r, &["check", &bad], &bad);
    assert!(!help.contains("--amend"), "{help}");
}

#[test]
fn published_commits_get_a_waiver_or_baseline_not_a_rewrite() {
    let (origin, bad, top) = history();
    let mut r = TestRepo::clone_from(&origin, &[]);
    // On origin/main (the default branch): published.
    let help = help_for(&r, &["check", "--all"], &bad);
    assert!(
        help.contains(&format!(
            "{} is already on refs/remotes/origin/main",
            &bad[..12]
        )),
        "{help}"
    );
    assert!(help.contains(&format!("commit: {bad}")), "{help}");
    assert!(help.contains("codes: [missing-reviewer]"), "{help}");
    assert!(help.contains(&format!("baseline: {bad}")), "{help}");
    assert!(!help.contains("rebase -i"), "{help}");
    assert!(!help.contains("--amend"), "{help}");
    // The same from a range (the refs are walked, not the run's own graph).
    let range = format!("{bad}~1..HEAD");
    let help = help_for(&r, &["check", &range], &bad);
    assert!(
        help.contains(&format!(
            "{} is already on refs/remotes/origin/main",
            &bad[..12]
        )),
        "{help}"
    );
    // A local commit on top of it is not published: reword/amend as before.
    let local = r.commit_files(
        &format!("More\n\nBody.\n\n{CLAUDE}\n"),
        &[("src/more.rs", "fn b() {}\n")],
    );
    let help = help_for(&r, &["check", "--all"], &local);
    assert!(help.contains("git commit --amend"), "{help}");
    assert!(!help.contains("already on"), "{help}");
    let _ = top;
}

#[test]
fn only_protected_remote_branches_and_tags_publish() {
    let (mut origin, bad, _) = history();
    // The failing commit lives only on an unprotected branch of the remote.
    origin.git(&["branch", "feature", &bad]);
    origin.git(&["reset", "-q", "--hard", &format!("{bad}~1")]);
    let mut r = TestRepo::clone_from(&origin, &[]);
    let help = help_for(&r, &["check", "--all"], &bad);
    assert!(!help.contains("already on"), "{help}");
    assert!(
        help.contains("rebase -i") || help.contains("--amend"),
        "{help}"
    );
    // A release tag (protected by default: `v*`) publishes it, in a whole-history run and
    // in a range.
    r.git(&["tag", "v1.0.0", &bad]);
    let help = help_for(&r, &["check", "--all"], &bad);
    assert!(help.contains("is already on refs/tags/v1.0.0"), "{help}");
    let help = help_for(&r, &["check", &format!("{bad}~1..{bad}")], &bad);
    assert!(help.contains("is already on refs/tags/v1.0.0"), "{help}");
    // Another tag does not.
    r.git(&["tag", "-d", "v1.0.0"]);
    r.git(&["tag", "nightly", &bad]);
    let help = help_for(&r, &["check", "--all"], &bad);
    assert!(!help.contains("already on"), "{help}");
}

#[test]
fn the_written_waiver_settles_the_finding() {
    let (origin, bad, _) = history();
    let r = TestRepo::clone_from(&origin, &[]);
    let help = help_for(&r, &["check", "--all"], &bad);
    // Paste the waiver block the advice wrote (dedented to the top level), naming an
    // approver, into the work tree's policy.
    let block: Vec<&str> = help
        .lines()
        .skip_while(|l| l.trim() != "waivers:")
        .take_while(|l| !l.starts_with("or,"))
        .collect();
    assert!(block.len() >= 7, "{help}");
    let block: String = block
        .iter()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .map(|l| {
            if l.trim_start().starts_with("approved_by:") {
                "    approved_by: Carol Chief <carol@example.com>".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    r.write(".countersign.yml", &format!("{POLICY}{block}\n"));
    let out = run(&r, &["check", "--all", "--format", "json"]);
    assert_eq!(out.code, 0, "{block}\n{}\n{}", out.stdout, out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["summary"]["waived"], 1, "{}", out.stdout);
}

#[test]
fn signed_reviews_come_first_for_a_published_commit() {
    let (origin, bad, _) = history();
    let policy = format!("{POLICY}evidence:\n  review: [signed, trailer]\n");
    let r = TestRepo::clone_from(&origin, &[]);
    r.write(".countersign.yml", &policy);
    let help = help_for(&r, &["check", "--all"], &bad);
    let review = help
        .find(&format!("countersign review {}", &bad[..12]))
        .unwrap_or_else(|| panic!("{help}"));
    let waiver = help.find("waivers:").unwrap_or_else(|| panic!("{help}"));
    assert!(review < waiver, "{help}");
}
