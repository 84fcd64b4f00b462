//! Issue 11, classes 1, 2, 3 and 11: what countersign reads from git must be what git means,
//! in `check`, `ci`, pre-push and pre-receive alike.
//!
//! - class 1, the merge rule: a merge answers for every path where it differs from its
//!   first parent, unless a commit of the range introduced that content or the range's base
//!   already has it (`git_truth_merge_*`);
//! - class 2, commit objects read as git reads them, or exit 2 (`git_truth_commit_*`; the
//!   differential test against git is `tests/it/commit_oracle.rs`);
//! - class 3, grafts and replace refs change nothing (`git_truth_graft_*`,
//!   `git_truth_replace_*`);
//! - class 11, bounded everywhere: deep trees, octopus merges, huge policy blobs end in
//!   exit 2 with a message, never a signal (`git_truth_bound_*`).

use std::io::Write;
use std::process::Stdio;

use crate::adversarial::common::*;

const ZERO: &str = "0000000000000000000000000000000000000000";
/// The content of `src/auth/login.rs` before the reviewed fix.
const OLD_LOGIN: &str = "fn login() {}\n";
/// After the reviewed fix.
const FIXED_LOGIN: &str = "fn login() { check_password() }\n";

/// Runs the binary with `stdin`.
fn run_stdin(r: &TestRepo, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let mut cmd = r.command(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn countersign");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `hook pre-receive` for one ref update.
fn pre_receive(r: &TestRepo, old: &str, new: &str, refname: &str) -> Run {
    run_stdin(
        r,
        &["hook", "pre-receive"],
        &[],
        &format!("{old} {new} {refname}\n"),
    )
}

/// `hook pre-push origin URL` pushing `local` to `refs/heads/main` whose remote tip is
/// `remote` (`refs/remotes/origin/main` is set to it first).
fn pre_push(r: &mut TestRepo, local: &str, remote: &str) -> Run {
    if remote != ZERO {
        r.git(&["update-ref", "refs/remotes/origin/main", remote]);
    }
    run_stdin(
        r,
        &["hook", "pre-push", "origin", "file:///nowhere"],
        &[],
        &format!("refs/heads/feature {local} refs/heads/main {remote}\n"),
    )
}

/// `ci` on a GitHub pull_request event from `base` to `head` (no reviews: trailer mode).
fn ci_pr(r: &TestRepo, base: &str, head: &str) -> Run {
    let event = serde_json::json!({
        "pull_request": {"number": 7, "title": "Change", "body": "", "user": {"login": "alice"},
          "head": {"sha": head, "ref": "feature"}, "base": {"sha": base, "ref": "main"}, "labels": []}
    });
    let ev = r.tmp.path().join("event.json");
    std::fs::write(&ev, event.to_string()).expect("event");
    let reviews = r.tmp.path().join("reviews.json");
    std::fs::write(&reviews, "[]").expect("reviews");
    run(
        r,
        &[
            "ci",
            "--format",
            "json",
            "--reviews",
            &reviews.to_string_lossy(),
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &ev.to_string_lossy()),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_HEAD_REF", "feature"),
            ("GITHUB_SHA", head),
        ],
    )
}

/// `check RANGE --format json`.
fn check(r: &TestRepo, range: &str) -> Run {
    run(r, &["check", range, "--format", "json"], &[])
}

/// The paths the commit `id` of a JSON report answers for (via its rules and tier), as
/// recorded by `paths_changed`, and whether it fails.
fn commit_of<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["commits"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("commit {id} not in the report: {v}"))
}

fn fails(v: &serde_json::Value, id: &str) -> bool {
    commit_of(v, id)["findings"].as_array().is_some_and(|f| {
        f.iter()
            .any(|f| f["severity"] == "error" && f["waived_by"].is_null())
    })
}

/// The reviewed fix as it lands on `main`.
fn reviewed_fix(r: &mut TestRepo) -> String {
    commit_as(
        r,
        ALICE,
        &msg("Fix login", &[BY_BOB, CHG]),
        &[("src/auth/login.rs", FIXED_LOGIN)],
    )
}

