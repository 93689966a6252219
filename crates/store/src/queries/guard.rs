//! [`ReadGuard`]: a connection that holds a batch for a long read (a streamed download),
//! so that a deletion of the batch (`crate::drop_batch`, which takes the batch's lock
//! exclusively) waits until the read is done, and a read that comes after a deletion
//! finds the batch gone rather than reading none of its rows.

use crate::error::{db, Result};
use crate::writer::BATCH_LOCK_CLASS;
use deadpool_postgres::{Object, Pool};
use std::ops::Deref;

/// A pooled connection holding the batch's lock shared. Dropped, the connection is closed
/// (not returned to the pool), which releases the lock.
pub struct ReadGuard(Option<Object>);

impl ReadGuard {
    /// Takes `batch_id`'s lock shared on a connection of its own (waiting for a deletion
    /// or a write of the batch in progress), then checks the batch is still recorded:
    /// None when it is not.
    pub async fn hold(pool: &Pool, batch_id: &str) -> Result<Option<ReadGuard>> {
        let client = pool.get().await?;
        let guard = ReadGuard(Some(client));
        guard
            .execute(
                "SELECT pg_advisory_lock_shared($1, hashtext($2))",
                &[&BATCH_LOCK_CLASS, &batch_id],
            )
            .await
            .map_err(db("hold batch"))?;
        // A statement of its own: its snapshot is taken once the lock is held, so a
        // deletion that committed while this waited is seen.
        let row = guard
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM batches WHERE id = $1)",
                &[&batch_id],
            )
            .await
            .map_err(db("hold batch"))?;
        Ok(row.get::<_, bool>(0).then_some(guard))
    }
}

impl Deref for ReadGuard {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &tokio_postgres::Client {
        self.0.as_ref().expect("held until dropped")
    }
}

impl Drop for ReadGuard {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}
