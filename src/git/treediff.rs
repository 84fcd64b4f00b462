//! Names-only N-way tree diff over raw git tree objects, the way `git diff-tree -r
//! --no-renames` (one parent) and `git diff-tree -c` (merges) select paths.
//!
//! Why hand-written: libgit2's `diff_tree_to_tree` builds full paths and runs a generic
//! iterator for every entry, which is about 10× slower than git on history scans
//! (`reference/perf.md`). Here tree objects are read raw from the object database, parsed in
//! place, kept in a small two-generation cache (a commit's tree is usually its child's parent
//! tree), and compared entry by entry in git's name order; identical subtrees are never read.
//!
//! Rules (git's `tree-diff.c`):
//! - entries are ordered by name, a tree comparing as `name/` (so a file `a` and a directory
//!   `a` are different names: a file → directory change is a deletion plus additions);
//! - modes are canonicalised before comparing (`100664` → `100644`), so an old raw-mode quirk
//!   with the same id is no change;
//! - every name whose entry differs (absent, other id, other canonical mode) from the
//!   **first** parent's is reported, marked with whether it differs from **every** parent
//!   (git's combined set, `git diff-tree -c`); a subtree is entered only then, with the
//!   parents' matching subtrees (absent ones count as empty). The merge rule
//!   ([`crate::git::merges`]) decides which of a merge's paths it answers for.
//!
//! Bounded: the walk keeps its own stack (depth [`MAX_TREE_DEPTH`]), at most [`MAX_PARENTS`]
//! parents, [`MAX_HELD_TREE_BYTES`] of trees held at once and [`MAX_PATH_BYTES`] of path names
//! per commit; past any of them the run ends with exit 2, never a crash.

use std::cmp::Ordering;
use std::rc::Rc;

use git2::Oid;

use crate::error::{Error, Result};
use crate::facts::{Change, ChangedPath};
use crate::git::odb::cache::TwoGen;
use crate::git::odb::objects::Objects;
use crate::git::odb::pack::Kind;

/// The id of git's empty tree (SHA-1).
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFGITLINK: u32 = 0o160000;

/// git's `canon_mode`: regular files become 100644 or 100755, everything else its type.
pub fn canon_mode(mode: u32) -> u32 {
    match mode & S_IFMT {
        S_IFREG => S_IFREG | if mode & 0o100 != 0 { 0o755 } else { 0o644 },
        S_IFLNK => S_IFLNK,
        S_IFDIR => S_IFDIR,
        _ => S_IFGITLINK,
    }
}

