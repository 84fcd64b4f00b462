//! `countersign hook pre-receive`: the server-side gate. No skip switch, no warn mode.
//!
//! - The repository is opened from the environment, so the pushed objects (still in git's
//!   quarantine) are visible; an object that cannot be found rejects the push (exit 2),
//!   never "no commits".
//! - Only protected refs are enforced (policy `protect:` read from the default branch;
//!   default: the branch `HEAD` names and `v*` tags). Other refs are accepted with one line
//!   per failing commit of what a merge will need, so work can be pushed to be reviewed.
//! - Per protected ref: a creation checks `new --not --all` (commits on no existing ref); an
//!   update checks `old..new` (every commit entering the ref, force pushes included: the
//!   whole new side since the merge-base); a protected tag (a release) checks every commit
//!   since the earlier protected tags. Deleting a protected ref or the default branch is
//!   rejected; so is creating or updating any `refs/replace/*` ref.
//! - `HEAD` must name an existing branch once the repository has refs: a detached or unborn
//!   `HEAD` rejects every push with the fix (`git symbolic-ref HEAD refs/heads/main`), so a
//!   re-created default branch never falls back to the embedded default policy.
//! - The policy comes from the **old tip** of the ref (for a new ref: the default branch's
//!   tip), never from the pushed commits. When that commit has no policy file, the embedded
//!   default policy applies (said in the output), as it does for `check`.
//! - Under GitLab (`GL_ID`, `GL_PROJECT_PATH` or `GL_REPOSITORY` set), every output line
//!   starts with `GL-HOOK-ERR: ` so the pushing user sees it.

use std::path::Path;

use git2::Oid;

