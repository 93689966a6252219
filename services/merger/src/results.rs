//! The result files the persister reads (see [`ResultFile`]), written from a merged batch
//! by the domain's writers (`tiqets_domain::output`): `processed_orders.csv` and
//! `issues.csv` are byte for byte what `tiqets process` writes, `unused_barcodes.csv` is
//! table data for the persister.

use std::io::{self, Write};
use tiqets_contract::{BatchCounts, ResultFile, TopCustomer};
use tiqets_domain::Outcome;

/// How many top customers a `PersistWork` carries (the api's largest `limit`).
pub const TOP_CUSTOMERS: usize = 100;

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
            issues: o.issue_counts().total(),
            issues_by_code: o.issue_counts().iter().filter(|(_, n)| *n > 0).collect(),
            issues_not_itemised: o.not_itemised().to_vec(),
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
            // An itemised issue a line, and a line per code and file not itemised.
            ResultFile::Issues => (o.issues().len() + o.not_itemised().len()) as u64,
            ResultFile::UnusedBarcodes => o.unused_count(),
        }
    }

    /// Writes `file` whole, header included (`processed_orders.csv` formatted on two
    /// threads, as by the CLI: it is the largest result by far).
    pub fn write(&self, file: ResultFile, w: &mut (impl Write + Send)) -> io::Result<()> {
        let o = &self.outcome;
        match file {
            ResultFile::ProcessedOrders => tiqets_domain::write_processed_parallel(o, w),
            ResultFile::Issues => {
                tiqets_domain::write_issue_report(o.issues(), o.not_itemised(), w)
            }
            ResultFile::UnusedBarcodes => tiqets_domain::write_unused(o, w),
        }
    }
}

#[cfg(test)]
mod tests;
