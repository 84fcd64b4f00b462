//! Signed reviews (issue 12 §2): evidence nobody can forge, stored in git notes.
//!
//! Real keys made with `ssh-keygen` (ed25519, ecdsa-p256; RSA for the unsupported case),
//! real signatures made with `ssh-keygen -Y sign`. Each class has several variants:
//! - forged evidence: tampered statement, tampered signature, wrong namespace, unsupported key,
//!   garbage lines → never evidence, each with its reason;
//! - trust anchor: unregistered key, a key registered for someone else, a key removed from the
//!   base policy, a key registered only in the head's policy, allowed-signers options;
//! - binding: a review of another commit, a rebase with and without `survives: rebase`;
//! - self-review: author, co-author;
//! - transport: concurrent reviewers both survive, pushed notes read in pre-receive, a notes
//!   ref that may only move forward, notes in a fanned-out notes tree, notes are not code.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use countersign::review::note;
use countersign::review::statement::{APPROVE, Reviewer, SCHEMA, Statement};

use crate::adversarial::common::*;

/// Carol, a second security reviewer (ecdsa key).
const CAROL: &str = "Carol Checker <carol@corp.example>";

/// Keys made for one test, in a temporary directory of their own.
struct Keys {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Keys {
    fn new() -> Keys {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let k = Keys { _tmp: tmp, dir };
        for (name, args) in [
            ("alice", &["-t", "ed25519"][..]),
            ("bob", &["-t", "ed25519"][..]),
            ("carol", &["-t", "ecdsa", "-b", "256"][..]),
            ("mallory", &["-t", "ed25519"][..]),
        ] {
            k.make(name, args);
        }
        k
    }

