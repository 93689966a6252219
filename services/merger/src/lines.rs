//! Where each output barcode and each unused barcode stands in `barcodes.csv`.
//!
//! The domain's [`Outcome`] says which barcodes are kept and in what order, but not on
//! which line each one was read, which `order_barcodes.csv` and `unused_barcodes.csv`
//! record. The lines are recovered by replaying the valid barcode rows in file order (a
//! second read of the chunks) and matching them against the outcome, without deciding
//! anything the domain decided:
//!
//! - an unused barcode is the first valid row of its barcode, and the unused barcodes are in
//!   file order; so, walking the unsold rows in file order, the first row equal to the next
//!   expected unused barcode is that barcode's row;
//! - an output row's barcodes are the first valid rows of their barcodes among the rows of
//!   its order, in file order; so the same greedy match works within each order.
//!
//! An earlier row with the same barcode would itself be the first occurrence, so a greedy
//! match can never pick a wrong row. Memory: the output barcodes' text once, a cursor per
//! output order, and one line per barcode.

use hashbrown::HashMap;
use tiqets_domain::Outcome;

/// Barcodes the replay did not find: the rows replayed are not the ones merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{missing} {what} not found again in barcodes.csv's rows")]
pub struct Unmatched {
    pub what: &'static str,
    pub missing: u64,
}

/// Barcodes back to back, each preceded by its length (valid barcodes have at most 64
/// bytes).
#[derive(Default)]
struct Texts(Vec<u8>);

impl Texts {
    fn push(&mut self, barcode: &str) {
        // Valid barcodes are 1..=64 ASCII bytes; anything longer cannot be in an outcome.
        let len = u8::try_from(barcode.len()).unwrap_or(u8::MAX);
        self.0.push(len);
        self.0
            .extend_from_slice(&barcode.as_bytes()[..len as usize]);
    }

    /// If the text at `pos` is `barcode`, the position after it.
    fn matches(&self, pos: usize, barcode: &str) -> Option<usize> {
        let len = *self.0.get(pos)? as usize;
        let text = self.0.get(pos + 1..pos + 1 + len)?;
        (text == barcode.as_bytes()).then_some(pos + 1 + len)
    }
}

/// Where an output row's matching stands.
#[derive(Clone, Copy)]
struct Cursor {
    /// Position of the row's next unmatched barcode in the texts, and the end of its
    /// barcodes there.
    pos: usize,
    end: usize,
    /// Index of that barcode in the lines.
    ticket: usize,
}

/// Lines of the output rows' barcodes, in output order.
pub struct SoldLines {
    /// The cursor of each output order, by order id (one lookup per row replayed).
    by_order: HashMap<u64, Cursor>,
    texts: Texts,
    lines: Vec<u64>,
}

impl SoldLines {
    pub fn new(outcome: &Outcome) -> SoldLines {
        let rows = outcome.rows();
        let mut by_order = HashMap::with_capacity(rows.len());
        let mut texts = Texts::default();
        let mut ticket = 0usize;
        for row in rows {
            let pos = texts.0.len();
            let barcodes = row.barcodes();
            let n = barcodes.len();
            barcodes.for_each(|b| texts.push(&b));
            let end = texts.0.len();
            by_order.insert(row.order_id, Cursor { pos, end, ticket });
            ticket += n;
        }
        SoldLines {
            by_order,
            texts,
            lines: vec![0; ticket],
        }
    }

    /// Takes the next valid sold row of `barcodes.csv` (in file order).
    pub fn observe(&mut self, order_id: u64, barcode: &str, line: u64) {
        // Not an output order: an unknown order, or one that was not kept.
        let Some(c) = self.by_order.get_mut(&order_id) else {
            return;
        };
        if c.pos == c.end {
            return;
        }
        if let Some(next) = self.texts.matches(c.pos, barcode) {
            self.lines[c.ticket] = line;
            c.pos = next;
            c.ticket += 1;
        }
    }

    /// The line of every output barcode, row by row, in each row's barcode order.
    pub fn finish(self) -> Result<Vec<u64>, Unmatched> {
        let missing = self.by_order.values().filter(|c| c.pos != c.end).count() as u64;
        if missing > 0 {
            return Err(Unmatched {
                what: "output orders had barcodes",
                missing,
            });
        }
        Ok(self.lines)
    }
}

/// Lines of the unused barcodes, in file order.
pub struct UnusedLines {
    texts: Texts,
    pos: usize,
    lines: Vec<u64>,
    expected: usize,
}

impl UnusedLines {
    pub fn new(outcome: &Outcome) -> UnusedLines {
        let mut texts = Texts::default();
        outcome.unused().for_each(|b| texts.push(&b));
        let expected = outcome.unused_count() as usize;
        UnusedLines {
            texts,
            pos: 0,
            lines: Vec::with_capacity(expected),
            expected,
        }
    }

