//! Reading objects straight from git's pack files, with a delta-base cache that works the way
//! git's does.
//!
//! Why: in a pack, most trees are stored as deltas against another version of the same tree,
//! in chains that are often 10–50 deep. Reading one such tree means inflating the chain's
//! base and every delta on the way up. git keeps every intermediate base it reconstructs in a
//! cache bounded in bytes (`packfile.c`, `unpack_entry` / `add_delta_base_cache`), so a history
//! walk rebuilds each base about once. libgit2 caches only the chain's first base, and a
//! full-history scan through it inflated about four times the data git does
//! (`reference/perf.md` §5). This module does what git does.
//!
//! Scope: SHA-1 repositories, `.idx` version 2, pack versions 2 and 3 — what every git since
//! 1.5.2 writes. Anything else (a v1 index, SHA-256, a damaged index, a base outside the pack,
//! a loose object, an alternate) is simply not found here, and the caller reads it through
//! libgit2 instead; nothing is ever skipped. Corrupt data inside a pack this module did open
//! is an error (exit 2), never a panic: every offset, size and delta instruction is checked.
//!
//! Threads: a [`PackSet`] (the mapped files) is shared; each thread has its own
//! [`PackReader`] (cache and inflater), so there is no locking on the hot path.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use memmap2::Mmap;

use crate::error::{Error, Result};
use crate::git::odb::cache::TwoGen;

/// Object kinds, as numbered in pack entry headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A commit object.
    Commit,
    /// A tree object.
    Tree,
    /// A blob object.
    Blob,
    /// An annotated tag object.
    Tag,
}

impl Kind {
    fn from_code(code: u8) -> Option<Kind> {
        match code {
            1 => Some(Kind::Commit),
            2 => Some(Kind::Tree),
            3 => Some(Kind::Blob),
            4 => Some(Kind::Tag),
            _ => None,
        }
    }

    /// git's name for the kind (`commit`, `tree`, …).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Tag => "tag",
        }
    }
}

/// Pack entry codes for the two delta forms.
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// Longest delta chain followed before the pack is called corrupt (git writes ≤ 4095 with
/// `--depth`, 50 by default); a bound that also stops a `REF_DELTA` cycle.
const MAX_CHAIN: usize = 10_000;

/// Largest delta buffer kept for reuse between reads.
const SCRATCH_KEEP: usize = 4 << 20;

/// Length of a SHA-1 object id.
const ID_LEN: usize = 20;

/// One pack: its mapped index and data.
struct Pack {
    path: PathBuf,
    idx: Mmap,
    data: Mmap,
    count: usize,
    /// Offsets into `idx` of the names, 32-bit offsets and 64-bit offsets tables.
    names_at: usize,
    offsets_at: usize,
    large_at: usize,
    large_count: usize,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(s);
    Some(u64::from_be_bytes(w))
}

/// Maps a pack or index file read-only.
#[allow(unsafe_code)]
fn map(path: &Path) -> Option<Mmap> {
    let file = File::open(path).ok()?;
    // SAFETY: git never rewrites a pack or an index in place — new ones are written under a
    // temporary name and renamed into place (`git index-pack`, `git repack`) — so the mapped
    // bytes do not change while we read them, and a pack deleted by a concurrent `git gc`
    // stays mapped until it is dropped. git itself reads packs the same way (`xmmap`).
    unsafe { Mmap::map(&file) }.ok()
}

