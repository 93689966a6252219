//! The batch writer: replaces one batch's results in a single transaction.
//!
//! [`BatchWriter::begin`] opens the transaction, takes the batch's advisory lock (two
//! deliveries of the same batch run one after the other, never interleaved) and opens the
//! batch's partitions (`tiqets_open_batch`, migration 3): a new batch gets empty, unindexed
//! ones; a batch written before has its old rows deleted, so writing a batch twice leaves
//! exactly one copy. The rows are then streamed with binary `COPY` straight into the
//! partitions (`FREEZE` when they are new) — one table at a time, row by row, never the
//! whole batch in memory. The orders COPY sums the tickets per customer as the rows go by
//! (they come in customer order), and [`BatchWriter::commit`] copies those sums, calls
//! `tiqets_attach_batch` (migration 4: new partitions are indexed and attached, rewritten
//! ones get their BRIN ranges summarised), records `completed` with the counts (by
//! the forward-only rule of [`crate::status`]) and commits. Dropping the writer before that
//! rolls everything back: readers see the old results or the new ones, never a mix.

use crate::copy::CopyRows;
use crate::error::{db, Result, StoreError};
use crate::status::{apply, CountsFrom, Recorded};
use deadpool_postgres::{Client, Transaction};
use tiqets_bus::{BatchCounts, BatchId, BatchStatus, StatusEvent};
use tiqets_domain::Issue;

/// Class id of the per-batch advisory locks (the object id is a hash of the batch id).
const BATCH_LOCK_CLASS: i32 = 0x7471_6231; // "tqb1"

/// Separates the barcodes of an order in `batch_orders.barcodes` (see [`split_barcodes`]).
pub const BARCODE_SEPARATOR: &str = ", ";

/// The barcodes of a stored `batch_orders.barcodes` value, in `barcodes.csv` line order.
pub fn split_barcodes(list: &str) -> Vec<String> {
    list.split(BARCODE_SEPARATOR).map(str::to_owned).collect()
}

/// The four result tables, each partitioned by batch (`<table>_<suffix>` per batch).
const RESULT_TABLES: [&str; 4] = [
    "batch_orders",
    "batch_unused_barcodes",
    "batch_issues",
    "batch_customer_tickets",
];

/// An open write of one batch. See the module docs.
pub struct BatchWriter<'c> {
    tx: Transaction<'c>,
    batch_id: BatchId,
    /// Names the batch's partitions: `<table>_<suffix>`.
    suffix: String,
    /// The partitions were created by this write (not yet indexed nor attached).
    fresh: bool,
    totals: BatchCounts,
    orders_done: bool,
    unused_done: bool,
    issues_done: bool,
    input_rows: Option<(u64, u64)>,
    /// Tickets per customer of the rows copied so far, in customer order.
    tickets: Vec<(i64, i64)>,
}

