//! The work messages that move a batch through the pipeline, and notices.
//!
//! All are JSON. Each work message names its batch ([`BatchRef`]) so the consumer loop can
//! dead-letter it and report `failed` without knowing its type (the [`Work`] trait). What
//! names a batch and its files is in [`crate::batch`], shared with the status events.

use crate::batch::{BatchRef, Inputs, Source};
use crate::digest::{BatchId, Sha256};
use crate::names::{ResultFile, Stage};
use crate::status::{BatchCounts, BatchStatus};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tiqets_domain::{FileKind, IssueLimit};

/// `{ns}.work.validate`: validate both files of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateWork {
    #[serde(flatten)]
    pub batch: BatchRef,
    pub source: Source,
    pub inputs: Inputs,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

/// What the validator published for one file: `chunks` messages with sequence numbers
/// `0..chunks` on [`crate::Names::rows`], the last one flagged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkSet {
    pub chunks: u32,
    /// Valid rows and row issues across the chunks.
    pub rows: u64,
    pub issues: u64,
}

/// `{ns}.work.merge`: join a batch's validated rows.
///
/// The validator sends it as it starts validating, without chunk sets: the merger then reads
/// each file's chunks as they are published, up to the one flagged last (or an abort
/// marker, [`crate::chunk::ABORT_HEADER`], when the batch fails). With chunk sets (work
/// sent once both files were validated), the merger also checks the chunks against them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeWork {
    #[serde(flatten)]
    pub batch: BatchRef,
    pub inputs: Inputs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<ChunkSet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcodes: Option<ChunkSet>,
    /// The validator's issue limit (`docs/processing-rules.md`, "Issue floods"): the merger
    /// itemises its own issues up to it too.
    #[serde(default)]
    pub issue_limit: IssueLimit,
    /// Which step of a partitioned merge this is; absent in the validator's work.
    #[serde(default, skip_serializing_if = "MergeStep::is_start")]
    pub step: MergeStep,
}

/// A step of the merge of one batch (`docs/events.md`, "The partitioned merge"). The
/// validator sends [`MergeStep::Start`]; a batch too large for one merger's memory budget
/// is split there into `parts` partitions, and each further step is a message of its own
/// on the same work queue, so that every merger replica takes some.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MergeStep {
    /// Read the validated chunks: merge them whole, or split them into partitions.
    #[default]
    Start,
    /// Rules 2 and 3 over the barcode rows of partition `part`.
    Barcodes { part: u32, parts: u32 },
    /// Rules 1, 4, 5 and 6 over the orders of partition `part`.
    Orders { part: u32, parts: u32 },
    /// The partitions' runs into the result files, and `PersistWork`.
    Combine { parts: u32 },
}

impl MergeStep {
    pub fn is_start(&self) -> bool {
        *self == MergeStep::Start
    }

    /// What tells this step's work message apart from the others of its batch attempt
    /// (`Nats-Msg-Id`): `b3`, `o3`, `combine`; `None` for the start.
    pub fn tag(&self) -> Option<String> {
        match self {
            MergeStep::Start => None,
            MergeStep::Barcodes { part, .. } => Some(format!("b{part}")),
            MergeStep::Orders { part, .. } => Some(format!("o{part}")),
            MergeStep::Combine { .. } => Some("combine".into()),
        }
    }
}

impl MergeWork {
    /// This batch attempt's work for `step` of its merge.
    pub fn with_step(&self, step: MergeStep) -> MergeWork {
        MergeWork {
            step,
            ..self.clone()
        }
    }

    /// What was announced of `file`, if anything.
    pub fn announced(&self, file: FileKind) -> Option<&ChunkSet> {
        match file {
            FileKind::Orders => self.orders.as_ref(),
            FileKind::Barcodes => self.barcodes.as_ref(),
        }
    }
}

/// One result file written by the merger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRef {
    pub file: ResultFile,
    /// Object key in the `{ns}_files` bucket ([`crate::Names::result_key`]).
    pub key: String,
    pub sha256: Sha256,
    pub size: u64,
    /// Data rows (the header excluded).
    pub rows: u64,
}

/// A top customer, as in `docs/processing-rules.md`, Results, rule 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopCustomer {
    pub customer_id: u64,
    pub tickets: u64,
}

/// `{ns}.work.persist`: store a merged batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersistWork {
    #[serde(flatten)]
    pub batch: BatchRef,
    pub inputs: Inputs,
    /// One entry per [`ResultFile`].
    pub results: Vec<ResultRef>,
    pub counts: BatchCounts,
    /// The top 100 customers (the api's largest `limit`).
    pub top_customers: Vec<TopCustomer>,
}

