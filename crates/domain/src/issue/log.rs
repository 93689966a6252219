//! Issue floods (`docs/processing-rules.md`, "Issue floods"): every issue is counted, and
//! the first [`IssueLimit`] issues of each code in each file, by line, are itemised.
//!
//! A batch of millions of bad rows then costs what its counts are worth, not an issue
//! (and a message string) per row, in memory, in the row chunks, in PostgreSQL and in
//! `issues.csv`. The counts stay exact; what was left out is said in `issues.csv` and on
//! the batch ([`NotItemised`]).

use super::{sort_issues, FileKind, Issue, IssueCode, IssueCounts};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many issues of one code in one file are itemised; the others are counted only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "u64", into = "u64")]
pub struct IssueLimit(u64);

impl IssueLimit {
    /// 100,000 of each code per file: more than any export's report needs to be read, and
    /// about 15 MB of issues at most per code and file.
    pub const DEFAULT: IssueLimit = IssueLimit(100_000);
    /// Every issue itemised.
    pub const NONE: IssueLimit = IssueLimit(0);

    /// `n` issues of each code per file; 0 means no limit.
    pub const fn new(n: u64) -> IssueLimit {
        IssueLimit(n)
    }

    /// The limit, or `None` when every issue is itemised.
    pub fn get(self) -> Option<u64> {
        (self.0 != 0).then_some(self.0)
    }

    fn cap(self) -> usize {
        match self.0 {
            0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        }
    }
}

impl Default for IssueLimit {
    fn default() -> Self {
        IssueLimit::DEFAULT
    }
}

impl From<u64> for IssueLimit {
    fn from(n: u64) -> Self {
        IssueLimit(n)
    }
}

impl From<IssueLimit> for u64 {
    fn from(l: IssueLimit) -> u64 {
        l.0
    }
}

impl fmt::Display for IssueLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(n) => write!(f, "{n} per code per file"),
            None => f.write_str("none"),
        }
    }
}

/// Issues of one code in one file that were counted but not itemised: the first `limit`
/// of them are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotItemised {
    pub file: FileKind,
    pub code: IssueCode,
    /// Issues counted but not itemised.
    pub count: u64,
    /// The issue limit they are over.
    pub limit: u64,
}

impl NotItemised {
    /// The sentence `issues.csv` and the logs say it with.
    pub fn message(&self) -> String {
        format!(
            "{} more {} issues in {} are counted but not itemised (limit {} per code per file)",
            self.count,
            self.code,
            self.file.file_name(),
            self.limit
        )
    }

    /// Reads `(count, limit)` back from [`NotItemised::message`]'s sentence.
    pub fn numbers_in(message: &str) -> Option<(u64, u64)> {
        let count = message.split(' ').next()?.parse().ok()?;
        let (_, rest) = message.split_once("(limit ")?;
        let limit = rest.split(' ').next()?.parse().ok()?;
        Some((count, limit))
    }
}

/// The issues of one code in one file: every one counted, the first ones by line kept.
#[derive(Debug, Clone, Default)]
struct Bucket {
    kept: Vec<Issue>,
    count: u64,
    /// Once `kept` holds `cap` issues: at least `cap` of them are on this line or before,
    /// so an issue on a later line is not among the first `cap`.
    max_line: u64,
}

impl Bucket {
    fn wants(&self, cap: usize, line: u64) -> bool {
        self.kept.len() < cap || line < self.max_line
    }

    /// Keeps an issue [`Bucket::wants`]; the bucket never holds more than `2 × cap`.
    fn keep(&mut self, cap: usize, issue: Issue) {
        if self.kept.len() < cap {
            self.max_line = self.max_line.max(issue.line);
        }
        self.kept.push(issue);
        if self.kept.len() >= cap.saturating_mul(2) {
            self.trim(cap);
        }
    }

    fn trim(&mut self, cap: usize) {
        if self.kept.len() > cap {
            self.kept.sort_unstable_by_key(|i| i.line);
            self.kept.truncate(cap);
            self.max_line = self.kept.last().map_or(0, |i| i.line);
        }
    }
}

const FILES: usize = 2;
const CODES: usize = IssueCode::ALL.len();

/// The issues of a batch (or of one file): every issue counted per file and code, the
/// first [`IssueLimit`] of each, by line, kept, whatever order they are added in.
#[derive(Debug, Clone)]
pub struct IssueLog {
    limit: IssueLimit,
    buckets: Vec<Bucket>,
}

