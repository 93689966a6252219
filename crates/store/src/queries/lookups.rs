//! Lookups by key: one output order by order id, one barcode's state in a batch, and a
//! barcode's state in every completed batch. Each is one or two index probes per batch
//! (docs/data-model.md).

use super::{query, query_opt, signed, unsigned};
use crate::error::Result;
use crate::model::OrderRecord;
use deadpool_postgres::Pool;
use time::OffsetDateTime;

/// One output order of a batch, if the batch's output has it.
pub async fn order(pool: &Pool, batch_id: &str, order_id: u64) -> Result<Option<OrderRecord>> {
    let row = query_opt(
        pool,
        "order by id",
        "SELECT customer_id, order_id, barcodes FROM batch_orders
         WHERE batch_id = $1 AND order_id = $2",
        &[&batch_id, &signed(order_id)],
    )
    .await?;
    Ok(row.map(|r| OrderRecord {
        customer_id: unsigned(r.get(0)),
        order_id: unsigned(r.get(1)),
        barcodes: crate::split_barcodes(r.get(2)),
    }))
}

/// A barcode's state in a batch: sold (with its order and customer) or unused (both None).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarcodeState {
    /// `sold`, `unused` or `absent`.
    pub state: &'static str,
    pub order_id: Option<u64>,
    pub customer_id: Option<u64>,
}

// The sold barcodes through `tiqets_sold_barcodes` (migration 9): right after `completed`
// they are still being loaded, and are read from the orders meanwhile.
const STATE_IN_BATCH: &str = "SELECT 'sold', b.order_id, o.customer_id
      FROM tiqets_sold_barcodes($1) b
      JOIN batch_orders o ON o.batch_id = $1 AND o.order_id = b.order_id
     WHERE b.barcode = $2
    UNION ALL
    SELECT 'unused', NULL, NULL FROM batch_unused_barcodes WHERE batch_id = $1 AND barcode = $2
    LIMIT 1";

fn state(stored: Option<&str>) -> &'static str {
    match stored {
        Some("sold") => "sold",
        Some("unused") => "unused",
        _ => "absent",
    }
}

/// `barcode`'s state in a batch, or None when it is absent from it.
pub async fn barcode(pool: &Pool, batch_id: &str, barcode: &str) -> Result<Option<BarcodeState>> {
    let row = query_opt(
        pool,
        "barcode in batch",
        STATE_IN_BATCH,
        &[&batch_id, &barcode],
    )
    .await?;
    Ok(row.map(|r| BarcodeState {
        state: state(r.get(0)),
        order_id: r.get::<_, Option<i64>>(1).map(unsigned),
        customer_id: r.get::<_, Option<i64>>(2).map(unsigned),
    }))
}

/// A completed batch and a barcode's state in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarcodeInBatch {
    pub batch_id: String,
    pub name: String,
    pub completed_at: Option<OffsetDateTime>,
    pub barcode: BarcodeState,
}

/// The completed batches a history reads at most (the newest ones).
pub const HISTORY_BATCHES: i64 = 1000;

/// `barcode`'s state in each completed batch (the newest [`HISTORY_BATCHES`]), oldest
/// first; `absent` where it is neither sold nor unused.
pub async fn barcode_history(pool: &Pool, barcode: &str) -> Result<Vec<BarcodeInBatch>> {
    let rows = query(
        pool,
        "barcode history",
        "SELECT bt.id, bt.name, bt.completed_at, s.state, s.order_id, s.customer_id
           FROM (SELECT id, name, completed_at FROM batches WHERE status = 'completed'
                 ORDER BY completed_at DESC, id DESC LIMIT $2) bt
           LEFT JOIN LATERAL (
               SELECT 'sold' AS state, b.order_id, o.customer_id
                 FROM tiqets_sold_barcodes(bt.id) b
                 JOIN batch_orders o ON o.batch_id = bt.id AND o.order_id = b.order_id
                WHERE b.barcode = $1
               UNION ALL
               SELECT 'unused', NULL, NULL FROM batch_unused_barcodes u
                WHERE u.batch_id = bt.id AND u.barcode = $1
               LIMIT 1) s ON true
          ORDER BY bt.completed_at, bt.id",
        &[&barcode, &HISTORY_BATCHES],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| BarcodeInBatch {
            batch_id: r.get(0),
            name: r.get(1),
            completed_at: r.get(2),
            barcode: BarcodeState {
                state: state(r.get(3)),
                order_id: r.get::<_, Option<i64>>(4).map(unsigned),
                customer_id: r.get::<_, Option<i64>>(5).map(unsigned),
            },
        })
        .collect())
}