    fn make(&self, name: &str, args: &[&str]) {
        let path = self.dir.join(name);
        let out = Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-C", name, "-f"])
            .arg(&path)
            .args(args)
            .output()
            .expect(
                "ssh-keygen must be installed to run these tests (apt-get install openssh-client)",
            );
        assert!(
            out.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn private(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn public(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.pub")))
            .expect("pub key")
            .trim()
            .to_string()
    }
}

/// `ssh-keygen -Y sign -n NAMESPACE -f KEY` over `msg`: the armored signature.
fn ssh_sign(key: &Path, namespace: &str, msg: &[u8]) -> String {
    let mut child = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh-keygen");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(msg)
        .expect("write");
    let out = child.wait_with_output().expect("ssh-keygen");
    assert!(
        out.status.success(),
        "sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// The statement a reviewer `who` would sign for `commit`.
fn statement(r: &mut TestRepo, commit: &str, who: &str) -> Statement {
    let (name, email) = split(who);
    let tree = r.rev(&format!("{commit}^{{tree}}"));
    let parents: Vec<String> = r
        .git(&["rev-list", "--parents", "-n", "1", commit])
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let patch_id = if parents.len() == 1 {
        let diff = r.git(&["diff-tree", "-p", "--no-renames", &parents[0], commit]);
        let out = pipe(r, &["patch-id", "--stable"], diff.as_bytes());
        out.split_whitespace().next().map(str::to_string)
    } else {
        None
    };
    Statement {
        schema: SCHEMA.into(),
        commit: commit.into(),
        tree,
        parents,
        patch_id,
        reviewer: Reviewer {
            name: name.into(),
            email: email.into(),
        },
        verdict: APPROVE.into(),
        time: 1_704_070_000,
        tool: "countersign test".into(),
        comment: None,
    }
}

/// `git ARGS` with `input` on stdin.
fn pipe(r: &mut TestRepo, args: &[&str], input: &[u8]) -> String {
    let mut child = r
        .command("git")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    let out = child.wait_with_output().expect("git");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Appends raw note lines to the note of `commit` in refs/notes/countersign.
fn add_note_lines(r: &mut TestRepo, commit: &str, lines: &[u8]) {
    let old = r.git_output(&["notes", "--ref=countersign", "show", commit]);
    let mut text = if old.status.success() {
        old.stdout
    } else {
        Vec::new()
    };
    text.extend_from_slice(lines);
    let f = r.tmp.path().join("note.txt");
    std::fs::write(&f, &text).expect("write note");
    let f = f.to_string_lossy().into_owned();
    r.git(&["notes", "--ref=countersign", "add", "-f", "-F", &f, commit]);
}

/// Signs `s` with `key` in `namespace` and stores it in the note of `on`.
fn store(r: &mut TestRepo, on: &str, s: &Statement, key: &Path, namespace: &str) {
    let bytes = s.to_bytes();
    let sig = ssh_sign(key, namespace, &bytes);
    let line = note::line(&sig, &bytes).expect("line");
    add_note_lines(r, on, &line);
}

/// A signed review of `commit` by `who` with `who`'s own key.
fn review(r: &mut TestRepo, k: &Keys, commit: &str, who: &str, key: &str) {
    let s = statement(r, commit, who);
    store(r, commit, &s, &k.private(key), "countersign-review");
}

/// The §6 policy in `signed` mode, with Alice, Bob and Carol's keys registered.
fn signed_policy(k: &Keys, review_mode: &str) -> String {
    POLICY
        .replace("review: trailer+approval", &format!("review: {review_mode}"))
        .replace(
            "        github: bob\n",
            &format!(
                "        github: bob\n        ssh_keys: [\"{}\"]\n",
                k.public("bob")
            ),
        )
        .replace(
            "        github: alice\n",
            &format!(
                "        github: alice\n        ssh_keys: [\"{}\"]\n      - name: Carol Checker\n        email: carol@corp.example\n        ssh_keys: [\"{}\"]\n",
                k.public("alice"),
                k.public("carol")
            ),
        )
}

/// A repository whose base policy is `policy`, with Alice's AI-assisted auth change on top.
fn setup(policy: &str) -> (TestRepo, String) {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", policy),
            ("README.md", "# demo\n"),
            ("src/lib.rs", "\n"),
            ("src/auth/login.rs", "fn login() {}\n"),
        ],
    );
    let c = auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Assisted-by: Claude", "Change-Request: CHG-1"],
        ),
    );
    (r, c)
}

fn check(r: &TestRepo) -> Run {
    run(r, &["check", "HEAD", "--format", "json"], &[])
}

/// The reviewer entries of the newest commit: (accepted, reason, strength, detail).
fn entries(run: &Run) -> Vec<(bool, String, String, String)> {
    run.json()["commits"][0]["reviewers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["accepted"].as_bool().unwrap_or(false),
                e["reason"].as_str().unwrap_or("").to_string(),
                e["strength"].as_str().unwrap_or("").to_string(),
                e["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn new_keys_and_repo(mode: &str) -> (TestRepo, Keys, String) {
    let k = Keys::new();
    let (r, c) = setup(&signed_policy(&k, mode));
    (r, k, c)
}

#[test]
fn signed_reviews_by_registered_keys_count_ed25519_and_ecdsa() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    check(&r).assert_deny("missing-reviewer");
    review(&mut r, &k, &c, BOB, "bob");
    let out = check(&r);
    out.assert_pass();
    assert_eq!(
        entries(&out),
        [(true, String::new(), "signed".into(), String::new())]
    );
    // Carol's ecdsa-p256 key works the same.
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, CAROL, "carol");
    check(&r).assert_pass();
}

#[test]
fn tampered_statements_are_not_evidence() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    let s = statement(&mut r, &c, BOB);
    let bytes = s.to_bytes();
    let sig = ssh_sign(&k.private("bob"), "countersign-review", &bytes);
    let text = String::from_utf8(bytes).expect("utf8");
    // 1. Another reviewer name in the signed bytes; 2. a comment added; 3. the same JSON
    // re-formatted (not canonical); 4. another time.
    let variants = [
        (text.replace("Bob Reviewer", "Bob Reviewers"), "unverified"),
        (
            format!("{},\"comment\":\"ok\"}}", &text[..text.len() - 1]),
            "unverified",
        ),
        (text.replace("\",\"", "\", \""), "malformed"),
        (text.replace("1704070000", "1704070001"), "unverified"),
    ];
    for (tampered, want) in variants {
        assert_ne!(tampered, text);
        let mut r2 = TestRepo::clone_from(&r, &[]);
        let line = note::line(&sig, tampered.as_bytes()).expect("line");
        add_note_lines(&mut r2, &c, &line);
        let out = check(&r2);
        out.assert_deny("missing-reviewer");
        assert_eq!(out.reasons(), [want], "{tampered}");
    }
}

#[test]
fn tampered_or_foreign_signatures_are_not_evidence() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    let s = statement(&mut r, &c, BOB);
    let bytes = s.to_bytes();
    let sig = ssh_sign(&k.private("bob"), "countersign-review", &bytes);
    let b64 = note::dearmor(&sig).expect("armored");
    // Flip one character of the signature blob near its end (inside the signature bytes).
    let mut chars: Vec<char> = b64.chars().collect();
    let i = chars.len() - 8;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            note::line(&note::armor(&flipped), &bytes).expect("line"),
            "unverified",
            "does not verify",
        ),
        // Signed for git commits, for files: another namespace.
        (
            note::line(&ssh_sign(&k.private("bob"), "git", &bytes), &bytes).expect("line"),
            "unverified",
            "namespace `git`",
        ),
        (
            note::line(&ssh_sign(&k.private("bob"), "file", &bytes), &bytes).expect("line"),
            "unverified",
            "namespace `file`",
        ),
        // Not a signature at all; a line without a signature.
        (
            format!("QUJD {}\n", String::from_utf8_lossy(&bytes)).into_bytes(),
            "malformed",
            "not an SSH signature",
        ),
        (
            format!("{}\n", String::from_utf8_lossy(&bytes)).into_bytes(),
            "malformed",
            "not an SSH signature",
        ),
    ];
    for (line, want, detail) in cases {
        let mut r2 = TestRepo::clone_from(&r, &[]);
        add_note_lines(&mut r2, &c, &line);
        let out = check(&r2);
        out.assert_deny("missing-reviewer");
        let e = entries(&out);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].1, want, "{e:?}");
        assert!(e[0].3.contains(detail), "{detail}: {e:?}");
    }
    // An RSA key (valid signature, unsupported type) never verifies here.
    k.make("rsa", &["-t", "rsa", "-b", "2048"]);
    let mut r2 = TestRepo::clone_from(&r, &[]);
    store(&mut r2, &c, &s, &k.private("rsa"), "countersign-review");
    let out = check(&r2);
    out.assert_deny("missing-reviewer");
    let e = entries(&out);
    assert_eq!(e[0].1, "unverified");
    assert!(e[0].3.contains("ssh-rsa"), "{e:?}");
}

