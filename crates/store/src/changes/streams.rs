//! A stored batch's three streams, in the orders the comparisons merge them: output orders
//! by order id, barcodes by barcode (byte order: the columns are COLLATE "C"), customers by
//! customer id. Each is an index-ordered scan streamed from the server on a connection of
//! its own, so memory stays flat whatever the batch's size.

use crate::error::{db, Result};
use crate::queries::unsigned;
use deadpool_postgres::{Object, Pool};
use futures::{Stream, TryStreamExt};
use tiqets_domain::diff::{BarcodeState, OrderState};
use tiqets_domain::CustomerTickets;
use tokio_postgres::Row;

/// Rows of `sql` for `batch_id`, streamed; the connection goes with the stream.
async fn rows(
    pool: &Pool,
    what: &'static str,
    sql: &'static str,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<Row>> + Send + 'static> {
    let client: Object = pool.get().await?;
    let stream = client.query_raw(sql, [batch_id]).await.map_err(db(what))?;
    // The connection stays out of the pool until the stream is dropped.
    let stream = stream.map_err(db(what)).map_ok(move |row| {
        let _ = &client;
        row
    });
    Ok(stream)
}

/// The output orders by order id.
pub(super) async fn orders(
    pool: &Pool,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<OrderState>> + Send + 'static> {
    let stream = rows(
        pool,
        "orders by id",
        "SELECT order_id, customer_id, barcodes FROM batch_orders WHERE batch_id = $1
         ORDER BY order_id",
        batch_id,
    )
    .await?;
    Ok(stream.map_ok(|r| OrderState {
        order_id: unsigned(r.get(0)),
        customer_id: unsigned(r.get(1)),
        barcodes: r.get(2),
    }))
}

/// Every sold or unused barcode, by barcode: two index scans merged by the server (the sold
/// ones sorted from the orders while they are not loaded yet: `tiqets_sold_barcodes`).
pub(super) async fn barcodes(
    pool: &Pool,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<BarcodeState>> + Send + 'static> {
    let stream = rows(
        pool,
        "barcodes by text",
        "SELECT barcode, order_id FROM tiqets_sold_barcodes($1)
         UNION ALL
         SELECT barcode, NULL FROM batch_unused_barcodes WHERE batch_id = $1
         ORDER BY 1",
        batch_id,
    )
    .await?;
    Ok(stream.map_ok(|r| BarcodeState {
        barcode: r.get(0),
        order_id: r.get::<_, Option<i64>>(1).map(unsigned),
    }))
}

/// Tickets per customer, by customer id.
pub(super) async fn customers(
    pool: &Pool,
    batch_id: &str,
) -> Result<impl Stream<Item = Result<CustomerTickets>> + Send + 'static> {
    let stream = rows(
        pool,
        "customers by id",
        "SELECT customer_id, tickets FROM batch_customer_tickets WHERE batch_id = $1
         ORDER BY customer_id",
        batch_id,
    )
    .await?;
    Ok(stream.map_ok(|r| CustomerTickets {
        customer_id: unsigned(r.get(0)),
        tickets: unsigned(r.get(1)),
    }))
}
