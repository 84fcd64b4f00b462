//! The changed paths of `countersign::git::scan` against git itself as the oracle:
//! `git diff-tree -r --no-renames --raw` for ordinary commits (paths and A/D/M/T status) and,
//! for merges, the merge rule (DESIGN §5) computed with git alone
//! (`merge_rule_matches_git_oracle`): the merge's diff against its first parent
//! (`git diff-tree -m --first-parent`), less what an in-range commit it contains introduced
//! (`git rev-list`, each commit's own first-parent diff) or a merge-base of the range has
//! (`git merge-base --all`, `git ls-tree`), plus git's combined set (`git diff-tree -c`).
//! Over a whole history (`--all`, no base) every merged version was introduced inside the
//! range, so a merge answers exactly for git's combined set (`changed_paths_match_git`).
//!
//! countersign counts an in-range commit as the introducer when it comes after the merge in
//! the range's topological order (never a descendant); the oracle takes the merge's
//! in-range ancestors. The test histories give every revived version its own content, so
//! the two agree.

use crate::support;

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

/// A history for the merge rule: reviewed work merged cleanly, a sync merge of main, a side
/// branch forked before a fix whose old version wins, an octopus with an old parent, an
/// evil merge, nested merges and an unrelated history. Each attack revives a different old
/// version of `auth/login.rs` (A0, A1, A2; the fix is v1), so no two merges bring the same
/// content by coincidence.
fn merge_history() -> (TestRepo, String) {
    let mut r = TestRepo::new();
    r.commit_files(
        "import",
        &[
            ("auth/login.rs", "A0\n"),
            ("docs/a.md", "a\n"),
            ("lib.rs", "l0\n"),
        ],
    );
    let import = r.head();
    r.commit_files("pre1", &[("auth/login.rs", "A1\n")]);
    let pre1 = r.head();
    r.commit_files("pre2", &[("auth/login.rs", "A2\n")]);
    let pre2 = r.head();
    r.commit_files("pre3", &[("auth/login.rs", "A3\n")]);
    let pre3 = r.head();
    r.commit_files("fix", &[("auth/login.rs", "v1\n")]);
    let t = r.head();
    // Side branches forked before the fix, one trivial commit each.
    r.checkout(&["-b", "old", &import]);
    r.commit_files("old docs", &[("docs/old.md", "o\n")]);
    r.checkout(&["-b", "old2", &pre2]);
    r.commit_files("old2 docs", &[("docs/old2.md", "o2\n")]);
    // feature: work, a sync merge of main, a merge taking old's login.rs (A0).
    r.checkout(&["-b", "feature", &import]);
    r.commit_files("feature work", &[("lib.rs", "l1\n"), ("docs/f.md", "f\n")]);
    r.merge("sync main", &["main"], None);
    r.merge(
        "merge old, old login wins",
        &["old"],
        Some(&|r: &mut TestRepo| {
            r.git(&["checkout", "old", "--", "auth/login.rs"]);
        }),
    );
    // topic merged with an evil extra.
    r.checkout(&["-b", "topic", "feature"]);
    r.commit_files("topic work", &[("docs/t.md", "t\n")]);
    r.git(&["rm", "-q", "docs/a.md"]);
    r.commit("topic deletes a.md");
    r.checkout(&["feature"]);
    r.merge(
        "merge topic, evil",
        &["topic"],
        Some(&|r: &mut TestRepo| r.write("auth/evil.rs", "e\n")),
    );
    // An octopus with pre1 (A1) as a parent, made with commit-tree (git would call it up
    // to date), and a second topic.
    r.checkout(&["-b", "o2", "feature"]);
    r.commit_files("o2 work", &[("docs/o2.md", "2\n")]);
    r.checkout(&["feature"]);
    let f = r.head();
    let o2 = r.rev("o2");
    r.git(&["read-tree", &o2]);
    let a1 = r.rev(&format!("{pre1}:auth/login.rs"));
    r.git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{a1},auth/login.rs"),
    ]);
    let tree = r.git(&["write-tree"]).trim().to_string();
    let oct = r
        .git(&[
            "commit-tree",
            &tree,
            "-p",
            &f,
            "-p",
            &o2,
            "-p",
            &pre1,
            "-m",
            "octopus",
        ])
        .trim()
        .to_string();
    r.git(&["reset", "-q", "--hard", &oct]);
    // Nested: an inner merge of old2 (A2) on a branch from the fix, merged cleanly.
    r.checkout(&["-b", "inner", &t]);
    r.merge(
        "inner merge of old2",
        &["old2"],
        Some(&|r: &mut TestRepo| {
            r.git(&["checkout", "old2", "--", "auth/login.rs"]);
        }),
    );
    r.checkout(&["feature"]);
    r.merge(
        "outer merge of inner",
        &["inner"],
        Some(&|r: &mut TestRepo| {
            r.git(&["checkout", "inner", "--", "auth/login.rs"]);
        }),
    );
    // An unrelated history.
    r.checkout(&["--orphan", "unrelated"]);
    r.git(&["rm", "-r", "-q", "--cached", "."]);
    r.git(&["clean", "-q", "-f", "-d", "-x"]);
    r.commit_files(
        "unrelated root",
        &[("auth/login.rs", "u\n"), ("u.md", "u\n")],
    );
    r.checkout(&["-f", "feature"]);
    let _ = r.git_output(&[
        "merge",
        "-q",
        "--no-commit",
        "--allow-unrelated-histories",
        "unrelated",
    ]);
    r.write("auth/login.rs", "resolved\n");
    r.git(&["add", "-A"]);
    r.commit("merge unrelated");
    // The target merged *into* a branch forked before the fix, keeping its old login.rs
    // (A3): the join point answers for it. Then merged into feature, feature's login wins.
    r.checkout(&["-b", "old3", &pre3]);
    r.commit_files("old3 docs", &[("docs/old3.md", "o3\n")]);
    r.merge(
        "merge main into old3, old login kept",
        &["main"],
        Some(&|r: &mut TestRepo| {
            r.git(&["checkout", "old3", "--", "auth/login.rs"]);
        }),
    );
    r.checkout(&["feature"]);
    r.merge(
        "merge old3",
        &["old3"],
        Some(&|r: &mut TestRepo| {
            r.git(&["checkout", "feature", "--", "auth/login.rs"]);
        }),
    );
    (r, t)
}

