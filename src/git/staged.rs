//! The commit-to-be, for the `commit-msg` hook: the message cleaned the way `git commit`
//! will clean it, the staged paths (the index against `HEAD`, or against the empty tree on
//! the very first commit), the parents, and the author and committer git will record.
//!
//! What the hook sees is `COMMIT_EDITMSG` *before* git's cleanup (threats.md B7/E3): comment
//! lines, the scissors line of `git commit -v` and the diff below it are still there. The
//! rules copied here are git's (`sequencer.c: cleanup_message`, `strbuf_stripspace`,
//! `wt_status_locate_end`, `builtin/commit.c: adjust_comment_line_char`):
//!
//! - `commit.cleanup` = `default` means `strip` when an editor was used and `whitespace`
//!   otherwise; git tells hooks that no editor was used by setting `GIT_EDITOR=:`.
//!   `scissors` without an editor is `whitespace` too.
//! - `strip` drops lines that start with the comment string; `whitespace` keeps them;
//!   both strip trailing whitespace, collapse runs of blank lines, and drop leading and
//!   trailing blank lines; `verbatim` changes nothing.
//! - The message is cut at `<comment> ------------------------ >8 ------------------------`
//!   in `scissors` mode and, since `git commit -v` puts that line in the editor, also in
//!   `strip` mode (git cuts there only with `-v`; a hand-typed scissors line without `-v`
//!   is the one case where the hook cuts and git does not).
//! - The comment string is `core.commentString`, else `core.commentChar`, else `#`. For
//!   `auto`, git picks a character its initial message did not start a line with; the hook
//!   recovers it from the message: the character of a scissors line if there is one, else
//!   the first character of the last non-blank line when it is one of git's candidates
//!   (`#;@!$%^&|:`, the help text git appends), else `#`.
//! - `git commit --cleanup=<mode>` on the command line is not visible to hooks; the
//!   configuration is what the hook follows.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, Oid};

use crate::error::{Error, Result};
use crate::facts::{Change, ChangedPath, CommitFacts, Identity};
use crate::git::Repo;
use crate::git::treediff::canon_mode;
use crate::message::cleanup;

/// The id a commit that does not exist yet is given.
pub const ZERO_ID: &str = "0000000000000000000000000000000000000000";

/// The characters `core.commentChar=auto` chooses from, in git's order.
const AUTO_CANDIDATES: &str = "#;@!$%^&|:";

/// `commit.cleanup`, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupMode {
    /// `strip` with an editor, else `whitespace` (git's default).
    Default,
    /// Drop comment lines, then as `whitespace`.
    Strip,
    /// Trailing whitespace, blank-line runs, leading/trailing blank lines.
    Whitespace,
    /// Nothing changes.
    Verbatim,
    /// Cut at the scissors line (with an editor), then as `whitespace`.
    Scissors,
}

impl CleanupMode {
    /// Parses a `commit.cleanup` value (unknown values: `None`).
    pub fn parse(s: &str) -> Option<CleanupMode> {
        match s {
            "default" => Some(CleanupMode::Default),
            "strip" => Some(CleanupMode::Strip),
            "whitespace" => Some(CleanupMode::Whitespace),
            "verbatim" => Some(CleanupMode::Verbatim),
            "scissors" => Some(CleanupMode::Scissors),
            _ => None,
        }
    }
}

/// How the hook will clean the message: the mode, the comment string, and whether git used
/// an editor (`GIT_EDITOR` is not `:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupSettings {
    /// `commit.cleanup`.
    pub mode: CleanupMode,
    /// `core.commentString` / `core.commentChar` (`auto` already resolved).
    pub comment: String,
    /// True when git opened an editor for this commit.
    pub editor: bool,
}

