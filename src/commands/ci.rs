//! `countersign ci`: the CI gate for GitHub Actions and GitLab CI.
//!
//! 1. Detect the platform (`GITHUB_ACTIONS=true` / `GITLAB_CI=true`), else exit 2.
//! 2. Read base, head and the PR/MR from the event payload or the `CI_*` variables
//!    ([`crate::platform::github`], [`crate::platform::gitlab`]), plus reviews/approvals files.
//! 3. Compute the range with git: `merge-base(base, head)..head` (never from payload lists);
//!    a missing base or head, a shallow boundary or unrelated histories end with exit 2.
//! 4. Read the policy from the **base** commit, never from the change under test; a change
//!    that edits the policy file is shown as a diff in the reports.
//! 5. Evaluate, write reports; on GitHub, annotations on stdout, the job summary to
//!    `$GITHUB_STEP_SUMMARY` and `verdict` + report paths to `$GITHUB_OUTPUT`.
//!
//! There is no switch to turn the check off: no label, variable or PR text is read as one.

use std::io::Write;
use std::path::{Path, PathBuf};

use git2::Oid;

use crate::cli::CiArgs;
use crate::commands::{limits, note, policy_failed, print_stdout, read_input, use_color};
use crate::evaluate::{self, Context, Report};
use crate::facts::PullRequest;
use crate::git::{self, RangeSpec, Repo};
use crate::platform::env::Env;
use crate::platform::github::{self, Base, CiEvent, EventKind};
use crate::platform::gitlab;
use crate::policy::load::{self, DISCOVERY};
use crate::policy::protect::Protection;
use crate::policy::{Origin, Policy};
use crate::report::{self, Format, Options, ReportTarget};
use crate::time::Date;
use crate::{Error, ErrorKind, Result};

/// Help for history that is not all there, for both platforms.
const DEPTH_HELP: &str = "fetch the full history: actions/checkout `fetch-depth: 0`; GitLab CI \
    `variables: GIT_DEPTH: \"0\"`; elsewhere `git fetch --unshallow`";

/// The largest policy diff shown in a report (bytes).
const MAX_POLICY_DIFF: usize = 64 << 10;

/// The CI platform `ci` runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    Github,
    /// GitLab CI (`GITLAB_CI=true`).
    Gitlab,
}

/// Detects the platform from the environment lookup `env`.
pub fn detect(env: &dyn Env) -> Result<Platform> {
    if env.get("GITHUB_ACTIONS").as_deref() == Some("true") {
        return Ok(Platform::Github);
    }
    if env.get("GITLAB_CI").as_deref() == Some("true") {
        return Ok(Platform::Gitlab);
    }
    Err(Error::usage(
        "`countersign ci` runs inside GitHub Actions (GITHUB_ACTIONS=true) or GitLab CI (GITLAB_CI=true), and neither is set",
    )
    .with_help("outside CI, run `countersign check BASE..HEAD` (e.g. `countersign check origin/main..HEAD`), with `--pr FILE` for PR facts"))
}

/// The process environment as a lookup (non-UTF-8 values count as unset).
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Runs `ci`; returns 0 (pass) or 1 (fail).
pub fn run(cwd: &Path, args: &CiArgs) -> Result<u8> {
    let env = process_env;
    let platform = detect(&env)?;
    let result = run_on(cwd, args, platform, &env);
    if platform == Platform::Github
        && let Err(e) = &result
    {
        github_error(e, &env);
    }
    result
}

/// Everything a run settled before evaluation.
struct Prepared {
    event: CiEvent,
    /// Extra lines for stderr (ignored reviews …).
    notes: Vec<String>,
}