impl<'c> BatchWriter<'c> {
    /// Starts replacing `batch_id`'s results: waits for its lock, opens its partitions (new
    /// ones, or the existing ones emptied of their old rows).
    pub async fn begin(client: &'c mut Client, batch_id: &BatchId) -> Result<BatchWriter<'c>> {
        let id = batch_id.as_str();
        let tx = client
            .transaction()
            .await
            .map_err(db("begin batch write"))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&BATCH_LOCK_CLASS, &id],
        )
        .await
        .map_err(db("batch lock"))?;
        let row = tx
            .query_one("SELECT suffix, fresh FROM tiqets_open_batch($1)", &[&id])
            .await
            .map_err(db("open batch partitions"))?;
        let (suffix, fresh): (String, bool) = (row.get(0), row.get(1));
        if !fresh {
            for table in RESULT_TABLES {
                tx.execute(&format!("DELETE FROM {table}_{suffix}"), &[])
                    .await
                    .map_err(db("delete previous batch rows"))?;
            }
        }
        Ok(BatchWriter {
            tx,
            batch_id: batch_id.clone(),
            suffix,
            fresh,
            totals: BatchCounts::default(),
            orders_done: false,
            unused_done: false,
            issues_done: false,
            input_rows: None,
            tickets: Vec::new(),
        })
    }

    /// The batch being written.
    pub fn batch_id(&self) -> &BatchId {
        &self.batch_id
    }

    /// Counts so far.
    pub fn totals(&self) -> &BatchCounts {
        &self.totals
    }

    /// Records the valid row counts of the two input files with the batch (only the
    /// validator knows them; without this call the recorded ones are kept).
    pub fn set_input_rows(&mut self, order_rows: u64, barcode_rows: u64) {
        self.input_rows = Some((order_rows, barcode_rows));
    }

    /// Starts a binary COPY into this batch's partition of `table` (batch_id is the
    /// partition's default). New partitions are loaded frozen: no later hint-bit writes or
    /// freezing vacuum, and the visibility map is set for index-only scans.
    async fn copy(&self, table: &str, columns: &str) -> Result<CopyRows> {
        let options = if self.fresh {
            "FORMAT binary, FREEZE"
        } else {
            "FORMAT binary"
        };
        let sql = format!(
            "COPY {table}_{} ({columns}) FROM STDIN ({options})",
            self.suffix
        );
        let sink = self
            .tx
            .copy_in::<_, bytes::Bytes>(&sql)
            .await
            .map_err(db("start copy"))?;
        Ok(CopyRows::new(sink))
    }

    /// COPY of the output rows, to be written in output order (customer_id, order_id).
    pub async fn orders(&mut self) -> Result<OrdersCopy<'_>> {
        once(&mut self.orders_done, "orders")?;
        let writer = self
            .copy("batch_orders", "customer_id, order_id, barcodes, position")
            .await?;
        Ok(OrdersCopy {
            writer,
            totals: &mut self.totals,
            tickets: &mut self.tickets,
            last: None,
        })
    }

    /// COPY of the unused barcodes, to be written in `barcodes.csv` order.
    pub async fn unused(&mut self) -> Result<UnusedCopy<'_>> {
        once(&mut self.unused_done, "unused barcodes")?;
        let writer = self
            .copy("batch_unused_barcodes", "position, barcode, line")
            .await?;
        Ok(UnusedCopy {
            writer,
            totals: &mut self.totals,
        })
    }

    /// COPY of the issues, to be written in report order.
    pub async fn issues(&mut self) -> Result<IssuesCopy<'_>> {
        once(&mut self.issues_done, "issues")?;
        let writer = self
            .copy("batch_issues", "seq, file, line, code, message")
            .await?;
        Ok(IssuesCopy {
            writer,
            totals: &mut self.totals,
        })
    }

    /// Copies the tickets per customer, records `completed` for `attempt` with the counts
    /// and commits. Returns the counts and what became of the status: a batch whose
    /// recorded status is already past this attempt keeps it (its rows are replaced all the
    /// same: a batch's results depend only on its files).
    pub async fn commit(mut self, name: &str, attempt: u32) -> Result<(BatchCounts, Recorded)> {
        let tickets = std::mem::take(&mut self.tickets);
        let mut writer = self
            .copy("batch_customer_tickets", "customer_id, tickets")
            .await?;
        let started = std::time::Instant::now();
        for &(customer_id, n) in &tickets {
            writer.row(2).int8(customer_id).int8(n);
            writer.end_row().await?;
        }
        self.totals.customers = writer.finish().await?;
        let tickets_ms = started.elapsed().as_millis() as u64;
        let started = std::time::Instant::now();
        // New partitions: indexed and attached; rewritten ones: their new rows summarised.
        self.tx
            .execute("SELECT tiqets_attach_batch($1)", &[&self.batch_id.as_str()])
            .await
            .map_err(db("index and attach batch partitions"))?;
        let attach_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            tickets_ms,
            attach_ms,
            fresh = self.fresh,
            "tickets copied, partitions attached"
        );
        let counts_from = match self.input_rows {
            Some((orders, barcodes)) => {
                self.totals.order_rows = orders;
                self.totals.barcode_rows = barcodes;
                CountsFrom::Event
            }
            None => CountsFrom::Writer,
        };
        let event = StatusEvent::new(self.batch_id.clone(), name, BatchStatus::Completed, attempt)
            .with_counts(self.totals.clone());
        let recorded = apply(&self.tx, &event, counts_from).await?;
        self.tx.commit().await.map_err(db("commit batch"))?;
        Ok((self.totals, recorded))
    }
}

