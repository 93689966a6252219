//! The result files the persister reads (see [`ResultFile`]), written from a merged batch.
//!
//! `processed_orders.csv` and `issues.csv` are written by the domain's own writers, so they
//! are byte for byte what `tiqets process` writes. `unused_barcodes.csv` is table data: its
//! header line, then one `barcode,line` line per unused barcode, each ending with `\n`.

use std::io::{self, Write};
use tiqets_contract::{BatchCounts, ResultFile, TopCustomer};
use tiqets_domain::{csv_field, Outcome};

/// Header of `unused_barcodes.csv`.
pub const UNUSED_BARCODES_HEADER: &str = "barcode,line\n";

/// How many top customers a `PersistWork` carries (the api's largest `limit`).
pub const TOP_CUSTOMERS: usize = 100;

const FLUSH_AT: usize = 256 * 1024;

/// A merged batch.
pub struct Merged {
    pub outcome: Outcome,
}

impl Merged {
    /// The batch's figures; `order_rows` and `barcode_rows` are the valid input rows.
    pub fn counts(&self, order_rows: u64, barcode_rows: u64) -> BatchCounts {
        let o = &self.outcome;
        BatchCounts {
            order_rows,
            barcode_rows,
            orders_written: o.orders_written(),
            tickets: o.tickets(),
            customers: o.customers(),
            unused_barcodes: o.unused_count(),
            issues: o.issues().len() as u64,
            issues_by_code: o.issue_counts().iter().filter(|(_, n)| *n > 0).collect(),
        }
    }

    /// The top [`TOP_CUSTOMERS`] customers (rule 7).
    pub fn top_customers(&self) -> Vec<TopCustomer> {
        self.outcome
            .top_customers(TOP_CUSTOMERS)
            .into_iter()
            .map(|c| TopCustomer {
                customer_id: c.customer_id,
                tickets: c.tickets,
            })
            .collect()
    }

    /// Data rows (the header excluded) of `file`.
    pub fn rows(&self, file: ResultFile) -> u64 {
        let o = &self.outcome;
        match file {
            ResultFile::ProcessedOrders => o.orders_written(),
            ResultFile::Issues => o.issues().len() as u64,
            ResultFile::UnusedBarcodes => o.unused_count(),
        }
    }

    /// Writes `file` whole, header included (`processed_orders.csv` formatted on two
    /// threads, as by the CLI: it is the largest result by far).
    pub fn write(&self, file: ResultFile, w: &mut (impl Write + Send)) -> io::Result<()> {
        let o = &self.outcome;
        match file {
            ResultFile::ProcessedOrders => tiqets_domain::write_processed_parallel(o, w),
            ResultFile::Issues => tiqets_domain::write_issues(o.issues(), w),
            ResultFile::UnusedBarcodes => self.write_unused(w),
        }
    }

    fn write_unused(&self, w: &mut impl Write) -> io::Result<()> {
        let mut out = Lines::new(w, UNUSED_BARCODES_HEADER);
        for (barcode, line) in self.outcome.unused_with_lines() {
            out.text(&barcode).comma();
            out.number(line).end()?;
        }
        out.finish()
    }
}

/// A buffered CSV line writer.
struct Lines<'w, W: Write> {
    w: &'w mut W,
    buf: Vec<u8>,
}

impl<'w, W: Write> Lines<'w, W> {
    fn new(w: &'w mut W, header: &str) -> Self {
        let mut buf = Vec::with_capacity(FLUSH_AT + 1024);
        buf.extend_from_slice(header.as_bytes());
        Lines { w, buf }
    }

    fn number(&mut self, n: u64) -> &mut Self {
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self
    }

    fn text(&mut self, s: &str) -> &mut Self {
        csv_field(&mut self.buf, s);
        self
    }

    fn comma(&mut self) -> &mut Self {
        self.buf.push(b',');
        self
    }

    fn end(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= FLUSH_AT {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        self.w.write_all(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(orders: &str, barcodes: &str) -> Merged {
        let outcome =
            tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {})
                .unwrap();
        Merged { outcome }
    }

    fn text(m: &Merged, file: ResultFile) -> String {
        let mut out = Vec::new();
        m.write(file, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn sample() -> Merged {
        merged(
            "order_id,customer_id\n1,10\n2,20\n3,10\n4,30\n",
            "barcode,order_id\n111,1\n222,1\n333,2\n444,\n555,3\n111,3\n666,9\n007,\n",
        )
    }

    #[test]
    fn every_result_file_has_its_header_and_one_line_per_row() {
        let m = sample();
        assert_eq!(
            text(&m, ResultFile::ProcessedOrders),
            "customer_id,order_id,barcodes\n10,1,\"[111, 222]\"\n10,3,[555]\n20,2,[333]\n"
        );
        assert_eq!(
            text(&m, ResultFile::UnusedBarcodes),
            "barcode,line\n444,5\n007,9\n"
        );
        let issues = text(&m, ResultFile::Issues);
        assert!(issues.starts_with("file,line,code,message\n"), "{issues}");
        for file in ResultFile::ALL {
            let lines = text(&m, file).lines().count() as u64;
            assert_eq!(lines, m.rows(file) + 1, "{file:?}");
        }
    }

    #[test]
    fn counts_and_top_customers_come_from_the_outcome() {
        let m = sample();
        let c = m.counts(4, 8);
        assert_eq!((c.order_rows, c.barcode_rows), (4, 8));
        assert_eq!((c.orders_written, c.tickets, c.customers), (3, 4, 2));
        assert_eq!((c.unused_barcodes, c.issues), (2, 3));
        assert_eq!(c.issues_by_code.values().sum::<u64>(), 3);
        assert!(c.issues_by_code.values().all(|n| *n > 0));
        let top = m.top_customers();
        assert_eq!(
            top,
            [
                TopCustomer {
                    customer_id: 10,
                    tickets: 3
                },
                TopCustomer {
                    customer_id: 20,
                    tickets: 1
                }
            ]
        );
    }
}