/// main: import (login.rs old) → reviewed fix (login.rs fixed) = T; branch `old` forked from
/// the import with one trivial human commit to the README. Returns (repo, import, T, old tip).
fn forked_before_fix() -> (TestRepo, String, String, String) {
    let mut r = baseline_trailer_mode();
    let import = r.head();
    let t = reviewed_fix(&mut r);
    r.git(&["checkout", "-q", "-b", "old", &import]);
    let o = commit_as(
        &mut r,
        ALICE,
        "Tweak readme\n",
        &[("README.md", "# demo!\n")],
    );
    r.git(&["checkout", "-q", "-B", "feature", &t]);
    (r, import, t, o)
}

/// On `feature`: merges `branch`, keeping `src/auth/login.rs` as `branch` has it (the old
/// version wins); message without any trailer. Returns the merge.
fn merge_taking_theirs_login(r: &mut TestRepo, branch: &str) -> String {
    let _ = r.git_output(&["merge", "-q", "--no-ff", "--no-commit", branch]);
    r.git(&["checkout", branch, "--", "src/auth/login.rs"]);
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "--author",
        ALICE,
        "-m",
        &format!("Merge branch '{branch}'"),
    ]);
    r.head()
}

/// git's own combined diff of a merge (what the old rule judged): empty for these attacks.
fn combined(r: &mut TestRepo, merge: &str) -> String {
    r.git(&[
        "diff-tree",
        "-c",
        "-r",
        "--no-commit-id",
        "--name-only",
        merge,
    ])
    .trim()
    .to_string()
}

/// A commit object made with `git commit-tree` from `tree` with `parents` and `msg`.
fn commit_tree(r: &mut TestRepo, tree: &str, parents: &[&str], msg: &str) -> String {
    let mut a = vec!["commit-tree", tree];
    for p in parents {
        a.push("-p");
        a.push(p);
    }
    a.extend(["-m", msg]);
    r.git(&a).trim().to_string()
}

/// The tree of `rev` with `src/auth/login.rs` replaced by its content at `from`.
fn tree_with_login_of(r: &mut TestRepo, rev: &str, from: &str) -> String {
    r.git(&["read-tree", rev]);
    let blob = r.rev(&format!("{from}:src/auth/login.rs"));
    r.git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{blob},src/auth/login.rs"),
    ]);
    let t = r.git(&["write-tree"]).trim().to_string();
    r.git(&["read-tree", "HEAD"]);
    t
}

// ---------------------------------------------------------------------------------------
// Class 1: a merge answers for everything it brings in.
// ---------------------------------------------------------------------------------------

#[test]
fn git_truth_merge_side_branch_forked_before_fix_answers_in_check() {
    let (mut r, _, t, _) = forked_before_fix();
    let x = merge_taking_theirs_login(&mut r, "old");
    assert_eq!(
        r.git(&["show", &format!("{x}:src/auth/login.rs")]),
        OLD_LOGIN
    );
    assert_eq!(combined(&mut r, &x), "", "the old rule saw nothing here");
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert!(fails(&v, &x), "the merge answers for the revert: {v}");
    assert_eq!(commit_of(&v, &x)["tier"], "auth");
    // The trivial side commit is in range and answers only for its README change.
    let o = r.rev("old");
    assert!(!fails(&v, &o));
    // Three-dot and the default range (upstream = main at T) agree.
    check(&r, &format!("{t}...{x}")).assert_deny("missing-reviewer");
    // No upstream: the remote's default branch (origin/main at T) is the base.
    r.git(&["update-ref", "refs/remotes/origin/main", &t]);
    let out = run(&r, &["check", "--format", "json"], &[]);
    out.assert_deny("missing-reviewer");
    assert!(out.stderr.contains("origin/main"), "{}", out.stderr);
}

#[test]
fn git_truth_merge_side_branch_forked_before_fix_answers_in_pre_push() {
    let (mut r, _, t, _) = forked_before_fix();
    let x = merge_taking_theirs_login(&mut r, "old");
    let out = pre_push(&mut r, &x, &t);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("Merge branch 'old'"), "{}", out.stderr);
    // A new branch (no remote object): compared with the remote-tracking refs.
    let out = pre_push(&mut r, &x, ZERO);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn git_truth_merge_side_branch_forked_before_fix_answers_in_pre_receive() {
    let (mut r, _, t, _) = forked_before_fix();
    let x = merge_taking_theirs_login(&mut r, "old");
    r.git(&["checkout", "-q", "main"]);
    let out = pre_receive(&r, &t, &x, "refs/heads/main");
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("Merge branch 'old'"), "{}", out.stderr);
    // Created as a new ref: `new --not --all` (main at T and `old` are known; the merge is
    // on no ref). `old` is on the server already, but it is no base: the default branch is.
    r.git(&["branch", "-D", "-q", "feature"]);
    let out = pre_receive(&r, ZERO, &x, "refs/heads/release/1");
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn git_truth_merge_side_branch_forked_before_fix_answers_in_ci() {
    let (mut r, _, t, _) = forked_before_fix();
    let x = merge_taking_theirs_login(&mut r, "old");
    let out = ci_pr(&r, &t, &x);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(fails(&out.json(), &x));
}

