//! Range resolution: every rule of DESIGN §3/§5 and every fail-closed error.

use crate::support;

use countersign::ErrorKind;
use countersign::git::{self, Limits, RangeSpec, ResolvedRange};
use support::TestRepo;

fn ids(r: &ResolvedRange) -> Vec<String> {
    r.commits.iter().map(|c| c.to_string()).collect()
}

fn resolve(r: &TestRepo, spec: RangeSpec) -> countersign::Result<ResolvedRange> {
    let repo = git::open(r.path())?;
    git::resolve(&repo, &spec, None)
}

fn expr(s: &str) -> RangeSpec {
    RangeSpec::Expr(s.to_string())
}

/// main: m1 - m2 - m3 - merge(side) - m4 ; side: s1 - s2 (forked at m2).
fn history() -> (TestRepo, Vec<String>) {
    let mut r = TestRepo::new();
    let m1 = r.commit_files("m1", &[("a", "1")]);
    let m2 = r.commit_files("m2", &[("a", "2")]);
    r.checkout(&["-b", "side"]);
    let s1 = r.commit_files("s1", &[("s", "1")]);
    let s2 = r.commit_files("s2", &[("s", "2")]);
    r.checkout(&["main"]);
    let m3 = r.commit_files("m3", &[("a", "3")]);
    let mg = r.merge("merge side", &["side"], None);
    let m4 = r.commit_files("m4", &[("a", "4")]);
    (r, vec![m1, m2, s1, s2, m3, mg, m4])
}

#[test]
fn single_revision_is_exactly_that_commit() {
    let (r, c) = history();
    let got = resolve(&r, expr("HEAD~1")).expect("resolve");
    assert_eq!(ids(&got), vec![c[5].clone()]);
    assert_eq!(got.info.head.as_deref(), Some(c[5].as_str()));
    assert_eq!(got.info.branch.as_deref(), Some("main"));
}

#[test]
fn two_dot_follows_all_parents_newest_first() {
    let (r, c) = history();
    let got = resolve(&r, expr(&format!("{}..main", c[1]))).expect("resolve");
    let mut want = vec![
        c[2].clone(),
        c[3].clone(),
        c[4].clone(),
        c[5].clone(),
        c[6].clone(),
    ];
    let mut have = ids(&got);
    assert_eq!(have.first(), Some(&c[6]), "newest first");
    let pos = |x: &String| have.iter().position(|h| h == x);
    assert!(
        pos(&c[5]) < pos(&c[3]) && pos(&c[3]) < pos(&c[2]),
        "children before parents"
    );
    have.sort();
    want.sort();
    assert_eq!(have, want);
    assert_eq!(got.info.base.as_deref(), Some(c[1].as_str()));
    // Empty left side means HEAD.
    let got = resolve(&r, expr(&format!("{}..", c[5]))).expect("resolve");
    assert_eq!(ids(&got), vec![c[6].clone()]);
}

#[test]
fn three_dot_is_the_symmetric_difference() {
    let mut r = TestRepo::new();
    let base = r.commit_files("base", &[("a", "1")]);
    r.checkout(&["-b", "topic"]);
    let t1 = r.commit_files("t1", &[("t", "1")]);
    r.checkout(&["main"]);
    let m1 = r.commit_files("m1", &[("m", "1")]);
    let got = resolve(&r, expr("main...topic")).expect("resolve");
    let mut have = ids(&got);
    have.sort();
    let mut want = vec![t1, m1];
    want.sort();
    assert_eq!(have, want);
    assert_eq!(got.info.base.as_deref(), Some(base.as_str()));
}

#[test]
fn all_covers_every_ref_and_head() {
    let (mut r, c) = history();
    r.checkout(&["--detach", &c[0]]);
    let detached = r.commit_files("detached", &[("d", "1")]);
    r.checkout(&["-b", "other", &c[0]]);
    let other = r.commit_files("other", &[("o", "1")]);
    r.git(&["tag", "-a", "-m", "tag", "v1", &other]);
    r.checkout(&["--detach", &detached]);
    let got = resolve(&r, RangeSpec::All).expect("resolve");
    let have = ids(&got);
    assert_eq!(have.len(), c.len() + 2);
    assert!(have.contains(&detached) && have.contains(&other));
    assert_eq!(got.info.branch, None);
}

