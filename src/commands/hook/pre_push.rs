//! `countersign hook pre-push REMOTE URL`: every ref being pushed, every commit it would
//! send.
//!
//! Per stdin line: deletions are skipped; a fast-forward update checks `remote..local`; a new
//! branch, a force push, or a remote object this clone does not have checks the commits of
//! `local` that are on no `refs/remotes/<REMOTE>/*` ref (pushing to a URL or to a remote that
//! has never been fetched: every commit reachable from `local`, minus the policy baseline).
//!
//! Only updates of protected refs (policy `protect:`; default the remote's default branch
//! and `v*` tags) are enforced per `hooks.pre-push`. Any other branch is pushed *to be
//! reviewed*: the hook accepts it and prints one line per failing commit of what a merge
//! will need. A protected tag is a release: every commit since the previous protected tag
//! (or the baseline) is checked.

use std::path::Path;

use git2::Oid;

use crate::cli::PrePushArgs;
use crate::commands::hook::{
    Out, commit_findings, merge_needs, mode_name, read_stdin, report_blocks,
};
use crate::commands::{limits, load_policy, note};
use crate::evaluate::{self, Context};
use crate::facts::RangeInfo;
use crate::git::staged::ZERO_ID;
use crate::git::walks::{existing_oid, peel_commit, walk_new};
use crate::git::{self, Repo};
use crate::platform::hook_lines::{self, PushLine};
use crate::policy::protect::{FALLBACK_BRANCHES, Protection};
use crate::policy::{HookMode, Policy};
use crate::time::Date;
use crate::{Error, Result};

/// Runs the pre-push hook: 0 lets the push go, 1 stops it.
pub fn run(cwd: &Path, args: &PrePushArgs) -> Result<u8> {
    let lim = limits(&args.limits);
    let repo = git::open(cwd)?;
    let lines = match &args.remote {
        Some(_) => hook_lines::parse_pre_push(&read_stdin(hook_lines::MAX_INPUT_BYTES)?)?,
        None => from_pre_commit_env(&repo)?,
    };
    let remote = args
        .remote
        .clone()
        .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
        .unwrap_or_default();
    let policy = load_policy(repo.workdir(), args.policy.as_deref())?;
    let baseline = baseline(&repo, &policy, git::baseline::head_commit(&repo))?;
    // Refs of this push never hide anything: two refs pushed together must not vouch for
    // each other.
    let pushed: Vec<&str> = lines
        .iter()
        .flat_map(|l| [l.local_ref.as_str(), l.remote_ref.as_str()])
        .collect();
    let defaults = match git::refs::remote_default_branch(&repo, &remote) {
        Some(b) => vec![b],
        None => FALLBACK_BRANCHES
            .iter()
            .map(|b| format!("refs/heads/{b}"))
            .collect(),
    };
    let mode = policy.hooks.pre_push;
    let mut out = Out::new("");
    let mut blocked = false;
    let mut checked = 0usize;
    for line in &lines {
        // Deletions bring no commit; a notes ref (signed reviews) holds data, not code.
        if line.is_delete() || line.remote_ref.starts_with("refs/notes/") {
            continue;
        }
        let local = existing_oid(&repo, &line.local_oid, "the pushed object")?;
        let Some(local) = peel_commit(&repo, local)? else {
            continue;
        };
        let remote_known = Oid::from_str(&line.remote_oid)
            .ok()
            .filter(|_| !line.is_new())
            .filter(|o| git::query::has_object(&repo, *o))
            .filter(|o| git::query::contains(&repo, local, *o));
        let protection = policy.protect.classify(&line.remote_ref, &defaults);
        let (hide, how) = match (protection, remote_known) {
            (Protection::Tag, _) => (
                // A release: everything since the previous protected tag (or the baseline).
                git::refs::tips(&repo, |n| {
                    !pushed.contains(&n) && policy.protect.is_protected_tag(n)
                })?,
                format!(
                    "{} --not <other protected tags> (release tag {})",
                    short(&local),
                    line.remote_ref
                ),
            ),
            (_, Some(r)) => (vec![r], format!("{}..{}", short(&r), short(&local))),
            (protection, None) => {
                // New branch or force push: what the remote already has vouches for history,
                // but only its protected branches do when the target is protected (any other
                // branch may carry commits pushed to be reviewed).
                let prefix = format!("refs/remotes/{remote}/");
                let tips = git::refs::tips(&repo, |n| {
                    n.strip_prefix(&prefix).is_some_and(|b| {
                        b != "HEAD"
                            && (protection == Protection::None
                                || policy
                                    .protect
                                    .classify(&format!("refs/heads/{b}"), &defaults)
                                    != Protection::None)
                    })
                })?;
                let how = if remote.is_empty() || tips.is_empty() {
                    format!(
                        "{} (every reachable commit: no remote-tracking refs of `{remote}` vouch for history)",
                        short(&local)
                    )
                } else {
                    format!(
                        "{} --not refs/remotes/{remote}/<{}> ({})",
                        short(&local),
                        if protection == Protection::None {
                            "*"
                        } else {
                            "protected"
                        },
                        if line.is_new() {
                            "new branch"
                        } else {
                            "force push"
                        }
                    )
                };
                (tips, how)
            }
        };
        let commits = walk_new(&repo, local, &hide, baseline, lim.max_commits)?;
        // The merge rule's base: the remote's tip of this ref when it is known here (also
        // for a force push), else the remote's default branch.
        let target = Oid::from_str(&line.remote_oid)
            .ok()
            .filter(|_| !line.is_new())
            .filter(|o| git::query::has_object(&repo, *o))
            .or_else(|| remote_default(&repo, &remote));
        let range_base = git::range_base(&repo, target, &[local])?;
        checked += commits.len();
        let branch = short_ref(&line.remote_ref);
        let head = local.to_string();
        let repo_head = git::baseline::head_commit(&repo).map(|o| o.to_string());
        let ctx = Context {
            policy: &policy,
            pr: None,
            branch: Some(branch),
            today: Date::today()?,
            head: Some(&head),
            repo_head: repo_head.as_deref(),
            explain: false,
            whole_history: false,
        };
        let reports = crate::commands::pipeline::evaluate(&crate::commands::pipeline::Run {
            repo: &repo,
            policy: &policy,
            ctx: &ctx,
            commits: &commits,
            base: &range_base,
            limits: &lim,
            notes: &[],
            progress: None,
            parents: false,
        })?;
        let report = evaluate::finish(
            &ctx,
            RangeInfo {
                description: how.clone(),
                base: None,
                head: Some(head.clone()),
                branch: Some(branch.to_string()),
            },
            reports,
        );
        if let Some(log) = &args.evidence_log {
            crate::audit::log::append(log, &report, &policy, crate::audit::Mode::PrePush)?;
        }
        if protection == Protection::None {
            merge_needs(&mut out, &line.remote_ref, &report);
            continue;
        }
        let ref_blocks = report_blocks(&report, mode);
        blocked |= ref_blocks;
        // A first push of a long history that predates countersign: how to baseline it,
        // instead of a fix for each of hundreds of commits.
        let opts = crate::report::Options {
            color: false,
            verbose: false,
        };
        if let Some(advice) = crate::report::human::baseline_advice(&report, opts) {
            out.line(format!(
                "countersign pre-push: {} → {} ({} commit(s): {how})",
                line.local_ref,
                line.remote_ref,
                report.commits.len()
            ));
            for l in advice.lines() {
                out.line(l);
            }
            continue;
        }
        let mut any = false;
        for c in &report.commits {
            let header = format!("{} {}", crate::facts::short_id(&c.id), c.subject);
            if !any && c.findings.iter().any(|f| f.waived_by.is_none()) {
                out.line(format!(
                    "countersign pre-push: {} → {} ({} commit(s): {how})",
                    line.local_ref,
                    line.remote_ref,
                    report.commits.len()
                ));
            }
            any |= commit_findings(&mut out, c, mode, Some(&header), true);
        }
    }
    if blocked {
        out.line(format!(
            "countersign pre-push: push stopped (hooks.pre-push: {}); fix the commits above, or check with `countersign check`",
            mode_name(mode)
        ));
    } else if !out.is_empty() && mode == HookMode::Warn {
        out.line("countersign pre-push: reported only (hooks.pre-push: warn); CI will enforce it");
    }
    out.flush();
    if checked > 0 && !blocked {
        note(&format!("pre-push: {checked} commit(s) pass"));
    }
    Ok(u8::from(blocked))
}