use crate::cli::PreReceiveArgs;
use crate::commands::hook::pre_push::{baseline, short_ref};
use crate::commands::hook::{Out, commit_findings, merge_needs, read_stdin, report_blocks};
use crate::commands::limits;
use crate::evaluate::{self, Context};
use crate::facts::RangeInfo;
use crate::git::walks::{existing_oid, peel_commit, walk_new};
use crate::git::{self, Repo};
use crate::platform::hook_lines::{self, ReceiveLine};
use crate::policy::load::{self, DISCOVERY};
use crate::policy::protect::{FALLBACK_BRANCHES, Protection};
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
    let default_ref = git::refs::head_target(&repo);
    check_head(&repo, default_ref.as_deref())?;
    let defaults: Vec<String> = match &default_ref {
        Some(r) => vec![r.clone()],
        None => FALLBACK_BRANCHES
            .iter()
            .map(|b| format!("refs/heads/{b}"))
            .collect(),
    };
    let pushed: Vec<&str> = lines.iter().map(|l| l.refname.as_str()).collect();
    // Which refs are protected is the default branch's word (its policy), not the word of
    // the ref being pushed, whose old tip may predate the `protect:` section.
    let authority = policy_at(&repo, default_tip(&repo, default_ref.as_deref())?)?;
    let (notes, mut rejected) = pushed_notes(&repo, &lines, out)?;
    for line in &lines {
        if line.refname.starts_with("refs/notes/") {
            // Notes are data (signed reviews), judged by `pushed_notes` above.
            continue;
        }
        if line.refname.starts_with("refs/replace/") && !line.is_delete() {
            // A replace ref rewrites the history every fetcher of it sees.
            out.line(format!(
                "countersign: pushing `{}` is not allowed: replace refs rewrite history for everyone who fetches them",
                line.refname
            ));
            rejected = true;
            continue;
        }
        if line.is_delete() {
            let protected = default_ref.as_deref() == Some(line.refname.as_str())
                || authority.protect.classify(&line.refname, &defaults) != Protection::None;
            if protected {
                out.line(format!(
                    "countersign: deleting `{}` is not allowed: it is a protected ref (policy `protect:`, or the default branch)",
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
            &authority,
            &defaults,
            &pushed,
            &notes,
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

/// The commit the default branch points at, when it exists.
fn default_tip(repo: &Repo, default_ref: Option<&str>) -> Result<Option<Oid>> {
    match default_ref {
        Some(r) => match git::query::ref_target(repo, r)? {
            Some(id) => peel_commit(repo, id),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_ref(
    repo: &Repo,
    line: &ReceiveLine,
    default_ref: Option<&str>,
    authority: &Policy,
    defaults: &[String],
    pushed: &[&str],
    notes: &[Oid],
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
        None => default_tip(repo, default_ref)?,
    };
    let mut policy = policy_at(repo, base)?;
    crate::commands::load_signers(Some(repo), &mut policy, None)?;
    let baseline = baseline(repo, &policy, base)?;
    let protection = authority.protect.classify(&line.refname, defaults);
    // Refs of this push never hide anything (two refs pushed together must not vouch for
    // each other); only protected refs vouch for history, since any other branch may carry
    // unreviewed commits pushed to be reviewed.
    let others = |n: &str| !pushed.contains(&n);
    let (hide, how) = match (protection, old) {
        (Protection::Tag, _) => (
            // A release: everything since the previous protected tag (or the baseline).
            git::refs::tips(repo, |n| others(n) && authority.protect.is_protected_tag(n))?,
            format!("{} --not <earlier protected tags> (release)", &line.new),
        ),
        (_, Some(o)) => (vec![o], format!("{}..{}", &line.old, &line.new)),
        (Protection::Branch, None) => (
            git::refs::tips(repo, |n| {
                others(n) && authority.protect.classify(n, defaults) != Protection::None
            })?,
            format!("{} --not <protected refs>", &line.new),
        ),
        (Protection::None, None) => (
            git::refs::tips(repo, others)?,
            format!("{} --not --all", &line.new),
        ),
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
        today: Date::today()?,
        head: Some(&head),
        repo_head: Some(&head),
        explain: false,
        whole_history: false,
    };
    let reports = crate::commands::pipeline::evaluate(&crate::commands::pipeline::Run {
        repo,
        policy: &policy,
        ctx: &ctx,
        commits: &commits,
        base: &range_base,
        limits: lim,
        notes,
        progress: None,
        parents: false,
    })?;
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
    if protection == Protection::None {
        merge_needs(out, &line.refname, &report);
        return Ok(false);
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
            let header = format!("{} {}", crate::facts::short_id(&c.id), c.subject);
            commit_findings(out, c, HookMode::Enforce, Some(&header), true);
        }
    }
    Ok(true)
}

/// The server must know its protected branch (issue 11, class 10). `HEAD` names it; when
/// `HEAD` is detached, or names a branch that does not exist (unborn: deleted, or `HEAD`
/// left at `master` while the work is on `main`) in a repository that already has refs, a
/// push could re-create the default branch under the embedded default policy, or delete the
/// real one. Every push is rejected until `HEAD` is set. An empty repository (no refs yet)
/// takes its first push under the embedded default policy, as documented.
fn check_head(repo: &Repo, default_ref: Option<&str>) -> Result<()> {
    let exists = default_ref.is_some_and(|r| git::query::ref_exists(repo, r));
    if exists {
        return Ok(());
    }
    let (any, branches) = git::query::branches(repo)?;
    if !any {
        return Ok(());
    }
    let suggest = ["main", "master"]
        .iter()
        .find(|b| branches.iter().any(|x| x == *b))
        .map(|b| (*b).to_string())
        .or_else(|| branches.first().cloned())
        .unwrap_or_else(|| "main".into());
    let what = match default_ref {
        Some(r) => format!("the server's HEAD names `{r}`, which does not exist"),
        None => "the server's HEAD is detached (it names no branch)".to_string(),
    };
    Err(Error::repo(format!(
        "{what}: the protected default branch is unknown, so no push can be checked against its policy"
    ))
    .with_help(format!(
        "on the server, point HEAD at the protected branch: `git symbolic-ref HEAD refs/heads/{suggest}`"
    )))
}

/// The pushed value of `refs/notes/countersign`, read (through the quarantine) together with
/// the current one when judging the other refs of the same push: a reviewer can push the
/// notes and the branch at once. Signed reviews only count by their signatures, so reading
/// pushed notes cannot make anything pass that is not signed by a registered key. The notes
/// ref may only move forward: a deletion or a non-fast-forward update would drop reviews
/// others signed, so it is rejected (returned `true`).
fn pushed_notes(repo: &Repo, lines: &[ReceiveLine], out: &mut Out) -> Result<(Vec<Oid>, bool)> {
    let mut notes = Vec::new();
    let mut rejected = false;
    for line in lines
        .iter()
        .filter(|l| l.refname == crate::review::NOTES_REF)
    {
        if line.is_delete() {
            out.line(format!(
                "countersign: deleting `{}` is not allowed: it holds the signed reviews",
                line.refname
            ));
            rejected = true;
            continue;
        }
        let new = existing_oid(repo, &line.new, "the pushed notes commit")?;
        if !line.is_create() {
            let old = existing_oid(repo, &line.old, "the notes ref's current commit")?;
            let ff = git::query::contains(repo, new, old);
            if !ff {
                out.line(format!(
                    "countersign: `{}` may only move forward (a forced update drops reviews): fetch it, merge with `git notes --ref=countersign merge -s cat_sort_uniq FETCHED`, push again (`countersign review --push` does this)",
                    line.refname
                ));
                rejected = true;
                continue;
            }
        }
        notes.push(new);
    }
    Ok((notes, rejected))
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
