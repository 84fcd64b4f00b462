//! §6 "Range and CI": AT-R01 … AT-R09, AT-R12 (AT-R10, AT-R11, AT-R13 are about workflow
//! configuration and branch protection on the platform; see the README table).

use std::io::Write;
use std::process::Stdio;

use crate::adversarial::common::*;

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Appends `n` commits to `branch` with `git fast-import`; commit `risky_at` (0-based) edits
/// `src/auth/login.rs` without review, every other one edits a doc.
fn many_commits(r: &mut TestRepo, branch: &str, n: usize, risky_at: Option<usize>) {
    let parent = r.rev(branch);
    let mut s = String::new();
    for i in 0..n {
        let (path, content) = if Some(i) == risky_at {
            ("src/auth/login.rs", format!("fn login() {{ v{i}() }}\n"))
        } else {
            ("docs/log.md", format!("entry {i}\n"))
        };
        s.push_str(&format!("commit refs/heads/{branch}\n"));
        s.push_str(&format!(
            "author {ALICE} {} +0000\ncommitter Carl Committer <carl@example.com> {} +0000\n",
            1_704_100_000 + i,
            1_704_100_000 + i
        ));
        let m = format!("Change {i}\n");
        s.push_str(&format!("data {}\n{m}", m.len()));
        if i == 0 {
            s.push_str(&format!("from {parent}\n"));
        }
        s.push_str(&format!(
            "M 100644 inline {path}\ndata {}\n{content}\n",
            content.len()
        ));
    }
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
        .write_all(s.as_bytes())
        .expect("write stream");
    assert!(child.wait().expect("fast-import").success());
    r.git(&["reset", "-q", "--hard", branch]);
}

#[test]
fn at_r01_shallow_clone_is_indeterminate() {
    let mut src = baseline();
    src.git(&["checkout", "-q", "-b", "feature"]);
    for i in 0..3 {
        auth_change(
            &mut src,
            &format!("Step {i}\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"),
        );
        src.write("docs/n.md", &format!("{i}\n"));
        src.git(&["add", "-A"]);
        src.git(&["commit", "-q", "-m", &format!("Docs {i}")]);
    }
    src.git(&["checkout", "-q", "main"]);
    let mut clone = TestRepo::clone_from(
        &src,
        &["--depth", "1", "--no-single-branch", "-b", "feature"],
    );
    let out = check_with(&mut clone, "origin/main..HEAD", Some(&[]));
    out.assert_indeterminate("incomplete");
    let out = check_with(&mut clone, "origin/main...HEAD", Some(&[]));
    out.assert_indeterminate("incomplete");
}

#[test]
fn at_r02_unrelated_history_without_merge_base_is_indeterminate() {
    let mut r = baseline();
    r.git(&["checkout", "-q", "--orphan", "other"]);
    r.git(&["rm", "-rq", "--cached", "."]);
    commit_as(&mut r, ALICE, "Unrelated\n", &[("src/auth/x.rs", "x\n")]);
    let out = check_with(&mut r, "main...other", Some(&[]));
    out.assert_indeterminate("incomplete");
}

#[test]
fn at_r03_pre_receive_new_branch_with_risky_commit_denies() {
    // A new *protected* branch (`release/**` in the policy's `protect:`) is checked as
    // `new --not --all` and denied; a new unprotected branch is accepted (pushed to be
    // reviewed) with a note of what the merge will need.
    let mut r = baseline_trailer_mode();
    let old = r.head();
    let new = auth_change(&mut r, "Unreviewed\n");
    r.git(&["reset", "-q", "--hard", &old]);
    let (code, err) = pre_receive(&r, &format!("{ZERO} {new} refs/heads/release/1.0\n"));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("missing-reviewer"), "{err}");
    let (code, err) = pre_receive(&r, &format!("{ZERO} {new} refs/heads/topic\n"));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("not a protected ref"), "{err}");
    assert!(err.contains("missing-reviewer"), "{err}");
}