#[test]
fn git_truth_merge_of_the_target_into_an_old_branch_keeping_old_content_answers() {
    // The parents swapped: `old` (forked before the fix) merges main and keeps its own old
    // login.rs. Against its first parent nothing changed there, yet against the base (main)
    // the merge reverts the fix: the merge is where the old content met the base.
    let (mut r, _, t, o) = forked_before_fix();
    r.git(&["checkout", "-q", "-B", "feature", &o]);
    let _ = r.git_output(&["merge", "-q", "--no-ff", "--no-commit", "main"]);
    r.git(&["checkout", &o, "--", "src/auth/login.rs"]);
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "--author",
        ALICE,
        "-m",
        "Merge branch 'main' into old",
    ]);
    let x = r.head();
    assert_eq!(
        r.git(&["show", &format!("{x}:src/auth/login.rs")]),
        OLD_LOGIN
    );
    assert_eq!(combined(&mut r, &x), "");
    // A later commit on top changes nothing about who answers.
    let h = commit_as(&mut r, ALICE, "Docs\n", &[("docs/later.md", "l\n")]);
    let out = check(&r, &format!("{t}..{h}"));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert!(fails(&v, &x), "{v}");
    assert!(!fails(&v, &o) && !fails(&v, &h));
    assert_eq!(pre_receive(&r, &t, &h, "refs/heads/main").code, 1);
    assert_eq!(ci_pr(&r, &t, &h).code, 1);
    assert_eq!(pre_push(&mut r, &h, &t).code, 1);
    // The honest version of the same merge (main's login.rs wins) has nothing to answer.
    r.git(&["checkout", "-q", "-B", "feature2", &o]);
    let y = r.merge("Merge branch 'main' into old\n", &["main"], None);
    let out = check(&r, &format!("{t}..{y}"));
    out.assert_pass();
    assert_eq!(commit_of(&out.json(), &y)["paths_changed"], 0);
}

#[test]
fn git_truth_merge_reviving_an_old_ancestor_answers() {
    // The merge's second parent is the import itself (an ancestor of the base): `git merge`
    // calls that up to date, so it is made with commit-tree.
    let (mut r, import, t, _) = forked_before_fix();
    let f1 = commit_as(&mut r, ALICE, "Docs\n", &[("docs/more.md", "more\n")]);
    let tree = tree_with_login_of(&mut r, &f1, &import);
    let x = commit_tree(&mut r, &tree, &[&f1, &import], "Merge old import");
    assert_eq!(combined(&mut r, &x), "");
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_deny("missing-reviewer");
    assert!(fails(&out.json(), &x));
    assert_eq!(pre_receive(&r, &t, &x, "refs/heads/main").code, 1);
}

