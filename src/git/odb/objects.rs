//! One way to read a raw object during a scan: from the packs first ([`crate::git::odb::pack`],
//! with its git-like delta-base cache), else through libgit2 — loose objects, alternates, a
//! pre-receive quarantine, SHA-256 repositories, anything the pack reader does not handle.
//! Either way the result is the same bytes; the fallback only costs speed.

use std::rc::Rc;

use git2::{ObjectType, Odb, Oid};

use crate::error::{Error, ErrorKind, Result};
use crate::git::odb::pack::{Kind, Object, PackReader, PackSet, too_big};

/// Bytes of reconstructed delta bases each scanning thread keeps. git's
/// `core.deltaBaseCacheLimit` default is 96 MiB for its one thread; on the benchmark history
/// 32 MiB per thread was as fast as 48 MiB and 96 MiB (within noise) and keeps two threads
/// under git's peak memory, while 16 MiB cost about 15 % more CPU (`bench/README.md`).
pub const BASE_CACHE_BYTES: usize = 32 << 20;

/// A per-thread object reader.
pub struct Objects<'o> {
    packs: PackReader<'o>,
    odb: &'o Odb<'o>,
}

fn kind_of(t: ObjectType) -> Option<Kind> {
    match t {
        ObjectType::Commit => Some(Kind::Commit),
        ObjectType::Tree => Some(Kind::Tree),
        ObjectType::Blob => Some(Kind::Blob),
        ObjectType::Tag => Some(Kind::Tag),
        _ => None,
    }
}

/// An error for an object that could not be read.
pub(crate) fn missing(id: Oid, what: &str, why: &str) -> Error {
    Error::incomplete(format!("cannot read {what} {id}: {why}")).with_help(
        "the history is incomplete: fetch it completely (`git fetch --unshallow`, \
         `fetch-depth: 0` for actions/checkout, `GIT_DEPTH: 0` for GitLab) or run `git fsck`",
    )
}

impl<'o> Objects<'o> {
    /// A reader over `packs` (shared) and `odb` (this thread's libgit2 handle).
    pub fn new(packs: &'o PackSet, odb: &'o Odb<'o>) -> Self {
        Objects {
            packs: PackReader::new(packs, BASE_CACHE_BYTES),
            odb,
        }
    }

    /// Reads object `id` (`what` names it in errors: "tree", "parent commit", …). Objects
    /// over `max_bytes` are an error before they are inflated.
    pub fn read(&mut self, id: Oid, what: &str, max_bytes: u64) -> Result<Object> {
        let packed = match <&[u8; 20]>::try_from(id.as_bytes()) {
            Ok(raw) => self.packs.read(raw, max_bytes),
            Err(_) => Ok(None),
        };
        let read = match packed {
            Ok(Some(o)) => Ok(o),
            Ok(None) => self.fallback(id, what, max_bytes),
            Err(e) => Err(e),
        };
        read.map_err(|mut e| {
            if e.kind == ErrorKind::Limit {
                e.message = format!("{what} {id}: {}", e.message);
            }
            e
        })
    }

    fn fallback(&mut self, id: Oid, what: &str, max_bytes: u64) -> Result<Object> {
        let (size, _) = self
            .odb
            .read_header(id)
            .map_err(|e| missing(id, what, e.message()))?;
        if size as u64 > max_bytes {
            return Err(too_big(size as u64, max_bytes));
        }
        let o = self
            .odb
            .read(id)
            .map_err(|e| missing(id, what, e.message()))?;
        let kind = kind_of(o.kind()).ok_or_else(|| missing(id, what, "unknown object type"))?;
        Ok((kind, Rc::new(o.data().to_vec())))
    }
}