/// Cleans `msg` the way `git commit` will before it records the commit.
pub fn cleanup(msg: &[u8], s: &CleanupSettings) -> Vec<u8> {
    let mode = match (s.mode, s.editor) {
        (CleanupMode::Default, true) => CleanupMode::Strip,
        (CleanupMode::Default | CleanupMode::Scissors, false) => CleanupMode::Whitespace,
        (m, _) => m,
    };
    let cut = matches!(mode, CleanupMode::Strip | CleanupMode::Scissors);
    let msg = if cut {
        cleanup::cut_at_scissors(msg, &s.comment)
    } else {
        msg
    };
    match mode {
        CleanupMode::Verbatim => msg.to_vec(),
        CleanupMode::Strip => cleanup::strip(msg, &s.comment),
        _ => cleanup::strip(msg, ""),
    }
}

/// Reads `commit.cleanup` and the comment string from the repository configuration and
/// `GIT_EDITOR` from the environment; resolves `core.commentChar=auto` from `msg`.
pub fn cleanup_settings(repo: &Repo, msg: &[u8]) -> Result<CleanupSettings> {
    let cfg = repo.raw().config()?;
    let get = |k: &str| cfg.get_string(k).ok().filter(|v| !v.is_empty());
    let mode = match get("commit.cleanup") {
        None => CleanupMode::Default,
        Some(v) => CleanupMode::parse(&v).ok_or_else(|| {
            Error::input(format!("commit.cleanup has the unknown value `{v}`"))
                .with_help("use default, strip, whitespace, verbatim or scissors (git would refuse the commit too)")
        })?,
    };
    let comment = match get("core.commentString").or_else(|| get("core.commentChar")) {
        Some(v) if v == "auto" => auto_comment(msg),
        Some(v) if !v.contains('\n') => v,
        _ => "#".to_string(),
    };
    let editor = std::env::var_os("GIT_EDITOR").is_none_or(|v| v != ":");
    Ok(CleanupSettings {
        mode,
        comment,
        editor,
    })
}

/// The comment character git picked for `core.commentChar=auto`, recovered from the message
/// it wrote (see the module documentation).
pub fn auto_comment(msg: &[u8]) -> String {
    let text = String::from_utf8_lossy(msg);
    for line in text.lines() {
        if let Some(c) = line.chars().next()
            && AUTO_CANDIDATES.contains(c)
            && line
                .get(c.len_utf8()..)
                .is_some_and(|r| r == cleanup::CUT_LINE)
        {
            return c.to_string();
        }
    }
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.chars().next())
        .filter(|c| AUTO_CANDIDATES.contains(*c))
        .map_or_else(|| "#".to_string(), |c| c.to_string())
}

/// The author and committer git will record: `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` (git
/// exports them to the hook, `--author` included), else `author.*`, else `user.*`; likewise
/// for the committer.
pub fn identities(repo: &Repo) -> Result<(Identity, Identity)> {
    let cfg = repo.raw().config()?;
    let env = |k: &str| std::env::var(k).ok();
    let conf = |k: &str| cfg.get_string(k).ok();
    let pick = |role: &str| {
        let upper = role.to_ascii_uppercase();
        let name = env(&format!("GIT_{upper}_NAME"))
            .or_else(|| conf(&format!("{role}.name")))
            .or_else(|| conf("user.name"))
            .unwrap_or_default();
        let email = env(&format!("GIT_{upper}_EMAIL"))
            .or_else(|| conf(&format!("{role}.email")))
            .or_else(|| conf("user.email"))
            .or_else(|| env("EMAIL"))
            .unwrap_or_default();
        Identity::new(name.trim(), email.trim())
    };
    Ok((pick("author"), pick("committer")))
}

