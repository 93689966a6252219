//! The batch writer: replaces one batch's results, its tables loaded side by side.
//!
//! [`BatchWriter::begin`] takes the batch's advisory lock on a connection of its own (two
//! deliveries of one batch write one after the other, never interleaved). Each result
//! table is then loaded on a connection of its own ([`BatchWriter::orders`],
//! [`BatchWriter::unused`], [`BatchWriter::issues`], each a [`Staged`] table): a new, empty
//! table (`tiqets_stage_partition`, migration 5) filled by binary `COPY … FREEZE` row by row
//! (never the whole batch in memory), then indexed and committed by its `finish`. So the
//! orders and the unused barcodes can be copied and indexed at the same time, by two server
//! processes. Readers never see a staged table.
//!
//! The tickets per customer are summed by the orders copy (its rows come in customer order)
//! and loaded the same way, on another connection, while the orders are indexed.
//!
//! [`BatchWriter::commit`] takes the three finished tables' receipts, calls
//! `tiqets_attach_batch` (the staged tables become the batch's partitions, or their rows
//! replace those of a batch written before), records `completed` with the counts (by the
//! forward-only rule of [`crate::status`]) and commits: readers see the old results or the
//! new ones, never a mix. A writer or a table dropped before that leaves the results as they
//! were: its connection is closed rather than returned to the pool, so the server rolls its
//! transaction back (and releases the lock); a staged table committed by then is dropped by
//! the next write of the batch. Then [`SoldCopy`] loads the orders' barcodes into
//! `batch_barcodes` (migration 9), under the batch's lock again.
//!
//! Files: [`Staged`] (`staged`) loads one table on a `held` connection; `orders`, `unused`
//! and `issues` are the three copies and what each wrote; `sold` is the copy after them.

mod drop;
pub(crate) mod held;
mod issues;
mod orders;
mod sold;
mod staged;
mod unused;

pub use drop::{deleted_attempt, drop_batch, index_lookups};
pub(crate) use held::Held;
pub use issues::{IssuesCopy, IssuesWritten};
pub use orders::{OrdersCopy, OrdersWritten};
pub use sold::SoldCopy;
pub use staged::Staged;
pub use unused::{UnusedCopy, UnusedWritten};

use crate::error::{db, Result, StoreError};
use crate::status::{apply, CountsFrom, Recorded};
use deadpool_postgres::Pool;
use std::time::Instant;
use tiqets_contract::{BatchCounts, BatchId, BatchStatus, StatusEvent};
use tiqets_domain::output::processed;

/// Class id of the per-batch advisory locks (the object id is `hashtext(batch_id)`): a
/// write and a deletion hold it exclusively, a streamed read ([`crate::queries::ReadGuard`])
/// shared.
pub const BATCH_LOCK_CLASS: i32 = 0x7471_6231; // "tqb1"

/// The barcodes of a stored `batch_orders.barcodes` value (a
/// [`tiqets_domain::output::BarcodeList`]'s text), in `barcodes.csv` line order.
pub fn split_barcodes(list: &str) -> Vec<String> {
    processed::split(list).map(str::to_owned).collect()
}

/// Connections a write holds at most: the lock's, the orders', the tickets' (while the
/// orders are indexed), and one more table's (the persister loads the issues and the unused
/// barcodes one after the other). A pool smaller than this (and than what else shares it
/// needs) would make a write wait for itself. The sold barcodes' copy after it takes two.
pub const WRITE_CONNECTIONS: usize = 4;

/// Waits for `batch_id`'s lock (exclusive) on a connection held until [`unlock_batch`].
async fn lock_batch(pool: &Pool, batch_id: &BatchId) -> Result<Held> {
    let lock = Held(Some(pool.get().await?));
    lock.client()
        .execute(
            "SELECT pg_advisory_lock($1, hashtext($2))",
            &[&BATCH_LOCK_CLASS, &batch_id.as_str()],
        )
        .await
        .map_err(db("batch lock"))?;
    Ok(lock)
}

/// Releases the lock [`lock_batch`] took, and its connection to the pool.
async fn unlock_batch(lock: Held, batch_id: &BatchId) -> Result<()> {
    lock.client()
        .execute(
            "SELECT pg_advisory_unlock($1, hashtext($2))",
            &[&BATCH_LOCK_CLASS, &batch_id.as_str()],
        )
        .await
        .map_err(db("batch unlock"))?;
    lock.release();
    Ok(())
}

/// An open write of one batch. See the module docs.
pub struct BatchWriter {
    pool: Pool,
    /// Holds the batch's session advisory lock.
    lock: Held,
    batch_id: BatchId,
    /// orders, unused barcodes, issues: staged once each.
    staged: [bool; 3],
    input_rows: Option<(u64, u64)>,
}

