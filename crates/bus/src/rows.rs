//! Dropping a batch's row chunks once nothing reads them: the rows stream holds what is in
//! flight, not every batch of the last day (its age limit), so sustained load never fills
//! it (`docs/events.md`, "Row chunks").

use crate::client::Bus;
use crate::error::BusError;

/// Whose chunks [`Bus::purge_rows`] drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsOf {
    /// One attempt's: it ended (`completed` or `failed`), so its work is skipped from then
    /// on and its chunks are never read again.
    Attempt(u32),
    /// Every attempt's: the batch was deleted.
    Batch,
}

impl Bus {
    /// Drops the chunks of `batch` that `which` names; returns how many messages went.
    pub async fn purge_rows(&self, batch: &str, which: RowsOf) -> Result<u64, BusError> {
        let names = self.names();
        let stream_name = names.rows_stream();
        let subject = match which {
            RowsOf::Attempt(attempt) => names.rows_of_attempt(batch, attempt),
            RowsOf::Batch => names.rows_of_batch(batch),
        };
        let stream = self
            .jetstream()
            .get_stream_no_info(&stream_name)
            .await
            .map_err(|e| BusError::read(format!("stream {stream_name}"), e))?;
        let purged = stream
            .purge()
            .filter(subject.as_str())
            .await
            .map_err(|e| BusError::read(format!("purge of {subject}"), e))?;
        Ok(purged.purged)
    }
}
