//! The per-file rules: first order wins (rule 1), first barcode wins (rule 2).

use crate::barcode::{numeric_key, text_key, text_range, BarcodeBuf};
use crate::issue::{shown, FileKind, Issue, IssueCode};
use crate::parse::{BarcodeRow, OrderRow};
use hashbrown::hash_map::Entry;
use hashbrown::{HashMap, HashTable};
use std::hash::BuildHasher;

pub(crate) type Hasher = foldhash::fast::FixedState;

/// An index into a book's vectors (a file holds fewer than 2^32 rows).
fn index(len: usize) -> u32 {
    u32::try_from(len).expect("fewer than 2^32 rows per file")
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptOrder {
    pub order_id: u64,
    pub customer_id: u64,
    pub line: u64,
}

/// The kept orders of one `orders.csv`, in file order (rule 1).
#[derive(Default)]
pub struct OrderBook {
    pub(crate) index: HashMap<u64, u32, Hasher>,
    pub(crate) orders: Vec<KeptOrder>,
}

impl OrderBook {
    pub fn new() -> OrderBook {
        OrderBook::default()
    }

    /// Pre-sizes for about `rows` orders.
    pub fn with_capacity(rows: usize) -> OrderBook {
        OrderBook {
            index: HashMap::with_capacity_and_hasher(rows, Hasher::default()),
            orders: Vec::with_capacity(rows),
        }
    }

    /// Keeps the row, or returns `duplicate_order` when its `order_id` was seen before.
    pub fn insert(&mut self, row: OrderRow) -> Option<Issue> {
        match self.index.entry(row.order_id) {
            Entry::Occupied(first) => {
                let first_line = self.orders[*first.get() as usize].line;
                let message = format!(
                    "duplicate order_id {} (first on line {first_line})",
                    row.order_id
                );
                Some(Issue::new(
                    FileKind::Orders,
                    row.line,
                    IssueCode::DuplicateOrder,
                    message,
                ))
            }
            Entry::Vacant(slot) => {
                slot.insert(index(self.orders.len()));
                self.orders.push(KeptOrder {
                    order_id: row.order_id,
                    customer_id: row.customer_id,
                    line: row.line,
                });
                None
            }
        }
    }

    /// Number of kept orders.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptBarcode {
    pub key: u64,
    /// 0 when unsold (ids start at 1).
    pub order_id: u64,
    pub line: u64,
}

/// The kept barcodes of one `barcodes.csv`, in file order (rule 2).
#[derive(Default)]
pub struct BarcodeBook {
    numeric: HashMap<u64, u32, Hasher>,
    text: HashTable<u32>,
    hasher: Hasher,
    pub(crate) arena: Vec<u8>,
    pub(crate) kept: Vec<KeptBarcode>,
}

impl BarcodeBook {
    pub fn new() -> BarcodeBook {
        BarcodeBook::default()
    }

    /// Pre-sizes for about `rows` barcodes.
    pub fn with_capacity(rows: usize) -> BarcodeBook {
        BarcodeBook {
            numeric: HashMap::with_capacity_and_hasher(rows, Hasher::default()),
            kept: Vec::with_capacity(rows),
            ..BarcodeBook::default()
        }
    }

    /// Keeps the row, or returns `duplicate_barcode` when the barcode was kept before.
    pub fn insert(&mut self, row: BarcodeRow<'_>) -> Option<Issue> {
        let next = index(self.kept.len());
        let bytes = row.barcode.as_bytes();
        let (key, first) = match numeric_key(bytes) {
            Some(key) => match self.numeric.entry(key) {
                Entry::Occupied(e) => (key, Some(*e.get())),
                Entry::Vacant(e) => {
                    e.insert(next);
                    (key, None)
                }
            },
            None => self.insert_text(bytes, next),
        };
        if let Some(first) = first {
            let first_line = self.kept[first as usize].line;
            let message = format!(
                "duplicate barcode {} (first on line {first_line})",
                shown(row.barcode)
            );
            return Some(Issue::new(
                FileKind::Barcodes,
                row.line,
                IssueCode::DuplicateBarcode,
                message,
            ));
        }
        self.kept.push(KeptBarcode {
            key,
            order_id: row.order_id.unwrap_or(0),
            line: row.line,
        });
        None
    }

    fn insert_text(&mut self, bytes: &[u8], next: u32) -> (u64, Option<u32>) {
        let hash = self.hasher.hash_one(bytes);
        let (arena, kept, hasher) = (&self.arena, &self.kept, &self.hasher);
        let same = |i: &u32| &arena[text_range(kept[*i as usize].key)] == bytes;
        if let Some(&first) = self.text.find(hash, same) {
            return (kept[first as usize].key, Some(first));
        }
        let key = text_key(self.arena.len(), bytes.len());
        self.arena.extend_from_slice(bytes);
        let (arena, kept) = (&self.arena, &self.kept);
        let rehash = |i: &u32| {
            let k = if *i == next {
                key
            } else {
                kept[*i as usize].key
            };
            hasher.hash_one(&arena[text_range(k)])
        };
        self.text.insert_unique(hash, next, rehash);
        (key, None)
    }

    /// Number of kept barcodes (sold and unsold).
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    pub(crate) fn text_of(&self, key: u64) -> BarcodeBuf {
        BarcodeBuf::decode(key, &self.arena)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bc(line: u64, barcode: &str, order_id: Option<u64>) -> BarcodeRow<'_> {
        BarcodeRow {
            line,
            barcode,
            order_id,
        }
    }

    #[test]
    fn rule_1_first_order_wins() {
        let mut book = OrderBook::new();
        let row = |line, order_id, customer_id| OrderRow {
            line,
            order_id,
            customer_id,
        };
        assert_eq!(book.insert(row(2, 7, 1)), None);
        let dup = book.insert(row(3, 7, 2)).unwrap();
        assert_eq!(dup.code, IssueCode::DuplicateOrder);
        assert_eq!(dup.line, 3);
        assert_eq!(dup.message, "duplicate order_id 7 (first on line 2)");
        assert_eq!(book.orders[0].customer_id, 1);
        assert_eq!(book.len(), 1);
    }

    #[test]
    fn rule_2_first_barcode_wins_sold_or_not_and_text_barcodes_too() {
        let mut book = BarcodeBook::new();
        assert_eq!(book.insert(bc(2, "0123", None)), None);
        assert_eq!(
            book.insert(bc(3, "123", Some(1))),
            None,
            "leading zeros matter"
        );
        let dup = book.insert(bc(4, "0123", Some(5))).unwrap();
        assert_eq!(dup.code, IssueCode::DuplicateBarcode);
        assert_eq!(dup.message, "duplicate barcode \"0123\" (first on line 2)");
        assert_eq!(book.insert(bc(5, "AB12", Some(1))), None);
        assert_eq!(book.insert(bc(6, "1234567890123456789", None)), None);
        assert!(book.insert(bc(7, "AB12", None)).is_some());
        assert!(book.insert(bc(8, "1234567890123456789", Some(2))).is_some());
        assert_eq!(book.insert(bc(9, "ab12", None)), None, "case matters");
        let texts: Vec<String> = book
            .kept
            .iter()
            .map(|k| book.text_of(k.key).to_string())
            .collect();
        assert_eq!(
            texts,
            ["0123", "123", "AB12", "1234567890123456789", "ab12"]
        );
    }

    #[test]
    fn many_text_barcodes_survive_table_growth() {
        let mut book = BarcodeBook::new();
        let names: Vec<String> = (0..5000).map(|i| format!("X{i}")).collect();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(book.insert(bc(i as u64 + 2, n, None)), None);
        }
        for n in &names {
            assert!(book.insert(bc(99_999, n, None)).is_some());
        }
    }
}