#[test]
fn keys_must_be_registered_for_the_named_person() {
    // Mallory's key is registered for nobody; Bob's key cannot sign as Carol; Carol's key
    // cannot sign as Bob.
    for (who, key) in [(BOB, "mallory"), (CAROL, "bob"), (BOB, "carol")] {
        let (mut r, k, c) = new_keys_and_repo("signed");
        review(&mut r, &k, &c, who, key);
        let out = check(&r);
        out.assert_deny("missing-reviewer");
        assert_eq!(out.reasons(), ["not-authorized"], "{who} with {key}");
    }
}

#[test]
fn self_review_with_own_registered_key_is_not_evidence() {
    // The author signs her own change with her registered key.
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, ALICE, "alice");
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["self-review"]);
    // A co-author signs.
    let (mut r, k, _) = new_keys_and_repo("signed");
    let c = commit_as(
        &mut r,
        ALICE,
        &msg(
            "Tighten login more",
            &[
                "Assisted-by: Claude",
                "Co-authored-by: Bob Reviewer <bob@corp.example>",
                "Change-Request: CHG-2",
            ],
        ),
        &[("src/auth/login.rs", "fn login() { check_more() }\n")],
    );
    review(&mut r, &k, &c, BOB, "bob");
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["self-review"]);
}

#[test]
fn a_review_of_another_commit_does_not_count() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    // Bob reviewed the first commit; his (valid) line is copied into the note of the change.
    let first = r.rev("HEAD~1");
    let s = statement(&mut r, &first, BOB);
    store(&mut r, &c, &s, &k.private("bob"), "countersign-review");
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["wrong-commit"]);
    // Bob reviewed the change; a new commit on top has his review copied onto it.
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, BOB, "bob");
    let top = commit_as(
        &mut r,
        ALICE,
        &msg(
            "And more",
            &["Assisted-by: Claude", "Change-Request: CHG-3"],
        ),
        &[("src/auth/login.rs", "fn login() { check_more() }\n")],
    );
    let line = r.git(&["notes", "--ref=countersign", "show", &c]);
    add_note_lines(&mut r, &top, line.as_bytes());
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["wrong-commit"]);
}

#[test]
fn rebased_commits_need_a_new_review_unless_the_policy_lets_reviews_survive() {
    // `copy_notes`: git's `notes.rewriteRef` copies the note to the rebased commit (then the
    // statement names the old commit); without it the note stays on the old commit.
    for (survives, copy_notes) in [(false, false), (false, true), (true, false), (true, true)] {
        let k = Keys::new();
        let mut policy = signed_policy(&k, "signed");
        if survives {
            policy.push_str("  signed_review: { survives: rebase }\n");
        }
        let mut r = TestRepo::new();
        r.commit_files(
            "Initial import",
            &[
                (".countersign.yml", policy.as_str()),
                ("README.md", "# demo\n"),
                ("src/auth/login.rs", "fn login() {}\n"),
            ],
        );
        if copy_notes {
            r.git(&["config", "notes.rewriteRef", "refs/notes/countersign"]);
        }
        r.checkout(&["-b", "feature"]);
        let c = auth_change(
            &mut r,
            &msg(
                "Tighten login",
                &["Assisted-by: Claude", "Change-Request: CHG-1"],
            ),
        );
        review(&mut r, &k, &c, BOB, "bob");
        // main moves on; the feature is rebased onto it (same patch, new commit).
        r.checkout(&["main"]);
        r.commit_files("Readme", &[("README.md", "# demo 2\n")]);
        r.checkout(&["feature"]);
        r.git(&["rebase", "-q", "main"]);
        let rebased = r.head();
        assert_ne!(rebased, c);
        let out = check(&r);
        let case = format!("survives={survives} copy_notes={copy_notes}");
        if survives {
            out.assert_pass();
            assert_eq!(entries(&out)[0].2, "signed", "{case}");
        } else {
            out.assert_deny("missing-reviewer");
            let want: &[&str] = if copy_notes { &["wrong-commit"] } else { &[] };
            assert_eq!(out.reasons(), want, "{case}");
        }
        // An amended change (another patch) never matches, whatever the policy.
        r.write("src/auth/login.rs", "fn login() { other() }\n");
        r.git(&["commit", "-q", "-a", "--amend", "--no-edit"]);
        let out = check(&r);
        out.assert_deny("missing-reviewer");
        assert!(
            entries(&out).iter().all(|e| !e.0),
            "{case}: {:?}",
            entries(&out)
        );
        if copy_notes {
            assert_eq!(out.reasons(), ["wrong-commit"], "{case}");
        }
    }
}

