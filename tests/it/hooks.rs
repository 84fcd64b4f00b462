//! The git hooks end to end: real `git commit` / `git push` runs with the hooks installed,
//! a local bare repository with the pre-receive hook, and the installer.

use crate::support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const POLICY: &str = include_str!("../../fixtures/check/policy.yml");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";
const RITA: &str = "Reviewed-by: Rita Reviewer <rita@example.com>";

/// The fixture policy with `release/**` protected next to `main`.
fn protected_policy() -> String {
    format!("{POLICY}\nprotect:\n  branches: [main, \"release/**\"]\n")
}

fn enforce_policy() -> String {
    format!("{POLICY}\nhooks:\n  commit-msg: enforce\n  pre-push: enforce\n")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs countersign in the repository with extra env and optional stdin.
fn cs(repo: &TestRepo, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut c = repo.command(BIN);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run_with_stdin(c, stdin)
}

fn run_with_stdin(mut c: Command, stdin: Option<&str>) -> Output {
    use std::io::Write;
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    if let Some(mut si) = child.stdin.take() {
        si.write_all(stdin.unwrap_or("").as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("wait")
}

/// A repository whose first commit holds `policy`.
fn repo_with(policy: &str) -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", policy),
            ("README.md", "# demo\n"),
            ("src/lib.rs", "\n"),
        ],
    );
    r
}

fn install(r: &TestRepo) -> Output {
    let o = cs(r, &["hook", "install"], &[], None);
    assert_eq!(o.status.code(), Some(0), "install: {}", text(&o.stderr));
    o
}

