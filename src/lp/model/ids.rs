//! The run's id table: every skill, agent and away-reason id the replies name,
//! interned once as a `u32`. Per-interval records then hold 4-byte ids instead
//! of one `String` per (agent, skill) pair and interval, and the aggregation
//! keys its sums by integers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Interned ids: `u32` indexes into one table of names, in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct IdTable {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32, FastHash>,
}

impl IdTable {
    /// The index of `id`, added on first sight; `None` once 2^32 ids are
    /// taken (no reply comes near: it would be hundreds of gigabytes).
    pub(crate) fn intern(&mut self, id: &str) -> Option<u32> {
        if let Some(&i) = self.index.get(id) {
            return Some(i);
        }
        let i = u32::try_from(self.names.len()).ok()?;
        self.names.push(id.into());
        self.index.insert(id.into(), i);
        Some(i)
    }

    /// The index of an id the replies named, if they did.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The id behind an index; "" for an index this table never gave out.
    pub fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", |s| s)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every id with its index, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.names.iter().enumerate().map(|(i, s)| (i as u32, &**s))
    }
}

/// FNV-1a, then a multiply to spread the bits: ids are short digit strings and
/// integer keys, where std's SipHash costs more than the lookups it serves.
/// (The replies come from the configured LivePerson host, so flooding a table
/// with colliding ids is not a threat worth SipHash's price here.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Default for FastHasher {
    fn default() -> Self {
        FastHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (self.0 >> 31)
    }
}

/// The hasher of every id-keyed map of the parse and the aggregation.
pub(crate) type FastHash = BuildHasherDefault<FastHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_interned_once_in_order_of_first_sight() {
        let mut t = IdTable::default();
        assert_eq!(t.intern("199"), Some(0));
        assert_eq!(t.intern("7"), Some(1));
        assert_eq!(t.intern("199"), Some(0));
        assert_eq!((t.get("7"), t.get("8")), (Some(1), None));
        assert_eq!((t.name(1), t.name(9)), ("7", ""));
        assert_eq!(t.iter().collect::<Vec<_>>(), [(0, "199"), (1, "7")]);
        assert_eq!(t.len(), 2);
    }
}