/// Builds the commit-to-be: id all zeros, parents `HEAD` (plus `MERGE_HEAD` when a merge is
/// being concluded) or none on the first commit, the given (already cleaned) message, and
/// the staged paths: the index against `HEAD` (the empty tree on the first commit). For a
/// merge that is its diff against its first parent, as for a recorded merge checked on its
/// own (`check HEAD`, [`crate::git::Base::Single`]): the merge rule of DESIGN §5.
pub fn commit_to_be(repo: &Repo, message: Vec<u8>, max_paths: usize) -> Result<CommitFacts> {
    let g = repo.raw();
    let mut parents: Vec<Oid> = Vec::new();
    match g.head() {
        Ok(h) => {
            // Size-checked from the object header before libgit2 reads it.
            let c = h
                .target()
                .map(|oid| {
                    crate::git::peel_commit_id(repo, oid, crate::git::scan::MAX_COMMIT_OBJECT)
                })
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    Error::repo("HEAD does not point at a commit")
                        .with_help("check `git rev-parse HEAD`")
                })?;
            parents.push(c);
        }
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    if !parents.is_empty() {
        parents.extend(merge_heads(repo)?);
    }
    let index_path = match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_relative() {
                std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
            } else {
                p
            }
        }
        None => repo.git_dir().join("index"),
    };
    let bytes = match std::fs::read(&index_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(Error::repo(format!(
                "cannot read the index {}: {e}",
                index_path.display()
            ))
            .with_help("check `git status`"));
        }
    };
    let parsed = if bytes.is_empty() {
        Some(IndexFile {
            entries: Vec::new(),
            cache: HashMap::new(),
        })
    } else {
        read_index(&bytes)
    };
    let base = parents.first().copied();
    let paths = {
        let tree = match base {
            Some(p) => Some(g.find_commit(p).and_then(|c| c.tree()).map_err(|e| {
                Error::incomplete(format!("cannot read the tree of {p}: {}", e.message()))
                    .with_help("run `git fsck`")
            })?),
            None => None,
        };
        match &parsed {
            Some(idx) => fast_staged_paths(g, tree.as_ref().map(git2::Tree::id), idx, max_paths)?,
            None => {
                let index = git2::Index::open(&index_path).map_err(|e| {
                    Error::repo(format!(
                        "cannot read the index {}: {}",
                        index_path.display(),
                        e.message()
                    ))
                    .with_help("check `git status`")
                })?;
                staged_paths(g, tree.as_ref(), &index, max_paths)?
            }
        }
    };
    let mut paths = paths;
    fill_link_targets(g, &index_path, parents.first().copied(), &mut paths)?;
    let (author, committer) = identities(repo)?;
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Ok(CommitFacts {
        id: ZERO_ID.to_string(),
        parents: parents.iter().map(Oid::to_string).collect(),
        author,
        committer,
        time,
        message,
        encoding: None,
        paths,
    })
}

/// Fills the targets of staged symlinks, which are classified too (`policy::classify`): the
/// new target from the index, the old one from the first parent's tree when the link changed or
/// went. Only symlink entries read a blob, each at most
/// [`MAX_LINK_BYTES`](crate::git::treediff::MAX_LINK_BYTES) (checked before reading).
fn fill_link_targets(
    g: &git2::Repository,
    index_path: &Path,
    parent: Option<Oid>,
    paths: &mut [ChangedPath],
) -> Result<()> {
    const S_IFLNK: u32 = 0o120000;
    let is_link = |m: Option<u32>| m.is_some_and(|m| m & 0o170000 == S_IFLNK);
    if !paths
        .iter()
        .any(|p| is_link(p.old_mode) || is_link(p.new_mode))
    {
        return Ok(());
    }
    let cannot = |what: &str, path: &str, e: &str| {
        Error::incomplete(format!("cannot read the {what} of symlink `{path}`: {e}"))
            .with_help("run `git status` and `git fsck`")
    };
    let index = git2::Index::open(index_path).map_err(|e| {
        Error::repo(format!(
            "cannot read the index {}: {}",
            index_path.display(),
            e.message()
        ))
        .with_help("check `git status`")
    })?;
    let tree = match parent {
        Some(p) => Some(g.find_commit(p).and_then(|c| c.tree()).map_err(|e| {
            Error::incomplete(format!("cannot read the tree of {p}: {}", e.message()))
                .with_help("run `git fsck`")
        })?),
        None => None,
    };
    let read = |id: Oid, path: &str| -> Result<String> {
        let odb = g.odb().map_err(|e| cannot("target", path, e.message()))?;
        let (size, _) = odb
            .read_header(id)
            .map_err(|e| cannot("target", path, e.message()))?;
        if size as u64 > crate::git::treediff::MAX_LINK_BYTES {
            return Err(Error::limit(format!(
                "symlink `{path}`: its target is {size} bytes, more than the {}-byte limit",
                crate::git::treediff::MAX_LINK_BYTES
            ))
            .with_help("a symlink target is a path; such a link cannot be checked"));
        }
        let blob = g
            .find_blob(id)
            .map_err(|e| cannot("target", path, e.message()))?;
        Ok(String::from_utf8_lossy(blob.content()).into_owned())
    };
    for p in paths.iter_mut() {
        let new_id = if is_link(p.new_mode) {
            let e = index
                .get_path(Path::new(&p.path), 0)
                .ok_or_else(|| cannot("index entry", &p.path, "not found"))?;
            p.link_target = Some(read(e.id, &p.path)?);
            Some(e.id)
        } else {
            None
        };
        if is_link(p.old_mode)
            && let Some(t) = &tree
        {
            let e = t
                .get_path(Path::new(&p.path))
                .map_err(|e| cannot("parent entry", &p.path, e.message()))?;
            if new_id != Some(e.id()) {
                p.old_link_target = Some(read(e.id(), &p.path)?);
            }
        }
    }
    Ok(())
}