#[test]
fn git_truth_merge_octopus_parent_bringing_old_content_answers() {
    let (mut r, import, t, _) = forked_before_fix();
    let f1 = commit_as(&mut r, ALICE, "Docs\n", &[("docs/more.md", "more\n")]);
    r.git(&["checkout", "-q", "-b", "s", &t]);
    let s1 = commit_as(&mut r, ALICE, "Docs 2\n", &[("docs/two.md", "2\n")]);
    r.git(&["checkout", "-q", "feature"]);
    // Result: f1 + s1's docs, and the import's login.rs (from the third parent).
    let mut tree = tree_with_login_of(&mut r, &f1, &import);
    r.git(&["read-tree", &tree]);
    let blob = r.rev(&format!("{s1}:docs/two.md"));
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{blob},docs/two.md"),
    ]);
    tree = r.git(&["write-tree"]).trim().to_string();
    r.git(&["read-tree", "HEAD"]);
    let x = commit_tree(&mut r, &tree, &[&f1, &s1, &import], "Octopus");
    assert_eq!(combined(&mut r, &x), "");
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert!(fails(&v, &x), "{v}");
    // docs/two.md came from s1, which is in the range: the octopus does not answer for it.
    assert!(!fails(&v, &s1));
    assert_eq!(commit_of(&v, &x)["paths_changed"], 1, "{v}");
    let out = ci_pr(&r, &t, &x);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn git_truth_merge_unrelated_history_is_answered_for() {
    let mut r = baseline_trailer_mode();
    let t = reviewed_fix(&mut r);
    r.git(&["checkout", "-q", "--orphan", "unrelated"]);
    r.git(&["rm", "-rq", "--cached", "."]);
    r.git(&["clean", "-qfdx"]);
    let u = commit_as(
        &mut r,
        ALICE,
        "Other project\n",
        &[("src/auth/login.rs", OLD_LOGIN)],
    );
    r.git(&["checkout", "-q", "-f", "-B", "feature", &t]);
    let _ = r.git_output(&[
        "merge",
        "-q",
        "--no-commit",
        "--allow-unrelated-histories",
        "unrelated",
    ]);
    r.git(&["checkout", "unrelated", "--", "src/auth/login.rs"]);
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "--author", ALICE, "-m", "Merge unrelated"]);
    let x = r.head();
    // Every commit of the unrelated history is in the range; its root answers for what it
    // adds, and nothing reaches the base unanswered.
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_deny("missing-reviewer");
    assert!(fails(&out.json(), &u));
    assert_eq!(pre_receive(&r, &t, &x, "refs/heads/main").code, 1);
    assert_eq!(ci_pr(&r, &t, &x).code, 1);
    // On its own, the merge answers for everything it brings over its first parent.
    let out = check(&r, &x);
    out.assert_deny("missing-reviewer");
    assert!(fails(&out.json(), &x));
}

#[test]
fn git_truth_merge_evil_octopus_answers_for_new_content() {
    let mut r = baseline_trailer_mode();
    let t = r.head();
    for b in ["o1", "o2"] {
        r.git(&["checkout", "-q", "-b", b, &t]);
        commit_as(
            &mut r,
            ALICE,
            &format!("{b}\n"),
            &[(&format!("docs/{b}.md"), b)],
        );
    }
    r.git(&["checkout", "-q", "main"]);
    let x = r.merge(
        "Octopus\n",
        &["o1", "o2"],
        Some(&|r: &mut TestRepo| r.write("src/auth/backdoor.rs", "open()\n")),
    );
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert!(fails(&v, &x));
    assert_eq!(commit_of(&v, &x)["paths_changed"], 1, "{v}");
}

#[test]
fn git_truth_merge_nested_revert_is_answered_by_the_inner_merge() {
    // `x` merges `old` (the revert, unanswered by anyone else); the outer merge brings x in
    // cleanly. The inner merge answers; the outer one, whose content x introduced, does not.
    let (mut r, _, t, _) = forked_before_fix();
    r.git(&["checkout", "-q", "-b", "x", &t]);
    let inner = merge_taking_theirs_login(&mut r, "old");
    r.git(&["checkout", "-q", "feature"]);
    commit_as(&mut r, ALICE, "Docs\n", &[("docs/more.md", "more\n")]);
    let outer = r.merge("Merge branch 'x'\n", &["x"], None);
    let out = check(&r, &format!("{t}..{outer}"));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert!(fails(&v, &inner), "{v}");
    assert!(!fails(&v, &outer), "{v}");
}

#[test]
fn git_truth_merge_side_change_in_range_answers_itself() {
    // The side branch's own commit sets login.rs (reviewed): it answers, the merge does not.
    let (mut r, import, t, _) = forked_before_fix();
    r.git(&["checkout", "-q", "-b", "side", &import]);
    let s = commit_as(
        &mut r,
        ALICE,
        &msg("Rework login", &[BY_BOB, CHG]),
        &[("src/auth/login.rs", "fn login() { v2() }\n")],
    );
    r.git(&["checkout", "-q", "feature"]);
    let x = merge_taking_theirs_login(&mut r, "side");
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_pass();
    let v = out.json();
    assert_eq!(commit_of(&v, &x)["paths_changed"], 0, "{v}");
    assert!(!fails(&v, &s));
    // Unreviewed, the side commit itself is what fails.
    r.git(&["checkout", "-q", "-B", "side2", &import]);
    let s2 = commit_as(
        &mut r,
        ALICE,
        "Rework login\n",
        &[("src/auth/login.rs", "fn login() { v3() }\n")],
    );
    r.git(&["checkout", "-q", "-B", "feature", &t]);
    let x2 = merge_taking_theirs_login(&mut r, "side2");
    let out = check(&r, &format!("{t}..{x2}"));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert!(fails(&v, &s2));
    assert!(!fails(&v, &x2), "{v}");
}