fn once(done: &mut bool, what: &str) -> Result<()> {
    if std::mem::replace(done, true) {
        return Err(StoreError::Invalid(format!("{what} written twice")));
    }
    Ok(())
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| StoreError::Invalid(format!("{n} is out of range")))
}

/// The output rows being copied.
pub struct OrdersCopy<'w> {
    writer: CopyRows,
    totals: &'w mut BatchCounts,
    tickets: &'w mut Vec<(i64, i64)>,
    last: Option<(i64, i64)>,
}

impl OrdersCopy<'_> {
    /// Writes one output row; `barcodes` is its list joined by [`BARCODE_SEPARATOR`] (as
    /// between the brackets of `processed_orders.csv`). Rows must come in strictly
    /// increasing (customer_id, order_id) order and have at least one barcode, none empty:
    /// anything else means the input is corrupt.
    pub async fn write(&mut self, customer_id: u64, order_id: u64, barcodes: &str) -> Result<()> {
        let key = (to_i64(customer_id)?, to_i64(order_id)?);
        if self.last.is_some_and(|last| last >= key) {
            return Err(StoreError::Invalid(format!(
                "order {order_id} of customer {customer_id} is out of order or repeated"
            )));
        }
        let mut n = 0i64;
        for barcode in barcodes.split(BARCODE_SEPARATOR) {
            if barcode.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "order {order_id} has an empty barcode in {barcodes:?}"
                )));
            }
            n += 1;
        }
        self.last = Some(key);
        // The rank in output order, for deep pages (see the order position migration).
        let position = to_i64(self.totals.orders_written + 1)?;
        let w = &mut self.writer;
        w.row(4)
            .int8(key.0)
            .int8(key.1)
            .text(barcodes)
            .int8(position);
        w.end_row().await?;
        self.totals.orders_written += 1;
        self.totals.tickets += n as u64;
        match self.tickets.last_mut() {
            Some((customer, sum)) if *customer == key.0 => *sum += n,
            _ => self.tickets.push((key.0, n)),
        }
        Ok(())
    }

    /// Ends the COPY.
    pub async fn finish(self) -> Result<u64> {
        self.writer.finish().await
    }
}

/// The unused barcodes being copied.
pub struct UnusedCopy<'w> {
    writer: CopyRows,
    totals: &'w mut BatchCounts,
}

impl UnusedCopy<'_> {
    /// Writes the next unused barcode (in `barcodes.csv` order) and its line there.
    pub async fn write(&mut self, barcode: &str, line: u64) -> Result<()> {
        let position = to_i64(self.totals.unused_barcodes + 1)?;
        let line = to_i64(line)?;
        self.writer.row(3).int8(position).text(barcode).int8(line);
        self.writer.end_row().await?;
        self.totals.unused_barcodes += 1;
        Ok(())
    }

    /// Ends the COPY.
    pub async fn finish(self) -> Result<u64> {
        self.writer.finish().await
    }
}

/// The issues being copied.
pub struct IssuesCopy<'w> {
    writer: CopyRows,
    totals: &'w mut BatchCounts,
}

impl IssuesCopy<'_> {
    /// Writes the next issue (in report order).
    pub async fn write(&mut self, issue: &Issue) -> Result<()> {
        let seq = to_i64(self.totals.issues + 1)?;
        let line = to_i64(issue.line)?;
        let w = &mut self.writer;
        w.row(5).int8(seq).text(issue.file.as_str()).int8(line);
        w.text(issue.code.as_str()).text(&issue.message);
        w.end_row().await?;
        self.totals.issues += 1;
        *self.totals.issues_by_code.entry(issue.code).or_default() += 1;
        Ok(())
    }

    /// Ends the COPY.
    pub async fn finish(self) -> Result<u64> {
        self.writer.finish().await
    }
}
