//! The read queries the api serves, each answered from an index (see docs/data-model.md).
//!
//! Every value a client sends arrives here as a bound parameter; page sizes are clamped to
//! [`MAX_PAGE`] whatever the caller asks.

use crate::error::{db, Result};
use crate::model::{BatchRecord, FileInfo, IssueRecord, OrderRecord, UnusedBarcode};
use deadpool_postgres::Pool;
use futures::{Stream, TryStreamExt};
use tiqets_contract::{BatchCounts, BatchStatus, Progress};
use tiqets_domain::CustomerTickets;
use tokio_postgres::Row;

/// The largest page any query returns.
pub const MAX_PAGE: i64 = 10_000;

const BATCH_COLUMNS: &str = "id, name, status, attempt, reason, created_at, updated_at,
    received_at, validating_at, merging_at, persisting_at, completed_at, failed_at, orders_file,
    orders_sha256, orders_size, barcodes_file, barcodes_sha256, barcodes_size, order_rows,
    barcode_rows, orders_written, tickets, customers, unused_barcodes, issues, issue_counts,
    progress";

fn page(limit: u32) -> i64 {
    i64::from(limit).clamp(1, MAX_PAGE)
}

/// A page's offset as the lower end of a `position` range: `offset + limit` stays a bigint.
fn rank_offset(offset: u64) -> i64 {
    signed(offset).min(i64::MAX - MAX_PAGE)
}

fn signed(n: u64) -> i64 {
    // Ids and offsets above i64::MAX cannot exist in the tables: clamp instead of failing.
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn file_info(row: &Row, name: &str, sha: &str, size: &str) -> Option<FileInfo> {
    let name: Option<String> = row.get(name);
    name.map(|name| FileInfo {
        name,
        sha256: row.get(sha),
        size: row.get::<_, Option<i64>>(size).map(unsigned),
    })
}

fn count(row: &Row, column: &str) -> Option<u64> {
    row.get::<_, Option<i64>>(column).map(unsigned)
}

fn batch_record(row: &Row) -> BatchRecord {
    let columns = [
        "order_rows",
        "barcode_rows",
        "orders_written",
        "tickets",
        "customers",
        "unused_barcodes",
        "issues",
    ];
    let known = columns.iter().any(|c| count(row, c).is_some());
    let counts = known.then(|| BatchCounts {
        order_rows: count(row, "order_rows").unwrap_or(0),
        barcode_rows: count(row, "barcode_rows").unwrap_or(0),
        orders_written: count(row, "orders_written").unwrap_or(0),
        tickets: count(row, "tickets").unwrap_or(0),
        customers: count(row, "customers").unwrap_or(0),
        unused_barcodes: count(row, "unused_barcodes").unwrap_or(0),
        issues: count(row, "issues").unwrap_or(0),
        issues_by_code: row
            .get::<_, Option<serde_json::Value>>("issue_counts")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
    });
    BatchRecord {
        id: row.get("id"),
        name: row.get("name"),
        // The column's CHECK constraint admits only the lifecycle's statuses.
        status: BatchStatus::parse(row.get("status")).unwrap_or(BatchStatus::Failed),
        attempt: u32::try_from(row.get::<_, i32>("attempt")).unwrap_or(0),
        reason: row.get("reason"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        received_at: row.get("received_at"),
        validating_at: row.get("validating_at"),
        merging_at: row.get("merging_at"),
        persisting_at: row.get("persisting_at"),
        completed_at: row.get("completed_at"),
        failed_at: row.get("failed_at"),
        orders_file: file_info(row, "orders_file", "orders_sha256", "orders_size"),
        barcodes_file: file_info(row, "barcodes_file", "barcodes_sha256", "barcodes_size"),
        counts,
        progress: row
            .get::<_, Option<serde_json::Value>>("progress")
            .and_then(|v| serde_json::from_value::<Progress>(v).ok()),
    }
}

fn order_record(row: &Row) -> OrderRecord {
    OrderRecord {
        customer_id: unsigned(row.get(0)),
        order_id: unsigned(row.get(1)),
        barcodes: crate::split_barcodes(row.get(2)),
    }
}

/// One batch by id.
pub async fn batch(pool: &Pool, batch_id: &str) -> Result<Option<BatchRecord>> {
    let client = pool.get().await?;
    let sql = format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1");
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(db("prepare batch"))?;
    let row = client
        .query_opt(&stmt, &[&batch_id])
        .await
        .map_err(db("batch"))?;
    Ok(row.as_ref().map(batch_record))
}

/// The current batch: the one completed last.
pub async fn current_batch(pool: &Pool) -> Result<Option<BatchRecord>> {
    let client = pool.get().await?;
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM batches WHERE status = 'completed'
         ORDER BY completed_at DESC, id DESC LIMIT 1"
    );
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(db("prepare current batch"))?;
    let row = client
        .query_opt(&stmt, &[])
        .await
        .map_err(db("current batch"))?;
    Ok(row.as_ref().map(batch_record))
}

/// Batches, newest first.
pub async fn list_batches(pool: &Pool, offset: u64, limit: u32) -> Result<Vec<BatchRecord>> {
    let client = pool.get().await?;
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM batches ORDER BY created_at DESC, id DESC
         OFFSET $1 LIMIT $2"
    );
    let stmt = client
        .prepare_cached(&sql)
        .await
        .map_err(db("prepare list batches"))?;
    let rows = client
        .query(&stmt, &[&signed(offset), &page(limit)])
        .await
        .map_err(db("list batches"))?;
    Ok(rows.iter().map(batch_record).collect())
}