/// `MERGE_HEAD`'s commits, when a merge is being concluded.
fn merge_heads(repo: &Repo) -> Result<Vec<Oid>> {
    let path: &Path = &repo.git_dir().join("MERGE_HEAD");
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(
                Error::repo(format!("cannot read MERGE_HEAD: {e}")).with_help("check `git status`")
            );
        }
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            Oid::from_str(l.trim()).map_err(|_| {
                Error::repo("MERGE_HEAD is malformed")
                    .with_help("run `git merge --abort` and merge again")
            })
        })
        .collect()
}

/// The staged paths from our own index reader (see [`IndexDiff`]), sorted by path.
fn fast_staged_paths(
    g: &git2::Repository,
    tree: Option<Oid>,
    idx: &IndexFile<'_>,
    max_paths: usize,
) -> Result<Vec<ChangedPath>> {
    let mut d = IndexDiff {
        g,
        cache: &idx.cache,
        out: Vec::new(),
        max_paths,
    };
    d.dir(b"", tree, &idx.entries)?;
    let mut out = d.out;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The paths where the index differs from `tree` (the empty tree when `None`), by libgit2
/// (used when [`read_index`] cannot read the index), sorted by path.
fn staged_paths(
    g: &git2::Repository,
    tree: Option<&git2::Tree<'_>>,
    index: &git2::Index,
    max_paths: usize,
) -> Result<Vec<ChangedPath>> {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(false);
    let diff = g
        .diff_tree_to_index(tree, Some(index), Some(&mut opts))
        .map_err(|e| {
            Error::incomplete(format!(
                "cannot compare the index with HEAD: {}",
                e.message()
            ))
            .with_help("run `git status`; the repository may be missing objects")
        })?;
    let mut out = Vec::with_capacity(diff.deltas().len());
    for d in diff.deltas() {
        let (old, new) = (d.old_file(), d.new_file());
        let old_mode = u32::from(old.mode());
        let new_mode = u32::from(new.mode());
        let change = match d.status() {
            Delta::Added => Change::Added,
            Delta::Deleted => Change::Deleted,
            Delta::Typechange => Change::TypeChanged,
            _ if old.id() == new.id() => {
                if canon_mode(old_mode) == canon_mode(new_mode) {
                    continue;
                }
                Change::ModeChanged
            }
            _ => Change::Modified,
        };
        let path = new
            .path_bytes()
            .or_else(|| old.path_bytes())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        out.push(ChangedPath {
            path,
            change,
            old_mode: (change != Change::Added).then_some(old_mode),
            new_mode: (change != Change::Deleted).then_some(new_mode),
            link_target: None,
            old_link_target: None,
        });
        if out.len() > max_paths {
            return Err(Error::limit(format!(
                "the staged change has more than {max_paths} paths (limit max_paths)"
            ))
            .with_help("commit in smaller pieces or raise --max-paths"));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// One stage-0 index entry.
struct IndexEntry<'a> {
    path: Cow<'a, [u8]>,
    mode: u32,
    oid: Oid,
}

/// The parts of the index file the staged diff needs: entries (sorted by path) and the
/// valid cache-tree directories (path without trailing slash → tree id).
struct IndexFile<'a> {
    entries: Vec<IndexEntry<'a>>,
    cache: HashMap<Vec<u8>, Oid>,
}

/// Reads a version 2–4 index file. `None` when it holds something this reader does not
/// handle (unmerged entries, split or sparse index, unknown required extensions, a
/// malformed file): the caller then uses libgit2's diff. Like git outside `fsck`, the
/// trailing checksum is not verified.
fn read_index(data: &[u8]) -> Option<IndexFile<'_>> {
    let be32 = |at: usize| -> Option<u32> {
        data.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if data.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(8)? as usize;
    let mut at = 12usize;
    let mut entries = Vec::with_capacity(count.min(1 << 20));
    let mut prev_owned: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        let mode = be32(start + 24)?;
        let oid = Oid::from_bytes(data.get(start + 40..start + 60)?).ok()?;
        let flags = u16::from_be_bytes([*data.get(start + 60)?, *data.get(start + 61)?]);
        let mut path_at = start + 62;
        let mut intent_to_add = false;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            let ext = u16::from_be_bytes([*data.get(start + 62)?, *data.get(start + 63)?]);
            intent_to_add = ext & 0x2000 != 0;
            path_at += 2;
        }
        if flags & 0x3000 != 0 || mode & 0o170000 == 0o040000 {
            // Unmerged entries or sparse-directory entries.
            return None;
        }
        let path = if version == 4 {
            // Prefix compression: strip N bytes of the previous path, add the suffix.
            let mut p = path_at;
            let mut c = *data.get(p)?;
            p += 1;
            let mut strip = usize::from(c & 127);
            while c & 128 != 0 {
                c = *data.get(p)?;
                p += 1;
                strip = strip.checked_add(1)?.checked_mul(128)? + usize::from(c & 127);
            }
            let nul = data.get(p..)?.iter().position(|&b| b == 0)?;
            let keep = prev_owned.len().checked_sub(strip)?;
            prev_owned.truncate(keep);
            prev_owned.extend_from_slice(data.get(p..p + nul)?);
            at = p + nul + 1;
            Cow::Owned(prev_owned.clone())
        } else {
            let nul = data.get(path_at..)?.iter().position(|&b| b == 0)?;
            let path = data.get(path_at..path_at + nul)?;
            // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
            at = start + ((path_at - start + nul + 8) & !7);
            Cow::Borrowed(path)
        };
        if !intent_to_add {
            entries.push(IndexEntry { path, mode, oid });
        }
    }
    let mut cache = HashMap::new();
    let end = data.len().checked_sub(20)?;
    while at + 8 <= end {
        let sig = data.get(at..at + 4)?;
        let size = be32(at + 4)? as usize;
        let body = data.get(at + 8..(at + 8).checked_add(size)?)?;
        match sig {
            b"TREE" => {
                let mut pos = 0;
                cache_tree(body, &mut pos, &[], true, &mut cache)?;
            }
            s if s.first().is_some_and(u8::is_ascii_uppercase) => {}
            _ => return None,
        }
        at += 8 + size;
    }
    Some(IndexFile { entries, cache })
}

