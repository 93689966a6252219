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
//! the next write of the batch.

use crate::copy::CopyRows;
use crate::error::{db, Result, StoreError};
use crate::status::{apply, CountsFrom, Recorded};
use deadpool_postgres::{Client, Object, Pool};
use std::collections::BTreeMap;
use std::time::Instant;
use tiqets_bus::{BatchCounts, BatchId, BatchStatus, StatusEvent};
use tiqets_domain::output::{processed, IssueLine, OrderLine, UnusedLine};
use tiqets_domain::IssueCode;

/// Class id of the per-batch advisory locks (the object id is a hash of the batch id).
const BATCH_LOCK_CLASS: i32 = 0x7471_6231; // "tqb1"

/// The barcodes of a stored `batch_orders.barcodes` value (a
/// [`tiqets_domain::output::BarcodeList`]'s text), in `barcodes.csv` line order.
pub fn split_barcodes(list: &str) -> Vec<String> {
    processed::split(list).map(str::to_owned).collect()
}

/// A pooled connection that must not go back to the pool as it is (inside a transaction,
/// or holding a lock) unless [`Held::release`]d: dropped, it is closed.
struct Held(Option<Client>);

impl Held {
    fn client(&self) -> &Client {
        self.0.as_ref().expect("held until released or dropped")
    }

    fn client_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("held until released or dropped")
    }

    /// Back to the pool: the caller has ended what made it special.
    fn release(mut self) {
        self.0.take();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}

/// Connections a write holds at most: the lock's, the orders' and then the tickets' (while
/// the orders are indexed), and one more table's (the persister loads the issues and the
/// unused barcodes one after the other). A pool smaller than this (and than what else
/// shares it needs) would make a write wait for itself.
pub const WRITE_CONNECTIONS: usize = 4;

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
        let lock = Held(Some(pool.get().await?));
        lock.client()
            .execute(
                "SELECT pg_advisory_lock($1, hashtext($2))",
                &[&BATCH_LOCK_CLASS, &batch_id.as_str()],
            )
            .await
            .map_err(db("batch lock"))?;
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
        Ok(OrdersCopy {
            staged,
            pool: self.pool.clone(),
            batch_id: self.batch_id.clone(),
            rows: 0,
            tickets: 0,
            per_customer: Vec::new(),
            last: None,
        })
    }

    /// The unused barcodes, to be written in `barcodes.csv` order, on a connection of their
    /// own.
    pub async fn unused(&mut self) -> Result<UnusedCopy> {
        let staged = self
            .stage(1, "batch_unused_barcodes", "position, barcode, line")
            .await?;
        Ok(UnusedCopy { staged, rows: 0 })
    }

    /// The issues, to be written in report order, on a connection of their own.
    pub async fn issues(&mut self) -> Result<IssuesCopy> {
        let staged = self
            .stage(2, "batch_issues", "seq, file, line, code, message")
            .await?;
        Ok(IssuesCopy {
            staged,
            rows: 0,
            by_code: BTreeMap::new(),
        })
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
            issues: issues.rows,
            issues_by_code: issues.by_code,
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
        self.lock
            .client()
            .execute(
                "SELECT pg_advisory_unlock($1, hashtext($2))",
                &[&BATCH_LOCK_CLASS, &id],
            )
            .await
            .map_err(db("batch unlock"))?;
        self.lock.release();
        Ok((totals, recorded))
    }
}

fn copy_sql(table: &str, columns: &str) -> String {
    // A staged table is created in this transaction: FREEZE loads it frozen (no later
    // hint-bit writes or freezing vacuum; the visibility map is set for index-only scans).
    format!("COPY \"{table}\" ({columns}) FROM STDIN (FORMAT binary, FREEZE)")
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| StoreError::Invalid(format!("{n} is out of range")))
}

/// One result table being loaded on a connection of its own, in a transaction of its own.
pub struct Staged {
    conn: Held,
    copy: Option<CopyRows>,
    batch_id: String,
    table: &'static str,
    opened: Instant,
    /// From open to the end of the COPY (rows fed as they were read).
    copy_ms: u64,
}