#[test]
fn patch_ids_agree_with_git() {
    let (mut r, _k, _c) = new_keys_and_repo("signed");
    // Modifications, an addition, a deletion, a mode change, whitespace and several files.
    r.commit_files(
        "Many",
        &[
            ("a.txt", "one\ntwo\nthree\n"),
            ("src/auth/login.rs", "fn login() {\n    check();\n}\n"),
        ],
    );
    r.rm("src/lib.rs");
    r.write("b.txt", "x  y\n\n\nz\n");
    r.git(&["add", "-A"]);
    r.commit("Delete and add");
    r.git(&["update-index", "--chmod=+x", "b.txt"]);
    r.commit("Mode");
    let facts = run(&r, &["facts", "HEAD~3..HEAD"], &[]);
    assert_eq!(facts.code, 0, "{}", facts.stderr);
    // Without notes, facts computes no patch-ids; compare through the library instead.
    let repo = countersign::git::open(r.path()).expect("open");
    for rev in ["HEAD", "HEAD~1", "HEAD~2", "HEAD~3"] {
        let id = r.rev(rev);
        let parent = r.rev(&format!("{rev}~1"));
        let diff = r.git(&["diff-tree", "-p", "--no-renames", &parent, &id]);
        let want = pipe(&mut r, &["patch-id", "--stable"], diff.as_bytes());
        let want = want.split_whitespace().next().unwrap_or("").to_string();
        let got = countersign::git::notes::patch_id(&repo, git2::Oid::from_str(&id).expect("oid"))
            .expect("patch id")
            .unwrap_or_default();
        assert_eq!(got, want, "{rev}");
    }
}

#[test]
fn duplicate_and_mixed_reviews_count_each_person_once() {
    let policy_two = |k: &Keys, mode: &str| {
        signed_policy(k, mode).replace(
            "  - name: auth\n    reviewers: 1",
            "  - name: auth\n    reviewers: 2",
        )
    };
    let k = Keys::new();
    let (mut r, c) = setup(&policy_two(&k, "signed"));
    review(&mut r, &k, &c, BOB, "bob");
    // Bob again, later (another statement): one person, one reviewer.
    let mut s = statement(&mut r, &c, BOB);
    s.time += 60;
    store(&mut r, &c, &s, &k.private("bob"), "countersign-review");
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["duplicate"]);
    review(&mut r, &k, &c, CAROL, "carol");
    check(&r).assert_pass();
    // [signed, trailer]: Bob signed and is also named in a trailer → still one reviewer.
    let (mut r, c) = setup(&policy_two(&k, "[signed, trailer]"));
    review(&mut r, &k, &c, BOB, "bob");
    r.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        &msg(
            "Tighten login",
            &["Assisted-by: Claude", "Change-Request: CHG-1", BY_BOB],
        ),
    ]);
    let amended = r.head();
    let s = statement(&mut r, &amended, BOB);
    store(
        &mut r,
        &amended,
        &s,
        &k.private("bob"),
        "countersign-review",
    );
    let out = check(&r);
    out.assert_deny("missing-reviewer");
    let e = entries(&out);
    assert_eq!(
        e[0],
        (true, String::new(), "signed".into(), String::new()),
        "{e:?}"
    );
    assert_eq!(e[1].1, "duplicate", "{e:?}");
}

