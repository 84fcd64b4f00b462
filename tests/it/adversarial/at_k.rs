//! §6 AT-K01 (a huge commit message) and AT-P11 (a million changed paths): exit 2 naming the
//! limit, in bounded time and memory. More limits are in `tests/it/limits.rs`.

use std::time::{Duration, Instant};

use crate::adversarial::common::*;

/// Runs the binary under `/usr/bin/time -f %M` when available; returns (run, max RSS in KiB).
pub fn run_measured(r: &TestRepo, args: &[&str]) -> (Run, Option<u64>) {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return (run(r, args, &[]), None);
    }
    let rss_file = r.tmp.path().join("rss.txt");
    let mut cmd = r.command("/usr/bin/time");
    cmd.arg("-o")
        .arg(&rss_file)
        .arg("-f")
        .arg("%M")
        .arg(BIN)
        .args(args);
    let out = cmd.output().expect("run countersign under time");
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    (
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        rss,
    )
}

#[test]
fn at_k01_huge_message_is_indeterminate_in_bounded_time_and_memory() {
    // 64 MiB + 1 (the largest cap `--max-message-bytes` accepts is 64 MiB; a 1 GiB object
    // would only make the test slow: the cap is checked before any parsing).
    let mut r = baseline();
    auth_change(&mut r, "Work in progress\n");
    let mut m = b"Huge\n\n".to_vec();
    m.resize((64 << 20) + 1, b'x');
    raw_commit(&mut r, b"", &m);
    let t = Instant::now();
    let (out, rss) = run_measured(&r, &["check", "HEAD", "--max-message-bytes", "67108864"]);
    let took = t.elapsed();
    eprintln!("AT-K01: 64 MiB message: {took:?}, max RSS {rss:?} KiB");
    out.assert_indeterminate("limit");
    assert!(out.stderr.contains("max_message_bytes"), "{}", out.stderr);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    if let Some(kib) = rss {
        // The object is read once (64 MiB); nothing is copied per line.
        assert!(kib < 400 * 1024, "max RSS {kib} KiB");
    }
    // The default cap (1 MiB) stops it the same way.
    run(&r, &["check", "HEAD"], &[]).assert_indeterminate("limit");
}

/// One commit adding `dirs × files` paths, built from two small trees (every directory
/// points at the same subtree), so a million paths cost two `mktree` calls.
pub fn wide_commit(r: &mut TestRepo, dirs: usize, files: usize) -> String {
    let blob = write_object(r, "blob", b"x\n");
    let leaf: String = (0..files)
        .map(|i| format!("100644 blob {blob}\tf{i:07}.rs\n"))
        .collect();
    let leaf = mktree(r, &leaf);
    let top: String = (0..dirs)
        .map(|i| format!("040000 tree {leaf}\td{i:07}\n"))
        .collect();
    let top = mktree(r, &top);
    let auth = format!("040000 tree {top}\tauth\n");
    let src = mktree(r, &auth);
    let root = mktree(r, &format!("040000 tree {src}\tsrc\n"));
    let parent = r.head();
    let id = r
        .git(&["commit-tree", &root, "-p", &parent, "-m", "Wide change"])
        .trim()
        .to_string();
    r.git(&["update-ref", "refs/heads/main", &id]);
    id
}

fn mktree(r: &mut TestRepo, listing: &str) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = r
        .command("git")
        .args(["mktree"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("mktree");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(listing.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("mktree");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn at_p11_million_paths_hit_the_limit_in_bounded_time_and_memory() {
    let mut r = baseline();
    wide_commit(&mut r, 1000, 1000);
    let t = Instant::now();
    let (out, rss) = run_measured(&r, &["check", "HEAD"]);
    let took = t.elapsed();
    eprintln!("AT-P11: 1,000,000 paths: {took:?}, max RSS {rss:?} KiB");
    out.assert_indeterminate("limit");
    assert!(out.stderr.contains("max_paths"), "{}", out.stderr);
    assert!(took < Duration::from_secs(60), "took {took:?}");
    if let Some(kib) = rss {
        assert!(kib < 1024 * 1024, "max RSS {kib} KiB");
    }
}

/// The revision is resolved from object headers (`git::peel_commit_id`) and the scan checks
/// the size from the pack or loose header, so a commit over the cap is never read whole.
/// Scope: a revision (`check REV`, `explain`, hook input). Inside a range `A..B`, libgit2's
/// revwalk still reads each commit of the walk whole before the scan refuses it (bounded by
/// git's own object size; our own walk would close that too).
#[test]
fn at_k01_message_cap_bounds_memory_before_reading() {
    // A 64 MiB message against a 1 KiB cap should never be loaded: RSS well under its size.
    let mut r = baseline();
    auth_change(&mut r, "Work in progress\n");
    let mut m = b"Huge\n\n".to_vec();
    m.resize(64 << 20, b'x');
    raw_commit(&mut r, b"", &m);
    let (out, rss) = run_measured(&r, &["check", "HEAD", "--max-message-bytes", "1024"]);
    out.assert_indeterminate("limit");
    if let Some(kib) = rss {
        assert!(kib < 48 * 1024, "max RSS {kib} KiB for a 1 KiB cap");
    }
}
