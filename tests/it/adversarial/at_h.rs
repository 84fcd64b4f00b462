//! §6 "Hooks and history": AT-H01 … AT-H06.

use crate::adversarial::common::*;

/// A bare "server" repository with a pre-receive hook that runs countersign, and a clone.
fn server_and_clone() -> (TestRepo, TestRepo) {
    let mut server = baseline();
    server.git(&["config", "receive.denyCurrentBranch", "ignore"]);
    let hook = server.dir.join(".git/hooks/pre-receive");
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{BIN}' hook pre-receive\n")).expect("hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let clone = TestRepo::clone_from(&server, &[]);
    (server, clone)
}

#[test]
fn at_h01_no_verify_commit_is_denied_by_pre_receive() {
    let (_server, mut clone) = server_and_clone();
    // `git commit -n`: no commit-msg hook ran, no trailer.
    clone.write("src/auth/login.rs", "fn login() { bypass() }\n");
    clone.git(&["add", "-A"]);
    clone.git(&["commit", "-q", "-n", "-m", "Quick fix"]);
    let push = clone.git_output(&["push", "-q", "origin", "HEAD:main"]);
    assert!(!push.status.success(), "pre-receive must reject the push");
}

#[test]
fn at_h01_no_verify_commit_is_denied_by_ci_check() {
    let mut r = baseline();
    r.write("src/auth/login.rs", "fn login() { bypass() }\n");
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-n", "-m", "Quick fix"]);
    check_approved(&mut r).assert_deny("missing-reviewer");
}

#[test]
fn at_h02_cherry_picked_ai_commit_is_checked() {
    let mut r = baseline();
    r.git(&["checkout", "-q", "-b", "release"]);
    r.git(&["checkout", "-q", "main"]);
    let ai = commit_as(
        &mut r,
        ALICE,
        "Tighten login\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    r.git(&["checkout", "-q", "release"]);
    // cherry-pick runs no commit-msg hook.
    r.git(&["cherry-pick", &ai]);
    let out = check_with(&mut r, "main~1..release", Some(&[]));
    out.assert_deny("missing-reviewer");
}

#[test]
fn at_h03_hook_with_comments_and_scissors_equals_ci() {
    let mut r = baseline();
    let hook_input = format!(
        "Tighten login\n\nBody.\n\n{BY_BOB}\n{CHG}\n# Please enter the commit message\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n"
    );
    let file = r.tmp.path().join("COMMIT_EDITMSG");
    std::fs::write(&file, &hook_input).expect("write");
    r.write("src/auth/login.rs", "fn login() { check() }\n");
    r.git(&["add", "-A"]);
    let hook = run(
        &r,
        &["hook", "commit-msg", &file.to_string_lossy()],
        &[("COUNTERSIGN_FORMAT", "json")],
    );
    // git's default cleanup (strip) gives the final message.
    r.git(&[
        "commit",
        "-q",
        "--cleanup=scissors",
        "-F",
        &file.to_string_lossy(),
    ]);
    // Issue 12: the hook cannot have platform approvals yet, so it never exits 2 for them: it
    // reports what the merge will need. CI without approval data still cannot decide (2).
    assert_eq!(hook.code, 0, "hook:\n{}", hook.stderr);
    assert!(
        hook.stderr.contains("the merge will need"),
        "{}",
        hook.stderr
    );
    let ci = run(&r, &["check", "HEAD", "--format", "json"], &[]);
    assert_eq!(ci.code, 2, "ci:\n{}", ci.stderr);
}

#[test]
fn at_h04_message_shape_gives_no_exemption() {
    for subject in [
        "Revert \"Tighten login\"",
        "Merge branch 'x'",
        "fixup! Tighten login",
        "squash! Tighten login",
    ] {
        let mut r = baseline();
        auth_change(&mut r, &format!("{subject}\n"));
        let out = check_approved(&mut r);
        out.assert_deny("missing-reviewer");
    }
}

#[test]
fn at_h05_evil_merge_resolution_is_checked() {
    let mut r = baseline();
    r.git(&["checkout", "-q", "-b", "side"]);
    commit_as(&mut r, ALICE, "Side docs\n", &[("docs/side.md", "side\n")]);
    r.git(&["checkout", "-q", "main"]);
    commit_as(&mut r, ALICE, "Main docs\n", &[("docs/main.md", "main\n")]);
    // The merge alone adds src/auth/token.rs.
    r.merge(
        "Merge branch 'side'",
        &["side"],
        Some(&|r: &mut TestRepo| r.write("src/auth/token.rs", "fn token() { leak() }\n")),
    );
    let out = check_with(&mut r, "HEAD", Some(&[]));
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert_eq!(v["commits"][0]["merge"], true);
    assert_eq!(v["commits"][0]["tier"], "auth");
}

#[test]
fn at_h06_force_push_replacing_approved_commits_denies() {
    let mut r = baseline();
    let approved = auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    // Force-push: the approved commit is replaced by a new one with the same message.
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    commit_as(
        &mut r,
        ALICE,
        &msg("Tighten login", &[BY_BOB, CHG]),
        &[("src/auth/login.rs", "fn login() { other() }\n")],
    );
    let out = check_with(&mut r, "HEAD", Some(&[("bob", false, &approved)]));
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["unverified"]);
}
