//! The refs the push hooks ask about: the repository's default branch (as the server or a
//! remote names it) and the tips of protected tags.

use git2::Oid;

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::git::walks::peel_commit;

/// The full ref `HEAD` points at (`refs/heads/main` in a bare server repository), whether or
/// not that branch exists yet.
pub fn head_target(repo: &Repo) -> Option<String> {
    let head = repo.raw().find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok().flatten()?;
    Some(target.to_string())
}

/// The default branch of `remote` as known locally (`refs/remotes/<remote>/HEAD`, written
/// by `git clone` and `git remote set-head`), as the remote's own ref name
/// (`refs/heads/main`).
pub fn remote_default_branch(repo: &Repo, remote: &str) -> Option<String> {
    if remote.is_empty() {
        return None;
    }
    let r = repo
        .raw()
        .find_reference(&format!("refs/remotes/{remote}/HEAD"))
        .ok()?;
    let target = r.symbolic_target().ok().flatten()?;
    let branch = target.strip_prefix(&format!("refs/remotes/{remote}/"))?;
    Some(format!("refs/heads/{branch}"))
}

/// The commits at the tips of the refs whose full name `keep` accepts (symbolic refs
/// resolved; refs naming no commit, such as tags of blobs, skipped). A ref whose name is not
/// UTF-8 is skipped: callers use tips to *hide* history, so skipping one checks more
/// commits, never fewer.
pub fn tips(repo: &Repo, keep: impl Fn(&str) -> bool) -> Result<Vec<Oid>> {
    let err = |e: git2::Error| {
        Error::repo(format!(
            "cannot read the repository's refs: {}",
            e.message()
        ))
        .with_help("run `git fsck`; the refs may be damaged")
    };
    let mut out = Vec::new();
    for r in repo.raw().references().map_err(err)? {
        let r = r.map_err(err)?;
        let Ok(name) = r.name() else { continue };
        if !keep(name) {
            continue;
        }
        let Ok(r) = r.resolve() else { continue };
        if let Some(oid) = r.target()
            && let Some(c) = peel_commit(repo, oid)?
        {
            out.push(c);
        }
    }
    Ok(out)
}