fn run_on(cwd: &Path, args: &CiArgs, platform: Platform, env: &dyn Env) -> Result<u8> {
    let repo = git::open(cwd)?;
    let prepared = match platform {
        Platform::Github => prepare_github(args, env)?,
        Platform::Gitlab => prepare_gitlab(&repo, args, env)?,
    };
    for n in &prepared.notes {
        note(n);
    }
    let (policy, report, policy_change) = evaluate_event(&repo, args, platform, &prepared.event)?;
    if let Some(log) = &args.evidence_log {
        crate::audit::log::append(log, &report, &policy, crate::audit::Mode::Ci)?;
    }

    let mut written = Vec::new();
    for t in &args.reports {
        write_report(&report, &policy, t, policy_change.as_ref())?;
        written.push((t.format.as_str().to_string(), t.path.clone()));
    }
    let format = args.format.unwrap_or(match platform {
        Platform::Github => Format::Github,
        Platform::Gitlab => Format::Human,
    });
    let mut text = report::render(
        &report,
        &policy,
        format,
        Options {
            color: use_color(&std::io::stdout()),
            verbose: args.verbose,
        },
    );
    if format == Format::Markdown
        && let Some(c) = &policy_change
    {
        text.push_str(&c.markdown());
    }
    if let Some(c) = &policy_change {
        match platform {
            // stderr is scanned for workflow commands too: the diff (head text is untrusted)
            // goes only into the job summary.
            Platform::Github => note(&format!(
                "this change edits the policy file {}; it was evaluated with the base's policy (the job summary shows the diff)",
                c.path
            )),
            Platform::Gitlab => note(&format!(
                "this change edits the policy file {}; it was evaluated with the base's policy. The edit:\n{}",
                c.path, c.diff
            )),
        }
    }
    print_stdout(&text)?;
    let unenforced = unenforced_target(&policy, &prepared.event);
    if let Some(target) = &unenforced {
        note(&format!(
            "{target} is not a protected ref (policy `protect:`): the findings are reported, not enforced; a merge into a protected branch will need them settled"
        ));
    }
    if platform == Platform::Github {
        github_files(
            &report,
            &policy,
            &written,
            policy_change.as_ref(),
            unenforced.as_deref(),
            env,
        )?;
    }
    Ok(match unenforced {
        Some(_) => 0,
        None => report.verdict.exit_code(),
    })
}

/// The ref this run goes into, when the base policy does not protect it: a push pipeline on
/// a feature branch, or a PR into one, reports without failing (the gate is at the protected
/// branches and release tags). An event that does not name its target is enforced.
fn unenforced_target(policy: &Policy, event: &CiEvent) -> Option<String> {
    let target = event.target.as_deref()?;
    let defaults: Vec<String> = match &event.default_branch {
        Some(d) => vec![d.clone()],
        None => crate::policy::protect::FALLBACK_BRANCHES
            .iter()
            .map(|b| github::branch_ref(b))
            .collect(),
    };
    match policy.protect.classify(target, &defaults) {
        Protection::None => Some(crate::message::unicode::neutralize(target).into_owned()),
        Protection::Branch | Protection::Tag => None,
    }
}

fn prepare_github(args: &CiArgs, env: &dyn Env) -> Result<Prepared> {
    if args.approvals.is_some() || args.mr.is_some() {
        return Err(Error::usage(
            "--approvals and --mr are for GitLab CI; on GitHub Actions use --reviews FILE",
        ));
    }
    let name = env.get("GITHUB_EVENT_NAME").ok_or_else(|| {
        Error::input("GITHUB_EVENT_NAME is not set")
            .with_help("run countersign inside a GitHub Actions job")
    })?;
    let kind = EventKind::parse(&name).ok_or_else(|| {
        Error::usage(format!(
            "`countersign ci` does not check `{name}` events: it supports pull_request, pull_request_target, pull_request_review, merge_group and push"
        ))
        .with_help("trigger the workflow on `pull_request` (and `push`, `merge_group`), or run `countersign check BASE..HEAD` with an explicit range")
    })?;
    let path = env.get("GITHUB_EVENT_PATH").ok_or_else(|| {
        Error::input("GITHUB_EVENT_PATH is not set")
            .with_help("run countersign inside a GitHub Actions job")
    })?;
    let bytes = read_input(Path::new(&path), 64 << 20)?;
    let mut event = github::parse_event(kind, &bytes)?;
    let mut notes = Vec::new();
    if let Some(file) = &args.reviews {
        let Some(pr) = event.pr.as_mut() else {
            return Err(Error::usage(format!(
                "--reviews was given, but a {} has no pull request",
                event.description
            ))
            .with_help("pass --reviews only for pull_request events"));
        };
        let bytes = read_input(file, 64 << 20)?;
        let reviews = github::parse_reviews(&bytes, &pr.author_login).map_err(|mut e| {
            e.message = format!("{}: {}", file.display(), e.message);
            e
        })?;
        for i in reviews.ignored {
            notes.push(format!("ignored review: {i}"));
        }
        pr.approvals = Some(reviews.approvals);
    }
    Ok(Prepared { event, notes })
}

