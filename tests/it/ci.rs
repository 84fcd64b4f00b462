//! `countersign ci` end to end: simulated GitHub Actions and GitLab CI environments (event
//! files, `CI_*` variables, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`) against real temporary
//! repositories. Covers threats.md AT-R01/R02/R05/R07/R08, AT-C01/C07, AT-X02, AT-I02/I04/I06.

use crate::support;

use std::path::PathBuf;

use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const POLICY: &str = include_str!("../../fixtures/ci/policy.yml");
const PR_EVENT: &str = include_str!("../../fixtures/ci/github/pull_request.json");
const PUSH_EVENT: &str = include_str!("../../fixtures/ci/github/push.json");
const MERGE_GROUP_EVENT: &str = include_str!("../../fixtures/ci/github/merge_group.json");
const REVIEWS: &str = include_str!("../../fixtures/ci/github/reviews-pages.json");
const REVIEWS_ERROR: &str = include_str!("../../fixtures/ci/github/reviews-error.json");
const MR_JSON: &str = include_str!("../../fixtures/ci/gitlab/mr.json");
const APPROVALS: &str = include_str!("../../fixtures/ci/gitlab/approvals.json");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";
const BOB: &str = "Reviewed-by: Bob Reviewer <bob@example.com>";
const ZERO: &str = "0000000000000000000000000000000000000000";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    output: String,
    summary: String,
}

impl Run {
    fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}

/// A repository: `main` holds the policy; `feature` is checked out, branched from it.
struct Fx {
    r: TestRepo,
    base: String,
}

fn fixture(policy: &str) -> Fx {
    let mut r = TestRepo::new();
    let base = r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", policy),
            ("README.md", "# demo\n"),
            ("src/lib.rs", "\n"),
        ],
    );
    r.checkout(&["-b", "feature"]);
    Fx { r, base }
}

fn msg(subject: &str, trailers: &[&str]) -> String {
    format!("{subject}\n\nBody text.\n\n{}\n", trailers.join("\n"))
}

impl Fx {
    fn file(&self, name: &str) -> PathBuf {
        self.r.tmp.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.file(name);
        std::fs::write(&p, text).expect("write");
        p.to_string_lossy().into_owned()
    }

    /// Runs `countersign ci args…` with `env` (plus nothing else CI-like).
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out_path = self.file("github_output");
        let sum_path = self.file("step_summary");
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&sum_path);
        let mut cmd = self.r.command(BIN);
        cmd.arg("ci").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run countersign");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            output: std::fs::read_to_string(&out_path).unwrap_or_default(),
            summary: std::fs::read_to_string(&sum_path).unwrap_or_default(),
        }
    }

    /// Runs on GitHub Actions with `event_name` and the payload `event`.
    fn github(&self, event_name: &str, event: &str, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let ev = self.write("event.json", event);
        let out = self.file("github_output").to_string_lossy().into_owned();
        let sum = self.file("step_summary").to_string_lossy().into_owned();
        let mut env = vec![
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", event_name),
            ("GITHUB_EVENT_PATH", ev.as_str()),
            ("GITHUB_OUTPUT", out.as_str()),
            ("GITHUB_STEP_SUMMARY", sum.as_str()),
        ];
        env.extend_from_slice(extra);
        self.run(args, &env)
    }

    /// A `pull_request` payload for base..head, edited by `edit`.
    fn pr_event(&self, head: &str, edit: impl FnOnce(&mut Value)) -> String {
        let text = PR_EVENT
            .replace("__BASE__", &self.base)
            .replace("__HEAD__", head);
        let mut v: Value = serde_json::from_str(&text).expect("fixture JSON");
        edit(&mut v["pull_request"]);
        v.to_string()
    }

    /// Runs a GitLab merge-request pipeline for base..head.
    fn gitlab_mr(&self, head: &str, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let mut env = vec![
            ("GITLAB_CI", "true"),
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_IID", "17"),
            ("CI_MERGE_REQUEST_EVENT_TYPE", "detached"),
            ("CI_COMMIT_SHA", head),
            ("CI_COMMIT_BEFORE_SHA", ZERO),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", self.base.as_str()),
            ("CI_MERGE_REQUEST_TITLE", "Add login helper"),
            ("CI_MERGE_REQUEST_DESCRIPTION", "Short description"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/login"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_DEFAULT_BRANCH", "main"),
        ];
        env.extend_from_slice(extra);
        self.run(args, &env)
    }
}

fn ai_commit(fx: &mut Fx, trailers: &[&str]) -> String {
    let mut t = vec![CLAUDE];
    t.extend_from_slice(trailers);
    fx.r.commit_files(
        &msg("Add helper", &t),
        &[("src/helper.rs", "pub fn helper() {}\n")],
    )
}

