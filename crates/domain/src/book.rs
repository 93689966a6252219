//! Collecting one file's valid rows, in file order, in compact form.
//!
//! Books only collect: the duplicate rules (1 and 2) are applied in
//! [`crate::merge`](mod@crate::merge), by sorting, which is much faster than a hash lookup
//! per row on millions of rows.

use crate::barcode::{is_text_key, numeric_key, text_key, text_range, BarcodeBuf};
use crate::parse::{BarcodeRow, OrderRow};
use hashbrown::HashTable;
use std::hash::BuildHasher;

type Hasher = foldhash::fast::FixedState;

/// A valid order row.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OrderRec {
    pub order_id: u64,
    pub customer_id: u64,
    pub line: u64,
}

/// The valid rows of one `orders.csv`, in file order.
#[derive(Default)]
pub struct OrderBook {
    pub(crate) rows: Vec<OrderRec>,
}

impl OrderBook {
    pub fn new() -> OrderBook {
        OrderBook::default()
    }

    /// Pre-sizes for about `rows` orders.
    pub fn with_capacity(rows: usize) -> OrderBook {
        OrderBook {
            rows: Vec::with_capacity(rows),
        }
    }

    pub fn push(&mut self, row: OrderRow) {
        self.rows.push(OrderRec {
            order_id: row.order_id,
            customer_id: row.customer_id,
            line: row.line,
        });
    }

    /// Valid rows collected (duplicates included).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A valid barcode row; equal barcodes have equal keys.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BarcodeRec {
    pub key: u64,
    /// 0 when unsold (ids start at 1).
    pub order_id: u64,
    pub line: u64,
}

/// The valid rows of one `barcodes.csv`, in file order.
///
/// Digit-only barcodes of up to 18 digits become integer keys; any other barcode is stored
/// once in an arena and interned, so that equal barcodes always share one key.
#[derive(Default)]
pub struct BarcodeBook {
    interned: HashTable<u64>,
    hasher: Hasher,
    pub(crate) arena: Vec<u8>,
    pub(crate) rows: Vec<BarcodeRec>,
    /// The rows of later parts of the file, read on other threads ([`BarcodeBook::append`]):
    /// they follow `rows`.
    more: Vec<BarcodeRec>,
}

/// All of a book's rows in file order, in the (one or two) parts they were read in.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'a>([&'a [BarcodeRec]; 2]);

impl<'a> Rows<'a> {
    pub fn len(&self) -> usize {
        self.0[0].len() + self.0[1].len()
    }

    /// Row `i` of all of them.
    #[inline]
    pub fn get(&self, i: usize) -> &'a BarcodeRec {
        match self.0[0].get(i) {
            Some(r) => r,
            None => &self.0[1][i - self.0[0].len()],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a BarcodeRec> + 'a {
        self.0[0].iter().chain(self.0[1])
    }

    pub fn parts(&self) -> [&'a [BarcodeRec]; 2] {
        self.0
    }

    /// These rows followed by `more` (when these are one part).
    #[cfg(test)]
    pub fn with(self, more: &'a [BarcodeRec]) -> Rows<'a> {
        debug_assert!(self.0[1].is_empty());
        Rows([self.0[0], more])
    }
}

impl<'a> From<&'a [BarcodeRec]> for Rows<'a> {
    fn from(rows: &'a [BarcodeRec]) -> Rows<'a> {
        Rows([rows, &[]])
    }
}

impl BarcodeBook {
    pub fn new() -> BarcodeBook {
        BarcodeBook::default()
    }

    /// Pre-sizes for about `rows` barcodes.
    pub fn with_capacity(rows: usize) -> BarcodeBook {
        BarcodeBook {
            rows: Vec::with_capacity(rows),
            ..BarcodeBook::default()
        }
    }

    pub fn push(&mut self, row: BarcodeRow<'_>) {
        let bytes = row.barcode.as_bytes();
        let key = match numeric_key(bytes) {
            Some(key) => key,
            None => self.intern(bytes),
        };
        self.rows.push(BarcodeRec {
            key,
            order_id: row.order_id.unwrap_or(0),
            line: row.line,
        });
    }

    /// Appends the rows of a later part of the same file, collected by `other`; its lines
    /// are shifted by `line_offset`. The rows stay where `other` put them (a copy of
    /// millions of rows into new memory costs more than the rest of the step): only their
    /// lines, and the keys of barcodes that are not numbers, are rewritten in place.
    pub fn append(&mut self, mut other: BarcodeBook, line_offset: u64) {
        for part in [&mut other.rows, &mut other.more] {
            for r in part.iter_mut() {
                if is_text_key(r.key) {
                    r.key = self.intern(&other.arena[text_range(r.key)]);
                }
                r.line += line_offset;
            }
        }
        for part in [other.rows, other.more] {
            if self.more.is_empty() {
                self.more = part;
            } else {
                self.more.extend(part);
            }
        }
    }

    /// Every row, in file order.
    pub(crate) fn all_rows(&self) -> Rows<'_> {
        Rows([&self.rows, &self.more])
    }

    /// Takes the rows out, in their parts; the texts of the barcodes stay.
    pub(crate) fn take_rows(&mut self) -> [Vec<BarcodeRec>; 2] {
        [
            std::mem::take(&mut self.rows),
            std::mem::take(&mut self.more),
        ]
    }

    fn intern(&mut self, bytes: &[u8]) -> u64 {
        let hash = self.hasher.hash_one(bytes);
        let arena = &self.arena;
        if let Some(&key) = self
            .interned
            .find(hash, |k| &arena[text_range(*k)] == bytes)
        {
            return key;
        }
        let key = text_key(self.arena.len(), bytes.len());
        self.arena.extend_from_slice(bytes);
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.interned
            .insert_unique(hash, key, |k| hasher.hash_one(&arena[text_range(*k)]));
        key
    }

    /// Valid rows collected (duplicates included).
    pub fn len(&self) -> usize {
        self.rows.len() + self.more.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn text_of(&self, key: u64) -> BarcodeBuf {
        BarcodeBuf::decode(key, &self.arena)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_barcodes_share_a_key_and_different_ones_do_not() {
        let mut book = BarcodeBook::new();
        let texts = [
            "0123",
            "123",
            "AB12",
            "1234567890123456789",
            "ab12",
            "AB12",
            "0123",
        ];
        for (i, t) in texts.iter().enumerate() {
            book.push(BarcodeRow {
                line: i as u64 + 2,
                barcode: t,
                order_id: None,
            });
        }
        let keys: Vec<u64> = book.all_rows().iter().map(|r| r.key).collect();
        assert_eq!(keys[2], keys[5]);
        assert_eq!(keys[0], keys[6]);
        let distinct: std::collections::HashSet<u64> = keys[..5].iter().copied().collect();
        assert_eq!(distinct.len(), 5);
        let back: Vec<String> = keys.iter().map(|k| book.text_of(*k).to_string()).collect();
        assert_eq!(back, texts);
    }
}
