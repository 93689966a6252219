//! The issues' copy into `batch_issues`, in report order, counted per code.

use super::staged::{check_stored, to_i64, Staged};
use crate::error::Result;
use std::collections::BTreeMap;
use tiqets_domain::output::{IssueLine, IssuesCsvLine};
use tiqets_domain::{IssueCode, NotItemised};

/// What the issues copy wrote: for [`BatchWriter::commit`](super::BatchWriter::commit).
#[derive(Debug)]
pub struct IssuesWritten {
    pub(super) rows: u64,
    pub(super) by_code: BTreeMap<IssueCode, u64>,
    pub(super) not_itemised: Vec<NotItemised>,
}

impl IssuesWritten {
    /// Issues stored (itemised).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Every issue, itemised or not (`docs/processing-rules.md`, "Issue floods").
    pub fn total(&self) -> u64 {
        self.rows + self.not_itemised.iter().map(|n| n.count).sum::<u64>()
    }

    /// Issues per code, itemised or not.
    pub fn by_code(&self) -> &BTreeMap<IssueCode, u64> {
        &self.by_code
    }

    /// The issues counted but not itemised, per file and code.
    pub fn not_itemised(&self) -> &[NotItemised] {
        &self.not_itemised
    }
}

/// The issues being copied.
pub struct IssuesCopy {
    staged: Staged,
    rows: u64,
    by_code: BTreeMap<IssueCode, u64>,
    not_itemised: Vec<NotItemised>,
}

impl IssuesCopy {
    pub(super) fn new(staged: Staged) -> IssuesCopy {
        IssuesCopy {
            staged,
            rows: 0,
            by_code: BTreeMap::new(),
            not_itemised: Vec::new(),
        }
    }

    /// Adds the next line of `issues.csv`: an issue to the COPY, or the count of those not
    /// itemised to the counts.
    pub fn add_line(&mut self, line: &IssuesCsvLine<'_>) -> Result<()> {
        match line {
            IssuesCsvLine::Issue(issue) => self.add(issue),
            IssuesCsvLine::NotItemised(n) => {
                *self.by_code.entry(n.code).or_default() += n.count;
                self.not_itemised.push(*n);
                Ok(())
            }
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
            not_itemised: self.not_itemised,
        })
    }
}