// ------------------------------------------------------------------------------------------
// Platform detection

#[test]
fn outside_ci_exits_2_and_points_at_check() {
    let fx = fixture(POLICY);
    let run = fx.run(&[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("countersign check"), "{}", run.stderr);
    // GITHUB_ACTIONS must be exactly `true`.
    let run = fx.run(&[], &[("GITHUB_ACTIONS", "1"), ("CI", "true")]);
    run.assert_code(2);
}

// ------------------------------------------------------------------------------------------
// GitHub: pull_request

#[test]
fn github_pr_without_reviewer_fails_with_annotations_summary_and_outputs() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = fx.pr_event(&head, |_| {});
    let sarif = fx.file("out.sarif").to_string_lossy().into_owned();
    let report = format!("sarif={sarif}");
    let run = fx.github("pull_request", &ev, &["--report", &report], &[]);
    run.assert_code(1);
    assert!(
        run.stdout
            .lines()
            .next()
            .unwrap_or_default()
            .starts_with("::error file=src/helper.rs,line=1,title=countersign missing-reviewer"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("::notice "), "{}", run.stdout);
    assert!(run.output.contains("verdict=fail\n"), "{}", run.output);
    assert!(run.output.contains("sarif-report<<"), "{}", run.output);
    assert!(run.output.contains(&sarif), "{}", run.output);
    assert!(run.summary.contains("missing-reviewer"), "{}", run.summary);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(fx.file("out.sarif")).expect("sarif"))
            .expect("SARIF JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "missing-reviewer");
}

#[test]
fn github_pr_with_reviewer_passes() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[BOB]);
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(0);
    assert!(run.output.starts_with("verdict=pass\n"), "{}", run.output);
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);
}

#[test]
fn ci_appends_to_the_evidence_log() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[BOB]);
    let ev = fx.pr_event(&head, |_| {});
    let log = fx.file("evidence.jsonl").to_string_lossy().into_owned();
    let run = fx.github("pull_request", &ev, &["--evidence-log", &log], &[]);
    run.assert_code(0);
    let text = std::fs::read_to_string(&log).expect("log written");
    assert_eq!(text.lines().count(), 1, "{text}");
    let rec: Value = serde_json::from_str(text.lines().next().unwrap()).expect("JSON line");
    assert_eq!(rec["mode"], "ci", "{rec}");
    assert_eq!(rec["commit"]["id"], head.as_str(), "{rec}");
    let verify =
        fx.r.command(BIN)
            .args(["audit", "verify", &log])
            .output()
            .expect("run");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn range_is_merge_base_to_head_with_git_not_the_payload() {
    // main moves on after the branch point: the range is merge-base..head, so main's own
    // new commit (unreviewed AI) is not part of the PR.
    let mut fx = fixture(POLICY);
    fx.r.commit_files("Human change", &[("src/a.rs", "a\n")]);
    let head =
        fx.r.commit_files(&msg("Reviewed", &[CLAUDE, BOB]), &[("src/b.rs", "b\n")]);
    fx.r.checkout(&["main"]);
    let main_tip = ai_commit(&mut fx, &[]);
    fx.base = main_tip;
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &["--format", "json"], &[]);
    run.assert_code(0);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["summary"]["commits"], 2, "{}", run.stdout);
}

/// An edit of the `pull_request` object.
type Edit = dyn Fn(&mut Value);

#[test]
fn pr_facts_feed_detection_labels_author_branch() {
    // A human commit with no markers: the PR label, a Copilot author or an `ai/` branch
    // make it AI-assisted, so it needs a reviewer.
    let edits: Vec<Box<Edit>> = vec![
        Box::new(|pr| pr["labels"] = serde_json::json!([{ "name": "ai-assisted" }])),
        Box::new(|pr| pr["user"] = serde_json::json!({ "login": "Copilot", "type": "Bot" })),
        Box::new(|pr| pr["head"]["ref"] = "ai/refactor".into()),
        Box::new(|pr| {
            pr["body"] =
                "Refactor.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"
                    .into()
        }),
    ];
    for edit in edits {
        let mut fx = fixture(POLICY);
        let head = fx.r.commit_files("Plain change", &[("src/x.rs", "x\n")]);
        let ev = fx.pr_event(&head, |pr| edit(pr));
        let run = fx.github("pull_request", &ev, &[], &[]);
        run.assert_code(1);
        assert!(run.stdout.contains("missing-reviewer"), "{}", run.stdout);
    }
    // Control: without PR markers the same commit passes.
    let mut fx = fixture(POLICY);
    let head = fx.r.commit_files("Plain change", &[("src/x.rs", "x\n")]);
    let ev = fx.pr_event(&head, |_| {});
    fx.github("pull_request", &ev, &[], &[]).assert_code(0);
}

