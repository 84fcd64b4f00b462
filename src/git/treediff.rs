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
            let mut side = Side::new(Some(obj))?;
            let mut found = None;
            while let Some(e) = side.cur {
                if side.name(&e) == part && (last || e.is_tree()) {
                    found = Some(e);
                    break;
                }
                side.advance()?;
            }
            let Some(e) = found else {
                return Ok(None);
            };
            if last {
                return Ok(Some(side.key(&e)));
            }
            tree = to_oid(side.id(&e))?;
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
            out: Diff::default(),
            prefix: Vec::new(),
            max_paths,
            held: 0,
            np: parents.len(),
        };
        d.run(self, new, &all)?;
        Ok(d.out)
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
        Some(fact(self.path(i), l.change, l.old_mode, l.new_mode))
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
    }
}

/// One parsed tree entry, as offsets into its tree's bytes.
#[derive(Clone, Copy)]
struct Ent {
    /// Start of the raw entry (`mode SP name NUL id`).
    start: usize,
    /// Offset of the name from `start`.
    name_off: usize,
    /// Length of the name.
    name_len: usize,
    /// Canonical mode.
    mode: u32,
}

impl Ent {
    fn is_tree(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    fn len(&self) -> usize {
        self.name_off + self.name_len + 21
    }
}

/// One tree being walked: its bytes and the current entry.
struct Side {
    data: Option<Rc<Vec<u8>>>,
    pos: usize,
    cur: Option<Ent>,
}

fn malformed_tree() -> Error {
    Error::incomplete("a tree object in the repository is malformed")
        .with_help("run `git fsck` and repair or re-clone the repository")
}

impl Side {
    fn new(data: Option<Rc<Vec<u8>>>) -> Result<Self> {
        let mut s = Side {
            data,
            pos: 0,
            cur: None,
        };
        s.advance()?;
        Ok(s)
    }

    fn bytes(&self) -> &[u8] {
        self.data.as_deref().map_or(&[][..], Vec::as_slice)
    }

    fn held(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.len())
    }

    fn name(&self, e: &Ent) -> &[u8] {
        let at = e.start + e.name_off;
        self.bytes().get(at..at + e.name_len).unwrap_or_default()
    }

    fn id(&self, e: &Ent) -> &[u8] {
        let at = e.start + e.name_off + e.name_len + 1;
        self.bytes().get(at..at + 20).unwrap_or_default()
    }

    fn raw(&self, e: &Ent) -> &[u8] {
        self.bytes()
            .get(e.start..e.start + e.len())
            .unwrap_or_default()
    }

    fn key(&self, e: &Ent) -> Key {
        let mut id = [0u8; 20];
        id.copy_from_slice(self.id(e));
        Key { id, mode: e.mode }
    }

    /// Parses the next entry (`<octal mode> SP <name> NUL <20-byte id>`).
    fn advance(&mut self) -> Result<()> {
        let start = self.pos;
        let rest = self.bytes().get(start..).unwrap_or_default();
        if rest.is_empty() {
            self.cur = None;
            return Ok(());
        }
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
        let e = Ent {
            start,
            name_off: sp + 1,
            name_len: nul,
            mode: canon_mode(mode),
        };
        self.pos = start + e.len();
        self.cur = Some(e);
        Ok(())
    }

    /// Advances, taking `other`'s current entry without parsing when the next raw bytes
    /// here are exactly that entry (an entry is self-delimiting, so equal bytes parse equal).
    fn advance_like(&mut self, other: &Side) -> Result<()> {
        if let Some(e) = other.cur {
            let raw = other.raw(&e);
            if self
                .bytes()
                .get(self.pos..)
                .is_some_and(|r| r.starts_with(raw))
            {
                let mine = Ent {
                    start: self.pos,
                    ..e
                };
                self.pos += e.len();
                self.cur = Some(mine);
                return Ok(());
            }
        }
        self.advance()
    }
}

/// git's `base_name_compare` of two entries of two trees: byte order, a tree's name
/// continuing with `/`.
fn cmp_at(a: &Side, ae: &Ent, b: &Side, be: &Ent) -> Ordering {
    cmp_names(a.name(ae), ae.is_tree(), b.name(be), be.is_tree())
}

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
fn same(a: &Side, ae: &Ent, b: &Side, be: &Ent) -> bool {
    ae.mode == be.mode && a.id(ae) == b.id(be)
}