impl Default for IssueLog {
    fn default() -> Self {
        IssueLog::new(IssueLimit::DEFAULT)
    }
}

impl IssueLog {
    pub fn new(limit: IssueLimit) -> IssueLog {
        IssueLog {
            limit,
            buckets: vec![Bucket::default(); FILES * CODES],
        }
    }

    pub fn limit(&self) -> IssueLimit {
        self.limit
    }

    fn bucket(&mut self, file: FileKind, code: IssueCode) -> &mut Bucket {
        &mut self.buckets[file as usize * CODES + code as usize]
    }

    /// Counts `issue`, and keeps it if it is among the first of its code in its file.
    pub fn push(&mut self, issue: Issue) {
        let cap = self.limit.cap();
        let b = self.bucket(issue.file, issue.code);
        b.count += 1;
        if b.wants(cap, issue.line) {
            b.keep(cap, issue);
        }
    }

    /// [`IssueLog::push`], the message written only for an issue that is kept.
    pub fn push_with(
        &mut self,
        file: FileKind,
        line: u64,
        code: IssueCode,
        message: impl FnOnce() -> String,
    ) {
        let cap = self.limit.cap();
        let b = self.bucket(file, code);
        b.count += 1;
        if b.wants(cap, line) {
            b.keep(cap, Issue::new(file, line, code, message()));
        }
    }

    /// Counts `n` issues left out already, all on later lines than any kept one of their
    /// code and file (a validator's [`NotItemised`]).
    pub fn count_more(&mut self, file: FileKind, code: IssueCode, n: u64) {
        self.bucket(file, code).count += n;
    }