impl Staged {
    async fn open(
        pool: &Pool,
        batch_id: &BatchId,
        table: &'static str,
        columns: &str,
    ) -> Result<Staged> {
        let conn = Held(Some(pool.get().await?));
        let client = conn.client();
        client
            .batch_execute("BEGIN")
            .await
            .map_err(db("begin staged table"))?;
        let id = batch_id.as_str();
        let name: String = client
            .query_one("SELECT tiqets_stage_partition($1, $2)", &[&id, &table])
            .await
            .map_err(db("stage table"))?
            .get(0);
        let sink = client
            .copy_in::<_, bytes::Bytes>(&copy_sql(&name, columns))
            .await
            .map_err(db("start copy"))?;
        Ok(Staged {
            conn,
            copy: Some(CopyRows::new(sink)),
            batch_id: id.to_owned(),
            table,
            opened: Instant::now(),
            copy_ms: 0,
        })
    }

    fn rows(&mut self) -> &mut CopyRows {
        self.copy.as_mut().expect("open until finished")
    }

    /// Ends the COPY, indexes the table (a new partition) and commits. Returns its rows.
    async fn finish(mut self) -> Result<u64> {
        let rows = self.end_copy().await?;
        self.seal().await?;
        Ok(rows)
    }

    /// Ends the COPY; returns the rows the server stored.
    async fn end_copy(&mut self) -> Result<u64> {
        let copy = self.copy.take().expect("open until finished");
        self.copy_ms = self.opened.elapsed().as_millis() as u64;
        copy.finish().await
    }

    /// Indexes the table (a new partition) and commits, after [`Staged::end_copy`].
    async fn seal(mut self) -> Result<()> {
        let client = self.conn.client();
        let started = Instant::now();
        client
            .execute(
                "SELECT tiqets_index_partition($1, $2)",
                &[&self.batch_id, &self.table],
            )
            .await
            .map_err(db("index staged table"))?;
        let index_ms = started.elapsed().as_millis() as u64;
        let started = Instant::now();
        client
            .batch_execute("COMMIT")
            .await
            .map_err(db("commit staged table"))?;
        let commit_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            table = self.table,
            copy_ms = self.copy_ms,
            index_ms,
            commit_ms,
            "table staged"
        );
        // Committed: back to the pool.
        self.conn.0.take();
        Ok(())
    }
}

/// What the orders copy wrote: for [`BatchWriter::commit`].
#[derive(Debug)]
pub struct OrdersWritten {
    rows: u64,
    tickets: u64,
    /// Tickets per customer, in customer order.
    per_customer: Vec<(i64, i64)>,
}

impl OrdersWritten {
    /// Output rows.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Barcodes of the output rows.
    pub fn tickets(&self) -> u64 {
        self.tickets
    }

    /// Customers with an output row.
    pub fn customers(&self) -> u64 {
        self.per_customer.len() as u64
    }
}

/// What the unused barcodes copy wrote: for [`BatchWriter::commit`].
#[derive(Debug)]
pub struct UnusedWritten {
    rows: u64,
}

impl UnusedWritten {
    /// Unused barcodes.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// What the issues copy wrote: for [`BatchWriter::commit`].
#[derive(Debug)]
pub struct IssuesWritten {
    rows: u64,
    by_code: BTreeMap<IssueCode, u64>,
}

impl IssuesWritten {
    /// Issues.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Issues per code.
    pub fn by_code(&self) -> &BTreeMap<IssueCode, u64> {
        &self.by_code
    }
}

/// The output rows being copied.
pub struct OrdersCopy {
    staged: Staged,
    /// For the tickets per customer, loaded on a connection of their own.
    pool: Pool,
    batch_id: BatchId,
    rows: u64,
    tickets: u64,
    per_customer: Vec<(i64, i64)>,
    last: Option<(i64, i64)>,
}

impl OrdersCopy {
    /// Adds one output row to the COPY (sent by [`OrdersCopy::send`]); its barcodes are
    /// stored as the list's text. Rows must come in strictly increasing (customer_id,
    /// order_id) order: anything else means the input is corrupt.
    pub fn add(&mut self, row: &OrderLine<'_>) -> Result<()> {
        let (customer_id, order_id) = (row.customer_id, row.order_id);
        let key = (to_i64(customer_id)?, to_i64(order_id)?);
        if self.last.is_some_and(|last| last >= key) {
            return Err(StoreError::Invalid(format!(
                "order {order_id} of customer {customer_id} is out of order or repeated"
            )));
        }
        let n = row.barcodes.len() as i64;
        self.last = Some(key);
        // The rank in output order, for deep pages (see the order position migration).
        let position = to_i64(self.rows + 1)?;
        let w = self.staged.rows();
        w.row(4)
            .int8(key.0)
            .int8(key.1)
            .text(row.barcodes.as_str())
            .int8(position);
        self.rows += 1;
        self.tickets += n as u64;
        match self.per_customer.last_mut() {
            Some((customer, sum)) if *customer == key.0 => *sum += n,
            _ => self.per_customer.push((key.0, n)),
        }
        Ok(())
    }