#[test]
fn unknown_revision_is_an_error() {
    let (r, _) = history();
    for s in ["nope", "nope..main", "main..nope", "main...nope"] {
        let e = resolve(&r, expr(s)).expect_err(s);
        assert_eq!(e.kind, ErrorKind::Repository, "{s}");
        assert!(e.help.is_some());
    }
}

#[test]
fn unrelated_histories_have_no_merge_base() {
    let (mut r, _) = history();
    r.checkout(&["--orphan", "island"]);
    r.commit_files("island", &[("i", "1")]);
    for s in ["main..island", "main...island"] {
        let e = resolve(&r, expr(s)).expect_err(s);
        assert_eq!(e.kind, ErrorKind::Incomplete, "{s}");
        assert!(e.message.contains("merge-base"), "{}", e.message);
    }
}

#[test]
fn empty_range_only_when_head_is_base() {
    let (r, _) = history();
    let e = resolve(&r, expr("HEAD..HEAD~2")).expect_err("head behind base");
    assert_eq!(e.kind, ErrorKind::Incomplete);
    let ok = resolve(&r, expr("HEAD..HEAD")).expect("nothing to check");
    assert!(ok.commits.is_empty());
}

#[test]
fn default_range_uses_the_upstream() {
    let (src, _) = history();
    let mut r = TestRepo::clone_from(&src, &[]);
    let a = r.commit_files("local 1", &[("l", "1")]);
    let b = r.commit_files("local 2", &[("l", "2")]);
    let got = resolve(&r, RangeSpec::Default).expect("resolve");
    assert_eq!(ids(&got), vec![b, a]);
    assert!(
        got.info.description.contains("upstream"),
        "{}",
        got.info.description
    );
    assert!(got.info.description.starts_with("origin/main..HEAD"));
}

#[test]
fn default_range_falls_back_to_the_remote_default_branch() {
    let (src, _) = history();
    let mut r = TestRepo::clone_from(&src, &[]);
    r.checkout(&["-b", "feature", "--no-track"]);
    let a = r.commit_files("feature 1", &[("f", "1")]);
    let got = resolve(&r, RangeSpec::Default).expect("resolve");
    assert_eq!(ids(&got), vec![a]);
    assert!(
        got.info.description.contains("default branch"),
        "{}",
        got.info.description
    );
    // Up to date with the upstream: nothing to check, and that is an answer.
    let mut r2 = TestRepo::clone_from(&src, &[]);
    let got = resolve(&r2, RangeSpec::Default).expect("resolve");
    assert!(got.commits.is_empty());
    // Behind the upstream: still nothing of ours to check.
    r2.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let got = resolve(&r2, RangeSpec::Default).expect("resolve");
    assert!(got.commits.is_empty());
}

#[test]
fn default_range_without_remote_is_head_alone() {
    let (r, c) = history();
    let got = resolve(&r, RangeSpec::Default).expect("resolve");
    assert_eq!(ids(&got), vec![c[6].clone()]);
    assert!(
        got.info.description.starts_with("HEAD"),
        "{}",
        got.info.description
    );
}

#[test]
fn baseline_hides_history() {
    let (r, c) = history();
    let repo = git::open(r.path()).expect("open");
    let got = git::resolve(&repo, &RangeSpec::All, Some(&c[4])).expect("resolve");
    let mut have = ids(&got);
    have.sort();
    let mut want = vec![c[2].clone(), c[3].clone(), c[5].clone(), c[6].clone()];
    want.sort();
    assert_eq!(have, want);
    // Everything behind the baseline: empty, and that is not an error.
    let got = git::resolve(&repo, &expr(&c[1]), Some(&c[4])).expect("resolve");
    assert!(got.commits.is_empty());
    let e = git::resolve(&repo, &RangeSpec::All, Some("v9.9.9")).expect_err("unknown baseline");
    assert_eq!(e.kind, ErrorKind::Repository);
    assert!(e.message.contains("baseline"));
}

