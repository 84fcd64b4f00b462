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
//! - with N parents, a name is reported iff its entry differs (absent, other id, other
//!   canonical mode) from the entry in **every** parent; a subtree is entered only then, with
//!   the parents' matching subtrees (absent ones count as empty).

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
    fn is_tree(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
}

/// git's `base_name_compare`: byte order, a tree's name continuing with `/`.
fn cmp_entries(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    let n = a.name.len().min(b.name.len());
    match a.name[..n].cmp(&b.name[..n]) {
        Ordering::Equal => {}
        o => return o,
    }
    let end = |e: &Entry<'_>| -> u8 {
        match e.name.get(n) {
            Some(&c) => c,
            None if e.is_tree() => b'/',
            None => 0,
        }
    };
    end(a).cmp(&end(b))
}

/// A cursor over the entries of one raw tree object.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    cur: Option<Entry<'a>>,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8]) -> Result<Self> {
        let mut c = Cursor {
            data,
            pos: 0,
            cur: None,
        };
        c.advance()?;
        Ok(c)
    }

    /// Parses the next entry (`<octal mode> SP <name> NUL <20-byte id>`).
    fn advance(&mut self) -> Result<()> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.cur = None;
            return Ok(());
        }
        let bad = || {
            Error::incomplete("a tree object in the repository is malformed")
                .with_help("run `git fsck` and repair or re-clone the repository")
        };
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
                _ => return Err(bad()),
            }
        }
        let after = rest.get(sp + 1..).ok_or_else(bad)?;
        let nul = find_nul(after).ok_or_else(bad)?;
        let name = after.get(..nul).ok_or_else(bad)?;
        let id = after.get(nul + 1..nul + 21).ok_or_else(bad)?;
        if name.is_empty() {
            return Err(bad());
        }
        let len = sp + 1 + nul + 21;
        self.pos += len;
        self.cur = Some(Entry {
            name,
            id,
            mode: canon_mode(mode),
            raw: rest.get(..len).ok_or_else(bad)?,
        });
        Ok(())
    }

    /// Advances, taking `other`'s current entry without parsing when the next raw bytes
    /// here are exactly that entry (an entry is self-delimiting, so equal bytes parse equal).
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

/// Largest symlink target read (git's own limit is the system's `PATH_MAX`, 4096 on Linux).
pub const MAX_LINK_BYTES: u64 = 4096;

/// Largest tree object read (a flat directory of several million entries); beyond it the
/// scan stops with a limit error instead of allocating without bound.
pub const MAX_TREE_BYTES: u64 = 256 << 20;

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

    /// The changed paths between `new` and its `parents` (tree ids; `None` = empty tree).
    /// With one parent this is a plain two-tree diff; with several, git's combined set.
    pub fn diff(
        &mut self,
        new: Option<Oid>,
        parents: &[Option<Oid>],
        max_paths: usize,
    ) -> Result<Vec<ChangedPath>> {
        let mut d = Differ {
            out: Vec::new(),
            prefix: Vec::new(),
            max_paths,
        };
        d.diff(self, new, parents)?;
        Ok(d.out)
    }
}

struct Differ {
    out: Vec<ChangedPath>,
    prefix: Vec<u8>,
    max_paths: usize,
}

fn to_oid(id: &[u8]) -> Result<Oid> {
    Oid::from_bytes(id)
        .map_err(|e| Error::incomplete(format!("bad object id in a tree: {}", e.message())))
}

