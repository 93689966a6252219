//! Stored changes between two batches (`batch_changes` and its three detail tables): the
//! counts, pages of each table filtered by kind, and the batch a batch is compared with by
//! default.

use super::{page, query, query_opt, signed, unsigned};
use crate::changes::{ChangeRow, Side};
use crate::error::{db, Result};
use deadpool_postgres::Pool;
use futures::{Stream, TryStreamExt};
use tiqets_domain::diff::Summary;
use tokio_postgres::Row;

/// The completed batch before `batch_id` (by completion time, as the current batch is
/// chosen), if any.
pub async fn previous_completed(pool: &Pool, batch_id: &str) -> Result<Option<String>> {
    let row = query_opt(
        pool,
        "previous batch",
        "SELECT p.id FROM batches b JOIN batches p
           ON p.status = 'completed' AND (p.completed_at, p.id) < (b.completed_at, b.id)
         WHERE b.id = $1
         ORDER BY p.completed_at DESC, p.id DESC LIMIT 1",
        &[&batch_id],
    )
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// The stored counts of the changes from `since` to `batch_id`, if they were stored.
pub async fn stored_summary(pool: &Pool, batch_id: &str, since: &str) -> Result<Option<Summary>> {
    let row = query_opt(
        pool,
        "change counts",
        "SELECT orders_added, orders_removed, orders_changed, barcodes_sold, barcodes_unsold,
                barcodes_moved, barcodes_added, barcodes_removed, customers_changed
         FROM batch_changes WHERE batch_id = $1 AND since = $2",
        &[&batch_id, &since],
    )
    .await?;
    Ok(row.map(|r| {
        let n = |i: usize| unsigned(r.get(i));
        Summary {
            orders_added: n(0),
            orders_removed: n(1),
            orders_changed: n(2),
            barcodes_sold: n(3),
            barcodes_unsold: n(4),
            barcodes_moved: n(5),
            barcodes_added: n(6),
            barcodes_removed: n(7),
            customers_changed: n(8),
        }
    }))
}

fn order_row(r: &Row) -> ChangeRow {
    let side = |c: usize, b: usize| {
        r.get::<_, Option<i64>>(c).map(|customer_id| Side {
            customer_id: unsigned(customer_id),
            barcodes: r.get::<_, Option<String>>(b).unwrap_or_default(),
        })
    };
    ChangeRow::Order {
        kind: kind_name(r.get(0)),
        order_id: unsigned(r.get(1)),
        old: side(2, 3),
        new: side(4, 5),
    }
}

fn barcode_row(r: &Row) -> ChangeRow {
    ChangeRow::Barcode {
        kind: kind_name(r.get(0)),
        barcode: r.get(1),
        old_order_id: r.get::<_, Option<i64>>(2).map(unsigned),
        new_order_id: r.get::<_, Option<i64>>(3).map(unsigned),
    }
}

fn customer_row(r: &Row) -> ChangeRow {
    ChangeRow::Customer {
        customer_id: unsigned(r.get(0)),
        before: unsigned(r.get(1)),
        after: unsigned(r.get(2)),
    }
}

/// The kinds (the tables' CHECK constraints admit only these).
pub use tiqets_domain::diff::KINDS;

fn kind_name(stored: &str) -> &'static str {
    KINDS.iter().find(|k| **k == stored).copied().unwrap_or("")
}

const ORDERS: &str = "SELECT kind, order_id, old_customer_id, old_barcodes, new_customer_id,
    new_barcodes FROM batch_change_orders WHERE batch_id = $1 AND since = $2
    AND ($3::text IS NULL OR kind = $3) ORDER BY order_id";
const BARCODES: &str = "SELECT kind, barcode, old_order_id, new_order_id FROM batch_change_barcodes
    WHERE batch_id = $1 AND since = $2 AND ($3::text IS NULL OR kind = $3) ORDER BY barcode";
const CUSTOMERS: &str = "SELECT customer_id, before, after FROM batch_change_customers
    WHERE batch_id = $1 AND since = $2 AND ($3::text IS NULL OR $3 = 'customers_changed')
    ORDER BY abs(after - before) DESC, customer_id";

/// Which change table.
pub use crate::changes::Table;

fn table_sql(table: Table) -> (&'static str, fn(&Row) -> ChangeRow) {
    match table {
        Table::Orders => (ORDERS, order_row),
        Table::Barcodes => (BARCODES, barcode_row),
        Table::Customers => (CUSTOMERS, customer_row),
    }
}

/// A page of the stored changes of `table` from `since` to `batch_id`, of one `kind` or of
/// all: orders by order id, barcodes by barcode, customers by |delta| descending then
/// customer id.
pub async fn changes_page(
    pool: &Pool,
    table: Table,
    batch_id: &str,
    since: &str,
    kind: Option<&str>,
    offset: u64,
    limit: u32,
) -> Result<Vec<ChangeRow>> {
    let (sql, decode) = table_sql(table);
    let sql = format!("{sql} OFFSET $4 LIMIT $5");
    let rows = query(
        pool,
        "changes page",
        &sql,
        &[&batch_id, &since, &kind, &signed(offset), &page(limit)],
    )
    .await?;
    Ok(rows.iter().map(decode).collect())
}

/// Every stored change of `table` from `since` to `batch_id` (of one `kind`, or all), in
/// page order, streamed (for CSV downloads).
pub async fn stream_changes(
    client: &tokio_postgres::Client,
    table: Table,
    batch_id: &str,
    since: &str,
    kind: Option<&str>,
) -> Result<impl Stream<Item = Result<ChangeRow>> + use<>> {
    let (sql, decode) = table_sql(table);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&batch_id, &since, &kind];
    let rows = client
        .query_raw(sql, params)
        .await
        .map_err(db("stream changes"))?;
    Ok(rows
        .map_ok(move |row| decode(&row))
        .map_err(db("stream changes")))
}
