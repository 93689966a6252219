//! The start of a partitioned merge: every valid row of the batch to its partition's
//! object, read from the validated chunks as the whole merge reads them.

use super::store::{Parts, Pending};
use crate::books::{check_counts, wrong_rows};
use crate::error::MergeError;
use crate::reader::{read_chunks, RawChunk};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::io;
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_contract::{ChunkHead, ChunkVisitor, MergeWork, PartObject};
use tiqets_domain::partition::codec::{put_barcode, put_issue, put_order};
use tiqets_domain::partition::{Plan, StepIssues};
use tiqets_domain::{BarcodeRow, FileKind, Issue, IssueCounts, NotItemised, OrderRow};
use tokio::sync::mpsc;

/// What the split found, stored as `split/done` once every row is in its partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitFigures {
    pub parts: u32,
    /// Valid rows of each file.
    pub order_rows: u64,
    pub barcode_rows: u64,
    /// The validator's issues of `orders.csv`, then of `barcodes.csv`.
    pub found: Vec<StepIssues>,
}

/// Bytes of a partition gathered before they go to its object.
const PIECE: usize = 256 << 10;
/// Pieces of each partition on their way to the store: with the one being gathered, about
/// `parts × 3 × PIECE` in memory per file.
const AHEAD: usize = 2;

/// Splits `work`'s batch into `plan`'s partitions, unless it was split already (a
/// redelivery); returns what the split found, and so the partitions to go on with.
pub async fn split(
    bus: &Bus,
    work: &MergeWork,
    plan: Plan,
    wait: Duration,
) -> Result<SplitFigures, MergeError> {
    let parts = Parts::open(bus, &work.batch).await?;
    if let Some(done) = parts.json::<SplitFigures>(PartObject::SplitDone).await? {
        // Its steps may be running: the batch goes on in the partitions it was split into,
        // even if the budget changed since.
        tracing::info!(parts = done.parts, "split already");
        return Ok(done);
    }
    let (orders, barcodes) = tokio::try_join!(
        split_file(bus, &parts, work, FileKind::Orders, plan, wait),
        split_file(bus, &parts, work, FileKind::Barcodes, plan, wait),
    )?;
    let figures = SplitFigures {
        parts: plan.parts(),
        order_rows: orders.rows,
        barcode_rows: barcodes.rows,
        found: vec![orders.found(), barcodes.found()],
    };
    parts.put_json(PartObject::SplitDone, &figures).await?;
    Ok(figures)
}

/// One file's rows going to their partitions, and its issues to its issue run (the last
/// of `out`).
struct Splitter {
    file: FileKind,
    plan: Plan,
    out: Vec<Vec<u8>>,
    rows: u64,
    itemised: u64,
    counts: IssueCounts,
    not_itemised: Vec<NotItemised>,
    /// Rows of the other file met (a corrupt chunk).
    foreign: u64,
}

impl Splitter {
    fn new(file: FileKind, plan: Plan) -> Splitter {
        Splitter {
            file,
            plan,
            out: vec![Vec::new(); plan.parts() as usize + 1],
            rows: 0,
            itemised: 0,
            counts: IssueCounts::default(),
            not_itemised: Vec::new(),
            foreign: 0,
        }
    }

    fn visit(&mut self, chunk: RawChunk) -> Result<(), MergeError> {
        let (file, seq) = (self.file, chunk.head.seq);
        if chunk.head.file != file {
            return Err(wrong_rows(file, seq));
        }
        ChunkHead::visit(&chunk.payload, self).map_err(|e| MergeError::Corrupt {
            file: file.file_name(),
            seq,
            message: e.to_string(),
        })?;
        if self.foreign > 0 {
            return Err(wrong_rows(file, seq));
        }
        Ok(())
    }

    /// The outputs holding at least `at_least` bytes (all of them with 0), taken.
    fn take(&mut self, at_least: usize) -> Vec<(usize, Bytes)> {
        let mut full = Vec::new();
        for (i, buf) in self.out.iter_mut().enumerate() {
            if !buf.is_empty() && buf.len() >= at_least {
                let bytes = std::mem::replace(buf, Vec::with_capacity(PIECE + 4096));
                full.push((i, Bytes::from(bytes)));
            }
        }
        full
    }