/// The allowed-signers file of the base: principals, options, and what fails closed.
#[test]
fn allowed_signers_file_from_the_policy_commit() {
    let k = Keys::new();
    let policy = POLICY.replace(
        "  review: trailer+approval",
        "  review: signed\n  allowed_signers: .countersign/allowed_signers",
    );
    let bob = k.public("bob");
    let cases: Vec<(String, Option<&str>)> = vec![
        (format!("bob@corp.example {bob}\n"), None),
        (
            format!(
                "# team\n\"alice@corp.example,BOB@corp.example\" namespaces=\"git,countersign-review\" {bob}\n"
            ),
            None,
        ),
        (format!("*@corp.example {bob}\n"), Some("not-authorized")),
        (
            format!("bob@corp.example namespaces=\"git\" {bob}\n"),
            Some("not-authorized"),
        ),
        (
            format!("bob@corp.example valid-before=\"20200101\" {bob}\n"),
            Some("not-authorized"),
        ),
        (
            format!("bob@corp.example valid-after=\"20990101\" {bob}\n"),
            Some("not-authorized"),
        ),
        (
            format!("bob@corp.example cert-authority {bob}\n"),
            Some("not-authorized"),
        ),
        (
            format!("carol@corp.example {bob}\n"),
            Some("not-authorized"),
        ),
    ];
    for (file, want) in cases {
        let mut r = TestRepo::new();
        r.commit_files(
            "Initial import",
            &[
                (".countersign.yml", policy.as_str()),
                (".countersign/allowed_signers", file.as_str()),
                ("src/auth/login.rs", "fn login() {}\n"),
            ],
        );
        let c = auth_change(
            &mut r,
            &msg(
                "Tighten login",
                &["Assisted-by: Claude", "Change-Request: CHG-1"],
            ),
        );
        review(&mut r, &k, &c, BOB, "bob");
        let out = check(&r);
        match want {
            None => out.assert_pass(),
            Some(reason) => {
                out.assert_deny("missing-reviewer");
                assert_eq!(out.reasons(), [reason], "{file}");
            }
        }
    }
    // A missing file, or an unknown option, is exit 2: the trust anchor must be readable.
    for file in [None, Some("bob@corp.example frobnicate ssh-ed25519 AAAA\n")] {
        let mut r = TestRepo::new();
        let mut files = vec![
            (".countersign.yml", policy.as_str()),
            ("src/auth/login.rs", "x\n"),
        ];
        if let Some(f) = file {
            files.push((".countersign/allowed_signers", f));
        }
        r.commit_files("Initial import", &files);
        auth_change(
            &mut r,
            &msg(
                "Tighten login",
                &["Assisted-by: Claude", "Change-Request: CHG-1"],
            ),
        );
        check(&r).assert_indeterminate("policy");
        let pc = run(&r, &["policy", "check"], &[]);
        assert_eq!(pc.code, 2, "policy check: {}", pc.stderr);
        assert!(pc.stderr.contains("allowed_signers"), "{}", pc.stderr);
    }
}