/// An editor script that puts `before` in front of git's template and `after` behind it.
fn editor(r: &TestRepo, before: &str, after: &str) -> (PathBuf, Vec<(String, String)>) {
    let dir = r.tmp.path();
    let b = dir.join("msg-before");
    let a = dir.join("msg-after");
    std::fs::write(&b, before).expect("write");
    std::fs::write(&a, after).expect("write");
    let script = dir.join("editor.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncat \"$CS_BEFORE\" \"$1\" \"$CS_AFTER\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n",
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (
        script,
        vec![
            ("CS_BEFORE".into(), b.display().to_string()),
            ("CS_AFTER".into(), a.display().to_string()),
        ],
    )
}

/// `git commit` through the editor script (with `extra` args); returns the output.
fn git_commit_edit(r: &mut TestRepo, before: &str, after: &str, extra: &[&str]) -> Output {
    let (script, env) = editor(r, before, after);
    let mut c = r.command("git");
    c.arg("commit").args(extra).env("GIT_EDITOR", &script);
    for (k, v) in env {
        c.env(k, v);
    }
    run_with_stdin(c, None)
}

/// Error codes of `check HEAD` (unwaived errors only), and its exit code.
fn check_head(r: &TestRepo) -> (i32, Vec<String>) {
    let o = cs(r, &["check", "HEAD", "--format", "json"], &[], None);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("json: {e}\n{}", text(&o.stderr)));
    let mut codes = Vec::new();
    for c in v["commits"].as_array().into_iter().flatten() {
        for f in c["findings"].as_array().into_iter().flatten() {
            if f["waived_by"].is_null() && f["severity"] == "error" {
                codes.push(f["code"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    codes.sort();
    (o.status.code().unwrap_or(-1), codes)
}

/// `error[code]` lines of hook output.
fn hook_errors(stderr: &str) -> Vec<String> {
    let mut v: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("error["))
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Runs one commit-msg case and asserts hook verdict == check verdict on the result.
fn same_verdict(
    r: &mut TestRepo,
    name: &str,
    before: &str,
    after: &str,
    extra: &[&str],
    want_pass: bool,
) {
    let n = r.git(&["rev-list", "--count", "HEAD"]);
    let o = git_commit_edit(r, before, after, extra);
    let stderr = text(&o.stderr);
    if o.status.success() {
        let (code, codes) = check_head(r);
        assert_eq!(
            code, 0,
            "{name}: hook passed but check failed with {codes:?}\n{stderr}"
        );
        assert!(
            want_pass,
            "{name}: expected the hook to stop the commit\n{stderr}"
        );
    } else {
        assert_eq!(
            n,
            r.git(&["rev-list", "--count", "HEAD"]),
            "{name}: no commit"
        );
        let hook = hook_errors(&stderr);
        assert!(
            !hook.is_empty(),
            "{name}: git commit failed without a hook error:\n{stderr}"
        );
        let mut nv = vec!["--no-verify"];
        nv.extend_from_slice(extra);
        let o2 = git_commit_edit(r, before, after, &nv);
        assert!(o2.status.success(), "{name}: {}", text(&o2.stderr));
        let (code, codes) = check_head(r);
        assert_eq!(
            code, 1,
            "{name}: hook stopped the commit but check passes\n{stderr}"
        );
        assert_eq!(hook, codes, "{name}: same findings\n{stderr}");
        assert!(!want_pass, "{name}: expected a pass\n{stderr}");
    }
}

#[test]
fn commit_msg_verdict_equals_check_on_the_recorded_commit() {
    let mut r = repo_with(&enforce_policy());
    install(&r);
    // Comment lines: a reviewer only in a comment does not count (git strips it).
    r.write("src/a.rs", "a\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "comment-only reviewer",
        &format!("Add a\n\n# {RITA}\n{CLAUDE}\n"),
        "",
        &[],
        false,
    );
    // Comment lines in the trailer block are dropped before parsing: reviewed → pass.
    r.write("src/b.rs", "b\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "comments in the trailer block",
        &format!("Add b\n\n{CLAUDE}\n# a note\n{RITA}\n"),
        "",
        &[],
        true,
    );
    // Scissors (`git commit -v`): a reviewer below the cut line is not in the commit.
    r.write("src/c.rs", "c\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "scissors",
        &format!("Add c\n\n{CLAUDE}\n"),
        &format!("\n{RITA}\n"),
        &["-v"],
        false,
    );
    r.write("src/d.rs", "d\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "scissors, reviewed above",
        &format!("Add d\n\n{CLAUDE}\n{RITA}\n"),
        "\nnoise below\n",
        &["-v"],
        true,
    );
    // AT-T15: a `---` paragraph, then the trailer paragraph: commit semantics, pass.
    r.write("src/e.rs", "e\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "--- line",
        &format!("Add e\n\nBody.\n---\nnotes below a divider\n\n{CLAUDE}\n{RITA}\n"),
        "",
        &[],
        true,
    );
    // `git commit -m`: no editor, so git keeps `#` lines; a `# note` inside the trailer
    // block makes it a non-trailer paragraph in both places (AT-T16).
    r.write("src/f.rs", "f\n");
    r.git(&["add", "-A"]);
    let msg = format!("Add f\n\n{CLAUDE}\n# note\n{RITA}\n");
    let o = {
        let mut c = r.command("git");
        c.args(["commit", "-q", "-m", &msg]);
        run_with_stdin(c, None)
    };
    assert!(!o.status.success(), "{}", text(&o.stderr));
    let hook = hook_errors(&text(&o.stderr));
    r.git(&["commit", "-q", "--no-verify", "-m", &msg]);
    assert_eq!(check_head(&r), (1, hook));
    // core.commentChar=; with an editor: `# note` stays (not a comment), `; note` goes.
    r.git(&["config", "core.commentChar", ";"]);
    r.write("src/g.rs", "g\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "commentChar ; keeps #",
        &format!("Add g\n\n{CLAUDE}\n# note\n{RITA}\n"),
        "",
        &[],
        false,
    );
    r.write("src/h.rs", "h\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "commentChar ; strips ;",
        &format!("Add h\n\n{CLAUDE}\n; note\n{RITA}\n"),
        "",
        &[],
        true,
    );
    // core.commentChar=auto: git picks a character no line of its initial message starts
    // with; the editor's `;` lines are git's comments here only if git chose `;`.
    r.git(&["config", "core.commentChar", "auto"]);
    r.write("src/i.rs", "i\n");
    r.git(&["add", "-A"]);
    same_verdict(
        &mut r,
        "commentChar auto",
        &format!("Add i\n\n{CLAUDE}\n# note\n{RITA}\n"),
        "",
        &[],
        true,
    );
    // `git commit -a` (git hands the hook a temporary index).
    r.git(&["config", "--unset", "core.commentChar"]);
    r.write("src/crypto/k.rs", "k\n");
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "--no-verify", "-m", "Add crypto by hand"]);
    r.write("src/crypto/k.rs", "k2\n");
    same_verdict(
        &mut r,
        "commit -a into a forbidden path",
        &format!("Tweak k\n\n{CLAUDE}\n{RITA}\n"),
        "",
        &["-a"],
        false,
    );
}

#[test]
fn commit_msg_warn_mode_reports_and_blocks_only_ai_forbidden() {
    let mut r = TestRepo::new();
    r.write(".countersign.yml", POLICY);
    r.write("src/crypto/aes.rs", "x\n");
    r.git(&["add", "-A"]);
    install(&r);
    // The very first commit: staged paths against the empty tree; ai-forbidden blocks.
    let mut c = r.command("git");
    c.args(["commit", "-q", "-m", &format!("Add aes\n\n{CLAUDE}\n")]);
    let o = run_with_stdin(c, None);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("error[ai-forbidden]"), "{err}");
    assert!(err.contains("2 staged path(s)"), "{err}");
    assert!(
        r.git_output(&["rev-parse", "--verify", "HEAD"])
            .status
            .code()
            != Some(0)
    );
    // Without the AI marker the first commit goes through.
    r.git(&["commit", "-q", "-m", "Add aes by hand"]);
    // Missing reviewer: a warning, the commit happens, the trailer line to add is printed.
    r.write("src/x.rs", "x\n");
    r.git(&["add", "-A"]);
    let mut c = r.command("git");
    c.args(["commit", "-q", "-m", &format!("Add x\n\n{CLAUDE}\n")]);
    let o = run_with_stdin(c, None);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning[missing-reviewer]"), "{err}");
    assert!(
        err.trim_end()
            .lines()
            .any(|l| l.trim() == "Reviewed-by: Name <email>"),
        "{err}"
    );
    assert_eq!(check_head(&r), (1, vec!["missing-reviewer".to_string()]));
    // A change record for a high-tier path: both lines, with the accepted formats.
    r.write("src/payments/p.rs", "p\n");
    r.git(&["add", "-A"]);
    let mut c = r.command("git");
    c.args(["commit", "-q", "-m", &format!("Pay\n\n{CLAUDE}\n{RITA}\n")]);
    let err = text(&run_with_stdin(c, None).stderr);
    assert!(err.contains("  Reviewed-by: Name <email>"), "{err}");
    assert!(err.contains("  Change-Record: <id>"), "{err}");
    assert!(err.contains("jira, servicenow"), "{err}");
    // The author git records is the author the hook checks: self-review is rejected.
    r.write("src/y.rs", "y\n");
    r.git(&["add", "-A"]);
    let mut c = r.command("git");
    c.args([
        "commit",
        "-q",
        "--author",
        "Rita Reviewer <rita@example.com>",
        "-m",
        &format!("Add y\n\n{CLAUDE}\n{RITA}\n"),
    ]);
    let err = text(&run_with_stdin(c, None).stderr);
    assert!(err.contains("warning[missing-reviewer]"), "{err}");
    assert_eq!(check_head(&r), (1, vec!["missing-reviewer".to_string()]));
}

#[test]
fn commit_msg_bad_input_exits_2() {
    let r = repo_with(POLICY);
    let o = cs(&r, &["hook", "commit-msg", "no/such/file"], &[], None);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("no/such/file"), "{err}");
    assert!(err.contains("help:"), "{err}");
}

/// A bare repository next to `r`, registered as `origin`, with `main` pushed.
fn with_remote(r: &mut TestRepo) -> PathBuf {
    let bare = r.tmp.path().join("remote.git");
    let b = bare.display().to_string();
    r.git(&["init", "-q", "--bare", "-b", "main", &b]);
    r.git(&["remote", "add", "origin", &b]);
    r.git(&["push", "-q", "--no-verify", "origin", "main"]);
    r.git(&["fetch", "-q", "origin"]);
    bare
}

fn push(r: &mut TestRepo, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = r.command("git");
    c.arg("push").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run_with_stdin(c, None)
}

fn remote_rev(bare: &Path, r: &TestRepo, rev: &str) -> Option<String> {
    let mut c = r.command("git");
    c.current_dir(bare)
        .args(["rev-parse", "--verify", "-q", rev]);
    let o = c.output().expect("git");
    o.status
        .success()
        .then(|| text(&o.stdout).trim().to_string())
}

#[test]
fn pre_push_checks_every_pushed_ref() {
    let mut r = repo_with(&protected_policy());
    let bare = with_remote(&mut r);
    install(&r);
    let base = r.head();
    // A good commit goes.
    r.commit_files(
        &format!("Add a\n\n{CLAUDE}\n{RITA}\n"),
        &[("src/a.rs", "a\n")],
    );
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // An unreviewed AI commit (committed past the hook) is stopped.
    r.git(&["commit", "-q", "--allow-empty", "-m", "empty"]);
    r.write("src/b.rs", "b\n");
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("Add b\n\n{CLAUDE}\n"),
    ]);
    let bad = r.head();
    let before = remote_rev(&bare, &r, "main");
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("error[missing-reviewer]"), "{err}");
    assert!(err.contains(&bad[..10]), "{err}");
    assert_eq!(remote_rev(&bare, &r, "main"), before);
    // New protected branch: the commits not on any origin ref (the bad one) are checked.
    let o = push(&mut r, &["-q", "origin", "main:refs/heads/release/1"], &[]);
    assert!(!o.status.success(), "{}", text(&o.stderr));
    assert!(remote_rev(&bare, &r, "refs/heads/release/1").is_none());
    // A new unprotected branch is pushed to be reviewed: accepted, with what a merge needs.
    let o = push(&mut r, &["-q", "origin", "main:refs/heads/topic"], &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("refs/heads/topic is not a protected ref"),
        "{err}"
    );
    assert!(err.contains(&bad[..12]), "{err}");
    assert!(err.contains("missing-reviewer"), "{err}");
    // Several refs at once: the good one alone would pass, the push as a whole does not.
    let o = push(
        &mut r,
        &[
            "-q",
            "origin",
            &format!("{base}:refs/heads/release/ok"),
            "main:refs/heads/release/other",
        ],
        &[],
    );
    assert!(!o.status.success(), "{}", text(&o.stderr));
    // Deletions are not checked.
    r.git(&[
        "push",
        "-q",
        "--no-verify",
        "origin",
        &format!("{base}:refs/heads/old"),
    ]);
    let o = push(&mut r, &["-q", "origin", ":refs/heads/old"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Force push: the whole new range is checked, not just what is new since the tip.
    r.git(&["push", "-q", "--no-verify", "origin", "main"]);
    r.git(&["fetch", "-q", "origin"]);
    r.git(&["reset", "-q", "--hard", &base]);
    r.commit_files(&format!("Redo\n\n{CLAUDE}\n"), &[("src/r.rs", "r\n")]);
    let o = push(&mut r, &["-q", "--force", "origin", "main"], &[]);
    assert!(!o.status.success(), "{}", text(&o.stderr));
    r.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-verify",
        "-m",
        &format!("Redo\n\n{CLAUDE}\n{RITA}\n"),
    ]);
    let o = push(&mut r, &["-q", "--force", "origin", "main"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn pre_push_warn_mode_and_malformed_input() {
    let mut r = repo_with(&format!("{POLICY}\nhooks:\n  pre-push: warn\n"));
    with_remote(&mut r);
    install(&r);
    r.write("src/b.rs", "b\n");
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("Add b\n\n{CLAUDE}\n"),
    ]);
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning[missing-reviewer]"), "{err}");
    let o = cs(
        &r,
        &["hook", "pre-push", "origin", "url"],
        &[],
        Some("garbage\n"),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("malformed"));
    let zero = "0".repeat(40);
    let unknown = "1".repeat(40);
    let line = format!("refs/heads/main {unknown} refs/heads/main {zero}\n");
    let o = cs(&r, &["hook", "pre-push", "origin", "url"], &[], Some(&line));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not in this repository"));
}

