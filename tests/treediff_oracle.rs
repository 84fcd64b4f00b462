//! The changed paths of `countersign::git::scan` against git itself as the oracle:
//! `git diff-tree -r --no-renames --raw` for ordinary commits (paths and A/D/M/T status) and
//! `git diff-tree -c --name-only` for merges (git's combined file set).

mod support;

use std::collections::{BTreeMap, BTreeSet};

use countersign::facts::{Change, CommitFacts};
use countersign::git::{self, Limits, RangeSpec};
use support::TestRepo;

/// A history with every kind of change the diff must see.
fn build() -> TestRepo {
    let mut r = TestRepo::new();
    r.write("a.txt", "a\n");
    r.write("dir/b.txt", "b\n");
    r.write("dir/sub/c.txt", "c\n");
    r.write("dir/sub/deeper/d.txt", "d\n");
    r.write("exec.sh", "#!/bin/sh\n");
    r.write("weird name\twith tab", "w\n");
    r.write("café.txt", "unicode\n");
    r.write("f", "a file that becomes a directory\n");
    r.write("a.b", "sorts between a and a/\n");
    r.git(&["add", "-A"]);
    r.git(&["update-index", "--chmod=+x", "exec.sh"]);
    r.commit("root");

    r.commit_files(
        "modify",
        &[("a.txt", "a2\n"), ("dir/sub/deeper/d.txt", "d2\n")],
    );
    r.git(&["update-index", "--chmod=+x", "dir/b.txt"]);
    r.commit("mode change only");
    std::fs::create_dir_all(r.dir.join("other")).expect("mkdir");
    r.git(&["mv", "dir/sub/c.txt", "other/c.txt"]);
    r.rm("exec.sh");
    r.commit("rename and delete");
    r.symlink("a.txt", "link");
    let sha = r.head();
    r.add_gitlink("vendor/mod", &sha);
    r.git(&["add", "-A"]);
    r.commit("symlink and submodule");

    // Type changes: symlink -> file, file -> symlink, gitlink bump, file -> directory.
    std::fs::remove_file(r.dir.join("link")).expect("rm link");
    r.write("link", "now a file\n");
    std::fs::remove_file(r.dir.join("a.txt")).expect("rm a");
    r.symlink("dir/b.txt", "a.txt");
    let root = r.rev("HEAD~4");
    r.add_gitlink("vendor/mod", &root);
    std::fs::remove_file(r.dir.join("f")).expect("rm f");
    r.write("f/inner.txt", "x\n");
    r.git(&["add", "-A"]);
    r.commit("type changes");
    r.rm("dir/sub");
    r.commit("delete a whole directory");
    r.commit("empty commit");

    // A clean merge (no combined paths), a conflict resolution, an evil merge.
    r.checkout(&["-b", "side"]);
    r.commit_files(
        "side work",
        &[("side.txt", "s\n"), ("conflict.txt", "side\n")],
    );
    r.checkout(&["main"]);
    r.commit_files("main work", &[("main.txt", "m\n")]);
    r.merge("clean merge", &["side"], None);
    r.checkout(&["side"]);
    r.commit_files(
        "side again",
        &[("conflict.txt", "side 2\n"), ("both.txt", "same\n")],
    );
    r.checkout(&["main"]);
    r.commit_files(
        "main again",
        &[("conflict.txt", "main 2\n"), ("both.txt", "same\n")],
    );
    r.merge(
        "conflicted merge",
        &["side"],
        Some(&|r: &mut TestRepo| r.write("conflict.txt", "resolved\n")),
    );
    r.checkout(&["side"]);
    r.commit_files("side third", &[("side3.txt", "3\n")]);
    r.checkout(&["main"]);
    r.merge(
        "evil merge",
        &["side"],
        Some(&|r: &mut TestRepo| {
            r.write("evil.txt", "only in the merge\n");
            r.write("dir/b.txt", "changed only in the merge\n");
        }),
    );

    // Octopus merge with an evil change.
    for b in ["o1", "o2", "o3"] {
        r.checkout(&["-b", b, "main"]);
        r.commit_files(&format!("{b} work"), &[(&format!("oct/{b}.txt"), b)]);
    }
    r.checkout(&["main"]);
    r.merge(
        "octopus",
        &["o1", "o2", "o3"],
        Some(&|r: &mut TestRepo| r.write("oct/evil.txt", "octopus evil\n")),
    );

    // A second root (orphan branch) merged in: paths from both sides differ from one parent each.
    r.checkout(&["--orphan", "orphan"]);
    r.git(&["rm", "-r", "-q", "--cached", "."]);
    r.git(&["clean", "-q", "-f", "-d", "-x"]);
    r.commit_files(
        "second root",
        &[("orphan.txt", "o\n"), ("main.txt", "orphan main\n")],
    );
    r.checkout(&["-f", "main"]);
    let _ = r.git_output(&[
        "merge",
        "-q",
        "--no-commit",
        "--allow-unrelated-histories",
        "orphan",
    ]);
    r.write("main.txt", "resolved main\n");
    r.git(&["add", "-A"]);
    r.commit("merge unrelated");

    // A tree written with the old raw mode 100664 and the same blob at 100644 after it.
    let b = r.git(&["rev-parse", "HEAD:main.txt"]).trim().to_string();
    let t1 = mktree(&mut r, &format!("100664 blob {b}\tg.txt\n"));
    let head = r.head();
    let c1 = r
        .git(&["commit-tree", &t1, "-p", &head, "-m", "raw mode 100664"])
        .trim()
        .to_string();
    let t2 = mktree(&mut r, &format!("100644 blob {b}\tg.txt\n"));
    let c2 = r
        .git(&["commit-tree", &t2, "-p", &c1, "-m", "canonical 100644"])
        .trim()
        .to_string();
    r.git(&["update-ref", "refs/heads/rawmode", &c2]);
    r
}

