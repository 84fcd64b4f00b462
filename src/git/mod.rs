//! Reading git honestly: opening the repository (quarantine-aware), resolving the commit
//! range (fail closed), and the modules that read history: [`commit`] (commit objects, read
//! as git reads them or refused), [`scan`](mod@scan) (the parallel commit scan), [`treediff`] (the
//! names-only tree diff, on its own bounded stack), [`merges`] (which paths a merge answers
//! for), [`walks`] (the push hooks' walks), [`staged`] (the commit-to-be) and [`odb`] (the
//! pack reader and caches).
//!
//! Everything that cannot be read or proven complete is an [`Error`] with a `help` line:
//! unknown revisions, shallow boundaries inside the range, missing objects, unrelated
//! histories, empty ranges that should not be empty, grafts, exceeded limits. Nothing here
//! ever returns an empty list because something could not be read.
//!
//! Speed (`reference/perf.md`): commits and trees are read raw from the object database
//! (libgit2's object cache is off; our own small tree cache is used instead), tree diffs are
//! the hand-written names-only diff of [`crate::git::treediff`], and large scans run on all
//! rayon threads with one `git2::Repository` per thread over contiguous chunks of commits.

pub mod baseline;
pub mod commit;
pub mod merges;
pub mod notes;
pub mod odb;
pub mod query;
pub mod refs;
pub mod scan;
pub mod staged;
pub mod treediff;
pub mod walks;

use std::cell::OnceCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Once;

use git2::{ErrorCode, Oid, Repository, RepositoryOpenFlags, Sort};

use crate::error::{Error, Result};
use crate::facts::RangeInfo;
use crate::git::odb::objects::missing;
use crate::git::odb::pack::PackSet;

pub use merges::{Base, range_base};
pub use scan::{InOrder, read_commit, scan, scan_each};

/// Help line for history that is not all there.
const SHALLOW_HELP: &str = "fetch the full history: `git fetch --unshallow` (actions/checkout: \
    `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)";

/// Bytes of tree data each scanning thread keeps cached (two generations of this size). Small:
/// it only has to hold a commit's trees until its parent is diffed (the pack reader's
/// delta-base cache does the heavy lifting; 1 MiB and 8 MiB measured the same).
const TREE_CACHE_BYTES: usize = 2 << 20;

/// Commits per unit of parallel work: contiguous, so parent trees are still cached.
const CHUNK: usize = 128;

/// Below this many commits, scanning stays on the calling thread.
const PARALLEL_MIN: usize = 256;

/// How a repository was opened, so scanning threads can open it the same way.
#[derive(Debug, Clone)]
enum OpenHow {
    /// `GIT_DIR` was set: `Repository::open_from_env()` (hooks, pre-receive quarantine).
    Env,
    /// Discovered upward from a path, honouring the `GIT_*` object directory variables.
    Path(PathBuf),
}

impl OpenHow {
    fn open(&self) -> std::result::Result<Repository, git2::Error> {
        match self {
            OpenHow::Env => Repository::open_from_env(),
            OpenHow::Path(p) => Repository::open_ext(
                p,
                RepositoryOpenFlags::FROM_ENV,
                std::iter::empty::<&std::ffi::OsStr>(),
            ),
        }
    }
}

/// An open repository plus what countersign needs to know about it.
pub struct Repo {
    repo: Repository,
    git_dir: PathBuf,
    workdir: Option<PathBuf>,
    how: OpenHow,
    /// Commits recorded in `shallow` (their parents are not in this clone).
    shallow: HashSet<Oid>,
    /// The mapped packs of the object directory, opened on first use.
    packs: OnceCell<PackSet>,
    /// The graft lines of `info/grafts`, when there are any (see [`Repo::refuse_grafts`]).
    grafts: usize,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("git_dir", &self.git_dir)
            .field("workdir", &self.workdir)
            .field("shallow", &self.shallow.len())
            .finish()
    }
}

/// Process-global libgit2 settings for fast history reads; applied once, before any scanning
/// thread starts. Object hashes are not re-verified on every read (git log does not either;
/// `git fsck` is the tool for that) and libgit2's object cache is off: every commit is read
/// once, and trees go through [`TreeReader`]'s bounded cache, which keeps RSS low.
fn tune() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        git2::opts::enable_caching(false);
    });
}

