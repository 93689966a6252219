//! Output rows (`processed_orders.csv`) and the top customers: keyset pages, position
//! ranges, a customer's rows, and the whole batch as a stream.

use super::{page, query, query_one, rank_offset, signed, unsigned, MAX_PAGE};
use crate::error::{db, Result};
use crate::model::OrderRecord;
use deadpool_postgres::Pool;
use futures::{Stream, TryStreamExt};
use tiqets_domain::CustomerTickets;
use tokio_postgres::Row;

fn order_record(row: &Row) -> OrderRecord {
    OrderRecord {
        customer_id: unsigned(row.get(0)),
        order_id: unsigned(row.get(1)),
        barcodes: crate::split_barcodes(row.get(2)),
    }
}

/// The top `limit` customers of a batch: most tickets first, ties by smaller customer_id.
pub async fn top_customers(
    pool: &Pool,
    batch_id: &str,
    limit: u32,
) -> Result<Vec<CustomerTickets>> {
    let rows = query(
        pool,
        "top customers",
        "SELECT customer_id, tickets FROM batch_customer_tickets WHERE batch_id = $1
         ORDER BY tickets DESC, customer_id LIMIT $2",
        &[&batch_id, &page(limit)],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| CustomerTickets {
            customer_id: unsigned(r.get(0)),
            tickets: unsigned(r.get(1)),
        })
        .collect())
}

/// A customer's output rows in a batch, by order_id (empty when none).
pub async fn customer_orders(
    pool: &Pool,
    batch_id: &str,
    customer_id: u64,
) -> Result<Vec<OrderRecord>> {
    orders_page(pool, batch_id, Some(customer_id), None, MAX_PAGE as u32).await
}

/// A page of a batch's output rows in output order, optionally for one customer, starting
/// after the `(customer_id, order_id)` key `after` (keyset paging: every page is an index
/// range scan, however deep).
pub async fn orders_page(
    pool: &Pool,
    batch_id: &str,
    customer_id: Option<u64>,
    after: Option<(u64, u64)>,
    limit: u32,
) -> Result<Vec<OrderRecord>> {
    let client = pool.get().await?;
    let (after_customer, after_order) = after.map_or((-1, -1), |(c, o)| (signed(c), signed(o)));
    let rows = match customer_id {
        Some(customer_id) => {
            let stmt = client
                .prepare_cached(
                    "SELECT customer_id, order_id, barcodes FROM batch_orders
                     WHERE batch_id = $1 AND customer_id = $2 AND order_id > $3
                     ORDER BY order_id LIMIT $4",
                )
                .await
                .map_err(db("prepare customer orders"))?;
            let after_order = if after_customer == signed(customer_id) {
                after_order
            } else {
                -1
            };
            client
                .query(
                    &stmt,
                    &[&batch_id, &signed(customer_id), &after_order, &page(limit)],
                )
                .await
        }
        None => {
            let stmt = client
                .prepare_cached(
                    "SELECT customer_id, order_id, barcodes FROM batch_orders
                     WHERE batch_id = $1 AND (customer_id, order_id) > ($2, $3)
                     ORDER BY customer_id, order_id LIMIT $4",
                )
                .await
                .map_err(db("prepare orders page"))?;
            client
                .query(
                    &stmt,
                    &[&batch_id, &after_customer, &after_order, &page(limit)],
                )
                .await
        }
    }
    .map_err(db("orders page"))?;
    Ok(rows.iter().map(order_record).collect())
}

/// Output rows `offset + 1..=offset + limit` of a batch in output order. `position` is dense
/// (1..n), so this is the closed range `offset < position <= offset + limit`, which the
/// partition's BRIN index (migration 4) answers from a few block ranges, as fast on the last
/// page of a million rows as on the first.
pub async fn orders_at_position(
    pool: &Pool,
    batch_id: &str,
    offset: u64,
    limit: u32,
) -> Result<Vec<OrderRecord>> {
    let rows = query(
        pool,
        "orders at position",
        "SELECT customer_id, order_id, barcodes FROM batch_orders
         WHERE batch_id = $1 AND position > $2 AND position <= $2 + $3
         ORDER BY position LIMIT $3",
        &[&batch_id, &rank_offset(offset), &page(limit)],
    )
    .await?;
    Ok(rows.iter().map(order_record).collect())
}

/// Every output row of a batch in output order, streamed from the server (for
/// `processed_orders.csv` downloads): memory stays flat whatever the batch size.
pub async fn stream_orders(
    client: &tokio_postgres::Client,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<OrderRecord>> + use<>> {
    let rows = client
        .query_raw(
            "SELECT customer_id, order_id, barcodes FROM batch_orders WHERE batch_id = $1
             ORDER BY customer_id, order_id",
            [batch_id],
        )
        .await
        .map_err(db("stream orders"))?;
    Ok(rows
        .map_ok(|row| order_record(&row))
        .map_err(db("stream orders")))
}

/// The number of output rows of one customer in a batch.
pub async fn count_customer_orders(pool: &Pool, batch_id: &str, customer_id: u64) -> Result<u64> {
    let row = query_one(
        pool,
        "count customer orders",
        "SELECT count(*) FROM batch_orders WHERE batch_id = $1 AND customer_id = $2",
        &[&batch_id, &signed(customer_id)],
    )
    .await?;
    Ok(unsigned(row.get(0)))
}

/// Output rows `offset..offset + limit` in output order, optionally of one customer (a
/// customer's rows are few: an offset into them is cheap; the whole batch is paged by the
/// dense `position`, an index range however deep).
pub async fn orders_at(
    pool: &Pool,
    batch_id: &str,
    customer_id: Option<u64>,
    offset: u64,
    limit: u32,
) -> Result<Vec<OrderRecord>> {
    let Some(customer_id) = customer_id else {
        return orders_at_position(pool, batch_id, offset, limit).await;
    };
    let (offset, limit) = (signed(offset), page(limit));
    let rows = query(
        pool,
        "orders page",
        "SELECT customer_id, order_id, barcodes FROM batch_orders
         WHERE batch_id = $1 AND customer_id = $2
         ORDER BY order_id OFFSET $3 LIMIT $4",
        &[&batch_id, &signed(customer_id), &offset, &limit],
    )
    .await?;
    Ok(rows.iter().map(order_record).collect())
}
