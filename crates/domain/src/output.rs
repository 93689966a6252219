//! The result files of a batch, each written and read back in one place
//! (`docs/processing-rules.md`: Results, rule 6, and Issues).
//!
//! - [`processed`]: `processed_orders.csv`, `customer_id,order_id,[b1, b2]`: the output.
//! - [`issues`]: `issues.csv`, `file,line,code,message`: the validation report.
//! - [`unused`]: `unused_barcodes.csv`, `barcode,line`: the unused barcodes, for loading.
//! - [`read`]: reading any of them back, line by line, its header checked.
//!
//! Each file's header line, the barcode list's brackets and separator and the CSV quoting
//! are spelled here and nowhere else. The command line and the merger write the files with
//! these writers; the persister reads them back with [`read::ResultReader`] into the typed
//! lines it loads into PostgreSQL; the api formats its downloads with them.

pub mod issues;
pub mod processed;
pub mod read;
pub mod unused;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

pub use issues::{
    format_issue, format_issue_fields, format_not_itemised, report_lines, write_issue_report,
    write_issues, IssueLine, IssuesCsv, IssuesCsvLine, ReportLine, HEADER as ISSUES_HEADER,
};
pub use processed::{
    format_line, format_order, format_row, write_processed, write_processed_parallel, BarcodeList,
    OrderLine, ProcessedOrdersCsv, HEADER as PROCESSED_HEADER,
};
pub use read::{ReadError, ResultFormat, ResultReader};
pub use unused::{
    format_unused, write_unused, UnusedBarcodesCsv, UnusedLine, HEADER as UNUSED_HEADER,
};

/// Bytes gathered before they are handed to the writer.
const FLUSH_AT: usize = 1 << 20;

/// Appends `field` to `out`, quoted as CSV requires.
pub fn csv_field(out: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Writes a whole file: `header`, then every item formatted by `format`, in blocks of
/// about [`FLUSH_AT`] bytes.
#[inline]
fn write_file<T>(
    w: &mut impl Write,
    header: &str,
    items: impl IntoIterator<Item = T>,
    mut format: impl FnMut(&mut Vec<u8>, T),
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
    buf.extend_from_slice(header.as_bytes());
    for item in items {
        format(&mut buf, item);
        if buf.len() >= FLUSH_AT {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}