fn prepare_gitlab(repo: &Repo, args: &CiArgs, env: &dyn Env) -> Result<Prepared> {
    if args.reviews.is_some() {
        return Err(Error::usage(
            "--reviews is for GitHub Actions; on GitLab CI use --approvals FILE (and --mr FILE)",
        ));
    }
    let run = gitlab::from_env(env)?;
    let mut event = run.event;
    let mut notes = Vec::new();
    let Some(pr) = event.pr.as_mut() else {
        if args.approvals.is_some() || args.mr.is_some() {
            return Err(Error::usage(format!(
                "--approvals/--mr were given, but a {} has no merge request",
                event.description
            ))
            .with_help("pass them only in merge-request pipelines"));
        }
        return Ok(Prepared { event, notes });
    };
    let mut mr_names_head = false;
    if let Some(file) = &args.mr {
        let bytes = read_input(file, 16 << 20)?;
        mr_names_head = gitlab::apply_mr(pr, &bytes)?;
    } else if let Some(var) = run.missing.first() {
        return Err(Error::input(format!(
            "{var} is not set in this merge-request pipeline: the MR's text cannot be read (GitLab sets the description only from 16.7)"
        ))
        .with_help("pass the full merge request with `--mr FILE` (GET $CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID with a `read_api` token; the template does this when COUNTERSIGN_GITLAB_TOKEN is set)"));
    } else if run.description_truncated {
        return Err(Error::input(
            "CI_MERGE_REQUEST_DESCRIPTION is truncated (CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED=true): markers or change records past the cut would be missed",
        )
        .with_help("pass the full merge request with `--mr FILE` (GET $CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID with a `read_api` token; the template does this when COUNTERSIGN_GITLAB_TOKEN is set)"));
    }
    if let Some(file) = &args.approvals {
        let bytes = read_input(file, 16 << 20)?;
        let (mut approvals, ignored) = gitlab::parse_approvals(&bytes, &pr.author_login)?;
        // GitLab approvals name no commit: they stand for the head the MR JSON (fetched in
        // this job) names, which must be the head under test. Without it they count for none.
        if !mr_names_head {
            return Err(Error::input(
                "GitLab approvals name no commit, and the MR JSON does not name the head (`sha`): they cannot be tied to the head under test",
            )
            .with_help("pass `--mr FILE` with the MR JSON fetched in this job (its `sha` must be the pipeline's head)"));
        }
        for a in &mut approvals {
            a.commit_id = pr.head_sha.clone();
        }
        for i in ignored {
            notes.push(format!("ignored approval: {i}"));
        }
        pr.approvals = Some(approvals);
    }
    // CI_MERGE_REQUEST_DIFF_BASE_SHA can be stale: prefer the target branch's current tip
    // when the job fetched it.
    if let Some(target) = &run.target_branch
        && let Some(tip) = remote_branch(repo, target)?
        && run.diff_base.is_some()
        && matches!(event.base, Base::Commit(ref b) if Some(b) == run.diff_base.as_ref())
    {
        notes.push(format!(
            "comparing with origin/{target} ({}) rather than CI_MERGE_REQUEST_DIFF_BASE_SHA",
            crate::report::short_id(&tip.to_string())
        ));
        event.base = Base::Commit(tip.to_string());
    }
    Ok(Prepared { event, notes })
}

/// The id of `refs/remotes/origin/<name>` (`None` when not fetched).
fn remote_branch(repo: &Repo, name: &str) -> Result<Option<Oid>> {
    let refname = format!("refs/remotes/origin/{name}");
    if !git2::Reference::is_valid_name(&refname) {
        return Err(Error::input(format!("`{name}` is not a valid branch name"))
            .with_help("check the default/target branch setting of the repository"));
    }
    git::query::ref_target(repo, &refname)
}

/// Checks that `id` names a commit in this clone.
fn commit_here(repo: &Repo, id: &str, what: &str) -> Result<Oid> {
    let missing = || {
        Error::incomplete(format!("the {what} commit {id} is not in this clone"))
            .with_help(DEPTH_HELP)
    };
    let oid = Oid::from_str(id).map_err(|_| missing())?;
    match git::peel_commit_id(repo, oid, git::scan::MAX_COMMIT_OBJECT) {
        Ok(Some(c)) if c == oid => Ok(c),
        Ok(_) => Err(missing()),
        Err(e) if e.kind == ErrorKind::Limit => Err(e),
        Err(_) => Err(missing()),
    }
}