/// A bare repository as `origin` of `r`, holding `r`'s `main`, then guarded by
/// `countersign hook pre-receive` (installed after that first push: the gate judges what comes
/// next, with the policy of the branch it lands on). Returns its path.
fn bare_remote(r: &mut TestRepo) -> String {
    let bare = r.tmp.path().join("server.git");
    let out = r
        .command("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(&bare)
        .output()
        .expect("git init");
    assert!(out.status.success());
    let url = bare.to_string_lossy().into_owned();
    r.git(&["remote", "add", "origin", &url]);
    r.git(&["push", "-q", "origin", "main"]);
    let hook = bare.join("hooks/pre-receive");
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{BIN}' hook pre-receive\n")).expect("hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    url
}

fn push(r: &mut TestRepo, args: &[&str]) -> (bool, String) {
    let mut a = vec!["push", "-q"];
    a.extend_from_slice(args);
    let out = r.git_output(&a);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The full flow on a local bare remote with the pre-receive hook: the unreviewed change is
/// rejected on main; after `countersign review` and a push of the notes (alone, or with the
/// branch in one push), it is accepted.
#[test]
fn full_flow_review_then_push_on_a_bare_remote() {
    for together in [false, true] {
        let k = Keys::new();
        let mut r = TestRepo::new();
        r.commit_files(
            "Initial import",
            &[
                (".countersign.yml", signed_policy(&k, "signed").as_str()),
                ("src/auth/login.rs", "fn login() {}\n"),
            ],
        );
        let url = bare_remote(&mut r);
        let c = auth_change(
            &mut r,
            &msg(
                "Tighten login",
                &["Assisted-by: Claude", "Change-Request: CHG-1"],
            ),
        );
        let (ok, err) = push(&mut r, &["origin", "main"]);
        assert!(!ok, "an unreviewed change must be rejected");
        assert!(err.contains("missing-reviewer"), "{err}");

        // Bob reviews in his own clone with `countersign review`.
        let mut bob = TestRepo::clone_from(&r, &[]);
        bob.git(&["config", "user.name", "Bob Reviewer"]);
        bob.git(&["config", "user.email", "bob@corp.example"]);
        let key = k.private("bob");
        let key = key.to_string_lossy().into_owned();
        let range = format!("{}..{c}", r.rev("HEAD~1"));
        let out = run(
            &bob,
            &["review", &range, "--key", &key, "--comment", "looks right"],
            &[],
        );
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("tier: auth"), "{}", out.stdout);
        assert!(
            out.stdout.contains("AI involvement: assisted"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("src/auth/login.rs"), "{}", out.stdout);
        if together {
            // Alice fetches Bob's notes and pushes them with the branch in one push.
            r.git(&[
                "fetch",
                "-q",
                &format!("file://{}", bob.path().display()),
                "refs/notes/countersign:refs/notes/countersign",
            ]);
            let (ok, err) = push(&mut r, &["origin", "main", "refs/notes/countersign"]);
            assert!(ok, "{err}");
        } else {
            let out = run(
                &bob,
                &["review", &range, "--key", &key, "--push", &url],
                &[],
            );
            assert_eq!(out.code, 0, "{}", out.stderr);
            let (ok, err) = push(&mut r, &["origin", "main"]);
            assert!(ok, "{err}");
        }
        let on_server = Command::new("git")
            .args(["--git-dir", &url, "notes", "--ref=countersign", "show", &c])
            .output()
            .expect("git");
        assert!(
            String::from_utf8_lossy(&on_server.stdout)
                .contains("\"reviewer\":{\"name\":\"Bob Reviewer\"")
        );
    }
}

/// Two reviewers sign the same commit in their own clones and push concurrently: the second
/// push merges by union, both reviews survive on the server.
#[test]
fn concurrent_reviewers_both_survive() {
    let k = Keys::new();
    let policy = signed_policy(&k, "signed").replace(
        "  - name: auth\n    reviewers: 1",
        "  - name: auth\n    reviewers: 2",
    );
    let (mut r, c) = setup(&policy);
    let url = bare_remote(&mut r);
    let mut bob = TestRepo::clone_from(&r, &[]);
    let mut carol = TestRepo::clone_from(&r, &[]);
    for (clone, name, email) in [
        (&mut bob, "Bob Reviewer", "bob@corp.example"),
        (&mut carol, "Carol Checker", "carol@corp.example"),
    ] {
        clone.git(&["config", "user.name", name]);
        clone.git(&["config", "user.email", email]);
    }
    // Carol signs first but pushes last: by then the server's notes moved (Bob pushed), so her
    // notes and the server's have diverged and must be merged, not replaced.
    let carol_key = k.private("carol").to_string_lossy().into_owned();
    let bob_key = k.private("bob").to_string_lossy().into_owned();
    let out = run(&carol, &["review", &c, "--key", &carol_key], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(
        &bob,
        &["review", &c, "--key", &bob_key, "--push", &url],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (ok, err) = push(&mut carol, &[&url, "refs/notes/countersign"]);
    assert!(!ok, "a plain push of diverged notes is refused: {err}");
    let out = run(
        &carol,
        &["review", &c, "--key", &carol_key, "--push", &url],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = Command::new("git")
        .args(["--git-dir", &url, "notes", "--ref=countersign", "show", &c])
        .output()
        .expect("git");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("Bob Reviewer"), "{text}");
    assert!(text.contains("Carol Checker"), "{text}");
    // Alice fetches the notes: two signed reviewers, the change passes.
    r.git(&[
        "fetch",
        "-q",
        &url,
        "refs/notes/countersign:refs/notes/countersign",
    ]);
    check(&r).assert_pass();
}

/// Pre-receive reads the policy (and its keys) from the base: a key added by the pushed
/// change itself, or a key the base removed, does not make a review count.
#[test]
fn keys_come_from_the_base_policy_in_pre_receive() {
    let k = Keys::new();
    // (base policy, policy in the pushed change)
    let with = signed_policy(&k, "signed");
    let without = with.replace(
        &format!("        ssh_keys: [\"{}\"]\n", k.public("bob")),
        "",
    );
    assert_ne!(with, without);
    for (base, head, want_ok) in [
        (without.clone(), Some(with.clone()), false), // key only in the head's policy
        (with.clone(), None, true),                   // key in the base: counts
    ] {
        let mut r = TestRepo::new();
        r.commit_files(
            "Initial import",
            &[
                (".countersign.yml", base.as_str()),
                ("src/auth/login.rs", "fn login() {}\n"),
            ],
        );
        bare_remote(&mut r);
        let mut files = vec![("src/auth/login.rs", "fn login() { check() }\n")];
        if let Some(h) = &head {
            files.push((".countersign.yml", h.as_str()));
        }
        let c = commit_as(
            &mut r,
            ALICE,
            &msg(
                "Tighten login",
                &["Assisted-by: Claude", "Change-Request: CHG-1"],
            ),
            &files,
        );
        review(&mut r, &k, &c, BOB, "bob");
        let (ok, err) = push(&mut r, &["origin", "main", "refs/notes/countersign"]);
        assert_eq!(ok, want_ok, "{err}");
        if !want_ok {
            assert!(err.contains("not registered"), "{err}");
        }
    }
    // The base removed Bob's key after he reviewed: his review of a new change is refused.
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", with.as_str()),
            ("src/auth/login.rs", "fn login() {}\n"),
        ],
    );
    r.commit_files(
        "Revoke Bob's key",
        &[(".countersign.yml", without.as_str())],
    );
    let url = bare_remote(&mut r);
    let c = auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Assisted-by: Claude", "Change-Request: CHG-1"],
        ),
    );
    review(&mut r, &k, &c, BOB, "bob");
    let (ok, err) = push(&mut r, &["origin", "main", "refs/notes/countersign"]);
    assert!(!ok, "a revoked key must not count");
    let _ = &url;
    assert!(err.contains("not registered"), "{err}");
}

