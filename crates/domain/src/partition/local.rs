//! The partition steps run one after the other in one process, on in-memory runs: what the
//! merger service does over its replicas with the object store between the steps. The
//! reference-model property test holds its output to [`crate::process_with`]'s.

use super::codec::{put_barcode, put_order, read_barcodes, read_barcodes_by_line, read_orders};
use super::combine::{combine_issues, combine_processed, combine_unused, Issues, Processed};
use super::steps::{barcode_step, order_step, StepIssues};
use super::Plan;
use crate::book::{BarcodeBook, OrderBook};
use crate::issue::{FileKind, IssueLimit, IssueLog};
use crate::parse::{BarcodeRow, BarcodesParser, FatalError, OrderRow, OrdersParser, Parsed};
use crate::process::feed;
use std::io::Read;

/// The three result files of a batch merged in partitions, and its figures.
pub struct Partitioned {
    pub processed: Vec<u8>,
    pub issues: Vec<u8>,
    pub unused: Vec<u8>,
    pub summary: Processed,
    pub unused_count: u64,
    pub issue_totals: Issues,
}

/// Reads both files, splits their valid rows by `plan`, runs every step and combines the
/// runs, with issues itemised up to `limit` and the `top` best customers.
pub fn process_partitioned(
    orders: impl Read,
    barcodes: impl Read,
    plan: Plan,
    limit: IssueLimit,
    top: usize,
) -> Result<Partitioned, FatalError> {
    let parts = plan.parts() as usize;
    let io = |e: std::io::Error| -> FatalError { panic!("in-memory runs cannot fail: {e}") };
    let mut issue_runs: Vec<Vec<u8>> = Vec::new();
    let mut found: Vec<StepIssues> = Vec::new();

    // The split, as the validator and the merger's first step do it.
    let mut order_parts = vec![Vec::new(); parts];
    let mut log = IssueLog::new(limit);
    let mut parser = OrdersParser::new();
    let mut sink = |p: Parsed<OrderRow>| match p {
        Parsed::Row(row) => put_order(&mut order_parts[plan.of_order(row.order_id) as usize], &row),
        Parsed::Issue(issue) => log.push(issue),
    };
    feed(orders, FileKind::Orders, &|_| {}, |c| {
        parser.push(c, &mut sink)
    })?;
    parser.finish(&mut sink)?;
    let mut run = Vec::new();
    found.push(StepIssues::write(log, &mut run).map_err(io)?);
    issue_runs.push(run);

    let mut barcode_parts = vec![Vec::new(); parts];
    let mut log = IssueLog::new(limit);
    let mut parser = BarcodesParser::new();
    let mut sink = |p: Parsed<BarcodeRow<'_>>| match p {
        Parsed::Row(row) => {
            let part = plan.of_barcode(row.barcode.as_bytes()) as usize;
            put_barcode(
                &mut barcode_parts[part],
                row.line,
                row.order_id,
                row.barcode.as_bytes(),
            )
        }
        Parsed::Issue(issue) => log.push(issue),
    };
    feed(barcodes, FileKind::Barcodes, &|_| {}, |c| {
        parser.push(c, &mut sink)
    })?;
    parser.finish(&mut sink)?;
    let mut run = Vec::new();
    found.push(StepIssues::write(log, &mut run).map_err(io)?);
    issue_runs.push(run);

    // The barcode steps: sold[p][q], sold in partition p to an order of partition q.
    let mut sold: Vec<Vec<Vec<u8>>> = Vec::with_capacity(parts);
    let mut unused_runs = Vec::with_capacity(parts);
    for part in barcode_parts {
        let mut book = BarcodeBook::new();
        read_barcodes(part.as_slice(), &mut book).map_err(io)?;
        let (mut to, mut unused, mut issues) = (vec![Vec::new(); parts], Vec::new(), Vec::new());
        let f = barcode_step(book, limit, plan, &mut to, &mut unused, &mut issues).map_err(io)?;
        found.push(f);
        issue_runs.push(issues);
        unused_runs.push(unused);
        sold.push(to);
    }

    // The order steps.
    let mut processed_runs = Vec::with_capacity(parts);
    for (q, part) in order_parts.into_iter().enumerate() {
        let mut orders = OrderBook::new();
        read_orders(part.as_slice(), &mut orders).map_err(io)?;
        let mut book = BarcodeBook::new();
        let runs: Vec<&[u8]> = sold.iter().map(|to| to[q].as_slice()).collect();
        read_barcodes_by_line(runs, &mut book).map_err(io)?;
        let (mut processed, mut issues) = (Vec::new(), Vec::new());
        found.push(order_step(orders, book, limit, &mut processed, &mut issues).map_err(io)?);
        issue_runs.push(issues);
        processed_runs.push(processed);
    }

    // Combine.
    let mut out = Partitioned {
        processed: Vec::new(),
        issues: Vec::new(),
        unused: Vec::new(),
        summary: Processed::default(),
        unused_count: 0,
        issue_totals: Issues::default(),
    };
    let runs: Vec<&[u8]> = processed_runs.iter().map(Vec::as_slice).collect();
    out.summary = combine_processed(runs, top, &mut out.processed).map_err(io)?;
    let runs: Vec<&[u8]> = unused_runs.iter().map(Vec::as_slice).collect();
    out.unused_count = combine_unused(runs, &mut out.unused).map_err(io)?;
    let runs: Vec<&[u8]> = issue_runs.iter().map(Vec::as_slice).collect();
    out.issue_totals = combine_issues(runs, &found, limit, &mut out.issues).map_err(io)?;
    Ok(out)
}