/// The index of the first NUL byte, eight bytes at a time (names are short but many).
fn find_nul(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = u64::from_le_bytes(w);
        let z = v.wrapping_sub(LO) & !v & HI;
        if z != 0 {
            return Some(base + (z.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == 0)
        .map(|i| base + i)
}

/// Largest symlink target read: Windows' long-path limit (32,767 characters), the longest a
/// target that resolves anywhere can be. Larger is exit 2. (4096, Linux's `PATH_MAX`, was
/// too small: git/git's own history has a 6,511-byte symlink blob.)
pub const MAX_LINK_BYTES: u64 = 32 << 10;

/// Largest tree object read (a flat directory of several million entries); beyond it the
/// scan stops with a limit error instead of allocating without bound.
pub const MAX_TREE_BYTES: u64 = 256 << 20;

/// Deepest directory nesting a diff follows. git's own tree walks stop at 2,048
/// (`core.maxTreeDepth`, default since git 2.42.1); deeper is an error (exit 2), never a stack
/// overflow: the diff keeps its own stack.
pub const MAX_TREE_DEPTH: usize = 4096;

/// Most parents a commit may have for its diff (the largest octopus merges in public
/// histories have 66). Each parent's trees are held while the diff walks them.
pub const MAX_PARENTS: usize = 128;

/// Most bytes of tree objects one diff holds at once (every level of the walk holds the
/// commit's and each parent's tree at that level): bounds parents × tree size × depth.
pub const MAX_HELD_TREE_BYTES: usize = 512 << 20;

/// Most bytes of path names one commit's diff may produce (a bound on memory for deep or
/// long names repeated over many paths).
pub const MAX_PATH_BYTES: usize = 64 << 20;

/// Reads raw tree objects through [`Objects`], with a small bounded cache of whole trees: a
/// commit's tree is usually its child's parent tree, and unchanged subtrees recur from commit
/// to commit.
pub struct TreeReader<'o> {
    objects: Objects<'o>,
    cache: TwoGen<Oid, Rc<Vec<u8>>>,
    empty: Oid,
}

impl<'o> TreeReader<'o> {
    /// A reader over `objects` whose cache holds about `2 × max_bytes` of tree data.
    pub fn new(objects: Objects<'o>, max_bytes: usize) -> Self {
        TreeReader {
            objects,
            cache: TwoGen::new(2 * max_bytes),
            empty: Oid::from_str(EMPTY_TREE).unwrap_or(Oid::ZERO_SHA1),
        }
    }

    /// The object reader underneath, for reading commits through the same caches.
    pub fn objects(&mut self) -> &mut Objects<'o> {
        &mut self.objects
    }

    /// The raw bytes of tree `id` (`None` for the empty tree).
    fn load(&mut self, id: Oid) -> Result<Option<Rc<Vec<u8>>>> {
        if id == self.empty {
            return Ok(None);
        }
        if let Some(o) = self.cache.get(id) {
            return Ok(Some(o));
        }
        let (kind, obj) = self.objects.read(id, "tree", MAX_TREE_BYTES)?;
        if kind != Kind::Tree {
            return Err(Error::incomplete(format!(
                "object {id} should be a tree but is a {}",
                kind.name()
            ))
            .with_help("run `git fsck`; the repository is corrupt"));
        }
        self.cache.put(id, Rc::clone(&obj), obj.len());
        Ok(Some(obj))
    }

    /// The target of the symlink whose blob is `id` (lossy UTF-8). git stores a link's target
    /// as its blob; targets are at most a path (`PATH_MAX` is 4096), so a bigger blob is
    /// refused (exit 2) before it is read.
    fn link_target(&mut self, id: &[u8]) -> Result<String> {
        let oid = to_oid(id)?;
        let (kind, data) = self.objects.read(oid, "symlink", MAX_LINK_BYTES)?;
        if kind != Kind::Blob {
            return Err(Error::incomplete(format!(
                "object {oid} should be a symlink blob but is a {}",
                kind.name()
            ))
            .with_help("run `git fsck`; the repository is corrupt"));
        }
        Ok(String::from_utf8_lossy(&data).into_owned())
    }

    /// The entry at `path` (raw bytes, `/`-separated) in tree `root`: its key, or
    /// [`Key::ABSENT`] when no file, symlink or submodule is there (a directory counts as
    /// absent: a changed path is never a directory).
    pub fn entry_at(&mut self, root: Oid, path: &[u8]) -> Result<Key> {
        Ok(match self.entry_named(root, path)? {
            Some(k) if k.mode & S_IFMT != S_IFDIR => k,
            _ => Key::ABSENT,
        })
    }

    /// The entry at `path` in tree `root`, whatever it is (a directory too); `None` when
    /// nothing is there.
    pub fn entry_named(&mut self, root: Oid, path: &[u8]) -> Result<Option<Key>> {
        let mut tree = root;
        let mut parts = path.split(|&b| b == b'/').peekable();
        while let Some(part) = parts.next() {
            let Some(obj) = self.load(tree)? else {
                return Ok(None);
            };
            let last = parts.peek().is_none();
            let mut c = Cursor::at(&obj, 0)?;
            let mut found = None;
            while let Some(e) = c.cur {
                if e.name == part && (last || e.is_tree()) {
                    found = Some(e);
                    break;
                }
                c.advance()?;
            }
            let Some(e) = found else {
                return Ok(None);
            };
            if last {
                return Ok(Some(e.key()));
            }
            tree = to_oid(e.id)?;
        }
        Ok(None)
    }

    /// The changed paths between `new` and its `parents` (tree ids; `None` = empty tree):
    /// every path whose entry differs from the **first** parent's, each marked with whether
    /// it differs from **every** parent (git's combined set, `git diff-tree -c`). With one
    /// parent that is a plain two-tree diff, every path marked.
    pub fn diff(
        &mut self,
        new: Option<Oid>,
        parents: &[Option<Oid>],
        max_paths: usize,
    ) -> Result<Diff> {
        self.diff_with_base(new, parents, &[], max_paths)
    }

    /// [`TreeReader::diff`], compared with the `base` trees as well (a merge of a range and
    /// the range's base): also reports the paths that equal the first parent but differ
    /// from every base tree ([`Leaf::first`] false), and marks each path with whether it
    /// differs from every base tree ([`Leaf::from_base`]).
    pub fn diff_with_base(
        &mut self,
        new: Option<Oid>,
        parents: &[Option<Oid>],
        base: &[Oid],
        max_paths: usize,
    ) -> Result<Diff> {
        if parents.len() > MAX_PARENTS {
            return Err(too_many_parents(parents.len()));
        }
        let mut all: Vec<Option<Oid>> = parents.to_vec();
        all.extend(base.iter().map(|b| Some(*b)));
        let mut d = Differ {
            out: Diff {
                raw: Vec::with_capacity(128),
                leaves: Vec::with_capacity(4),
                links: Vec::new(),
            },
            prefix: Vec::new(),
            max_paths,
            held: 0,
            np: parents.len(),
        };
        d.run(self, new, &all)?;
        let mut out = d.out;
        // Symlinks are classified by their targets too: read the link blobs, only for symlink
        // entries, the old one only when the link changed or went.
        for (i, l) in out.leaves.iter().enumerate() {
            let new_link = l.key != Key::ABSENT && l.key.mode == S_IFLNK;
            let old_link = l
                .old
                .filter(|o| o.mode == S_IFLNK && (o.id != l.key.id || o.mode != l.key.mode));
            if !new_link && old_link.is_none() {
                continue;
            }
            let new_t = if new_link {
                Some(self.link_target(&l.key.id)?)
            } else {
                None
            };
            let old_t = match old_link {
                Some(o) => Some(self.link_target(&o.id)?),
                None => None,
            };
            out.links.push((i, new_t, old_t));
        }
        Ok(out)
    }
}

