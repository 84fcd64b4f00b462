//! `countersign hook pre-receive`: the server-side gate. No skip switch, no warn mode.
//!
//! - The repository is opened from the environment, so the pushed objects (still in git's
//!   quarantine) are visible; an object that cannot be found rejects the push (exit 2),
//!   never "no commits".
//! - Per ref: a creation checks `new --not --all` (commits on no existing ref); an update
//!   checks `old..new` (every commit entering the ref, force pushes included: the whole new
//!   side since the merge-base); a deletion is allowed unless the ref is the repository's
//!   default branch (what `HEAD` points at), which is rejected.
//! - The policy comes from the **old tip** of the ref (for a new ref: the default branch's
//!   tip), never from the pushed commits. When that commit has no policy file, the embedded
//!   default policy applies (said in the output), as it does for `check`.
//! - Under GitLab (`GL_ID`, `GL_PROJECT_PATH` or `GL_REPOSITORY` set), every output line
//!   starts with `GL-HOOK-ERR: ` so the pushing user sees it.

use std::path::Path;

use git2::Oid;

use crate::cli::PreReceiveArgs;
use crate::commands::hook::pre_push::{baseline, short_ref};
use crate::commands::hook::{Out, commit_findings, read_stdin, report_blocks};
use crate::commands::limits;
use crate::evaluate::{self, Context};
use crate::facts::RangeInfo;
use crate::git::walks::{existing_oid, peel_commit, walk_new};
use crate::git::{self, Repo};
use crate::platform::hook_lines::{self, ReceiveLine};
use crate::policy::load::{self, DISCOVERY};
use crate::policy::{HookMode, Origin, Policy};
use crate::time::Date;
use crate::{Error, Result};