#[test]
fn no_label_env_or_pr_text_switches_the_check_off() {
    // AT-C07
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = fx.pr_event(&head, |pr| {
        pr["labels"] =
            serde_json::json!([{ "name": "skip-countersign" }, { "name": "countersign: skip" }]);
        pr["title"] = "[skip ci] skip-checks: true".into();
        pr["body"] = "countersign: skip\nCOUNTERSIGN_SKIP=1".into();
    });
    let env = [
        ("COUNTERSIGN_SKIP", "1"),
        ("COUNTERSIGN_DISABLE", "true"),
        ("SKIP", "countersign"),
    ];
    fx.github("pull_request", &ev, &[], &env).assert_code(1);
}

#[test]
fn untrusted_text_cannot_forge_workflow_commands() {
    // PR title/body, branch name and commit subject carrying workflow commands, `%`
    // escapes and newlines (AT-X02: `$(…)` and backticks are inert data too).
    let mut fx = fixture(POLICY);
    let subject = "::error::forged %0A::warning::x $(touch pwned) `id`";
    let head = fx.r.commit_files(
        &format!(
            "{subject}\n\n::set-output name=verdict::pass\n::stop-commands::abc\n\n{CLAUDE}\n"
        ),
        &[("src/helper.rs", "x\n")],
    );
    let ev = fx.pr_event(&head, |pr| {
        pr["title"] = "::error::forged title\n::add-mask::x".into();
        pr["body"] = "line\n::error file=a,line=1::forged body\r\n::notice::%0A".into();
        pr["head"]["ref"] = "x$(touch pwned)`id`".into();
    });
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(1);
    for line in run.stdout.lines() {
        let ok = line.starts_with("::error file=")
            || line.starts_with("::error title=countersign")
            || line.starts_with("::warning ")
            || line.starts_with("::notice title=countersign::");
        assert!(ok, "unexpected stdout line: {line:?}\n{}", run.stdout);
    }
    // The subject is there, escaped (`%` first, so `%0A` cannot turn into a newline).
    assert!(run.stdout.contains("forged %250A"), "{}", run.stdout);
    for line in run.stderr.lines() {
        assert!(!line.trim_start().starts_with("::"), "stderr: {line:?}");
    }
    assert!(run.output.starts_with("verdict=fail\n"), "{}", run.output);
    assert!(!run.output.contains("verdict=pass"), "{}", run.output);
    assert!(!fx.r.path().join("pwned").exists());
    assert!(
        !fx.r
            .path()
            .parent()
            .map(|p| p.join("pwned").exists())
            .unwrap_or(false)
    );
}

// ------------------------------------------------------------------------------------------
// Policy from the base

#[test]
fn policy_is_read_from_the_base_and_its_edit_is_shown() {
    // AT-C01: the PR relaxes the policy; the base policy still applies, the edit is at least
    // the highest tier, and the summary shows the diff.
    let mut fx = fixture(POLICY);
    let relaxed = POLICY
        .replace("    reviewers: 1\n", "    reviewers: 0\n")
        .replace("change_record: true", "change_record: false")
        + "# ::error::forged from the head policy\n";
    let head = fx.r.commit_files(
        &msg("Relax policy", &[CLAUDE]),
        &[
            (".countersign.yml", relaxed.as_str()),
            ("src/helper.rs", "x\n"),
        ],
    );
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &["--format", "json"], &[]);
    run.assert_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["commits"][0]["tier"], "high", "{}", run.stdout);
    assert_eq!(v["policy"]["origin"]["kind"], "commit");
    assert_eq!(v["policy"]["origin"]["commit"], fx.base.as_str());
    assert!(
        run.summary.contains("This change edits the policy"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("-    reviewers: 1"), "{}", run.summary);
    assert!(run.summary.contains("+    reviewers: 0"), "{}", run.summary);
    // The semantic reading of `countersign policy diff` comes first.
    assert!(run.summary.contains("WEAKENS"), "{}", run.summary);
    for line in run.stderr.lines() {
        assert!(!line.trim_start().starts_with("::"), "stderr: {line:?}");
    }
    // The same PR under `check` with the working tree's (relaxed) policy would pass the
    // reviewer requirement: proof that `ci` did not read the head's policy.
    let out =
        fx.r.command(BIN)
            .args(["check", "HEAD", "--format", "json"])
            .output()
            .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        !v.to_string().contains("missing-reviewer"),
        "check with the head policy: {v}"
    );
}

// ------------------------------------------------------------------------------------------
// GitHub: push and merge_group

fn push_event(branch: &str, before: &str, head: &str) -> String {
    PUSH_EVENT
        .replace("__BRANCH__", branch)
        .replace("__BEFORE__", before)
        .replace("__HEAD__", head)
}

