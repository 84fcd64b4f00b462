//! §6 "Policy, waivers, metadata, robustness": AT-C01 … AT-C07, AT-X02, AT-X03, AT-K02
//! (AT-K01 and AT-P11 are in `at_k.rs`; AT-X01 needs approval-time snapshots of the PR body
//! from the platform, see the README table).
//!
//! Code mapping: `CONFIG_MISSING`, `CONFIG_INVALID` → exit 2 with `error[policy]`.

use std::time::{Duration, Instant};

use crate::adversarial::common::*;

fn invalid(name: &str) -> String {
    let p = format!(
        "{}/fixtures/policies/invalid/{name}.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Runs `check HEAD --format json --policy FILE` where FILE holds `policy`.
fn check_policy(r: &mut TestRepo, policy: &str) -> Run {
    let file = r.tmp.path().join("policy-under-test.yml");
    std::fs::write(&file, policy).expect("write policy");
    let head = r.head();
    let pr = pr_file(r, &head, Some(&[("bob", false, &head)]));
    run(
        r,
        &[
            "check",
            "HEAD",
            "--format",
            "json",
            "--policy",
            &file.to_string_lossy(),
            "--pr",
            &pr,
        ],
        &[],
    )
}

#[test]
fn at_c01_pr_deleting_the_rule_and_editing_auth_denies() {
    let mut r = baseline();
    let weakened = POLICY.replace(
        "  - name: auth\n    paths: [\"src/auth/**\"]\n    tier: auth\n",
        "",
    );
    assert_ne!(weakened, POLICY);
    r.commit_files(
        "Tidy policy and fix login",
        &[
            (".countersign.yml", &weakened),
            ("src/auth/login.rs", "fn login() { bypass() }\n"),
        ],
    );
    // Policy from the working tree (the weakened one): the policy file itself is a protected
    // path, so the commit is at least the highest tier.
    check_approved(&mut r).assert_deny("missing-reviewer");
    // Policy from the base commit, as `ci` and pre-receive read it.
    let base = r.git(&["show", "HEAD~1:.countersign.yml"]);
    check_policy(&mut r, &base).assert_deny("missing-reviewer");
}

#[test]
fn at_c02_named_policy_missing_is_indeterminate() {
    // `check --policy FILE` with FILE absent: exit 2. (Without `--policy` and without a
    // policy file, `check` uses the embedded default policy and says so on stderr — a
    // documented choice for local runs; `ci` reads the base and must fail, see below.)
    let mut r = baseline();
    auth_change(&mut r, "Unreviewed\n");
    let out = run(
        &r,
        &["check", "HEAD", "--policy", "does-not-exist.yml"],
        &[],
    );
    out.assert_indeterminate("policy");
}

/// Deviation from the listed INDETERMINATE `CONFIG_MISSING`: a base without a policy file is
/// the documented "no policy yet" case and is evaluated against the embedded default policy
/// (said on stderr). The policy is still read from the base, so a PR cannot delete it to
/// get there, and the default is not permissive: AI-involved changes need a named reviewer.
#[test]
fn at_c02_policy_missing_on_base_uses_the_embedded_default_in_ci() {
    let mut r = TestRepo::new();
    r.commit_files("Initial", &[("src/auth/login.rs", "fn l() {}\n")]);
    let base = r.head();
    r.git(&["checkout", "-q", "-b", "feature"]);
    let head = auth_change(&mut r, "Unreviewed\n");
    let event = serde_json::json!({
        "pull_request": {"number": 7, "title": "x", "body": "", "user": {"login": "alice"},
          "head": {"sha": head, "ref": "feature"}, "base": {"sha": base, "ref": "main"}, "labels": []}
    });
    let ev = r.tmp.path().join("event.json");
    std::fs::write(&ev, event.to_string()).expect("event");
    let reviews = r.tmp.path().join("reviews.json");
    std::fs::write(&reviews, "[]").expect("reviews");
    let out = run(
        &r,
        &["ci", "--reviews", &reviews.to_string_lossy()],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &ev.to_string_lossy()),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_HEAD_REF", "feature"),
            ("GITHUB_SHA", &head),
        ],
    );
    assert!(
        out.stderr.contains("embedded default policy"),
        "{}",
        out.stderr
    );
    // The unmarked human change passes under the default (`applies_to: ai`).
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn at_c03_invalid_policy_is_indeterminate_with_line_and_column() {
    for (name, line) in [
        ("unknown-key", 5),
        ("wrong-type", 5),
        ("duplicate-key", 6),
        ("yaml11-bool", 6),
    ] {
        let mut r = baseline();
        auth_change(&mut r, "Unreviewed\n");
        let out = check_policy(&mut r, &invalid(name));
        out.assert_indeterminate("policy");
        let needle = format!("policy-under-test.yml:{line}:");
        assert!(
            out.stderr.contains(&needle),
            "{name}: expected `{needle}` in\n{}",
            out.stderr
        );
    }
}

#[test]
fn at_c04_yaml_alias_bomb_is_indeterminate_quickly() {
    // 9 levels of 9 aliases: 9^9 ≈ 387 million nodes if expanded.
    let mut bomb = String::from("version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    bomb.push_str("tiers: [{ name: x }]\n");
    let mut r = baseline();
    auth_change(&mut r, "Unreviewed\n");
    let t = Instant::now();
    let out = check_policy(&mut r, &bomb);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    out.assert_indeterminate("policy");
}

#[test]
fn at_c05_pathological_regex_linear_and_regex_bomb_rejected() {
    let mut r = baseline();
    let long = "a".repeat(1_000_000);
    let line = format!("Change-Request: {long}b");
    commit_bytes(
        &mut r,
        ALICE,
        msg("Tighten login", &[BY_BOB, &line]).as_bytes(),
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    let policy = POLICY.replace("'^CHG-[0-9]+$'", "'(a+)+$'");
    let t = Instant::now();
    let out = check_policy(&mut r, &policy);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    // The classic ReDoS input `a…ab` does not match `(a+)+$`: the record is invalid, and the
    // regex crate says so in linear time.
    out.assert_deny("missing-change-record");

    let out = check_policy(&mut r, &invalid("regex-bomb"));
    out.assert_indeterminate("policy");
}

#[test]
fn at_c06_waivers_expired_self_approved_no_expiry_unused() {
    let waiver = |expires: &str| {
        format!(
            "{POLICY}\nwaivers:\n  - id: W-1\n    paths: [\"src/auth/**\"]\n    codes: [missing-change-record]\n    reason: Incident INC-1\n    approved_by: Carol Chief <carol@corp.example>\n{expires}"
        )
    };
    // Expired → waiver-expired (DENY).
    let mut r = baseline();
    auth_change(&mut r, &msg("Tighten login", &[BY_BOB]));
    let out = check_policy(&mut r, &waiver("    expires: 2001-01-31\n"));
    out.assert_deny("waiver-expired");
    // A live waiver waives the finding.
    check_policy(&mut r, &waiver("    expires: 2999-12-31\n")).assert_pass();
    // Self-approved → invalid policy (stricter than the listed DENY: exit 2).
    check_policy(&mut r, &invalid("waiver-self-approved")).assert_indeterminate("policy");
    // No expiry → invalid policy.
    check_policy(&mut r, &waiver("")).assert_indeterminate("policy");
    // Unused → warning `unused-waiver` (the verdict is unchanged). Deviation: "unused" is
    // only meaningful over the whole history, so it is reported by `check --all` (a waiver
    // for another commit is not "unused" in a one-commit PR check).
    let mut r = baseline();
    auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    let file = r.tmp.path().join("policy-unused.yml");
    std::fs::write(&file, waiver("    expires: 2999-12-31\n")).expect("write policy");
    let head = r.head();
    let pr = pr_file(&r, &head, Some(&[("bob", false, &head)]));
    let out = run(
        &r,
        &[
            "check",
            "--all",
            "--format",
            "json",
            "--policy",
            &file.to_string_lossy(),
            "--pr",
            &pr,
        ],
        &[],
    );
    let v = out.json();
    let warnings = v.to_string();
    assert!(warnings.contains("unused-waiver"), "{warnings}");
}

#[test]
fn at_c07_skip_env_and_label_are_ignored() {
    let mut r = baseline();
    let head = auth_change(&mut r, "Unreviewed\n");
    let pr = serde_json::json!({
        "platform": "github", "number": 7, "title": "x", "body": "",
        "labels": ["skip-countersign"], "author_login": "alice", "head_branch": "feature",
        "head_sha": head, "approvals": [],
    });
    let prf = r.tmp.path().join("pr-skip.json");
    std::fs::write(&prf, pr.to_string()).expect("pr");
    let out = run(
        &r,
        &[
            "check",
            "HEAD",
            "--format",
            "json",
            "--pr",
            &prf.to_string_lossy(),
        ],
        &[("COUNTERSIGN_SKIP", "1"), ("SKIP", "countersign")],
    );
    out.assert_deny("missing-reviewer");
}

#[test]
fn at_x02_hostile_pr_title_and_branch_are_data() {
    let mut r = baseline();
    let head = auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    let marker = r.tmp.path().join("pwned");
    let m = marker.to_string_lossy();
    let pr = serde_json::json!({
        "platform": "github", "number": 7,
        "title": format!("$(touch {m}) `touch {m}`; touch {m}"),
        "body": format!("::error::forged\n$(touch {m})"),
        "labels": [format!("`touch {m}`")], "author_login": "alice",
        "head_branch": format!("feat/`touch {m}`$(touch {m})"),
        "head_sha": head, "approvals": [{"login": "bob", "commit_id": head}],
    });
    let prf = r.tmp.path().join("pr-hostile.json");
    std::fs::write(&prf, pr.to_string()).expect("pr");
    for format in ["json", "human", "github", "markdown"] {
        let out = run(
            &r,
            &[
                "check",
                "HEAD",
                "--format",
                format,
                "--pr",
                &prf.to_string_lossy(),
            ],
            &[],
        );
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
    }
    assert!(!marker.exists(), "a PR field was executed");
}

#[test]
fn at_x03_reviews_unreadable_is_indeterminate() {
    // A fork PR whose token cannot read reviews: the approval data is unknown (null).
    let mut r = baseline();
    auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    let out = check_with(&mut r, "HEAD", None);
    out.assert_indeterminate("input");
}

#[test]
fn at_k02_panic_is_never_a_pass() {
    // Fault injection (debug builds only): a panic inside the run ends with exit 2.
    let mut r = baseline();
    auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    let head = r.head();
    let pr = pr_file(&r, &head, Some(&[("bob", false, &head)]));
    let ok = run(&r, &["check", "HEAD", "--pr", &pr], &[]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let out = run(
        &r,
        &["check", "HEAD", "--pr", &pr],
        &[("COUNTERSIGN_FAULT_INJECT", "panic")],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("internal error"), "{}", out.stderr);
}