#[test]
fn pre_push_chained_hook_gets_the_same_stdin() {
    let mut r = repo_with(POLICY);
    with_remote(&mut r);
    let log = r.tmp.path().join("seen");
    let hook = r.dir.join(".git/hooks/pre-push");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"$1 $2\" > '{0}'\ncat >> '{0}'\n",
            log.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    install(&r);
    r.write("src/b.rs", "b\n");
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("Add b\n\n{CLAUDE}\n"),
    ]);
    let head = r.head();
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    assert!(
        !o.status.success(),
        "countersign still runs after the chained hook"
    );
    let seen = std::fs::read_to_string(&log).expect("chained hook ran");
    let mut lines = seen.lines();
    assert!(
        lines.next().is_some_and(|l| l.starts_with("origin ")),
        "{seen}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with(&format!("refs/heads/main {head} refs/heads/main "))),
        "{seen}"
    );
}

/// A bare repository with countersign as its pre-receive hook (`extra` shell lines run
/// first), and a clone `r` pushing to it.
fn server(extra: &str) -> (TestRepo, PathBuf) {
    let mut r = repo_with(&protected_policy());
    let bare = r.tmp.path().join("server.git");
    let b = bare.display().to_string();
    r.git(&["init", "-q", "--bare", "-b", "main", &b]);
    let hook = bare.join("hooks/pre-receive");
    let write_hook = |extra: &str| {
        // The shipped stub (hooks/pre-receive), pointed at the test binary.
        let stub = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive");
        std::fs::write(
            &hook,
            format!(
                "#!/bin/sh\n{extra}COUNTERSIGN='{BIN}'\nexport COUNTERSIGN\n. '{}'\n",
                stub.display()
            ),
        )
        .expect("write");
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    };
    // The first push creates `main` under the embedded default policy.
    write_hook("");
    r.git(&["remote", "add", "origin", &b]);
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    assert!(o.status.success(), "first push: {}", text(&o.stderr));
    r.git(&["fetch", "-q", "origin"]);
    write_hook(extra);
    (r, bare)
}