#[test]
fn push_checks_all_commits_not_the_payload_list() {
    // AT-R07: the payload lists one commit; all five are evaluated.
    let mut fx = fixture(POLICY);
    for i in 0..5 {
        fx.r.commit_files(
            &msg(&format!("Change {i}"), &[CLAUDE]),
            &[(&format!("src/f{i}.rs"), "x\n")],
        );
    }
    let head = fx.r.head();
    let ev = push_event("main", &fx.base, &head);
    let run = fx.github("push", &ev, &["--format", "json"], &[]);
    run.assert_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["summary"]["commits"], 5);
    assert!(run.output.contains("enforced=true"), "{}", run.output);
}

#[test]
fn push_creating_a_branch_compares_with_the_default_branch() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[BOB]);
    let ev = push_event("feature", ZERO, &head);
    // Without origin/main in the clone: fail closed with the fix.
    let run = fx.github("push", &ev, &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
    assert!(run.output.contains("verdict=error"), "{}", run.output);
    assert!(
        run.stdout.starts_with("::error title=countersign::"),
        "{}",
        run.stdout
    );
    // With it: only the branch's own commit.
    let base = fx.base.clone();
    fx.r.git(&["update-ref", "refs/remotes/origin/main", &base]);
    let run = fx.github("push", &ev, &["--format", "json"], &[]);
    run.assert_code(0);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["summary"]["commits"], 1);
    // A zero `before` on the default branch itself has no base.
    let ev = push_event("main", ZERO, &head);
    let run = fx.github("push", &ev, &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("no base"), "{}", run.stderr);
}

#[test]
fn merge_group_uses_base_and_head_sha() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = MERGE_GROUP_EVENT
        .replace("__BASE__", &fx.base)
        .replace("__HEAD__", &head);
    let run = fx.github("merge_group", &ev, &[], &[]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("merge_group (PR #17)"),
        "{}",
        run.stderr
    );
}

#[test]
fn unsupported_events_and_bad_payloads_exit_2() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[BOB]);
    let ev = fx.pr_event(&head, |_| {});
    fx.github("workflow_dispatch", &ev, &[], &[]).assert_code(2);
    for bad in [
        "{not json",
        "[]",
        "{}",
        r#"{"pull_request":{"head":{"sha":"HEAD"},"base":{"sha":"main"}}}"#,
    ] {
        let run = fx.github("pull_request", bad, &[], &[]);
        run.assert_code(2);
        assert!(run.stderr.contains("error[input]"), "{}", run.stderr);
    }
    // A head or base that is not in the clone (AT-R01-like: missing objects).
    let ev = fx.pr_event("1234567890123456789012345678901234567890", |_| {});
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
}

#[test]
fn unrelated_history_exits_2() {
    // AT-R02
    let mut fx = fixture(POLICY);
    fx.r.checkout(&["--orphan", "other"]);
    let head =
        fx.r.commit_files(&msg("Orphan", &[CLAUDE, BOB]), &[("src/o.rs", "o\n")]);
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("no merge-base"), "{}", run.stderr);
}

#[test]
fn shallow_clone_fails_closed_with_fetch_depth_hint() {
    // AT-R01: a depth-1 clone of a 3-commit PR branch.
    let mut fx = fixture(POLICY);
    for i in 0..3 {
        fx.r.commit_files(
            &msg(&format!("C{i}"), &[CLAUDE]),
            &[(&format!("src/s{i}.rs"), "x\n")],
        );
    }
    let head = fx.r.head();
    for extra in [
        &["--depth", "1", "--no-single-branch"][..],
        &["--depth", "2", "--no-single-branch"][..],
    ] {
        let clone = TestRepo::clone_from(&fx.r, extra);
        let cfx = Fx {
            r: clone,
            base: fx.base.clone(),
        };
        let ev = cfx.pr_event(&head, |_| {});
        let run = cfx.github("pull_request", &ev, &[], &[]);
        run.assert_code(2);
        assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
        assert!(run.output.contains("verdict=error"));
    }
    // The full clone decides.
    let clone = TestRepo::clone_from(&fx.r, &["--no-single-branch"]);
    let cfx = Fx {
        r: clone,
        base: fx.base.clone(),
    };
    let ev = cfx.pr_event(&head, |_| {});
    cfx.github("pull_request", &ev, &[], &[]).assert_code(1);
}

// ------------------------------------------------------------------------------------------
// GitHub: reviews

fn approval_policy(mode: &str) -> String {
    POLICY.replace("review: trailer", &format!("review: {mode}"))
}

fn reviews(old: &str, head: &str) -> String {
    REVIEWS.replace("__OLD__", old).replace("__HEAD__", head)
}