/// Drops a map's resident pages (they are read again from the page cache when touched).
#[allow(unsafe_code)]
fn release(m: &Mmap) {
    // SAFETY: the map is a read-only, shared mapping of a file that is never modified
    // (see `map`): MADV_DONTNEED only removes page-table entries, and the next access
    // faults the same bytes back in from the page cache, also in other threads.
    let _ = unsafe { m.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
}

impl Pack {
    /// Maps `idx_path` and its `.pack`; `None` when either is unreadable or not a SHA-1
    /// version 2 index over a version 2/3 pack with the same object count.
    fn open(idx_path: &Path) -> Option<Pack> {
        let pack_path = idx_path.with_extension("pack");
        let idx = map(idx_path)?;
        let data = map(&pack_path)?;
        if idx.get(..8)? != b"\xfftOc\x00\x00\x00\x02" {
            return None;
        }
        let mut prev = 0u32;
        for i in 0..256 {
            let n = be32(&idx, 8 + 4 * i)?;
            if n < prev {
                return None;
            }
            prev = n;
        }
        let count = prev as usize;
        let names_at: usize = 8 + 1024;
        let crc_at = names_at.checked_add(count.checked_mul(ID_LEN)?)?;
        let offsets_at = crc_at.checked_add(count.checked_mul(4)?)?;
        let large_at = offsets_at.checked_add(count.checked_mul(4)?)?;
        // What remains is the 64-bit offset table plus two 20-byte checksums; any other
        // length means another hash size or a damaged index.
        let rest = idx.len().checked_sub(large_at)?.checked_sub(2 * ID_LEN)?;
        if rest % 8 != 0 {
            return None;
        }
        if data.len() < 12 + ID_LEN || &data[..4] != b"PACK" {
            return None;
        }
        let version = be32(&data, 4)?;
        if !(version == 2 || version == 3) || be32(&data, 8)? as usize != count {
            return None;
        }
        Some(Pack {
            path: pack_path,
            idx,
            data,
            count,
            names_at,
            offsets_at,
            large_at,
            large_count: rest / 8,
        })
    }

    /// The position of `id` in this pack's index.
    fn position(&self, id: &[u8; ID_LEN]) -> Option<usize> {
        let first = id[0] as usize;
        let lo = if first == 0 {
            0
        } else {
            be32(&self.idx, 8 + 4 * (first - 1))? as usize
        };
        let hi = be32(&self.idx, 8 + 4 * first)? as usize;
        let (mut lo, mut hi) = (lo, hi.min(self.count));
        let key = u64::from_be_bytes(id[..8].try_into().ok()?);
        let name_at = |i: usize| -> Option<&[u8]> {
            let at = self.names_at + i * ID_LEN;
            self.idx.get(at..at + ID_LEN)
        };
        let head =
            |name: &[u8]| -> Option<u64> { Some(u64::from_be_bytes(name[..8].try_into().ok()?)) };
        // Compare the first 8 bytes as one big-endian number, the rest only on a tie: a
        // plain slice comparison (a memcmp call) per step was measurable in whole scans.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let name = name_at(mid)?;
            match head(name)?.cmp(&key).then_with(|| name[8..].cmp(&id[8..])) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The pack offset of the object at index position `pos`.
    fn offset(&self, pos: usize) -> Option<u64> {
        let v = be32(&self.idx, self.offsets_at + 4 * pos)?;
        if v & 0x8000_0000 == 0 {
            return Some(u64::from(v));
        }
        let i = (v & 0x7fff_ffff) as usize;
        if i >= self.large_count {
            return None;
        }
        be64(&self.idx, self.large_at + 8 * i)
    }

    /// The offset of `id` in this pack.
    fn find(&self, id: &[u8; ID_LEN]) -> Option<u64> {
        self.offset(self.position(id)?)
    }

    fn corrupt(&self, offset: u64, what: &str) -> Error {
        Error::incomplete(format!(
            "pack {} is damaged at offset {offset}: {what}",
            self.path.display()
        ))
        .with_help("run `git fsck`; the repository is corrupt")
    }

    /// Parses the entry header at `offset`: (type code, inflated size, where the data or the
    /// delta's base reference starts).
    fn header(&self, offset: u64) -> Result<(u8, u64, usize)> {
        let bad = || self.corrupt(offset, "bad entry header");
        let end = self.data.len() - ID_LEN;
        let mut at = usize::try_from(offset).map_err(|_| bad())?;
        if at < 12 || at >= end {
            return Err(bad());
        }
        let mut c = self.data[at];
        at += 1;
        let code = (c >> 4) & 7;
        let mut size = u64::from(c & 0x0f);
        let mut shift = 4;
        while c & 0x80 != 0 {
            if at >= end || shift > 57 {
                return Err(bad());
            }
            c = self.data[at];
            at += 1;
            size |= u64::from(c & 0x7f) << shift;
            shift += 7;
        }
        Ok((code, size, at))
    }

    /// The base offset of an `OFS_DELTA` whose reference starts at `at` (entry at `offset`),
    /// and where its compressed delta starts.
    fn ofs_base(&self, offset: u64, mut at: usize) -> Result<(u64, usize)> {
        let bad = || self.corrupt(offset, "bad delta base offset");
        let end = self.data.len() - ID_LEN;
        let mut c = *self.data.get(at).filter(|_| at < end).ok_or_else(bad)?;
        at += 1;
        let mut rel = u64::from(c & 0x7f);
        while c & 0x80 != 0 {
            if at >= end || rel > (u64::MAX >> 8) {
                return Err(bad());
            }
            c = self.data[at];
            at += 1;
            rel = ((rel + 1) << 7) | u64::from(c & 0x7f);
        }
        if rel == 0 || rel > offset {
            return Err(bad());
        }
        Ok((offset - rel, at))
    }
}

/// Calls of [`PackSet::scanned_some`] between two releases of the packs' resident pages.
const RELEASE_EVERY: usize = 16;

/// The packs of one object directory, mapped once and shared by all scanning threads.
pub struct PackSet {
    packs: Vec<Pack>,
    /// Units of scanning work reported so far (see [`PackSet::scanned_some`]).
    progress: AtomicUsize,
}

impl std::fmt::Debug for PackSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.packs.iter().map(|p| &p.path))
            .finish()
    }
}