#[test]
fn pre_receive_rejects_what_check_would_fail() {
    let (mut r, bare) = server("");
    let base = r.head();
    // AT-H01: `git commit -n` without review, pushed: rejected, the ref does not move.
    r.write("src/a.rs", "a\n");
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-n", "-m", &format!("Add a\n\n{CLAUDE}\n")]);
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("remote: countersign: refs/heads/main"),
        "{err}"
    );
    assert!(err.contains("error[missing-reviewer]"), "{err}");
    assert_eq!(
        remote_rev(&bare, &r, "main").as_deref(),
        Some(base.as_str())
    );
    // AT-R03: the same commit on a new protected branch (range `new --not --all`).
    let o = push(&mut r, &["-q", "origin", "main:refs/heads/release/1"], &[]);
    assert!(!o.status.success(), "{}", text(&o.stderr));
    assert!(remote_rev(&bare, &r, "refs/heads/release/1").is_none());
    // On an unprotected branch it is accepted, pushed to be reviewed.
    let o = push(&mut r, &["-q", "origin", "main:refs/heads/wip"], &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("not a protected ref"), "{err}");
    // Reviewed: accepted.
    r.git(&[
        "commit",
        "-q",
        "--amend",
        "-n",
        "-m",
        &format!("Add a\n\n{CLAUDE}\n{RITA}\n"),
    ]);
    let o = push(
        &mut r,
        &["-q", "origin", "main", "main:refs/heads/topic"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    // AT-H04: a revert-shaped subject gets no exemption (src/auth needs review always).
    r.commit_files("Revert \"Add auth\"", &[("src/auth/token.rs", "t\n")]);
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("error[missing-reviewer]"), "{err}");
    r.git(&["reset", "-q", "--hard", "origin/main"]);
    // The policy comes from the old tip: loosening it in the same push changes nothing.
    r.write(
        ".countersign.yml",
        &POLICY.replace("reviewers: 1", "reviewers: 0"),
    );
    r.write("src/b.rs", "b\n");
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "-n",
        "-m",
        &format!("Loosen and add b\n\n{CLAUDE}\n"),
    ]);
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "at {}",
            remote_rev(&bare, &r, "main").unwrap_or_default()
        )) || err.contains(".countersign.yml"),
        "{err}"
    );
    r.git(&["reset", "-q", "--hard", "origin/main"]);
    // Force push replacing reviewed commits with an unreviewed one: rejected.
    r.git(&["reset", "-q", "--hard", &base]);
    r.commit_files(&format!("Replace\n\n{CLAUDE}\n"), &[("src/c.rs", "c\n")]);
    let o = push(&mut r, &["-q", "--force", "origin", "main"], &[]);
    assert!(!o.status.success(), "{}", text(&o.stderr));
    // AT-R04: deleting a branch is fine, deleting the default branch is not.
    let o = push(&mut r, &["-q", "origin", ":refs/heads/topic"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = push(&mut r, &["-q", "origin", ":refs/heads/main"], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("default branch"), "{err}");
}

#[test]
fn pre_receive_gitlab_prefix() {
    let (mut r, _bare) = server("");
    r.write("src/a.rs", "a\n");
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-n", "-m", &format!("Add a\n\n{CLAUDE}\n")]);
    let o = push(&mut r, &["-q", "origin", "main"], &[("GL_ID", "user-1")]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    let ours: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("remote: "))
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!ours.is_empty(), "{err}");
    for l in ours {
        assert!(
            l.starts_with("GL-HOOK-ERR: "),
            "line without prefix: {l:?}\n{err}"
        );
    }
}

