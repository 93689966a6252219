//! Every NATS name of the pipeline, spelled once, from the namespace.
//!
//! Nothing else in the project writes a subject, stream, consumer, bucket or object key by
//! hand: it asks a [`Names`]. A namespace lets several stacks or test runs share one server.

use std::fmt;
use tiqets_domain::FileKind;

/// A pipeline stage that consumes work (and so has a durable consumer and a dead-letter
/// subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Validate,
    Merge,
    Persist,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Validate, Stage::Merge, Stage::Persist];

    /// `validate`, `merge` or `persist`: the last token of the stage's work subject.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Validate => "validate",
            Stage::Merge => "merge",
            Stage::Persist => "persist",
        }
    }

    /// The durable consumer's name: `validator`, `merger` or `persister`.
    pub fn consumer(self) -> &'static str {
        match self {
            Stage::Validate => "validator",
            Stage::Merge => "merger",
            Stage::Persist => "persister",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file the merger writes for the persister, stored at [`Names::result_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultFile {
    /// `processed_orders.csv`: `customer_id,order_id,barcodes`, the output file itself.
    ProcessedOrders,
    /// `issues.csv`: `file,line,code,message`, in report order.
    Issues,
    /// `unused_barcodes.csv`: `barcode,line`, in `barcodes.csv` line order.
    UnusedBarcodes,
}

impl ResultFile {
    pub const ALL: [ResultFile; 3] = [
        ResultFile::ProcessedOrders,
        ResultFile::Issues,
        ResultFile::UnusedBarcodes,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            ResultFile::ProcessedOrders => "processed_orders.csv",
            ResultFile::Issues => "issues.csv",
            ResultFile::UnusedBarcodes => "unused_barcodes.csv",
        }
    }
}

/// An object of a partitioned merge, under [`Names::part_key`] (`docs/events.md`, "The
/// partitioned merge").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartObject {
    /// `split/orders/{part}`: the valid order rows of a partition.
    Orders(u32),
    /// `split/barcodes/{part}`: the valid barcode rows of a partition.
    Barcodes(u32),
    /// `split/issues/{file}`: the validator's issues of a file.
    SplitIssues(FileKind),
    /// `split/done`: the split's figures, written once every object of the split is.
    SplitDone,
    /// `b{from}/sold/{to}`: the kept barcodes of barcode partition `from` sold to orders of
    /// partition `to`.
    Sold { from: u32, to: u32 },
    /// `b{part}/unused`: lines of `unused_barcodes.csv`.
    Unused(u32),
    /// `b{part}/issues`
    BarcodeIssues(u32),
    /// `b{part}/done`: the barcode step's figures, written last.
    BarcodesDone(u32),
    /// `o{part}/processed`: lines of `processed_orders.csv`.
    Processed(u32),
    /// `o{part}/issues`
    OrderIssues(u32),
    /// `o{part}/done`: the order step's figures, written last.
    OrdersDone(u32),
}

impl PartObject {
    /// Every object of a merge in `parts` partitions, `split/done` last: deleted in this
    /// order, an attempt without its `split/done` has no other object left.
    pub fn all(parts: u32) -> Vec<PartObject> {
        let mut all = vec![
            PartObject::SplitIssues(FileKind::Orders),
            PartObject::SplitIssues(FileKind::Barcodes),
        ];
        for p in 0..parts {
            all.extend([
                PartObject::Orders(p),
                PartObject::Barcodes(p),
                PartObject::Unused(p),
                PartObject::BarcodeIssues(p),
                PartObject::BarcodesDone(p),
                PartObject::Processed(p),
                PartObject::OrderIssues(p),
                PartObject::OrdersDone(p),
            ]);
            all.extend((0..parts).map(|to| PartObject::Sold { from: p, to }));
        }
        all.push(PartObject::SplitDone);
        all
    }
}

/// The records' format in the partition objects (`tiqets_domain::partition::codec`), part
/// of their keys: a step of a merger of another format finds none of a batch's objects
/// (its split is redone, or its step fails and the batch can be retried) rather than reading
/// records it would misread.
pub const PART_FORMAT: &str = "v2";

impl fmt::Display for PartObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartObject::Orders(p) => write!(f, "split/orders/{p}"),
            PartObject::Barcodes(p) => write!(f, "split/barcodes/{p}"),
            PartObject::SplitIssues(file) => write!(f, "split/issues/{}", file.as_str()),
            PartObject::SplitDone => f.write_str("split/done"),
            PartObject::Sold { from, to } => write!(f, "b{from}/sold/{to}"),
            PartObject::Unused(p) => write!(f, "b{p}/unused"),
            PartObject::BarcodeIssues(p) => write!(f, "b{p}/issues"),
            PartObject::BarcodesDone(p) => write!(f, "b{p}/done"),
            PartObject::Processed(p) => write!(f, "o{p}/processed"),
            PartObject::OrderIssues(p) => write!(f, "o{p}/issues"),
            PartObject::OrdersDone(p) => write!(f, "o{p}/done"),
        }
    }
}

/// The names of one namespace. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Names {
    ns: String,
}

impl Names {
    /// Names under namespace `ns`. It must be a valid subject token and stream name:
    /// ASCII letters, digits, `-` and `_`. The namespace is a setting (`TIQETS_NAMESPACE`):
    /// its default and that check are `tiqets_config`'s (`DEFAULT_NAMESPACE`,
    /// `env::is_valid_namespace`), which reads it.
    pub fn new(ns: impl Into<String>) -> Names {
        Names { ns: ns.into() }
    }

    pub fn namespace(&self) -> &str {
        &self.ns
    }

    // ---- subjects -------------------------------------------------------------------------

    /// `{ns}.work.{stage}`: the work queue subject of a stage.
    pub fn work(&self, stage: Stage) -> String {
        format!("{}.work.{}", self.ns, stage.as_str())
    }

    /// `{ns}.work.validate`
    pub fn work_validate(&self) -> String {
        self.work(Stage::Validate)
    }

    /// `{ns}.work.merge`
    pub fn work_merge(&self) -> String {
        self.work(Stage::Merge)
    }

    /// `{ns}.work.persist`
    pub fn work_persist(&self) -> String {
        self.work(Stage::Persist)
    }

    /// `{ns}.rows.{batch}.{attempt}.{orders|barcodes}`: validated row chunks of one file of
    /// one attempt (a retried batch never reads an earlier attempt's chunks).
    pub fn rows(&self, batch: &str, attempt: u32, file: FileKind) -> String {
        format!("{}.rows.{batch}.{attempt}.{}", self.ns, file.as_str())
    }

    /// `{ns}.rows.{batch}.>`: every chunk of a batch (for purging).
    pub fn rows_of_batch(&self, batch: &str) -> String {
        format!("{}.rows.{batch}.>", self.ns)
    }

    /// `{ns}.rows.{batch}.{attempt}.>`: every chunk of one attempt (for purging).
    pub fn rows_of_attempt(&self, batch: &str, attempt: u32) -> String {
        format!("{}.rows.{batch}.{attempt}.>", self.ns)
    }

    /// `{ns}.status.{batch}`: status events of one batch.
    pub fn status(&self, batch: &str) -> String {
        format!("{}.status.{batch}", self.ns)
    }

    /// `{ns}.status.*`: status events of every batch.
    pub fn status_all(&self) -> String {
        format!("{}.status.*", self.ns)
    }

    /// `{ns}.notice.{batch}`: notices about a batch that change no status (a repeat).
    pub fn notice(&self, batch: &str) -> String {
        format!("{}.notice.{batch}", self.ns)
    }

    /// `{ns}.notice.*`
    pub fn notice_all(&self) -> String {
        format!("{}.notice.*", self.ns)
    }

    /// `{ns}.admin.delete`: requests to delete a batch (core NATS request/reply, answered by
    /// a persister).
    pub fn admin_delete(&self) -> String {
        format!("{}.admin.delete", self.ns)
    }

    /// `{ns}.admin.record`: what PostgreSQL holds of a batch (core NATS request/reply,
    /// answered by a persister; [`crate::RecordRequest`]).
    pub fn admin_record(&self) -> String {
        format!("{}.admin.record", self.ns)
    }

    /// `{ns}.dead.{stage}`: messages a stage gave up on.
    pub fn dead(&self, stage: Stage) -> String {
        format!("{}.dead.{}", self.ns, stage.as_str())
    }

    /// `{ns}.dead.status`: status events the status recorder gave up on.
    pub fn dead_status(&self) -> String {
        format!("{}.dead.status", self.ns)
    }

    // ---- streams ----------------------------------------------------------------------------

    /// `{ns}_WORK`: work queue over `{ns}.work.>`.
    pub fn work_stream(&self) -> String {
        format!("{}_WORK", self.ns)
    }

    /// `{ns}.work.>`
    pub fn work_subjects(&self) -> String {
        format!("{}.work.>", self.ns)
    }

    /// `{ns}_ROWS`: validated row chunks over `{ns}.rows.>`.
    pub fn rows_stream(&self) -> String {
        format!("{}_ROWS", self.ns)
    }

    /// `{ns}.rows.>`
    pub fn rows_subjects(&self) -> String {
        format!("{}.rows.>", self.ns)
    }

    /// `{ns}_STATUS`: status events and notices.
    pub fn status_stream(&self) -> String {
        format!("{}_STATUS", self.ns)
    }

    /// `{ns}.status.>` and `{ns}.notice.>`
    pub fn status_subjects(&self) -> Vec<String> {
        vec![
            format!("{}.status.>", self.ns),
            format!("{}.notice.>", self.ns),
        ]
    }

    /// `{ns}_DEAD`: dead letters over `{ns}.dead.>`.
    pub fn dead_stream(&self) -> String {
        format!("{}_DEAD", self.ns)
    }

    /// `{ns}.dead.>`
    pub fn dead_subjects(&self) -> String {
        format!("{}.dead.>", self.ns)
    }

    // ---- consumers ----------------------------------------------------------------------------

    /// The durable consumer of a stage on the work stream: `validator`, `merger`,
    /// `persister`. (Consumer names are scoped to their stream, which carries the namespace.)
    pub fn consumer(&self, stage: Stage) -> &'static str {
        stage.consumer()
    }

    /// `status-recorder`: the persister's durable consumer on the status stream, filtered on
    /// [`Names::status_all`].
    pub fn status_consumer(&self) -> &'static str {
        "status-recorder"
    }

    // ---- object store ---------------------------------------------------------------------

    /// `{ns}_files`: the object store bucket of input files and results.
    pub fn files_bucket(&self) -> String {
        format!("{}_files", self.ns)
    }

    /// `OBJ_{ns}_files`: the stream that holds the file bucket.
    pub fn files_stream(&self) -> String {
        format!("OBJ_{}", self.files_bucket())
    }

    /// `$O.{ns}_files.C.{nuid}`: the chunks of the stored object whose `nuid` it is.
    pub fn object_chunks(&self, nuid: &str) -> String {
        format!("$O.{}.C.{nuid}", self.files_bucket())
    }

    /// `batches/{batch}/orders.csv` or `batches/{batch}/barcodes.csv`.
    pub fn input_key(&self, batch: &str, file: FileKind) -> String {
        format!("batches/{batch}/{}", file.file_name())
    }

    /// `batches/{batch}/results/{file}`: what the merger hands to the persister.
    pub fn result_key(&self, batch: &str, file: ResultFile) -> String {
        format!("batches/{batch}/results/{}", file.file_name())
    }

    /// `batches/{batch}/parts/{attempt}/{PART_FORMAT}/{part object}`: what the steps of a
    /// partitioned merge hand each other ([`PartObject`]).
    pub fn part_key(&self, batch: &str, attempt: u32, object: PartObject) -> String {
        format!("batches/{batch}/parts/{attempt}/{PART_FORMAT}/{object}")
    }

    /// `batches/{batch}/`: the prefix of every object of a batch.
    pub fn batch_prefix(&self, batch: &str) -> String {
        format!("batches/{batch}/")
    }

    // ---- message ids ----------------------------------------------------------------------------

    /// `{batch}.{stage}.{attempt}`: `Nats-Msg-Id` of a batch's work message.
    pub fn work_msg_id(&self, batch: &str, stage: Stage, attempt: u32) -> String {
        format!("{batch}.{}.{attempt}", stage.as_str())
    }

    /// `{batch}.{file}.{seq}.{attempt}`: `Nats-Msg-Id` of a row chunk.
    pub fn rows_msg_id(&self, batch: &str, file: FileKind, seq: u32, attempt: u32) -> String {
        format!("{batch}.{}.{seq}.{attempt}", file.as_str())
    }

    /// `{batch}.{file}.abort.{attempt}`: `Nats-Msg-Id` of a file's abort marker (see
    /// [`crate::chunk::ABORT_HEADER`]).
    pub fn rows_abort_msg_id(&self, batch: &str, file: FileKind, attempt: u32) -> String {
        format!("{batch}.{}.abort.{attempt}", file.as_str())
    }

    /// `{batch}.status.{status}.{attempt}`: `Nats-Msg-Id` of a lifecycle status event (progress
    /// updates within a status carry no id: they are not deduplicated).
    pub fn status_msg_id(&self, batch: &str, status: &str, attempt: u32) -> String {
        format!("{batch}.status.{status}.{attempt}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_prefixed_by_the_namespace() {
        let n = Names::new("t1");
        assert_eq!(n.work_validate(), "t1.work.validate");
        assert_eq!(n.work_merge(), "t1.work.merge");
        assert_eq!(n.work_persist(), "t1.work.persist");
        assert_eq!(n.rows("b1", 2, FileKind::Barcodes), "t1.rows.b1.2.barcodes");
        assert_eq!(n.rows_of_attempt("b1", 2), "t1.rows.b1.2.>");
        assert_eq!(n.rows_of_batch("b1"), "t1.rows.b1.>");
        assert_eq!(n.status("b1"), "t1.status.b1");
        assert_eq!(n.status_all(), "t1.status.*");
        assert_eq!(n.dead(Stage::Merge), "t1.dead.merge");
        assert_eq!(n.work_stream(), "t1_WORK");
        assert_eq!(n.status_stream(), "t1_STATUS");
        assert_eq!(n.files_bucket(), "t1_files");
        assert_eq!(n.files_stream(), "OBJ_t1_files");
        assert_eq!(n.object_chunks("N1"), "$O.t1_files.C.N1");
        assert_eq!(n.input_key("b1", FileKind::Orders), "batches/b1/orders.csv");
        assert_eq!(
            n.result_key("b1", ResultFile::ProcessedOrders),
            "batches/b1/results/processed_orders.csv"
        );
        let sold = PartObject::Sold { from: 2, to: 0 };
        assert_eq!(n.part_key("b1", 3, sold), "batches/b1/parts/3/v2/b2/sold/0");
        assert_eq!(PartObject::all(3).len(), 3 + 3 * 8 + 9);
        assert_eq!(PartObject::all(3).last(), Some(&PartObject::SplitDone));
    }
}
