//! One test per bypass ever found, named `bNNN_<slug>`, with what it was and where it was
//! found. A bypass is an input that should have failed (or ended in exit 2) and passed.

mod support;

use countersign::evaluate::{self, Context};
use countersign::facts::{Change, ChangedPath, CommitFacts, Identity};
use countersign::policy::load::load;
use countersign::policy::{Origin, Policy};
use countersign::time::Date;

fn policy(text: &str) -> Policy {
    load(text, Origin::Embedded).unwrap_or_else(|e| panic!("{}", e.render_plain()))
}

fn commit(message: &str, paths: &[&str]) -> CommitFacts {
    CommitFacts {
        id: "1111111111111111111111111111111111111111".into(),
        parents: vec!["2222222222222222222222222222222222222222".into()],
        author: Identity::new("Alice Author", "alice@corp.example"),
        committer: Identity::new("Alice Author", "alice@corp.example"),
        time: 1_704_067_200,
        message: message.as_bytes().to_vec(),
        encoding: None,
        paths: paths
            .iter()
            .map(|p| ChangedPath {
                path: (*p).to_string(),
                change: Change::Modified,
                old_mode: Some(0o100644),
                new_mode: Some(0o100644),
                link_target: None,
            })
            .collect(),
    }
}

fn failing(p: &Policy, c: &CommitFacts) -> bool {
    let ctx = Context {
        policy: p,
        pr: None,
        branch: None,
        today: Date::parse("2026-06-01").expect("date"),
        head: None,
        explain: false,
        whole_history: false,
    };
    evaluate::evaluate_commit(&ctx, c)
        .expect("evaluate")
        .is_failing()
}