/// The base commit of the event.
fn base_commit(repo: &Repo, base: &Base) -> Result<Oid> {
    match base {
        Base::Commit(id) => commit_here(repo, id, "base"),
        Base::RemoteBranch(name) => remote_branch(repo, name)?.ok_or_else(|| {
            Error::incomplete(format!(
                "the new branch is compared with the default branch, but origin/{name} is not in this clone"
            ))
            .with_help(DEPTH_HELP)
        }),
    }
}

/// What a change did to the policy file (a text diff of the merge-base's policy and the
/// head's policy).
#[derive(Debug, Clone)]
struct PolicyChange {
    path: String,
    diff: String,
    base_desc: String,
}

impl PolicyChange {
    fn markdown(&self) -> String {
        let longest = crate::report::markdown::longest_backtick_run(&self.diff);
        let fence = "`".repeat(longest.max(2) + 1);
        format!(
            "\n### This change edits the policy\n\n\
             The policy file `{}` differs between the base and the head. The change was \
             evaluated with the base's policy ({}), never with its own; the edit takes effect \
             after merge, and it puts the change in the highest tier.\n\n{fence}diff\n{}{}{fence}\n",
            self.path.replace('`', "'"),
            self.base_desc.replace('`', "'"),
            self.diff,
            if self.diff.ends_with('\n') { "" } else { "\n" },
        )
    }
}

/// Loads the policy from the base commit (else the embedded default).
fn policy_at_base(repo: &Repo, base: &str) -> Result<Policy> {
    match crate::commands::policy_text_at(repo, base, DISCOVERY)? {
        Some((path, text)) => {
            if text.len() > 1 << 20 {
                return Err(Error::policy(format!("policy {path} is larger than 1 MiB")));
            }
            let mut policy = load::load(
                &text,
                Origin::Commit {
                    path,
                    commit: base.to_string(),
                },
            )
            .map_err(policy_failed)?;
            crate::commands::load_signers(Some(repo), &mut policy, None)?;
            Ok(policy)
        }
        None => {
            note(&format!(
                "the base {} has no policy file; using the embedded default policy",
                crate::report::short_id(base)
            ));
            Ok(load::default_policy())
        }
    }
}

/// `countersign policy diff`'s semantic comparison of the two policy texts (either side may
/// be absent: the embedded default stands in). An invalid side is reported, not fatal here:
/// the verdict uses the base policy, which was already validated.
fn semantic_policy_diff(
    repo: &Repo,
    head: &str,
    old: Option<&(String, String)>,
    new: Option<&(String, String)>,
    old_name: &str,
    new_name: &str,
) -> String {
    let load_side = |side: Option<&(String, String)>| match side {
        Some((path, text)) => load::load(text, Origin::File { path: path.clone() }),
        None => Ok(load::default_policy()),
    };
    match (load_side(old), load_side(new)) {
        (Ok(o), Ok(n)) => {
            let paths = git::tree_paths_at(repo, head).unwrap_or_default();
            crate::policy::diff::render(
                &crate::policy::diff::compare(&o, &n, &paths),
                old_name,
                new_name,
            )
        }
        (_, Err(e)) => format!(
            "the edited policy is invalid ({} problem(s)); `countersign policy check` lists them\n",
            e.diagnostics.len()
        ),
        (Err(_), _) => "the base policy could not be read for a semantic comparison\n".to_string(),
    }
}

fn policy_change(repo: &Repo, before: &str, head: &str) -> Result<Option<PolicyChange>> {
    let old = crate::commands::policy_text_at(repo, before, DISCOVERY)?;
    let new = crate::commands::policy_text_at(repo, head, DISCOVERY)?;
    if old == new {
        return Ok(None);
    }
    let path = new
        .as_ref()
        .or(old.as_ref())
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let (old_name, old_text) = match &old {
        Some((p, t)) => (format!("a/{p}"), t.as_str()),
        None => ("/dev/null".to_string(), ""),
    };
    let (new_name, new_text) = match &new {
        Some((p, t)) => (format!("b/{p}"), t.as_str()),
        None => ("/dev/null".to_string(), ""),
    };
    let mut diff = similar::TextDiff::from_lines(old_text, new_text)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &new_name)
        .to_string();
    // The semantic reading first (which paths get weaker or stronger requirements), then
    // the text: reviewers see what the edit means, not just which lines moved.
    let semantic =
        semantic_policy_diff(repo, head, old.as_ref(), new.as_ref(), &old_name, &new_name);
    diff = format!("{semantic}\n{diff}");
    if diff.len() > MAX_POLICY_DIFF {
        let mut cut = MAX_POLICY_DIFF;
        while !diff.is_char_boundary(cut) {
            cut -= 1;
        }
        diff.truncate(cut);
        diff.push_str("\n… (diff truncated)\n");
    }
    Ok(Some(PolicyChange {
        path,
        diff,
        base_desc: format!("read from {}", crate::report::short_id(before)),
    }))
}

