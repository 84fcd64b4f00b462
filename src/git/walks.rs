//! The commit walks the push hooks need: object ids from hook input checked to exist,
//! tags peeled to commits, and `new --not <refs>` walks that fail rather than return fewer
//! commits.

use git2::{Oid, Sort};

use crate::error::{Error, Result};
use crate::git::Repo;

/// Parses an object id from hook input and checks the object exists (missing objects are
/// an `incomplete` error: never "no commits").
pub fn existing_oid(repo: &Repo, hex: &str, what: &str) -> Result<Oid> {
    let oid = Oid::from_str(hex).map_err(|e| {
        Error::input(format!(
            "{what} `{hex}` is not an object id: {}",
            e.message()
        ))
    })?;
    let odb = repo.raw().odb()?;
    if !odb.exists(oid) {
        return Err(
            Error::incomplete(format!("{what} {hex} is not in this repository")).with_help(
                "in pre-receive, countersign must see git's quarantine (GIT_OBJECT_DIRECTORY and \
             GIT_ALTERNATE_OBJECT_DIRECTORIES); do not clear the environment in the hook script; \
             in pre-push, fetch first",
            ),
        );
    }
    Ok(oid)
}

/// Peels `oid` (a commit or an annotated tag) to a commit; `None` when it names no commit
/// (a tag of a tree or blob). Objects are size-checked from their headers before they are
/// read ([`crate::git::peel_commit_id`], at most [`crate::git::scan::MAX_COMMIT_OBJECT`];
/// the scan then holds every commit of the range to the run's own limit).
pub fn peel_commit(repo: &Repo, oid: Oid) -> Result<Option<Oid>> {
    crate::git::peel_commit_id(repo, oid, crate::git::scan::MAX_COMMIT_OBJECT)
}

/// The commits reachable from `tip` and from none of `hide` (nor the `baseline`), newest
/// first, all parents. Fails (never returns fewer commits) when the walk cannot be completed.
pub fn walk_new(
    repo: &Repo,
    tip: Oid,
    hide: &[Oid],
    baseline: Option<Oid>,
    max_commits: usize,
) -> Result<Vec<Oid>> {
    repo.refuse_grafts()?;
    let g = repo.raw();
    let err = |e: git2::Error| {
        Error::incomplete(format!("cannot walk the history: {}", e.message())).with_help(
            "the repository is missing objects (shallow clone or quarantine not visible); \
             `git fetch --unshallow`, or keep GIT_OBJECT_DIRECTORY in the hook's environment",
        )
    };
    let mut w = g.revwalk().map_err(err)?;
    w.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).map_err(err)?;
    w.push(tip).map_err(err)?;
    for h in hide.iter().chain(baseline.as_ref()) {
        w.hide(*h).map_err(err)?;
    }
    let mut out = Vec::new();
    for oid in w {
        out.push(oid.map_err(err)?);
        if out.len() > max_commits {
            return Err(Error::limit(format!(
                "the push selects more than {max_commits} commits (limit max_commits)"
            ))
            .with_help("set a `baseline:` in the policy so older history is not re-checked"));
        }
    }
    Ok(out)
}