/// Opens the repository: from the environment when `GIT_DIR` is set (hooks; in pre-receive,
/// `GIT_OBJECT_DIRECTORY` / `GIT_ALTERNATE_OBJECT_DIRECTORIES` make the quarantined objects
/// visible), else by discovery upward from `start` (still honouring those variables).
pub fn open(start: &Path) -> Result<Repo> {
    tune();
    let how = if std::env::var_os("GIT_DIR").is_some() {
        OpenHow::Env
    } else {
        OpenHow::Path(start.to_path_buf())
    };
    let repo = how.open().map_err(|e| {
        Error::repo(format!(
            "cannot open a git repository at {}: {}",
            start.display(),
            e.message()
        ))
        .with_help("run countersign inside a git repository (or set GIT_DIR)")
    })?;
    let git_dir = repo.path().to_path_buf();
    let workdir = repo.workdir().map(Path::to_path_buf);
    // Absolute, so threads and later reopenings do not depend on the current directory.
    let how = match how {
        OpenHow::Env => OpenHow::Env,
        OpenHow::Path(_) => OpenHow::Path(git_dir.clone()),
    };
    let shallow = read_shallow(repo.commondir())?;
    let grafts = count_grafts(repo.commondir())?;
    Ok(Repo {
        repo,
        git_dir,
        workdir,
        how,
        shallow,
        packs: OnceCell::new(),
        grafts,
    })
}

/// The graft lines of `$GIT_COMMON_DIR/info/grafts` (libgit2 reads that file, and git too
/// unless `GIT_GRAFT_FILE` points elsewhere); blank and `#` lines do not count.
fn count_grafts(common: &Path) -> Result<usize> {
    let path = common.join("info").join("grafts");
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(Error::repo(format!("cannot read {}: {e}", path.display()))
                .with_help("check the permissions of the repository's `info/grafts` file"));
        }
    };
    Ok(text
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .count())
}

/// The commits listed in `$GIT_COMMON_DIR/shallow`.
fn read_shallow(common: &Path) -> Result<HashSet<Oid>> {
    let text = match std::fs::read(common.join("shallow")) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => {
            return Err(Error::repo(format!("cannot read the shallow file: {e}"))
                .with_help("check the permissions of the repository's `shallow` file"));
        }
    };
    let mut set = HashSet::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let oid = std::str::from_utf8(line)
            .ok()
            .and_then(|s| Oid::from_str(s).ok())
            .ok_or_else(|| {
                Error::repo("the repository's `shallow` file is malformed").with_help(SHALLOW_HELP)
            })?;
        set.insert(oid);
    }
    Ok(set)
}

impl Repo {
    /// The working tree, when the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    /// The `.git` directory (or the bare repository directory).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The short name of the checked-out branch (`None` when HEAD is detached).
    pub fn current_branch(&self) -> Option<String> {
        let head = self.repo.find_reference("HEAD").ok()?;
        let target = head.symbolic_target_bytes()?;
        let short = target.strip_prefix(b"refs/heads/")?;
        Some(String::from_utf8_lossy(short).into_owned())
    }

    /// The underlying libgit2 repository.
    pub fn raw(&self) -> &Repository {
        &self.repo
    }

    /// The packs of the repository's own object directory, mapped on first use (objects
    /// elsewhere — loose, alternates, a quarantine — are read through libgit2).
    pub fn packs(&self) -> &PackSet {
        self.packs
            .get_or_init(|| PackSet::open(&self.repo.commondir().join("objects")))
    }

