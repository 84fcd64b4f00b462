//! The one bounded cache of the scan: two generations of entries, each holding at most half
//! of a byte budget. A hit in the older generation moves the entry to the newer one; when the
//! newer one is full it becomes the older one and the previous older one is dropped whole.
//! That is LRU-like for a walk that revisits recent objects, costs one map lookup, and holds
//! at most the budget — or, when one value is larger than a generation, that value alone
//! beside the older generation (a root tree of several MiB must stay cached: it is read for
//! every commit). Used for reconstructed delta bases ([`crate::git::odb::pack`])
//! and for whole tree objects ([`crate::git::treediff`]).

use std::hash::Hash;

use crate::git::odb::idhash::IdMap;

/// A two-generation cache of `V` by `K`, bounded by the bytes its caller says each value has.
pub struct TwoGen<K, V> {
    cur: IdMap<K, (V, usize)>,
    old: IdMap<K, (V, usize)>,
    cur_bytes: usize,
    half: usize,
}

impl<K: Hash + Eq + Copy, V: Clone> TwoGen<K, V> {
    /// A cache holding at most `max_bytes` (half per generation).
    pub fn new(max_bytes: usize) -> Self {
        TwoGen {
            cur: IdMap::default(),
            old: IdMap::default(),
            cur_bytes: 0,
            half: max_bytes / 2,
        }
    }

    /// The value for `key`, if cached (moved to the newer generation).
    pub fn get(&mut self, key: K) -> Option<V> {
        if let Some((v, _)) = self.cur.get(&key) {
            return Some(v.clone());
        }
        let (v, bytes) = self.old.remove(&key)?;
        self.put(key, v.clone(), bytes);
        Some(v)
    }

    /// Caches `value` (of `bytes` bytes); a value larger than a generation starts a new
    /// generation of its own.
    pub fn put(&mut self, key: K, value: V, bytes: usize) {
        if self.cur_bytes > 0 && self.cur_bytes + bytes > self.half {
            self.old = std::mem::take(&mut self.cur);
            self.cur_bytes = 0;
        }
        self.cur_bytes += bytes;
        self.cur.insert(key, (value, bytes));
    }

    /// Bytes held by both generations.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.cur
            .values()
            .chain(self.old.values())
            .map(|(_, b)| b)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_its_budget_and_keeps_recent_entries() {
        let mut c: TwoGen<u64, u64> = TwoGen::new(100);
        for i in 0..50u64 {
            c.put(i, i, 10);
            assert!(c.bytes() <= 100, "{}", c.bytes());
        }
        assert_eq!(c.get(49), Some(49));
        assert_eq!(c.get(0), None);
        // Too big for a generation: kept alone in a new generation, the newest one kept too.
        c.put(99, 99, 60);
        assert_eq!((c.get(99), c.get(49)), (Some(99), Some(49)));
        c.put(100, 100, 10);
        assert_eq!(c.get(48), None);
    }

    #[test]
    fn a_hit_in_the_older_generation_survives_the_next_rotation() {
        let mut c: TwoGen<u64, u64> = TwoGen::new(40);
        c.put(1, 1, 10);
        c.put(2, 2, 10);
        c.put(3, 3, 10); // rotation: 1 and 2 are now old
        assert_eq!(c.get(1), Some(1)); // promoted next to 3
        c.put(4, 4, 10); // rotation: {3, 1} old, 2 dropped
        assert_eq!(c.get(2), None);
        assert_eq!(c.get(1), Some(1));
    }
}
