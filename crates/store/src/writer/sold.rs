//! The sold barcodes' copy into `batch_barcodes`, once the batch is completed (migration 9):
//! each barcode of the output rows with its order, into a staged table of their own that is
//! then attached, all under the batch's lock. Until it is attached, readers find the sold
//! barcodes in the orders (`tiqets_sold_barcodes`).

use super::held::Held;
use super::staged::{check_stored, to_i64, Staged};
use super::{lock_batch, unlock_batch};
use crate::error::{db, Result};
use deadpool_postgres::Pool;
use tiqets_contract::BatchId;
use tiqets_domain::output::{processed, OrderLine};

/// Whether the batch's orders and its sold barcodes are attached partitions.
const ATTACHED: &str = "SELECT
    coalesce((SELECT relispartition FROM pg_class WHERE oid = to_regclass(
        format('public.%I', 'batch_orders_' || tiqets_partition_suffix($1)))), false),
    coalesce((SELECT relispartition FROM pg_class WHERE oid = to_regclass(
        format('public.%I', 'batch_barcodes_' || tiqets_partition_suffix($1)))), false)";

/// A completed batch's sold barcodes being copied. Dropped before [`SoldCopy::finish`], it
/// leaves the batch as it was (the staged table is dropped by the next copy).
pub struct SoldCopy {
    lock: Held,
    staged: Staged,
    batch_id: BatchId,
    rows: u64,
}

impl SoldCopy {
    /// Starts copying the sold barcodes of the completed batch `batch_id`, once its lock is
    /// free. None when there is nothing to copy: the batch's orders are not attached (it was
    /// deleted meanwhile), or its sold barcodes are attached already and `refresh` is false.
    /// With `refresh` (its orders were just written), attached ones are replaced.
    pub async fn begin(pool: &Pool, batch_id: &BatchId, refresh: bool) -> Result<Option<SoldCopy>> {
        let lock = lock_batch(pool, batch_id).await?;
        let row = lock
            .client()
            .query_one(ATTACHED, &[&batch_id.as_str()])
            .await
            .map_err(db("sold barcodes state"))?;
        let (orders, sold): (bool, bool) = (row.get(0), row.get(1));
        if !orders || (sold && !refresh) {
            unlock_batch(lock, batch_id).await?;
            return Ok(None);
        }
        let staged = Staged::open(pool, batch_id, "batch_barcodes", "barcode, order_id").await?;
        Ok(Some(SoldCopy {
            lock,
            staged,
            batch_id: batch_id.clone(),
            rows: 0,
        }))
    }

    /// Adds the barcodes of one output row to the COPY (sent by [`SoldCopy::send`]).
    pub fn add(&mut self, row: &OrderLine<'_>) -> Result<()> {
        let order_id = to_i64(row.order_id)?;
        let w = self.staged.rows();
        for barcode in processed::split(row.barcodes.as_str()) {
            w.row(2).text(barcode).int8(order_id);
            self.rows += 1;
        }
        Ok(())
    }

    /// Sends the rows added so far once they fill a message.
    pub async fn send(&mut self) -> Result<()> {
        self.staged.rows().send().await
    }

    /// Ends the COPY, commits the staged table and attaches it (or moves its rows into the
    /// partition attached before). Returns the barcodes copied.
    pub async fn finish(mut self) -> Result<u64> {
        let stored = self.staged.end_copy().await?;
        check_stored("sold barcodes", stored, self.rows)?;
        self.staged.seal().await?;
        let id = self.batch_id.as_str();
        self.lock
            .client()
            .execute(
                "SELECT tiqets_attach_partition($1, 'batch_barcodes')",
                &[&id],
            )
            .await
            .map_err(db("attach sold barcodes"))?;
        unlock_batch(self.lock, &self.batch_id).await?;
        Ok(self.rows)
    }
}
