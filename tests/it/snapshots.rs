//! Snapshots of what people read (issue 14, Tests): the human output of `check` for a squash
//! commit, a line that matches several signatures, a large run (the summary table) and each
//! fix-target case, and `explain CODE`. Regenerate with `UPDATE_GOLDEN=1 cargo test --test it
//! snapshots::` and review the diff like code.

use crate::support::{TestRepo, golden};

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const POLICY: &str = "version: 1\ntiers:\n  - name: low\n  - name: standard\n    reviewers: 1\ndefault_tier: standard\nrules:\n  - name: docs\n    paths: [\"docs/**\"]\n    tier: low\n";

/// stdout of `countersign args…` (no colour), with today's date masked.
fn human(r: &TestRepo, args: &[&str]) -> String {
    let out = r
        .command(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run countersign");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    mask_dates(&text)
}

/// `expires: YYYY-MM-DD` and `W-YYYY-` depend on today.
fn mask_dates(s: &str) -> String {
    let re = regex::Regex::new(r"expires: \d{4}-\d{2}-\d{2}|W-\d{4}-").expect("regex");
    re.replace_all(s, |c: &regex::Captures| {
        if c[0].starts_with("expires") {
            "expires: <today+90d>".to_string()
        } else {
            "W-<year>-".to_string()
        }
    })
    .into_owned()
}

fn repo() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[(".countersign.yml", POLICY), ("src/lib.rs", "\n")],
    );
    r
}

#[test]
fn squash_commit() {
    let mut r = repo();
    r.commit_files(
        "Add parser (#12)\n\n* Add parser\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n* Fix tests\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n---------\n\nCo-authored-by: Claude <noreply@anthropic.com>\nReviewed-by: Rita Reviewer <rita@example.com>\n",
        &[("src/parser.rs", "x\n")],
    );
    golden(
        "fixtures/snapshots/squash-commit.txt",
        &human(&r, &["check", "HEAD"]),
    );
}

#[test]
fn line_matching_several_signatures() {
    let mut r = repo();
    r.commit_files(
        "Add util\n\nBody.\n\nAssisted-by: Claude Opus 4.8 <noreply@anthropic.com>\n",
        &[("src/util.rs", "x\n")],
    );
    golden(
        "fixtures/snapshots/multi-signature.txt",
        &human(&r, &["check", "HEAD"]),
    );
}

#[test]
fn large_run_prints_the_summary_table() {
    let mut r = repo();
    for i in 0..30 {
        r.commit_files(
            &format!("Change {i}\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nBody after the marker.\n"),
            &[(&format!("src/f{i}.rs"), "x\n")],
        );
    }
    let text = human(&r, &["check", "--all"]);
    assert!(text.contains("more than 50"), "{text}");
    golden("fixtures/snapshots/large-run.txt", &text);
}

#[test]
fn fix_targets() {
    let mut origin = repo();
    let published = origin.commit_files(
        "Published change\n\nBody.\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        &[("src/old.rs", "x\n")],
    );
    let mut r = TestRepo::clone_from(&origin, &[]);
    r.commit_files(
        "Earlier change\n\nBody.\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        &[("src/a.rs", "x\n")],
    );
    r.commit_files(
        "Head change\n\nBody.\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        &[("src/b.rs", "x\n")],
    );
    let text = human(&r, &["check", "--all"]);
    assert!(text.contains(&format!("commit: {published}")), "{text}");
    golden("fixtures/snapshots/fix-targets.txt", &text);
}

#[test]
fn explain_a_code() {
    let r = repo();
    golden(
        "fixtures/snapshots/explain-marker-outside-trailers.txt",
        &human(&r, &["explain", "marker-outside-trailers"]),
    );
}

#[test]
fn invalid_policy_errors() {
    let mut r = TestRepo::new();
    let bad = "version: 1\ntiers:\n  - name: low\n    reviewers: -1\n  - nme: x\ndefault_tier: nope\nrules:\n  - name: r\n    paths: [\"src/[\"]\n    tier: low\n";
    r.commit_files("Initial", &[(".countersign.yml", bad)]);
    let out = r
        .command(BIN)
        .args(["policy", "check"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run countersign");
    assert_eq!(out.status.code(), Some(2));
    golden(
        "fixtures/snapshots/invalid-policy.txt",
        &String::from_utf8_lossy(&out.stderr),
    );
}