impl PackSet {
    /// Maps every usable pack in `objects/pack` of `objects_dir`. Never fails: a pack it
    /// cannot use is left to the libgit2 fallback, which reads every object this set lacks.
    pub fn open(objects_dir: &Path) -> PackSet {
        let mut idxs: Vec<PathBuf> = std::fs::read_dir(objects_dir.join("pack"))
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                    .collect()
            })
            .unwrap_or_default();
        // Largest first: the big pack of a gc'd repository holds most objects.
        idxs.sort_by_key(|p| std::cmp::Reverse(p.metadata().map(|m| m.len()).unwrap_or(0)));
        PackSet {
            packs: idxs.iter().filter_map(|p| Pack::open(p)).collect(),
            progress: AtomicUsize::new(0),
        }
    }

    /// Tells the set that a unit of scanning work (a chunk of commits, from any thread) is
    /// done; every few units it releases the packs' resident pages ([`Self::trim`]).
    pub fn scanned_some(&self) {
        if self.progress.fetch_add(1, Ordering::Relaxed) % RELEASE_EVERY == RELEASE_EVERY - 1 {
            self.trim();
        }
    }

    /// Releases the resident pages of every mapped pack. A whole-history scan touches pages
    /// all over a pack, and the kernel maps neighbouring pages (blobs) with them; doing this
    /// every few thousand commits keeps the process's resident memory at the scan's working
    /// set instead of the size of the pack.
    pub fn trim(&self) {
        // Only the pack data: index pages are read at random by every lookup and stay hot.
        for p in &self.packs {
            release(&p.data);
        }
    }

    /// How many packs are in use.
    pub fn len(&self) -> usize {
        self.packs.len()
    }

    /// True when no pack is in use.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }
}

/// An object read from a pack: its kind and bytes (shared with the cache).
pub type Object = (Kind, Rc<Vec<u8>>);

/// One thread's reader over a [`PackSet`]: the delta-base cache and a zlib inflater.
pub struct PackReader<'p> {
    set: &'p PackSet,
    /// Reconstructed delta bases by (pack, offset).
    cache: TwoGen<(u32, u64), Object>,
    z: Decompress,
    last: usize,
    chain: Vec<(u64, usize, u64)>,
    /// Reused buffer for inflated delta instructions.
    scratch: Vec<u8>,
}

