//! A fast hasher for the scan's caches, whose keys are object ids (already uniformly
//! distributed SHA-1 bytes) and pack offsets. std's default SipHash guards against
//! adversarial keys at several times the cost, and showed up in whole-history profiles;
//! these tables are bounded caches, so a crafted-id collision attack could only slow a
//! bounded table down, never grow memory.

use std::hash::{BuildHasherDefault, Hasher};

/// Multiplicative mixing of 8-byte words (the "Fx" scheme of rustc's hash maps).
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

const K: u64 = 0x517c_c1b7_2722_0a95;

impl IdHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` keyed by object ids or offsets, hashed with [`IdHasher`].
pub type IdMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn h<T: Hash>(v: T) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(v)
    }

    #[test]
    fn different_keys_hash_differently() {
        assert_ne!(h((0u32, 1u64)), h((0u32, 2u64)));
        assert_ne!(h((0u32, 1u64)), h((1u32, 1u64)));
        let a = git2::Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").unwrap();
        let b = git2::Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4905").unwrap();
        assert_ne!(h(a), h(b));
        let mut m: IdMap<git2::Oid, u8> = IdMap::default();
        m.insert(a, 1);
        m.insert(b, 2);
        assert_eq!((m[&a], m[&b]), (1, 2));
    }
}
