//! The two steps of a partition: the barcode step (rules 2 and 3) and the order step
//! (rules 1, 4, 5 and 6), each writing its records and sorted runs for the next.

use super::codec::{put_barcode, put_issue};
use super::Plan;
use crate::book::{BarcodeBook, BarcodeRec, OrderBook};
use crate::issue::{Issue, IssueCounts, IssueLimit, IssueLog, NotItemised};
use crate::merge::{first_barcodes, merge};
use crate::output::{format_row, format_unused};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// Bytes gathered before they are handed to a writer.
const FLUSH_AT: usize = 1 << 20;

/// What a step found of the issues it wrote: every one counted per code, and those of
/// each file and code it did not itemise (its first `limit` by line it did).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepIssues {
    pub counts: IssueCounts,
    pub not_itemised: Vec<NotItemised>,
}

impl StepIssues {
    /// Writes `log`'s itemised issues to `w` in report order, and returns the rest.
    pub fn write(log: IssueLog, w: &mut impl Write) -> io::Result<StepIssues> {
        let (issues, counts, not_itemised) = log.finish();
        write_issues(&issues, w)?;
        Ok(StepIssues {
            counts,
            not_itemised,
        })
    }
}

fn write_issues(issues: &[Issue], w: &mut impl Write) -> io::Result<()> {
    write_blocks(w, issues, put_issue)
}

/// Writes each item formatted by `format`, in blocks of about [`FLUSH_AT`] bytes.
fn write_blocks<T>(
    w: &mut impl Write,
    items: impl IntoIterator<Item = T>,
    mut format: impl FnMut(&mut Vec<u8>, T),
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
    for item in items {
        format(&mut buf, item);
        if buf.len() >= FLUSH_AT {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Rules 2 and 3 over the barcode rows of one partition (every row of each of its
/// barcodes, in file order). Writes the kept sold barcodes to `sold[q]`, q the partition
/// of their order (in file order), the unused barcodes as lines of `unused_barcodes.csv`
/// (in file order) to `unused`, and the duplicates' issues to `issues`.
pub fn barcode_step(
    mut book: BarcodeBook,
    limit: IssueLimit,
    plan: Plan,
    sold: &mut [impl Write],
    unused: &mut impl Write,
    issues: &mut impl Write,
) -> io::Result<StepIssues> {
    assert_eq!(
        sold.len(),
        plan.parts() as usize,
        "one writer per partition"
    );
    let (kept, (unused_keys, unused_lines), log) = first_barcodes(&mut book, limit);
    let found = StepIssues::write(log, issues)?;
    let pairs = unused_keys.iter().zip(&unused_lines);
    write_blocks(unused, pairs, |out, (&key, &line)| {
        format_unused(out, &book.text_of(key), line)
    })?;
    drop((unused_keys, unused_lines));
    let mut parts: Vec<Vec<BarcodeRec>> = vec![Vec::new(); plan.parts() as usize];
    for part in [kept.low, kept.high] {
        for r in part {
            parts[plan.of_order(r.order_id) as usize].push(r);
        }
    }
    for (recs, w) in parts.iter_mut().zip(sold) {
        recs.sort_unstable_by_key(|r| r.line);
        write_blocks(w, recs.iter(), |out, r| {
            put_barcode(
                out,
                r.line,
                Some(r.order_id),
                book.text_of(r.key).as_bytes(),
            )
        })?;
        *recs = Vec::new();
    }
    Ok(found)
}

/// Rules 1, 4, 5 and 6 over one partition: its order rows (every row of each of its
/// orders, in file order) and the kept barcodes sold to its orders (in file order, each
/// barcode once). Writes its output rows as lines of `processed_orders.csv`, sorted by
/// customer then order, to `processed`, and its issues to `issues`.
pub fn order_step(
    orders: OrderBook,
    sold: BarcodeBook,
    limit: IssueLimit,
    processed: &mut impl Write,
    issues: &mut impl Write,
) -> io::Result<StepIssues> {
    // The barcodes are kept ones already: the merge finds no duplicate and no unused one.
    let outcome = merge(orders, sold, IssueLog::new(limit));
    debug_assert_eq!(outcome.unused_count(), 0);
    write_blocks(processed, outcome.rows(), |out, row| format_row(out, &row))?;
    write_issues(outcome.issues(), issues)?;
    Ok(StepIssues {
        counts: outcome.issue_counts(),
        not_itemised: outcome.not_itemised().to_vec(),
    })
}
