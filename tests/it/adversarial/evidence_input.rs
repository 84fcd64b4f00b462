//! Issue 11, classes 7, 8, 9, 10, 12 and 14 (first part): evidence and input an attacker can
//! shape — aimed waivers and baselines, identity spellings, platform input with fields
//! missing, the server's unborn HEAD, hostile text on terminals and CI logs, and hook input
//! ref names. Each class has several variants on real temporary repositories.

use std::io::Write;
use std::process::Stdio;

use serde_json::json;

use crate::adversarial::common::*;

/// A trailer-mode policy: `payments` and `auth` are `high` (one reviewer, always), the rest is
/// `low`. `extra` is appended (waivers, baseline, teams).
fn policy(extra: &str) -> String {
    format!(
        "version: 1\ntiers:\n  - name: low\n  - name: high\n    reviewers: 1\n    applies_to: all\n\
         default_tier: low\nrules:\n  - name: payments\n    paths: [\"src/payments/**\"]\n    tier: high\n\
         \x20 - name: auth\n    paths: [\"src/auth/**\"]\n    tier: high\n\
         evidence:\n  review: trailer\n{extra}"
    )
}

/// A waiver of `missing-reviewer` with `scope` (one YAML line such as `commit: abc…`).
fn waiver(scope: &str) -> String {
    format!(
        "waivers:\n  - id: W-1\n    {scope}\n    codes: [missing-reviewer]\n    reason: incident\n\
         \x20   approved_by: Carol Chief <carol@example.com>\n    expires: 2099-12-31\n"
    )
}

/// A repository whose first commit holds `policy` plus files under both rules.
fn repo_with(policy: &str) -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_files(
        "Initial import",
        &[
            (".countersign.yml", policy),
            ("src/payments/pay.rs", "fn pay() {}\n"),
            ("src/auth/login.rs", "fn login() {}\n"),
            ("README.md", "# demo\n"),
        ],
    );
    r
}

/// An unreviewed change to `path`.
fn unreviewed(r: &mut TestRepo, path: &str, content: &str) -> String {
    commit_as(r, ALICE, "Quick fix\n\nNo review.\n", &[(path, content)])
}

/// Rewrites the policy in a new commit (as a maintainer would, on the protected branch).
fn set_policy(r: &mut TestRepo, text: &str) -> String {
    r.commit_files("Update policy", &[(".countersign.yml", text)])
}

fn check(r: &TestRepo, range: &str) -> Run {
    run(r, &["check", range, "--format", "json"], &[])
}

// ------------------------------------------------------------------------------------------
// Class 7: waivers and baselines cannot be aimed

#[test]
fn class7_abbreviated_waiver_commit_matching_the_attack_is_exit_2() {
    let mut r = repo_with(&policy(""));
    let attack = unreviewed(&mut r, "src/payments/pay.rs", "fn pay() { steal() }\n");
    // The attacker ground a commit whose id starts with the waived prefix: every length of
    // abbreviation is refused, so the run cannot pass.
    for len in [7, 12, 39] {
        let text = policy(&waiver(&format!("commit: {}", &attack[..len])));
        std::fs::write(r.dir.join(".countersign.yml"), &text).expect("write");
        let out = check(&r, "HEAD");
        out.assert_indeterminate("policy");
        assert!(
            out.stderr.contains("not a full commit id") && out.stderr.contains("git rev-parse"),
            "{}",
            out.stderr
        );
    }
    // `policy check` names the old form and the fix.
    let out = run(&r, &["policy", "check"], &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("rev-parse"), "{}", out.stderr);
    // The full id of the attack commit is an exact, deliberate waiver: it applies.
    let text = policy(&waiver(&format!("commit: {attack}")));
    std::fs::write(r.dir.join(".countersign.yml"), &text).expect("write");
    check(&r, "HEAD").assert_pass();
    // The full id of another commit never covers it.
    let other = r.rev("HEAD~1");
    let text = policy(&waiver(&format!("commit: {other}")));
    std::fs::write(r.dir.join(".countersign.yml"), &text).expect("write");
    check(&r, "HEAD").assert_deny("missing-reviewer");
}

#[test]
fn class7_branch_name_baseline_moved_to_include_the_attack_is_exit_2() {
    let mut r = repo_with(&policy(""));
    set_policy(&mut r, &policy("baseline: reviewed\n"));
    r.git(&["branch", "reviewed"]);
    let attack = unreviewed(&mut r, "src/auth/login.rs", "fn login() { true }\n");
    // The attacker moves the branch the baseline names onto the attack.
    r.git(&["branch", "-f", "reviewed", &attack]);
    let out = run(&r, &["check", "--all", "--format", "json"], &[]);
    out.assert_indeterminate("policy");
    assert!(out.stderr.contains("baseline"), "{}", out.stderr);
    // A ref named like a full id does not help either: the baseline is read as an object id.
    let good = r.rev("HEAD~1");
    set_policy(&mut r, &policy(&format!("baseline: {good}\n")));
    r.git(&["update-ref", &format!("refs/tags/{good}"), &attack]);
    let out = run(&r, &["check", "--all", "--format", "json"], &[]);
    // The attack commit (after the baseline) is still checked.
    out.assert_deny("missing-reviewer");
}

#[test]
fn class7_tag_baseline_is_exit_2() {
    let mut r = repo_with(&policy(""));
    r.git(&["tag", "v1.0"]);
    set_policy(&mut r, &policy("baseline: v1.0\n"));
    unreviewed(&mut r, "src/auth/login.rs", "fn login() { true }\n");
    // The tag is moved (or re-created on a fork) to hide the attack.
    r.git(&["tag", "-f", "v1.0", "HEAD"]);
    for args in [
        vec!["check", "--all", "--format", "json"],
        vec!["check", "HEAD", "--format", "json"],
        vec!["audit", "--all"],
    ] {
        let out = run(&r, &args, &[]);
        out.assert_indeterminate("policy");
    }
    // An annotated tag's full object id is not a commit id either.
    let tag_obj = r.rev("refs/tags/v1.0");
    r.git(&["tag", "-f", "-a", "-m", "release", "v1.1", "HEAD~1"]);
    let tag_obj2 = r.rev("refs/tags/v1.1");
    assert_ne!(tag_obj, tag_obj2);
    std::fs::write(
        r.dir.join(".countersign.yml"),
        policy(&format!("baseline: {tag_obj2}\n")),
    )
    .expect("write");
    let out = check(&r, "HEAD");
    out.assert_indeterminate("policy");
    assert!(out.stderr.contains("not a commit"), "{}", out.stderr);
}