    /// Takes the next valid unsold row of `barcodes.csv` (in file order).
    pub fn observe(&mut self, barcode: &str, line: u64) {
        if let Some(next) = self.texts.matches(self.pos, barcode) {
            self.lines.push(line);
            self.pos = next;
        }
    }

    /// The line of every unused barcode, in [`Outcome::unused`] order.
    pub fn finish(self) -> Result<Vec<u64>, Unmatched> {
        if self.lines.len() != self.expected {
            return Err(Unmatched {
                what: "unused barcodes were",
                missing: (self.expected - self.lines.len()) as u64,
            });
        }
        Ok(self.lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use tiqets_domain::{BarcodeRow, BarcodesParser, OwnedBarcodeRow, Parsed};

    fn valid_rows(barcodes: &str) -> Vec<OwnedBarcodeRow> {
        let mut rows = Vec::new();
        let mut sink = |p: Parsed<BarcodeRow<'_>>| {
            if let Parsed::Row(r) = p {
                rows.push(r.to_owned_row())
            }
        };
        let mut parser = BarcodesParser::new();
        parser.push(barcodes.as_bytes(), &mut sink).unwrap();
        parser.finish(&mut sink).unwrap();
        rows
    }

    /// The lines by brute force: every barcode's first valid row.
    fn expected(outcome: &Outcome, rows: &[OwnedBarcodeRow]) -> (Vec<u64>, Vec<u64>) {
        let mut first: HashMap<&str, u64> = HashMap::new();
        for r in rows {
            first.entry(&r.barcode).or_insert(r.line);
        }
        let sold = outcome
            .rows()
            .flat_map(|row| {
                row.barcodes()
                    .map(|b| first[b.as_str()])
                    .collect::<Vec<_>>()
            })
            .collect();
        let unused = outcome.unused().map(|b| first[b.as_str()]).collect();
        (sold, unused)
    }

    fn replay(outcome: &Outcome, rows: &[OwnedBarcodeRow]) -> (Vec<u64>, Vec<u64>) {
        let mut sold = SoldLines::new(outcome);
        let mut unused = UnusedLines::new(outcome);
        for r in rows {
            match r.order_id {
                Some(id) => sold.observe(id, &r.barcode, r.line),
                None => unused.observe(&r.barcode, r.line),
            }
        }
        (sold.finish().unwrap(), unused.finish().unwrap())
    }

    fn check(orders: &str, barcodes: &str) {
        let outcome =
            tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {})
                .unwrap();
        let rows = valid_rows(barcodes);
        assert_eq!(replay(&outcome, &rows), expected(&outcome, &rows));
    }

    #[test]
    fn duplicates_before_and_after_the_kept_row_do_not_mislead_the_match() {
        let orders = "order_id,customer_id\n1,10\n2,20\n3,10\n";
        let barcodes =
            "barcode,order_id\nA,1\nB,\nA,2\nC,1\nB,\nB,1\nD,2\nbad!,1\nE,\nA,\nC,3\nF,3\n";
        check(orders, barcodes);
        let outcome =
            tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {})
                .unwrap();
        let (sold, unused) = replay(&outcome, &valid_rows(barcodes));
        // Output: 10,1,[A, C]  10,3,[F]  20,2,[D]; unused B (line 3) and E (line 10).
        assert_eq!(sold, [2, 5, 13, 8]);
        assert_eq!(unused, [3, 10]);
    }

    #[test]
    fn rows_that_were_not_merged_are_reported() {
        let orders = "order_id,customer_id\n1,10\n";
        let barcodes = "barcode,order_id\nA,1\nB,\n";
        let outcome =
            tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {})
                .unwrap();
        let sold = SoldLines::new(&outcome);
        let unused = UnusedLines::new(&outcome);
        assert_eq!(
            sold.finish().unwrap_err().to_string(),
            "1 output orders had barcodes not found again in barcodes.csv's rows"
        );
        assert_eq!(unused.finish().unwrap_err().missing, 1);
    }

    fn csv(rows: &[(u8, Option<u8>)]) -> String {
        let mut s = String::from("barcode,order_id\n");
        for (b, o) in rows {
            match o {
                Some(o) => s += &format!("{b:03},{o}\n"),
                None => s += &format!("{b:03},\n"),
            }
        }
        s
    }

    proptest! {
        #[test]
        fn replayed_lines_are_every_barcode_s_first_valid_row(
            orders in proptest::collection::vec((1u8..12, 1u8..5), 0..12),
            barcodes in proptest::collection::vec((0u8..20, proptest::option::of(0u8..14)), 0..60),
        ) {
            let mut o = String::from("order_id,customer_id\n");
            for (id, customer) in &orders {
                o += &format!("{id},{customer}\n");
            }
            check(&o, &csv(&barcodes));
        }
    }
}