    /// Adds every issue of `other` (counted and kept as if pushed here).
    pub fn append(&mut self, other: IssueLog) {
        let cap = self.limit.cap();
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            mine.count += theirs.count;
            for issue in theirs.kept {
                if mine.wants(cap, issue.line) {
                    mine.keep(cap, issue);
                }
            }
        }
    }

    /// Moves every issue `offset` lines down (a part of a file read on its own).
    pub fn shift_lines(&mut self, offset: u64) {
        for b in &mut self.buckets {
            b.kept.iter_mut().for_each(|i| i.line += offset);
            if !b.kept.is_empty() {
                b.max_line += offset;
            }
        }
    }

    /// Every issue counted, per code.
    pub fn counts(&self) -> IssueCounts {
        let mut counts = IssueCounts::default();
        for (i, b) in self.buckets.iter().enumerate() {
            counts.add_n(IssueCode::ALL[i % CODES], b.count);
        }
        counts
    }

    /// Issues kept so far (at most twice the limit per code and file before
    /// [`IssueLog::finish`]).
    pub fn kept(&self) -> usize {
        self.buckets.iter().map(|b| b.kept.len()).sum()
    }

    /// The itemised issues in report order, every issue's count per code, and what was
    /// counted but not itemised, per file and code in report order.
    pub fn finish(self) -> (Vec<Issue>, IssueCounts, Vec<NotItemised>) {
        let counts = self.counts();
        let cap = self.limit.cap();
        let mut issues = Vec::with_capacity(self.kept().min(cap.saturating_mul(FILES * CODES)));
        let mut not_itemised = Vec::new();
        for (i, mut b) in self.buckets.into_iter().enumerate() {
            b.trim(cap);
            let left = b.count - b.kept.len() as u64;
            if left > 0 {
                let file = [FileKind::Orders, FileKind::Barcodes][i / CODES];
                let code = IssueCode::ALL[i % CODES];
                not_itemised.push(NotItemised {
                    file,
                    code,
                    count: left,
                    limit: self.limit.0,
                });
            }
            issues.append(&mut b.kept);
        }
        sort_issues(&mut issues);
        (issues, counts, not_itemised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(file: FileKind, line: u64, code: IssueCode) -> Issue {
        Issue::new(file, line, code, format!("line {line}"))
    }

    #[test]
    fn the_first_issues_by_line_are_kept_whatever_the_order_they_come_in() {
        let mut log = IssueLog::new(IssueLimit::new(3));
        // Descending, then a few ascending: the smallest lines must win.
        for line in (10..40).rev().chain(2..5) {
            log.push(issue(FileKind::Barcodes, line, IssueCode::MalformedRow));
        }
        log.push_with(FileKind::Orders, 7, IssueCode::DuplicateOrder, || {
            "d".into()
        });
        let (issues, counts, left) = log.finish();
        let lines: Vec<_> = issues.iter().map(|i| (i.file, i.line)).collect();
        assert_eq!(
            lines,
            [
                (FileKind::Orders, 7),
                (FileKind::Barcodes, 2),
                (FileKind::Barcodes, 3),
                (FileKind::Barcodes, 4)
            ]
        );
        assert_eq!(counts.get(IssueCode::MalformedRow), 33);
        assert_eq!(counts.total(), 34);
        let want = NotItemised {
            file: FileKind::Barcodes,
            code: IssueCode::MalformedRow,
            count: 30,
            limit: 3,
        };
        assert_eq!(left, [want]);
    }

    #[test]
    fn a_log_never_holds_more_than_twice_its_limit_of_one_code() {
        let mut log = IssueLog::new(IssueLimit::new(100));
        for line in 0..100_000u64 {
            // A scattered order: every line once.
            let line = (line * 7919) % 100_000 + 2;
            log.push_with(FileKind::Orders, line, IssueCode::MalformedRow, || {
                line.to_string()
            });
            assert!(log.kept() <= 200);
        }
        let (issues, counts, left) = log.finish();
        assert_eq!(issues.len(), 100);
        assert!(issues
            .iter()
            .enumerate()
            .all(|(n, i)| i.line == n as u64 + 2));
        assert_eq!(counts.total(), 100_000);
        assert_eq!(left[0].count, 99_900);
    }

    #[test]
    fn appended_and_shifted_logs_are_one_log() {
        let limit = IssueLimit::new(2);
        let (mut head, mut tail, mut whole) = (
            IssueLog::new(limit),
            IssueLog::new(limit),
            IssueLog::new(limit),
        );
        for line in [5, 9, 12] {
            head.push(issue(FileKind::Barcodes, line, IssueCode::InvalidBarcode));
            whole.push(issue(FileKind::Barcodes, line, IssueCode::InvalidBarcode));
        }
        for line in [1, 3] {
            tail.push(issue(FileKind::Barcodes, line, IssueCode::InvalidBarcode));
            whole.push(issue(
                FileKind::Barcodes,
                line + 100,
                IssueCode::InvalidBarcode,
            ));
        }
        tail.shift_lines(100);
        head.append(tail);
        let (a, b) = (head.finish(), whole.finish());
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        assert_eq!(a.2, b.2);
        assert_eq!(a.2[0].count, 3);
    }

    #[test]
    fn issues_counted_elsewhere_are_added_to_the_counts_only() {
        let mut log = IssueLog::new(IssueLimit::new(1));
        log.push(issue(FileKind::Orders, 2, IssueCode::InvalidOrderId));
        log.count_more(FileKind::Orders, IssueCode::InvalidOrderId, 41);
        let (issues, counts, left) = log.finish();
        assert_eq!(issues.len(), 1);
        assert_eq!(counts.get(IssueCode::InvalidOrderId), 42);
        assert_eq!(left[0].count, 41);
    }

    #[test]
    fn no_limit_keeps_every_issue() {
        let mut log = IssueLog::new(IssueLimit::NONE);
        for line in (2..5000).rev() {
            log.push(issue(FileKind::Orders, line, IssueCode::MalformedRow));
        }
        let (issues, _, left) = log.finish();
        assert_eq!(issues.len(), 4998);
        assert!(left.is_empty());
        assert_eq!(IssueLimit::NONE.get(), None);
        assert_eq!(IssueLimit::NONE.to_string(), "none");
    }

    #[test]
    fn the_sentence_says_the_count_and_gives_it_back() {
        let n = NotItemised {
            file: FileKind::Barcodes,
            code: IssueCode::MalformedRow,
            count: 19_999_000,
            limit: 1000,
        };
        let m = n.message();
        assert_eq!(
            m,
            "19999000 more malformed_row issues in barcodes.csv are counted but not itemised \
             (limit 1000 per code per file)"
        );
        assert_eq!(NotItemised::numbers_in(&m), Some((19_999_000, 1000)));
        assert_eq!(NotItemised::numbers_in("3 more"), None);
    }
}