#[test]
fn class7_baseline_not_an_ancestor_is_exit_2() {
    let mut r = repo_with(&policy(""));
    let root = r.head();
    // A side line of history with the attack; the policy on main names it as the baseline.
    r.git(&["checkout", "-q", "-b", "side"]);
    let attack = unreviewed(&mut r, "src/auth/login.rs", "fn login() { true }\n");
    r.git(&["checkout", "-q", "main"]);
    set_policy(&mut r, &policy(&format!("baseline: {attack}\n")));
    r.git(&["merge", "-q", "--no-ff", "--no-edit", "side"]);
    // HEAD's policy (before the merge commit? no: the merge brings `side` in, so the attack is
    // now an ancestor of HEAD) — check the commit before the merge, where it is not.
    r.git(&["checkout", "-q", "HEAD~1"]);
    let out = run(&r, &["check", "--all", "--format", "json"], &[]);
    out.assert_indeterminate("policy");
    assert!(out.stderr.contains("not an ancestor"), "{}", out.stderr);
    // A baseline that is a real ancestor works: only what follows it is checked.
    r.git(&["checkout", "-q", "main"]);
    set_policy(&mut r, &policy(&format!("baseline: {root}\n")));
    let out = run(&r, &["check", "--all", "--format", "json"], &[]);
    out.assert_deny("missing-reviewer");
    assert!(
        out.json()["commits"]
            .as_array()
            .expect("commits")
            .iter()
            .all(|c| c["id"] != root.as_str())
    );
    // A full id that names no object here: exit 2, never "no baseline".
    set_policy(
        &mut r,
        &policy("baseline: 0123456789abcdef0123456789abcdef01234567\n"),
    );
    run(&r, &["check", "--all", "--format", "json"], &[]).assert_indeterminate("repository");
}

#[test]
fn class7_baseline_in_ci_must_be_an_ancestor_of_the_base() {
    // The policy on the base names a baseline on the PR branch (pushed earlier for review):
    // ci reads the policy from the base, so the baseline must be the base's ancestor.
    let mut r = repo_with(&policy(""));
    r.git(&["checkout", "-q", "-b", "feature"]);
    let attack = unreviewed(&mut r, "src/auth/login.rs", "fn login() { true }\n");
    r.git(&["checkout", "-q", "main"]);
    let base = set_policy(&mut r, &policy(&format!("baseline: {attack}\n")));
    r.git(&["checkout", "-q", "feature"]);
    let ev = json!({
        "number": 3,
        "pull_request": {
            "number": 3, "title": "t", "body": null, "labels": [],
            "user": {"login": "alice", "type": "User"},
            "head": {"ref": "feature", "sha": attack},
            "base": {"ref": "main", "sha": base}
        }
    });
    let ev_path = r.tmp.path().join("event.json");
    std::fs::write(&ev_path, ev.to_string()).expect("write");
    let p = ev_path.to_string_lossy().into_owned();
    let out = run(
        &r,
        &["ci", "--format", "json"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &p),
        ],
    );
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("not an ancestor"), "{}", out.stdout);
}

#[test]
fn class7_rule_scoped_waiver_does_not_cover_a_path_of_another_rule() {
    let mut r = repo_with(&policy(&waiver("rules: [payments]")));
    // Only payments: waived.
    unreviewed(&mut r, "src/payments/pay.rs", "fn pay() { fixed() }\n");
    check(&r, "HEAD").assert_pass();
    // Payments plus an auth path in the same commit: the waiver does not stretch.
    commit_as(
        &mut r,
        ALICE,
        "Fix pay\n\nAlso login.\n",
        &[
            ("src/payments/pay.rs", "fn pay() { again() }\n"),
            ("src/auth/login.rs", "fn login() { true }\n"),
        ],
    );
    check(&r, "HEAD").assert_deny("missing-reviewer");
    // Payments plus a new file that no rule matches but whose tier needs evidence (the
    // policy file: a protected path, the highest tier).
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let text = format!("{}# touched\n", policy(&waiver("rules: [payments]")));
    commit_as(
        &mut r,
        ALICE,
        "Fix pay\n\nAnd the policy.\n",
        &[
            ("src/payments/pay.rs", "fn pay() { again() }\n"),
            (".countersign.yml", &text),
        ],
    );
    check(&r, "HEAD").assert_deny("missing-reviewer");
    // A waiver for both rules covers a commit touching both.
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    std::fs::write(
        r.dir.join(".countersign.yml"),
        policy(&waiver("rules: [payments, auth]")),
    )
    .expect("write");
    r.git(&["commit", "-qam", "Waive both"]);
    commit_as(
        &mut r,
        ALICE,
        "Fix both\n\nBoth.\n",
        &[
            ("src/payments/pay.rs", "fn pay() { both() }\n"),
            ("src/auth/login.rs", "fn login() { both() }\n"),
        ],
    );
    check(&r, "HEAD").assert_pass();
}

// ------------------------------------------------------------------------------------------
// Class 14 (first part): hook input ref names as git checks them

/// `git check-ref-format [--allow-onelevel] NAME` succeeds.
fn git_accepts(r: &mut TestRepo, name: &str, onelevel: bool) -> bool {
    let mut args = vec!["check-ref-format"];
    if onelevel {
        args.push("--allow-onelevel");
    }
    args.push(name);
    r.git_output(&args).status.success()
}

const REF_NAMES: &[&str] = &[
    "refs/heads/main",
    "refs/heads/feature/x-1",
    "refs/tags/v1.0",
    "refs/heads/ünï",
    "refs/heads/a.b",
    "refs/heads/@",
    "refs/heads/a@b",
    "refs/main",
    "refs/",
    "refs",
    "HEAD",
    "x",
    "refs/heads/a..b",
    "refs/heads/x/",
    "refs//heads/x",
    "refs/heads//x",
    "refs/heads/.x",
    "refs/heads/x.lock",
    "refs/heads/x.lock/y",
    "refs/heads/a@{1}",
    "refs/heads/a~1",
    "refs/heads/a^",
    "refs/heads/a:b",
    "refs/heads/a?",
    "refs/heads/a*",
    "refs/heads/a[",
    "refs/heads/a\\b",
    "refs/heads/a\x7f",
    "refs/heads/a\x1b[31m",
    "refs/heads/a\u{9b}31m",
    "refs/heads/x.",
    "refs/heads/@{",
    "/refs/heads/x",
];