    /// True when the repository is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        !self.shallow.is_empty()
    }

    /// Refuses a repository with grafts (exit 2). A graft (`info/grafts`) rewrites a commit's
    /// parents for libgit2's walks and merge-bases (and for git), so it could cut an AI
    /// commit out of a range or hide it behind the base; countersign reads the parents
    /// stored in the commit objects and will not run on a history whose walks disagree with
    /// them. Replace refs (`refs/replace/*`) need no such check: libgit2 does not apply them
    /// and countersign reads raw objects, so they change nothing.
    pub fn refuse_grafts(&self) -> Result<()> {
        if self.grafts == 0 {
            return Ok(());
        }
        Err(Error::repo(format!(
            "this repository has {} graft(s) in {}: grafts change the parents history walks see, so the commits to check cannot be determined honestly",
            self.grafts,
            self.repo.commondir().join("info").join("grafts").display()
        ))
        .with_help(
            "remove the grafts file (git has deprecated grafts since 2.18), or convert it with \
             `git replace --convert-graft-file` (countersign reads the stored parents and ignores \
             replace refs)",
        ))
    }
}

/// Which commits to check, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeSpec {
    /// No range given: the current branch's commits not on its upstream, else not on the
    /// remote's default branch, else `HEAD` alone.
    Default,
    /// `--all`: every commit reachable from any ref or `HEAD`.
    All,
    /// `A..B`, `A...B`, or a single revision (exactly that one commit).
    Expr(String),
}

/// The commits selected by a range, newest first.
#[derive(Debug, Clone)]
pub struct ResolvedRange {
    /// How the range was chosen (printed on stderr), with base, head and branch.
    pub info: RangeInfo,
    /// The commits, newest first (children before parents).
    pub commits: Vec<Oid>,
    /// What the merges of the range are measured against: [`Base::Single`] for a single
    /// commit, else the range's base commits ([`crate::git::merges`]).
    pub base: Base,
}

/// Hard limits that end a run with an error (kind `limit`) instead of unbounded work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most commits one run may select.
    pub max_commits: usize,
    /// The most changed paths one commit may have.
    pub max_paths_per_commit: usize,
    /// The largest commit message, in bytes.
    pub max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_commits: 2_000_000,
            max_paths_per_commit: 100_000,
            max_message_bytes: 1 << 20,
        }
    }
}

/// Resolves `spec` (with the policy's `baseline`, whose history is hidden) to commits.
pub fn resolve(repo: &Repo, spec: &RangeSpec, baseline: Option<&str>) -> Result<ResolvedRange> {
    resolve_with(repo, spec, baseline, &Limits::default())
}