/// The error for an octopus merge with more parents than [`MAX_PARENTS`].
pub fn too_many_parents(n: usize) -> Error {
    Error::limit(format!(
        "a merge has {n} parents, more than {MAX_PARENTS} (each parent's trees are held while its paths are compared)"
    ))
    .with_help(format!(
        "merge at most {MAX_PARENTS} branches at once; to check history that already has such a merge, set a policy `baseline:` after it"
    ))
}

/// What a path holds in a tree: the object id and canonical mode, or nothing (`ABSENT`).
/// Used to compare a merge's result with what other commits introduced or the base has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The object id (all zero when absent).
    pub id: [u8; 20],
    /// The canonical mode (0 when absent).
    pub mode: u32,
}

impl Key {
    /// No entry at that path (a deletion).
    pub const ABSENT: Key = Key {
        id: [0; 20],
        mode: 0,
    };
}

/// One changed path of a [`Diff`].
#[derive(Debug, Clone, Copy)]
pub struct Leaf {
    /// End of its path in [`Diff::raw`] (it starts where the previous one ends).
    pub end: usize,
    /// What happened to it, compared with the first parent.
    pub change: Change,
    /// Mode in the first parent.
    pub old_mode: Option<u32>,
    /// Mode in the commit.
    pub new_mode: Option<u32>,
    /// What the commit has there.
    pub key: Key,
    /// What the first parent has there (`None`: nothing).
    pub old: Option<Key>,
    /// True when it differs from the first parent (false only for a path reported because
    /// it differs from the base: [`TreeReader::diff_with_base`]).
    pub first: bool,
    /// True when it differs from every parent (always, with one parent).
    pub everywhere: bool,
    /// True when it differs from every base tree (always, without base trees).
    pub from_base: bool,
}

/// The result of [`TreeReader::diff`]: the paths (raw bytes, in git's tree order) and how
/// each changed.
#[derive(Debug, Default)]
pub struct Diff {
    /// The paths, concatenated.
    pub raw: Vec<u8>,
    /// One per path, in order.
    pub leaves: Vec<Leaf>,
    /// Symlink targets (new, old) by leaf index, for the leaves that are or were symlinks:
    /// classified too (policy::classify), so they are read, for symlink entries only.
    pub links: Vec<(usize, Option<String>, Option<String>)>,
}

impl Diff {
    /// The raw path of leaf `i`.
    pub fn path(&self, i: usize) -> &[u8] {
        let start = match i.checked_sub(1) {
            Some(p) => self.leaves.get(p).map_or(0, |l| l.end),
            None => 0,
        };
        let end = self.leaves.get(i).map_or(start, |l| l.end);
        self.raw.get(start..end).unwrap_or_default()
    }

    /// Leaf `i` as a fact.
    pub fn changed_path(&self, i: usize) -> Option<ChangedPath> {
        let l = self.leaves.get(i)?;
        let mut f = fact(self.path(i), l.change, l.old_mode, l.new_mode);
        if let Ok(k) = self.links.binary_search_by_key(&i, |x| x.0)
            && let Some((_, new, old)) = self.links.get(k)
        {
            f.link_target.clone_from(new);
            f.old_link_target.clone_from(old);
        }
        Some(f)
    }
}

/// A changed path as a fact (the one place the scan builds them).
pub fn fact(
    path: &[u8],
    change: Change,
    old_mode: Option<u32>,
    new_mode: Option<u32>,
) -> ChangedPath {
    ChangedPath {
        path: String::from_utf8_lossy(path).into_owned(),
        change,
        old_mode,
        new_mode,
        link_target: None,
        old_link_target: None,
    }
}

