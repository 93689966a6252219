//! [`ChangeRow`]: one change as stored, and [`store_changes`], which stores a comparison.

use super::{compare_table, Sink, Table};
use crate::copy::CopyRows;
use crate::error::{db, Result};
use crate::queries::signed;
use crate::writer::Held;
use deadpool_postgres::Pool;
use tiqets_domain::diff::{BarcodeChange, CustomerChange, OrderChange, Summary};

/// An order's customer and barcode list (`b1, b2`) in one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub customer_id: u64,
    pub barcodes: String,
}

/// One change, owned, as the change tables hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRow {
    /// `old` is None when added, `new` when removed.
    Order {
        kind: &'static str,
        order_id: u64,
        old: Option<Side>,
        new: Option<Side>,
    },
    /// An order id is None where the barcode is not sold (the kind says unused or absent).
    Barcode {
        kind: &'static str,
        barcode: String,
        old_order_id: Option<u64>,
        new_order_id: Option<u64>,
    },
    Customer {
        customer_id: u64,
        before: u64,
        after: u64,
    },
}

impl ChangeRow {
    pub fn of_order(c: &OrderChange<'_>) -> ChangeRow {
        let side = |s: Option<&tiqets_domain::diff::OrderState>| {
            s.map(|s| Side {
                customer_id: s.customer_id,
                barcodes: s.barcodes.clone(),
            })
        };
        ChangeRow::Order {
            kind: c.kind.as_str(),
            order_id: c.order_id,
            old: side(c.old),
            new: side(c.new),
        }
    }

    pub fn of_barcode(c: &BarcodeChange<'_>) -> ChangeRow {
        ChangeRow::Barcode {
            kind: c.kind.as_str(),
            barcode: c.barcode.to_owned(),
            old_order_id: c.old_order_id(),
            new_order_id: c.new_order_id(),
        }
    }

    pub fn of_customer(c: &CustomerChange) -> ChangeRow {
        ChangeRow::Customer {
            customer_id: c.customer_id,
            before: c.before,
            after: c.after,
        }
    }

    /// Its kind (`customers_changed` for a customer).
    pub fn kind(&self) -> &'static str {
        match self {
            ChangeRow::Order { kind, .. } | ChangeRow::Barcode { kind, .. } => kind,
            ChangeRow::Customer { .. } => "customers_changed",
        }
    }

    pub(super) fn encode(&self, batch_id: &str, since: &str, w: &mut CopyRows) {
        match self {
            ChangeRow::Order {
                kind,
                order_id,
                old,
                new,
            } => {
                w.row(8).text(batch_id).text(since).text(kind);
                w.int8(signed(*order_id));
                for side in [old, new] {
                    w.int8_or_null(side.as_ref().map(|s| signed(s.customer_id)));
                    w.text_or_null(side.as_ref().map(|s| s.barcodes.as_str()));
                }
            }
            ChangeRow::Barcode {
                kind,
                barcode,
                old_order_id,
                new_order_id,
            } => {
                w.row(6).text(batch_id).text(since).text(kind).text(barcode);
                w.int8_or_null(old_order_id.map(signed));
                w.int8_or_null(new_order_id.map(signed));
            }
            ChangeRow::Customer {
                customer_id,
                before,
                after,
            } => {
                w.row(5).text(batch_id).text(since);
                w.int8(signed(*customer_id))
                    .int8(signed(*before))
                    .int8(signed(*after));
            }
        }
    }
}

const COPY_SQL: [(Table, &str); 3] = [
    (
        Table::Orders,
        "COPY batch_change_orders (batch_id, since, kind, order_id, old_customer_id, \
         old_barcodes, new_customer_id, new_barcodes) FROM STDIN (FORMAT binary)",
    ),
    (
        Table::Barcodes,
        "COPY batch_change_barcodes (batch_id, since, kind, barcode, old_order_id, \
         new_order_id) FROM STDIN (FORMAT binary)",
    ),
    (
        Table::Customers,
        "COPY batch_change_customers (batch_id, since, customer_id, before, after) \
         FROM STDIN (FORMAT binary)",
    ),
];

/// Compares batch `since` with batch `batch_id` (both completed) and stores the changes
/// and their counts, replacing any stored before, in one transaction: a reader finds the
/// whole comparison or none. Returns the counts.
pub async fn store_changes(pool: &Pool, since: &str, batch_id: &str) -> Result<Summary> {
    let mut held = Held(Some(pool.get().await?));
    let tx = held
        .client_mut()
        .transaction()
        .await
        .map_err(db("begin changes"))?;
    tx.execute(
        "DELETE FROM batch_changes WHERE batch_id = $1 AND since = $2",
        &[&batch_id, &since],
    )
    .await
    .map_err(db("replace changes"))?;
    tx.execute(
        "INSERT INTO batch_changes (batch_id, since) VALUES ($1, $2)",
        &[&batch_id, &since],
    )
    .await
    .map_err(db("record changes"))?;
    let mut summary = Summary::default();
    for (table, sql) in COPY_SQL {
        let sink = tx
            .copy_in::<_, bytes::Bytes>(sql)
            .await
            .map_err(db("copy changes"))?;
        let mut rows = CopyRows::new(sink);
        let mut into = Sink::Copy {
            rows: &mut rows,
            batch_id,
            since,
        };
        let part = compare_table(pool, since, batch_id, table, &mut into).await?;
        rows.finish().await?;
        super::add(&mut summary, &part);
    }
    let counts = summary.counts().map(signed);
    tx.execute(
        "UPDATE batch_changes SET orders_added = $3, orders_removed = $4, orders_changed = $5,
             barcodes_sold = $6, barcodes_unsold = $7, barcodes_moved = $8,
             barcodes_added = $9, barcodes_removed = $10, customers_changed = $11,
             computed_at = clock_timestamp()
         WHERE batch_id = $1 AND since = $2",
        &[
            &batch_id, &since, &counts[0], &counts[1], &counts[2], &counts[3], &counts[4],
            &counts[5], &counts[6], &counts[7], &counts[8],
        ],
    )
    .await
    .map_err(db("record change counts"))?;
    tx.commit().await.map_err(db("commit changes"))?;
    held.release();
    Ok(summary)
}
