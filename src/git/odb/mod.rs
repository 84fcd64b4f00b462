//! The object database as the scan reads it: packs through our own reader ([`pack`]),
//! everything else through libgit2 ([`objects`]), with byte-bounded caches.

pub mod cache;
pub mod idhash;
pub mod objects;
pub mod pack;