#[test]
fn review_approval_needs_reviews_data() {
    // I5 / AT-X03: no approval data → exit 2 naming the permission.
    let mut fx = fixture(&approval_policy("approval"));
    let head = ai_commit(&mut fx, &[]);
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("pull-requests: read"), "{}", run.stderr);
    // An API error instead of reviews (fork PR, missing permission) → exit 2.
    let f = fx.write("err.json", REVIEWS_ERROR);
    let run = fx.github("pull_request", &ev, &["--reviews", &f], &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("Resource not accessible"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pull-requests: read"), "{}", run.stderr);
    for bad in ["", "not json", "{\"reviews\":[]}", "[{\"state\":1}]"] {
        let f = fx.write("bad.json", bad);
        fx.github("pull_request", &ev, &["--reviews", &f], &[])
            .assert_code(2);
    }
}

#[test]
fn reviews_pages_latest_state_bots_and_author() {
    let mut fx = fixture(&approval_policy("approval"));
    let head = ai_commit(&mut fx, &[]);
    let ev = fx.pr_event(&head, |_| {});
    // bob-gh: commented, then approved the head (latest non-comment) → counts; carol's
    // approval was superseded by changes requested; the bot and the PR author never count.
    let f = fx.write("reviews.json", &reviews(&fx.base, &head));
    let run = fx.github(
        "pull_request",
        &ev,
        &["--reviews", &f, "--format", "json"],
        &[],
    );
    run.assert_code(0);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let accepted: Vec<&str> = v["commits"][0]["reviewers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["accepted"] == true)
        .filter_map(|r| r["raw"].as_str())
        .collect();
    assert_eq!(accepted, ["bob-gh"], "{}", run.stdout);
    assert!(
        run.stderr.contains("renovate[bot]: a bot"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("alice-dev: the PR author"),
        "{}",
        run.stderr
    );
    // Without bob's approval only carol's (superseded), the bot's and the author's remain.
    let without_bob: String = reviews(&fx.base, &head)
        .lines()
        .filter(|l| !l.contains("\"id\": 6"))
        .collect::<Vec<_>>()
        .join("\n");
    let f = fx.write("reviews2.json", &without_bob);
    fx.github("pull_request", &ev, &["--reviews", &f], &[])
        .assert_code(1);
    // A single array works as well as pages; a later DISMISSED cancels an approval.
    let one = format!(
        r#"[{{"user":{{"login":"bob-gh","type":"User"}},"state":"APPROVED","commit_id":"{head}"}}]"#
    );
    let f = fx.write("one.json", &one);
    fx.github("pull_request", &ev, &["--reviews", &f], &[])
        .assert_code(0);
    let dismissed = format!(
        r#"[{{"user":{{"login":"bob-gh","type":"User"}},"state":"APPROVED","commit_id":"{head}"}},
           {{"user":{{"login":"bob-gh","type":"User"}},"state":"DISMISSED","commit_id":"{head}"}}]"#
    );
    let f = fx.write("dismissed.json", &dismissed);
    fx.github("pull_request", &ev, &["--reviews", &f], &[])
        .assert_code(1);
}

#[test]
fn trailer_plus_approval_rejects_a_stale_approval() {
    // AT-I06: bob approved an older commit; a new commit was pushed afterwards.
    let mut fx = fixture(&approval_policy("trailer+approval"));
    let old = ai_commit(&mut fx, &[BOB]);
    let head =
        fx.r.commit_files(&msg("More", &[CLAUDE, BOB]), &[("src/more.rs", "m\n")]);
    let ev = fx.pr_event(&head, |_| {});
    let stale = format!(
        r#"[{{"user":{{"login":"bob-gh","type":"User"}},"state":"APPROVED","commit_id":"{old}"}}]"#
    );
    let f = fx.write("stale.json", &stale);
    let run = fx.github("pull_request", &ev, &["--reviews", &f], &[]);
    run.assert_code(1);
    assert!(run.stdout.contains("missing-reviewer"), "{}", run.stdout);
    let fresh = stale.replace(&old, &head);
    let f = fx.write("fresh.json", &fresh);
    fx.github("pull_request", &ev, &["--reviews", &f], &[])
        .assert_code(0);
    // The trailer alone (no approval at all) is not enough either.
    let f = fx.write("none.json", "[]");
    fx.github("pull_request", &ev, &["--reviews", &f], &[])
        .assert_code(1);
}

#[test]
fn platform_flags_are_checked() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[BOB]);
    let ev = fx.pr_event(&head, |_| {});
    let f = fx.write("a.json", APPROVALS);
    fx.github("pull_request", &ev, &["--approvals", &f], &[])
        .assert_code(2);
    let push = push_event("feature", &fx.base, &head);
    let r = fx.write("r.json", "[]");
    fx.github("push", &push, &["--reviews", &r], &[])
        .assert_code(2);
    fx.gitlab_mr(&head, &["--reviews", &r], &[]).assert_code(2);
}

