//! The policy's `baseline:` checked against the repository (issue 11, class 7).
//!
//! A baseline hides history from every check, so it must not be something a pusher can aim:
//! the policy loader already demands a full commit id (no tag, branch or abbreviation that a
//! new ref could move or shadow); here it must name a commit object that this clone has and
//! that is an ancestor of (or is) the commit the policy was read from. A baseline that points
//! at a commit of the change under test (or of any other line of history) would otherwise
//! hide that change.

use git2::{ObjectType, Oid};

use crate::error::{Error, Result};
use crate::git::Repo;

/// Checks `baseline` (the policy's full commit id) against `policy_commit`, the commit the
/// policy was read from (`check`: `HEAD`; `ci` and `pre-receive`: the base). Returns the
/// baseline commit. Exit 2 (an error with the fix) when it is not a full id, not a commit in
/// this clone, or not an ancestor of `policy_commit` (or when there is no such commit).
pub fn verify(repo: &Repo, baseline: &str, policy_commit: Option<Oid>) -> Result<Oid> {
    let fix = |what: &str| {
        format!(
            "set `baseline:` to the full id of a commit {what} (`git rev-parse <rev>^{{commit}}`), or remove it"
        )
    };
    let id = Oid::from_str(baseline)
        .ok()
        .filter(|_| baseline.len() == 40 || baseline.len() == 64)
        .ok_or_else(|| {
            Error::policy(format!(
                "the policy's `baseline: {baseline}` is not a full commit id"
            ))
            .with_help(fix("on the protected branch"))
        })?;
    let g = repo.raw();
    let kind = g.find_object(id, None).ok().and_then(|o| o.kind());
    match kind {
        Some(ObjectType::Commit) => {}
        Some(other) => {
            return Err(Error::policy(format!(
                "the policy's baseline {baseline} is a {other}, not a commit"
            ))
            .with_help(fix("on the protected branch")));
        }
        None if repo.is_shallow() => {
            return Err(Error::incomplete(format!(
                "the policy's baseline {baseline} is not in this shallow clone"
            ))
            .with_help(super::SHALLOW_HELP));
        }
        None => {
            return Err(Error::repo(format!(
                "the policy's baseline {baseline} is not a commit in this repository"
            ))
            .with_help(format!(
                "fetch it (`git fetch`, `fetch-depth: 0`), or {}",
                fix("on the protected branch")
            )));
        }
    }
    let Some(at) = policy_commit else {
        return Err(Error::policy(format!(
            "the policy sets `baseline: {baseline}`, but it was not read from a commit whose ancestry can be checked (no commit at HEAD)"
        ))
        .with_help("commit the policy first, or remove `baseline:`"));
    };
    if at == id {
        return Ok(id);
    }
    match g.graph_descendant_of(at, id) {
        Ok(true) => Ok(id),
        Ok(false) if repo.is_shallow() => Err(Error::incomplete(format!(
            "the policy's baseline {baseline} is not an ancestor of {at} in this shallow clone"
        ))
        .with_help(super::SHALLOW_HELP)),
        Ok(false) => Err(Error::policy(format!(
            "the policy's baseline {baseline} is not an ancestor of {at}, the commit the policy was read from: it would hide history that is not the protected branch's"
        ))
        .with_help(fix(&format!("reachable from {at}")))),
        Err(e) => Err(Error::repo(format!(
            "cannot tell whether the baseline {baseline} is an ancestor of {at}: {}",
            e.message()
        ))
        .with_help("run `git fsck`; fetch the full history (`fetch-depth: 0`)")),
    }
}

/// The commit `HEAD` points at (the policy's commit for `check`, `audit`, `facts` and the
/// client hooks, which read the policy from the work tree); `None` on an unborn branch.
/// Resolved from object headers (no commit is read whole: a huge one stays unread).
pub fn head_commit(repo: &Repo) -> Option<Oid> {
    let target = repo.raw().head().ok()?.resolve().ok()?.target()?;
    crate::git::peel_commit_id(repo, target, crate::git::scan::MAX_COMMIT_OBJECT)
        .ok()
        .flatten()
}