#[test]
fn git_truth_merge_clean_merge_of_reviewed_work_has_nothing_to_answer() {
    let mut r = baseline_trailer_mode();
    let t = r.head();
    r.git(&["checkout", "-q", "-b", "topic"]);
    reviewed_fix(&mut r);
    commit_as(&mut r, ALICE, "Docs\n", &[("docs/fix.md", "fix\n")]);
    r.git(&["checkout", "-q", "main"]);
    commit_as(&mut r, ALICE, "Main docs\n", &[("docs/main.md", "m\n")]);
    let x = r.merge("Merge branch 'topic'\n", &["topic"], None);
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_pass();
    assert_eq!(commit_of(&out.json(), &x)["paths_changed"], 0);
    assert_eq!(pre_receive(&r, &t, &x, "refs/heads/main").code, 0);
    let out = ci_pr(&r, &t, &x);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn git_truth_merge_sync_of_the_target_brings_nothing_new() {
    // feature forks from the import; main gets a reviewed fix (T); the feature merges main.
    let mut r = baseline_trailer_mode();
    let import = r.head();
    let t = reviewed_fix(&mut r);
    r.git(&["checkout", "-q", "-b", "feature", &import]);
    commit_as(
        &mut r,
        ALICE,
        "Feature docs\n",
        &[("docs/feature.md", "f\n")],
    );
    let x = r.merge("Merge branch 'main' into feature\n", &["main"], None);
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_pass();
    assert_eq!(commit_of(&out.json(), &x)["paths_changed"], 0);
    // The PR, the push of the new branch and the server see the same.
    let out = ci_pr(&r, &t, &x);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    r.git(&["update-ref", "refs/remotes/origin/main", &t]);
    let out = pre_push(&mut r, &x, ZERO);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(pre_receive(&r, &t, &x, "refs/heads/main").code, 0);
    // main moves on (a second reviewed change to the same file): the merge still brought
    // only what its base had.
    r.git(&["checkout", "-q", "main"]);
    let t2 = commit_as(
        &mut r,
        ALICE,
        &msg("Fix login again", &[BY_BOB, CHG]),
        &[(
            "src/auth/login.rs",
            "fn login() { check_password(); audit() }\n",
        )],
    );
    let out = check(&r, &format!("{t2}..{x}"));
    out.assert_pass();
    let out = ci_pr(&r, &t2, &x);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn git_truth_merge_sync_with_old_content_is_not_the_base() {
    // A "sync" merge of an old main commit that reverts the fix: the base is main's tip,
    // so the import's content is not "what the base has".
    let (mut r, import, t, _) = forked_before_fix();
    let tree = tree_with_login_of(&mut r, "HEAD", &import);
    let x = commit_tree(&mut r, &tree, &[&t, &import], "Merge branch 'main' (old)");
    let out = check(&r, &format!("{t}..{x}"));
    out.assert_deny("missing-reviewer");
    assert!(fails(&out.json(), &x));
}

#[test]
fn git_truth_merge_being_concluded_in_commit_msg_matches_check_head() {
    // The commit-msg hook sees the merge before it exists: it answers for what `check HEAD`
    // will say of the recorded merge (its first-parent diff).
    let (mut r, _, _, _) = forked_before_fix();
    let _ = r.git_output(&["merge", "-q", "--no-ff", "--no-commit", "old"]);
    r.git(&["checkout", "old", "--", "src/auth/login.rs"]);
    r.git(&["add", "-A"]);
    let msg = r.tmp.path().join("MERGE_MSG");
    std::fs::write(&msg, "Merge branch 'old'\n").expect("msg");
    let out = run(
        &r,
        &["hook", "commit-msg", &msg.to_string_lossy()],
        &[("GIT_EDITOR", ":")],
    );
    assert!(
        out.stderr.contains("missing-reviewer"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    r.git(&[
        "commit",
        "-q",
        "--no-verify",
        "--author",
        ALICE,
        "-m",
        "Merge branch 'old'",
    ]);
    check(&r, "HEAD").assert_deny("missing-reviewer");
}

// ---------------------------------------------------------------------------------------
// Class 2: commit objects read as git reads them, or exit 2.
// ---------------------------------------------------------------------------------------

/// Writes a commit object on top of `parent` with `headers` between the parents and the
/// message (each line ending in `\n`), tree of `parent`; moves `main` to it.
fn crafted(r: &mut TestRepo, parent: &str, after_parents: &str, extra: &str, msg: &str) -> String {
    let tree = r.rev(&format!("{parent}^{{tree}}"));
    let obj = format!("tree {tree}\nparent {parent}\n{after_parents}{extra}\n{msg}");
    let id = write_object(r, "commit", obj.as_bytes());
    r.git(&["update-ref", "refs/heads/main", &id]);
    id
}

const IDENTS: &str = "author Alice Author <alice@corp.example> 1704067200 +0000\ncommitter Carl Committer <carl@example.com> 1704067200 +0000\n";

#[test]
fn git_truth_commit_late_parent_line_is_not_a_parent() {
    // An AI commit named only in a `parent` header after the committer line: git does not
    // follow it, so it is not in the range, and the commit is not a merge.
    let mut r = baseline_trailer_mode();
    let base = r.head();
    let ai = commit_as(
        &mut r,
        COPILOT,
        "AI login\n",
        &[("src/auth/login.rs", "fn login() { ai() }\n")],
    );
    let c = crafted(&mut r, &base, IDENTS, &format!("parent {ai}\n"), "Docs\n");
    let parents = r.git(&["rev-list", "--parents", "-n1", &c]);
    assert_eq!(parents.split_whitespace().count(), 2, "git: one parent");
    let out = check(&r, &format!("{base}..{c}"));
    out.assert_pass();
    let v = out.json();
    assert_eq!(v["summary"]["commits"], 1);
    assert_eq!(commit_of(&v, &c)["merge"], false);
}

#[test]
fn git_truth_commit_two_authors_are_refused() {
    // git log --format=%an shows the last author (a bot), fsck and the sequencer the first.
    let mut r = baseline_trailer_mode();
    let base = r.head();
    let idents = format!(
        "author Alice Author <alice@corp.example> 1704067200 +0000\nauthor {COPILOT_BOT} 1704067200 +0000\ncommitter Carl Committer <carl@example.com> 1704067200 +0000\n"
    );
    let c = crafted(&mut r, &base, &idents, "", "Login\n");
    assert_eq!(
        r.git(&["log", "-1", "--format=%an", &c]).trim(),
        "copilot-swe-agent[bot]"
    );
    let out = check(&r, &format!("{base}..{c}"));
    out.assert_indeterminate("incomplete");
    assert!(out.stderr.contains("second author"), "{}", out.stderr);
    let out = pre_receive(&r, &base, &c, "refs/heads/main");
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn git_truth_commit_shapes_git_readers_disagree_on_are_refused() {
    let mut r = baseline_trailer_mode();
    let base = r.head();
    let tree = r.rev("HEAD^{tree}");
    let variants = [
        // parent before tree: git's parser says "bogus commit object".
        format!("parent {base}\ntree {tree}\n{IDENTS}\nm\n"),
        // a second committer line.
        format!(
            "tree {tree}\nparent {base}\n{IDENTS}committer Mallory <m@x> 1704067200 +0000\n\nm\n"
        ),
        // a second tree line (git reads the first; the object was crafted).
        format!("tree {tree}\nparent {base}\n{IDENTS}tree {tree}\n\nm\n"),
        // author missing.
        format!("tree {tree}\nparent {base}\ncommitter Carl <c@x> 1704067200 +0000\n\nm\n"),
        // NUL in a header value.
        format!(
            "tree {tree}\nparent {base}\nauthor Al\0ice <a@x> 1704067200 +0000\ncommitter C <c@x> 1704067200 +0000\n\nm\n"
        ),
    ];
    for (i, obj) in variants.iter().enumerate() {
        let id = write_object(&mut r, "commit", obj.as_bytes());
        let out = check(&r, &id);
        assert_eq!(out.code, 2, "variant {i}: {}\n{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("error[") && !out.stderr.contains("panicked"),
            "variant {i}: {}",
            out.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------
// Class 3: grafts and replace refs change nothing.
// ---------------------------------------------------------------------------------------

/// main: import → AI commit (unreviewed, src/auth) → human docs commit H.
fn ai_then_human() -> (TestRepo, String, String, String) {
    let mut r = baseline_trailer_mode();
    let import = r.head();
    let ai = commit_as(
        &mut r,
        COPILOT,
        "AI login\n",
        &[("src/auth/login.rs", "fn login() { ai() }\n")],
    );
    let h = commit_as(&mut r, ALICE, "Docs\n", &[("docs/index.md", "more docs\n")]);
    (r, import, ai, h)
}

#[test]
fn git_truth_replace_ref_swapping_the_ai_commit_changes_nothing() {
    let (mut r, import, ai, h) = ai_then_human();
    // A clean, reviewed stand-in with the same parent and tree.
    let tree = r.rev(&format!("{ai}^{{tree}}"));
    let clean = commit_tree(&mut r, &tree, &[&import], &msg("Login", &[BY_BOB, CHG]));
    r.git(&["replace", &ai, &clean]);
    // git itself now shows the stand-in.
    let shown = r.git(&["log", "--format=%s", &h]);
    assert!(
        shown.contains("Login") && !shown.contains("AI login"),
        "{shown}"
    );
    let out = check(&r, &format!("{import}..{h}"));
    out.assert_deny("missing-reviewer");
    assert!(fails(&out.json(), &ai));
    assert_eq!(pre_receive(&r, &import, &h, "refs/heads/main").code, 1);
    assert_eq!(pre_push(&mut r, &h, &import).code, 1);
    assert_eq!(ci_pr(&r, &import, &h).code, 1);
    // Replacing the head itself: the raw head is what is checked.
    r.git(&["replace", "-d", &ai]);
    r.git(&["replace", &h, &clean]);
    let out = check(&r, &h);
    assert_eq!(commit_of(&out.json(), &h)["subject"], "Docs");
}

#[test]
fn git_truth_graft_cutting_off_the_ai_commit_is_refused() {
    let (mut r, import, _ai, h) = ai_then_human();
    // H's parent becomes the import: git's walk skips the AI commit.
    std::fs::create_dir_all(r.dir.join(".git/info")).expect("mkdir");
    std::fs::write(r.dir.join(".git/info/grafts"), format!("{h} {import}\n")).expect("grafts");
    let listed = r.git(&["rev-list", &format!("{import}..{h}")]);
    assert_eq!(listed.lines().count(), 1, "git follows the graft");
    let out = check(&r, &format!("{import}..{h}"));
    out.assert_indeterminate("repository");
    assert!(out.stderr.contains("graft"), "{}", out.stderr);
    let out = pre_receive(&r, &import, &h, "refs/heads/main");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("graft"), "{}", out.stderr);
    assert_eq!(pre_push(&mut r, &h, &import).code, 2);
    assert_eq!(ci_pr(&r, &import, &h).code, 2);
    run(&r, &["check", "--all"], &[]).assert_indeterminate("repository");
    // An empty grafts file is no graft.
    std::fs::write(r.dir.join(".git/info/grafts"), "").expect("grafts");
    check(&r, &format!("{import}..{h}")).assert_deny("missing-reviewer");
}

#[test]
fn git_truth_graft_hiding_the_ai_commit_behind_the_base_is_refused() {
    // Graft the base onto the AI commit: the AI commit would look like base history.
    let (r, import, ai, h) = ai_then_human();
    std::fs::write(r.dir.join(".git/info/grafts"), format!("{import} {ai}\n")).expect("grafts");
    let out = check(&r, &format!("{import}..{h}"));
    out.assert_indeterminate("repository");
}

#[test]
fn git_truth_graft_file_variable_changes_nothing() {
    // GIT_GRAFT_FILE redirects git's grafts; countersign reads stored parents either way.
    let (r, import, ai, h) = ai_then_human();
    let grafts = r.tmp.path().join("grafts");
    std::fs::write(&grafts, format!("{h} {import}\n")).expect("grafts");
    let g = grafts.to_string_lossy().into_owned();
    let out = run(
        &r,
        &["check", &format!("{import}..{h}"), "--format", "json"],
        &[("GIT_GRAFT_FILE", &g)],
    );
    out.assert_deny("missing-reviewer");
    assert!(fails(&out.json(), &ai));
}

// ---------------------------------------------------------------------------------------
// Class 11: bounded everywhere, and a crash is exit 2.
// ---------------------------------------------------------------------------------------

/// A commit on `main` adding one file `depth` directories deep (`d/d/…/f`), by fast-import.
fn deep_commit(r: &mut TestRepo, depth: usize) -> String {
    let path = format!("{}f", "d/".repeat(depth));
    let parent = r.head();
    let stream = format!(
        "commit refs/heads/main\ncommitter Carl Committer <carl@example.com> 1704067260 +0000\ndata 5\nDeep\nfrom {parent}\nM 100644 inline {path}\ndata 3\nhi\n\n"
    );
    let mut child = r
        .command("git")
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
    r.git(&["reset", "-q", "--soft", "main"]);
    r.rev("main")
}

#[test]
fn git_truth_bound_deep_tree_is_exit_2_not_a_crash() {
    let mut r = baseline_trailer_mode();
    let base = r.head();
    let deep = deep_commit(&mut r, 10_001);
    for args in [
        vec!["check", "HEAD"],
        vec!["check", "--all"],
        vec!["facts", "HEAD"],
    ] {
        let out = run(&r, &args, &[]);
        out.assert_indeterminate("limit");
        assert!(
            out.stderr.contains("4096 directories"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = pre_receive(&r, &base, &deep, "refs/heads/main");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("4096 directories"), "{}", out.stderr);
    // Commands that list the tree (init, policy) end normally or with exit 2, never a signal.
    for args in [vec!["init", "--force"], vec!["policy", "check"]] {
        let out = run(&r, &args, &[]);
        assert!((0..=2).contains(&out.code), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn git_truth_bound_tree_at_the_depth_limit_is_read() {
    let mut r = baseline_trailer_mode();
    deep_commit(&mut r, 4000);
    let out = run(&r, &["check", "HEAD", "--format", "json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["commits"][0]["paths_changed"], 1);
}

#[test]
fn git_truth_bound_octopus_over_the_parent_cap_is_exit_2() {
    let mut r = baseline_trailer_mode();
    let base = r.head();
    let tree = r.rev("HEAD^{tree}");
    let mut parents = Vec::new();
    for i in 0..129 {
        parents.push(commit_tree(&mut r, &tree, &[&base], &format!("p{i}")));
    }
    let refs: Vec<&str> = parents.iter().map(String::as_str).collect();
    let x = commit_tree(&mut r, &tree, &refs, "Octopus of 129");
    r.git(&["update-ref", "refs/heads/main", &x]);
    let out = check(&r, &x);
    out.assert_indeterminate("limit");
    assert!(out.stderr.contains("129 parents"), "{}", out.stderr);
    check(&r, &format!("{base}..{x}")).assert_indeterminate("limit");
    assert_eq!(pre_receive(&r, &base, &x, "refs/heads/main").code, 2);
    // 128 parents are read.
    let x = commit_tree(&mut r, &tree, &refs[..128], "Octopus of 128");
    let out = check(&r, &x);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn git_truth_bound_huge_policy_blob_on_the_base_is_exit_2() {
    let mut r = baseline_trailer_mode();
    let mut big = POLICY.replace("review: trailer+approval", "review: trailer");
    big.push_str(&format!("# {}\n", "x".repeat(2 << 20)));
    let base = commit_as(&mut r, ALICE, "Pad policy\n", &[(".countersign.yml", &big)]);
    let head = commit_as(&mut r, ALICE, "Docs\n", &[("docs/x.md", "x\n")]);
    let out = pre_receive(&r, &base, &head, "refs/heads/main");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);
    let out = ci_pr(&r, &base, &head);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);
    let out = run(&r, &["policy", "diff", &base], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn git_truth_bound_huge_commit_in_a_push_is_refused_from_its_header() {
    // 8 MiB of message against a 4 KiB cap: refused before the scan inflates it.
    let mut r = baseline_trailer_mode();
    let base = r.head();
    let mut m = b"Huge\n\n".to_vec();
    m.resize(8 << 20, b'x');
    let tree = r.rev("HEAD^{tree}");
    let mut obj = format!("tree {tree}\nparent {base}\n{IDENTS}\n").into_bytes();
    obj.extend_from_slice(&m);
    let c = write_object(&mut r, "commit", &obj);
    let out = run(&r, &["check", &c, "--max-message-bytes", "4096"], &[]);
    out.assert_indeterminate("limit");
    let out = run_stdin(
        &r,
        &["hook", "pre-receive", "--max-message-bytes", "4096"],
        &[],
        &format!("{base} {c} refs/heads/main\n"),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
}