/// One parsed tree entry, borrowing the tree object's bytes.
#[derive(Clone, Copy)]
struct Entry<'a> {
    name: &'a [u8],
    id: &'a [u8],
    /// Canonical mode.
    mode: u32,
    /// The whole raw entry (`mode SP name NUL id`).
    raw: &'a [u8],
}

impl Entry<'_> {
    #[inline]
    fn is_tree(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }

    fn key(&self) -> Key {
        let mut id = [0u8; 20];
        if let Some(src) = self.id.get(..20) {
            id.copy_from_slice(src);
        }
        Key {
            id,
            mode: self.mode,
        }
    }
}

/// git's `base_name_compare`: byte order, a tree's name continuing with `/`.
#[inline]
fn cmp_entries(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    cmp_names(a.name, a.is_tree(), b.name, b.is_tree())
}

#[inline]
fn cmp_names(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let n = a.len().min(b.len());
    match a.get(..n).cmp(&b.get(..n)) {
        Ordering::Equal => {}
        o => return o,
    }
    let end = |name: &[u8], tree: bool| -> u8 {
        match name.get(n) {
            Some(&c) => c,
            None if tree => b'/',
            None => 0,
        }
    };
    end(a, a_tree).cmp(&end(b, b_tree))
}

/// Same object and canonical mode.
#[inline]
fn same(a: &Entry<'_>, b: &Entry<'_>) -> bool {
    a.mode == b.mode && a.id == b.id
}

fn malformed_tree() -> Error {
    Error::incomplete("a tree object in the repository is malformed")
        .with_help("run `git fsck` and repair or re-clone the repository")
}

/// Checks the entry at the start of `rest` (`<octal mode> SP <name> NUL <20-byte id>`):
/// its mode, the offset of the space and the offset of the NUL after it. Malformed: an
/// error. The one parser of entries ([`Cursor::advance`], [`entry_len`]).
#[inline]
fn parse_entry(rest: &[u8]) -> Result<(u32, usize, usize)> {
    // The usual modes first; else octal digits up to the space (at most 10 fit a u32).
    let mut mode = 0u32;
    let mut sp = 0;
    if rest.starts_with(b"100644 ") {
        (mode, sp) = (0o100644, 6);
    } else if rest.starts_with(b"40000 ") {
        (mode, sp) = (0o40000, 5);
    }
    while sp == 0 || rest.get(sp) != Some(&b' ') {
        match rest.get(sp) {
            Some(&d) if (b'0'..=b'7').contains(&d) && sp < 10 => {
                mode = (mode << 3) | u32::from(d - b'0');
                sp += 1;
            }
            _ => return Err(malformed_tree()),
        }
    }
    let after = rest.get(sp + 1..).ok_or_else(malformed_tree)?;
    let nul = find_nul(after).ok_or_else(malformed_tree)?;
    if nul == 0 || after.len() < nul + 21 {
        return Err(malformed_tree());
    }
    Ok((mode, sp, nul))
}

/// The length of the (checked) entry at the start of `rest`.
#[inline]
fn entry_len(rest: &[u8]) -> Result<usize> {
    let (_, sp, nul) = parse_entry(rest)?;
    Ok(sp + 1 + nul + 21)
}

/// How many leading bytes `a` and `b` have in common (eight at a time).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (
        a.get(..n).unwrap_or_default(),
        b.get(..n).unwrap_or_default(),
    );
    let mut base = 0;
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut ca).zip(&mut cb) {
        let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        let d = u64::from_le_bytes(wx) ^ u64::from_le_bytes(wy);
        if d != 0 {
            return base + (d.trailing_zeros() / 8) as usize;
        }
        base += 8;
    }
    base + ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .take_while(|(x, y)| x == y)
        .count()
}

/// A cursor over the entries of one raw tree object.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    cur: Option<Entry<'a>>,
}

impl<'a> Cursor<'a> {
    /// A cursor on the entry that starts at `at`.
    fn at(data: &'a [u8], at: usize) -> Result<Self> {
        let mut c = Cursor {
            data,
            pos: at,
            cur: None,
        };
        c.advance()?;
        Ok(c)
    }

    /// Where the current entry starts (the end when there is none): what a [`Tree`] keeps
    /// between two stretches of the walk.
    fn resume_at(&self) -> usize {
        match self.cur {
            Some(e) => self.pos - e.raw.len(),
            None => self.data.len(),
        }
    }

