//! Hard limits: each one, when exceeded, ends the run with exit 2 and names the limit, in
//! bounded time; the CLI accepts a limit only within its bounds. (The 64 MiB message and the
//! million-path commit are in the adversarial suite: AT-K01, AT-P11.)

use crate::support;

use std::process::Output;
use std::time::{Duration, Instant};

use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const POLICY: &str = "version: 1\ntiers:\n  - name: standard\n    reviewers: 1\n";

fn repo() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files("Initial", &[(".countersign.yml", POLICY), ("a.txt", "a\n")]);
    r
}

fn run(r: &TestRepo, args: &[&str]) -> Output {
    r.command(BIN).args(args).output().expect("run countersign")
}

fn assert_limit(out: &Output, name: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[limit]") || err.contains("error[policy]"),
        "{err}"
    );
    assert!(err.contains(name), "expected `{name}` in {err}");
}

#[test]
fn message_over_the_cap_is_exit_2_naming_max_message_bytes() {
    let mut r = repo();
    let m = format!("Big\n\n{}\n", "x".repeat(5000));
    r.commit_files(&m, &[("b.txt", "b\n")]);
    for cmd in ["check", "facts"] {
        let out = run(&r, &[cmd, "HEAD", "--max-message-bytes", "4096"]);
        assert_limit(&out, "max_message_bytes");
    }
    // Under the cap: a normal verdict (no AI markers, nothing required).
    let out = run(&r, &["check", "HEAD", "--max-message-bytes", "8192"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn commits_over_the_cap_are_exit_2_naming_max_commits() {
    let mut r = repo();
    for i in 0..6 {
        r.commit_files(&format!("C{i}"), &[("a.txt", &format!("{i}\n"))]);
    }
    let out = run(&r, &["check", "HEAD~6..HEAD", "--max-commits", "5"]);
    assert_limit(&out, "max_commits");
    let out = run(&r, &["check", "HEAD~6..HEAD", "--max-commits", "6"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn paths_over_the_cap_are_exit_2_naming_max_paths() {
    let mut r = repo();
    let files: Vec<(String, String)> = (0..300)
        .map(|i| (format!("d/f{i:03}.txt"), format!("{i}\n")))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    r.commit_files("Many files", &refs);
    let out = run(&r, &["check", "HEAD", "--max-paths", "299"]);
    assert_limit(&out, "max_paths");
    let out = run(&r, &["check", "HEAD", "--max-paths", "300"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn trailers_over_the_cap_are_exit_2_naming_max_trailers() {
    let mut r = repo();
    let block = |n: usize| {
        (0..n)
            .map(|i| format!("Note-{i}: value {i}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    r.commit_files(
        &format!("Many\n\nBody.\n\n{}\n", block(1001)),
        &[("b.txt", "b\n")],
    );
    let t = Instant::now();
    let out = run(&r, &["check", "HEAD"]);
    assert!(t.elapsed() < Duration::from_secs(20));
    assert_limit(&out, "max_trailers");
    r.commit_files(
        &format!("Many\n\nBody.\n\n{}\n", block(1000)),
        &[("c.txt", "c\n")],
    );
    let out = run(&r, &["check", "HEAD"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn policy_over_one_mib_is_exit_2() {
    let r = repo();
    let big = format!("{POLICY}# {}\n", "x".repeat(1 << 20));
    let p = r.tmp.path().join("big.yml");
    std::fs::write(&p, big).expect("write");
    let out = run(&r, &["check", "HEAD", "--policy", &p.to_string_lossy()]);
    assert_limit(&out, "1 MiB");
}

#[test]
fn yaml_alias_expansion_is_bounded() {
    let r = repo();
    // A billion laughs: 10 levels of 10 aliases.
    let mut bomb =
        String::from("version: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    bomb.push_str("tiers: [{ name: x }]\n");
    let p = r.tmp.path().join("bomb.yml");
    std::fs::write(&p, bomb).expect("write");
    let t = Instant::now();
    let out = r
        .command("/usr/bin/time")
        .args(["-f", "maxrss=%M"])
        .arg(BIN)
        .args(["check", "HEAD", "--policy", &p.to_string_lossy()])
        .output();
    let took = t.elapsed();
    let out = match out {
        Ok(o) if o.status.code() != Some(127) => o,
        _ => run(&r, &["check", "HEAD", "--policy", &p.to_string_lossy()]),
    };
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("limit"), "the error names the limit: {err}");
    if let Some(kib) = err
        .lines()
        .find_map(|l| l.strip_prefix("maxrss="))
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        eprintln!("alias bomb: {took:?}, max RSS {kib} KiB");
        assert!(kib < 200 * 1024, "max RSS {kib} KiB");
    }
}

#[test]
fn limits_are_only_configurable_within_bounds() {
    let r = repo();
    for args in [
        ["--max-message-bytes", "100"],
        ["--max-message-bytes", "134217728"],
        ["--max-paths", "0"],
        ["--max-paths", "20000000"],
        ["--max-commits", "0"],
    ] {
        let mut a = vec!["check", "HEAD"];
        a.extend_from_slice(&args);
        let out = run(&r, &a);
        assert_eq!(out.status.code(), Some(2), "{args:?} must be refused");
    }
}
