//! The merger's handling of one [`MergeWork`]: chunks → domain merge → result objects →
//! `PersistWork`.

use crate::books::{Barcodes, Collected, Orders};
use crate::error::MergeError;
use crate::partitioned;
use crate::reader::{read_chunks, RawChunk};
use crate::results::Merged;
use crate::settings::Settings;
use crate::upload::upload;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tiqets_bus::{Bus, Outcome, WorkHandler};
use tiqets_contract::{
    BatchCounts, BatchStatus, MergeStep, MergeWork, PartObject, PersistWork, ResultFile, ResultRef,
    Stage, StatusEvent, Work,
};
use tiqets_domain::partition::Plan;
use tiqets_domain::{FileKind, IssueLimit, IssueLog};
use tokio_util::task::AbortOnDropHandle;

/// Merges batches. Cheap to clone.
#[derive(Clone)]
pub struct Merger {
    bus: Bus,
    chunk_wait: Duration,
    memory_bytes: u64,
}

impl Merger {
    pub fn new(bus: Bus, settings: &Settings) -> Merger {
        Merger {
            bus,
            chunk_wait: settings.chunk_wait,
            memory_bytes: settings.memory_bytes,
        }
    }

    /// Handles one message: reads the batch's chunks (while the validator still publishes
    /// them), publishes `merging`, merges them with the domain rules, stores the result
    /// objects and publishes `PersistWork`. Acks only once all of that was acknowledged;
    /// doing it again gives the same objects and message id. A batch the validator failed
    /// while its chunks were read is acked and left alone (it is `failed` already).
    ///
    /// A batch too large for [`Settings::memory_bytes`] is merged in partitions, a step at a
    /// time ([`crate::partitioned`]): this handles whichever step `work` is.
    pub async fn merge(&self, work: MergeWork) -> Outcome {
        let started = Instant::now();
        tracing::info!(step = ?work.step, "merge step started");
        let step = match work.step {
            MergeStep::Start => match partitioned::plan(&work, self.memory_bytes) {
                Ok(plan) if plan.parts() == 1 => self.run(&work).await.map(Some),
                Ok(plan) => self.split(&work, plan).await.map(|()| None),
                Err(e) => Err(e),
            },
            MergeStep::Barcodes { part, parts } => {
                partitioned::barcodes(&self.bus, &work, part, parts)
                    .await
                    .map(|()| None)
            }
            MergeStep::Orders { part, parts } => partitioned::orders(&self.bus, &work, part, parts)
                .await
                .map(|()| None),
            MergeStep::Combine { parts } => partitioned::combine(&self.bus, &work, parts).await,
        };
        let persist = match step {
            Ok(Some(persist)) => persist,
            Ok(None) => {
                tracing::info!(
                    step = ?work.step,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    peak_rss_mib = tiqets_telemetry::memory::peak_mib(),
                    "merge step done"
                );
                if !work.step.is_start() {
                    self.step_done(&work).await;
                }
                return Outcome::Ack;
            }
            Err(MergeError::Aborted { file, reason }) => {
                tracing::info!(file, %reason, "the validator failed the batch; nothing to merge");
                return Outcome::Ack;
            }
            Err(e) => {
                tracing::warn!(error = %e, "merge interrupted");
                return Outcome::of(&e);
            }
        };
        if let Err(e) = self.bus.publish_work(&persist).await {
            return Outcome::Retry(e.to_string());
        }
        if let MergeStep::Combine { parts } = work.step {
            // Sent: the partitions are not read again (a combine that runs again finds
            // them gone, and acks).
            self.delete_parts(&work, parts).await;
        }
        if work.rows().is_none() {
            // Work sent as validation started does not say its rows, so the consumer loop
            // cannot count them: they are counted here (acked just after this).
            let rows = persist.counts.order_rows + persist.counts.barcode_rows;
            tiqets_bus::metrics::count_rows(Stage::Merge, rows);
        }
        tracing::info!(
            orders_written = persist.counts.orders_written,
            tickets = persist.counts.tickets,
            unused_barcodes = persist.counts.unused_barcodes,
            issues = persist.counts.issues,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "batch merged"
        );
        tracing::info!(
            step = ?work.step,
            elapsed_ms = started.elapsed().as_millis() as u64,
            peak_rss_mib = tiqets_telemetry::memory::peak_mib(),
            "merge step done"
        );
        Outcome::Ack
    }