/// The policy's baseline as a commit: a full id, an ancestor of `policy_commit` (the commit
/// the policy was read from), else an error (exit 2), as in `check`.
pub fn baseline(repo: &Repo, policy: &Policy, policy_commit: Option<Oid>) -> Result<Option<Oid>> {
    match policy.baseline.as_deref() {
        None => Ok(None),
        Some(b) => git::baseline::verify(repo, b, policy_commit).map(Some),
    }
}

/// The tip of the remote's default branch as this clone knows it
/// (`refs/remotes/<remote>/HEAD`, else `…/main`, else `…/master`).
fn remote_default(repo: &Repo, remote: &str) -> Option<Oid> {
    if remote.is_empty() {
        return None;
    }
    ["HEAD", "main", "master"].iter().find_map(|b| {
        let oid = git::query::ref_target(repo, &format!("refs/remotes/{remote}/{b}"))
            .ok()
            .flatten()?;
        peel_commit(repo, oid).ok().flatten()
    })
}

/// pre-commit's pre-push stage passes no stdin: it sets `PRE_COMMIT_FROM_REF` and
/// `PRE_COMMIT_TO_REF` for the first pushed ref only (see the README).
fn from_pre_commit_env(repo: &Repo) -> Result<Vec<PushLine>> {
    let to = std::env::var("PRE_COMMIT_TO_REF").map_err(|_| {
        Error::usage("hook pre-push needs REMOTE and URL (git passes them) and git's lines on stdin")
            .with_help("install it with `countersign hook install`, or call it from a hook as `countersign hook pre-push \"$@\"`")
    })?;
    let rev = |r: &str| -> Result<String> {
        git::query::rev_parse(repo, r)
            .map(|o| o.to_string())
            .map_err(|e| Error::input(format!("pre-commit ref {}", e.message)))
    };
    let from = match std::env::var("PRE_COMMIT_FROM_REF") {
        Ok(f) if !f.is_empty() => rev(&f)?,
        _ => ZERO_ID.to_string(),
    };
    let remote_ref = std::env::var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_else(|_| "HEAD".into());
    Ok(vec![PushLine {
        local_ref: to.clone(),
        local_oid: rev(&to)?,
        remote_ref,
        remote_oid: from,
    }])
}

/// `refs/heads/x` → `x` (other refs unchanged).
pub fn short_ref(r: &str) -> &str {
    r.strip_prefix("refs/heads/").unwrap_or(r)
}

fn short(o: &Oid) -> String {
    crate::facts::short_id(&o.to_string()).to_string()
}