/// The notes ref only moves forward on the server; notes commits are never judged as code.
#[test]
fn notes_ref_only_moves_forward_and_is_not_code() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, BOB, "bob");
    let url = bare_remote(&mut r);
    let _ = url;
    let (ok, err) = push(&mut r, &["origin", "refs/notes/countersign"]);
    assert!(ok, "{err}");
    // Rewrite the notes ref without Bob's review and force it: rejected.
    let fresh = r.git(&[
        "commit-tree",
        "-m",
        "empty notes",
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    ]);
    let fresh = fresh.trim().to_string();
    r.git(&["update-ref", "refs/notes/countersign", &fresh]);
    let (ok, err) = push(&mut r, &["-f", "origin", "refs/notes/countersign"]);
    assert!(!ok);
    assert!(err.contains("may only move forward"), "{err}");
    let (ok, err) = push(&mut r, &["origin", ":refs/notes/countersign"]);
    assert!(!ok);
    assert!(err.contains("holds the signed reviews"), "{err}");
    // `check --all` never evaluates the notes commits (they would change paths `ab/cd…`).
    let all = run(&r, &["check", "--all", "--format", "json"], &[]);
    let ids: Vec<String> = all.json()["commits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(!ids.contains(&fresh), "{ids:?}");
    assert_eq!(ids.len(), 2, "{ids:?}");
}

/// A note stored in a fanned-out notes tree (`ab/cdef…`, as git writes once the notes tree
/// grows) is found.
#[test]
fn notes_in_a_fanned_out_tree_are_read() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    let s = statement(&mut r, &c, BOB);
    let bytes = s.to_bytes();
    let sig = ssh_sign(&k.private("bob"), "countersign-review", &bytes);
    let line = note::line(&sig, &bytes).expect("line");
    let blob = pipe(&mut r, &["hash-object", "-w", "--stdin"], &line);
    let blob = blob.trim();
    let (a, rest) = c.split_at(2);
    let (b, rest) = rest.split_at(2);
    let inner = pipe(
        &mut r,
        &["mktree"],
        format!("100644 blob {blob}\t{rest}\n").as_bytes(),
    );
    let mid = pipe(
        &mut r,
        &["mktree"],
        format!("040000 tree {}\t{b}\n", inner.trim()).as_bytes(),
    );
    let root = pipe(
        &mut r,
        &["mktree"],
        format!("040000 tree {}\t{a}\n", mid.trim()).as_bytes(),
    );
    let commit = r.git(&["commit-tree", "-m", "Notes", root.trim()]);
    r.git(&["update-ref", "refs/notes/countersign", commit.trim()]);
    // git itself finds the note there.
    assert!(
        r.git(&["notes", "--ref=countersign", "show", &c])
            .contains("Bob Reviewer")
    );
    check(&r).assert_pass();
}

/// `facts` carries the statements and signatures; `--from-facts` reproduces the verdict, and
/// edited facts cannot forge a review.
#[test]
fn facts_reproduce_signed_reviews() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, BOB, "bob");
    let facts = run(&r, &["facts", "HEAD"], &[]);
    assert_eq!(facts.code, 0, "{}", facts.stderr);
    let doc = facts.json();
    let signed = &doc["reviews"][&c]["signed"][0];
    assert!(
        signed["signature"]
            .as_str()
            .unwrap_or("")
            .starts_with("-----BEGIN SSH SIGNATURE-----")
    );
    let path = r.tmp.path().join("facts.json");
    std::fs::write(&path, &facts.stdout).expect("write");
    let p = path.to_string_lossy().into_owned();
    run(&r, &["check", "--from-facts", &p, "--format", "json"], &[]).assert_pass();
    // Forge the review (not the recorded policy): the signature no longer verifies.
    let mut forged = doc.clone();
    let reviews = serde_json::to_string(&doc["reviews"])
        .expect("json")
        .replace("Bob Reviewer", "Bob Reviewer Jr");
    forged["reviews"] = serde_json::from_str(&reviews).expect("json");
    std::fs::write(&path, forged.to_string()).expect("write");
    let out = run(&r, &["check", "--from-facts", &p, "--format", "json"], &[]);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["unverified"]);
    // Editing the recorded policy (e.g. to register another key) is refused: exit 2.
    let edited = facts.stdout.replace("Bob Reviewer", "Bob Reviewer Jr");
    std::fs::write(&path, edited).expect("write");
    let out = run(&r, &["check", "--from-facts", &p, "--format", "json"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("does not match its digest"),
        "{}",
        out.stderr
    );
}