    /// Deletes the partition objects of `work`'s attempt, merged in `parts` partitions.
    async fn delete_parts(&self, work: &MergeWork, parts: u32) {
        let store = partitioned::Parts::open(&self.bus, &work.batch).await;
        let failed = match store {
            Ok(store) => store.delete(PartObject::all(parts)).await,
            Err(_) => 1,
        };
        if failed > 0 {
            tracing::warn!(failed, "partition objects left to the bucket's age limit");
        }
    }

    async fn run(&self, work: &MergeWork) -> Result<PersistWork, MergeError> {
        let t = Instant::now();
        let (orders, barcodes) = self.read(work).await?;
        let read_ms = t.elapsed().as_millis() as u64;
        self.merging(work, orders.rows, barcodes.rows).await?;
        self.finish(work, orders, barcodes, read_ms).await
    }

    /// `merging`, with the batch's input rows: its chunks are read (or split) and merged.
    async fn merging(
        &self,
        work: &MergeWork,
        order_rows: u64,
        barcode_rows: u64,
    ) -> Result<(), MergeError> {
        let b = &work.batch;
        let merging = StatusEvent::new(
            b.batch_id.clone(),
            b.name.clone(),
            BatchStatus::Merging,
            b.attempt,
        )
        .with_counts(BatchCounts {
            order_rows,
            barcode_rows,
            ..Default::default()
        });
        self.bus.publish_status(&merging).await?;
        Ok(())
    }

    /// A sign of life after each step of a partitioned merge: `merging` again, as a progress
    /// event (no counts, which keeps the recorded ones), so that the watchdog
    /// (`TIQETS_STALL_SECS`) measures the silence since the last step rather than since the
    /// split. Not published is only logged: the merge goes on without it.
    async fn step_done(&self, work: &MergeWork) {
        let b = &work.batch;
        let event = StatusEvent::new(
            b.batch_id.clone(),
            b.name.clone(),
            BatchStatus::Merging,
            b.attempt,
        );
        if let Err(e) = self.bus.publish_progress(&event).await {
            tracing::warn!(error = %e, "merge step's progress not published");
        }
    }

    /// The start of a partitioned merge: the batch split into `plan`'s partitions, then
    /// `merging`, and a barcode step per partition.
    async fn split(&self, work: &MergeWork, plan: Plan) -> Result<(), MergeError> {
        let figures = partitioned::split(&self.bus, work, plan, self.chunk_wait).await?;
        self.merging(work, figures.order_rows, figures.barcode_rows)
            .await?;
        let parts = figures.parts;
        for part in 0..parts {
            let step = MergeStep::Barcodes { part, parts };
            self.bus.publish_work(&work.with_step(step)).await?;
        }
        if work.rows().is_none() {
            let rows = figures.order_rows + figures.barcode_rows;
            tiqets_bus::metrics::count_rows(Stage::Merge, rows);
        }
        tracing::info!(parts, "batch split into partitions");
        Ok(())
    }

    /// Both files' chunks, each on a task of its own (decoding them is CPU work).
    async fn read(&self, work: &MergeWork) -> Result<(Orders, Barcodes), MergeError> {
        let hint = |file: FileKind| (work.announced(file), work.inputs.get(file).size);
        let (set, size) = hint(FileKind::Orders);
        let orders = Orders::with_hint(set, size);
        let (set, size) = hint(FileKind::Barcodes);
        let barcodes = Barcodes::with_hint(set, size);
        tokio::try_join!(
            self.read_file(work, FileKind::Orders, orders, Orders::add),
            self.read_file(work, FileKind::Barcodes, barcodes, Barcodes::add),
        )
    }