/// [`resolve`] with explicit limits (`max_commits`).
pub fn resolve_with(
    repo: &Repo,
    spec: &RangeSpec,
    baseline: Option<&str>,
    limits: &Limits,
) -> Result<ResolvedRange> {
    repo.refuse_grafts()?;
    let cap = scan::commit_cap(limits);
    let g = &repo.repo;
    let mut info = RangeInfo {
        branch: repo.current_branch(),
        ..RangeInfo::default()
    };
    let baseline = match baseline {
        Some(b) => Some(peel_with(repo, b, cap).map_err(|e| {
            let mut e = e;
            e.message = format!("the policy's baseline: {}", e.message);
            e.help = Some(format!(
                "fix `baseline: {b}` in the policy, or fetch it (`git fetch --tags`, `fetch-depth: 0`)"
            ));
            e
        })?),
        None => None,
    };
    let mut push = Vec::new();
    let mut hide = Vec::new();
    let mut single = None;
    // The range's base for the merge rule: the merge-bases of head and base (none for
    // `--all`; a single commit has none either).
    let mut bases: Vec<Oid> = Vec::new();
    match spec {
        RangeSpec::All => {
            info.description = "--all (every commit reachable from any ref)".into();
            if let Ok(Some(h)) = head_commit(repo, cap) {
                info.head = Some(h.to_string());
            }
        }
        RangeSpec::Expr(s) => {
            if let Some((a, b)) = s.split_once("...") {
                let (a, b) = (rev_or_head(repo, a, cap)?, rev_or_head(repo, b, cap)?);
                bases = match g.merge_bases(a, b) {
                    Ok(v) => v.iter().copied().collect::<Vec<_>>(),
                    Err(e) if e.code() == ErrorCode::NotFound => Vec::new(),
                    Err(e) => return Err(walk_error(repo, e)),
                };
                let Some(first) = bases.first() else {
                    return Err(no_merge_base(repo, s));
                };
                info.base = Some(first.to_string());
                push.extend([a, b]);
                hide.extend(bases.iter().copied());
                info.head = Some(b.to_string());
                info.description = format!("{s} (commits on either side since their merge-base)");
            } else if let Some((a, b)) = s.split_once("..") {
                let (a, b) = (rev_or_head(repo, a, cap)?, rev_or_head(repo, b, cap)?);
                if a != b {
                    bases = match g.merge_bases(a, b) {
                        Ok(v) => v.iter().copied().collect(),
                        Err(e) if e.code() == ErrorCode::NotFound => {
                            return Err(no_merge_base(repo, s));
                        }
                        Err(e) => return Err(walk_error(repo, e)),
                    };
                }
                info.base = Some(a.to_string());
                info.head = Some(b.to_string());
                push.push(b);
                hide.push(a);
                info.description =
                    format!("{s} (commits reachable from the right side, not the left)");
            } else {
                let c = peel_with(repo, s, cap)?;
                info.head = Some(c.to_string());
                info.description = format!("{s} (exactly this one commit)");
                single = Some(c);
            }
        }
        RangeSpec::Default => {
            let head = head_commit(repo, cap)?.ok_or_else(|| {
                Error::repo("HEAD does not point at a commit")
                    .with_help("commit something first, or pass a range (`countersign check A..B`)")
            })?;
            info.head = Some(head.to_string());
            match default_base(repo, info.branch.as_deref()) {
                Some((name, why, base_tip)) => {
                    bases = match g.merge_bases(base_tip, head) {
                        Ok(v) => v.iter().copied().collect(),
                        Err(e) if e.code() == ErrorCode::NotFound => {
                            return Err(no_merge_base(repo, &format!("{name}..HEAD")));
                        }
                        Err(e) => return Err(walk_error(repo, e)),
                    };
                    let Some(mb) = bases.first() else {
                        return Err(no_merge_base(repo, &format!("{name}..HEAD")));
                    };
                    info.base = Some(mb.to_string());
                    push.push(head);
                    hide.push(base_tip);
                    info.description = format!("{name}..HEAD ({why})");
                }
                None => {
                    info.description =
                        "HEAD (no upstream and no remote default branch found: checking the last commit only)".into();
                    single = Some(head);
                }
            }
        }
    }

    let commits = if let Some(c) = single {
        let hidden = match baseline {
            Some(b) => {
                b == c
                    || g.graph_descendant_of(b, c)
                        .map_err(|e| walk_error(repo, e))?
            }
            None => false,
        };
        if hidden { Vec::new() } else { vec![c] }
    } else {
        walk(repo, spec, &push, &hide, baseline, limits)?
    };

    if commits.len() > limits.max_commits {
        return Err(too_many(limits));
    }
    if let Some(c) = commits.iter().find(|c| repo.shallow.contains(c)) {
        return Err(Error::incomplete(format!(
            "the range reaches the shallow boundary of this clone at {c}: its parents are not here"
        ))
        .with_help(SHALLOW_HELP));
    }
    if commits.is_empty() {
        check_empty(repo, spec, &info, baseline)?;
        if baseline.is_some() {
            info.description
                .push_str("; all of it is behind the policy baseline");
        }
    }
    let base = if single.is_some() {
        Base::Single
    } else if *spec == RangeSpec::All && baseline.is_none() {
        // Every ancestor of every commit is in the range.
        Base::Closed
    } else {
        Base::Range(bases)
    };
    Ok(ResolvedRange {
        info,
        commits,
        base,
    })
}

