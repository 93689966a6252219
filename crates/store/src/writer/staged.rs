//! [`Staged`]: one result table being loaded by binary `COPY … FREEZE` into a new table
//! (`tiqets_stage_partition`), then indexed and committed on its own connection.

use super::held::Held;
use crate::copy::CopyRows;
use crate::error::{db, Result, StoreError};
use deadpool_postgres::Pool;
use std::time::Instant;
use tiqets_contract::BatchId;

fn copy_sql(table: &str, columns: &str) -> String {
    // A staged table is created in this transaction: FREEZE loads it frozen (no later
    // hint-bit writes or freezing vacuum; the visibility map is set for index-only scans).
    format!("COPY \"{table}\" ({columns}) FROM STDIN (FORMAT binary, FREEZE)")
}

/// `n` as a `bigint`, refused when out of its range.
pub(super) fn to_i64(n: u64) -> Result<i64> {
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
    pub(super) async fn open(
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

    pub(super) fn rows(&mut self) -> &mut CopyRows {
        self.copy.as_mut().expect("open until finished")
    }

    /// Ends the COPY, indexes the table (a new partition) and commits. Returns its rows.
    pub(super) async fn finish(mut self) -> Result<u64> {
        let rows = self.end_copy().await?;
        self.seal().await?;
        Ok(rows)
    }

    /// Ends the COPY; returns the rows the server stored.
    pub(super) async fn end_copy(&mut self) -> Result<u64> {
        let copy = self.copy.take().expect("open until finished");
        self.copy_ms = self.opened.elapsed().as_millis() as u64;
        copy.finish().await
    }

    /// Indexes the table (a new partition) and commits, after [`Staged::end_copy`].
    pub(super) async fn seal(mut self) -> Result<()> {
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

/// The server's row count of a COPY must be the rows sent.
pub(super) fn check_stored(what: &str, stored: u64, sent: u64) -> Result<()> {
    if stored == sent {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what}: the server stored {stored} rows of {sent}"
        )))
    }
}
