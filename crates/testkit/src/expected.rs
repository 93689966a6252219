//! The reference result of a pair of files: `tiqets_domain`, as `tiqets process` runs it.

use std::io::Read;
use std::path::Path;

/// What `tiqets process` writes and prints for a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub processed_orders_csv: String,
    pub issues_csv: String,
    pub top5: Vec<(u64, u64)>,
    pub unused: u64,
    pub orders_written: u64,
}

/// The reference result of the files at `orders` and `barcodes`.
pub fn expected(orders: &Path, barcodes: &Path) -> Expected {
    let open = |p: &Path| std::fs::File::open(p).expect("input file");
    Expected::of(open(orders), open(barcodes))
}

impl Expected {
    /// The reference result of the two inputs (files, or bytes as `&[u8]`).
    pub fn of(orders: impl Read + Send, barcodes: impl Read + Send) -> Expected {
        Expected::with_limit(tiqets_domain::IssueLimit::DEFAULT, orders, barcodes)
    }

    /// [`Expected::of`] with issues itemised up to `limit` per code per file.
    pub fn with_limit(
        limit: tiqets_domain::IssueLimit,
        orders: impl Read + Send,
        barcodes: impl Read + Send,
    ) -> Expected {
        let outcome = tiqets_domain::process_with(limit, orders, barcodes, (0, 0), &|_| {})
            .expect("a processable pair");
        let mut processed = Vec::new();
        tiqets_domain::write_processed(&outcome, &mut processed).expect("in memory");
        let mut issues = Vec::new();
        tiqets_domain::write_issue_report(outcome.issues(), outcome.not_itemised(), &mut issues)
            .expect("in memory");
        Expected {
            processed_orders_csv: String::from_utf8(processed).expect("UTF-8 output"),
            issues_csv: String::from_utf8(issues).expect("UTF-8 issues"),
            top5: outcome
                .top_customers(5)
                .iter()
                .map(|c| (c.customer_id, c.tickets))
                .collect(),
            unused: outcome.unused_count(),
            orders_written: outcome.orders_written(),
        }
    }
}