impl Differ {
    fn diff(
        &mut self,
        r: &mut TreeReader<'_>,
        new: Option<Oid>,
        parents: &[Option<Oid>],
    ) -> Result<()> {
        let new_obj = match new {
            Some(id) => r.load(id)?,
            None => None,
        };
        let mut par_objs = Vec::with_capacity(parents.len());
        for p in parents {
            par_objs.push(match p {
                Some(id) => r.load(*id)?,
                None => None,
            });
        }
        let mut t = Cursor::new(new_obj.as_deref().map_or(&[][..], Vec::as_slice))?;
        let mut ps = Vec::with_capacity(par_objs.len());
        for o in &par_objs {
            ps.push(Cursor::new(o.as_deref().map_or(&[][..], Vec::as_slice))?);
        }
        let n = ps.len();
        let mut at_min = vec![false; n];
        let mut pe: Vec<Option<Entry<'_>>> = vec![None; n];
        loop {
            // The smallest current name among the parents.
            let mut min: Option<Entry<'_>> = None;
            for c in &ps {
                if let Some(e) = c.cur
                    && min.is_none_or(|m| cmp_entries(&e, &m) == Ordering::Less)
                {
                    min = Some(e);
                }
            }
            let ord = match (t.cur, min) {
                (None, None) => return Ok(()),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => cmp_entries(&a, &b),
            };
            let mut all_at_min = true;
            for (i, c) in ps.iter().enumerate() {
                let hit = match (c.cur, min) {
                    (Some(e), Some(m)) if ord != Ordering::Less => {
                        cmp_entries(&e, &m) == Ordering::Equal
                    }
                    _ => false,
                };
                at_min[i] = hit;
                pe[i] = if hit { c.cur } else { None };
                all_at_min &= hit;
            }
            match ord {
                Ordering::Equal => {
                    if let Some(te) = t.cur {
                        let same = pe
                            .iter()
                            .flatten()
                            .any(|e| e.id == te.id && e.mode == te.mode);
                        if !same {
                            self.emit(r, Some(te), &pe)?;
                        }
                    }
                    t.advance()?;
                    for (i, c) in ps.iter_mut().enumerate() {
                        if at_min[i] {
                            c.advance_like(&t)?;
                        }
                    }
                }
                Ordering::Less => {
                    if let Some(te) = t.cur {
                        self.emit(r, Some(te), &pe)?;
                    }
                    t.advance()?;
                }
                Ordering::Greater => {
                    if all_at_min {
                        self.emit(r, None, &pe)?;
                    }
                    for (i, c) in ps.iter_mut().enumerate() {
                        if at_min[i] {
                            c.advance()?;
                        }
                    }
                }
            }
        }
    }

    /// Reports one name that differs from every parent (`pe[i]` = parent i's entry at that
    /// name, if it has one), descending into it when it is a tree.
    fn emit(
        &mut self,
        r: &mut TreeReader<'_>,
        t: Option<Entry<'_>>,
        pe: &[Option<Entry<'_>>],
    ) -> Result<()> {
        let Some(any) = t.or_else(|| pe.iter().flatten().next().copied()) else {
            return Ok(());
        };
        let len = self.prefix.len();
        self.prefix.extend_from_slice(any.name);
        if any.is_tree() {
            self.prefix.push(b'/');
            let new = match t {
                Some(e) => Some(to_oid(e.id)?),
                None => None,
            };
            let mut parents = Vec::with_capacity(pe.len());
            for e in pe {
                parents.push(match e {
                    Some(e) if e.is_tree() => Some(to_oid(e.id)?),
                    _ => None,
                });
            }
            let res = self.diff(r, new, &parents);
            self.prefix.truncate(len);
            return res;
        }
        let old = pe.first().copied().flatten();
        let change = match (old, t) {
            (None, _) => Change::Added,
            (Some(_), None) => Change::Deleted,
            (Some(o), Some(n)) if o.mode & S_IFMT != n.mode & S_IFMT => Change::TypeChanged,
            (Some(o), Some(n)) if o.id != n.id => Change::Modified,
            (Some(_), Some(_)) => Change::ModeChanged,
        };
        if self.out.len() >= self.max_paths {
            self.prefix.truncate(len);
            return Err(Error::limit(format!(
                "a commit changes more than {} paths (limit max_paths_per_commit)",
                self.max_paths
            ))
            .with_help("check a narrower range, or raise the limit if this commit is expected"));
        }
        // Symlinks are classified by their targets too (policy::classify): read the link
        // blobs, only for symlink entries, the old one only when the link changed or went.
        let link_target = match t {
            Some(e) if e.mode == S_IFLNK => Some(r.link_target(e.id)?),
            _ => None,
        };
        let old_link_target = match old {
            Some(o) if o.mode == S_IFLNK && t.is_none_or(|n| n.id != o.id || n.mode != o.mode) => {
                Some(r.link_target(o.id)?)
            }
            _ => None,
        };
        self.out.push(ChangedPath {
            path: String::from_utf8_lossy(&self.prefix).into_owned(),
            change,
            old_mode: old.map(|e| e.mode),
            new_mode: t.map(|e| e.mode),
            link_target,
            old_link_target,
        });
        self.prefix.truncate(len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e<'a>(name: &'a [u8], mode: u32) -> Entry<'a> {
        Entry {
            name,
            id: &[],
            mode,
            raw: &[],
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
        assert!(Cursor::new(b"100644 a").is_err());
        assert!(Cursor::new(b"10x644 a\0aaaaaaaaaaaaaaaaaaaa").is_err());
        assert!(Cursor::new(b"100644 a\0short").is_err());
        let c = Cursor::new(b"100664 a\0aaaaaaaaaaaaaaaaaaaa").ok();
        assert_eq!(c.and_then(|c| c.cur).map(|e| e.mode), Some(0o100644));
    }
}