fn evaluate_event(
    repo: &Repo,
    args: &CiArgs,
    platform: Platform,
    event: &CiEvent,
) -> Result<(Policy, Report, Option<PolicyChange>)> {
    let head = commit_here(repo, &event.head, "head")?;
    let base = base_commit(repo, &event.base)?;
    let merge_base = git::query::merge_base(repo, base, head, DEPTH_HELP)?;
    let base_s = base.to_string();
    let policy = policy_at_base(repo, &base_s)?;
    let change = policy_change(repo, &merge_base.to_string(), &event.head)?;
    let lim = limits(&args.limits);
    let spec = RangeSpec::Expr(format!("{merge_base}..{head}"));
    let baseline = crate::commands::verified_baseline(repo, &policy, Some(base))?;
    let mut range = git::resolve_with(repo, &spec, baseline.as_deref(), &lim)
        .map_err(|e| shallow_help(repo, e))?;
    range.info.description = format!(
        "{} ({}..{}: merge-base of base {} and head)",
        event.description,
        crate::report::short_id(&merge_base.to_string()),
        crate::report::short_id(&head.to_string()),
        crate::report::short_id(&base_s),
    );
    range.info.branch = event.branch.clone();
    note(&format!(
        "checking {} commit(s) of {} against {}",
        range.commits.len(),
        range.info.description,
        policy.source.name()
    ));
    let head_s = head.to_string();
    let ctx = Context {
        policy: &policy,
        pr: event.pr.as_ref(),
        branch: event.branch.as_deref(),
        today: Date::today()?,
        head: Some(&head_s),
        repo_head: Some(&head_s),
        explain: false,
        whole_history: false,
    };
    // Missing history gets the CI setting that fetches it; missing approvals, the way to pass
    // them (the two errors are of different kinds).
    let commits = crate::commands::pipeline::evaluate(&crate::commands::pipeline::Run {
        repo,
        policy: &policy,
        ctx: &ctx,
        commits: &range.commits,
        base: &range.base,
        limits: &lim,
        notes: &[],
        progress: None,
        parents: false,
    })
    .map_err(|e| approval_help(shallow_help(repo, e), platform, event.pr.as_ref(), &policy))?;
    let mut report = evaluate::finish(&ctx, range.info.clone(), commits);
    // A push pipeline of a protected branch or tag runs after the commits landed: they are
    // published, so their fix is a waiver or a baseline, not a rewrite.
    if event.pr.is_none()
        && let Some(target) = &event.target
        && unenforced_target(&policy, event).is_none()
    {
        let on = crate::message::unicode::neutralize(target).into_owned();
        let published = report
            .commits
            .iter()
            .filter(|c| c.is_failing())
            .map(|c| (c.id.clone(), on.clone()))
            .collect();
        evaluate::fixes::published(&mut report, &policy, &published, ctx.today);
    }
    Ok((policy, report, change))
}

/// Make sure an incomplete-history error names the CI setting that fixes it.
fn shallow_help(repo: &Repo, mut e: Error) -> Error {
    if e.kind == ErrorKind::Incomplete || (e.kind == ErrorKind::Repository && repo.is_shallow()) {
        e.help = Some(DEPTH_HELP.into());
    }
    e
}

/// The evaluator's "no approval data" error, with the fix for this platform.
fn approval_help(
    mut e: Error,
    platform: Platform,
    pr: Option<&PullRequest>,
    policy: &Policy,
) -> Error {
    if e.kind != ErrorKind::Input || !policy.evidence.review.needs_platform() {
        return e;
    }
    let help = match (platform, pr) {
        (_, None) => "this pipeline has no pull/merge request, so there are no platform approvals: run the check on pull_request (GitHub) or merge-request (GitLab) pipelines, or use `evidence.review: trailer`".to_string(),
        (Platform::Github, Some(_)) => "give the action `token: ${{ github.token }}` and the job `permissions: pull-requests: read` so it fetches the reviews, or pass `--reviews FILE` (GET /repos/{owner}/{repo}/pulls/{n}/reviews, all pages)".to_string(),
        (Platform::Gitlab, Some(_)) => "set COUNTERSIGN_GITLAB_TOKEN (a `read_api` token; CI_JOB_TOKEN cannot read approvals) so the template passes `--approvals FILE`".to_string(),
    };
    e.help = Some(help);
    e
}