    fn found(&self) -> StepIssues {
        StepIssues {
            counts: self.counts,
            not_itemised: self.not_itemised.clone(),
        }
    }
}

impl ChunkVisitor for Splitter {
    fn order(&mut self, row: OrderRow) {
        if self.file != FileKind::Orders {
            self.foreign += 1;
            return;
        }
        self.rows += 1;
        put_order(
            &mut self.out[self.plan.of_order(row.order_id) as usize],
            &row,
        );
    }

    fn barcode(&mut self, row: BarcodeRow<'_>) {
        if self.file != FileKind::Barcodes {
            self.foreign += 1;
            return;
        }
        self.rows += 1;
        let b = row.barcode.as_bytes();
        let out = &mut self.out[self.plan.of_barcode(b) as usize];
        put_barcode(out, row.line, row.order_id, b);
    }

    fn issue(&mut self, issue: Issue) {
        self.itemised += 1;
        self.counts.add(issue.code);
        let run = self.out.last_mut().expect("the issue run");
        put_issue(run, &issue);
    }

    fn not_itemised(&mut self, n: NotItemised) {
        self.counts.add_n(n.code, n.count);
        self.not_itemised.push(n);
    }
}

/// Reads `file`'s chunks into its partitions' objects (and its issues into its issue run).
async fn split_file(
    bus: &Bus,
    parts: &Parts,
    work: &MergeWork,
    file: FileKind,
    plan: Plan,
    wait: Duration,
) -> Result<Splitter, MergeError> {
    let objects = (0..plan.parts())
        .map(|p| match file {
            FileKind::Orders => PartObject::Orders(p),
            FileKind::Barcodes => PartObject::Barcodes(p),
        })
        .chain([PartObject::SplitIssues(file)]);
    let (senders, pending): (Vec<_>, Vec<Pending>) =
        objects.map(|o| parts.put_async(o, AHEAD)).unzip();
    let mut sizes = vec![0u64; senders.len()];
    let mut splitter = Splitter::new(file, plan);
    let set = work.announced(file).cloned();
    let read = read_chunks(bus, &work.batch, file, set.as_ref(), wait, |chunk| {
        let visited = splitter.visit(chunk);
        let full = splitter.take(PIECE);
        let to: Vec<_> = full.iter().map(|(i, _)| senders[*i].clone()).collect();
        for (i, b) in &full {
            sizes[*i] += b.len() as u64;
        }
        async move {
            visited?;
            send(full, to).await
        }
    })
    .await;
    let read = match read {
        Ok(_) => {
            let counted = (splitter.rows, splitter.itemised);
            check_counts(file, counted, set.as_ref())
        }
        Err(e) => Err(e),
    };
    let sent = match read {
        Ok(()) => {
            let rest = splitter.take(0);
            let to: Vec<_> = rest.iter().map(|(i, _)| senders[*i].clone()).collect();
            for (i, b) in &rest {
                sizes[*i] += b.len() as u64;
            }
            send(rest, to).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = &sent {
        // Fail every object rather than store a part of it.
        for tx in &senders {
            let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
        }
    }
    drop(senders);
    let mut stored = Ok(());
    for (p, size) in pending.into_iter().zip(sizes) {
        let written = match &sent {
            Ok(()) => Ok(size),
            Err(e) => Err(io::Error::other(e.to_string())),
        };
        let r = p.stored(parts, written).await;
        if stored.is_ok() {
            stored = r;
        }
    }
    sent?;
    stored?;
    Ok(splitter)
}

/// Sends each piece to its object.
async fn send(
    pieces: Vec<(usize, Bytes)>,
    to: Vec<mpsc::Sender<io::Result<Bytes>>>,
) -> Result<(), MergeError> {
    for ((_, piece), tx) in pieces.into_iter().zip(to) {
        tx.send(Ok(piece)).await.map_err(|_| MergeError::Part {
            key: "a partition".into(),
            message: "its upload stopped".into(),
        })?;
    }
    Ok(())
}