#[test]
fn pre_receive_without_the_quarantine_rejects() {
    // AT-R12: a hook environment that hides the quarantine must not pass "no commits".
    let (mut r, bare) =
        server("unset GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_QUARANTINE_PATH\n");
    r.commit_files("Docs", &[("docs/a.md", "a\n")]);
    let before = remote_rev(&bare, &r, "main");
    let o = push(&mut r, &["-q", "origin", "main"], &[]);
    let err = text(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("could not decide"), "{err}");
    assert_eq!(remote_rev(&bare, &r, "main"), before);
}

#[test]
fn pre_receive_malformed_input_exits_2() {
    let (r, bare) = server("");
    let mut c = r.command(BIN);
    c.current_dir(&bare)
        .env("GIT_DIR", &bare)
        .args(["hook", "pre-receive"]);
    let o = run_with_stdin(c, Some("not-a-line\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("malformed"), "{}", text(&o.stderr));
    let mut c = r.command(BIN);
    c.current_dir(&bare)
        .env("GIT_DIR", &bare)
        .args(["hook", "pre-receive"]);
    let line = format!("{} {} refs/heads/x\n", "0".repeat(40), "2".repeat(40));
    let o = run_with_stdin(c, Some(&line));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not in this repository"),
        "{}",
        text(&o.stderr)
    );
}

/// Every file in `dir`: bytes and mode (symlinks as their target).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).expect("meta");
        let bytes = if meta.file_type().is_symlink() {
            std::fs::read_link(&p)
                .expect("link")
                .display()
                .to_string()
                .into_bytes()
        } else if meta.is_dir() {
            b"<dir>".to_vec()
        } else {
            std::fs::read(&p).expect("read")
        };
        m.insert(
            e.file_name().to_string_lossy().into_owned(),
            (bytes, meta.permissions().mode()),
        );
    }
    m
}

