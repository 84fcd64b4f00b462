//! `countersign check`: evaluate a range of commits against the policy.

use std::path::Path;

use crate::audit;
use crate::cli::CheckArgs;
use crate::commands::{
    FACTS_SCHEMA, FactsDoc, RecordedPolicy, evaluate_range, load_policy, read_input, read_pr,
    use_color, write_stdout,
};
use crate::evaluate::{self, Context, Report};
use crate::git;
use crate::policy::Policy;
use crate::report::{self, Options};
use crate::time::Date;
use crate::{Error, Result};

/// Runs `check`; returns 0 (pass) or 1 (fail).
pub fn run(cwd: &Path, args: &CheckArgs) -> Result<u8> {
    let pr = read_pr(args.pr.as_deref())?;
    let (policy, report) = match &args.from_facts {
        Some(file) => from_facts(cwd, args, file, pr)?,
        None => from_git(cwd, args, pr)?,
    };
    if let Some(log) = &args.evidence_log {
        audit::log::append(log, &report, &policy, audit::Mode::Check)?;
    }
    crate::commands::write_reports(&report, &policy, &args.reports)?;
    let opts = Options {
        color: use_color(&std::io::stdout()),
        verbose: args.verbose,
    };
    write_stdout(|w| report::write(w, &report, &policy, args.format, opts))?;
    let code = report.verdict.exit_code();
    // The process ends right after this: freeing a whole-history report (hundreds of
    // thousands of small allocations) would only delay the exit, on one core.
    std::mem::forget(report);
    Ok(code)
}

fn from_git(
    cwd: &Path,
    args: &CheckArgs,
    pr: Option<crate::facts::PullRequest>,
) -> Result<(Policy, Report)> {
    evaluate_range(
        cwd,
        &args.range,
        args.policy.as_deref(),
        &args.limits,
        pr.as_ref(),
        "checking",
        Date::today()?,
    )
}

/// The policy a facts document carries, checked against its digest (an edited text is exit
/// 2, not a different verdict) and loaded as it was found; an allowed-signers file it names
/// is read from the same place as before (the repository or work tree here).
fn recorded_policy(
    repo: Option<&git::Repo>,
    workdir: Option<&Path>,
    rec: &RecordedPolicy,
    file: &Path,
) -> Result<Policy> {
    let digest = crate::policy::load::digest(rec.text.as_bytes());
    if digest != rec.digest {
        return Err(Error::input(format!(
            "{}: the recorded policy's text does not match its digest ({} recorded, {digest} computed)",
            file.display(),
            rec.digest
        ))
        .with_help("the document was edited after `countersign facts` wrote it; recreate it"));
    }
    let mut policy = crate::policy::load::load(&rec.text, rec.origin.clone())
        .map_err(crate::commands::policy_failed)?;
    crate::commands::load_signers(repo, &mut policy, workdir)?;
    Ok(policy)
}

fn from_facts(
    cwd: &Path,
    args: &CheckArgs,
    file: &Path,
    pr: Option<crate::facts::PullRequest>,
) -> Result<(Policy, Report)> {
    let bytes = read_input(file, 1 << 30)?;
    let doc: FactsDoc = serde_json::from_slice(&bytes).map_err(|e| {
        Error::input(format!("{} is not a facts document: {e}", file.display()))
            .with_help("produce it with `countersign facts [RANGE] > facts.json`")
    })?;
    if doc.schema != FACTS_SCHEMA {
        return Err(Error::input(format!(
            "{} has schema `{}`, expected `{FACTS_SCHEMA}`",
            file.display(),
            doc.schema
        )));
    }
    let root = git::open(cwd).ok();
    let workdir = root.as_ref().and_then(|r| r.workdir());
    let policy = match (&args.policy, &doc.policy) {
        (Some(explicit), _) => load_policy(workdir, Some(explicit))?,
        (None, Some(rec)) => recorded_policy(root.as_ref(), workdir, rec, file)?,
        (None, None) => {
            return Err(Error::input(format!(
                "{} records no policy (it was written by an older countersign)",
                file.display()
            ))
            .with_help(
                "recreate it with `countersign facts`, or name the policy with `--policy FILE`",
            ));
        }
    };
    let pr = pr.or(doc.pr.clone());
    let branch = pr
        .as_ref()
        .map(|p| p.head_branch.clone())
        .filter(|b| !b.is_empty())
        .or_else(|| doc.range.branch.clone());
    let ctx = Context {
        policy: &policy,
        pr: pr.as_ref(),
        branch: branch.as_deref(),
        today: Date::today()?,
        head: doc.range.head.as_deref(),
        repo_head: doc.range.head.as_deref(),
        explain: false,
        whole_history: doc.whole_history,
    };
    let commits = doc
        .commits
        .iter()
        .map(|c| {
            let signed = doc
                .reviews
                .get(&c.id)
                .unwrap_or(&crate::commands::NO_REVIEWS);
            evaluate::evaluate_reviewed(&ctx, c, signed)
        })
        .collect::<Result<Vec<_>>>()?;
    let report = evaluate::finish(&ctx, doc.range.clone(), commits);
    Ok((policy, report))
}