    /// Sends the rows added so far once they fill a message.
    pub async fn send(&mut self) -> Result<()> {
        self.staged.rows().send().await
    }

    /// [`OrdersCopy::add`], then [`OrdersCopy::send`].
    pub async fn write(&mut self, row: &OrderLine<'_>) -> Result<()> {
        self.add(row)?;
        self.send().await
    }

    /// Ends the COPY, then indexes and commits the staged table while the tickets per
    /// customer (summed as the rows went by) are loaded on another connection.
    pub async fn finish(self) -> Result<OrdersWritten> {
        let OrdersCopy {
            mut staged,
            pool,
            batch_id,
            rows,
            tickets,
            per_customer,
            ..
        } = self;
        let stored = staged.end_copy().await?;
        check_stored("orders", stored, rows)?;
        let load_tickets = async {
            let columns = "customer_id, tickets";
            let mut t = Staged::open(&pool, &batch_id, "batch_customer_tickets", columns).await?;
            for &(customer_id, n) in &per_customer {
                let w = t.rows();
                w.row(2).int8(customer_id).int8(n);
                w.send().await?;
            }
            let stored = t.finish().await?;
            check_stored("customer tickets", stored, per_customer.len() as u64)
        };
        tokio::try_join!(staged.seal(), load_tickets)?;
        Ok(OrdersWritten {
            rows,
            tickets,
            per_customer,
        })
    }
}

/// The unused barcodes being copied.
pub struct UnusedCopy {
    staged: Staged,
    rows: u64,
}

impl UnusedCopy {
    /// Adds the next unused barcode (in `barcodes.csv` order) to the COPY.
    pub fn add(&mut self, unused: &UnusedLine<'_>) -> Result<()> {
        let position = to_i64(self.rows + 1)?;
        let line = to_i64(unused.line)?;
        let w = self.staged.rows();
        w.row(3).int8(position).text(unused.barcode).int8(line);
        self.rows += 1;
        Ok(())
    }

    /// Sends the rows added so far once they fill a message.
    pub async fn send(&mut self) -> Result<()> {
        self.staged.rows().send().await
    }

    /// [`UnusedCopy::add`], then [`UnusedCopy::send`].
    pub async fn write(&mut self, unused: &UnusedLine<'_>) -> Result<()> {
        self.add(unused)?;
        self.send().await
    }

    /// Ends the COPY, indexes and commits the staged table.
    pub async fn finish(self) -> Result<UnusedWritten> {
        let stored = self.staged.finish().await?;
        check_stored("unused barcodes", stored, self.rows)?;
        Ok(UnusedWritten { rows: self.rows })
    }
}

/// The issues being copied.
pub struct IssuesCopy {
    staged: Staged,
    rows: u64,
    by_code: BTreeMap<IssueCode, u64>,
}

impl IssuesCopy {
    /// Adds the next issue (in report order) to the COPY.
    pub fn add(&mut self, issue: &IssueLine<'_>) -> Result<()> {
        let seq = to_i64(self.rows + 1)?;
        let line = to_i64(issue.line)?;
        let w = self.staged.rows();
        w.row(5).int8(seq).text(issue.file.as_str()).int8(line);
        w.text(issue.code.as_str()).text(issue.message);
        self.rows += 1;
        *self.by_code.entry(issue.code).or_default() += 1;
        Ok(())
    }

    /// Sends the rows added so far once they fill a message.
    pub async fn send(&mut self) -> Result<()> {
        self.staged.rows().send().await
    }

    /// [`IssuesCopy::add`], then [`IssuesCopy::send`].
    pub async fn write(&mut self, issue: &IssueLine<'_>) -> Result<()> {
        self.add(issue)?;
        self.send().await
    }

    /// Ends the COPY, indexes and commits the staged table.
    pub async fn finish(self) -> Result<IssuesWritten> {
        let stored = self.staged.finish().await?;
        check_stored("issues", stored, self.rows)?;
        Ok(IssuesWritten {
            rows: self.rows,
            by_code: self.by_code,
        })
    }
}

/// The server's row count of a COPY must be the rows sent.
fn check_stored(what: &str, stored: u64, sent: u64) -> Result<()> {
    if stored == sent {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what}: the server stored {stored} rows of {sent}"
        )))
    }
}