fn write_report(
    report: &Report,
    policy: &Policy,
    target: &ReportTarget,
    change: Option<&PolicyChange>,
) -> Result<()> {
    let mut text = report::render(
        report,
        policy,
        target.format,
        Options {
            color: false,
            verbose: true,
        },
    );
    if target.format == Format::Markdown
        && let Some(c) = change
    {
        text.push_str(&c.markdown());
    }
    std::fs::write(&target.path, text).map_err(|e| {
        Error::output(format!(
            "cannot write report {}: {e}",
            target.path.display()
        ))
        .with_help("check that the directory exists and is writable")
    })
}

/// Appends `text` to the file named by the environment variable `var` (when set).
fn append_env_file(env: &dyn Env, var: &str, text: &str) -> Result<()> {
    let Some(path) = env.get(var) else {
        return Ok(());
    };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| {
            Error::output(format!("cannot open ${var} ({path}): {e}"))
                .with_help("run inside GitHub Actions, which provides a writable file")
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| Error::output(format!("cannot write ${var} ({path}): {e}")))
}

fn github_files(
    report: &Report,
    policy: &Policy,
    written: &[(String, PathBuf)],
    change: Option<&PolicyChange>,
    unenforced: Option<&str>,
    env: &dyn Env,
) -> Result<()> {
    let mut summary = report::github::step_summary(report, policy);
    if let Some(target) = unenforced {
        summary.push_str(&format!(
            "\n> **Not enforced:** `{}` is not a protected ref (policy `protect:`); these findings are reported so they can be settled before a merge into a protected branch.\n",
            markdown_text(&target.replace('`', "'"))
        ));
    }
    if let Some(c) = change {
        summary.push_str(&c.markdown());
    }
    append_env_file(env, "GITHUB_STEP_SUMMARY", &summary)?;
    let mut outputs = report::github::outputs(report, written);
    outputs.push_str(if unenforced.is_some() {
        "enforced=false\n"
    } else {
        "enforced=true\n"
    });
    append_env_file(env, "GITHUB_OUTPUT", &outputs)
}

/// On GitHub, an exit-2 run still leaves an error annotation, a summary and `verdict=error`.
fn github_error(e: &Error, env: &dyn Env) {
    let mut msg = format!("could not decide (exit 2): {}", e.message);
    if let Some(h) = &e.help {
        msg.push_str("\nFix: ");
        msg.push_str(h);
    }
    let _ = print_stdout(&format!(
        "::error title={}::{}\n",
        report::github::escape_property("countersign"),
        report::github::escape_data(&msg)
    ));
    let summary = format!(
        "## countersign: could not decide (exit 2)\n\n{}\n\n{}\n",
        markdown_text(&e.message),
        e.help
            .as_deref()
            .map(|h| format!("**Fix:** {}", markdown_text(h)))
            .unwrap_or_default()
    );
    let _ = append_env_file(env, "GITHUB_STEP_SUMMARY", &summary);
    let _ = append_env_file(env, "GITHUB_OUTPUT", "verdict=error\n");
}

/// Plain text for Markdown: HTML-significant characters escaped.
fn markdown_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_platforms() {
        let gh = |k: &str| (k == "GITHUB_ACTIONS").then(|| "true".to_string());
        assert_eq!(detect(&gh).unwrap(), Platform::Github);
        let gl = |k: &str| (k == "GITLAB_CI").then(|| "true".to_string());
        assert_eq!(detect(&gl).unwrap(), Platform::Gitlab);
        let none = |_: &str| None;
        assert_eq!(detect(&none).unwrap_err().kind, ErrorKind::Usage);
    }

    #[test]
    fn markdown_fence_outlasts_backticks_in_the_diff() {
        let c = PolicyChange {
            path: ".countersign.yml".into(),
            diff: "+ ````` escape\n".into(),
            base_desc: "x".into(),
        };
        assert!(c.markdown().contains("``````diff"));
    }
}