/// Walks `push` minus `hide` (and the baseline), all parents, newest first.
fn walk(
    repo: &Repo,
    spec: &RangeSpec,
    push: &[Oid],
    hide: &[Oid],
    baseline: Option<Oid>,
    limits: &Limits,
) -> Result<Vec<Oid>> {
    // A handle of its own: the walk reads every commit, and libgit2 keeps the pack pages it
    // mapped for that until the handle is dropped; dropping it here keeps them out of the
    // scan's peak memory.
    let own = repo.how.open().map_err(|e| walk_error(repo, e))?;
    let g = &own;
    let mut w = g.revwalk()?;
    w.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    if *spec == RangeSpec::All {
        // Every ref but notes: a notes ref (signed reviews under refs/notes/countersign)
        // holds data about commits, not code of any branch.
        for r in g.references().map_err(|e| walk_error(repo, e))? {
            let r = r.map_err(|e| walk_error(repo, e))?;
            if r.name_bytes().starts_with(b"refs/notes/") {
                continue;
            }
            let Some(target) = r.resolve().ok().and_then(|r| r.target()) else {
                continue; // a dangling symbolic ref names nothing (push_glob skips it too)
            };
            // A ref to a tree or blob brings no commit; a missing object is an error.
            if let Some(c) = walks::peel_commit(repo, target)? {
                w.push(c).map_err(|e| walk_error(repo, e))?;
            }
        }
        if g.head().and_then(|h| h.peel_to_commit()).is_ok() {
            w.push_head().map_err(|e| walk_error(repo, e))?;
        }
    }
    for p in push {
        w.push(*p).map_err(|e| walk_error(repo, e))?;
    }
    for h in hide.iter().chain(baseline.as_ref()) {
        w.hide(*h).map_err(|e| walk_error(repo, e))?;
    }
    let mut out = Vec::new();
    for oid in w {
        out.push(oid.map_err(|e| walk_error(repo, e))?);
        if out.len() > limits.max_commits {
            return Err(too_many(limits));
        }
    }
    Ok(out)
}

/// Zero commits is an answer only when there is nothing between base and head.
fn check_empty(
    repo: &Repo,
    spec: &RangeSpec,
    info: &RangeInfo,
    baseline: Option<Oid>,
) -> Result<()> {
    let g = &repo.repo;
    if *spec == RangeSpec::All && baseline.is_none() {
        return Err(
            Error::incomplete("--all selects no commits: the repository has no refs")
                .with_help("fetch the history (`git fetch`), or check out a branch"),
        );
    }
    let head = info.head.as_deref().and_then(|h| Oid::from_str(h).ok());
    if let (Some(b), Some(h)) = (baseline, head)
        && (b == h || g.graph_descendant_of(b, h).unwrap_or(false))
    {
        return Ok(());
    }
    if info.head.is_some() && info.head == info.base {
        return Ok(());
    }
    Err(Error::incomplete(format!(
        "the range {} selects no commits, but its head {} is not its base {}",
        info.description,
        info.head.as_deref().unwrap_or("?"),
        info.base.as_deref().unwrap_or("?")
    ))
    .with_help("check the range (`BASE..HEAD` lists the commits of HEAD not in BASE); the base may be wrong or already contain the head"))
}

/// The branch the default range compares against: upstream, else the remote default.
fn default_base(repo: &Repo, branch: Option<&str>) -> Option<(String, String, Oid)> {
    let g = &repo.repo;
    if let Some(b) = branch
        && let Ok(up) = g.branch_upstream_name(&format!("refs/heads/{b}"))
        && let Ok(up) = up.as_str()
        && let Ok(oid) = g.refname_to_id(up)
    {
        let short = up.strip_prefix("refs/remotes/").unwrap_or(up).to_string();
        return Some((
            short.clone(),
            format!("commits of branch `{b}` not on its upstream `{short}`"),
            oid,
        ));
    }
    let what = match branch {
        Some(b) => format!("branch `{b}` has no upstream"),
        None => "HEAD is detached".to_string(),
    };
    for name in [
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
        "refs/remotes/origin/master",
    ] {
        if let Ok(r) = g.find_reference(name)
            && let Ok(r) = r.resolve()
            && let Some(oid) = r.target()
        {
            let short = r.shorthand().unwrap_or(name).to_string();
            return Some((
                short.clone(),
                format!("{what}: commits not on the remote's default branch `{short}`"),
                oid,
            ));
        }
    }
    None
}

/// Resolves a revision to a commit id (unknown or non-commit: an error with help); the
/// commit object may be up to [`scan::MAX_COMMIT_OBJECT`] (see `peel_with`).
pub fn resolve_commit(repo: &Repo, rev: &str) -> Result<Oid> {
    peel_with(repo, rev, scan::MAX_COMMIT_OBJECT)
}