/// Runs the pre-receive hook: 0 accepts the push, 1 rejects it (policy), 2 rejects it
/// (could not decide). Errors are printed here, with the GitLab prefix when needed.
pub fn run(cwd: &Path, args: &PreReceiveArgs) -> Result<u8> {
    let prefix = if ["GL_ID", "GL_PROJECT_PATH", "GL_REPOSITORY"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
    {
        "GL-HOOK-ERR: "
    } else {
        ""
    };
    let mut out = Out::new(prefix);
    let code = match check(cwd, args, &mut out) {
        Ok(code) => code,
        Err(e) => {
            out.line(format!(
                "countersign: push rejected: could not decide: {}",
                e.message
            ));
            if let Some(h) = &e.help {
                out.line(format!("  help: {h}"));
            }
            2
        }
    };
    out.flush();
    Ok(code)
}

fn check(cwd: &Path, args: &PreReceiveArgs, out: &mut Out) -> Result<u8> {
    let lim = limits(&args.limits);
    let lines = hook_lines::parse_pre_receive(&read_stdin(hook_lines::MAX_INPUT_BYTES)?)?;
    let repo = git::open(cwd)?;
    let default_ref = default_branch(&repo);
    let mut rejected = false;
    for line in &lines {
        if line.is_delete() {
            if default_ref.as_deref() == Some(line.refname.as_str()) {
                out.line(format!(
                    "countersign: deleting `{}` is not allowed: it is the repository's default branch",
                    line.refname
                ));
                rejected = true;
            }
            continue;
        }
        rejected |= check_ref(
            &repo,
            line,
            default_ref.as_deref(),
            &lim,
            args.evidence_log.as_deref(),
            out,
        )?;
    }
    if rejected {
        out.line("countersign: push rejected (the policy is read from the target branch before this push)");
    }
    Ok(u8::from(rejected))
}

fn check_ref(
    repo: &Repo,
    line: &ReceiveLine,
    default_ref: Option<&str>,
    lim: &git::Limits,
    evidence_log: Option<&Path>,
    out: &mut Out,
) -> Result<bool> {
    let new = existing_oid(repo, &line.new, "the pushed object")?;
    let old = if line.is_create() {
        None
    } else {
        let o = existing_oid(repo, &line.old, "the ref's current object")?;
        peel_commit(repo, o)?
    };
    let Some(new) = peel_commit(repo, new)? else {
        // A tag of a tree or blob brings no commit.
        return Ok(false);
    };
    let base = match old {
        Some(o) => Some(o),
        None => match default_ref {
            Some(r) => match repo.raw().refname_to_id(r) {
                Ok(id) => peel_commit(repo, id)?,
                Err(_) => None,
            },
            None => None,
        },
    };
    let policy = policy_at(repo, base)?;
    let baseline = baseline(repo, &policy)?;
    let (hide, how) = match old {
        Some(o) => (vec![o], format!("{}..{}", &line.old, &line.new)),
        None => (all_ref_tips(repo)?, format!("{} --not --all", &line.new)),
    };
    let commits = walk_new(repo, new, &hide, baseline, lim.max_commits)?;
    // The merge rule's base: what the ref had, or for a new ref the default branch.
    let range_base = git::range_base(repo, base, &[new])?;
    let branch = short_ref(&line.refname);
    let head = new.to_string();
    let ctx = Context {
        policy: &policy,
        pr: None,
        branch: Some(branch),
        today: Date::today(),
        head: Some(&head),
        explain: false,
        whole_history: false,
    };
    let results = git::scan(repo, &commits, &range_base, lim, |c| {
        evaluate::evaluate_commit(&ctx, &c)
    })?;
    let reports = results.into_iter().collect::<Result<Vec<_>>>()?;
    let report = evaluate::finish(
        &ctx,
        RangeInfo {
            description: how.clone(),
            base: old.map(|o| o.to_string()),
            head: Some(head.clone()),
            branch: Some(branch.to_string()),
        },
        reports,
    );
    if let Some(log) = evidence_log {
        crate::audit::log::append(log, &report, &policy, crate::audit::Mode::PreReceive)?;
    }
    if !report_blocks(&report, HookMode::Enforce) {
        return Ok(false);
    }
    out.line(format!(
        "countersign: {} ({} commit(s): {how}) violates the policy ({})",
        line.refname,
        report.commits.len(),
        policy.source.name()
    ));
    for c in &report.commits {
        if c.is_failing() {
            let header = format!(
                "{} {}",
                c.id.chars().take(10).collect::<String>(),
                c.subject
            );
            commit_findings(out, c, HookMode::Enforce, Some(&header), true);
        }
    }
    Ok(true)
}

/// The ref `HEAD` points at (the default branch of a bare repository).
fn default_branch(repo: &Repo) -> Option<String> {
    let head = repo.raw().find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok().flatten()?;
    Some(target.to_string())
}

/// The policy in the tree of `base` (first of the discovery names), else the embedded
/// default. An invalid policy is an error (the push is rejected).
fn policy_at(repo: &Repo, base: Option<Oid>) -> Result<Policy> {
    let Some(base) = base else {
        return Ok(load::default_policy());
    };
    let rev = base.to_string();
    if let Some((path, text)) = crate::commands::policy_text_at(repo, &rev, DISCOVERY)? {
        return load::load(
            &text,
            Origin::Commit {
                path: path.clone(),
                commit: rev.clone(),
            },
        )
        .map_err(|e| {
            Error::policy(format!(
                "the policy {path} at {rev} (the target branch) is invalid: {} problem(s)",
                e.diagnostics.len()
            ))
            .with_help("fix the policy on the target branch first (`countersign policy check`)")
        });
    }
    Ok(load::default_policy())
}

/// The commits at the tips of every ref and `HEAD` (`--all`); refs that name no commit
/// (tags of blobs) are skipped, unreadable ones are an error.
fn all_ref_tips(repo: &Repo) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    for r in repo.raw().references()? {
        let r = r?;
        let Ok(r) = r.resolve() else { continue };
        if let Some(oid) = r.target()
            && let Some(c) = peel_commit(repo, oid)?
        {
            out.push(c);
        }
    }
    Ok(out)
}
