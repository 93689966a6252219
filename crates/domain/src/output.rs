//! Writing `processed_orders.csv` and `issues.csv` (`docs/processing-rules.md`: Results,
//! rule 6, and Issues).

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

/// Like [`write_processed`], formatting on two threads: blocks of rows are formatted
/// alternately by two workers and written in order, with at most a few blocks in memory.
pub fn write_processed_parallel(outcome: &Outcome, w: &mut (impl Write + Send)) -> io::Result<()> {
    const BLOCK: usize = 16 * 1024;
    const WORKERS: usize = 2;
    let rows = outcome.rows.len();
    if rows < 4 * BLOCK {
        return write_processed(outcome, w);
    }
    let blocks = rows.div_ceil(BLOCK);
    std::thread::scope(|s| {
        let mut inboxes = Vec::new();
        for worker in 0..WORKERS {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
            inboxes.push(rx);
            s.spawn(move || {
                for block in (worker..blocks).step_by(WORKERS) {
                    let range = block * BLOCK..((block + 1) * BLOCK).min(rows);
                    let mut buf = Vec::with_capacity(BLOCK * 64);
                    for row in outcome.rows_in(range) {
                        format_row(&mut buf, &row);
                    }
                    if tx.send(buf).is_err() {
                        return; // the writer stopped on an error
                    }
                }
            });
        }
        w.write_all(PROCESSED_HEADER.as_bytes())?;
        for block in 0..blocks {
            let buf = inboxes[block % WORKERS]
                .recv()
                .map_err(|_| io::Error::other("a formatting thread stopped"))?;
            w.write_all(&buf)?;
        }
        Ok(())
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_writing_gives_the_same_bytes() {
        let mut orders = String::from("order_id,customer_id\n");
        let mut barcodes = String::from("barcode,order_id\n");
        for i in 1..=70_000u64 {
            orders += &format!("{i},{}\n", i % 997 + 1);
            for j in 0..(i % 3 + 1) {
                barcodes += &format!("{}{j},{i}\n", i * 10);
            }
        }
        let outcome =
            crate::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {}).unwrap();
        let mut one = Vec::new();
        write_processed(&outcome, &mut one).unwrap();
        let mut two = Vec::new();
        write_processed_parallel(&outcome, &mut two).unwrap();
        assert_eq!(outcome.orders_written(), 70_000);
        assert!(one == two, "parallel output differs");
    }
}