    /// Collects `file`'s chunks into `book` on a task of its own, and checks them against
    /// the announcement, if any.
    async fn read_file<B: Send + 'static>(
        &self,
        work: &MergeWork,
        file: FileKind,
        mut book: Collected<B>,
        add: fn(&mut Collected<B>, RawChunk) -> Result<(), MergeError>,
    ) -> Result<Collected<B>, MergeError> {
        let (bus, batch, wait) = (self.bus.clone(), work.batch.clone(), self.chunk_wait);
        let announced = work.announced(file).cloned();
        let task = tokio::spawn(async move {
            let set = announced.as_ref();
            read_chunks(&bus, &batch, file, set, wait, |c| {
                std::future::ready(add(&mut book, c))
            })
            .await?;
            book.check(file, set)?;
            Ok(book)
        });
        AbortOnDropHandle::new(task)
            .await
            .map_err(|e| MergeError::Task(e.to_string()))?
    }

    /// The merged batch as stored result objects.
    async fn finish(
        &self,
        work: &MergeWork,
        orders: Orders,
        barcodes: Barcodes,
        read_ms: u64,
    ) -> Result<PersistWork, MergeError> {
        let (order_rows, barcode_rows) = (orders.rows, barcodes.rows);
        let t = Instant::now();
        let merged = self.merged(orders, barcodes, work.issue_limit).await?;
        let merge_ms = t.elapsed().as_millis() as u64;
        let counts = merged.counts(order_rows, barcode_rows);
        let top_customers = merged.top_customers();
        let t = Instant::now();
        let results = self.store(work, Arc::new(merged)).await?;
        let store_ms = t.elapsed().as_millis() as u64;
        tracing::info!(read_ms, merge_ms, store_ms, "merge phases");
        Ok(PersistWork {
            batch: work.batch.clone(),
            inputs: work.inputs.clone(),
            results,
            counts,
            top_customers,
        })
    }

    /// The domain merge, on a blocking thread: it is CPU work. The validator itemised the
    /// first `limit` issues of each code and counted the rest; the merge itemises its own
    /// issues up to the same limit.
    async fn merged(
        &self,
        orders: Orders,
        barcodes: Barcodes,
        limit: IssueLimit,
    ) -> Result<Merged, MergeError> {
        tokio::task::spawn_blocking(move || {
            let mut issues = IssueLog::new(limit);
            let counted = orders.not_itemised.iter().chain(&barcodes.not_itemised);
            for n in counted {
                issues.count_more(n.file, n.code, n.count);
            }
            orders.issues.into_iter().for_each(|i| issues.push(i));
            barcodes.issues.into_iter().for_each(|i| issues.push(i));
            Merged {
                outcome: tiqets_domain::merge(orders.book, barcodes.book, issues),
            }
        })
        .await
        .map_err(|e| MergeError::Task(e.to_string()))
    }

    /// Writes every result file to the object store, all at once.
    async fn store(
        &self,
        work: &MergeWork,
        merged: Arc<Merged>,
    ) -> Result<Vec<ResultRef>, MergeError> {
        let files = self.bus.files().await?;
        let batch_id = work.batch.batch_id.as_str();
        let uploads = ResultFile::ALL.map(|file| {
            let key = self.bus.names().result_key(batch_id, file);
            let merged = merged.clone();
            let files = &files;
            async move {
                let rows = merged.rows(file);
                let stored = upload(files, &key, move |w| merged.write(file, w))
                    .await
                    .map_err(|e| MergeError::Upload {
                        key: key.clone(),
                        message: e.to_string(),
                    })?;
                Ok::<_, MergeError>(ResultRef {
                    file,
                    key,
                    sha256: stored.sha256,
                    size: stored.size,
                    rows,
                })
            }
        });
        futures::future::try_join_all(uploads).await
    }
}

impl WorkHandler<MergeWork> for Merger {
    async fn handle(&self, work: MergeWork) -> Outcome {
        self.merge(work).await
    }

    /// A partitioned merge whose attempt ended without this step (the batch failed, or was
    /// retried) would leave its partition objects in the file bucket until its age limit
    /// (7 days): they are deleted now, by the first of its steps to come here. The others
    /// find its `split/done` gone (deleted last) and leave it at that; so does a step of an
    /// attempt that completed, whose combine deleted them. What a replica still working on
    /// a step writes after that is left to the age limit.
    async fn abandoned(&self, work: MergeWork) {
        let parts = match work.step {
            MergeStep::Start => match partitioned::plan(&work, self.memory_bytes) {
                Ok(plan) => plan.parts(),
                Err(_) => return,
            },
            MergeStep::Barcodes { parts, .. }
            | MergeStep::Orders { parts, .. }
            | MergeStep::Combine { parts } => {
                let split = match partitioned::Parts::open(&self.bus, &work.batch).await {
                    Ok(store) => store.exists(PartObject::SplitDone).await,
                    Err(e) => Err(e),
                };
                if matches!(split, Ok(false)) {
                    return;
                }
                parts
            }
        };
        if parts > 1 {
            tracing::info!(
                parts,
                "the attempt ended: its partition objects are deleted"
            );
            self.delete_parts(&work, parts).await;
        }
    }
}