    /// Parses the next entry (`<octal mode> SP <name> NUL <20-byte id>`).
    fn advance(&mut self) -> Result<()> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.cur = None;
            return Ok(());
        }
        let (mode, sp, nul) = parse_entry(rest)?;
        let after = rest.get(sp + 1..).ok_or_else(malformed_tree)?;
        let name = after.get(..nul).ok_or_else(malformed_tree)?;
        let id = after.get(nul + 1..nul + 21).ok_or_else(malformed_tree)?;
        let len = sp + 1 + nul + 21;
        self.pos += len;
        self.cur = Some(Entry {
            name,
            id,
            mode: canon_mode(mode),
            raw: rest.get(..len).ok_or_else(malformed_tree)?,
        });
        Ok(())
    }

    /// Advances, taking `other`'s current entry without parsing when the next raw bytes
    /// here are exactly that entry (an entry is self-delimiting, so equal bytes parse equal).
    #[inline]
    fn advance_like(&mut self, other: &Cursor<'a>) -> Result<()> {
        if let Some(e) = other.cur
            && self
                .data
                .get(self.pos..)
                .is_some_and(|r| r.starts_with(e.raw))
        {
            self.pos += e.raw.len();
            self.cur = Some(e);
            return Ok(());
        }
        self.advance()
    }
}

/// How a reported path compares with the parents and the base ([`Leaf`]).
#[derive(Clone, Copy)]
struct Flags {
    first: bool,
    everywhere: bool,
    from_base: bool,
}

/// One tree of a level: its bytes (`None`: the empty tree) and where the walk is in it.
struct Tree {
    data: Option<Rc<Vec<u8>>>,
    at: usize,
}

impl Tree {
    fn held(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.len())
    }
}

/// The bytes of a tree (empty for the empty tree).
fn bytes(d: &Option<Rc<Vec<u8>>>) -> &[u8] {
    d.as_deref().map_or(&[][..], Vec::as_slice)
}

/// One directory level of the walk: the commit's tree and each parent's tree there, then
/// the base trees.
struct Level {
    t: Tree,
    ps: Vec<Tree>,
    /// How many of `ps` are parents (the rest are base trees).
    np: usize,
    /// False below a directory the commit has exactly as a parent other than the first
    /// has it: nothing there differs from every parent, and only the first parent is kept.
    combined: bool,
    /// Length of the path prefix before this level's `name/` was added.
    base_len: usize,
}

impl Level {
    fn held(&self) -> usize {
        self.t.held() + self.ps.iter().map(Tree::held).sum::<usize>()
    }
}

/// A directory the walk enters next: the commit's subtree, the other trees' subtrees, how
/// many of those are parents, and whether combined paths are still possible there.
struct Enter {
    new: Option<Oid>,
    trees: Vec<Option<Oid>>,
    np: usize,
    combined: bool,
    base_len: usize,
}

/// The walk: an explicit stack of levels (no recursion, so depth costs heap, not stack).
struct Differ {
    out: Diff,
    prefix: Vec<u8>,
    max_paths: usize,
    /// Bytes of tree objects held by the levels on the stack.
    held: usize,
    /// How many of the root level's trees are parents (the rest are base trees).
    np: usize,
}

fn to_oid(id: &[u8]) -> Result<Oid> {
    Oid::from_bytes(id)
        .map_err(|e| Error::incomplete(format!("bad object id in a tree: {}", e.message())))
}

impl Differ {
    fn level(&mut self, r: &mut TreeReader<'_>, e: Enter) -> Result<Level> {
        let t = Tree {
            data: match e.new {
                Some(id) => r.load(id)?,
                None => None,
            },
            at: 0,
        };
        let mut ps = Vec::with_capacity(e.trees.len());
        for p in &e.trees {
            ps.push(Tree {
                data: match p {
                    Some(id) => r.load(*id)?,
                    None => None,
                },
                at: 0,
            });
        }
        let l = Level {
            t,
            ps,
            np: e.np,
            combined: e.combined,
            base_len: e.base_len,
        };
        self.held += l.held();
        if self.held > MAX_HELD_TREE_BYTES {
            return Err(Error::limit(format!(
                "comparing a commit with its parents needs more than {} MiB of tree objects at once",
                MAX_HELD_TREE_BYTES >> 20
            ))
            .with_help(
                "such a commit (huge directories, many parents) cannot be checked; set a policy \
                 `baseline:` after it",
            ));
        }
        Ok(l)
    }

    fn run(
        &mut self,
        r: &mut TreeReader<'_>,
        new: Option<Oid>,
        parents: &[Option<Oid>],
    ) -> Result<()> {
        let root = self.level(
            r,
            Enter {
                new,
                trees: parents.to_vec(),
                np: self.np,
                combined: true,
                base_len: 0,
            },
        )?;
        let mut stack = vec![root];
        while let Some(top) = stack.last_mut() {
            match self.next(top)? {
                Some(enter) => {
                    if stack.len() >= MAX_TREE_DEPTH {
                        return Err(Error::limit(format!(
                            "a commit's tree is nested more than {MAX_TREE_DEPTH} directories deep"
                        ))
                        .with_help(
                            "git itself stops at 2048 (core.maxTreeDepth); such a tree cannot \
                             be checked: set a policy `baseline:` after the commit",
                        ));
                    }
                    let child = self.level(r, enter)?;
                    stack.push(child);
                }
                None => {
                    if let Some(done) = stack.pop() {
                        self.held = self.held.saturating_sub(done.held());
                        self.prefix.truncate(done.base_len);
                    }
                }
            }
        }
        Ok(())
    }