impl PersistWork {
    pub fn result(&self, file: ResultFile) -> Option<&ResultRef> {
        self.results.iter().find(|r| r.file == file)
    }
}

/// A work message: JSON on its stage's work subject, naming its batch.
pub trait Work: Serialize + DeserializeOwned + Send + Sync + 'static {
    const STAGE: Stage;
    fn batch(&self) -> &BatchRef;

    /// The rows this work hands its stage, when known before it runs (for the rows metric:
    /// the merger joins the validated rows, the persister writes the output rows).
    fn rows(&self) -> Option<u64> {
        None
    }

    /// The finished batch's counts, when this work records it (the persister's).
    fn final_counts(&self) -> Option<&BatchCounts> {
        None
    }

    /// Tells apart several messages of one stage for one batch attempt (the steps of a
    /// partitioned merge): it ends their `Nats-Msg-Id`.
    fn msg_id_tag(&self) -> Option<String> {
        None
    }
}

impl Work for ValidateWork {
    const STAGE: Stage = Stage::Validate;
    fn batch(&self) -> &BatchRef {
        &self.batch
    }
}

impl Work for MergeWork {
    const STAGE: Stage = Stage::Merge;
    fn batch(&self) -> &BatchRef {
        &self.batch
    }

    fn rows(&self) -> Option<u64> {
        if !self.step.is_start() {
            return None; // counted once, by the start
        }
        Some(self.orders.as_ref()?.rows + self.barcodes.as_ref()?.rows)
    }

    fn msg_id_tag(&self) -> Option<String> {
        self.step.tag()
    }
}

impl Work for PersistWork {
    const STAGE: Stage = Stage::Persist;
    fn batch(&self) -> &BatchRef {
        &self.batch
    }

    fn rows(&self) -> Option<u64> {
        Some(self.counts.orders_written)
    }

    fn final_counts(&self) -> Option<&BatchCounts> {
        Some(&self.counts)
    }
}

/// `{ns}.notice.{batch_id}`: something worth showing that changes no status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub batch_id: BatchId,
    /// The name under which the files arrived this time.
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(flatten)]
    pub kind: NoticeKind,
    /// A sentence for people.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeKind {
    /// The pair is byte-identical to batch `batch_id`, which is `status` (completed, or still
    /// in progress): it was not processed again.
    Repeat { status: BatchStatus, source: Source },
    /// The batch was deleted (asked for, or by retention): its results are gone.
    Deleted { freed: crate::Freed },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::FileRef;

    fn file(key: &str) -> FileRef {
        FileRef {
            key: key.into(),
            sha256: Sha256::of(key.as_bytes()),
            size: 3,
        }
    }

    #[test]
    fn work_messages_are_flat_json() {
        let w = ValidateWork {
            batch: BatchRef {
                batch_id: BatchId::parse("b1").unwrap(),
                name: "monday".into(),
                attempt: 1,
            },
            source: Source::Folder {
                orders: "data/input/monday/orders.csv".into(),
                barcodes: "data/input/monday/barcodes.csv".into(),
            },
            inputs: Inputs {
                orders: file("batches/b1/orders.csv"),
                barcodes: file("batches/b1/barcodes.csv"),
            },
            received_at: time::macros::datetime!(2026-11-24 10:00:00 UTC),
        };
        let v = serde_json::to_value(&w).unwrap();
        assert_eq!(v["batch_id"], "b1");
        assert_eq!(v["attempt"], 1);
        assert_eq!(v["source"]["kind"], "folder");
        assert_eq!(v["inputs"]["orders"]["key"], "batches/b1/orders.csv");
        assert_eq!(v["received_at"], "2026-11-24T10:00:00Z");
        let back: ValidateWork = serde_json::from_value(v).unwrap();
        assert_eq!(back, w);
        assert_eq!(ValidateWork::STAGE, Stage::Validate);
    }

    #[test]
    fn notices_carry_their_kind() {
        let n = Notice {
            batch_id: BatchId::parse("b1").unwrap(),
            name: "again".into(),
            at: time::macros::datetime!(2026-11-24 10:00:00 UTC),
            kind: NoticeKind::Repeat {
                status: BatchStatus::Completed,
                source: Source::Upload {
                    orders: "o.csv".into(),
                    barcodes: "b.csv".into(),
                },
            },
            message: "repeat".into(),
        };
        let v = serde_json::to_value(&n).unwrap();
        assert_eq!(v["kind"], "repeat");
        assert_eq!(v["status"], "completed");
        assert_eq!(serde_json::from_value::<Notice>(v).unwrap(), n);
    }
}