// ------------------------------------------------------------------------------------------
// GitLab

#[test]
fn gitlab_mr_pipeline_reports_codequality_and_junit() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let cq = fx
        .file("gl-code-quality.json")
        .to_string_lossy()
        .into_owned();
    let ju = fx.file("countersign.xml").to_string_lossy().into_owned();
    let run = fx.gitlab_mr(
        &head,
        &[
            "--report",
            &format!("codequality={cq}"),
            "--report",
            &format!("junit={ju}"),
        ],
        &[],
    );
    run.assert_code(1);
    assert!(
        !run.stdout.contains("::error"),
        "no GitHub commands on GitLab: {}",
        run.stdout
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&cq).expect("cq")).expect("json");
    assert_eq!(v[0]["check_name"], "missing-reviewer");
    assert_eq!(v[0]["location"]["path"], "src/helper.rs");
    let xml = std::fs::read_to_string(&ju).expect("junit");
    assert!(xml.contains("<failure"), "{xml}");
    // Labels from CI_MERGE_REQUEST_LABELS are markers.
    let mut fx = fixture(POLICY);
    let head = fx.r.commit_files("Plain", &[("src/x.rs", "x\n")]);
    fx.gitlab_mr(&head, &[], &[]).assert_code(0);
    fx.gitlab_mr(
        &head,
        &[],
        &[("CI_MERGE_REQUEST_LABELS", "backend,ai-assisted")],
    )
    .assert_code(1);
}

#[test]
fn gitlab_truncated_description_needs_the_full_mr() {
    let mut fx = fixture(POLICY);
    let head = fx.r.commit_files("Plain", &[("src/x.rs", "x\n")]);
    let trunc = [("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true")];
    let run = fx.gitlab_mr(&head, &[], &trunc);
    run.assert_code(2);
    assert!(run.stderr.contains("--mr FILE"), "{}", run.stderr);
    // The full description carries an AI footer past the cut: now it is seen.
    let long = format!(
        "{}\\n\\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        "x".repeat(3000)
    );
    let mr = MR_JSON
        .replace("__DESCRIPTION__", &long)
        .replace("__HEAD__", &head)
        .replace("__BASE__", &fx.base);
    let f = fx.write("mr.json", &mr);
    let run = fx.gitlab_mr(&head, &["--mr", &f], &trunc);
    run.assert_code(1);
    // A different MR's JSON is refused.
    let other = mr.replace("\"iid\": 17", "\"iid\": 18");
    let f = fx.write("mr2.json", &other);
    fx.gitlab_mr(&head, &["--mr", &f], &trunc).assert_code(2);
}

#[test]
fn gitlab_approvals() {
    let mut fx = fixture(&approval_policy("approval"));
    let head = ai_commit(&mut fx, &[]);
    let run = fx.gitlab_mr(&head, &[], &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("COUNTERSIGN_GITLAB_TOKEN"),
        "{}",
        run.stderr
    );
    let mr = MR_JSON
        .replace("__DESCRIPTION__", "d")
        .replace("__HEAD__", &head)
        .replace("__BASE__", &fx.base);
    let m = fx.write("mr.json", &mr);
    let a = fx.write("approvals.json", APPROVALS);
    let run = fx.gitlab_mr(&head, &["--approvals", &a, "--mr", &m], &[]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("project_42_bot_3f2a: a bot"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("alice: the MR author"),
        "{}",
        run.stderr
    );
    // Only the bot and the author approved → fails.
    let only = APPROVALS.replace("\"bob-gl\"", "\"alice\"");
    let a = fx.write("approvals2.json", &only);
    fx.gitlab_mr(&head, &["--approvals", &a, "--mr", &m], &[])
        .assert_code(1);
    let a = fx.write("approvals3.json", "{\"message\":\"401 Unauthorized\"}");
    fx.gitlab_mr(&head, &["--approvals", &a, "--mr", &m], &[])
        .assert_code(2);
}

#[test]
fn gitlab_push_pipelines_and_zero_before() {
    // AT-R05
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[BOB]);
    let push = |before: &str, branch: &str| {
        vec![
            ("GITLAB_CI", "true".to_string()),
            ("CI_PIPELINE_SOURCE", "push".to_string()),
            ("CI_COMMIT_SHA", head.clone()),
            ("CI_COMMIT_BEFORE_SHA", before.to_string()),
            ("CI_COMMIT_BRANCH", branch.to_string()),
            ("CI_DEFAULT_BRANCH", "main".to_string()),
        ]
    };
    let run_with = |fx: &Fx, v: Vec<(&str, String)>| {
        let env: Vec<(&str, &str)> = v.iter().map(|(k, s)| (*k, s.as_str())).collect();
        fx.run(&["--format", "json"], &env)
    };
    let base = fx.base.clone();
    run_with(&fx, push(&base, "feature")).assert_code(0);
    let run = run_with(&fx, push(ZERO, "feature"));
    run.assert_code(2);
    assert!(run.stderr.contains("GIT_DEPTH"), "{}", run.stderr);
    fx.r.git(&["update-ref", "refs/remotes/origin/main", &base]);
    let run = run_with(&fx, push(ZERO, "feature"));
    run.assert_code(0);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["summary"]["commits"], 1);
    run_with(&fx, push(ZERO, "main")).assert_code(2);
}