impl<'p> PackReader<'p> {
    /// A reader whose delta-base cache holds at most `cache_bytes`.
    pub fn new(set: &'p PackSet, cache_bytes: usize) -> Self {
        PackReader {
            set,
            cache: TwoGen::new(cache_bytes),
            z: Decompress::new(true),
            last: 0,
            chain: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Where `id` is: (pack number, offset).
    fn locate(&mut self, id: &[u8; ID_LEN]) -> Option<(usize, u64)> {
        let packs = &self.set.packs;
        if let Some(off) = packs.get(self.last).and_then(|p| p.find(id)) {
            return Some((self.last, off));
        }
        for (i, p) in packs.iter().enumerate() {
            if i != self.last
                && let Some(off) = p.find(id)
            {
                self.last = i;
                return Some((i, off));
            }
        }
        None
    }

    /// The offset, in the same pack, of a `REF_DELTA`'s base (`None` when it is elsewhere:
    /// the caller then reads the object through the fallback).
    fn ref_base(&self, pi: usize, offset: u64, at: usize) -> Result<Option<u64>> {
        let pack = &self.set.packs[pi];
        let id: [u8; ID_LEN] = pack
            .data
            .get(at..at + ID_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| pack.corrupt(offset, "truncated delta base id"))?;
        Ok(pack.find(&id))
    }

    /// Reads object `id` if it is in one of the packs (`Ok(None)` otherwise). Objects and
    /// intermediate results larger than `max_bytes` are an error before anything that size
    /// is allocated.
    pub fn read(&mut self, id: &[u8; ID_LEN], max_bytes: u64) -> Result<Option<Object>> {
        let Some((pi, offset)) = self.locate(id) else {
            return Ok(None);
        };
        self.unpack(pi, offset, max_bytes)
    }

    /// git's `unpack_entry`: walk down the chain until a cached base or a whole object, then
    /// apply the deltas back up, caching every base on the way.
    fn unpack(&mut self, pi: usize, offset: u64, max_bytes: u64) -> Result<Option<Object>> {
        let set = self.set;
        let pack = &set.packs[pi];
        let key = |o: u64| (pi as u32, o);
        self.chain.clear();
        let mut cur = offset;
        let (mut base, mut cached) = loop {
            if let Some(o) = self.cache.get(key(cur)) {
                break (o, true);
            }
            if self.chain.len() >= MAX_CHAIN {
                return Err(pack.corrupt(offset, "delta chain too long"));
            }
            let (code, size, at) = pack.header(cur)?;
            if let Some(kind) = Kind::from_code(code) {
                if size > max_bytes {
                    return Err(too_big(size, max_bytes));
                }
                let data = self.inflate(pi, cur, at, size)?;
                break ((kind, Rc::new(data)), false);
            }
            let (next, start) = match code {
                OFS_DELTA => pack.ofs_base(cur, at)?,
                REF_DELTA => match self.ref_base(pi, cur, at)? {
                    Some(o) => (o, at + ID_LEN),
                    None => return Ok(None),
                },
                _ => return Err(pack.corrupt(cur, "unknown entry type")),
            };
            // A delta's instructions are about as long as what they insert: twice the limit is
            // far more than any real delta and still bounds the allocation.
            if size > max_bytes.saturating_mul(2) {
                return Err(too_big(size, max_bytes.saturating_mul(2)));
            }
            self.chain.push((cur, start, size));
            cur = next;
        };
        while let Some((delta_at, start, size)) = self.chain.pop() {
            if !cached {
                self.cache.put(key(cur), base.clone(), base.1.len());
            }
            let mut delta = std::mem::take(&mut self.scratch);
            self.inflate_into(pi, delta_at, start, size, &mut delta)?;
            let out = apply_delta(&base.1, &delta, max_bytes);
            if delta.capacity() <= SCRATCH_KEEP {
                self.scratch = delta;
            }
            let out = out.map_err(|why| set.packs[pi].corrupt(delta_at, why))?;
            base = (base.0, Rc::new(out));
            cached = false;
            cur = delta_at;
        }
        Ok(Some(base))
    }

    /// Inflates the zlib stream at `start` of the entry at `offset`, which must yield
    /// exactly `size` bytes.
    fn inflate(&mut self, pi: usize, offset: u64, start: usize, size: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.inflate_into(pi, offset, start, size, &mut out)?;
        Ok(out)
    }

    /// [`Self::inflate`] into `out` (cleared first; its allocation is reused).
    fn inflate_into(
        &mut self,
        pi: usize,
        offset: u64,
        start: usize,
        size: u64,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let pack = &self.set.packs[pi];
        let input = pack
            .data
            .get(start..pack.data.len() - ID_LEN)
            .ok_or_else(|| pack.corrupt(offset, "entry data out of bounds"))?;
        let size = usize::try_from(size).map_err(|_| too_big(size, usize::MAX as u64))?;
        out.clear();
        if size == 0 {
            return Ok(());
        }
        self.z.reset(true);
        // One byte of slack: a stream longer than its header says fails instead of
        // being cut silently.
        out.reserve_exact(size + 1);
        let st = self
            .z
            .decompress_vec(input, out, FlushDecompress::Finish)
            .map_err(|_| pack.corrupt(offset, "bad zlib data"))?;
        if st != Status::StreamEnd || out.len() != size {
            return Err(pack.corrupt(offset, "inflated size differs from the entry header"));
        }
        Ok(())
    }
}

/// The error for an object over the size limit (the caller adds which object it is).
pub(crate) fn too_big(size: u64, max: u64) -> Error {
    Error::limit(format!(
        "an object of {size} bytes is larger than the {max}-byte limit for what countersign reads"
    ))
    .with_help("such an object cannot be checked; rewrite the commit or raise the limit")
}

/// A delta header number: little-endian base-128.
fn delta_varint(d: &[u8], p: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let c = *d.get(*p)?;
        *p += 1;
        if shift > 57 {
            return None;
        }
        v |= u64::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Applies a git delta (`patch-delta.c`) to `base`. Every copy is bounds-checked and the
/// result must have exactly the size the delta announces (at most `max_bytes`).
pub fn apply_delta(
    base: &[u8],
    delta: &[u8],
    max_bytes: u64,
) -> std::result::Result<Vec<u8>, &'static str> {
    let mut p = 0;
    let src = delta_varint(delta, &mut p).ok_or("truncated delta header")?;
    if src != base.len() as u64 {
        return Err("delta base size mismatch");
    }
    let dst = delta_varint(delta, &mut p).ok_or("truncated delta header")?;
    if dst > max_bytes {
        return Err("delta result larger than the limit");
    }
    let dst = usize::try_from(dst).map_err(|_| "delta result too large")?;
    let mut out = Vec::with_capacity(dst);
    while p < delta.len() {
        let op = delta[p];
        p += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    off |= usize::from(*delta.get(p).ok_or("truncated copy")?) << (8 * i);
                    p += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(p).ok_or("truncated copy")?) << (8 * i);
                    p += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let piece = off
                .checked_add(len)
                .and_then(|end| base.get(off..end))
                .ok_or("copy outside the base")?;
            if out.len() + len > dst {
                return Err("delta writes past its size");
            }
            out.extend_from_slice(piece);
        } else if op != 0 {
            let len = usize::from(op);
            let piece = delta.get(p..p + len).ok_or("truncated insert")?;
            if out.len() + len > dst {
                return Err("delta writes past its size");
            }
            out.extend_from_slice(piece);
            p += len;
        } else {
            return Err("reserved delta opcode 0");
        }
    }
    if out.len() != dst {
        return Err("delta result shorter than its size");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn delta(src: usize, dst: usize, ops: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        varint(src as u64, &mut d);
        varint(dst as u64, &mut d);
        d.extend_from_slice(ops);
        d
    }

    #[test]
    fn applies_copies_and_inserts() {
        let base = b"hello, world";
        // copy 5 bytes from 0, insert "!!", copy 5 from offset 7 ("world")
        let d = delta(12, 12, &[0x90, 5, 2, b'!', b'!', 0x91, 7, 5]);
        assert_eq!(apply_delta(base, &d, 1 << 20).unwrap(), b"hello!!world");
    }

    #[test]
    fn a_zero_length_copy_means_64k() {
        let base = vec![7u8; 0x10000];
        let d = delta(0x10000, 0x10000, &[0x80]);
        assert_eq!(apply_delta(&base, &d, 1 << 20).unwrap(), base);
    }

    #[test]
    fn bad_deltas_are_errors_not_panics() {
        let base = b"abc";
        for (d, why) in [
            (delta(4, 3, &[0x90, 3]), "delta base size mismatch"),
            (delta(3, 3, &[0x91, 2, 3]), "copy outside the base"),
            (delta(3, 2, &[0x90, 3]), "delta writes past its size"),
            (
                delta(3, 4, &[0x90, 3]),
                "delta result shorter than its size",
            ),
            (delta(3, 3, &[0x00]), "reserved delta opcode 0"),
            (delta(3, 3, &[5, b'a']), "truncated insert"),
            (delta(3, 3, &[0x9f]), "truncated copy"),
            (vec![0x80], "truncated delta header"),
            (delta(3, 1 << 30, &[]), "delta result larger than the limit"),
        ] {
            assert_eq!(apply_delta(base, &d, 1 << 20), Err(why), "{d:?}");
        }
        // An offset near usize::MAX must not overflow.
        let d = delta(3, 3, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(apply_delta(base, &d, 1 << 20), Err("copy outside the base"));
    }
}