/// The completed batch whose inputs have exactly these SHA-256 digests, if any.
pub async fn completed_by_digest(
    pool: &Pool,
    orders_sha256: &str,
    barcodes_sha256: &str,
) -> Result<Option<String>> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT id FROM batches WHERE status = 'completed'
             AND orders_sha256 = $1 AND barcodes_sha256 = $2
             ORDER BY completed_at DESC LIMIT 1",
        )
        .await
        .map_err(db("prepare completed by digest"))?;
    let row = client
        .query_opt(&stmt, &[&orders_sha256, &barcodes_sha256])
        .await
        .map_err(db("completed by digest"))?;
    Ok(row.map(|r| r.get(0)))
}

/// The top `limit` customers of a batch: most tickets first, ties by smaller customer_id.
pub async fn top_customers(
    pool: &Pool,
    batch_id: &str,
    limit: u32,
) -> Result<Vec<CustomerTickets>> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT customer_id, tickets FROM batch_customer_tickets WHERE batch_id = $1
             ORDER BY tickets DESC, customer_id LIMIT $2",
        )
        .await
        .map_err(db("prepare top customers"))?;
    let rows = client
        .query(&stmt, &[&batch_id, &page(limit)])
        .await
        .map_err(db("top customers"))?;
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
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT customer_id, order_id, barcodes FROM batch_orders
             WHERE batch_id = $1 AND position > $2 AND position <= $2 + $3
             ORDER BY position LIMIT $3",
        )
        .await
        .map_err(db("prepare orders at position"))?;
    let rows = client
        .query(&stmt, &[&batch_id, &rank_offset(offset), &page(limit)])
        .await
        .map_err(db("orders at position"))?;
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

/// A page of a batch's unused barcodes in `barcodes.csv` order, after the first `offset`
/// (a closed range of the dense `position`, as in [`orders_at_position`]).
pub async fn unused_barcodes_page(
    pool: &Pool,
    batch_id: &str,
    offset: u64,
    limit: u32,
) -> Result<Vec<UnusedBarcode>> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT position, barcode, line FROM batch_unused_barcodes
             WHERE batch_id = $1 AND position > $2 AND position <= $2 + $3
             ORDER BY position LIMIT $3",
        )
        .await
        .map_err(db("prepare unused barcodes"))?;
    let rows = client
        .query(&stmt, &[&batch_id, &rank_offset(offset), &page(limit)])
        .await
        .map_err(db("unused barcodes"))?;
    Ok(rows
        .iter()
        .map(|r| UnusedBarcode {
            position: unsigned(r.get(0)),
            barcode: r.get(1),
            line: unsigned(r.get(2)),
        })
        .collect())
}

/// A page of a batch's issues in report order, optionally of one code, after issue
/// number `after_seq` (0 for the first page).
pub async fn issues_page(
    pool: &Pool,
    batch_id: &str,
    code: Option<&str>,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<IssueRecord>> {
    let client = pool.get().await?;
    // Two statements rather than `($2 IS NULL OR code = $2)`: a cached generic plan for
    // that form could not use the (batch_id, code, seq) index.
    let rows = match code {
        Some(code) => {
            let stmt = client
                .prepare_cached(
                    "SELECT seq, file, line, code, message FROM batch_issues
                     WHERE batch_id = $1 AND code = $2 AND seq > $3 ORDER BY seq LIMIT $4",
                )
                .await
                .map_err(db("prepare issues page"))?;
            client
                .query(&stmt, &[&batch_id, &code, &signed(after_seq), &page(limit)])
                .await
        }
        None => {
            let stmt = client
                .prepare_cached(
                    "SELECT seq, file, line, code, message FROM batch_issues
                     WHERE batch_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .await
                .map_err(db("prepare issues page"))?;
            client
                .query(&stmt, &[&batch_id, &signed(after_seq), &page(limit)])
                .await
        }
    }
    .map_err(db("issues page"))?;
    Ok(rows
        .iter()
        .map(|r| IssueRecord {
            seq: unsigned(r.get(0)),
            file: r.get(1),
            line: unsigned(r.get(2)),
            code: r.get(3),
            message: r.get(4),
        })
        .collect())
}