#[test]
fn class14_ref_names_agree_with_git_check_ref_format() {
    use countersign::platform::refname::{check_format, check_received};
    let mut r = TestRepo::new();
    for name in REF_NAMES {
        for onelevel in [false, true] {
            assert_eq!(
                check_format(name, onelevel).is_ok(),
                git_accepts(&mut r, name, onelevel),
                "{name:?} onelevel={onelevel}"
            );
        }
        // receive-pack: under refs/, the rest checked (one level only for deletions).
        let rest = name.strip_prefix("refs/");
        for deletion in [false, true] {
            let git = rest.is_some_and(|rest| git_accepts(&mut r, rest, deletion));
            assert_eq!(
                check_received(name, deletion).is_ok(),
                git,
                "{name:?} deletion={deletion}"
            );
        }
    }
}

/// Runs `hook pre-receive` with `stdin` in `r`.
fn pre_receive(r: &TestRepo, stdin: &str) -> Run {
    let mut cmd = r.command(BIN);
    cmd.args(["hook", "pre-receive"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn class14_pre_receive_rejects_malformed_ref_names() {
    let mut r = repo_with(&policy(""));
    let head = r.head();
    let zero = "0".repeat(40);
    for name in [
        "x",
        "HEAD",
        "refs/",
        "refs/heads/a..b",
        "refs/heads/x/",
        "refs//heads/x",
        "refs/heads/x.lock",
        "refs/heads/a@{1}",
        "refs/main",
        "refs/heads/\x1b]8;;http://evil\x07x",
    ] {
        let out = pre_receive(&r, &format!("{zero} {head} {name}\n"));
        assert_eq!(out.code, 2, "{name:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("not a valid ref name"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);
    }
    // A valid name goes through to the evaluation (an allowed create).
    let out = pre_receive(&r, &format!("{zero} {head} refs/heads/topic\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

// ------------------------------------------------------------------------------------------
// Class 9: platform input fails closed

/// A repository on `main` with `policy_text`, and an unreviewed AI change to `src/auth` on
/// `feature` (checked out). Returns (repo, base, head).
fn pr_repo(policy_text: &str, trailers: &[&str]) -> (TestRepo, String, String) {
    let mut r = repo_with(policy_text);
    let base = r.head();
    r.git(&["checkout", "-q", "-b", "feature"]);
    let mut t = vec!["Co-authored-by: Claude <noreply@anthropic.com>"];
    t.extend_from_slice(trailers);
    let head = commit_as(
        &mut r,
        ALICE,
        &msg("Tighten login", &t),
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    (r, base, head)
}

/// Policies reading reviews from the platform; `bob` (GitHub) / `bob-gl` (GitLab) is Bob.
fn platform_policy(mode: &str) -> String {
    policy(
        "teams:\n  - name: reviewers\n    members:\n      - name: Bob Reviewer\n        email: bob@corp.example\n        github: bob\n        gitlab: bob-gl\n",
    )
    .replace("review: trailer", &format!("review: {mode}"))
}

fn write(r: &TestRepo, name: &str, text: &str) -> String {
    let p = r.tmp.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

/// A `pull_request` event for base..head by `alice`, edited by `edit`.
fn pr_event(base: &str, head: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = json!({
        "number": 5,
        "pull_request": {
            "number": 5, "title": "Tighten login", "body": null, "labels": [],
            "user": {"login": "alice", "type": "User"},
            "head": {"ref": "feature", "sha": head},
            "base": {"ref": "main", "sha": base}
        }
    });
    edit(&mut v["pull_request"]);
    v.to_string()
}

/// `countersign ci --format json` on GitHub with `event` (`event_name`) and `reviews`.
fn gh(r: &TestRepo, event_name: &str, event: &str, reviews: Option<&str>) -> Run {
    let ev = write(r, "event.json", event);
    let mut args = vec!["ci", "--format", "json"];
    let rv;
    if let Some(text) = reviews {
        rv = write(r, "reviews.json", text);
        args.extend(["--reviews", rv.as_str()]);
    }
    run(
        r,
        &args,
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", event_name),
            ("GITHUB_EVENT_PATH", &ev),
        ],
    )
}

fn review(login: &str, state: &str, commit: Option<&str>) -> serde_json::Value {
    json!({"user": {"login": login, "type": "User"}, "state": state, "commit_id": commit})
}

#[test]
fn class9_review_with_null_or_other_commit_never_counts_in_any_mode() {
    for mode in ["approval", "trailer+approval"] {
        let trailers: &[&str] = if mode == "approval" { &[] } else { &[BY_BOB] };
        let (r, base, head) = pr_repo(&platform_policy(mode), trailers);
        let ev = pr_event(&base, &head, |_| {});
        // On the head: counts (the control).
        let ok = json!([review("bob", "APPROVED", Some(&head))]).to_string();
        gh(&r, "pull_request", &ev, Some(&ok)).assert_pass();
        // `commit_id: null`, missing, or another commit: never counts for this head.
        for reviews in [
            json!([review("bob", "APPROVED", None)]),
            json!([{"user": {"login": "bob", "type": "User"}, "state": "APPROVED"}]),
            json!([review("bob", "APPROVED", Some(&base))]),
            json!([review("bob", "APPROVED", Some(&"f".repeat(40)))]),
        ] {
            let out = gh(&r, "pull_request", &ev, Some(&reviews.to_string()));
            out.assert_deny("missing-reviewer");
            assert!(
                out.reasons().contains(&"unverified".to_string()),
                "{mode}: {:?}",
                out.reasons()
            );
        }
        // The same through `check --pr`: an approval with no commit does not count either.
        let pr = json!({
            "platform": "github", "author_login": "alice", "head_branch": "feature",
            "head_sha": head, "approvals": [{"login": "bob", "is_bot": false}]
        });
        let p = write(&r, "pr.json", &pr.to_string());
        let out = run(
            &r,
            &[
                "check",
                &format!("{base}..{head}"),
                "--format",
                "json",
                "--pr",
                &p,
            ],
            &[],
        );
        out.assert_deny("missing-reviewer");
    }
}

#[test]
fn class9_pr_facts_for_another_head_or_no_head_are_exit_2() {
    let (mut r, base, head) = pr_repo(&platform_policy("approval"), &[]);
    // The PR facts are for an older head (approved there); the range ends at a newer one.
    let newer = commit_as(
        &mut r,
        ALICE,
        "More\n\nMore.\n",
        &[("src/auth/mfa.rs", "x\n")],
    );
    let pr = json!({
        "platform": "github", "author_login": "alice", "head_branch": "feature",
        "head_sha": head, "approvals": [{"login": "bob", "is_bot": false, "commit_id": head}]
    });
    let p = write(&r, "pr.json", &pr.to_string());
    let out = run(
        &r,
        &[
            "check",
            &format!("{base}..{newer}"),
            "--format",
            "json",
            "--pr",
            &p,
        ],
        &[],
    );
    out.assert_indeterminate("input");
    assert!(out.stderr.contains("not for this head"), "{}", out.stderr);
}

#[test]
fn class9_github_inputs_missing_what_decides_are_exit_2() {
    let (r, base, head) = pr_repo(&platform_policy("approval"), &[]);
    let ok = json!([review("bob", "APPROVED", Some(&head))]).to_string();
    // No PR author: a self-approval could not be told apart.
    for edit in [
        (|pr: &mut serde_json::Value| pr["user"] = json!(null)) as fn(&mut serde_json::Value),
        |pr| pr["user"] = json!({"type": "User"}),
        |pr| pr["user"]["login"] = json!(""),
        |pr| pr["head"] = json!({"sha": pr["head"]["sha"].clone()}),
    ] {
        let ev = pr_event(&base, &head, edit);
        let out = gh(&r, "pull_request", &ev, Some(&ok));
        assert_eq!(out.code, 2, "{ev}\n{}\n{}", out.stdout, out.stderr);
    }
    // A review without its user's type: a bot could pass for a person.
    let ev = pr_event(&base, &head, |_| {});
    let no_type = json!([{"user": {"login": "bob"}, "state": "APPROVED", "commit_id": head}]);
    let out = gh(&r, "pull_request", &ev, Some(&no_type.to_string()));
    assert_eq!(out.code, 2, "{}", out.stderr);
    // A push event that does not name its ref (the branch decides branch markers).
    let push_ev = json!({"before": base, "after": head});
    let out = gh(&r, "push", &push_ev.to_string(), None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // A merge group has no PR author to leave out: reviews there are exit 2.
    let mg = json!({"merge_group": {"base_sha": base, "head_sha": head,
        "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-5-{head}")}});
    let out = gh(&r, "merge_group", &mg.to_string(), Some(&ok));
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("author is unknown"), "{}", out.stdout);
}

/// `countersign ci --format json` in a GitLab merge-request pipeline for base..head, with
/// `vars` overriding the defaults (an empty value removes the variable) and `args`.
fn gl(r: &TestRepo, base: &str, head: &str, vars: &[(&str, &str)], args: &[&str]) -> Run {
    let mut env: Vec<(String, String)> = [
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "17"),
        ("CI_MERGE_REQUEST_EVENT_TYPE", "detached"),
        ("CI_COMMIT_SHA", head),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base),
        ("CI_MERGE_REQUEST_TITLE", "Tighten login"),
        ("CI_MERGE_REQUEST_DESCRIPTION", "Short"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature"),
        ("CI_DEFAULT_BRANCH", "main"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in vars {
        env.retain(|(ek, _)| ek != k);
        if !v.is_empty() {
            env.push((k.to_string(), v.to_string()));
        }
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut all = vec!["ci", "--format", "json"];
    all.extend_from_slice(args);
    run(r, &all, &env)
}

fn mr_json(head: &str, author: &str) -> String {
    json!({"iid": 17, "title": "Tighten login", "description": "Full", "labels": [],
        "author": {"username": author}, "source_branch": "feature", "sha": head})
    .to_string()
}

fn approvals_json(logins: &[&str]) -> String {
    let list: Vec<_> = logins
        .iter()
        .map(|l| json!({"user": {"username": l, "name": "X"}}))
        .collect();
    json!({"approved_by": list}).to_string()
}

#[test]
fn class9_gitlab_approvals_need_the_author_and_the_head() {
    let (r, base, head) = pr_repo(&platform_policy("approval"), &[]);
    let approvals = write(&r, "approvals.json", &approvals_json(&["bob-gl"]));
    let mr = write(&r, "mr.json", &mr_json(&head, "alice-gl"));
    // The control: MR JSON at the head under test + approvals → pass.
    gl(
        &r,
        &base,
        &head,
        &[],
        &["--approvals", &approvals, "--mr", &mr],
    )
    .assert_pass();
    // No --mr: the author is unknown (and no head ties the approvals): exit 2.
    let out = gl(&r, &base, &head, &[], &["--approvals", &approvals]);
    out.assert_indeterminate("input");
    assert!(out.stderr.contains("--mr"), "{}", out.stderr);
    // The MR moved since the pipeline started (MR JSON at another head): exit 2.
    let moved = write(&r, "moved.json", &mr_json(&base, "alice-gl"));
    gl(
        &r,
        &base,
        &head,
        &[],
        &["--approvals", &approvals, "--mr", &moved],
    )
    .assert_indeterminate("input");
    // The MR JSON names no head: the approvals cannot be tied to this one.
    let no_sha =
        json!({"iid": 17, "title": "T", "description": "", "author": {"username": "alice-gl"}});
    let no_sha = write(&r, "nosha.json", &no_sha.to_string());
    gl(
        &r,
        &base,
        &head,
        &[],
        &["--approvals", &approvals, "--mr", &no_sha],
    )
    .assert_indeterminate("input");
    // The author's own approval never counts (the author known from --mr).
    let own = write(&r, "own.json", &approvals_json(&["alice-gl"]));
    gl(&r, &base, &head, &[], &["--approvals", &own, "--mr", &mr]).assert_deny("missing-reviewer");
}

#[test]
fn class9_gitlab_variables_missing_what_decides_are_exit_2() {
    let (r, base, head) = pr_repo(&policy(""), &[BY_BOB]);
    // The control: every variable there (trailer mode, Bob's trailer): pass.
    gl(&r, &base, &head, &[], &[]).assert_pass();
    for vars in [
        vec![("CI_MERGE_REQUEST_DESCRIPTION", "")],
        vec![("CI_MERGE_REQUEST_TITLE", "")],
        vec![("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "")],
        vec![("CI_MERGE_REQUEST_IID", "seventeen")],
        vec![("CI_MERGE_REQUEST_DIFF_BASE_SHA", "")],
        vec![("CI_COMMIT_SHA", "")],
    ] {
        let out = gl(&r, &base, &head, &vars, &[]);
        assert_eq!(out.code, 2, "{vars:?}\n{}\n{}", out.stdout, out.stderr);
    }
    // The MR JSON stands in for missing text variables.
    let mr = write(&r, "mr.json", &mr_json(&head, "alice-gl"));
    gl(
        &r,
        &base,
        &head,
        &[("CI_MERGE_REQUEST_DESCRIPTION", "")],
        &["--mr", &mr],
    )
    .assert_pass();
}

// ------------------------------------------------------------------------------------------
// Class 8: identities compare addresses, not spellings

/// A policy in `mode` whose `auth` tier needs `n` reviewers; the team knows Alice
/// (github `alice`, gitlab `alice-gl`) and Bob (github `bob`, gitlab `bob-gl`).
fn ident_policy(mode: &str, n: u32) -> String {
    policy(
        "teams:\n  - name: people\n    members:\n\
         \x20     - name: Alice Author\n        email: alice@corp.example\n        github: alice\n        gitlab: alice-gl\n\
         \x20     - name: Bob Reviewer\n        email: bob@corp.example\n        github: bob\n        gitlab: bob-gl\n",
    )
    .replace("review: trailer", &format!("review: {mode}"))
    .replace("    reviewers: 1\n", &format!("    reviewers: {n}\n"))
}

/// Commits a change to `src/auth` as `author` with `message`; `check HEAD` in trailer mode.
fn ident_check(author: &str, message: &str, n: u32) -> Run {
    let mut r = repo_with(&ident_policy("trailer", n));
    commit_as(
        &mut r,
        author,
        message,
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    check(&r, "HEAD")
}

/// Asserts the run fails and no reviewer of the newest commit was accepted.
fn assert_no_reviewer_counts(out: &Run, what: &str) {
    assert_eq!(out.code, 1, "{what}\n{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    let accepted = v["commits"][0]["reviewers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["accepted"] == true)
        .count();
    assert_eq!(accepted, 0, "{what}: {}", v["commits"][0]["reviewers"]);
}

#[test]
fn class8_the_author_in_any_spelling_is_a_self_review() {
    for (author, reviewer) in [
        (ALICE, "Alice <ALICE@Corp.Example>"),
        (ALICE, "Alice <alice+review@corp.example>"),
        (ALICE, "Alice <\"alice\"@corp.example>"),
        (ALICE, "Alice <alice(me)@corp.example>"),
        (ALICE, "Alice <alice@corp.example.>"),
        (ALICE, "Alice <alice@ｃorp.example>"),
        // The author's address written oddly in the commit object itself.
        (
            "Alice Author <\"alice\"@corp.example>",
            "Alice <alice@corp.example>",
        ),
        (
            "Alice Author <alice(x)@corp.example>",
            "Alice <alice@corp.example>",
        ),
        (
            "Alice Author <ALICE+x@CORP.example>",
            "Alice <alice@corp.example>",
        ),
        // IDN: the Unicode domain and its punycode are one domain.
        (
            "Alice Author <alice@bücher.example>",
            "Alice <alice@xn--bcher-kva.example>",
        ),
        (
            "Alice Author <alice@xn--bcher-kva.example>",
            "Alice <alice@BÜCHER.example>",
        ),
        // GitHub noreply forms, and the team's knowledge that `alice` is alice@corp.
        (
            "Alice Author <12345+alice@users.noreply.github.com>",
            "Alice <alice@users.noreply.github.com>",
        ),
        (
            "Alice Author <alice@users.noreply.github.com>",
            "Alice <99+Alice@users.noreply.github.com>",
        ),
        (
            "Alice Author <12345+alice@users.noreply.github.com>",
            "Alice <alice@corp.example>",
        ),
        (ALICE, "Alice <12345+alice@users.noreply.github.com>"),
    ] {
        let out = ident_check(
            author,
            &msg("Tighten login", &[&format!("Reviewed-by: {reviewer}")]),
            1,
        );
        assert_no_reviewer_counts(&out, &format!("{author} / {reviewer}"));
    }
    // The control: Bob, plainly, counts.
    ident_check(ALICE, &msg("Tighten login", &[BY_BOB]), 1).assert_pass();
}

#[test]
fn class8_one_person_is_one_reviewer_however_spelled() {
    for second in [
        "Bob Reviewer <BOB@corp.example>",
        "Bob Reviewer <bob+second@corp.example>",
        "Robert <bob@corp.example>",
        "Bob Reviewer <bob@users.noreply.github.com>",
        "Bob Reviewer <4242+bob@users.noreply.github.com>",
    ] {
        let out = ident_check(
            ALICE,
            &msg(
                "Tighten login",
                &[BY_BOB, &format!("Reviewed-by: {second}")],
            ),
            2,
        );
        out.assert_deny("missing-reviewer");
        assert!(
            out.reasons().iter().any(|r| r == "duplicate"),
            "{second}: {:?}",
            out.reasons()
        );
    }
    // Two people do count as two.
    let out = ident_check(
        "Carl Coder <carl@corp.example>",
        &msg(
            "Tighten login",
            &[BY_BOB, "Reviewed-by: Alice Author <alice@corp.example>"],
        ),
        2,
    );
    out.assert_pass();
}

#[test]
fn class8_every_co_authorship_line_makes_a_writer() {
    for coauthor in [
        "Co-authored-by: Bob Reviewer <bob@corp.example>",
        "Co-developed-by: Bob Reviewer <bob@corp.example>",
        "co-authored-by: Bob <BOB+x@corp.example>",
        "Co-Authored By: Bob <bob@corp.example>",
        "Co-authored-by: Bob <\"bob\"@corp.example>",
        "Co-authored-by: bob@corp.example",
        "Co-authored-by: Bob <77+bob@users.noreply.github.com>",
    ] {
        let out = ident_check(ALICE, &msg("Tighten login", &[coauthor, BY_BOB]), 1);
        assert_no_reviewer_counts(&out, coauthor);
    }
    // A co-author line outside the trailer block (in the body) still makes a writer.
    let body = format!(
        "Tighten login\n\nPaired with Bob.\nCo-authored-by: Bob Reviewer <bob@corp.example>\n\nMore text.\n\n{BY_BOB}\n"
    );
    assert_no_reviewer_counts(&ident_check(ALICE, &body, 1), "body co-author");
}

/// `check HEAD --pr FILE` on `platform` in review `mode`, the commit by `author` with
/// `message`, approvals by `logins` on the head, PR opened by `pr_author`.
fn approval_check(
    mode: &str,
    platform: &str,
    author: &str,
    message: &str,
    pr_author: &str,
    logins: &[&str],
) -> Run {
    let mut r = repo_with(&ident_policy(mode, 1));
    let head = commit_as(
        &mut r,
        author,
        message,
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    let approvals: Vec<_> = logins
        .iter()
        .map(|l| json!({"login": l, "is_bot": false, "commit_id": head}))
        .collect();
    let pr = json!({"platform": platform, "author_login": pr_author, "head_branch": "f",
        "head_sha": head, "approvals": approvals});
    let p = write(&r, "pr.json", &pr.to_string());
    run(&r, &["check", "HEAD", "--format", "json", "--pr", &p], &[])
}

#[test]
fn class8_a_writer_never_approves_her_own_change_through_any_identity() {
    let plain = msg("Tighten login", &[]);
    let co_bob = msg(
        "Tighten login",
        &["Co-authored-by: Bob Reviewer <bob@corp.example>"],
    );
    for (platform, author, message, login) in [
        // The commit's author is the team member whose login approves (PR opened by another).
        ("github", ALICE, plain.as_str(), "alice"),
        ("github", ALICE, plain.as_str(), "ALICE"),
        ("gitlab", ALICE, plain.as_str(), "alice-gl"),
        // The author's noreply address names the approving login (no team entry needed).
        (
            "github",
            "Alice <12345+carol@users.noreply.github.com>",
            plain.as_str(),
            "carol",
        ),
        (
            "github",
            "Alice <carol@users.noreply.github.com>",
            plain.as_str(),
            "Carol",
        ),
        // A co-author approves.
        ("github", ALICE, co_bob.as_str(), "bob"),
        ("gitlab", ALICE, co_bob.as_str(), "bob-gl"),
        // PR facts from a file (platform unknown): both logins are tried.
        ("file", ALICE, co_bob.as_str(), "bob-gl"),
    ] {
        let out = approval_check("approval", platform, author, message, "mallory", &[login]);
        out.assert_deny("missing-reviewer");
        assert_eq!(
            out.reasons(),
            ["self-review"],
            "{platform} {author} {login}"
        );
    }
    // The control: Bob approves Alice's change.
    approval_check("approval", "github", ALICE, &plain, "mallory", &["bob"]).assert_pass();
    approval_check("approval", "gitlab", ALICE, &plain, "mallory", &["bob-gl"]).assert_pass();
    // In trailer+approval mode, a co-author's approval cannot back someone else's trailer
    // either: Bob wrote it, Bob's trailer is a self-review.
    let both = msg(
        "Tighten login",
        &["Co-authored-by: Bob <bob@corp.example>", BY_BOB],
    );
    let out = approval_check(
        "trailer+approval",
        "github",
        ALICE,
        &both,
        "mallory",
        &["bob"],
    );
    out.assert_deny("missing-reviewer");
}

// ------------------------------------------------------------------------------------------
// Class 10: the server hook knows its protected branch

/// A bare server holding `main` of a repository with the trailer-mode policy, with
/// countersign as its pre-receive hook (installed after the first push), and a clone.
fn bare_server() -> (TestRepo, TestRepo) {
    let mut work = repo_with(&policy(""));
    let mut server = TestRepo::new();
    server.git(&["init", "-q", "--bare", "-b", "main", "server.git"]);
    server.dir = server.dir.join("server.git");
    let url = server.dir.display().to_string();
    work.git(&["push", "-q", &url, "main"]);
    install_pre_receive(&server);
    let clone = TestRepo::clone_from(&server, &[]);
    (server, clone)
}

fn install_pre_receive(server: &TestRepo) {
    let hook = server.dir.join("hooks/pre-receive");
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{BIN}' hook pre-receive\n")).expect("hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// `git push ARGS` from `clone`: (success, stderr).
fn push(clone: &mut TestRepo, args: &[&str]) -> (bool, String) {
    let mut all = vec!["push"];
    all.extend_from_slice(args);
    let o = clone.git_output(&all);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn server_has(server: &mut TestRepo, r: &str) -> bool {
    server
        .git_output(&["rev-parse", "--verify", "-q", r])
        .status
        .success()
}

/// An unreviewed change to `src/auth` (the policy needs a reviewer; the embedded default
/// would not, for a human change).
fn attack(clone: &mut TestRepo) -> String {
    unreviewed(clone, "src/auth/login.rs", "fn login() { true }\n")
}

#[test]
fn class10_unborn_head_rejects_recreating_and_deleting_the_default_branch() {
    // HEAD left at `master` while the protected branch is `main`.
    let (mut server, mut clone) = bare_server();
    server.git(&["symbolic-ref", "HEAD", "refs/heads/master"]);
    attack(&mut clone);
    for args in [
        vec!["-q", "origin", "HEAD:refs/heads/topic"],
        vec!["-q", "origin", "HEAD:refs/heads/master"],
        vec!["-q", "origin", ":refs/heads/main"],
    ] {
        let (ok, err) = push(&mut clone, &args);
        assert!(!ok, "{args:?} must be rejected:\n{err}");
        assert!(
            err.contains("git symbolic-ref HEAD refs/heads/main"),
            "{args:?}: the fix names the branch:\n{err}"
        );
    }
    assert!(server_has(&mut server, "refs/heads/main"));
    assert!(!server_has(&mut server, "refs/heads/master"));
    // The fix applied: the real policy decides again (the attack is a policy failure, and
    // deleting main is refused as the default branch).
    server.git(&["symbolic-ref", "HEAD", "refs/heads/main"]);
    let (ok, err) = push(&mut clone, &["-q", "origin", "HEAD:refs/heads/main"]);
    assert!(!ok && err.contains("missing-reviewer"), "{err}");
    // An unprotected branch is pushed to be reviewed (protect:), with what a merge needs.
    let (ok, err) = push(&mut clone, &["-q", "origin", "HEAD:refs/heads/topic"]);
    assert!(ok && err.contains("missing-reviewer"), "{err}");
    let (ok, err) = push(&mut clone, &["-q", "origin", ":refs/heads/main"]);
    assert!(!ok && err.contains("default branch"), "{err}");
}

#[test]
fn class10_deleted_default_branch_is_not_recreated_under_the_embedded_policy() {
    let (mut server, mut clone) = bare_server();
    // Another branch exists; the default branch is gone (deleted on the server).
    let (ok, err) = push(&mut clone, &["-q", "origin", "main:refs/heads/keep"]);
    assert!(ok, "{err}");
    server.git(&["update-ref", "-d", "refs/heads/main"]);
    // Re-creating `main` with an unreviewed change and a policy that asks for nothing.
    attack(&mut clone);
    clone.commit_files(
        "Loosen",
        &[(".countersign.yml", "version: 1\ntiers:\n  - name: low\n")],
    );
    let (ok, err) = push(&mut clone, &["-q", "origin", "HEAD:refs/heads/main"]);
    assert!(!ok, "re-creating main must be rejected:\n{err}");
    assert!(err.contains("symbolic-ref HEAD"), "{err}");
    assert!(!server_has(&mut server, "refs/heads/main"));
    // A detached HEAD on the server is no better.
    let keep = server.rev("refs/heads/keep");
    server.git(&["update-ref", "--no-deref", "HEAD", &keep]);
    let (ok, err) = push(&mut clone, &["-q", "origin", "HEAD:refs/heads/other"]);
    assert!(!ok && err.contains("detached"), "{err}");
}

#[test]
fn class10_an_empty_server_takes_its_first_push() {
    let mut work = repo_with(&policy(""));
    let mut server = TestRepo::new();
    server.git(&["init", "-q", "--bare", "-b", "main", "server.git"]);
    server.dir = server.dir.join("server.git");
    install_pre_receive(&server);
    let url = server.dir.display().to_string();
    let o = work.git_output(&["push", "-q", &url, "main"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(server_has(&mut server, "refs/heads/main"));
}

// ------------------------------------------------------------------------------------------
// Class 12: nothing hostile reaches a terminal or a CI log raw

/// Terminal attacks: CSI colour, an OSC 8 hyperlink ended by BEL, a C1 CSI, a carriage
/// return that would overwrite the line, a bidi override and isolate, a zero-width space.
const HOSTILE: &str = "EVIL\x1b[31m\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\u{9b}2J\rOK\u{202e}gpj.exe\u{2066}\u{200b}\x1b[0m";

/// No control character other than `\n` and `\t`, and no invisible or bidi character.
fn assert_clean(out: &str, what: &str) {
    use countersign::message::unicode::is_invisible;
    if let Some(c) = out
        .chars()
        .find(|&c| c != '\n' && c != '\t' && (c.is_control() || is_invisible(c)))
    {
        panic!("{what}: raw {c:?} in output:\n{out:?}");
    }
}

fn assert_run_clean(out: &Run, what: &str) {
    assert_clean(&out.stdout, &format!("{what} (stdout)"));
    assert_clean(&out.stderr, &format!("{what} (stderr)"));
}

/// A repository whose newest commit has a hostile subject, body, trailer, author name and
/// file name, touching `src/auth` without review.
fn hostile_repo(policy_text: &str) -> TestRepo {
    let mut r = repo_with(policy_text);
    let path = format!("src/auth/{}.rs", HOSTILE.replace(['/', '\0'], "_"));
    commit_bytes(
        &mut r,
        &format!("Mallory {} <mallory@corp.example>", HOSTILE.replace(['<', '>', '\n'], "")),
        format!(
            "Fix {HOSTILE}\n\nBody {HOSTILE}\nCo-authored-by: Claude <noreply@anthropic.com>\n\nReviewed-by: {HOSTILE} <x@y.z>\nReviewed by: Bob {HOSTILE}\n"
        )
        .as_bytes(),
        &[(path.as_str(), "x\n"), ("src/auth/login.rs", "fn login() { true }\n")],
    );
    r
}

#[test]
fn class12_check_and_explain_neutralise_commit_text() {
    let r = hostile_repo(&policy(""));
    let head = r.dir.join(".git/HEAD");
    assert!(head.exists());
    for args in [
        vec!["check", "HEAD"],
        vec!["check", "HEAD", "--format", "human", "--verbose"],
        vec!["check", "HEAD", "--format", "github"],
        vec!["check", "HEAD", "--format", "markdown"],
        vec!["explain", "HEAD"],
        vec!["audit", "HEAD", "--format", "markdown"],
    ] {
        let out = run(&r, &args, &[]);
        assert!(out.code == 1 || out.code == 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.contains("EVIL") || out.stderr.contains("EVIL"),
            "{args:?} did not show the hostile text at all:\n{}",
            out.stdout
        );
        assert_run_clean(&out, &format!("{args:?}"));
    }
    let out = run(
        &r,
        &["explain", "--path", &format!("src/auth/{HOSTILE}")],
        &[],
    );
    assert_run_clean(&out, "explain --path");
    // An error that quotes the input (an unknown revision).
    let out = run(&r, &["check", &format!("x{HOSTILE}")], &[]);
    assert_eq!(out.code, 2);
    assert_run_clean(&out, "error message");
}

#[test]
fn class12_policy_text_is_neutralised() {
    // Valid YAML with a bidi override and a zero-width space in a description, and a rule
    // whose span is shown when a finding points at it.
    let text = policy("").replace(
        "  - name: high\n",
        "  - name: high\n    description: \"high \u{202e}gpj.exe \u{200b}\"\n",
    );
    let r = hostile_repo(&text);
    for args in [
        vec!["check", "HEAD"],
        vec!["policy", "show"],
        vec!["policy", "check"],
        vec!["explain", "HEAD"],
    ] {
        let out = run(&r, &args, &[]);
        assert_run_clean(&out, &format!("{args:?}"));
    }
    // Invalid YAML holding raw escapes: the diagnostics quote the source line.
    let bad = format!("version: 1\ntiers:\n  - name: low\n    description: {HOSTILE}\n");
    std::fs::write(r.dir.join(".countersign.yml"), &bad).expect("write");
    for args in [vec!["check", "HEAD"], vec!["policy", "check"]] {
        let out = run(&r, &args, &[]);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains("policy"), "{}", out.stderr);
        assert_run_clean(&out, &format!("{args:?} invalid policy"));
    }
    // `policy diff` against a revision whose policy is hostile.
    let mut r = r;
    r.git(&["add", "-A"]);
    r.git(&["commit", "-qm", "hostile policy"]);
    std::fs::write(r.dir.join(".countersign.yml"), policy("")).expect("write");
    let out = run(&r, &["policy", "diff", "HEAD"], &[]);
    assert_run_clean(&out, "policy diff");
}

#[test]
fn class12_hooks_neutralise_commit_text() {
    // commit-msg: the message file itself is hostile.
    let r = repo_with(&policy(""));
    r.write("src/auth/login.rs", "fn login() { x() }\n");
    let mut r = r;
    r.git(&["add", "-A"]);
    let file = write(
        &r,
        "COMMIT_EDITMSG",
        &format!(
            "Fix {HOSTILE}\n\nCo-authored-by: Claude <noreply@anthropic.com>\nReviewed by: {HOSTILE}\n"
        ),
    );
    let out = run(&r, &["hook", "commit-msg", &file], &[]);
    assert!(out.stderr.contains("commit-msg"), "{}", out.stderr);
    assert_run_clean(&out, "commit-msg");
    // pre-receive on a real server: the pushed commit is hostile (messages go back to the
    // pushing client through git's sideband).
    let (mut server, mut clone) = bare_server();
    commit_bytes(
        &mut clone,
        ALICE,
        format!("Fix {HOSTILE}\n\nBody {HOSTILE}\n").as_bytes(),
        &[("src/auth/login.rs", "fn login() { y() }\n")],
    );
    let hook = server.dir.join("hooks/pre-receive");
    // Capture the hook's own stderr (git may add its own `remote:` prefix).
    let log = server.tmp.path().join("hook.log");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n'{BIN}' hook pre-receive 2>'{}'\ncode=$?\ncat '{}' >&2\nexit $code\n",
            log.display(),
            log.display()
        ),
    )
    .expect("hook");
    let (ok, err) = push(&mut clone, &["origin", "HEAD:refs/heads/main"]);
    assert!(!ok, "{err}");
    let hook_err = std::fs::read_to_string(&log).expect("hook log");
    assert!(hook_err.contains("EVIL"), "{hook_err}");
    assert_clean(&hook_err, "pre-receive");
    // pre-push (the same commit, before it leaves the laptop).
    let o = clone.git_output(&["rev-parse", "HEAD"]);
    let local = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let remote = server.rev("refs/heads/main");
    let stdin = format!("refs/heads/main {local} refs/heads/main {remote}\n");
    let mut cmd = clone.command(BIN);
    cmd.args(["hook", "pre-push", "origin", "url"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("EVIL"), "{err}");
    assert_clean(&err, "pre-push");
    assert_clean(&String::from_utf8_lossy(&o.stdout), "pre-push stdout");
}

#[test]
fn class12_ci_logs_neutralise_pr_and_policy_text() {
    // GitLab: the MR title, description and branch are hostile, and the change edits the
    // policy (its diff goes to the job log).
    let (mut r, base, _) = pr_repo(&policy(""), &[]);
    let head = commit_as(
        &mut r,
        ALICE,
        &format!("Edit policy {HOSTILE}\n\nBody.\n"),
        &[(".countersign.yml", &format!("{}# {HOSTILE}\n", policy("")))],
    );
    let branch = format!("feature/{}", HOSTILE.replace(['\x1b', '\x07', '\r'], ""));
    let out = gl(
        &r,
        &base,
        &head,
        &[
            ("CI_MERGE_REQUEST_TITLE", &format!("Title {HOSTILE}")),
            (
                "CI_MERGE_REQUEST_DESCRIPTION",
                &format!("Body {HOSTILE}\nChange-Record: {HOSTILE}"),
            ),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", &branch),
        ],
        &[],
    );
    // `gl` asks for JSON: run the human default as the template does.
    assert!(out.code == 1 || out.code == 0, "{}", out.stderr);
    assert_clean(&out.stderr, "gitlab ci stderr");
    let mut env = vec![
        ("GITLAB_CI", "true"),
        ("CI_MERGE_REQUEST_IID", "17"),
        ("CI_COMMIT_SHA", head.as_str()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", branch.as_str()),
    ];
    let title = format!("Title {HOSTILE}");
    let body = format!("Body {HOSTILE}");
    env.push(("CI_MERGE_REQUEST_TITLE", &title));
    env.push(("CI_MERGE_REQUEST_DESCRIPTION", &body));
    let out = run(&r, &["ci"], &env);
    assert!(out.code == 1 || out.code == 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("EVIL") || out.stdout.contains("EVIL"),
        "{}",
        out.stderr
    );
    assert_run_clean(&out, "gitlab ci (human)");
    // GitHub: workflow commands on stdout, notes on stderr; PR title/body/branch hostile.
    let ev = pr_event(&base, &head, |pr| {
        pr["title"] = json!(format!("T {HOSTILE}"));
        pr["body"] = json!(format!("B {HOSTILE}"));
        pr["head"]["ref"] = json!(branch);
    });
    // JSON on stdout (strings escaped as \uXXXX), then the default workflow-command format.
    let out = gh(&r, "pull_request", &ev, None);
    assert!(out.stdout.contains("EVIL"), "{}", out.stdout);
    assert_run_clean(&out, "github ci --format json");
    let evp = write(&r, "event2.json", &ev);
    let out = run(
        &r,
        &["ci"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &evp),
        ],
    );
    assert!(out.stdout.contains("::error"), "{}", out.stdout);
    assert!(out.stdout.contains("EVIL"), "{}", out.stdout);
    assert_run_clean(&out, "github ci (workflow commands)");
}