    /// Walks `lvl` on from where it stopped, reporting leaves, until it finds a directory to
    /// enter (returned, its name already on the prefix and `lvl` past it) or runs out.
    fn next(&mut self, lvl: &mut Level) -> Result<Option<Enter>> {
        // The trees' bytes are borrowed for this stretch (the `Rc`s keep them alive); the
        // positions go back into `lvl` when it ends.
        let tdata = lvl.t.data.clone();
        let pdata: Vec<Option<Rc<Vec<u8>>>> = lvl.ps.iter().map(|p| p.data.clone()).collect();
        let mut t = Cursor::at(bytes(&tdata), lvl.t.at)?;
        let mut ps = Vec::with_capacity(pdata.len());
        for (d, p) in pdata.iter().zip(&lvl.ps) {
            ps.push(Cursor::at(bytes(d), p.at)?);
        }
        let res = self.walk(&mut t, &mut ps, lvl.np, lvl.combined);
        lvl.t.at = t.resume_at();
        for (p, c) in lvl.ps.iter_mut().zip(&ps) {
            p.at = c.resume_at();
        }
        res
    }

    /// The walk over one level's cursors (see [`Differ::next`]).
    fn walk<'a>(
        &mut self,
        t: &mut Cursor<'a>,
        ps: &mut [Cursor<'a>],
        np: usize,
        combined: bool,
    ) -> Result<Option<Enter>> {
        let n = ps.len();
        let mut at_min = vec![false; n];
        let mut pe: Vec<Option<Entry<'a>>> = vec![None; n];
        loop {
            // One other tree (a commit and its parent) whose current entry is the same
            // bytes as the commit's: nothing changed there, nor in the entries after it that
            // are the same bytes too. Skip them all at once (each is still checked as the
            // commit's cursor would check it), and go on at the first entry that differs.
            if let [p] = ps
                && let (Some(a), Some(b)) = (t.cur, p.cur)
                && a.raw == b.raw
            {
                Self::skip_same(t, p)?;
                continue;
            }
            // The smallest current name among the other trees.
            let mut min: Option<Entry<'a>> = None;
            for c in ps.iter() {
                if let Some(e) = c.cur
                    && min.is_none_or(|m| cmp_entries(&e, &m) == Ordering::Less)
                {
                    min = Some(e);
                }
            }
            let ord = match (t.cur, min) {
                (None, None) => return Ok(None),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => cmp_entries(&a, &b),
            };
            for (i, c) in ps.iter().enumerate() {
                let hit = match (c.cur, min) {
                    (Some(e), Some(m)) if ord != Ordering::Less => {
                        cmp_entries(&e, &m) == Ordering::Equal
                    }
                    _ => false,
                };
                if let (Some(a), Some(p)) = (at_min.get_mut(i), pe.get_mut(i)) {
                    *a = hit;
                    *p = if hit { c.cur } else { None };
                }
            }
            let te = if ord == Ordering::Greater {
                None
            } else {
                t.cur
            };
            let differs = |i: usize| -> bool {
                match (te, pe.get(i).copied().flatten()) {
                    (Some(a), Some(b)) => !same(&a, &b),
                    (None, None) => false,
                    _ => true,
                }
            };
            let first_differs = differs(0);
            let from_base = (np..n).all(differs);
            if first_differs || (n > np && from_base) {
                let everywhere = combined && first_differs && (0..np).all(differs);
                if let Some(e) = te.or_else(|| pe.iter().flatten().next().copied()) {
                    let base_len = self.prefix.len();
                    self.prefix.extend_from_slice(e.name);
                    if e.is_tree() {
                        self.prefix.push(b'/');
                        // A directory the commit has exactly as another parent has it:
                        // nothing below differs from every parent; keep only the first
                        // parent (and the base).
                        let as_other = combined && np > 1 && (1..np).any(|i| !differs(i));
                        let new = match te {
                            Some(a) => Some(to_oid(a.id)?),
                            None => None,
                        };
                        let mut trees = Vec::with_capacity(n);
                        for (i, p) in pe.iter().enumerate() {
                            if as_other && i > 0 && i < np {
                                continue;
                            }
                            trees.push(match p {
                                Some(p) if p.is_tree() => Some(to_oid(p.id)?),
                                _ => None,
                            });
                        }
                        let (child_np, child_combined) =
                            if as_other { (1, false) } else { (np, combined) };
                        Self::step(t, ps, ord, &at_min)?;
                        return Ok(Some(Enter {
                            new,
                            trees,
                            np: child_np,
                            combined: child_combined,
                            base_len,
                        }));
                    }
                    let key = te.map_or(Key::ABSENT, |a| a.key());
                    // Compared with the first parent, or (a path reported for the base
                    // only, where it equals the first parent) with the first base tree.
                    let old_side = if first_differs { 0 } else { np };
                    let old = pe.get(old_side).copied().flatten().map(|p| p.key());
                    self.leaf(
                        base_len,
                        key,
                        old,
                        Flags {
                            first: first_differs,
                            everywhere,
                            from_base,
                        },
                    )?;
                }
            }
            Self::step(t, ps, ord, &at_min)?;
        }
    }

