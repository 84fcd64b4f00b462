//! Reading git honestly: opening the repository (quarantine-aware), resolving the commit
//! range (fail closed), and the parallel commit scan.
//!
//! Everything that cannot be read or proven complete is an [`Error`] with a `help` line:
//! unknown revisions, shallow boundaries inside the range, missing objects, unrelated
//! histories, empty ranges that should not be empty, exceeded limits. Nothing here ever
//! returns an empty list because something could not be read.
//!
//! Speed (`reference/perf.md`): commits and trees are read raw from the object database
//! (libgit2's object cache is off; our own small tree cache is used instead), tree diffs are
//! the hand-written names-only diff of [`crate::git::treediff`], and large scans run on all
//! rayon threads with one `git2::Repository` per thread over contiguous chunks of commits.

pub mod commit;
pub mod odb;
pub mod staged;
pub mod treediff;
pub mod walks;

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Once, mpsc};

use git2::{ErrorCode, Oid, Repository, RepositoryOpenFlags, Sort};

use crate::error::{Error, ErrorKind, Result};
use crate::facts::{CommitFacts, RangeInfo};
use crate::git::odb::idhash::IdMap;
use crate::git::odb::objects::{Objects, missing};
use crate::git::odb::pack::{Kind, PackSet};
use crate::git::treediff::TreeReader;

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
    Ok(Repo {
        repo,
        git_dir,
        workdir,
        how,
        shallow,
        packs: OnceCell::new(),
    })
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
    let g = &repo.repo;
    let mut info = RangeInfo {
        branch: repo.current_branch(),
        ..RangeInfo::default()
    };
    let baseline = match baseline {
        Some(b) => Some(peel(repo, b).map_err(|e| {
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
    match spec {
        RangeSpec::All => {
            info.description = "--all (every commit reachable from any ref)".into();
            if let Ok(h) = g.head().and_then(|h| h.peel_to_commit()) {
                info.head = Some(h.id().to_string());
            }
        }
        RangeSpec::Expr(s) => {
            if let Some((a, b)) = s.split_once("...") {
                let (a, b) = (rev_or_head(repo, a)?, rev_or_head(repo, b)?);
                let bases = match g.merge_bases(a, b) {
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
                let (a, b) = (rev_or_head(repo, a)?, rev_or_head(repo, b)?);
                if a != b {
                    match g.merge_base(a, b) {
                        Ok(_) => {}
                        Err(e) if e.code() == ErrorCode::NotFound => {
                            return Err(no_merge_base(repo, s));
                        }
                        Err(e) => return Err(walk_error(repo, e)),
                    }
                }
                info.base = Some(a.to_string());
                info.head = Some(b.to_string());
                push.push(b);
                hide.push(a);
                info.description =
                    format!("{s} (commits reachable from the right side, not the left)");
            } else {
                let c = peel(repo, s)?;
                info.head = Some(c.to_string());
                info.description = format!("{s} (exactly this one commit)");
                single = Some(c);
            }
        }
        RangeSpec::Default => {
            let head = g.head().and_then(|h| h.peel_to_commit()).map_err(|e| {
                Error::repo(format!("HEAD does not point at a commit: {}", e.message()))
                    .with_help("commit something first, or pass a range (`countersign check A..B`)")
            })?;
            let head = head.id();
            info.head = Some(head.to_string());
            match default_base(repo, info.branch.as_deref()) {
                Some((name, why, base_tip)) => {
                    let mb = match g.merge_base(base_tip, head) {
                        Ok(m) => m,
                        Err(e) if e.code() == ErrorCode::NotFound => {
                            return Err(no_merge_base(repo, &format!("{name}..HEAD")));
                        }
                        Err(e) => return Err(walk_error(repo, e)),
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
    Ok(ResolvedRange { info, commits })
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
        w.push_glob("*").map_err(|e| walk_error(repo, e))?;
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

/// Resolves a revision to a commit id (unknown or non-commit: an error with help).
fn peel(repo: &Repo, rev: &str) -> Result<Oid> {
    let g = &repo.repo;
    let obj = g.revparse_single(rev).map_err(|e| {
        if repo.is_shallow() {
            Error::incomplete(format!("unknown revision `{rev}` in this shallow clone: {}", e.message()))
                .with_help(SHALLOW_HELP)
        } else {
            Error::repo(format!("unknown revision `{rev}`: {}", e.message()))
                .with_help("check the name (`git rev-parse --verify REV`); in CI, fetch it first (`fetch-depth: 0`)")
        }
    })?;
    let c = obj.peel_to_commit().map_err(|e| {
        Error::repo(format!("`{rev}` is not a commit: {}", e.message()))
            .with_help("name a commit, branch or tag")
    })?;
    Ok(c.id())
}

/// `peel`, with an empty side of `A..B` meaning HEAD (as in git).
fn rev_or_head(repo: &Repo, rev: &str) -> Result<Oid> {
    peel(repo, if rev.is_empty() { "HEAD" } else { rev })
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

/// The error for a commit object countersign cannot read the way git does.
fn malformed(oid: Oid, why: commit::Malformed) -> Error {
    Error::incomplete(format!(
        "commit {oid} cannot be read the way git reads it: {why}"
    ))
    .with_help(
        "run `git fsck`; git itself never writes such a commit (it takes `git hash-object \
         --literally` or another tool): rewrite the history from before it, or set a policy \
         `baseline:` after it",
    )
}

/// The error for a commit whose parents are cut off by a shallow clone.
fn shallow_commit(oid: Oid) -> Error {
    Error::incomplete(format!(
        "commit {oid} is at the shallow boundary of this clone: its parents are not here"
    ))
    .with_help(SHALLOW_HELP)
}

/// Header bytes allowed in a commit object on top of `max_message_bytes` (tree, parents,
/// identities, encoding, signatures and merged tags), so an oversized commit is refused
/// before it is inflated.
const COMMIT_HEADER_BYTES: u64 = 1 << 20;

/// Per-thread scanning state: the tree reader (and the object reader under it), and the tree
/// ids of recently read commits so that a parent commit read earlier is not inflated a
/// second time to find its tree.
struct Scanner<'o> {
    reader: TreeReader<'o>,
    trees: IdMap<Oid, Oid>,
    commit_cap: u64,
}

/// The scanner forgets remembered commit → tree ids beyond this many entries.
const TREE_IDS_MAX: usize = 1 << 16;

impl<'o> Scanner<'o> {
    fn new(packs: &'o PackSet, odb: &'o git2::Odb<'o>, limits: &Limits) -> Self {
        Scanner {
            reader: TreeReader::new(Objects::new(packs, odb), TREE_CACHE_BYTES),
            trees: IdMap::default(),
            commit_cap: (limits.max_message_bytes as u64).saturating_add(COMMIT_HEADER_BYTES),
        }
    }

    /// Reads one raw commit object (`what` names it in errors). Objects larger than a
    /// message of `max_message_bytes` could make are refused before they are inflated.
    fn read_commit_object(&mut self, oid: Oid, what: &str) -> Result<Rc<Vec<u8>>> {
        let (kind, data) = self
            .reader
            .objects()
            .read(oid, what, self.commit_cap)
            .map_err(|e| {
                if e.kind == ErrorKind::Limit {
                    Error::limit(format!(
                        "{what} {oid} is larger than {} bytes, so its message is over the \
                         limit max_message_bytes",
                        self.commit_cap
                    ))
                    .with_help(
                        "such a message cannot be checked; rewrite the commit or raise \
                         --max-message-bytes",
                    )
                } else {
                    e
                }
            })?;
        if kind != Kind::Commit {
            return Err(
                Error::repo(format!("{oid} is a {}, not a commit", kind.name()))
                    .with_help("name a commit"),
            );
        }
        Ok(data)
    }

    /// Reads one raw commit object (a commit, not at the shallow boundary).
    fn read_raw(&mut self, shallow: &HashSet<Oid>, oid: Oid) -> Result<Rc<Vec<u8>>> {
        if shallow.contains(&oid) {
            return Err(shallow_commit(oid));
        }
        self.read_commit_object(oid, "commit")
    }

    /// Reads `commits` (a contiguous, newest-first run) and returns `f` of each, in order.
    /// All commit objects are read first, so a parent inside the run is not read again.
    fn run<R>(
        &mut self,
        shallow: &HashSet<Oid>,
        commits: &[Oid],
        limits: &Limits,
        f: &impl Fn(CommitFacts) -> R,
    ) -> Result<Vec<R>> {
        if self.trees.len() > TREE_IDS_MAX {
            self.trees.clear();
        }
        let mut objs = Vec::with_capacity(commits.len());
        for &c in commits {
            let obj = self.read_raw(shallow, c);
            if let Ok(o) = &obj
                && let Some(t) = commit::tree_of(o)
            {
                self.trees.insert(c, t);
            }
            objs.push(obj);
        }
        let mut out = Vec::with_capacity(commits.len());
        for (&c, obj) in commits.iter().zip(objs) {
            out.push(f(self.facts(c, &obj?, limits)?));
        }
        Ok(out)
    }

    /// The facts of commit `oid` from its raw object.
    fn facts(&mut self, oid: Oid, obj: &[u8], limits: &Limits) -> Result<CommitFacts> {
        let raw = commit::parse(obj).map_err(|m| malformed(oid, m))?;
        if raw.message.len() > limits.max_message_bytes {
            return Err(Error::limit(format!(
                "commit {oid} has a {}-byte message, more than {} (limit max_message_bytes)",
                raw.message.len(),
                limits.max_message_bytes
            ))
            .with_help("such a message cannot be checked; rewrite the commit or raise the limit"));
        }
        let mut parent_trees = Vec::with_capacity(raw.parents.len().max(1));
        for p in &raw.parents {
            let tree = match self.trees.get(p) {
                Some(t) => *t,
                None => {
                    let pobj = self.read_commit_object(*p, "parent commit")?;
                    let t = commit::tree_of(&pobj).ok_or_else(|| {
                        malformed(
                            *p,
                            commit::Malformed("the first line is not `tree <40 hex>`"),
                        )
                    })?;
                    self.trees.insert(*p, t);
                    t
                }
            };
            parent_trees.push(Some(tree));
        }
        if parent_trees.is_empty() {
            parent_trees.push(None);
        }
        let paths = self
            .reader
            .diff(Some(raw.tree), &parent_trees, limits.max_paths_per_commit)?;
        let (author, _) = commit::identity(raw.author);
        let (committer, time) = commit::identity(raw.committer);
        Ok(CommitFacts {
            id: oid.to_string(),
            parents: raw.parents.iter().map(Oid::to_string).collect(),
            author,
            committer,
            time,
            message: raw.message.to_vec(),
            encoding: raw
                .encoding
                .map(|e| String::from_utf8_lossy(e).into_owned()),
            paths,
        })
    }
}

/// Reads one commit: identities, raw message, parents and changed paths (for merges, the
/// paths that differ from every parent).
pub fn read_commit(repo: &Repo, oid: Oid, limits: &Limits) -> Result<CommitFacts> {
    let odb = repo.repo.odb()?;
    let mut s = Scanner::new(repo.packs(), &odb, limits);
    let obj = s.read_raw(&repo.shallow, oid)?;
    s.facts(oid, &obj, limits)
}

/// Reads every commit of `commits` and returns `f` of each, in the order of `commits`
/// (see [`scan_each`]).
pub fn scan<R: Send>(
    repo: &Repo,
    commits: &[Oid],
    limits: &Limits,
    f: impl Fn(CommitFacts) -> R + Sync,
) -> Result<Vec<R>> {
    let mut out = Vec::with_capacity(commits.len().min(limits.max_commits));
    scan_each(repo, commits, limits, f, |r| out.push(r))?;
    Ok(out)
}

/// Reads every commit of `commits` and hands `f` of each to `sink`, in the order of
/// `commits`, as the scan goes: results are streamed, never gathered twice. Large lists run
/// on all rayon threads (one repository handle and one set of caches per thread, contiguous
/// chunks of commits taken in order), and a small reorder buffer on the calling thread puts
/// the chunks back in order. The first error (in commit order) ends the scan.
pub fn scan_each<R: Send>(
    repo: &Repo,
    commits: &[Oid],
    limits: &Limits,
    f: impl Fn(CommitFacts) -> R + Sync,
    mut sink: impl FnMut(R),
) -> Result<()> {
    tune();
    if commits.len() > limits.max_commits {
        return Err(too_many(limits));
    }
    let threads = rayon::current_num_threads();
    if commits.len() < PARALLEL_MIN || threads < 2 {
        let odb = repo.repo.odb()?;
        let mut s = Scanner::new(repo.packs(), &odb, limits);
        for chunk in commits.chunks(CHUNK) {
            s.run(&repo.shallow, chunk, limits, &f)?
                .into_iter()
                .for_each(&mut sink);
            repo.packs().scanned_some();
        }
        return Ok(());
    }
    let chunks: Vec<&[Oid]> = commits.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let how = &repo.how;
    let shallow = &repo.shallow;
    let packs = repo.packs();
    let (tx, rx) = mpsc::channel::<(usize, Result<Vec<R>>)>();
    let worker = |tx: &mpsc::Sender<(usize, Result<Vec<R>>)>| {
        let fail = |i: usize, e: Error| {
            failed.store(true, Ordering::Relaxed);
            let _ = tx.send((i, Err(e)));
        };
        let g = match how.open() {
            Ok(g) => g,
            Err(e) => {
                return fail(
                    0,
                    Error::repo(format!("cannot reopen the repository: {}", e.message())),
                );
            }
        };
        let odb = match g.odb() {
            Ok(o) => o,
            Err(e) => return fail(0, e.into()),
        };
        let mut s = Scanner::new(packs, &odb, limits);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(i) else { return };
            if failed.load(Ordering::Relaxed) {
                return;
            }
            match s.run(shallow, chunk, limits, &f) {
                Ok(out) => {
                    packs.scanned_some();
                    if tx.send((i, Ok(out))).is_err() {
                        return;
                    }
                }
                Err(e) => return fail(i, e),
            }
        }
    };
    let mut first_error: Option<(usize, Error)> = None;
    let mut wanted = 0;
    std::thread::scope(|sc| {
        // The pool's threads do the reading; this thread only reorders and hands on.
        sc.spawn(move || {
            rayon::broadcast(|_| worker(&tx));
            drop(tx);
        });
        let mut pending: BTreeMap<usize, Vec<R>> = BTreeMap::new();
        for (i, res) in rx {
            match res {
                Ok(out) => {
                    pending.insert(i, out);
                    while let Some(out) = pending.remove(&wanted) {
                        if first_error.is_none() {
                            out.into_iter().for_each(&mut sink);
                        }
                        wanted += 1;
                    }
                }
                Err(e) => {
                    if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                        first_error = Some((i, e));
                    }
                }
            }
        }
    });
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    if wanted != chunks.len() {
        return Err(
            Error::incomplete("a scanning thread stopped before finishing").with_help("run again"),
        );
    }
    Ok(())
}

/// The content of the file `path` at revision `rev` (`None` when the path does not exist
/// there). A symlink yields its target; a directory or submodule is an error.
pub fn read_blob_at(repo: &Repo, rev: &str, path: &str) -> Result<Option<Vec<u8>>> {
    let g = &repo.repo;
    let c = peel(repo, rev)?;
    let tree = g
        .find_commit(c)?
        .tree()
        .map_err(|e| missing(c, "tree of commit", e.message()))?;
    let entry = match tree.get_path(Path::new(path)) {
        Ok(e) => e,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if entry.kind() != Some(git2::ObjectType::Blob) {
        return Err(
            Error::repo(format!("`{path}` at {rev} is not a file")).with_help("point at a file")
        );
    }
    let blob = g
        .find_blob(entry.id())
        .map_err(|e| missing(entry.id(), "blob", e.message()))?;
    Ok(Some(blob.content().to_vec()))
}

/// Every non-directory path (files, symlinks, submodules) in the tree of `rev`.
pub fn tree_paths_at(repo: &Repo, rev: &str) -> Result<Vec<String>> {
    let g = &repo.repo;
    let c = peel(repo, rev)?;
    let tree = g
        .find_commit(c)?
        .tree()
        .map_err(|e| missing(c, "tree of commit", e.message()))?;
    let mut out = Vec::new();
    let mut err = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Tree) {
            return git2::TreeWalkResult::Ok;
        }
        let mut p = dir.to_string();
        p.push_str(&String::from_utf8_lossy(entry.name_bytes()));
        out.push(p);
        git2::TreeWalkResult::Ok
    })
    .map_err(|e| {
        err = Some(missing(c, "trees of commit", e.message()));
    })
    .ok();
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