fn mktree(r: &mut TestRepo, input: &str) -> String {
    use std::io::Write;
    let mut child = r
        .command("git")
        .arg("mktree")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mktree");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("mktree");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn nul_fields(out: &[u8]) -> Vec<String> {
    out.split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// git's view: commit → { path → status letter } ('*' for merges, names only).
fn oracle(r: &mut TestRepo) -> BTreeMap<String, BTreeMap<String, char>> {
    let mut map = BTreeMap::new();
    for c in r.git(&["rev-list", "--all"]).lines() {
        let parents = r
            .git(&["rev-list", "--parents", "-n1", c])
            .split_whitespace()
            .count()
            - 1;
        let mut paths = BTreeMap::new();
        if parents > 1 {
            let out = r
                .command("git")
                .args([
                    "diff-tree",
                    "-c",
                    "-r",
                    "--no-commit-id",
                    "--name-only",
                    "-z",
                    c,
                ])
                .output()
                .expect("git");
            for p in nul_fields(&out.stdout) {
                paths.insert(p, '*');
            }
        } else {
            let out = r
                .command("git")
                .args([
                    "diff-tree",
                    "-r",
                    "--root",
                    "--no-renames",
                    "--no-commit-id",
                    "--raw",
                    "-z",
                    c,
                ])
                .output()
                .expect("git");
            let fields = nul_fields(&out.stdout);
            for pair in fields.chunks(2) {
                let status = pair[0].chars().last().expect("status");
                paths.insert(pair[1].clone(), status);
            }
        }
        map.insert(c.to_string(), paths);
    }
    map
}

fn letter(c: Change) -> char {
    match c {
        Change::Added => 'A',
        Change::Deleted => 'D',
        Change::Modified | Change::ModeChanged => 'M',
        Change::TypeChanged => 'T',
    }
}

fn ours(r: &TestRepo) -> (BTreeMap<String, BTreeMap<String, char>>, Vec<CommitFacts>) {
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &RangeSpec::All, None).expect("resolve");
    let facts = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| f,
    )
    .expect("scan");
    let mut map = BTreeMap::new();
    for f in &facts {
        let merge = f.parents.len() > 1;
        let paths = f
            .paths
            .iter()
            .map(|p| (p.path.clone(), if merge { '*' } else { letter(p.change) }))
            .collect();
        map.insert(f.id.clone(), paths);
    }
    (map, facts)
}