/// Parses one cache-tree node (and its children) at `pos`.
fn cache_tree(
    body: &[u8],
    pos: &mut usize,
    parent: &[u8],
    root: bool,
    out: &mut HashMap<Vec<u8>, Oid>,
) -> Option<()> {
    let rest = body.get(*pos..)?;
    let nul = rest.iter().position(|&b| b == 0)?;
    let name = rest.get(..nul)?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(rest.get(nul + 1..nl)?).ok()?;
    let (count, subtrees) = header.split_once(' ')?;
    let count: i64 = count.parse().ok()?;
    let subtrees: usize = subtrees.parse().ok()?;
    *pos += nl + 1;
    let mut path = parent.to_vec();
    if !root {
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
    }
    if count >= 0 {
        let oid = Oid::from_bytes(body.get(*pos..*pos + 20)?).ok()?;
        *pos += 20;
        out.insert(path.clone(), oid);
    }
    for _ in 0..subtrees {
        cache_tree(body, pos, &path, false, out)?;
    }
    Some(())
}

/// The staged diff from the index file: descends only into directories whose cache-tree
/// entry is missing or differs from the tree (git's own shortcut), so a commit touching
/// a few files of a large tree reads a few tree objects.
struct IndexDiff<'r> {
    g: &'r git2::Repository,
    cache: &'r HashMap<Vec<u8>, Oid>,
    out: Vec<ChangedPath>,
    max_paths: usize,
}

