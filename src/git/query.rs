//! Small questions the commands ask the repository, answered here so that `commands/` never
//! reaches into libgit2 itself and every fail-closed decision about history (a missing
//! merge-base in a shallow clone, a ref that cannot be read) lives in the git layer once.

use std::path::PathBuf;

use git2::{ErrorCode, Oid};

use super::Repo;
use crate::{Error, Result};

/// The commit a full ref name points at: `None` when the ref does not exist; an error when
/// it exists but cannot be read (never taken for absence).
pub fn ref_target(repo: &Repo, name: &str) -> Result<Option<Oid>> {
    match repo.raw().refname_to_id(name) {
        Ok(oid) => Ok(Some(oid)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(
            Error::repo(format!("cannot read the ref {name}: {}", e.message()))
                .with_help("run `git fsck`; the ref may be damaged"),
        ),
    }
}

/// Whether the ref exists (an unreadable ref counts as existing: callers use this to refuse).
pub fn ref_exists(repo: &Repo, name: &str) -> bool {
    !matches!(ref_target(repo, name), Ok(None))
}

/// Whether the object is in this repository's object store.
pub fn has_object(repo: &Repo, oid: Oid) -> bool {
    repo.raw().odb().is_ok_and(|db| db.exists(oid))
}

/// Whether `ancestor` is `commit` or one of its ancestors. An unreadable history answers
/// `false`: the callers then treat the update as a rewrite, which is checked more strictly.
pub fn contains(repo: &Repo, commit: Oid, ancestor: Oid) -> bool {
    commit == ancestor
        || repo
            .raw()
            .graph_descendant_of(commit, ancestor)
            .unwrap_or(false)
}

/// The merge-base of `base` and `head`, or exit 2: no merge-base in a shallow clone means the
/// range cannot be proven complete; in a full clone, unrelated histories. `depth_help` says
/// how to fetch the missing history where the caller runs (CI settings, or `git fetch`).
pub fn merge_base(repo: &Repo, base: Oid, head: Oid, depth_help: &str) -> Result<Oid> {
    match repo.raw().merge_base(base, head) {
        Ok(m) => Ok(m),
        Err(e) if e.code() == ErrorCode::NotFound => Err(if repo.is_shallow() {
            Error::incomplete(format!(
                "{base} and {head} have no merge-base in this shallow clone: the range cannot be proven complete"
            ))
            .with_help(depth_help)
        } else {
            Error::incomplete(format!(
                "the base {base} and the head {head} share no history (no merge-base)"
            ))
            .with_help("the change must be based on its target branch; rebase it onto the target")
        }),
        Err(e) => Err(Error::incomplete(format!(
            "cannot compute the merge-base of {base} and {head}: {}",
            e.message()
        ))
        .with_help(depth_help)),
    }
}

/// A git configuration value (`user.name`, `user.signingKey`), trimmed; `None` when unset or
/// blank.
pub fn config_string(repo: &Repo, key: &str) -> Result<Option<String>> {
    let cfg = repo.raw().config()?;
    Ok(cfg
        .get_string(key)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty()))
}

/// A git configuration path (`core.hooksPath`, with `~` expanded as git does); `None` when
/// unset or empty.
pub fn config_path(repo: &Repo, key: &str) -> Result<Option<PathBuf>> {
    let cfg = repo.raw().config()?;
    match cfg.get_path(key) {
        Ok(p) if !p.as_os_str().is_empty() => Ok(Some(p)),
        Ok(_) => Ok(None),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(Error::repo(format!("cannot read {key}: {}", e.message()))
            .with_help(format!("check the value of `git config {key}`"))),
    }
}

/// The repository's common directory (shared by its worktrees; where hooks live).
pub fn common_dir(repo: &Repo) -> PathBuf {
    repo.raw().commondir().to_path_buf()
}

/// The tree id and parent ids of a commit.
pub fn tree_and_parents(repo: &Repo, commit: Oid) -> Result<(Oid, Vec<Oid>)> {
    let c = repo.raw().find_commit(commit)?;
    Ok((c.tree_id(), c.parent_ids().collect()))
}

/// Whether the repository has any ref, and the names of its branches (without
/// `refs/heads/`; lossy for names that are not UTF-8, which are only shown).
pub fn branches(repo: &Repo) -> Result<(bool, Vec<String>)> {
    let mut any = false;
    let mut out = Vec::new();
    for r in repo.raw().references()? {
        let r = r?;
        any = true;
        if let Some(b) = r.name_bytes().strip_prefix(b"refs/heads/") {
            out.push(String::from_utf8_lossy(b).into_owned());
        }
    }
    Ok((any, out))
}

/// What `git rev-parse REV` names (any object).
pub fn rev_parse(repo: &Repo, rev: &str) -> Result<Oid> {
    repo.raw()
        .revparse_single(rev)
        .map(|o| o.id())
        .map_err(|e| Error::input(format!("`{rev}`: {}", e.message())))
}