#[test]
fn gitlab_stale_diff_base_uses_the_fetched_target_tip() {
    // G5: the target branch moved after the diff base; its newer policy (stricter: docs now
    // need review too) is the one that applies, and the range is recomputed.
    let mut fx = fixture(POLICY);
    let head =
        fx.r.commit_files(&msg("Docs", &[CLAUDE]), &[("docs/x.md", "x\n")]);
    fx.gitlab_mr(&head, &[], &[]).assert_code(0);
    fx.r.checkout(&["main"]);
    let stricter = POLICY.replace(
        "    paths: [\"docs/**\", \"**/*.md\"]\n    tier: low",
        "    paths: [\"docs/**\", \"**/*.md\"]\n    tier: standard",
    );
    assert_ne!(stricter, POLICY);
    let tip =
        fx.r.commit_files("Stricter docs", &[(".countersign.yml", stricter.as_str())]);
    fx.r.git(&["update-ref", "refs/remotes/origin/main", &tip]);
    let run = fx.gitlab_mr(&head, &[], &[]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("rather than CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        "{}",
        run.stderr
    );
}

// ------------------------------------------------------------------------------------------
// Protected refs (issue 12): `ci` enforces where the change goes into a protected ref.

/// A push event of `git_ref` (a full ref) for before..head.
fn push_ref_event(git_ref: &str, before: &str, head: &str) -> String {
    let mut v: Value = serde_json::from_str(&push_event("x", before, head)).expect("json");
    v["ref"] = Value::String(git_ref.to_string());
    v.to_string()
}

#[test]
fn push_to_an_unprotected_branch_reports_without_failing() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = push_event("feature", &fx.base, &head);
    let run = fx.github("push", &ev, &[], &[]);
    run.assert_code(0);
    // Reported: the annotation and the summary still name the finding.
    assert!(run.stdout.contains("missing-reviewer"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("refs/heads/feature is not a protected ref"),
        "{}",
        run.stderr
    );
    assert!(run.output.contains("enforced=false"), "{}", run.output);
    assert!(run.output.contains("verdict=fail"), "{}", run.output);
    assert!(run.summary.contains("Not enforced"), "{}", run.summary);
    // The same push to the default branch fails.
    let ev = push_event("main", &fx.base, &head);
    let run = fx.github("push", &ev, &[], &[]);
    run.assert_code(1);
    assert!(
        !run.stderr.contains("not a protected ref"),
        "{}",
        run.stderr
    );
}

#[test]
fn pull_request_is_enforced_by_its_base_branch() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    // Into the default branch: enforced.
    let ev = fx.pr_event(&head, |_| {});
    fx.github("pull_request", &ev, &[], &[]).assert_code(1);
    // Into an unprotected integration branch: reported only.
    let ev = fx.pr_event(&head, |pr| pr["base"]["ref"] = "develop".into());
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("refs/heads/develop is not a protected ref"),
        "{}",
        run.stderr
    );
    // A payload that does not name the base branch is enforced (fail closed).
    for edit in [
        (|pr: &mut Value| {
            pr["base"].as_object_mut().unwrap().remove("ref");
        }) as fn(&mut Value),
        |pr: &mut Value| pr["base"]["ref"] = "".into(),
        |pr: &mut Value| pr["base"]["ref"] = Value::Null,
    ] {
        let ev = fx.pr_event(&head, edit);
        let run = fx.github("pull_request", &ev, &[], &[]);
        run.assert_code(1);
        assert!(run.output.contains("enforced=true"), "{}", run.output);
    }
}

#[test]
fn protect_globs_of_the_base_policy_decide() {
    let policy = format!("{POLICY}\nprotect:\n  branches: [\"release/*\"]\n  tags: [\"v*\"]\n");
    let mut fx = fixture(&policy);
    let head = ai_commit(&mut fx, &[]);
    let cases = [
        ("refs/heads/release/1.2", 1),
        // The policy names its branches: the default branch is no longer implied.
        ("refs/heads/main", 0),
        ("refs/heads/release", 0),
        ("refs/heads/feature/release/1", 0),
        // A protected tag is a release: enforced; other tags are reported.
        ("refs/tags/v1.0.0", 1),
        ("refs/tags/nightly", 0),
        // Another namespace that looks like a protected branch is not one.
        ("refs/remotes/origin/release/1.2", 0),
    ];
    for (git_ref, code) in cases {
        let ev = push_ref_event(git_ref, &fx.base, &head);
        let run = fx.github("push", &ev, &[], &[]);
        assert_eq!(run.code, code, "{git_ref}\n{}", run.stderr);
    }
}