/// One name at one directory level of the index: a file entry or a run of entries below a
/// subdirectory.
enum Item<'e> {
    File(&'e IndexEntry<'e>),
    Dir(&'e [IndexEntry<'e>]),
}

impl IndexDiff<'_> {
    fn push(
        &mut self,
        path: Vec<u8>,
        change: Change,
        old: Option<u32>,
        new: Option<u32>,
    ) -> Result<()> {
        if self.out.len() >= self.max_paths {
            return Err(Error::limit(format!(
                "the staged change has more than {} paths (limit max_paths)",
                self.max_paths
            ))
            .with_help("commit in smaller pieces or raise --max-paths"));
        }
        self.out.push(ChangedPath {
            path: String::from_utf8_lossy(&path).into_owned(),
            change,
            old_mode: old,
            new_mode: new,
            link_target: None,
            old_link_target: None,
        });
        Ok(())
    }

    fn tree_entries(&self, id: Oid) -> Result<Vec<(Vec<u8>, u32, Oid)>> {
        let t = self.g.find_tree(id).map_err(|e| {
            Error::incomplete(format!("cannot read tree {id}: {}", e.message()))
                .with_help("run `git fsck`; the repository is missing objects")
        })?;
        Ok(t.iter()
            .map(|e| {
                (
                    e.name_bytes().to_vec(),
                    canon_mode(e.filemode() as u32),
                    e.id(),
                )
            })
            .collect())
    }

    /// Compares the tree `tree` (at `prefix`, which ends in `/` unless it is the root) with
    /// the index entries below `prefix`.
    fn dir(&mut self, prefix: &[u8], tree: Option<Oid>, entries: &[IndexEntry<'_>]) -> Result<()> {
        // Recursion, one level per directory: bounded like the tree diff's own stack.
        if prefix.iter().filter(|&&b| b == b'/').count() > crate::git::treediff::MAX_TREE_DEPTH {
            return Err(Error::limit(format!(
                "a staged path is nested more than {} directories deep",
                crate::git::treediff::MAX_TREE_DEPTH
            ))
            .with_help("git itself stops at 2048 (core.maxTreeDepth); flatten the tree"));
        }
        let key = prefix.strip_suffix(b"/").unwrap_or(prefix);
        if let Some(t) = tree
            && self.cache.get(key) == Some(&t)
        {
            return Ok(());
        }
        // The index side, grouped by the next path component.
        let mut items: Vec<(&[u8], Item<'_>)> = Vec::new();
        let mut i = 0;
        while let Some(e) = entries.get(i) {
            let rest = e.path.get(prefix.len()..).unwrap_or_default();
            match rest.iter().position(|&b| b == b'/') {
                None => {
                    items.push((rest, Item::File(e)));
                    i += 1;
                }
                Some(s) => {
                    let name = rest.get(..s).unwrap_or_default();
                    let start = i;
                    while entries.get(i).is_some_and(|x| {
                        x.path.get(prefix.len()..).is_some_and(|r| {
                            r.len() > s && r.get(..s) == Some(name) && r.get(s) == Some(&b'/')
                        })
                    }) {
                        i += 1;
                    }
                    items.push((name, Item::Dir(entries.get(start..i).unwrap_or_default())));
                }
            }
        }
        let mut tree_side: HashMap<(Vec<u8>, bool), (u32, Oid)> = HashMap::new();
        if let Some(t) = tree {
            for (name, mode, id) in self.tree_entries(t)? {
                let is_dir = mode == 0o040000;
                tree_side.insert((name, is_dir), (mode, id));
            }
        }
        for (name, item) in items {
            let mut path = prefix.to_vec();
            path.extend_from_slice(name);
            match item {
                Item::Dir(sub) => {
                    let old = tree_side.remove(&(name.to_vec(), true)).map(|(_, id)| id);
                    path.push(b'/');
                    self.dir(&path, old, sub)?;
                }
                Item::File(e) => {
                    let new_mode = canon_mode(e.mode);
                    match tree_side.remove(&(name.to_vec(), false)) {
                        None => self.push(path, Change::Added, None, Some(new_mode))?,
                        Some((old_mode, old_id)) => {
                            let change = if old_mode & 0o170000 != new_mode & 0o170000 {
                                Change::TypeChanged
                            } else if old_id != e.oid {
                                Change::Modified
                            } else if old_mode != new_mode {
                                Change::ModeChanged
                            } else {
                                continue;
                            };
                            self.push(path, change, Some(old_mode), Some(new_mode))?;
                        }
                    }
                }
            }
        }
        // What only the tree has was deleted.
        let mut gone: Vec<_> = tree_side.into_iter().collect();
        gone.sort();
        for ((name, is_dir), (mode, id)) in gone {
            let mut path = prefix.to_vec();
            path.extend_from_slice(&name);
            if is_dir {
                path.push(b'/');
                self.dir(&path, Some(id), &[])?;
            } else {
                self.push(path, Change::Deleted, Some(mode), None)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(mode: CleanupMode, comment: &str, editor: bool) -> CleanupSettings {
        CleanupSettings {
            mode,
            comment: comment.into(),
            editor,
        }
    }

    #[test]
    fn strip_drops_comments_and_cuts_at_scissors() {
        let msg = b"\n\nSubject  \n\n\n# comment\nBody\t\r\n\n# Please enter\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n+Reviewed-by: X <x@y>\n";
        let out = cleanup(msg, &s(CleanupMode::Default, "#", true));
        assert_eq!(out, b"Subject\n\nBody\n");
    }

    #[test]
    fn whitespace_keeps_comments_without_editor() {
        let msg = b"Subject\n\n# not a comment\n";
        assert_eq!(
            cleanup(msg, &s(CleanupMode::Default, "#", false)),
            b"Subject\n\n# not a comment\n"
        );
        assert_eq!(cleanup(msg, &s(CleanupMode::Verbatim, "#", true)), msg);
        assert_eq!(
            cleanup(b"S\n; c\n", &s(CleanupMode::Strip, ";", true)),
            b"S\n"
        );
    }

    #[test]
    fn scissors_needs_the_comment_string() {
        let msg = b"S\n\n; ------------------------ >8 ------------------------\nbelow\n";
        assert_eq!(cleanup(msg, &s(CleanupMode::Scissors, ";", true)), b"S\n");
        assert_eq!(
            cleanup(msg, &s(CleanupMode::Scissors, "#", true)),
            msg.to_vec()
        );
        // At the very start.
        let msg = b"# ------------------------ >8 ------------------------\nx\n";
        assert_eq!(cleanup(msg, &s(CleanupMode::Strip, "#", true)), b"");
    }

    #[test]
    fn auto_comment_is_recovered() {
        assert_eq!(
            auto_comment(b"Subject\n\n#1 fix\n\n; Please enter\n;\n"),
            ";"
        );
        assert_eq!(
            auto_comment(b"S\n; ------------------------ >8 ------------------------\n# x\n"),
            ";"
        );
        assert_eq!(auto_comment(b"Subject\n"), "#");
    }

    /// Runs git in `dir` with an isolated environment.
    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@x")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@x")
            .env("GIT_AUTHOR_DATE", "@1704067200 +0000")
            .env("GIT_COMMITTER_DATE", "@1704067200 +0000")
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The fast reader, libgit2 and `git diff --cached` agree on the staged paths.
    fn agree(dir: &Path, what: &str) {
        let repo = crate::git::open(dir).expect("open");
        let g = repo.raw();
        let tree = g.head().ok().and_then(|h| h.peel_to_tree().ok());
        let bytes = std::fs::read(dir.join(".git/index")).unwrap_or_default();
        let idx = read_index(&bytes).expect("readable index");
        let fast =
            fast_staged_paths(g, tree.as_ref().map(git2::Tree::id), &idx, 1000).expect("fast");
        let index = g.index().expect("index");
        let slow = staged_paths(g, tree.as_ref(), &index, 1000).expect("slow");
        assert_eq!(fast, slow, "{what}: fast vs libgit2");
        let base = if tree.is_some() {
            "HEAD"
        } else {
            crate::git::treediff::EMPTY_TREE
        };
        let oracle = git(
            dir,
            &[
                "diff",
                "--cached",
                "--no-renames",
                "--name-status",
                "-z",
                base,
            ],
        );
        let mut want: Vec<(String, String)> = Vec::new();
        let mut it = oracle.split('\0').filter(|s| !s.is_empty());
        while let (Some(st), Some(p)) = (it.next(), it.next()) {
            want.push((p.to_string(), st.to_string()));
        }
        want.sort();
        let got: Vec<(String, String)> = fast
            .iter()
            .map(|c| {
                let st = match c.change {
                    Change::Added => "A",
                    Change::Deleted => "D",
                    Change::TypeChanged => "T",
                    _ => "M",
                };
                (c.path.clone(), st.to_string())
            })
            .collect();
        assert_eq!(got, want, "{what}: fast vs git diff --cached");
    }

    #[test]
    fn staged_paths_match_git() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        git(d, &["init", "-q", "-b", "main"]);
        let w = |p: &str, c: &str| {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, c).expect("write");
        };
        w("a.txt", "a");
        w("dir/x.rs", "x");
        w("dir/sub/y.rs", "y");
        w("dir-z", "z");
        w("gone/one", "1");
        w("gone/two/three", "3");
        w("f2d", "file");
        git(d, &["add", "-A"]);
        agree(d, "first commit (empty tree)");
        git(d, &["commit", "-q", "-m", "one"]);
        agree(d, "nothing staged");
        for v in ["2", "4"] {
            git(d, &["update-index", "--index-version", v]);
            w("dir/sub/y.rs", "y2");
            w("dir/new/deep/n.rs", "n");
            w("b.txt", "b");
            git(d, &["add", "-A"]);
            agree(d, &format!("edits, index v{v}"));
        }
        git(d, &["rm", "-r", "-q", "gone"]);
        git(d, &["update-index", "--chmod=+x", "a.txt"]);
        git(d, &["rm", "-q", "f2d"]);
        w("f2d/inner", "now a dir");
        git(d, &["add", "-A"]);
        agree(d, "deletions, mode change, file to directory");
        git(d, &["commit", "-q", "-m", "two"]);
        std::fs::remove_dir_all(d.join("dir/sub")).expect("rm");
        w("dir/sub", "now a file");
        #[cfg(unix)]
        {
            std::fs::remove_file(d.join("b.txt")).expect("rm");
            std::os::unix::fs::symlink("a.txt", d.join("b.txt")).expect("symlink");
        }
        git(d, &["add", "-A"]);
        agree(d, "directory to file, file to symlink");
        // Intent-to-add entries are not part of the commit.
        git(d, &["commit", "-q", "-m", "three"]);
        w("later.txt", "l");
        git(d, &["add", "-N", "later.txt"]);
        let repo = crate::git::open(d).expect("open");
        let bytes = std::fs::read(d.join(".git/index")).expect("index");
        let idx = read_index(&bytes).expect("parsed");
        let tree = repo
            .raw()
            .head()
            .and_then(|h| h.peel_to_tree())
            .expect("tree")
            .id();
        assert!(
            fast_staged_paths(repo.raw(), Some(tree), &idx, 10)
                .expect("diff")
                .is_empty()
        );
        // Malformed or unmerged indexes are left to libgit2.
        assert!(read_index(b"DIRC\0\0\0\x09").is_none());
        assert!(read_index(b"nope").is_none());
    }
}
