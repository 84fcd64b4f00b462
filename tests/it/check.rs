//! `countersign check` end to end, on real temporary repositories: one test per finding code,
//! per reviewer rejection reason and per exit code, plus golden JSON output.

use crate::support;

use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const POLICY: &str = include_str!("../../fixtures/check/policy.yml");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";
const RITA: &str = "Reviewed-by: Rita Reviewer <rita@example.com>";
const OTTO: &str = "Reviewed-by: Otto Other <otto@example.com>";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

fn run(repo: &TestRepo, args: &[&str]) -> Run {
    run_env(repo, args, &[])
}

fn run_env(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = repo.command(BIN);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run countersign");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A repository whose first commit holds the test policy.
fn repo() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", POLICY),
            ("README.md", "# demo\n"),
            ("src/lib.rs", "\n"),
        ],
    );
    r
}

/// Checks HEAD alone as JSON.
fn check_head(r: &TestRepo) -> Run {
    run(r, &["check", "HEAD", "--format", "json"])
}

/// Unwaived finding codes of every commit, in order.
fn codes(v: &Value) -> Vec<String> {
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

fn msg(subject: &str, trailers: &[&str]) -> String {
    format!("{subject}\n\nBody text.\n\n{}\n", trailers.join("\n"))
}

#[test]
fn ai_commit_with_reviewer_passes() {
    let mut r = repo();
    r.commit_files(
        &msg("Add util", &[CLAUDE, RITA]),
        &[("src/util.rs", "fn a() {}\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["schema"], "countersign/report/v1");
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["summary"]["ai_assisted"], 1);
    let c = &v["commits"][0];
    assert_eq!(c["tier"], "standard");
    assert_eq!(c["involvement"], "assisted");
    assert_eq!(c["reviewers"][0]["accepted"], true);
}

#[test]
fn missing_reviewer_fails_with_exit_1() {
    let mut r = repo();
    r.commit_files(
        &msg("Add util", &[CLAUDE]),
        &[("src/util.rs", "fn a() {}\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(codes(&out.json()), ["missing-reviewer"]);
}

#[test]
fn human_commit_without_markers_needs_nothing_on_ai_tiers() {
    let mut r = repo();
    r.commit_files("Add util\n", &[("src/util.rs", "fn a() {}\n")]);
    let out = check_head(&r);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["commits"][0]["requirements"]["applies"], false);
}

#[test]
fn applies_to_all_needs_review_without_markers() {
    let mut r = repo();
    r.commit_files("Tweak login\n", &[("src/auth/login.rs", "x\n")]);
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    assert_eq!(codes(&out.json()), ["missing-reviewer"]);
}

fn reviewer_reason(trailers: &[&str], path: &str) -> (i32, Value) {
    let mut r = repo();
    r.commit_files(&msg("Change", trailers), &[(path, "y\n")]);
    let out = check_head(&r);
    let v = out.json();
    (out.code, v["commits"][0]["reviewers"].clone())
}

#[test]
fn self_review_is_rejected_including_noreply_and_plus_forms() {
    for t in [
        "Reviewed-by: Ada Author <ada@example.com>",
        "Reviewed-by: ADA <ADA+review@Example.com>",
        "Reviewed-by: Carl <carl@example.com>",
    ] {
        let (code, revs) = reviewer_reason(&[CLAUDE, t], "src/util.rs");
        assert_eq!(code, 1, "{t}");
        assert_eq!(revs[0]["reason"], "self-review", "{t}");
    }
    // A co-author is a writer too; GitHub noreply forms normalise to the login.
    let (code, revs) = reviewer_reason(
        &[
            CLAUDE,
            "Co-authored-by: Pat Pair <12345+patpair@users.noreply.github.com>",
            "Reviewed-by: Pat Pair <patpair@users.noreply.github.com>",
        ],
        "src/util.rs",
    );
    assert_eq!(code, 1);
    assert_eq!(revs[0]["reason"], "self-review");
}

#[test]
fn bot_and_ai_reviewers_are_not_human() {
    let (code, revs) = reviewer_reason(
        &[CLAUDE, "Reviewed-by: Claude <noreply@anthropic.com>"],
        "src/util.rs",
    );
    assert_eq!(code, 1);
    assert_eq!(revs[0]["reason"], "not-human");
    let (_, revs) = reviewer_reason(
        &[
            CLAUDE,
            "Reviewed-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        ],
        "src/util.rs",
    );
    assert_eq!(revs[0]["reason"], "not-human");
}

#[test]
fn malformed_reviewers_are_rejected() {
    for t in [
        "Reviewed-by: TBD",
        "Reviewed-by: <>",
        "Reviewed-by: rita@example.com",
        "Reviewed-by: Rita <rita@example.com>, Otto <otto@example.com>",
    ] {
        let (code, revs) = reviewer_reason(&[CLAUDE, t], "src/util.rs");
        assert_eq!(code, 1, "{t}");
        assert_eq!(revs[0]["reason"], "malformed", "{t}");
    }
}

#[test]
fn reviewers_from_team_is_enforced() {
    let (code, revs) = reviewer_reason(&[RITA], "src/auth/login.rs");
    assert_eq!(code, 1);
    assert_eq!(revs[0]["reason"], "not-authorized");
    let (code, _) = reviewer_reason(
        &["Reviewed-by: Sam Security <SAM@example.com>"],
        "src/auth/login.rs",
    );
    assert_eq!(code, 0);
}

#[test]
fn duplicate_reviewers_count_once() {
    let (code, revs) = reviewer_reason(
        &[
            CLAUDE,
            RITA,
            "Reviewed-by: Rita R. <Rita@Example.com>",
            "Refs: PAY-1",
        ],
        "src/payments/charge.rs",
    );
    assert_eq!(code, 1);
    assert_eq!(revs[1]["reason"], "duplicate");
}

#[test]
fn high_tier_needs_two_reviewers_and_a_valid_change_record() {
    let mut r = repo();
    r.commit_files(
        &msg("Charge", &[CLAUDE, RITA, OTTO, "Refs: not-a-ticket"]),
        &[("src/payments/charge.rs", "x\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    assert_eq!(codes(&out.json()), ["missing-change-record"]);

    r.commit_files(
        &msg(
            "Charge 2",
            &[CLAUDE, RITA, OTTO, "Change-Record: CHG0012345"],
        ),
        &[("src/payments/charge.rs", "y\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v = out.json();
    assert_eq!(v["commits"][0]["change_records"][0]["format"], "servicenow");
}

#[test]
fn autonomous_involvement_adds_a_reviewer() {
    let mut r = repo();
    let m = msg("Agent change", &[RITA]);
    r.write("src/agent.rs", "x\n");
    r.git(&["add", "-A"]);
    let out = r
        .command("git")
        .args(["commit", "-q", "-m", &m])
        .env("GIT_AUTHOR_NAME", "copilot-swe-agent[bot]")
        .env(
            "GIT_AUTHOR_EMAIL",
            "198982749+Copilot@users.noreply.github.com",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let v = out.json();
    assert_eq!(v["commits"][0]["involvement"], "autonomous");
    assert_eq!(v["commits"][0]["requirements"]["reviewers"], 2);
    assert_eq!(codes(&v), ["missing-reviewer"]);
}

#[test]
fn ai_forbidden_paths_block_ai_changes() {
    let mut r = repo();
    r.commit_files(
        &msg("AES", &[CLAUDE, RITA]),
        &[("src/crypto/aes.rs", "x\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    assert_eq!(codes(&out.json()), ["ai-forbidden"]);
    // The same change by a human is fine.
    r.commit_files("AES by hand\n", &[("src/crypto/aes.rs", "y\n")]);
    assert_eq!(check_head(&r).code, 0);
}

#[test]
fn declaration_tier_requires_a_declaration() {
    let mut r = repo();
    r.commit_files("License text\n", &[("legal/NOTICE", "x\n")]);
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    assert_eq!(codes(&out.json()), ["missing-declaration"]);
    r.commit_files(
        &msg("License text 2", &["AI-Assisted: no"]),
        &[("legal/NOTICE", "y\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["commits"][0]["declaration"], "no");
}

#[test]
fn waivers_apply_until_they_expire() {
    let mut r = repo();
    r.commit_files(
        &msg("Hotfix", &[CLAUDE, RITA, OTTO]),
        &[("src/payments/hotfix/fix.rs", "x\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v = out.json();
    assert_eq!(v["summary"]["waived"], 1);
    assert_eq!(v["commits"][0]["findings"][0]["waived_by"], "W-FUTURE");
    assert_eq!(v["commits"][0]["waivers"][0], "W-FUTURE");

    r.commit_files(
        &msg("Legacy", &[CLAUDE, RITA, OTTO]),
        &[("src/payments/legacy/old.rs", "x\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    assert_eq!(
        codes(&out.json()),
        ["missing-change-record", "waiver-expired"]
    );
}

#[test]
fn unused_rules_and_waivers_are_warnings() {
    // The initial import adds the (protected) policy file: it needs every tier's evidence.
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import\n\nReviewed-by: Sam Security <sam@example.com>\n\
         Reviewed-by: Rita Reviewer <rita@example.com>\nRefs: PRJ-1\nAI-Assisted: no\n",
        &[
            (".countersign.yml", POLICY),
            ("README.md", "# demo\n"),
            ("src/lib.rs", "\n"),
        ],
    );
    r.commit_files(&msg("Util", &[CLAUDE, RITA]), &[("src/util.rs", "x\n")]);
    // A partial range says nothing about dead rules: no unused-* warnings there.
    let partial = check_head(&r).json();
    assert_eq!(partial["findings"].as_array().map(Vec::len), Some(0));
    // Over the whole history they are reported, as warnings.
    let out = run(&r, &["check", "--all", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v = out.json();
    let run_codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(run_codes.contains(&"unused-rule"), "{run_codes:?}");
    assert!(run_codes.contains(&"unused-waiver"), "{run_codes:?}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "warning")
    );
}

#[test]
fn marker_outside_trailers_is_a_warning_and_still_counts() {
    let mut r = repo();
    let m = format!("Util\n\nAssisted-by: Claude:claude-opus-4-6\n\n{RITA}\n");
    r.commit_files(&m, &[("src/util.rs", "x\n")]);
    let out = check_head(&r);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v = out.json();
    assert_eq!(v["commits"][0]["involvement"], "assisted");
    assert_eq!(codes(&v), ["marker-outside-trailers"]);
}

#[test]
fn near_miss_reviewer_trailer_is_suspicious_and_does_not_count() {
    let mut r = repo();
    r.commit_files(
        &msg(
            "Util",
            &[CLAUDE, "Reviewed by: Rita Reviewer <rita@example.com>"],
        ),
        &[("src/util.rs", "x\n")],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    let cs = codes(&out.json());
    assert!(cs.contains(&"suspicious-trailer".to_string()), "{cs:?}");
    assert!(cs.contains(&"missing-reviewer".to_string()), "{cs:?}");
}

#[test]
fn rename_out_of_a_risky_path_counts_under_the_old_path() {
    let mut r = repo();
    r.commit_files(
        "Add charge\n",
        &[("src/payments/charge.rs", "x\n"), ("docs/index.md", "x\n")],
    );
    r.git(&["mv", "src/payments/charge.rs", "docs/charge.md"]);
    r.commit(&msg("Move to docs", &[CLAUDE]));
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["commits"][0]["tier"], "high");
}

#[test]
fn evil_merge_is_evaluated_on_its_own_changes() {
    let mut r = repo();
    r.checkout(&["-b", "side"]);
    r.commit_files("Side work\n", &[("src/side.rs", "x\n")]);
    r.checkout(&["main"]);
    r.commit_files("Main work\n", &[("src/main2.rs", "x\n")]);
    let base = r.head();
    let merge = r.merge(
        &msg("Merge branch 'side'", &[CLAUDE]),
        &["side"],
        Some(&|r: &mut TestRepo| r.write("src/auth/token.rs", "evil\n")),
    );
    let out = run(
        &r,
        &["check", &format!("{base}..{merge}"), "--format", "json"],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    let v = out.json();
    let m = v["commits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["merge"] == true)
        .expect("merge evaluated");
    assert_eq!(m["tier"], "audited");
    assert_eq!(m["paths_changed"], 1);
}

#[test]
fn clean_merge_changes_no_path_and_has_no_tier() {
    let mut r = repo();
    let fork = r.head();
    r.checkout(&["-b", "side"]);
    r.commit_files("Side work\n", &[("src/side.rs", "x\n")]);
    r.checkout(&["main"]);
    r.commit_files("Main work\n", &[("src/main2.rs", "x\n")]);
    r.merge("Merge branch 'side'\n", &["side"], None);
    // In its range the side commit answers for src/side.rs; the clean merge for nothing.
    let out = run(&r, &["check", &format!("{fork}..HEAD"), "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v = out.json();
    assert_eq!(v["commits"][0]["merge"], true);
    assert!(v["commits"][0]["tier"].is_null());
    assert_eq!(v["commits"][0]["paths_changed"], 0);
    // Checked on its own, nothing else is in range: the merge answers for what it brings
    // in over its first parent.
    let out = check_head(&r);
    assert_eq!(out.json()["commits"][0]["paths_changed"], 1);
}

#[test]
fn editing_the_policy_file_is_at_least_the_highest_tier() {
    let mut r = repo();
    r.commit_files(
        &msg("Relax policy", &[CLAUDE, RITA]),
        &[(".countersign.yml", &format!("{POLICY}\n# edited\n"))],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1);
    let v = out.json();
    assert_eq!(v["commits"][0]["tier"], "restricted");
    // A protected path gets the strongest requirement of every tier (issue 11 class 6), not
    // only the highest tier's `ai: forbidden`.
    assert_eq!(
        codes(&v),
        [
            "ai-forbidden",
            "missing-reviewer",
            "missing-change-record",
            "missing-declaration"
        ]
    );
    // Without AI involvement it still needs every tier's evidence (`audited` applies to all).
    r.commit_files(
        "Relax policy by hand\n",
        &[(".countersign.yml", &format!("{POLICY}\n# edited twice\n"))],
    );
    let v = check_head(&r).json();
    assert_eq!(
        codes(&v),
        [
            "missing-reviewer",
            "missing-change-record",
            "missing-declaration"
        ]
    );
    let req = &v["commits"][0]["requirements"];
    assert_eq!(req["reviewers"], 2, "{req}");
    assert_eq!(req["reviewers_from"][0]["tier"], "audited", "{req}");
    assert_eq!(req["reviewers_from"][0]["teams"][0], "security", "{req}");
}

#[test]
fn exit_2_unknown_revision() {
    let r = repo();
    let out = run(&r, &["check", "no-such-rev"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no-such-rev"), "{}", out.stderr);
}

#[test]
fn exit_2_invalid_policy_points_at_line_and_column() {
    let mut r = repo();
    r.commit_files("x\n", &[("src/a.rs", "x\n")]);
    std::fs::write(
        r.path().join("bad.yml"),
        "version: 1\ntiers:\n  - name: low\n    reveiwers: 1\n",
    )
    .unwrap();
    let out = run(&r, &["check", "HEAD", "--policy", "bad.yml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("reveiwers"), "{}", out.stderr);
    assert!(
        out.stderr.contains("reviewers"),
        "did-you-mean missing: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("bad.yml:4:"),
        "no line:column: {}",
        out.stderr
    );
}

#[test]
fn exit_2_missing_policy_file_and_bad_pr_json() {
    let r = repo();
    assert_eq!(run(&r, &["check", "HEAD", "--policy", "nope.yml"]).code, 2);
    std::fs::write(r.path().join("pr.json"), "{not json").unwrap();
    let out = run(&r, &["check", "HEAD", "--pr", "pr.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pr.json"));
}

#[test]
fn exit_2_shallow_clone_crossing_the_boundary() {
    let mut src = repo();
    for i in 0..3 {
        src.commit_files(&format!("c{i}\n"), &[("src/a.rs", &format!("{i}\n"))]);
    }
    let clone = TestRepo::clone_from(&src, &["--depth", "1"]);
    let out = run(&clone, &["check", "--all"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("fetch-depth: 0") || out.stderr.contains("unshallow"),
        "{}",
        out.stderr
    );
}

#[test]
fn exit_2_unrelated_histories_have_no_merge_base() {
    let mut r = repo();
    r.checkout(&["--orphan", "other"]);
    r.commit_files("Orphan\n", &[("x.txt", "x\n")]);
    let out = run(&r, &["check", "main...other"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn exit_2_empty_range_where_head_differs_from_base() {
    let mut r = repo();
    r.commit_files("Second\n", &[("src/a.rs", "x\n")]);
    let out = run(&r, &["check", "HEAD..HEAD~1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let r = repo();
    assert_eq!(run(&r, &["check", "--no-such-flag"]).code, 2);
    assert_eq!(run(&r, &["check", "HEAD", "--report", "nonsense"]).code, 2);
    assert_eq!(run(&r, &["explain", "missing-reviwer"]).code, 2);
}

#[test]
fn default_range_is_announced_on_stderr_and_embedded_policy_used() {
    let mut r = TestRepo::new();
    r.commit_files("Initial\n", &[("README.md", "x\n")]);
    let out = run(&r, &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("embedded default policy"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("HEAD"), "{}", out.stderr);
}

#[test]
fn human_output_underlines_the_trailer_names_the_policy_line_and_gives_the_fix() {
    let mut r = repo();
    r.commit_files(
        &msg(
            "Charge",
            &[CLAUDE, "Reviewed-by: Ada Author <ada@example.com>"],
        ),
        &[("src/payments/charge.rs", "x\n")],
    );
    let out = run_env(&r, &["check", "HEAD"], &[("NO_COLOR", "1")]);
    assert_eq!(out.code, 1);
    let s = &out.stdout;
    assert!(!s.contains('\u{1b}'), "colour off a TTY: {s}");
    assert!(s.contains("missing-reviewer"), "{s}");
    assert!(
        s.contains("Reviewed-by: Ada Author"),
        "message shown as source: {s}"
    );
    assert!(s.contains("self-review"), "{s}");
    assert!(
        s.contains("rule `payments` sets tier `high` here"),
        "policy label: {s}"
    );
    assert!(
        s.contains("git commit --amend --trailer \"Reviewed-by:"),
        "fix: {s}"
    );
    assert!(
        s.lines().last().unwrap().starts_with("countersign: FAIL"),
        "{s}"
    );
}

#[test]
fn report_files_match_stdout_formats() {
    let mut r = repo();
    r.commit_files(&msg("Util", &[CLAUDE]), &[("src/util.rs", "x\n")]);
    let path = r.path().join("out.json");
    let report_arg = format!("json={}", path.display());
    let out = run(
        &r,
        &["check", "HEAD", "--format", "json", "--report", &report_arg],
    );
    assert_eq!(out.code, 1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), out.stdout);
    let bad = run(
        &r,
        &["check", "HEAD", "--report", "json=/nonexistent-dir/x.json"],
    );
    assert_eq!(bad.code, 2);
}

#[test]
fn facts_round_trip_gives_the_same_verdict() {
    let mut r = repo();
    r.commit_files(&msg("Util", &[CLAUDE]), &[("src/util.rs", "x\n")]);
    let facts = run(&r, &["facts", "HEAD"]);
    assert_eq!(facts.code, 0, "{}", facts.stderr);
    std::fs::write(r.path().join("facts.json"), &facts.stdout).unwrap();
    let direct = check_head(&r);
    let replay = run(
        &r,
        &["check", "--from-facts", "facts.json", "--format", "json"],
    );
    assert_eq!(replay.code, direct.code);
    assert_eq!(codes(&replay.json()), codes(&direct.json()));
}

#[test]
fn facts_carry_their_policy_and_scope() {
    // The facts are replayed where another policy (or none) would be found: the verdict
    // is the repository's, because the document carries the policy it was read under.
    let mut r = repo();
    r.commit_files(
        &msg("Pay", &[CLAUDE, RITA]),
        &[("src/payments/p.rs", "x\n")],
    );
    let facts = run(&r, &["facts", "--all"]);
    assert_eq!(facts.code, 0, "{}", facts.stderr);
    let doc: Value = serde_json::from_str(&facts.stdout).expect("json");
    assert_eq!(doc["whole_history"], true);
    assert_eq!(doc["policy"]["origin"]["kind"], "file");
    assert_eq!(
        doc["policy"]["digest"],
        run(&r, &["check", "--all", "--format", "json"]).json()["policy"]["digest"]
    );
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let path = elsewhere.path().join("facts.json");
    std::fs::write(&path, &facts.stdout).expect("write");
    let out = std::process::Command::new(BIN)
        .current_dir(elsewhere.path())
        .args([
            "check",
            "--from-facts",
            path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    // Tier `high` of the recorded policy (the embedded default would not know `payments`).
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["commits"][0]["tier"], "high", "{v}");
    assert_eq!(v["policy"]["digest"], doc["policy"]["digest"]);
    // Whole history: unused rules are reported, as `check --all` does.
    assert!(v["findings"].to_string().contains("unused-rule"), "{v}");
    // A document without a policy (an older countersign) is exit 2 unless --policy names one.
    let mut old = doc.clone();
    old.as_object_mut().unwrap().remove("policy");
    std::fs::write(&path, old.to_string()).expect("write");
    let out = run(&r, &["check", "--from-facts", path.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("records no policy"), "{}", out.stderr);
    let out = run(
        &r,
        &[
            "check",
            "--from-facts",
            path.to_str().unwrap(),
            "--policy",
            ".countersign.yml",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
}

/// Golden JSON: a fixed history evaluated against the test policy. Regenerate with
/// `UPDATE_GOLDEN=1 cargo test --test it check:: golden`.
#[test]
fn golden_json_report() {
    let mut r = repo();
    let base = r.head();
    r.commit_files(&msg("Add util", &[CLAUDE, RITA]), &[("src/util.rs", "x\n")]);
    r.commit_files(
        &msg(
            "Charge",
            &[
                CLAUDE,
                "Reviewed-by: Ada Author <ada@example.com>",
                "Refs: PAY-481",
            ],
        ),
        &[("src/payments/charge.rs", "x\n")],
    );
    r.commit_files("Docs\n", &[("docs/guide.md", "x\n")]);
    let out = run(&r, &["check", &format!("{base}..HEAD"), "--format", "json"]);
    assert_eq!(out.code, 1);
    let mut v = out.json();
    // The tool version changes with releases; everything else is deterministic.
    v["tool"]["version"] = Value::String("<version>".into());
    let got = serde_json::to_string_pretty(&v).unwrap() + "\n";
    crate::support::golden("fixtures/golden/check-report.json", &got);
}

#[test]
fn a_panic_exits_2_never_0() {
    let r = repo();
    let out = run_env(
        &r,
        &["check", "HEAD"],
        &[("COUNTERSIGN_FAULT_INJECT", "panic")],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("internal error"), "{}", out.stderr);
}

/// A path-scoped waiver must cover every path that caused the finding, not just one of them.
#[test]
fn path_waiver_does_not_cover_other_risky_paths_in_the_same_commit() {
    let mut r = repo();
    r.commit_files(
        &msg("Hotfix and more", &[CLAUDE, RITA, OTTO]),
        &[
            ("src/payments/hotfix/fix.rs", "x\n"),
            ("src/payments/refund.rs", "x\n"),
        ],
    );
    let out = check_head(&r);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(codes(&out.json()), ["missing-change-record"]);
}

#[test]
fn color_is_chosen_by_flag_then_environment_then_terminal() {
    let mut r = repo();
    r.commit_files(&format!("Add a\n\n{CLAUDE}\n"), &[("src/a.rs", "a\n")]);
    let esc = |s: &str| s.contains('\u{1b}');
    // Not a terminal: no colour by default.
    let plain = run(&r, &["check", "HEAD"]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    assert!(!esc(&plain.stdout), "{}", plain.stdout);
    // Forced for a CI log, by the flag or the environment.
    for (args, env) in [
        (&["--color", "always", "check", "HEAD"][..], &[][..]),
        (&["check", "HEAD"][..], &[("FORCE_COLOR", "1")][..]),
        (&["check", "HEAD"][..], &[("CLICOLOR_FORCE", "1")][..]),
    ] {
        let o = run_env(&r, args, env);
        assert!(esc(&o.stdout), "{args:?} {env:?}: no colour:\n{}", o.stdout);
    }
    // NO_COLOR beats FORCE_COLOR; `--color never` beats everything.
    let o = run_env(
        &r,
        &["check", "HEAD"],
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
    );
    assert!(!esc(&o.stdout), "{}", o.stdout);
    let o = run_env(
        &r,
        &["--color", "never", "check", "HEAD"],
        &[("FORCE_COLOR", "1")],
    );
    assert!(!esc(&o.stdout), "{}", o.stdout);
}

#[test]
fn no_policy_note_once_and_never_in_hooks_unless_verbose() {
    let mut r = TestRepo::new();
    r.commit_files("Initial", &[("README.md", "# demo\n")]);
    r.commit_files("Second", &[("src/lib.rs", "\n")]);
    let o = run(&r, &["check", "HEAD~1..HEAD"]);
    assert_eq!(
        o.stderr.matches("no policy file found").count(),
        1,
        "{}",
        o.stderr
    );
    let msg = r.dir.join("MSG");
    std::fs::write(&msg, "Subject\n").expect("write");
    let m = msg.display().to_string();
    let o = run(&r, &["hook", "commit-msg", &m]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stderr.contains("no policy file"), "{}", o.stderr);
    let o = run(&r, &["hook", "commit-msg", "-v", &m]);
    assert!(o.stderr.contains("no policy file"), "{}", o.stderr);
}
