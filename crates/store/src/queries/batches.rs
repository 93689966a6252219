//! Batches: one by id, the current one, the list, the completed one of given inputs,
//! counts, and whether one is in flight.

use super::{page, query, query_one, query_opt, signed, unsigned};
use crate::error::Result;
use crate::model::{BatchRecord, FileInfo};
use deadpool_postgres::Pool;
use tiqets_contract::{BatchCounts, BatchStatus, Progress};
use tokio_postgres::Row;

const BATCH_COLUMNS: &str = "id, name, status, attempt, reason, created_at, updated_at,
    received_at, validating_at, merging_at, persisting_at, completed_at, failed_at, orders_file,
    orders_sha256, orders_size, barcodes_file, barcodes_sha256, barcodes_size, order_rows,
    barcode_rows, orders_written, tickets, customers, unused_barcodes, issues, issue_counts,
    issues_not_itemised, progress";

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
        issues_not_itemised: row
            .get::<_, Option<serde_json::Value>>("issues_not_itemised")
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

/// One batch by id.
pub async fn batch(pool: &Pool, batch_id: &str) -> Result<Option<BatchRecord>> {
    let sql = format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1");
    let row = query_opt(pool, "batch", &sql, &[&batch_id]).await?;
    Ok(row.as_ref().map(batch_record))
}

/// The current batch: the one completed last.
pub async fn current_batch(pool: &Pool) -> Result<Option<BatchRecord>> {
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM batches WHERE status = 'completed'
         ORDER BY completed_at DESC, id DESC LIMIT 1"
    );
    let row = query_opt(pool, "current batch", &sql, &[]).await?;
    Ok(row.as_ref().map(batch_record))
}

/// Batches, newest first.
pub async fn list_batches(pool: &Pool, offset: u64, limit: u32) -> Result<Vec<BatchRecord>> {
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM batches ORDER BY created_at DESC, id DESC
         OFFSET $1 LIMIT $2"
    );
    let rows = query(pool, "list batches", &sql, &[&signed(offset), &page(limit)]).await?;
    Ok(rows.iter().map(batch_record).collect())
}

/// The completed batch whose inputs have exactly these SHA-256 digests, if any.
pub async fn completed_by_digest(
    pool: &Pool,
    orders_sha256: &str,
    barcodes_sha256: &str,
) -> Result<Option<String>> {
    let row = query_opt(
        pool,
        "completed by digest",
        "SELECT id FROM batches WHERE status = 'completed'
         AND orders_sha256 = $1 AND barcodes_sha256 = $2
         ORDER BY completed_at DESC LIMIT 1",
        &[&orders_sha256, &barcodes_sha256],
    )
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// The number of batches (waiting files included).
pub async fn count_batches(pool: &Pool) -> Result<u64> {
    let row = query_one(pool, "count batches", "SELECT count(*) FROM batches", &[]).await?;
    Ok(unsigned(row.get(0)))
}

/// Whether a batch is on its way: received and neither completed nor failed.
pub async fn batch_in_flight(pool: &Pool) -> Result<bool> {
    let row = query_one(
        pool,
        "batch in flight",
        "SELECT EXISTS (SELECT 1 FROM batches
         WHERE status IN ('received', 'validating', 'merging', 'persisting'))",
        &[],
    )
    .await?;
    Ok(row.get(0))
}

/// A batch in flight that gave no sign of life (a status or progress event) for a while.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalledBatch {
    pub id: String,
    pub name: String,
    pub status: String,
    pub attempt: u32,
    /// Seconds since its last recorded event.
    pub silent_secs: i64,
}

/// Batches in flight (received, validating, merging, persisting) whose last recorded event
/// is more than `secs` seconds old, oldest first.
pub async fn stalled_batches(pool: &Pool, secs: u64) -> Result<Vec<StalledBatch>> {
    let rows = query(
        pool,
        "stalled batches",
        "SELECT id, name, status, attempt,
                EXTRACT(EPOCH FROM now() - updated_at)::bigint AS silent
           FROM batches
          WHERE status IN ('received', 'validating', 'merging', 'persisting')
            AND updated_at < now() - make_interval(secs => $1)
          ORDER BY updated_at",
        &[&(secs as f64)],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| StalledBatch {
            id: r.get(0),
            name: r.get(1),
            status: r.get(2),
            attempt: u32::try_from(r.get::<_, i32>(3)).unwrap_or(0),
            silent_secs: r.get(4),
        })
        .collect())
}

/// Batches that ended (completed or failed), newest first by when they ended: their ids and
/// that time (for retention).
pub async fn ended_batches(pool: &Pool) -> Result<Vec<(String, time::OffsetDateTime)>> {
    let rows = query(
        pool,
        "ended batches",
        "SELECT id, coalesce(completed_at, failed_at, updated_at) AS ended FROM batches
         WHERE status IN ('completed', 'failed') ORDER BY ended DESC, id DESC",
        &[],
    )
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Whether a batch is recorded (a reader checks it after reading a batch's rows: a
/// deletion that committed meanwhile makes the answer a 404, never a partial one).
pub async fn batch_exists(pool: &Pool, batch_id: &str) -> Result<bool> {
    let row = query_one(
        pool,
        "batch exists",
        "SELECT EXISTS (SELECT 1 FROM batches WHERE id = $1)",
        &[&batch_id],
    )
    .await?;
    Ok(row.get(0))
}
