//! A small batch to write.

use tiqets_contract::{BatchCounts, BatchId};
use tiqets_domain::output::{BarcodeList, OrderLine, UnusedLine};
use tiqets_domain::{FileKind, Issue, IssueCode};
use tiqets_store::{BatchWriter, OrdersCopy, Pool, SoldCopy, StoreError, UnusedCopy};

pub struct Sample {
    pub orders: Vec<(u64, u64, Vec<&'static str>)>,
    pub unused: Vec<(&'static str, u64)>,
    pub issues: Vec<Issue>,
}

pub fn sample() -> Sample {
    Sample {
        orders: vec![
            (10, 1, vec!["111", "222"]),
            (10, 4, vec!["444"]),
            (20, 2, vec!["0007", "333", "555"]),
            (30, 3, vec!["666"]),
            (40, 5, vec!["777", "888", "999"]),
        ],
        unused: vec![("u1", 2), ("u2", 5), ("u3", 11)],
        issues: vec![
            Issue::new(
                FileKind::Orders,
                4,
                IssueCode::DuplicateOrder,
                "order_id 1 repeated".into(),
            ),
            Issue::new(
                FileKind::Orders,
                9,
                IssueCode::OrderWithoutBarcodes,
                "order_id 8 has, no \"barcodes\"".into(),
            ),
            Issue::new(
                FileKind::Barcodes,
                3,
                IssueCode::DuplicateBarcode,
                "barcode \"111\" repeated".into(),
            ),
            Issue::new(
                FileKind::Barcodes,
                7,
                IssueCode::DuplicateBarcode,
                "barcode \"222\" repeated".into(),
            ),
        ],
    }
}

pub fn id(s: &str) -> BatchId {
    BatchId::parse(s).unwrap()
}

/// Writes the output row of `order_id` of `customer_id` with `barcodes`.
pub async fn write_order(
    copy: &mut OrdersCopy,
    customer_id: u64,
    order_id: u64,
    barcodes: &[&str],
) -> Result<(), StoreError> {
    let list = BarcodeList::join(barcodes);
    let barcodes = BarcodeList::parse(&list).expect("a valid list");
    let line = OrderLine {
        customer_id,
        order_id,
        barcodes,
    };
    copy.write(&line).await
}

/// Writes the unused `barcode` of line `line`.
pub async fn write_unused(
    copy: &mut UnusedCopy,
    barcode: &str,
    line: u64,
) -> Result<(), StoreError> {
    copy.write(&UnusedLine { barcode, line }).await
}

pub async fn write(pool: &Pool, batch_id: &str, s: &Sample) -> Result<BatchCounts, StoreError> {
    let mut w = BatchWriter::begin(pool, &id(batch_id)).await?;
    let mut orders = w.orders().await?;
    for (c, o, b) in &s.orders {
        write_order(&mut orders, *c, *o, b).await?;
    }
    let orders = orders.finish().await?;
    let mut unused = w.unused().await?;
    for (b, line) in &s.unused {
        write_unused(&mut unused, b, *line).await?;
    }
    let unused = unused.finish().await?;
    let mut issues = w.issues().await?;
    for i in &s.issues {
        issues.write(&i.into()).await?;
    }
    let issues = issues.finish().await?;
    Ok(w.commit("sample", 1, orders, unused, issues).await?.0)
}

/// Loads the sold barcodes of completed batch `batch_id`, written from `s`, as the persister
/// does after `completed`; returns the barcodes copied, None when there was nothing to do.
pub async fn load_sold(
    pool: &Pool,
    batch_id: &str,
    s: &Sample,
    refresh: bool,
) -> Result<Option<u64>, StoreError> {
    let Some(mut copy) = SoldCopy::begin(pool, &id(batch_id), refresh).await? else {
        return Ok(None);
    };
    for (customer_id, order_id, barcodes) in &s.orders {
        let list = BarcodeList::join(barcodes);
        let barcodes = BarcodeList::parse(&list).expect("a valid list");
        copy.add(&OrderLine {
            customer_id: *customer_id,
            order_id: *order_id,
            barcodes,
        })?;
        copy.send().await?;
    }
    copy.finish().await.map(Some)
}

/// Row counts of every batch table for `batch_id`.
pub async fn row_counts(pool: &Pool, batch_id: &str) -> [i64; 4] {
    tiqets_testkit::database::batch_row_counts(pool, batch_id).await
}