/// Resolves a revision to a commit id. A full id, `HEAD` or a ref name is resolved without
/// reading any object, and the objects on the way to the commit (annotated tags, the commit)
/// are size-checked from their headers before anything reads them whole: a commit over
/// `cap` bytes is a limit error here, not an allocation. Other revision syntax (`HEAD~2`,
/// `v1^{}`, `:/text`) goes through libgit2's parser.
fn peel_with(repo: &Repo, rev: &str, cap: u64) -> Result<Oid> {
    let g = &repo.repo;
    let unknown = |e: git2::Error| {
        if repo.is_shallow() {
            Error::incomplete(format!(
                "unknown revision `{rev}` in this shallow clone: {}",
                e.message()
            ))
            .with_help(SHALLOW_HELP)
        } else {
            Error::repo(format!("unknown revision `{rev}`: {}", e.message()))
                .with_help("check the name (`git rev-parse --verify REV`); in CI, fetch it first (`fetch-depth: 0`)")
        }
    };
    let direct = if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        Oid::from_str(rev).ok()
    } else if rev == "HEAD" {
        g.head().ok().and_then(|h| h.target())
    } else if rev.starts_with('-') || rev.contains(['~', '^', ':', '@', '{']) {
        None
    } else {
        g.resolve_reference_from_short_name(rev)
            .and_then(|r| r.resolve())
            .ok()
            .and_then(|r| r.target())
    };
    let oid = match direct {
        Some(o) => o,
        None => g.revparse_single(rev).map_err(unknown)?.id(),
    };
    match peel_commit_id(repo, oid, cap)? {
        Some(c) => Ok(c),
        None => Err(Error::repo(format!("`{rev}` is not a commit"))
            .with_help("name a commit, branch or tag")),
    }
}

/// Peels `oid` (a commit or an annotated tag, possibly of a tag) to a commit id, reading
/// only object headers for the commit and size-checking every tag before it is read;
/// `None` when it names no commit (a tree or a blob, or a tag of one).
pub fn peel_commit_id(repo: &Repo, oid: Oid, cap: u64) -> Result<Option<Oid>> {
    let odb = repo.repo.odb()?;
    let mut cur = oid;
    // Annotated tags may point at tags; a chain longer than this is not something git makes.
    for _ in 0..64 {
        let (size, kind) = odb
            .read_header(cur)
            .map_err(|e| missing(cur, "object", e.message()))?;
        match kind {
            git2::ObjectType::Commit => {
                if size as u64 > cap {
                    return Err(scan::commit_too_big("commit", cur, cap));
                }
                return Ok(Some(cur));
            }
            git2::ObjectType::Tag => {
                if size as u64 > cap {
                    return Err(
                        Error::limit(format!("tag {cur} is larger than {cap} bytes"))
                            .with_help("such a tag cannot be read; name the commit instead"),
                    );
                }
                let tag = repo
                    .repo
                    .find_tag(cur)
                    .map_err(|e| missing(cur, "tag", e.message()))?;
                cur = tag.target_id();
            }
            _ => return Ok(None),
        }
    }
    Err(Error::input(format!("tag chain at {oid} is too deep")))
}

/// The commit `HEAD` points at, size-checked like [`peel_with`] (`None`: no commit yet).
fn head_commit(repo: &Repo, cap: u64) -> Result<Option<Oid>> {
    match repo.repo.head().ok().and_then(|h| h.target()) {
        Some(oid) => peel_commit_id(repo, oid, cap),
        None => Ok(None),
    }
}

/// `peel_with`, with an empty side of `A..B` meaning HEAD (as in git).
fn rev_or_head(repo: &Repo, rev: &str, cap: u64) -> Result<Oid> {
    peel_with(repo, if rev.is_empty() { "HEAD" } else { rev }, cap)
}

fn no_merge_base(repo: &Repo, range: &str) -> Error {
    if repo.is_shallow() {
        Error::incomplete(format!("`{range}`: no merge-base in this shallow clone"))
            .with_help(SHALLOW_HELP)
    } else {
        Error::incomplete(format!(
            "`{range}`: the two sides share no history (no merge-base)"
        ))
        .with_help("compare branches that share history, or name the commits to check explicitly")
    }
}