/// How a reported path compares with the parents and the base ([`Leaf`]).
#[derive(Clone, Copy)]
struct Flags {
    first: bool,
    everywhere: bool,
    from_base: bool,
}

/// One directory level of the walk: the commit's tree and each parent's tree there, then
/// the base trees.
struct Level {
    t: Side,
    ps: Vec<Side>,
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
        self.t.held() + self.ps.iter().map(Side::held).sum::<usize>()
    }
}

/// The walk: an explicit stack of levels (no recursion, so depth costs heap, not stack).
/// Each level's `ps` are the parents' trees, then the base trees.
struct Differ {
    out: Diff,
    prefix: Vec<u8>,
    max_paths: usize,
    /// Bytes of tree objects held by the levels on the stack.
    held: usize,
    /// How many of the root level's `ps` are parents (the rest are base trees).
    np: usize,
}

fn to_oid(id: &[u8]) -> Result<Oid> {
    Oid::from_bytes(id)
        .map_err(|e| Error::incomplete(format!("bad object id in a tree: {}", e.message())))
}

impl Differ {
    fn level(
        &mut self,
        r: &mut TreeReader<'_>,
        new: Option<Oid>,
        parents: &[Option<Oid>],
        np: usize,
        combined: bool,
        base_len: usize,
    ) -> Result<Level> {
        let t = Side::new(match new {
            Some(id) => r.load(id)?,
            None => None,
        })?;
        let mut ps = Vec::with_capacity(parents.len());
        for p in parents {
            ps.push(Side::new(match p {
                Some(id) => r.load(*id)?,
                None => None,
            })?);
        }
        let l = Level {
            t,
            ps,
            np,
            combined,
            base_len,
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
        let np = self.np;
        let root = self.level(r, new, parents, np, true, 0)?;
        let mut stack = vec![root];
        while let Some(top) = stack.last_mut() {
            match self.next(r, top)? {
                Some(child) => {
                    if stack.len() >= MAX_TREE_DEPTH {
                        return Err(Error::limit(format!(
                            "a commit's tree is nested more than {MAX_TREE_DEPTH} directories deep"
                        ))
                        .with_help(
                            "git itself stops at 2048 (core.maxTreeDepth); such a tree cannot \
                             be checked: set a policy `baseline:` after the commit",
                        ));
                    }
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

    /// Walks `lvl` on, reporting leaves, until it finds a directory to enter (returned, its
    /// name already on the prefix and the cursors past it) or runs out (`None`).
    fn next(&mut self, r: &mut TreeReader<'_>, lvl: &mut Level) -> Result<Option<Level>> {
        let n = lvl.ps.len();
        let mut at_min = vec![false; n];
        loop {
            // The parent holding the smallest current name.
            let mut min: Option<usize> = None;
            for (i, c) in lvl.ps.iter().enumerate() {
                if let Some(e) = c.cur {
                    let smaller = match min {
                        None => true,
                        Some(m) => match lvl.ps.get(m) {
                            Some(mc) => mc
                                .cur
                                .is_some_and(|me| cmp_at(c, &e, mc, &me) == Ordering::Less),
                            None => false,
                        },
                    };
                    if smaller {
                        min = Some(i);
                    }
                }
            }
            let min_side = min.and_then(|m| lvl.ps.get(m));
            let min_ent = min_side.and_then(|s| s.cur);
            let ord = match (lvl.t.cur, min_side.zip(min_ent)) {
                (None, None) => return Ok(None),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(te), Some((ms, me))) => cmp_at(&lvl.t, &te, ms, &me),
            };
            for (i, c) in lvl.ps.iter().enumerate() {
                at_min[i] = ord != Ordering::Less
                    && match (c.cur, min_side.zip(min_ent)) {
                        (Some(e), Some((ms, me))) => cmp_at(c, &e, ms, &me) == Ordering::Equal,
                        _ => false,
                    };
            }
            // The entry here in the commit and in the first parent.
            let te = if ord == Ordering::Greater {
                None
            } else {
                lvl.t.cur
            };
            let entry_of = |i: usize| -> Option<Ent> {
                if at_min.get(i) == Some(&true) {
                    lvl.ps.get(i).and_then(|c| c.cur)
                } else {
                    None
                }
            };
            let differs = |i: usize| -> bool {
                match (te, entry_of(i), lvl.ps.get(i)) {
                    (Some(t), Some(p), Some(c)) => !same(&lvl.t, &t, c, &p),
                    (None, None, _) => false,
                    _ => true,
                }
            };
            let np = lvl.np;
            let first_differs = differs(0);
            let from_base = (np..n).all(differs);
            if first_differs || (n > np && from_base) {
                let everywhere = lvl.combined && first_differs && (0..np).all(differs);
                let any = te.map(|e| (&lvl.t, e)).or_else(|| {
                    lvl.ps
                        .iter()
                        .zip(&at_min)
                        .find_map(|(c, &hit)| if hit { c.cur.map(|e| (c, e)) } else { None })
                });
                if let Some((side, e)) = any {
                    let base_len = self.prefix.len();
                    self.prefix.extend_from_slice(side.name(&e));
                    if e.is_tree() {
                        self.prefix.push(b'/');
                        let new = match te {
                            Some(t) => Some(to_oid(lvl.t.id(&t))?),
                            None => None,
                        };
                        // A directory the commit has exactly as another parent has it: nothing
                        // below differs from every parent; keep only the first parent (and
                        // the base), the diff against it is all that is left to find.
                        let as_other = lvl.combined && np > 1 && (1..np).any(|i| !differs(i));
                        let mut parents = Vec::with_capacity(n);
                        for (i, (c, &hit)) in lvl.ps.iter().zip(&at_min).enumerate() {
                            if as_other && i > 0 && i < np {
                                continue;
                            }
                            parents.push(match c.cur {
                                Some(p) if hit && p.is_tree() => Some(to_oid(c.id(&p))?),
                                _ => None,
                            });
                        }
                        let (child_np, combined) = if as_other {
                            (1, false)
                        } else {
                            (np, lvl.combined)
                        };
                        Self::step(lvl, ord, &at_min)?;
                        return self
                            .level(r, new, &parents, child_np, combined, base_len)
                            .map(Some);
                    }
                    let key = te.map_or(Key::ABSENT, |t| lvl.t.key(&t));
                    // Compared with the first parent, or (a path reported for the base
                    // only, where it equals the first parent) with the first base tree.
                    let old_side = if first_differs { 0 } else { np };
                    let old = match (entry_of(old_side), lvl.ps.get(old_side)) {
                        (Some(p), Some(c)) => Some(c.key(&p)),
                        _ => None,
                    };
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
            Self::step(lvl, ord, &at_min)?;
        }
    }

    /// Moves the cursors of `lvl` past the current name.
    fn step(lvl: &mut Level, ord: Ordering, at_min: &[bool]) -> Result<()> {
        if ord != Ordering::Greater {
            lvl.t.advance()?;
        }
        for (c, &hit) in lvl.ps.iter_mut().zip(at_min) {
            if hit {
                if ord == Ordering::Equal {
                    c.advance_like(&lvl.t)?;
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

    fn cmp_entries(a: (&[u8], u32), b: (&[u8], u32)) -> Ordering {
        cmp_names(a.0, a.1 == S_IFDIR, b.0, b.1 == S_IFDIR)
    }

    fn e(name: &[u8], mode: u32) -> (&[u8], u32) {
        (name, mode)
    }

    fn side(bytes: &[u8]) -> Result<Side> {
        Side::new(Some(Rc::new(bytes.to_vec())))
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
            cmp_entries(e(b"a", S_IFDIR), e(b"a.b", S_IFREG)),
            Ordering::Greater
        );
        assert_eq!(
            cmp_entries(e(b"a", S_IFREG), e(b"a.b", S_IFREG)),
            Ordering::Less
        );
        assert_eq!(
            cmp_entries(e(b"a", S_IFREG), e(b"a", S_IFDIR)),
            Ordering::Less
        );
        assert_eq!(
            cmp_entries(e(b"a", S_IFDIR), e(b"a", S_IFDIR)),
            Ordering::Equal
        );
        assert_eq!(
            cmp_entries(e(b"a", S_IFDIR), e(b"a0", S_IFREG)),
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
