//! The changes between two completed batches, computed from their stored results by the
//! domain's comparisons (`tiqets_domain::diff`; docs/processing-rules.md, "Changes between
//! two batches"), in constant memory whatever the batches' sizes.
//!
//! - `streams`: a batch's three sorted streams, read from PostgreSQL by index order.
//! - `merge`: one comparison run on a blocking thread over two such streams, fed in chunks
//!   through bounded channels, its changes handed back in chunks as [`ChangeRow`]s.
//! - `record`: [`ChangeRow`], and [`store_changes`] copying them into the change tables.
//!
//! [`compare`] hands every change to a sink (the persister stores them; the api reads a page
//! of a comparison that is not stored); [`store_changes`] stores them with their summary.

mod merge;
mod record;
mod streams;

pub use record::{store_changes, ChangeRow, Side};

use crate::copy::CopyRows;
use crate::error::Result;
use deadpool_postgres::Pool;
use tiqets_domain::diff::{compare_barcodes, compare_customers, compare_orders, Summary};

/// The three tables of changes, in the order [`compare`] produces them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Orders,
    Barcodes,
    Customers,
}

/// Compares batch `since` (old) with batch `batch_id` (new) and hands each change of the
/// tables in `tables` to `sink`, in stream order (orders by order id, barcodes by barcode,
/// customers by customer id). Returns the counts of the tables compared (the others stay 0).
pub async fn compare(
    pool: &Pool,
    since: &str,
    batch_id: &str,
    tables: &[Table],
    mut sink: impl FnMut(ChangeRow) + Send,
) -> Result<Summary> {
    let mut summary = Summary::default();
    for &table in tables {
        let part = compare_table(pool, since, batch_id, table, &mut Sink::Each(&mut sink)).await?;
        add(&mut summary, &part);
    }
    Ok(summary)
}

/// Where the changes of a comparison go, a chunk at a time.
pub(crate) enum Sink<'a> {
    /// Each change to a function.
    Each(&'a mut (dyn FnMut(ChangeRow) + Send)),
    /// Into a binary COPY of the change table, as the changes from `since` to `batch_id`.
    Copy {
        rows: &'a mut CopyRows,
        batch_id: &'a str,
        since: &'a str,
    },
}

impl Sink<'_> {
    async fn put(&mut self, chunk: Vec<ChangeRow>) -> Result<()> {
        match self {
            Sink::Each(each) => chunk.into_iter().for_each(each),
            Sink::Copy {
                rows,
                batch_id,
                since,
            } => {
                for row in &chunk {
                    row.encode(batch_id, since, rows);
                    rows.send().await?;
                }
            }
        }
        Ok(())
    }
}

/// One table's comparison (see [`compare`]).
pub(crate) async fn compare_table(
    pool: &Pool,
    since: &str,
    batch_id: &str,
    table: Table,
    sink: &mut Sink<'_>,
) -> Result<Summary> {
    Ok(match table {
        Table::Orders => {
            let (old, new) = tokio::try_join!(
                streams::orders(pool, since),
                streams::orders(pool, batch_id)
            )?;
            merge::run(old, new, sink, |o, n, s, each| {
                compare_orders(o, n, s, |c| each(ChangeRow::of_order(&c)))
            })
            .await?
        }
        Table::Barcodes => {
            let (old, new) = tokio::try_join!(
                streams::barcodes(pool, since),
                streams::barcodes(pool, batch_id)
            )?;
            merge::run(old, new, sink, |o, n, s, each| {
                compare_barcodes(o, n, s, |c| each(ChangeRow::of_barcode(&c)))
            })
            .await?
        }
        Table::Customers => {
            let (old, new) = tokio::try_join!(
                streams::customers(pool, since),
                streams::customers(pool, batch_id)
            )?;
            merge::run(old, new, sink, |o, n, s, each| {
                compare_customers(o, n, s, |c| each(ChangeRow::of_customer(&c)))
            })
            .await?
        }
    })
}

fn add(to: &mut Summary, part: &Summary) {
    to.orders_added += part.orders_added;
    to.orders_removed += part.orders_removed;
    to.orders_changed += part.orders_changed;
    to.barcodes_sold += part.barcodes_sold;
    to.barcodes_unsold += part.barcodes_unsold;
    to.barcodes_moved += part.barcodes_moved;
    to.barcodes_added += part.barcodes_added;
    to.barcodes_removed += part.barcodes_removed;
    to.customers_changed += part.customers_changed;
}