fn walk_error(repo: &Repo, e: git2::Error) -> Error {
    let shallow = if repo.is_shallow() {
        " (this clone is shallow)"
    } else {
        ""
    };
    Error::incomplete(format!("cannot walk the history{shallow}: {}", e.message()))
        .with_help(SHALLOW_HELP)
}

fn too_many(limits: &Limits) -> Error {
    Error::limit(format!(
        "the range has more than {} commits (limit max_commits)",
        limits.max_commits
    ))
    .with_help("check a narrower range (`BASE..HEAD`) or set a `baseline:` in the policy")
}

/// Largest file [`read_blob_at`] reads for a policy (the policy loader's own limit).
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// Most paths [`tree_paths_at`] lists (with [`treediff::MAX_PATH_BYTES`] of names).
pub const MAX_TREE_PATHS: usize = 5_000_000;

/// The tree of commit `rev`, read through the size-checked object reader.
fn tree_at(repo: &Repo, rev: &str, reader: &mut treediff::TreeReader<'_>) -> Result<Oid> {
    let cap = scan::MAX_COMMIT_OBJECT;
    let c = peel_with(repo, rev, cap)?;
    let (_, obj) = reader.objects().read(c, "commit", cap)?;
    commit::tree_of(&obj).ok_or_else(|| {
        scan::malformed(
            c,
            commit::Malformed("the first line is not `tree <40 hex>`"),
        )
    })
}

/// The content of the file `path` at revision `rev` (`None` when the path does not exist
/// there). A symlink yields its target; a directory or submodule is an error. The blob's
/// size is checked from its object header first: over `max_bytes` is a limit error before
/// anything is read (every object on the way is size-checked the same way).
pub fn read_blob_at(repo: &Repo, rev: &str, path: &str, max_bytes: u64) -> Result<Option<Vec<u8>>> {
    tune();
    let odb = repo.repo.odb()?;
    let mut reader =
        treediff::TreeReader::new(odb::objects::Objects::new(repo.packs(), &odb), 1 << 20);
    let tree = tree_at(repo, rev, &mut reader)?;
    let Some(key) = reader.entry_named(tree, path.as_bytes())? else {
        return Ok(None);
    };
    if key.mode & 0o170000 == 0o040000 || key.mode & 0o170000 == 0o160000 {
        return Err(
            Error::repo(format!("`{path}` at {rev} is not a file")).with_help("point at a file")
        );
    }
    let id = Oid::from_bytes(&key.id)?;
    let (kind, data) = reader
        .objects()
        .read(id, &format!("`{path}` at {rev}"), max_bytes)
        .map_err(|mut e| {
            if e.kind == crate::error::ErrorKind::Limit {
                e.message = format!(
                    "`{path}` at {rev} is larger than {max_bytes} bytes ({})",
                    e.message
                );
                e.help = Some(format!(
                    "keep `{path}` under {max_bytes} bytes on that commit"
                ));
            }
            e
        })?;
    if kind != odb::pack::Kind::Blob {
        return Err(
            Error::repo(format!("`{path}` at {rev} is not a file")).with_help("point at a file")
        );
    }
    Ok(Some(data.to_vec()))
}

/// Every non-directory path (files, symlinks, submodules) in the tree of `rev`, read with
/// the tree diff's own stack and limits (no recursion: a tree nested deeper than
/// [`treediff::MAX_TREE_DEPTH`] is an error, never a crash).
pub fn tree_paths_at(repo: &Repo, rev: &str) -> Result<Vec<String>> {
    tune();
    let odb = repo.repo.odb()?;
    let mut reader =
        treediff::TreeReader::new(odb::objects::Objects::new(repo.packs(), &odb), 1 << 20);
    let tree = tree_at(repo, rev, &mut reader)?;
    let all = reader.diff(Some(tree), &[None], MAX_TREE_PATHS)?;
    Ok((0..all.leaves.len())
        .map(|i| String::from_utf8_lossy(all.path(i)).into_owned())
        .collect())
}
