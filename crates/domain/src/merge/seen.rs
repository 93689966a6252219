//! Rule 2's search for repeated barcodes: which rows repeat a barcode of an earlier row, and
//! which row that was.
//!
//! Not a sort: the keys are scattered into buckets small enough for one core's cache (two
//! passes over the rows: count, then place, in file order), and each bucket is searched with
//! a hash table that stays in cache. A sort of millions of (key, row) pairs needs several
//! passes over all of them and as much memory again for its scratch space.

use crate::book::{BarcodeRec, Rows};

/// Keys per bucket aimed at: a bucket's table, with twice as many 16-byte slots, stays in
/// the L2 cache of a core.
const BUCKET: usize = 8192;

/// Spreads a key over 64 bits (the MurmurHash3 finaliser): numeric keys and the arena
/// offsets of text keys alike. The top bit picks the half of the key space, the bits below
/// it the bucket, the low bits the slot of the bucket's table.
#[inline]
pub(super) fn mix(key: u64) -> u64 {
    let mut x = key;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The duplicates among the rows whose keys fall in `half` (0 or 1) of the key space: each
/// repeating row's index with the index of the first row of its barcode, in no set order.
pub(super) fn repeats_in(rows: Rows<'_>, half: u64) -> Vec<(u32, u32)> {
    let bits = (rows.len() / 2 / BUCKET)
        .max(1)
        .next_power_of_two()
        .trailing_zeros();
    let bucket_of = |h: u64| {
        if bits == 0 {
            0
        } else {
            ((h << 1) >> (64 - bits)) as usize
        }
    };
    let mine = |r: &BarcodeRec| {
        let h = mix(r.key);
        (h >> 63 == half).then_some(h)
    };

    // Where each bucket starts.
    let buckets = 1usize << bits;
    let mut starts = vec![0usize; buckets + 1];
    for r in rows.iter() {
        if let Some(h) = mine(r) {
            starts[bucket_of(h) + 1] += 1;
        }
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    // Each key with its row, bucket after bucket, in file order within a bucket.
    let mut pairs = vec![(0u64, 0u32); starts[buckets]];
    let mut next = starts[..buckets].to_vec();
    for (i, r) in rows.iter().enumerate() {
        if let Some(h) = mine(r) {
            let b = bucket_of(h);
            pairs[next[b]] = (r.key, i as u32);
            next[b] += 1;
        }
    }
    drop(next);

    let mut table = Table::default();
    let mut repeats = Vec::new();
    for b in 0..buckets {
        let bucket = &pairs[starts[b]..starts[b + 1]];
        table.reset(bucket.len());
        for &(key, row) in bucket {
            if let Some(first) = table.first_or_insert(key, row) {
                repeats.push((row, first));
            }
        }
    }
    repeats
}

/// An open-addressing table of (key, first row), linear probing; a slot's row is stored
/// plus one, 0 marking an empty slot.
#[derive(Default)]
struct Table {
    slots: Vec<(u64, u32)>,
    len: usize,
}

impl Table {
    /// Empties the table for a bucket of `keys` keys (sized for all of them distinct, up to
    /// twice a bucket's aim: a bucket of one barcode repeated millions of times needs one
    /// slot, and a larger one grows as it fills).
    fn reset(&mut self, keys: usize) {
        let cap = (2 * keys.min(2 * BUCKET)).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(cap, (0, 0));
        self.len = 0;
    }

    /// The first row of `key` when it is in the table; otherwise inserts it with `row`.
    #[inline]
    fn first_or_insert(&mut self, key: u64, row: u32) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut at = mix(key) as usize & mask;
        loop {
            let (k, r) = self.slots[at];
            if r == 0 {
                break;
            }
            if k == key {
                return Some(r - 1);
            }
            at = (at + 1) & mask;
        }
        self.slots[at] = (key, row + 1);
        self.len += 1;
        if 2 * self.len > self.slots.len() {
            self.grow();
        }
        None
    }

    fn grow(&mut self) {
        let bigger = vec![(0, 0); 2 * self.slots.len()];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for (k, r) in old.into_iter().filter(|s| s.1 != 0) {
            let mut at = mix(k) as usize & mask;
            while self.slots[at].1 != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = (k, r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: u64) -> BarcodeRec {
        BarcodeRec {
            key,
            order_id: 0,
            line: 0,
        }
    }

    /// Every repeat with its first row, by a plain map.
    fn by_hand(rows: &[BarcodeRec]) -> Vec<(u32, u32)> {
        let mut first = std::collections::HashMap::new();
        let mut out = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            match first.get(&r.key) {
                Some(&f) => out.push((i as u32, f)),
                None => {
                    first.insert(r.key, i as u32);
                }
            }
        }
        out
    }

    #[test]
    fn both_halves_find_every_repeat_and_its_first_row() {
        // Enough rows for several buckets, keys from a small range so that many repeat,
        // one key repeated throughout, and keys with the top bit set (text keys).
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut rows = Vec::new();
        for i in 0..60_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = match i % 7 {
                0 => 42,
                1 => (1 << 63) | (x % 5_000),
                _ => x % 40_000,
            };
            rows.push(rec(key));
        }
        // Read in two parts, as the command line reads a big file.
        let parts = Rows::from(&rows[..]);
        let (a, b) = rows.split_at(25_000);
        let split = Rows::from(a).with(b);
        let mut found = repeats_in(split, 0);
        found.extend(repeats_in(split, 1));
        let mut whole = repeats_in(parts, 0);
        whole.extend(repeats_in(parts, 1));
        whole.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, by_hand(&rows));
        assert_eq!(whole, found);
    }

    #[test]
    fn one_barcode_repeated_throughout_points_at_its_first_row() {
        let rows = vec![rec(7); 100_000];
        let half = mix(7) >> 63;
        let found = repeats_in(Rows::from(&rows[..]), half);
        assert_eq!(found.len(), 99_999);
        assert!(found.iter().all(|&(_, first)| first == 0));
        assert!(repeats_in(Rows::from(&rows[..]), 1 - half).is_empty());
    }
}
