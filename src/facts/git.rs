//! Reading git (STUB — being written): repository opening, range resolution, parallel scan.

use std::path::Path;

use crate::facts::{CommitFacts, RangeInfo};
use crate::{Error, Result};

/// An open repository.
pub struct Repo {
    repo: git2::Repository,
}

impl Repo {
    /// The working tree, if any.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }
    /// The git directory.
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }
    /// The current branch's short name.
    pub fn current_branch(&self) -> Option<String> {
        None
    }
    /// The underlying git2 repository.
    pub fn raw(&self) -> &git2::Repository {
        &self.repo
    }
}

/// Opens the repository.
pub fn open(start: &Path) -> Result<Repo> {
    Ok(Repo {
        repo: git2::Repository::discover(start)?,
    })
}

/// Which commits to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeSpec {
    /// The default range (DESIGN §3).
    Default,
    /// All history.
    All,
    /// A git range expression.
    Expr(String),
}

/// A resolved range.
pub struct ResolvedRange {
    /// Description.
    pub info: RangeInfo,
    /// The commits.
    pub commits: Vec<git2::Oid>,
}

/// Resolves a range.
pub fn resolve(_repo: &Repo, _spec: &RangeSpec, _baseline: Option<&str>) -> Result<ResolvedRange> {
    Err(Error::usage("not implemented"))
}

/// Hard limits.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Max commits.
    pub max_commits: usize,
    /// Max paths per commit.
    pub max_paths_per_commit: usize,
    /// Max message bytes.
    pub max_message_bytes: usize,
}

/// Scans commits in parallel.
pub fn scan<R: Send>(
    _repo: &Repo,
    _commits: &[git2::Oid],
    _limits: &Limits,
    _f: impl Fn(CommitFacts) -> R + Sync,
) -> Result<Vec<R>> {
    Err(Error::usage("not implemented"))
}

/// A file at a revision.
pub fn read_blob_at(_repo: &Repo, _rev: &str, _path: &str) -> Result<Option<Vec<u8>>> {
    Ok(None)
}