#[test]
fn shallow_boundary_fails_closed() {
    let (src, _) = history();
    let r = TestRepo::clone_from(&src, &["--depth", "1"]);
    // Up to date with origin/main: nothing to check, and the range does not cross the boundary.
    assert!(
        resolve(&r, RangeSpec::Default)
            .expect("default")
            .commits
            .is_empty()
    );
    for spec in [RangeSpec::All, expr("HEAD"), expr("HEAD~1..HEAD")] {
        let e = resolve(&r, spec.clone()).expect_err("shallow");
        assert_eq!(e.kind, ErrorKind::Incomplete, "{spec:?}: {}", e.message);
        assert!(
            e.help.as_deref().unwrap_or("").contains("fetch-depth: 0"),
            "{spec:?}"
        );
    }
    // scan refuses a boundary commit too, even when handed one directly.
    let repo = git::open(r.path()).expect("open");
    let head = repo.raw().head().expect("head").target().expect("oid");
    let e = git::scan(
        &repo,
        &[head],
        &git::Base::Single,
        &Limits::default(),
        |f| f,
    )
    .expect_err("boundary");
    assert_eq!(e.kind, ErrorKind::Incomplete);
}

#[test]
fn shallow_range_inside_the_fetched_history_works() {
    let (src, c) = history();
    let r = TestRepo::clone_from(&src, &["--depth", "3", "--no-single-branch"]);
    let got = resolve(&r, expr("HEAD~1..HEAD"));
    match got {
        Ok(g) => {
            assert_eq!(ids(&g), vec![c[6].clone()]);
            eprintln!("shallow range resolved");
        }
        // libgit2's walk may need the missing parents to prove the range: failing closed is
        // acceptable, silently passing is not.
        Err(e) => assert_eq!(e.kind, ErrorKind::Incomplete),
    }
}

#[test]
fn missing_objects_fail_closed() {
    let (mut r, c) = history();
    // Remove the loose object of a tree that a commit in the range needs.
    let tree = r.rev(&format!("{}^{{tree}}", c[6]));
    let obj = r
        .path()
        .join(".git/objects")
        .join(&tree[..2])
        .join(&tree[2..]);
    std::fs::remove_file(&obj).expect("remove tree object");
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &expr(&c[6]), None).expect("resolve");
    let e = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| f,
    )
    .expect_err("missing tree");
    assert_eq!(e.kind, ErrorKind::Incomplete);
    // A missing commit in the middle of the walk.
    let obj = r
        .path()
        .join(".git/objects")
        .join(&c[4][..2])
        .join(&c[4][2..]);
    std::fs::remove_file(&obj).expect("remove commit object");
    let e = resolve(&r, RangeSpec::All).expect_err("missing commit");
    assert_eq!(e.kind, ErrorKind::Incomplete);
}

#[test]
fn commit_limit_is_enforced() {
    let (r, _) = history();
    let repo = git::open(r.path()).expect("open");
    let limits = Limits {
        max_commits: 3,
        ..Limits::default()
    };
    let e = git::resolve_with(&repo, &RangeSpec::All, None, &limits).expect_err("limit");
    assert_eq!(e.kind, ErrorKind::Limit);
    assert!(e.message.contains("max_commits"));
}

#[test]
fn blobs_and_paths_at_a_revision() {
    let (r, c) = history();
    let repo = git::open(r.path()).expect("open");
    assert_eq!(
        git::read_blob_at(&repo, &c[0], "a", 1 << 20).expect("read"),
        Some(b"1".to_vec())
    );
    assert_eq!(
        git::read_blob_at(&repo, "main", "a", 1 << 20).expect("read"),
        Some(b"4".to_vec())
    );
    assert_eq!(
        git::read_blob_at(&repo, &c[0], "s", 1 << 20).expect("read"),
        None
    );
    assert!(git::read_blob_at(&repo, "nope", "a", 1 << 20).is_err());
    let mut paths = git::tree_paths_at(&repo, "main").expect("paths");
    paths.sort();
    assert_eq!(paths, vec!["a".to_string(), "s".to_string()]);
}

#[test]
fn opens_from_a_subdirectory_and_reports_errors() {
    let (r, _) = history();
    std::fs::create_dir_all(r.path().join("x/y")).expect("mkdir");
    let repo = git::open(&r.path().join("x/y")).expect("discover upward");
    assert_eq!(
        repo.workdir().map(|p| p.canonicalize().ok()),
        Some(r.path().canonicalize().ok())
    );
    assert!(repo.git_dir().ends_with(".git/") || repo.git_dir().ends_with(".git"));
    let empty = tempfile::tempdir().expect("tmp");
    let e = git::open(empty.path()).expect_err("not a repo");
    assert_eq!(e.kind, ErrorKind::Repository);
}
