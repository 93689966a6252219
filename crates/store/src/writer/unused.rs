//! The unused barcodes' copy into `batch_unused_barcodes`, ranked in `barcodes.csv` order.

use super::staged::{check_stored, to_i64, Staged};
use crate::error::Result;
use tiqets_domain::output::UnusedLine;

/// What the unused barcodes copy wrote: for [`BatchWriter::commit`](super::BatchWriter::commit).
#[derive(Debug)]
pub struct UnusedWritten {
    pub(super) rows: u64,
}

impl UnusedWritten {
    /// Unused barcodes.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// The unused barcodes being copied.
pub struct UnusedCopy {
    staged: Staged,
    rows: u64,
}

impl UnusedCopy {
    pub(super) fn new(staged: Staged) -> UnusedCopy {
        UnusedCopy { staged, rows: 0 }
    }

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