/// `path → (mode, id)` of a `git diff-tree --raw -z` listing (new side; deletions have
/// mode 000000 and the zero id).
fn raw_diff(r: &mut TestRepo, args: &[&str]) -> BTreeMap<String, (String, String)> {
    let out = r.command("git").args(args).output().expect("git");
    assert!(out.status.success(), "{args:?}");
    let fields = nul_fields(&out.stdout);
    let mut map = BTreeMap::new();
    for pair in fields.chunks(2) {
        let meta: Vec<&str> = pair[0].split_whitespace().collect();
        map.insert(pair[1].clone(), (meta[1].to_string(), meta[3].to_string()));
    }
    map
}

/// The merge rule computed with git alone, for the range `target..head` (`target` None:
/// every commit reachable from `head`).
fn rule_oracle(
    r: &mut TestRepo,
    target: Option<&str>,
    head: &str,
) -> BTreeMap<String, BTreeSet<String>> {
    let spec = match target {
        Some(t) => vec![head.to_string(), format!("^{t}")],
        None => vec![head.to_string()],
    };
    let mut args = vec!["rev-list"];
    args.extend(spec.iter().map(String::as_str));
    let range: Vec<String> = r.git(&args).lines().map(str::to_string).collect();
    let bases: Vec<String> = match target {
        Some(t) => r
            .git(&["merge-base", "--all", t, head])
            .lines()
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    // Each commit's own change set: its diff against its first parent.
    let mut own = BTreeMap::new();
    for c in &range {
        let d = raw_diff(
            r,
            &[
                "diff-tree",
                "-r",
                "--root",
                "--no-renames",
                "--raw",
                "-z",
                "--no-commit-id",
                "-m",
                "--first-parent",
                c,
            ],
        );
        own.insert(c.clone(), d);
    }
    let mut want = BTreeMap::new();
    for c in &range {
        let parents = r.git(&["rev-list", "--parents", "-n1", c]);
        let parents: Vec<&str> = parents.split_whitespace().skip(1).collect();
        if parents.len() < 2 {
            want.insert(c.clone(), own[c].keys().cloned().collect());
            continue;
        }
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
        let combined: BTreeSet<String> = nul_fields(&out.stdout).into_iter().collect();
        // The in-range commits the merge contains.
        let mut args = vec!["rev-list".to_string(), format!("{c}^@")];
        if let Some(t) = target {
            args.push(format!("^{t}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let inside: Vec<String> = r.git(&args).lines().map(str::to_string).collect();
        let mut answered = BTreeSet::new();
        // A join point — a merge that contains the base, but not through its first parent —
        // also answers for what it keeps from its first parent that differs from the base
        // and that nothing in range introduced.
        let contains = |r: &mut TestRepo, x: &str| {
            bases.iter().any(|b| {
                r.command("git")
                    .args(["merge-base", "--is-ancestor", b, x])
                    .status()
                    .expect("git")
                    .success()
            })
        };
        let fp = parents[0].to_string();
        let join = contains(r, c) && !bases.contains(&fp) && !contains(r, &fp);
        if join {
            for b in &bases {
                let from_base =
                    raw_diff(r, &["diff-tree", "-r", "--no-renames", "--raw", "-z", b, c]);
                for (path, entry) in from_base {
                    let introduced = inside
                        .iter()
                        .any(|i| own.get(i).and_then(|d| d.get(&path)) == Some(&entry));
                    if !own[c].contains_key(&path) && !introduced {
                        answered.insert(path.clone());
                    }
                }
            }
        }
        for (path, entry) in &own[c] {
            if combined.contains(path) {
                answered.insert(path.clone());
                continue;
            }
            let introduced = inside
                .iter()
                .any(|i| own.get(i).and_then(|d| d.get(path)) == Some(entry));
            let in_base = bases.iter().any(|b| {
                let ls = r
                    .command("git")
                    .args(["ls-tree", "-z", b, "--", path])
                    .output()
                    .expect("ls-tree");
                let f = nul_fields(&ls.stdout);
                let have = f.first().map(|l| {
                    let meta: Vec<&str> = l.split_whitespace().collect();
                    (meta[0].to_string(), meta[2].to_string())
                });
                match have {
                    Some(h) => h == *entry,
                    None => entry.0 == "000000",
                }
            });
            if !introduced && !in_base {
                answered.insert(path.clone());
            }
        }
        want.insert(c.clone(), answered);
    }
    want
}

fn ours_in(r: &TestRepo, spec: RangeSpec) -> BTreeMap<String, BTreeSet<String>> {
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &spec, None).expect("resolve");
    let facts = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| f,
    )
    .expect("scan");
    facts
        .into_iter()
        .map(|f| (f.id, f.paths.into_iter().map(|p| p.path).collect()))
        .collect()
}

#[test]
fn merge_rule_matches_git_oracle() {
    let (mut r, t) = merge_history();
    let head = r.rev("feature");
    // A range from the fixed main, and from the import.
    for target in [t.clone(), r.rev("main~1")] {
        let want = rule_oracle(&mut r, Some(&target), &head);
        let got = ours_in(&r, RangeSpec::Expr(format!("{target}..{head}")));
        assert_eq!(got, want, "range {target}..{head}");
    }
    // The whole history: no base, only in-range commits settle a merge's paths (so a merge
    // answers for git's combined set, checked by `changed_paths_match_git`).
    let want = rule_oracle(&mut r, None, &head);
    let got = ours_in(&r, RangeSpec::Expr(head.clone()));
    let single = got.get(&head).cloned();
    let all: BTreeMap<_, _> = ours_in(&r, RangeSpec::All)
        .into_iter()
        .filter(|(c, _)| want.contains_key(c))
        .collect();
    assert_eq!(all, want, "--all");
    // `--all` is a closed range (nothing hidden): its shortcut decides as the general rule
    // with no base does.
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &RangeSpec::All, None).expect("resolve");
    assert_eq!(range.base, git::Base::Closed);
    let general: BTreeMap<String, BTreeSet<String>> = git::scan(
        &repo,
        &range.commits,
        &git::Base::Range(Vec::new()),
        &Limits::default(),
        |f| (f.id, f.paths.into_iter().map(|p| p.path).collect()),
    )
    .expect("scan")
    .into_iter()
    .collect();
    assert_eq!(general, ours_in(&r, RangeSpec::All), "closed vs general");
    // A single merge on its own answers for its whole first-parent diff.
    let fp = raw_diff(
        &mut r,
        &[
            "diff-tree",
            "-r",
            "--no-renames",
            "--raw",
            "-z",
            &format!("{head}^"),
            &head,
        ],
    );
    assert_eq!(single, Some(fp.keys().cloned().collect()), "single merge");
    // The attacks really answer here (the oracle alone could be trivially empty).
    fn by_subject(r: &mut TestRepo, s: &str) -> String {
        r.git(&["log", "--all", "--format=%H", "--grep", &format!("^{s}$")])
            .trim()
            .to_string()
    }
    let want_t = rule_oracle(&mut r, Some(&t), &head);
    for (s, p) in [
        ("merge old, old login wins", "auth/login.rs"),
        ("octopus", "auth/login.rs"),
        ("inner merge of old2", "auth/login.rs"),
        ("merge topic, evil", "auth/evil.rs"),
    ] {
        let id = by_subject(&mut r, s);
        assert!(want_t[&id].contains(p), "{s}: {:?}", want_t[&id]);
    }
    let id = by_subject(&mut r, "merge main into old3, old login kept");
    assert!(want_t[&id].contains("auth/login.rs"), "{:?}", want_t[&id]);
    for s in ["sync main", "outer merge of inner", "merge old3"] {
        let id = by_subject(&mut r, s);
        assert!(want_t[&id].is_empty(), "{s}: {:?}", want_t[&id]);
    }
}