/// b001 — found by the `monotone` property test (tests/properties.rs).
/// The tier of a commit was the highest tier of its paths, and only that tier's requirements
/// applied. With the design's own example (`high`: 2 reviewers, change record, `applies_to:
/// all`; above it `restricted`: `ai: forbidden` and nothing else), a human commit to
/// `src/payments/` failed without review — and passed once it also touched one file under
/// `src/crypto/`. Requirements now combine every tier the commit touches.
#[test]
fn b001_touching_a_higher_weaker_tier_dropped_requirements() {
    let p = policy(
        "version: 1
tiers:
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 2
    change_record: true
    applies_to: all
  - name: restricted
    ai: forbidden
default_tier: standard
rules:
  - { name: payments, paths: [\"src/payments/**\"], tier: high }
  - { name: crypto, paths: [\"src/crypto/**\"], tier: restricted }
",
    );
    let m = "Change charge flow\n";
    assert!(failing(&p, &commit(m, &["src/payments/charge.rs"])));
    assert!(
        failing(
            &p,
            &commit(m, &["src/payments/charge.rs", "src/crypto/aes.rs"])
        ),
        "adding a restricted path must not drop the `high` requirements"
    );
    // And via a protected path (the policy file is at least the highest tier).
    assert!(failing(
        &p,
        &commit(m, &["src/payments/charge.rs", ".countersign.yml"])
    ));
    // And via a second rule that matches the same path with the higher, weaker tier.
    let q = policy(&format!(
        "{}  - {{ name: all, paths: [\"**\"], tier: restricted }}\n",
        p.source.text
    ));
    assert!(failing(&q, &commit(m, &["src/payments/charge.rs"])));
}

/// b002 — found by the adversarial suite (AT-P05).
/// A path with an invisible code point (`src/au<U+200C>th/x.rs`, which renders as
/// `src/auth/x.rs` and which git ignores on HFS+) matched no rule, so it got the default tier:
/// a human commit there needed no review. Paths are now also classified without such
/// characters.
#[test]
fn b002_invisible_code_point_in_path_escaped_its_rule() {
    let p = policy(
        "version: 1
tiers:
  - name: low
  - name: auth
    reviewers: 1
    applies_to: all
default_tier: low
rules:
  - { name: auth, paths: [\"src/auth/**\"], tier: auth }
",
    );
    for path in [
        "src/au\u{200c}th/x.rs",
        "src/auth\u{200b}/x.rs",
        "src/\u{202e}auth/x.rs",
        "src/auth/x.rs",
    ] {
        assert!(
            failing(&p, &commit("Add x\n", &[path])),
            "{path:?} escaped the auth rule"
        );
    }
}

/// b003 — found by the adversarial suite (AT-P07).
/// `.gitmodules` decides where submodule content comes from, but it was an ordinary path: a
/// human commit pointing a submodule at another URL needed no review under a policy whose
/// default tier only applies to AI changes. It is now a protected path.
#[test]
fn b003_gitmodules_url_change_was_not_risky() {
    let p = policy(
        "version: 1
tiers:
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 1
    applies_to: all
default_tier: standard
",
    );
    assert!(failing(
        &p,
        &commit("Point submodule elsewhere\n", &[".gitmodules"])
    ));
}

/// b004: the pre-receive parser accepted `0000… 0000… refs/heads/x` (zeros on both sides:
/// neither a create nor a delete). git never sends it; the hook must reject it, not guess.
/// Found when the fuzz harness moved from a test-only parser to the hook's own.
#[test]
fn b004_pre_receive_line_with_two_zero_ids_is_rejected() {
    let zero = "0".repeat(40);
    let line = format!("{zero} {zero} refs/heads/x\n");
    assert!(countersign::platform::hook_lines::parse_pre_receive(line.as_bytes()).is_err());
}

/// Builds a commit with `git commit-tree` and returns its id.
fn commit_tree(r: &mut support::TestRepo, tree: &str, parents: &[&str], msg: &str) -> String {
    let mut a = vec!["commit-tree", tree];
    for p in parents {
        a.push("-p");
        a.push(p);
    }
    a.extend(["-m", msg]);
    r.git(&a).trim().to_string()
}

/// b100 — issue 11, class 1. A merge was judged on the paths where it differed from
/// *every* parent. A side branch forked before a reviewed fix, merged with the old version
/// of the file winning, differed from its second parent nowhere: zero paths, so the revert
/// of reviewed work needed no review. The merge now answers for its diff against its first
/// parent, less what the range introduced or its base has.
#[test]
fn b100_merge_reviving_pre_fix_content_answered_for_nothing() {
    use countersign::git::{self, Limits, RangeSpec};
    let mut r = support::TestRepo::new();
    r.commit_files("import", &[("src/auth/login.rs", "old\n")]);
    let import = r.head();
    r.commit_files("reviewed fix", &[("src/auth/login.rs", "fixed\n")]);
    let t = r.head();
    r.checkout(&["-b", "old", &import]);
    r.commit_files("trivial", &[("README.md", "x\n")]);
    r.checkout(&["-b", "feature", &t]);
    let _ = r.git_output(&["merge", "-q", "--no-ff", "--no-commit", "old"]);
    r.git(&["checkout", "old", "--", "src/auth/login.rs"]);
    let x = r.commit("Merge branch 'old'");
    let combined = r.git(&["diff-tree", "-c", "-r", "--name-only", "--no-commit-id", &x]);
    assert_eq!(combined.trim(), "", "the old rule saw no path");
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &RangeSpec::Expr(format!("{t}..{x}")), None).expect("range");
    let facts = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| f,
    )
    .expect("scan");
    let merge = facts.iter().find(|f| f.id == x).expect("merge in range");
    let paths: Vec<&str> = merge.paths.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["src/auth/login.rs"]);
}

/// b101 — issue 11, class 2. countersign's own commit parser took every `parent` line of
/// the header as a parent (git takes only those right after `tree`) and the first of
/// several `author` lines (`git log --format=%an` shows the last). Both now agree with git
/// or fail closed.
#[test]
fn b101_late_parent_line_and_second_author_were_misread() {
    use countersign::git::commit;
    let t = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let p = "1111111111111111111111111111111111111111";
    let late =
        format!("tree {t}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\nparent {p}\n\nm\n");
    assert_eq!(
        commit::parse(late.as_bytes()).map(|c| c.parents.len()),
        Ok(0)
    );
    let two = format!(
        "tree {t}\nauthor Human <h@x> 1 +0000\nauthor Bot <b@x> 1 +0000\ncommitter C <c@x> 1 +0000\n\nm\n"
    );
    assert!(commit::parse(two.as_bytes()).is_err());
}

/// b102 — issue 11, class 3. libgit2 follows `info/grafts` in its walks: a graft giving the
/// commit after an AI commit the AI commit's parent cut the AI commit out of `A..B`.
/// A repository with grafts is now refused (exit 2); replace refs never applied.
#[test]
fn b102_graft_cut_an_ai_commit_out_of_the_range() {
    use countersign::git::{self, RangeSpec};
    let mut r = support::TestRepo::new();
    r.commit_files("import", &[("a", "1\n")]);
    let import = r.head();
    r.commit_files(
        "AI change\n\nCo-authored-by: Claude <noreply@anthropic.com>",
        &[("a", "2\n")],
    );
    let h = r.commit_files("docs", &[("b", "1\n")]);
    std::fs::write(r.dir.join(".git/info/grafts"), format!("{h} {import}\n")).expect("grafts");
    assert_eq!(
        r.git(&["rev-list", &format!("{import}..{h}")])
            .lines()
            .count(),
        1
    );
    let repo = git::open(r.path()).expect("open");
    let e = git::resolve(&repo, &RangeSpec::Expr(format!("{import}..{h}")), None)
        .expect_err("grafts refused");
    assert_eq!(e.kind, countersign::ErrorKind::Repository);
    assert!(e.message.contains("graft"), "{}", e.message);
}

/// b103 — issue 11, class 11. The tree diff recursed once per directory level: a path
/// 10,001 directories deep (git reads it with `core.maxTreeDepth` raised) overflowed the
/// stack and killed the process with SIGSEGV. The diff keeps its own stack now, with a
/// documented depth limit (4,096) that ends in exit 2.
#[test]
fn b103_deep_tree_overflowed_the_stack() {
    use countersign::git::{self, Limits};
    let mut r = support::TestRepo::new();
    let path = format!("{}f", "d/".repeat(10_001));
    let stream = format!(
        "commit refs/heads/main\ncommitter C <c@x> 1704067200 +0000\ndata 4\ndeep\nM 100644 inline {path}\ndata 3\nhi\n\n"
    );
    let mut child = r
        .command("git")
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("fast-import");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), stream.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
    let c = r.rev("main");
    let repo = git::open(r.path()).expect("open");
    let oid = git2::Oid::from_str(&c).expect("oid");
    let e = git::read_commit(&repo, oid, &Limits::default()).expect_err("too deep");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
    assert!(e.message.contains("4096 directories"), "{}", e.message);
}

/// b104 — issue 11, class 11. An octopus merge's diff held every parent's trees at every
/// level (memory parents × tree size, unbounded), and a policy blob on a base commit was
/// read whole whatever its size. Parents are capped (128) and policy blobs are size-checked
/// from the object header (1 MiB) before they are read.
#[test]
fn b104_octopus_parents_and_policy_blobs_were_unbounded() {
    use countersign::git::{self, Limits};
    let mut r = support::TestRepo::new();
    r.commit_files("import", &[("a", "1\n")]);
    let base = r.head();
    let tree = r.rev("HEAD^{tree}");
    let parents: Vec<String> = (0..129)
        .map(|i| commit_tree(&mut r, &tree, &[&base], &format!("p{i}")))
        .collect();
    let refs: Vec<&str> = parents.iter().map(String::as_str).collect();
    let x = commit_tree(&mut r, &tree, &refs, "octopus");
    let repo = git::open(r.path()).expect("open");
    let e = git::read_commit(
        &repo,
        git2::Oid::from_str(&x).expect("oid"),
        &Limits::default(),
    )
    .expect_err("too many parents");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
    let big = "# x\n".repeat(300_000);
    r.commit_files("big policy", &[(".countersign.yml", &big)]);
    let repo = git::open(r.path()).expect("open");
    let e = git::read_blob_at(&repo, "HEAD", ".countersign.yml", git::MAX_POLICY_BYTES)
        .expect_err("over the limit");
    assert_eq!(e.kind, countersign::ErrorKind::Limit);
}