fn git_path_hooks(r: &mut TestRepo) -> PathBuf {
    let p = PathBuf::from(r.git(&["rev-parse", "--git-path", "hooks"]).trim());
    if p.is_absolute() { p } else { r.dir.join(p) }
}

#[test]
fn install_is_idempotent_and_uninstall_restores_byte_for_byte() {
    let mut r = repo_with(POLICY);
    let hooks = git_path_hooks(&mut r);
    let user = hooks.join("commit-msg");
    std::fs::write(&user, b"#!/bin/sh\n# mine \xff\necho user-hook-ran >&2\n").expect("write");
    std::fs::set_permissions(&user, std::fs::Permissions::from_mode(0o750)).expect("chmod");
    #[cfg(unix)]
    std::os::unix::fs::symlink("../../elsewhere", hooks.join("pre-push")).expect("symlink");
    let before = snapshot(&hooks);
    install(&r);
    let once = snapshot(&hooks);
    assert_ne!(before, once);
    assert!(once.contains_key("commit-msg.countersign-chained"));
    install(&r);
    assert_eq!(once, snapshot(&hooks), "a second install changes nothing");
    // The chained hook still runs.
    r.write("src/x.rs", "x\n");
    r.git(&["add", "-A"]);
    let mut c = r.command("git");
    c.args(["commit", "-q", "-m", "Add x"]);
    let o = run_with_stdin(c, None);
    assert!(
        text(&o.stderr).contains("user-hook-ran"),
        "{}",
        text(&o.stderr)
    );
    let o = cs(&r, &["hook", "uninstall"], &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        before,
        snapshot(&hooks),
        "uninstall restores exactly what was there"
    );
    // Without a previous hook, uninstall leaves nothing of ours.
    let o = cs(&r, &["hook", "uninstall"], &[], None);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(before, snapshot(&hooks));
}