/// `explain` and `audit` verify signed reviews too.
#[test]
fn explain_and_audit_see_signed_reviews() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, BOB, "bob");
    let out = run(&r, &["explain", "HEAD"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("signed review (git note)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("— signed"), "{}", out.stdout);
    assert!(out.stdout.contains("Verdict: pass"), "{}", out.stdout);
    let audit = run(&r, &["audit", "HEAD~1..HEAD", "--format", "jsonl"], &[]);
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    assert!(
        audit.stdout.contains("\"strength\":\"signed\"") || audit.stdout.contains("signed"),
        "{}",
        audit.stdout
    );
}

/// commit-msg never exits 2 (or blocks) for review evidence that can only exist later.
#[test]
fn commit_msg_tells_what_the_merge_needs() {
    for mode in [
        "approval",
        "signed",
        "[signed, approval]",
        "trailer+approval",
        "trailer",
    ] {
        for hook_mode in ["warn", "enforce"] {
            let k = Keys::new();
            let policy = format!(
                "{}hooks: {{ commit-msg: {hook_mode} }}\n",
                signed_policy(&k, mode)
            );
            let (mut r, _) = setup(&policy);
            r.write("src/auth/login.rs", "fn login() { x() }\n");
            r.git(&["add", "-A"]);
            let f = r.tmp.path().join("MSG");
            std::fs::write(
                &f,
                msg("Change", &["Assisted-by: Claude", "Change-Request: CHG-1"]),
            )
            .expect("msg");
            let f = f.to_string_lossy().into_owned();
            let out = run(&r, &["hook", "commit-msg", &f], &[]);
            let later = mode != "trailer";
            if later {
                assert_eq!(out.code, 0, "{mode} {hook_mode}: {}", out.stderr);
                assert!(out.stderr.contains("the merge will need"), "{}", out.stderr);
            } else {
                // A trailer can be written now: enforce blocks (1), warn reports (0); never 2.
                assert_eq!(
                    out.code,
                    i32::from(hook_mode == "enforce"),
                    "{mode} {hook_mode}: {}",
                    out.stderr
                );
            }
        }
    }
}

/// `check --all` reads notes only for commits that need reviewers (a second pass); the
/// report must be exactly what reading every note first gives (`facts` + `--from-facts`).
#[test]
fn lazy_note_reading_gives_the_same_report() {
    let (mut r, k, c) = new_keys_and_repo("signed");
    review(&mut r, &k, &c, BOB, "bob");
    // A docs commit (tier low, needs nothing) with a review, an unreviewed AI change, and a
    // change reviewed by its author.
    let d = commit_as(&mut r, ALICE, "Docs\n", &[("docs/a.md", "a\n")]);
    review(&mut r, &k, &d, BOB, "bob");
    commit_as(
        &mut r,
        ALICE,
        &msg("More", &["Assisted-by: Claude", "Change-Request: CHG-4"]),
        &[("src/auth/login.rs", "fn login() { more() }\n")],
    );
    let e = commit_as(
        &mut r,
        ALICE,
        &msg(
            "Even more",
            &["Assisted-by: Claude", "Change-Request: CHG-5"],
        ),
        &[("src/auth/login.rs", "fn login() { even_more() }\n")],
    );
    review(&mut r, &k, &e, ALICE, "alice");
    let all = run(&r, &["check", "--all", "--format", "json"], &[]);
    let facts = run(&r, &["facts", "--all"], &[]);
    assert_eq!(facts.code, 0, "{}", facts.stderr);
    let path = r.tmp.path().join("facts.json");
    std::fs::write(&path, &facts.stdout).expect("write");
    let p = path.to_string_lossy().into_owned();
    let replay = run(&r, &["check", "--from-facts", &p, "--format", "json"], &[]);
    assert_eq!(all.code, 1, "{}", all.stderr);
    assert_eq!(replay.code, 1, "{}", replay.stderr);
    assert_eq!(all.json()["commits"], replay.json()["commits"]);
    let reasons: Vec<String> = all.json()["commits"][0]["reviewers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["reason"].as_str().map(str::to_string))
        .collect();
    assert_eq!(reasons, ["self-review"]);
}

/// `policy diff` judges the review settings by what they let in.
#[test]
fn policy_diff_knows_signed_review_settings() {
    use countersign::policy::diff::{Effect, compare};
    use countersign::policy::{Origin, load::load};
    let k = Keys::new();
    let load_p =
        |t: &str| load(t, Origin::Embedded).unwrap_or_else(|e| panic!("{}", e.render_plain()));
    let base = signed_policy(&k, "signed");
    let no_bob_key = base.replace(
        &format!("        ssh_keys: [\"{}\"]\n", k.public("bob")),
        "",
    );
    let cases: Vec<(String, String, Effect)> = vec![
        (
            base.clone(),
            base.replace("review: signed", "review: [signed, approval]"),
            Effect::Weakens,
        ),
        (
            base.clone(),
            base.replace("review: signed", "review: approval"),
            Effect::Weakens,
        ),
        (
            base.replace("review: signed", "review: [signed, approval]"),
            base.clone(),
            Effect::Strengthens,
        ),
        (
            base.replace("review: signed", "review: trailer"),
            base.replace("review: signed", "review: trailer+approval"),
            Effect::Strengthens,
        ),
        (
            base.clone(),
            format!("{base}  signed_review: {{ survives: rebase }}\n"),
            Effect::Weakens,
        ),
        (no_bob_key.clone(), base.clone(), Effect::Weakens),
        (base.clone(), no_bob_key.clone(), Effect::Strengthens),
        (
            base.clone(),
            format!("{base}  allowed_signers: .countersign/allowed_signers\n"),
            Effect::Weakens,
        ),
    ];
    for (old, new, want) in cases {
        let d = compare(&load_p(&old), &load_p(&new), &[]);
        assert!(!d.changes.is_empty(), "no change found:\n{new}");
        assert!(
            d.changes.iter().all(|c| c.effect == want),
            "{:?}",
            d.changes
        );
        assert_eq!(d.weakens, want == Effect::Weakens);
    }
}