#[test]
fn changed_paths_match_git() {
    let mut r = build();
    let want = oracle(&mut r);
    let (got, facts) = ours(&r);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "commit sets differ"
    );
    for (c, w) in &want {
        assert_eq!(got.get(c), Some(w), "commit {c}");
    }
    // The interesting cases really occurred (the oracle alone could be trivially empty).
    let by_subject = |s: &str| -> &CommitFacts {
        facts
            .iter()
            .find(|f| f.subject() == s)
            .unwrap_or_else(|| panic!("no commit {s}"))
    };
    let kinds = |s: &str| -> Vec<(String, Change)> {
        by_subject(s)
            .paths
            .iter()
            .map(|p| (p.path.clone(), p.change))
            .collect()
    };
    assert!(kinds("mode change only").contains(&("dir/b.txt".into(), Change::ModeChanged)));
    let tc = kinds("type changes");
    assert!(tc.contains(&("link".into(), Change::TypeChanged)));
    assert!(tc.contains(&("a.txt".into(), Change::TypeChanged)));
    assert!(tc.contains(&("vendor/mod".into(), Change::Modified)));
    assert!(tc.contains(&("f".into(), Change::Deleted)));
    assert!(tc.contains(&("f/inner.txt".into(), Change::Added)));
    let rd = kinds("rename and delete");
    assert!(rd.contains(&("dir/sub/c.txt".into(), Change::Deleted)));
    assert!(rd.contains(&("other/c.txt".into(), Change::Added)));
    assert!(kinds("symlink and submodule").contains(&("vendor/mod".into(), Change::Added)));
    assert!(kinds("clean merge").is_empty());
    assert_eq!(by_subject("conflicted merge").paths.len(), 1);
    let evil: BTreeSet<_> = by_subject("evil merge")
        .paths
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(evil, BTreeSet::from(["dir/b.txt", "evil.txt"]));
    let oct: BTreeSet<_> = by_subject("octopus")
        .paths
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(oct, BTreeSet::from(["oct/evil.txt"]));
    assert!(by_subject("canonical 100644").paths.is_empty());
    assert!(by_subject("empty commit").paths.is_empty());
    let root = by_subject("root");
    assert!(root.paths.iter().all(|p| p.change == Change::Added));
    assert!(root.paths.iter().any(|p| p.path == "weird name\twith tab"));
    assert!(root.paths.iter().any(|p| p.path == "café.txt"));
}

#[test]
fn parallel_and_sequential_scans_agree() {
    // Enough commits to take the parallel path; order must follow the input.
    let mut r = TestRepo::new();
    for i in 0..300 {
        r.commit_files(
            &format!("c{i}"),
            &[(&format!("d{}/f{}.txt", i % 7, i % 13), &format!("{i}\n"))],
        );
    }
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &RangeSpec::All, None).expect("resolve");
    assert_eq!(range.commits.len(), 300);
    let par = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| (f.id, f.paths),
    )
    .expect("scan");
    let ids: Vec<String> = range.commits.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        par.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        ids
    );
    for (i, c) in range.commits.iter().enumerate().step_by(37) {
        let one = git::read_commit(&repo, *c, &Limits::default()).expect("read");
        assert_eq!(one.paths, par[i].1);
    }
}

#[test]
fn commit_fields_are_read() {
    let mut r = TestRepo::new();
    r.git(&[
        "-c",
        "i18n.commitEncoding=ISO-8859-1",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "subject\n\nbody\n\nReviewed-by: X <x@y>",
    ]);
    let repo = git::open(r.path()).expect("open");
    let head = repo.raw().head().expect("head").target().expect("oid");
    let f = git::read_commit(&repo, head, &Limits::default()).expect("read");
    assert_eq!(f.author.name, "Ada Author");
    assert_eq!(f.author.email, "ada@example.com");
    assert_eq!(f.committer.name, "Carl Committer");
    assert_eq!(f.encoding.as_deref(), Some("ISO-8859-1"));
    assert_eq!(f.message, b"subject\n\nbody\n\nReviewed-by: X <x@y>\n");
    assert!(f.parents.is_empty());
    assert!(f.time > support::EPOCH as i64);
}

#[test]
fn limits_are_enforced() {
    let mut r = TestRepo::new();
    r.commit_files("many", &[("a", "1"), ("b", "2"), ("c", "3")]);
    let repo = git::open(r.path()).expect("open");
    let head = repo.raw().head().expect("head").target().expect("oid");
    let l = Limits {
        max_paths_per_commit: 2,
        ..Limits::default()
    };
    let e = git::read_commit(&repo, head, &l).expect_err("too many paths");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
    let l = Limits {
        max_message_bytes: 3,
        ..Limits::default()
    };
    let e = git::read_commit(&repo, head, &l).expect_err("message too long");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
    assert!(e.message.contains("max_message_bytes"));
    let l = Limits {
        max_paths_per_commit: 3,
        max_message_bytes: 5,
        ..Limits::default()
    };
    assert_eq!(
        git::read_commit(&repo, head, &l)
            .expect("at the limit")
            .paths
            .len(),
        3
    );
}
