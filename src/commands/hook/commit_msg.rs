//! `countersign hook commit-msg FILE`: the commit-to-be, evaluated like `check` will
//! evaluate the recorded commit.
//!
//! Fast path (the hook must feel instant): one repository open, one policy load, one
//! tree-to-index comparison, no history walk.

use std::path::Path;

use crate::cli::CommitMsgArgs;
use crate::commands::hook::{
    Out, blocks, commit_findings, mode_name, record_formats, report_blocks, resolve, trailer_lines,
};
use crate::commands::{limits, load_policy, read_input};
use crate::evaluate::{self, Context};
use crate::facts::RangeInfo;
use crate::findings::{Code, Severity};
use crate::git;
use crate::git::staged;
use crate::policy::HookMode;
use crate::time::Date;
use crate::{Error, Result};

/// The most bytes of the message file read (it holds the whole diff with `git commit -v`).
const MAX_FILE_BYTES: u64 = 256 << 20;

/// Runs the commit-msg hook: 0 lets the commit happen, 1 stops it.
pub fn run(cwd: &Path, args: &CommitMsgArgs) -> Result<u8> {
    let limits = limits(&args.limits);
    let file = resolve(cwd, &args.file);
    let raw = read_input(&file, MAX_FILE_BYTES).map_err(|e| {
        Error::input(format!("commit-msg: {}", e.message)).with_help(
            "git passes the message file as the only argument: `countersign hook commit-msg .git/COMMIT_EDITMSG`",
        )
    })?;
    let repo = git::open(cwd)?;
    let settings = staged::cleanup_settings(&repo, &raw)?;
    let msg = staged::cleanup(&raw, &settings);
    if msg.is_empty() {
        // git aborts a commit with an empty message itself.
        return Ok(0);
    }
    if msg.len() > limits.max_message_bytes {
        return Err(Error::limit(format!(
            "the commit message is {} bytes, more than {} (limit max_message_bytes)",
            msg.len(),
            limits.max_message_bytes
        ))
        .with_help("shorten the message or raise --max-message-bytes"));
    }
    let policy = load_policy(repo.workdir(), args.policy.as_deref())?;
    let commit = staged::commit_to_be(&repo, msg, limits.max_paths_per_commit)?;
    let branch = repo.current_branch();
    // Review evidence that can only exist after the commit (platform approvals, signed
    // reviews) is never demanded of the commit being made: it has no approvals yet (a fact,
    // not missing data), and a missing reviewer is what the merge will need, not an error.
    let later = !policy.evidence.review.evidence_in_commit();
    let no_approvals_yet = crate::facts::PullRequest {
        approvals: Some(Vec::new()),
        ..Default::default()
    };
    let ctx = Context {
        policy: &policy,
        pr: later.then_some(&no_approvals_yet),
        branch: branch.as_deref(),
        today: Date::today()?,
        head: None,
        repo_head: None,
        explain: false,
        whole_history: false,
    };
    let report = evaluate::finish(
        &ctx,
        RangeInfo {
            description: "the commit being made (staged changes)".into(),
            base: None,
            head: None,
            branch: branch.clone(),
        },
        vec![evaluate::evaluate_commit(&ctx, &commit)?],
    );
    let mut report = report;
    let mut merge_needs = None;
    if later {
        for f in report
            .commits
            .iter_mut()
            .flat_map(|c| c.findings.iter_mut())
            .filter(|f| f.code == Code::MissingReviewer && f.waived_by.is_none())
        {
            f.severity = Severity::Warning;
            merge_needs = Some(later_evidence(&policy));
        }
        let commits = std::mem::take(&mut report.commits);
        report = evaluate::finish(&ctx, report.range.clone(), commits);
    }
    if let Some(log) = &args.evidence_log {
        crate::audit::log::append(log, &report, &policy, crate::audit::Mode::CommitMsg)?;
    }
    let mode = policy.hooks.commit_msg;
    let Some(c) = report.commits.first() else {
        return Ok(0);
    };
    let mut out = Out::new("");
    let blocked = report_blocks(&report, mode);
    let tier = c.tier.as_deref().unwrap_or("none");
    let head = format!(
        "countersign commit-msg: {} (tier `{tier}`, AI involvement: {}, {} staged path(s))",
        if blocked {
            "commit stopped"
        } else {
            "this commit will need evidence before it can merge"
        },
        c.involvement.as_str(),
        c.paths_changed
    );
    if !commit_findings(&mut out, c, mode, Some(&head), true) {
        return Ok(0);
    }
    if let Some(need) = &merge_needs {
        out.line(format!(
            "the merge will need a reviewer (evidence.review: {}): {need}",
            policy.evidence.review.describe()
        ));
    }
    let trailers = trailer_lines(&policy, c);
    if !trailers.is_empty() {
        out.line("add these lines to the last paragraph of the message (after review):");
        for t in &trailers {
            out.line(format!("  {t}"));
        }
        if trailers.iter().any(|t| t.ends_with("<id>"))
            && let Some(f) = record_formats(&policy)
        {
            out.line(format!("  (change record formats: {f})"));
        }
    }
    let soft = c
        .findings
        .iter()
        .any(|f| f.is_blocking() && !blocks(f, mode));
    if mode == HookMode::Warn && soft {
        out.line(format!(
            "(hooks.commit-msg: {}: missing evidence is reported, not blocking; CI and the server hook enforce it)",
            mode_name(mode)
        ));
    }
    if blocked {
        out.line("your message is saved in .git/COMMIT_EDITMSG; `git commit -e -F .git/COMMIT_EDITMSG` reuses it");
    }
    out.flush();
    Ok(u8::from(blocked))
}

/// What review evidence the merge will need, when none of it can be in the commit itself.
fn later_evidence(policy: &crate::policy::Policy) -> String {
    use crate::policy::ReviewMode;
    let ways: Vec<&str> = policy
        .evidence
        .review
        .0
        .iter()
        .map(|m| match m {
            ReviewMode::Signed => {
                "a signed review (`countersign review`, pushed to refs/notes/countersign)"
            }
            ReviewMode::Approval => "a pull/merge request approval",
            ReviewMode::TrailerAndApproval => {
                "a `Reviewed-by:` trailer and that person's pull/merge request approval"
            }
            ReviewMode::Trailer => "a `Reviewed-by:` trailer",
        })
        .collect();
    format!(
        "{}, by someone who did not write the change",
        ways.join(" or ")
    )
}