#[test]
fn the_head_cannot_unprotect_its_own_target() {
    // The change edits the policy to protect nothing: the base's policy decides.
    let mut fx = fixture(POLICY);
    fx.r.commit_files(
        &msg("Relax", &[CLAUDE]),
        &[(
            ".countersign.yml",
            &format!("{POLICY}\nprotect:\n  branches: [\"nothing-at-all\"]\n  tags: []\n"),
        )],
    );
    let head = fx.r.head();
    let ev = push_event("main", &fx.base, &head);
    let run = fx.github("push", &ev, &[], &[]);
    run.assert_code(1);
    assert!(run.output.contains("enforced=true"), "{}", run.output);
}

#[test]
fn hostile_target_names_reach_the_log_neutralised() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = fx.pr_event(&head, |pr| {
        pr["base"]["ref"] = "dev\u{1b}[31m\u{202e}x".into();
    });
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(0);
    assert!(run.stderr.contains("not a protected ref"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(!run.stderr.contains('\u{202e}'), "{:?}", run.stderr);
    assert!(!run.summary.contains('\u{1b}'), "{:?}", run.summary);
}

#[test]
fn gitlab_mr_is_enforced_by_its_target_branch() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let run = fx.gitlab_mr(
        &head,
        &[],
        &[("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")],
    );
    run.assert_code(1);
    let run = fx.gitlab_mr(
        &head,
        &[],
        &[("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "develop")],
    );
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("refs/heads/develop is not a protected ref"),
        "{}",
        run.stderr
    );
}

#[test]
fn push_pipeline_of_a_protected_branch_advises_a_waiver_not_a_rewrite() {
    // After the merge the commits are on main: rewording them is not a fix.
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = push_event("main", &fx.base, &head);
    let run = fx.github("push", &ev, &["--format", "json"], &[]);
    run.assert_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let help = v["commits"][0]["findings"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(help.contains("is already on refs/heads/main"), "{help}");
    assert!(help.contains(&format!("commit: {head}")), "{help}");
    assert!(
        !help.contains("--amend") && !help.contains("rebase -i"),
        "{help}"
    );
    // The same commits in a pull request are not published yet: amend the head.
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &["--format", "json"], &[]);
    run.assert_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let help = v["commits"][0]["findings"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(help.contains("git commit --amend"), "{help}");
}

#[test]
fn job_summary_renders_the_fix_as_code_spans() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(1);
    assert!(
        run.summary.contains("`git commit --amend --trailer"),
        "{}",
        run.summary
    );
    assert!(!run.summary.contains("\\`"), "{}", run.summary);
}

#[test]
fn a_change_that_adds_the_policy_is_diffed_against_the_embedded_default() {
    // The base has no policy (the embedded default decides); the PR adds a weak one.
    let mut r = TestRepo::new();
    let base = r.commit_files(
        "Initial import",
        &[("README.md", "# demo\n"), ("src/lib.rs", "\n")],
    );
    r.checkout(&["-b", "feature"]);
    let weak = "version: 1\ntiers:\n  - name: low\ndefault_tier: low\n";
    let head = r.commit_files(
        &msg("Add a policy", &[CLAUDE]),
        &[(".countersign.yml", weak), ("src/helper.rs", "x\n")],
    );
    let fx = Fx { r, base };
    let ev = fx.pr_event(&head, |_| {});
    let run = fx.github("pull_request", &ev, &[], &[]);
    assert!(
        run.summary.contains("This change edits the policy"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("WEAKENS"), "{}", run.summary);
    assert!(
        !run.summary.contains("no semantic change"),
        "{}",
        run.summary
    );
}

#[test]
fn unrelated_histories_are_exit_2_with_their_own_fix() {
    let mut fx = fixture(POLICY);
    let head = ai_commit(&mut fx, &[]);
    fx.r.git(&["checkout", "-q", "--orphan", "elsewhere"]);
    let other = fx.r.commit_files("Unrelated root", &[("x.txt", "x\n")]);
    let ev = fx.pr_event(&head, |pr| pr["base"]["sha"] = other.clone().into());
    let run = fx.github("pull_request", &ev, &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("share no history"), "{}", run.stderr);
    assert!(
        run.stderr.contains("rebase it onto the target"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("fetch-depth"), "{}", run.stderr);
}