impl BatchWriter {
    /// Starts replacing `batch_id`'s results: waits for the batch's lock (held until
    /// [`BatchWriter::commit`], or until the writer is dropped).
    pub async fn begin(pool: &Pool, batch_id: &BatchId) -> Result<BatchWriter> {
        let size = pool.status().max_size;
        if size < WRITE_CONNECTIONS {
            return Err(StoreError::Invalid(format!(
                "a batch write needs a pool of {WRITE_CONNECTIONS} connections; this one has {size}"
            )));
        }
        let lock = lock_batch(pool, batch_id).await?;
        Ok(BatchWriter {
            pool: pool.clone(),
            lock,
            batch_id: batch_id.clone(),
            staged: [false; 3],
            input_rows: None,
        })
    }

    /// The batch being written.
    pub fn batch_id(&self) -> &BatchId {
        &self.batch_id
    }

    /// Records the valid row counts of the two input files with the batch (only the
    /// validator knows them; without this call the recorded ones are kept).
    pub fn set_input_rows(&mut self, order_rows: u64, barcode_rows: u64) {
        self.input_rows = Some((order_rows, barcode_rows));
    }

    async fn stage(&mut self, which: usize, table: &'static str, columns: &str) -> Result<Staged> {
        if std::mem::replace(&mut self.staged[which], true) {
            return Err(StoreError::Invalid(format!("{table} written twice")));
        }
        Staged::open(&self.pool, &self.batch_id, table, columns).await
    }

    /// The output rows, to be written in output order (customer_id, order_id), on a
    /// connection of their own.
    pub async fn orders(&mut self) -> Result<OrdersCopy> {
        let staged = self
            .stage(
                0,
                "batch_orders",
                "customer_id, order_id, barcodes, position",
            )
            .await?;
        Ok(OrdersCopy::new(
            staged,
            self.pool.clone(),
            self.batch_id.clone(),
        ))
    }

    /// The unused barcodes, to be written in `barcodes.csv` order, on a connection of their
    /// own.
    pub async fn unused(&mut self) -> Result<UnusedCopy> {
        let staged = self
            .stage(1, "batch_unused_barcodes", "position, barcode, line")
            .await?;
        Ok(UnusedCopy::new(staged))
    }

    /// The issues, to be written in report order, on a connection of their own.
    pub async fn issues(&mut self) -> Result<IssuesCopy> {
        let staged = self
            .stage(2, "batch_issues", "seq, file, line, code, message")
            .await?;
        Ok(IssuesCopy::new(staged))
    }

    /// Makes the staged tables the batch's results,
    /// records `completed` for `attempt` with the counts and commits. Returns the counts and
    /// what became of the status: a batch whose recorded status is already past this
    /// attempt keeps it (its rows are replaced all the same: a batch's results depend only
    /// on its files).
    pub async fn commit(
        mut self,
        name: &str,
        attempt: u32,
        orders: OrdersWritten,
        unused: UnusedWritten,
        issues: IssuesWritten,
    ) -> Result<(BatchCounts, Recorded)> {
        let mut totals = BatchCounts {
            orders_written: orders.rows,
            tickets: orders.tickets,
            customers: orders.per_customer.len() as u64,
            unused_barcodes: unused.rows,
            issues: issues.total(),
            issues_by_code: issues.by_code,
            issues_not_itemised: issues.not_itemised,
            ..BatchCounts::default()
        };
        let counts_from = match self.input_rows {
            Some((orders, barcodes)) => {
                totals.order_rows = orders;
                totals.barcode_rows = barcodes;
                CountsFrom::Event
            }
            None => CountsFrom::Writer,
        };
        let id = self.batch_id.as_str();
        let client = self.lock.client_mut();
        let tx = client
            .transaction()
            .await
            .map_err(db("begin batch commit"))?;
        let started = Instant::now();
        tx.execute("SELECT tiqets_attach_batch($1)", &[&id])
            .await
            .map_err(db("attach batch tables"))?;
        let attach_ms = started.elapsed().as_millis() as u64;
        tracing::info!(attach_ms, "tables attached");
        let event = StatusEvent::new(self.batch_id.clone(), name, BatchStatus::Completed, attempt)
            .with_counts(totals.clone());
        let recorded = apply(&tx, &event, counts_from).await?;
        tx.commit().await.map_err(db("commit batch"))?;
        unlock_batch(self.lock, &self.batch_id).await?;
        Ok((totals, recorded))
    }
}
