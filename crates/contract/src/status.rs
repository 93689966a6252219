//! The batch lifecycle (`docs/events.md`, Status events) and the status events that report it.

use crate::batch::{Inputs, Source};
use crate::digest::BatchId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use time::OffsetDateTime;
use tiqets_domain::{FileKind, IssueCode, NotItemised};

/// Where a batch is in its lifecycle: `waiting` → `received` → `validating` → `merging` →
/// `persisting` → `completed`, or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Waiting,
    Received,
    Validating,
    Merging,
    Persisting,
    Completed,
    Failed,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 7] = [
        BatchStatus::Waiting,
        BatchStatus::Received,
        BatchStatus::Validating,
        BatchStatus::Merging,
        BatchStatus::Persisting,
        BatchStatus::Completed,
        BatchStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Waiting => "waiting",
            BatchStatus::Received => "received",
            BatchStatus::Validating => "validating",
            BatchStatus::Merging => "merging",
            BatchStatus::Persisting => "persisting",
            BatchStatus::Completed => "completed",
            BatchStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<BatchStatus> {
        BatchStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Position in the lifecycle; `completed` and `failed` share the last place.
    pub fn rank(self) -> u8 {
        match self {
            BatchStatus::Waiting => 0,
            BatchStatus::Received => 1,
            BatchStatus::Validating => 2,
            BatchStatus::Merging => 3,
            BatchStatus::Persisting => 4,
            BatchStatus::Completed | BatchStatus::Failed => 5,
        }
    }

    /// `completed` or `failed`: nothing follows within the same attempt.
    pub fn is_terminal(self) -> bool {
        self.rank() == 5
    }
}

impl fmt::Display for BatchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an incoming status relates to the one recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progression {
    /// A later stage, or a new attempt: record the new status (and its counts).
    Forward,
    /// The same non-terminal stage of the same attempt: a progress update; keep the status,
    /// take its `progress`/`counts` if its `at` is newer.
    Same,
    /// An earlier stage, an older attempt, or anything after a terminal status of the same
    /// attempt: a late or repeated event, ignore it.
    Backward,
}

/// Compares `(attempt, status)` of an incoming event with the recorded one. A new attempt
/// (a retried failed batch) always moves forward; within an attempt only the rank does.
pub fn progression(recorded: (u32, BatchStatus), incoming: (u32, BatchStatus)) -> Progression {
    let (ra, rs) = recorded;
    let (ia, is) = incoming;
    if ia != ra {
        return if ia > ra {
            Progression::Forward
        } else {
            Progression::Backward
        };
    }
    match is.rank().cmp(&rs.rank()) {
        std::cmp::Ordering::Greater => Progression::Forward,
        std::cmp::Ordering::Equal if !rs.is_terminal() && is == rs => Progression::Same,
        _ => Progression::Backward,
    }
}

/// Figures of a batch, filled in as they become known (all default to 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchCounts {
    /// Valid rows read from `orders.csv` / `barcodes.csv` (after the per-row checks).
    pub order_rows: u64,
    pub barcode_rows: u64,
    /// Rows of `processed_orders.csv`.
    pub orders_written: u64,
    /// Barcodes in the output (sold tickets).
    pub tickets: u64,
    /// Customers with at least one output row.
    pub customers: u64,
    pub unused_barcodes: u64,
    /// Total issues, and per code (codes with no issue may be absent): every issue,
    /// itemised or not.
    pub issues: u64,
    pub issues_by_code: BTreeMap<IssueCode, u64>,
    /// The issues counted but not itemised, per file and code (`docs/processing-rules.md`,
    /// "Issue floods"); empty when every issue is itemised.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues_not_itemised: Vec<NotItemised>,
}

/// How far the current stage is, for live progress bars.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    /// The file being read, when the stage reads one.
    pub file: Option<FileKind>,
    /// Bytes done and total of the stage's input (both files for the validator).
    pub done_bytes: u64,
    pub total_bytes: u64,
    /// Rows handled so far.
    pub rows: u64,
}

/// One status event, published on `{ns}.status.{batch_id}` (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub batch_id: BatchId,
    /// The human name of the batch (its folder, its file tag, or the upload's name).
    pub name: String,
    pub status: BatchStatus,
    /// 1 for the first run of a batch, +1 for every retry of a failed batch; 0 for
    /// `waiting` pseudo-batches.
    #[serde(default)]
    pub attempt: u32,
    /// When it happened, RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why it failed (on `failed`), or what a waiting file waits for (on `waiting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<BatchCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
    /// On `received`: where the files came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// On `received`: the stored input files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Inputs>,
    /// On `received`: the waiting pseudo-batch this pair completes; it is no longer waiting
    /// and should disappear from the batch list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<BatchId>,
}

impl StatusEvent {
    /// An event with only the required fields set, `at` = now.
    pub fn new(
        batch_id: BatchId,
        name: impl Into<String>,
        status: BatchStatus,
        attempt: u32,
    ) -> Self {
        StatusEvent {
            batch_id,
            name: name.into(),
            status,
            attempt,
            at: OffsetDateTime::now_utc(),
            reason: None,
            counts: None,
            progress: None,
            source: None,
            inputs: None,
            supersedes: None,
        }
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn with_counts(mut self, counts: BatchCounts) -> Self {
        self.counts = Some(counts);
        self
    }

    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// How this event relates to a recorded `(attempt, status)`.
    pub fn progression_from(&self, recorded: (u32, BatchStatus)) -> Progression {
        progression(recorded, (self.attempt, self.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BatchStatus::*;

    #[test]
    fn statuses_only_move_forward_within_an_attempt() {
        assert_eq!(
            progression((1, Received), (1, Validating)),
            Progression::Forward
        );
        assert_eq!(
            progression((1, Merging), (1, Validating)),
            Progression::Backward
        );
        assert_eq!(progression((1, Merging), (1, Merging)), Progression::Same);
        assert_eq!(
            progression((1, Completed), (1, Completed)),
            Progression::Backward
        );
        assert_eq!(
            progression((1, Completed), (1, Failed)),
            Progression::Backward
        );
        assert_eq!(
            progression((1, Persisting), (1, Failed)),
            Progression::Forward
        );
        assert_eq!(
            progression((0, Waiting), (1, Received)),
            Progression::Forward
        );
    }

    #[test]
    fn a_retry_moves_a_failed_batch_forward_and_late_events_of_the_old_attempt_do_not() {
        assert_eq!(
            progression((1, Failed), (2, Received)),
            Progression::Forward
        );
        assert_eq!(
            progression((2, Received), (1, Persisting)),
            Progression::Backward
        );
    }

    #[test]
    fn status_events_are_json_with_rfc3339_times() {
        let id = BatchId::parse("b0123").unwrap();
        let mut e = StatusEvent::new(id, "monday", Failed, 1)
            .with_reason("orders.csv: missing column order_id");
        e.at = time::macros::datetime!(2026-11-24 10:00:00 UTC);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "batch_id": "b0123", "name": "monday", "status": "failed", "attempt": 1,
                "at": "2026-11-24T10:00:00Z", "reason": "orders.csv: missing column order_id"
            })
        );
        let back: StatusEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
        for s in BatchStatus::ALL {
            assert_eq!(BatchStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn counts_serialize_issue_codes_as_keys() {
        let mut c = BatchCounts {
            issues: 2,
            ..Default::default()
        };
        c.issues_by_code.insert(IssueCode::DuplicateBarcode, 2);
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"duplicate_barcode\":2"), "{json}");
        let back: BatchCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let empty: BatchCounts = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, BatchCounts::default());
    }
}
