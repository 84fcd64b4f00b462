//! Shared setup of the adversarial suite: the §6 baseline repository, actors, PR/approval
//! files, raw commit objects and a runner that returns the verdict as data.
#![allow(dead_code)]

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};

pub use crate::support::TestRepo;

/// The countersign binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_countersign");
/// The §6 baseline policy.
pub const POLICY: &str = include_str!("policy.yml");

/// Alice, the author (a human, also a security reviewer).
pub const ALICE: &str = "Alice Author <alice@corp.example>";
/// Bob, the reviewer in `security-reviewers`.
pub const BOB: &str = "Bob Reviewer <bob@corp.example>";
/// `Reviewed-by: Bob`.
pub const BY_BOB: &str = "Reviewed-by: Bob Reviewer <bob@corp.example>";
/// A valid change record.
pub const CHG: &str = "Change-Request: CHG-1";
/// The Copilot coding agent.
pub const COPILOT: &str = "Copilot <198982749+Copilot@users.noreply.github.com>";
/// The Copilot coding agent's bot identity.
pub const COPILOT_BOT: &str =
    "copilot-swe-agent[bot] <198982749+copilot-swe-agent[bot]@users.noreply.github.com>";

/// The outcome of one run.
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The JSON report on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}), exit {}:\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    /// Unwaived finding codes of every commit, in order (errors and warnings).
    pub fn codes(&self) -> Vec<String> {
        let v = self.json();
        let mut out = Vec::new();
        for c in v["commits"].as_array().into_iter().flatten() {
            for f in c["findings"].as_array().into_iter().flatten() {
                if f["waived_by"].is_null() {
                    out.push(f["code"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        out
    }

    /// True when some commit has finding `code`.
    pub fn has(&self, code: &str) -> bool {
        self.codes().iter().any(|c| c == code)
    }

    /// Rejection reasons of the reviewers of the first (newest) commit.
    pub fn reasons(&self) -> Vec<String> {
        self.json()["commits"][0]["reviewers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["accepted"] == false)
            .map(|r| r["reason"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Asserts exit 0 and verdict `pass`.
    pub fn assert_pass(&self) {
        assert_eq!(
            self.code, 0,
            "expected PASS\n{}\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.json()["verdict"], "pass");
    }

    /// Asserts exit 1 (DENY) with finding `code`.
    pub fn assert_deny(&self, code: &str) {
        assert_eq!(
            self.code, 1,
            "expected DENY {code}\n{}\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.json()["verdict"], "fail");
        assert!(self.has(code), "expected {code} in {:?}", self.codes());
    }

    /// Asserts exit 2 (INDETERMINATE) and that stderr names `kind` (e.g. `error[incomplete]`).
    pub fn assert_indeterminate(&self, kind: &str) {
        assert_eq!(
            self.code, 2,
            "expected INDETERMINATE\n{}\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(&format!("error[{kind}]")),
            "expected error[{kind}] in stderr:\n{}",
            self.stderr
        );
    }
}

/// Splits `Name <email>`.
pub fn split(id: &str) -> (&str, &str) {
    let (n, e) = id.split_once(" <").unwrap_or((id, ""));
    (n, e.trim_end_matches('>'))
}

/// The baseline repository: the policy, a README and `src/auth/login.rs` on `main`.
pub fn baseline() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", POLICY),
            ("README.md", "# demo\n"),
            ("docs/index.md", "docs\n"),
            ("src/lib.rs", "\n"),
            ("src/auth/login.rs", "fn login() {}\n"),
            ("src/auth/mfa.rs", "fn mfa() {}\n"),
        ],
    );
    r
}

/// Writes `files`, stages everything and commits `msg` as `author` (committer: Carl).
pub fn commit_as(r: &mut TestRepo, author: &str, msg: &str, files: &[(&str, &str)]) -> String {
    for (p, c) in files {
        r.write(p, c);
    }
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "--cleanup=verbatim",
        "--author",
        author,
        "-m",
        msg,
    ]);
    r.head()
}

/// Commits `msg` with the exact message bytes (`git commit -F`, verbatim cleanup).
pub fn commit_bytes(r: &mut TestRepo, author: &str, msg: &[u8], files: &[(&str, &str)]) -> String {
    for (p, c) in files {
        r.write(p, c);
    }
    r.git(&["add", "-A"]);
    let file = r.tmp.path().join("msg.bin");
    std::fs::write(&file, msg).expect("write message");
    let f = file.to_string_lossy().into_owned();
    r.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "--cleanup=verbatim",
        "--author",
        author,
        "-F",
        &f,
    ]);
    r.head()
}

/// Alice's change to `src/auth/login.rs` with `msg`.
pub fn auth_change(r: &mut TestRepo, msg: &str) -> String {
    commit_as(
        r,
        ALICE,
        msg,
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    )
}

/// A subject, a body and the trailer block `trailers`.
pub fn msg(subject: &str, trailers: &[&str]) -> String {
    format!(
        "{subject}\n\nTighten the login check.\n\n{}\n",
        trailers.join("\n")
    )
}

/// Writes an arbitrary object with `git hash-object --literally`; returns its id.
pub fn write_object(r: &mut TestRepo, kind: &str, bytes: &[u8]) -> String {
    let mut child = r
        .command("git")
        .args(["hash-object", "-t", kind, "-w", "--literally", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write object");
    let out = child.wait_with_output().expect("git hash-object");
    assert!(
        out.status.success(),
        "hash-object: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Replaces HEAD by a commit object with HEAD's tree and parent, extra header lines (each
/// ending in `\n`) and the exact message bytes; moves `main` to it; returns its id.
pub fn raw_commit(r: &mut TestRepo, headers: &[u8], message: &[u8]) -> String {
    let tree = r.rev("HEAD^{tree}");
    let parent = r.rev("HEAD~1");
    let mut obj = format!(
        "tree {tree}\nparent {parent}\nauthor {ALICE} 1704067200 +0000\ncommitter Carl Committer <carl@example.com> 1704067200 +0000\n"
    )
    .into_bytes();
    obj.extend_from_slice(headers);
    obj.push(b'\n');
    obj.extend_from_slice(message);
    let id = write_object(r, "commit", &obj);
    r.git(&["update-ref", "refs/heads/main", &id]);
    r.git(&["reset", "-q", "--hard", &id]);
    id
}

/// A PR facts file (for `--pr`) whose head is `head`, with `approvals` as
/// (login, is_bot, approved commit).
pub fn pr_file(r: &TestRepo, head: &str, approvals: Option<&[(&str, bool, &str)]>) -> String {
    let approvals = approvals.map(|a| {
        a.iter()
            .map(|(login, bot, sha)| json!({"login": login, "is_bot": bot, "commit_id": sha}))
            .collect::<Vec<_>>()
    });
    let pr = json!({
        "platform": "github",
        "number": 7,
        "title": "Tighten login",
        "body": "",
        "labels": [],
        "author_login": "alice",
        "head_branch": "feature",
        "head_sha": head,
        "approvals": approvals,
    });
    let path = r.tmp.path().join("pr.json");
    std::fs::write(&path, pr.to_string()).expect("write pr.json");
    path.to_string_lossy().into_owned()
}

/// Runs the binary with `args` (plus `extra_env`).
pub fn run(r: &TestRepo, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
    let mut cmd = r.command(BIN);
    cmd.args(args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run countersign");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check RANGE --format json --pr FILE`, with `approvals` (None: approval data unknown).
pub fn check_with(r: &mut TestRepo, range: &str, approvals: Option<&[(&str, bool, &str)]>) -> Run {
    let head = r.head();
    let pr = pr_file(r, &head, approvals);
    run(r, &["check", range, "--format", "json", "--pr", &pr], &[])
}

/// The default scenario of §6: bob has approved the head commit; check HEAD alone.
pub fn check_approved(r: &mut TestRepo) -> Run {
    let head = r.head();
    check_with(r, "HEAD", Some(&[("bob", false, &head)]))
}

/// The baseline with `review: trailer`: hooks and pre-receive have no platform approvals, so
/// cross-check mode would (rightly) be undecidable there (exit 2). Hook cases use this.
pub fn baseline_trailer_mode() -> TestRepo {
    let mut r = TestRepo::new();
    let policy = POLICY.replace("review: trailer+approval", "review: trailer");
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", policy.as_str()),
            ("README.md", "# demo\n"),
            ("docs/index.md", "docs\n"),
            ("src/lib.rs", "\n"),
            ("src/auth/login.rs", "fn login() {}\n"),
            ("src/auth/mfa.rs", "fn mfa() {}\n"),
        ],
    );
    r
}

/// Pushes `line` to `countersign hook pre-receive` in `r` and returns (exit code, stderr).
pub fn pre_receive(r: &TestRepo, line: &str) -> (Option<i32>, String) {
    let mut child = r
        .command(BIN)
        .args(["hook", "pre-receive"])
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
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
