//! The processing rules of the Tiqets order processor (`docs/processing-rules.md`), written
//! once.
//!
//! The command line, every pipeline service and every test call these functions; nothing
//! here knows about tokio, NATS or PostgreSQL.
//!
//! # Layout
//! - [`records`]: splitting bytes into CSV records, chunk by chunk, with physical line numbers.
//! - [`value`]: trimming, ids, barcodes.
//! - [`parse`]: one file: header matching, record checks, typed rows or issues
//!   ([`OrdersParser`], [`BarcodesParser`]).
//! - [`book`]: the per-file rules: first order wins, first barcode wins.
//! - [`merge`](mod@merge): rules 3–7, giving an [`Outcome`]: sorted output rows, unused barcodes,
//!   tickets per customer, top N, and every issue in report order.
//! - [`output`]: the result files, `processed_orders.csv`, `issues.csv` and
//!   `unused_barcodes.csv`: each one's writer and reader, in one place.
//! - [`process()`]: a whole batch from two readers, on two threads.
//! - [`diff`]: what changed between the results of two batches.
//!
//! # Example
//! ```
//! let orders = "order_id,customer_id\n1,10\n2,20\n";
//! let barcodes = "barcode,order_id\n111,1\n222,1\n333,\n444,9\n";
//! let outcome = tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {})
//!     .unwrap();
//! let mut csv = Vec::new();
//! tiqets_domain::write_processed(&outcome, &mut csv).unwrap();
//! assert_eq!(String::from_utf8(csv).unwrap(), "customer_id,order_id,barcodes\n10,1,\"[111, 222]\"\n");
//! assert_eq!(outcome.unused_count(), 1);
//! let codes: Vec<&str> = outcome.issues().iter().map(|i| i.code.as_str()).collect();
//! assert_eq!(codes, ["order_without_barcodes", "unknown_order"]);
//! ```

pub mod barcode;
pub mod book;
pub mod diff;
pub mod issue;
pub mod merge;
pub mod output;
pub mod parse;
pub mod partition;
pub mod process;
pub mod records;
pub mod value;

pub use barcode::BarcodeBuf;
pub use book::{BarcodeBook, OrderBook};
pub use issue::{
    sort_issues, FileKind, Issue, IssueCode, IssueCounts, IssueLimit, IssueLog, NotItemised,
};
pub use merge::{merge, top_customers, CustomerTickets, Outcome, OutputRow};
pub use output::{
    csv_field, format_issue, format_row, write_issue_report, write_issues, write_processed,
    write_processed_parallel, write_unused, ISSUES_HEADER, PROCESSED_HEADER, UNUSED_HEADER,
};
pub use parse::{
    BarcodeRow, BarcodesParser, FatalError, FatalProblem, FileParser, OrderRow, OrdersParser,
    OwnedBarcodeRow, Parsed, Schema,
};
pub use process::{process, process_with};
#[cfg(unix)]
pub use process::{process_files, process_files_with};
