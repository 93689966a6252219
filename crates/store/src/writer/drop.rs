//! After a batch is written: [`index_lookups`] builds its lookup indexes, and
//! [`drop_batch`] removes a batch for good (`tiqets_drop_batch`, migration 6) under the
//! batch's lock, so a write of the same batch runs before or after it, never beside it.

use super::BATCH_LOCK_CLASS;
use crate::error::{db, Result};
use crate::queries::unsigned;
use deadpool_postgres::Pool;

/// Rows removed and bytes of tables and indexes dropped, or None when no such batch is
/// recorded (nothing was removed).
pub async fn drop_batch(pool: &Pool, batch_id: &str) -> Result<Option<(u64, u64)>> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await.map_err(db("begin drop batch"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&BATCH_LOCK_CLASS, &batch_id],
    )
    .await
    .map_err(db("batch lock"))?;
    let known = tx
        .query_opt(
            "SELECT 1 FROM batches WHERE id = $1 FOR UPDATE",
            &[&batch_id],
        )
        .await
        .map_err(db("find batch"))?;
    if known.is_none() {
        return Ok(None);
    }
    // Its tombstone: late work and events of this attempt are ignored (migration 7).
    tx.execute(
        "INSERT INTO deleted_batches (id, attempt) SELECT id, attempt FROM batches WHERE id = $1
         ON CONFLICT (id) DO UPDATE
         SET attempt = GREATEST(deleted_batches.attempt, EXCLUDED.attempt), deleted_at = now()",
        &[&batch_id],
    )
    .await
    .map_err(db("record deleted batch"))?;
    let row = tx
        .query_one("SELECT * FROM tiqets_drop_batch($1)", &[&batch_id])
        .await
        .map_err(db("drop batch"))?;
    tx.commit().await.map_err(db("commit drop batch"))?;
    Ok(Some((unsigned(row.get(0)), unsigned(row.get(1)))))
}

/// Whether attempt `attempt` of `batch_id` belongs to a deleted batch (see migration 7):
/// its late work is skipped.
pub async fn deleted_attempt(pool: &Pool, batch_id: &str, attempt: u32) -> Result<bool> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT attempt FROM deleted_batches WHERE id = $1",
            &[&batch_id],
        )
        .await
        .map_err(db("find deleted batch"))?;
    Ok(row.is_some_and(|r| i64::from(r.get::<_, i32>(0)) >= i64::from(attempt)))
}

/// Builds a completed batch's lookup indexes, each when missing (`tiqets_index_lookups`,
/// migration 6): one order by id, one barcode, and the orders the comparison of two batches
/// reads. Until then a lookup of the batch scans its partition.
pub async fn index_lookups(pool: &Pool, batch_id: &str) -> Result<()> {
    let client = pool.get().await?;
    client
        .execute("SELECT tiqets_index_lookups($1)", &[&batch_id])
        .await
        .map_err(db("index lookups"))?;
    Ok(())
}