#[test]
fn at_r04_pre_receive_branch_deletion_follows_policy() {
    let mut r = baseline();
    let head = r.head();
    r.git(&["branch", "topic"]);
    let mut child = r
        .command(BIN)
        .args(["hook", "pre-receive"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let line = format!("{head} {ZERO} refs/heads/topic\n");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(line.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    // Default: deleting an unprotected branch passes.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn at_r05_gitlab_zero_before_sha_without_base_is_indeterminate() {
    let mut r = baseline();
    let head = auth_change(&mut r, "Unreviewed\n");
    let out = run(
        &r,
        &["ci"],
        &[
            ("GITLAB_CI", "true"),
            ("CI_PIPELINE_SOURCE", "push"),
            ("CI_COMMIT_SHA", &head),
            ("CI_COMMIT_BEFORE_SHA", ZERO),
            ("CI_COMMIT_REF_NAME", "main"),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn at_r06_three_hundred_commits_all_evaluated() {
    let mut r = baseline();
    let base = r.head();
    many_commits(&mut r, "main", 300, Some(137));
    let out = check_with(&mut r, &format!("{base}..HEAD"), Some(&[]));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert_eq!(v["summary"]["commits"], 300);
    let failing: Vec<&str> = v["commits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["findings"].as_array().is_some_and(|f| !f.is_empty()))
        .filter_map(|c| c["subject"].as_str())
        .collect();
    assert_eq!(failing, ["Change 137"]);
}

#[test]
fn at_r07_push_event_lists_20_of_25_commits_all_evaluated() {
    let mut r = baseline_trailer_mode();
    let before = r.head();
    many_commits(&mut r, "main", 25, Some(22));
    let after = r.head();
    let commits: Vec<serde_json::Value> = (0..20)
        .map(|i| serde_json::json!({"id": format!("{i:040x}"), "message": "x"}))
        .collect();
    let event = serde_json::json!({
        "ref": "refs/heads/main", "before": before, "after": after, "commits": commits,
        "repository": {"default_branch": "main"},
    });
    let ev = r.tmp.path().join("event.json");
    std::fs::write(&ev, event.to_string()).expect("write event");
    // A push has no pull request, so no reviews file (and the trailer-mode policy).
    let out = run(
        &r,
        &["ci", "--format", "json"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", &ev.to_string_lossy()),
            ("GITHUB_SHA", &after),
            ("GITHUB_REF", "refs/heads/main"),
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["summary"]["commits"], 25);
}

#[test]
fn at_r08_empty_range_with_head_not_base_is_indeterminate() {
    let mut r = baseline();
    auth_change(&mut r, "Unreviewed\n");
    // Base and head swapped: `HEAD..HEAD~1` selects nothing, yet HEAD~1 != HEAD.
    let out = check_with(&mut r, "HEAD..HEAD~1", Some(&[]));
    out.assert_indeterminate("incomplete");
}

#[test]
fn at_r09_skip_ci_in_message_changes_nothing() {
    for m in [
        "Tighten login [skip ci]\n",
        "Tighten login\n\nskip-checks: true\n",
    ] {
        let mut r = baseline();
        auth_change(&mut r, m);
        check_approved(&mut r).assert_deny("missing-reviewer");
    }
}

#[test]
fn at_r12_pre_receive_sees_quarantined_objects() {
    // A real push to a bare repository: the pushed objects live in the quarantine directory
    // while pre-receive runs; the verdict must be DENY (the risky commit is seen), never
    // "no commits → PASS".
    let mut server = baseline_trailer_mode();
    let bare = server.tmp.path().join("server.git");
    let b = bare.to_string_lossy().into_owned();
    server.git(&["clone", "-q", "--bare", ".", &b]);
    let hook = bare.join("hooks/pre-receive");
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{BIN}' hook pre-receive\n")).expect("hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    auth_change(&mut server, "Unreviewed\n");
    let push = server.git_output(&["push", "-q", &b, "HEAD:main"]);
    assert!(!push.status.success(), "pre-receive must reject the push");
    let err = String::from_utf8_lossy(&push.stderr);
    assert!(err.contains("missing-reviewer"), "{err}");
}