    /// Moves `t` and `p`, whose current entries are the same bytes, past those entries and
    /// every following entry that is the same bytes in both, onto the next entries.
    fn skip_same<'a>(t: &mut Cursor<'a>, p: &mut Cursor<'a>) -> Result<()> {
        let tr = t.data.get(t.pos..).unwrap_or_default();
        let pr = p.data.get(p.pos..).unwrap_or_default();
        let same = common_prefix(tr, pr);
        let mut k = 0;
        while k < same {
            let len = entry_len(tr.get(k..).unwrap_or_default())?;
            if k + len > same {
                break;
            }
            k += len;
        }
        t.pos += k;
        p.pos += k;
        t.advance()?;
        p.advance_like(t)
    }

    /// Moves the cursors past the current name.
    #[inline]
    fn step<'a>(
        t: &mut Cursor<'a>,
        ps: &mut [Cursor<'a>],
        ord: Ordering,
        at_min: &[bool],
    ) -> Result<()> {
        if ord != Ordering::Greater {
            t.advance()?;
        }
        for (c, &hit) in ps.iter_mut().zip(at_min) {
            if hit {
                if ord == Ordering::Equal {
                    c.advance_like(t)?;
                } else {
                    c.advance()?;
                }
            }
        }
        Ok(())
    }

    /// Records the path on the prefix as one changed path, then restores the prefix to
    /// `base_len`.
    fn leaf(&mut self, base_len: usize, new: Key, old: Option<Key>, flags: Flags) -> Result<()> {
        let change = match old {
            None => Change::Added,
            Some(_) if new == Key::ABSENT => Change::Deleted,
            Some(o) if o.mode & S_IFMT != new.mode & S_IFMT => Change::TypeChanged,
            Some(o) if o.id != new.id => Change::Modified,
            Some(_) => Change::ModeChanged,
        };
        let res = if self.out.leaves.len() >= self.max_paths {
            Err(Error::limit(format!(
                "a commit changes more than {} paths (limit max_paths_per_commit)",
                self.max_paths
            ))
            .with_help("check a narrower range, or raise the limit if this commit is expected"))
        } else if self.out.raw.len() + self.prefix.len() > MAX_PATH_BYTES {
            Err(Error::limit(format!(
                "a commit's changed paths add up to more than {} MiB of path names",
                MAX_PATH_BYTES >> 20
            ))
            .with_help("such a commit cannot be checked; set a policy `baseline:` after it"))
        } else {
            self.out.raw.extend_from_slice(&self.prefix);
            self.out.leaves.push(Leaf {
                end: self.out.raw.len(),
                change,
                old_mode: old.map(|o| o.mode),
                new_mode: (new != Key::ABSENT).then_some(new.mode),
                key: new,
                old,
                first: flags.first,
                everywhere: flags.everywhere,
                from_base: flags.from_base,
            });
            Ok(())
        };
        self.prefix.truncate(base_len);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &[u8], mode: u32) -> Entry<'_> {
        Entry {
            name,
            id: &[],
            mode,
            raw: &[],
        }
    }

    fn side(bytes: &[u8]) -> Result<Cursor<'_>> {
        Cursor::at(bytes, 0)
    }

    /// A raw tree entry: `mode name NUL id` with the id made of `fill`.
    fn raw_entry(mode: &str, name: &str, fill: u8) -> Vec<u8> {
        let mut v = format!("{mode} {name}\0").into_bytes();
        v.extend_from_slice(&[fill; 20]);
        v
    }

    #[test]
    fn common_prefix_counts_equal_leading_bytes() {
        for n in 0..40 {
            let a = vec![7u8; 40];
            let mut b = a.clone();
            if let Some(x) = b.get_mut(n) {
                *x = 8;
            }
            assert_eq!(common_prefix(&a, &b), n);
            assert_eq!(common_prefix(&a[..n], &a), n);
        }
        assert_eq!(common_prefix(b"", b"abc"), 0);
    }

    #[test]
    fn skipping_same_entries_stops_at_the_first_difference_and_still_checks_them() {
        let names = ["a", "b", "c", "d", "e"];
        let tree = |changed: Option<usize>| -> Vec<u8> {
            names
                .iter()
                .enumerate()
                .flat_map(|(i, n)| raw_entry("100644", n, if Some(i) == changed { 2 } else { 1 }))
                .collect()
        };
        for changed in [None, Some(0), Some(1), Some(3), Some(4)] {
            let (tb, pb) = (tree(changed), tree(None));
            let (mut t, mut p) = (side(&tb).expect("t"), side(&pb).expect("p"));
            if changed == Some(0) {
                continue; // the fast path starts on equal entries only
            }
            Differ::skip_same(&mut t, &mut p).expect("skips");
            match changed {
                None => assert!(t.cur.is_none() && p.cur.is_none()),
                Some(i) => {
                    let (a, b) = (t.cur.expect("t entry"), p.cur.expect("p entry"));
                    assert_eq!((a.name, b.name), (names[i].as_bytes(), names[i].as_bytes()));
                    assert!(!same(&a, &b));
                }
            }
        }
        // A malformed entry inside the equal run is refused as the walk would refuse it.
        for bad in [raw_entry("100644", "", 1), raw_entry("10x644", "x", 1)] {
            let mut tb = raw_entry("100644", "a", 1);
            tb.extend_from_slice(&bad);
            tb.extend_from_slice(&raw_entry("100644", "z", 1));
            let pb = {
                let mut v = tb.clone();
                let last = v.len() - 1;
                v[last] = 9;
                v
            };
            let (mut t, mut p) = (side(&tb).expect("t"), side(&pb).expect("p"));
            assert!(Differ::skip_same(&mut t, &mut p).is_err());
        }
    }

    #[test]
    fn canonical_modes() {
        assert_eq!(canon_mode(0o100664), 0o100644);
        assert_eq!(canon_mode(0o100775), 0o100755);
        assert_eq!(canon_mode(0o100644), 0o100644);
        assert_eq!(canon_mode(0o120000), 0o120000);
        assert_eq!(canon_mode(0o40000), 0o40000);
        assert_eq!(canon_mode(0o160000), 0o160000);
    }

    #[test]
    fn tree_names_sort_with_a_slash() {
        // "a.b" < "a/" for a tree named "a", but "a" (file) < "a.b".
        assert_eq!(
            cmp_entries(&e(b"a", S_IFDIR), &e(b"a.b", S_IFREG)),
            Ordering::Greater
        );
        assert_eq!(
            cmp_entries(&e(b"a", S_IFREG), &e(b"a.b", S_IFREG)),
            Ordering::Less
        );
        assert_eq!(
            cmp_entries(&e(b"a", S_IFREG), &e(b"a", S_IFDIR)),
            Ordering::Less
        );
        assert_eq!(
            cmp_entries(&e(b"a", S_IFDIR), &e(b"a", S_IFDIR)),
            Ordering::Equal
        );
        assert_eq!(
            cmp_entries(&e(b"a", S_IFDIR), &e(b"a0", S_IFREG)),
            Ordering::Less
        );
    }

    #[test]
    fn finds_the_first_nul() {
        for n in 0..40 {
            let mut v = vec![b'x'; 40];
            if let Some(b) = v.get_mut(n) {
                *b = 0;
            }
            if let Some(b) = v.get_mut(n + 3) {
                *b = 0;
            }
            assert_eq!(find_nul(&v), Some(n), "at {n}");
            assert_eq!(find_nul(v.get(..n).unwrap_or_default()), None);
        }
        // 0x80 bytes and 0x01 bytes must not look like NUL.
        assert_eq!(
            find_nul(&[0x80, 0x01, 0x81, 0xff, 1, 2, 3, 4, 5, 0]),
            Some(9)
        );
    }

    #[test]
    fn malformed_trees_are_errors() {
        assert!(side(b"100644 a").is_err());
        assert!(side(b"10x644 a\0aaaaaaaaaaaaaaaaaaaa").is_err());
        assert!(side(b"100644 a\0short").is_err());
        assert!(side(b"100644 \0aaaaaaaaaaaaaaaaaaaa").is_err());
        let c = side(b"100664 a\0aaaaaaaaaaaaaaaaaaaa").ok();
        assert_eq!(c.and_then(|c| c.cur).map(|e| e.mode), Some(0o100644));
    }
}
