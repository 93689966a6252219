//! The issues' copy into `batch_issues`, in report order, counted per code.

use super::staged::{check_stored, to_i64, Staged};
use crate::error::Result;
use std::collections::BTreeMap;
use tiqets_domain::output::IssueLine;
use tiqets_domain::IssueCode;

/// What the issues copy wrote: for [`BatchWriter::commit`](super::BatchWriter::commit).
#[derive(Debug)]
pub struct IssuesWritten {
    pub(super) rows: u64,
    pub(super) by_code: BTreeMap<IssueCode, u64>,
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

/// The issues being copied.
pub struct IssuesCopy {
    staged: Staged,
    rows: u64,
    by_code: BTreeMap<IssueCode, u64>,
}

impl IssuesCopy {
    pub(super) fn new(staged: Staged) -> IssuesCopy {
        IssuesCopy {
            staged,
            rows: 0,
            by_code: BTreeMap::new(),
        }
    }

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
