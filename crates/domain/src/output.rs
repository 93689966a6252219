//! Writing `processed_orders.csv` and `issues.csv` (SPEC §3 rule 6, §6).

use crate::issue::Issue;
use crate::merge::{Outcome, OutputRow};
use std::io::{self, Write};

/// The header line of `processed_orders.csv`.
pub const PROCESSED_HEADER: &str = "customer_id,order_id,barcodes\n";
/// The header line of `issues.csv`.
pub const ISSUES_HEADER: &str = "file,line,code,message\n";

const FLUSH_AT: usize = 1 << 20;

/// Appends one output row: `customer_id,order_id,[b1, b2]`, the list quoted when it
/// holds a comma (barcodes are ASCII letters and digits, so nothing else needs quoting).
pub fn format_row(out: &mut Vec<u8>, row: &OutputRow<'_>) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(n.format(row.customer_id).as_bytes());
    out.push(b',');
    out.extend_from_slice(n.format(row.order_id).as_bytes());
    out.push(b',');
    let barcodes = row.barcodes();
    let quoted = barcodes.len() > 1;
    if quoted {
        out.push(b'"');
    }
    out.push(b'[');
    for (i, b) in barcodes.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(b.as_bytes());
    }
    out.push(b']');
    if quoted {
        out.push(b'"');
    }
    out.push(b'\n');
}

/// Writes the whole `processed_orders.csv`, header included.
pub fn write_processed(outcome: &Outcome, w: &mut impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
    buf.extend_from_slice(PROCESSED_HEADER.as_bytes());
    for row in outcome.rows() {
        format_row(&mut buf, &row);
        if buf.len() >= FLUSH_AT {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

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

/// Appends one line of `issues.csv`.
pub fn format_issue(out: &mut Vec<u8>, issue: &Issue) {
    out.extend_from_slice(issue.file.as_str().as_bytes());
    out.push(b',');
    out.extend_from_slice(itoa::Buffer::new().format(issue.line).as_bytes());
    out.push(b',');
    out.extend_from_slice(issue.code.as_str().as_bytes());
    out.push(b',');
    csv_field(out, &issue.message);
    out.push(b'\n');
}

/// Writes the whole `issues.csv`, header included.
pub fn write_issues<'a>(
    issues: impl IntoIterator<Item = &'a Issue>,
    w: &mut impl Write,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
    buf.extend_from_slice(ISSUES_HEADER.as_bytes());
    for issue in issues {
        format_issue(&mut buf, issue);
        if buf.len() >= FLUSH_AT {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}
