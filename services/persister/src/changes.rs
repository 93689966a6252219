//! The change step: once a batch is completed, its changes since the completed batch before
//! it are compared and stored (`tiqets_store::changes`), so the api answers them from
//! indexes. Idempotent: changes already stored are kept.

use crate::error::PersistError;
use std::time::Instant;
use tiqets_store::{changes, queries, Pool};

/// Stores the changes from the batch completed before `batch_id` to it, unless there is
/// none or they are stored. A transient failure is returned (the message is delivered
/// again); any other is logged, and the api computes the changes when asked.
pub async fn store_since_previous(pool: &Pool, batch_id: &str) -> Result<(), PersistError> {
    match store(pool, batch_id).await {
        Err(e) if !e.is_transient() => {
            tracing::warn!(batch_id, error = %e, "changes not stored");
            Ok(())
        }
        other => Ok(other?),
    }
}

async fn store(pool: &Pool, batch_id: &str) -> Result<(), tiqets_store::StoreError> {
    let Some(since) = queries::changes::previous_completed(pool, batch_id).await? else {
        return Ok(());
    };
    if queries::changes::stored_summary(pool, batch_id, &since)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let started = Instant::now();
    let summary = changes::store_changes(pool, &since, batch_id).await?;
    tracing::info!(
        batch_id,
        since,
        orders_changed = summary.orders_added + summary.orders_removed + summary.orders_changed,
        barcodes_changed = summary.barcodes_sold
            + summary.barcodes_unsold
            + summary.barcodes_moved
            + summary.barcodes_added
            + summary.barcodes_removed,
        customers_changed = summary.customers_changed,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "changes stored"
    );
    Ok(())
}