#[test]
fn install_follows_hooks_path_and_worktrees() {
    let mut r = repo_with(POLICY);
    r.git(&["config", "core.hooksPath", "my-hooks"]);
    install(&r);
    let want = git_path_hooks(&mut r);
    assert!(want.ends_with("my-hooks"), "{}", want.display());
    assert!(want.join("commit-msg").is_file());
    assert!(want.join("pre-push").is_file());
    r.git(&["config", "--unset", "core.hooksPath"]);
    // A linked worktree shares the common hooks directory.
    let wt = r.tmp.path().join("wt");
    let w = wt.display().to_string();
    r.git(&["worktree", "add", "-q", &w, "-b", "side"]);
    let mut c = r.command(BIN);
    c.current_dir(&wt).args(["hook", "install"]);
    let o = run_with_stdin(c, None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut c = r.command("git");
    c.current_dir(&wt)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"]);
    let hooks = PathBuf::from(text(&c.output().expect("git").stdout).trim());
    assert_eq!(hooks, r.dir.join(".git/hooks"));
    assert!(hooks.join("commit-msg").is_file());
}

#[test]
fn install_refuses_hook_managers_without_force() {
    let mut r = repo_with(POLICY);
    r.git(&["config", "core.hooksPath", ".husky/_"]);
    let dir = r.dir.join(".husky/_");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("h"), "#!/usr/bin/env sh\n# husky\n").expect("write");
    let before = snapshot(&dir);
    let o = cs(&r, &["hook", "install"], &[], None);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("husky"), "{err}");
    assert!(err.contains("countersign hook commit-msg \"$1\""), "{err}");
    assert_eq!(before, snapshot(&dir), "nothing written");
    let o = cs(&r, &["hook", "install", "--force"], &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(dir.join("commit-msg").is_file());
    // lefthook's own scripts are recognised in the default hooks directory too.
    let mut l = repo_with(POLICY);
    let hooks = git_path_hooks(&mut l);
    std::fs::write(
        hooks.join("pre-push"),
        "#!/bin/sh\ncall_lefthook run \"pre-push\" \"$@\"\n",
    )
    .expect("write");
    let o = cs(&l, &["hook", "install"], &[], None);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("use_stdin: true"), "{err}");
}

#[test]
fn failed_install_leaves_nothing_half_written() {
    let mut r = repo_with(POLICY);
    let hooks = git_path_hooks(&mut r);
    let user = hooks.join("commit-msg");
    std::fs::write(&user, "#!/bin/sh\nexit 0\n").expect("write");
    std::fs::set_permissions(&user, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    // The pre-push write fails after commit-msg was already moved aside and written.
    std::fs::create_dir(hooks.join(".countersign-tmp-pre-push")).expect("mkdir");
    let before = snapshot(&hooks);
    let o = cs(&r, &["hook", "install"], &[], None);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("pre-push"), "{err}");
    assert_eq!(before, snapshot(&hooks), "every step undone");
    // A truly read-only directory (only effective when not running as root).
    std::fs::remove_dir(hooks.join(".countersign-tmp-pre-push")).expect("rmdir");
    std::fs::set_permissions(&hooks, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = hooks.join(".probe");
    let read_only = std::fs::write(&probe, "").is_err();
    let _ = std::fs::remove_file(&probe);
    if read_only {
        let before = snapshot(&hooks);
        let o = cs(&r, &["hook", "install"], &[], None);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains("writable"), "{}", text(&o.stderr));
        assert_eq!(before, snapshot(&hooks));
    }
    std::fs::set_permissions(&hooks, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `--evidence-log` works on the hooks too: a commit-msg run appends a `commit-msg` record
/// that `audit verify` accepts.
#[test]
fn commit_msg_hook_appends_to_the_evidence_log() {
    let mut r = support::TestRepo::new();
    r.commit_files("Initial\n", &[("README.md", "x\n")]);
    r.write("src/lib.rs", "fn a() {}\n");
    r.git(&["add", "-A"]);
    let msg = r.path().join("MSG");
    std::fs::write(
        &msg,
        "Add a\n\nCo-authored-by: Claude <noreply@anthropic.com>\nReviewed-by: Rita Reviewer <rita@example.com>\n",
    )
    .unwrap();
    let log = r.path().join("evidence.jsonl");
    let bin = env!("CARGO_BIN_EXE_countersign");
    let out = r
        .command(bin)
        .args(["hook", "commit-msg", "--evidence-log"])
        .arg(&log)
        .arg(&msg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let rec: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(rec["mode"], "commit-msg", "{rec}");
    let v = r
        .command(bin)
        .args(["audit", "verify"])
        .arg(&log)
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
}
