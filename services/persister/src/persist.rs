//! The persist stage: one [`PersistWork`] becomes the batch's rows in PostgreSQL, its output
//! files, and the `persisting` / `completed` status events.
//!
//! Idempotent: the rows are replaced atomically (loaded side by side, made the results in one
//! transaction: see [`tiqets_store::writer`]) and
//! the files renamed into place, so a redelivered message (a crash before the ack) gives the
//! same result. A batch already completed for this attempt, with its files in place, is only
//! reported `completed` again.

use crate::error::PersistError;
use crate::output::OutputFiles;
use crate::results::ResultStream;
use crate::retention::{Remover, Retention};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tiqets_bus::{Bus, Outcome, WorkHandler};
use tiqets_contract::{
    BatchCounts, BatchStatus, PersistWork, Progress, ResultFile, ResultRef, StatusEvent,
};
use tiqets_domain::output::{IssuesCsv, ProcessedOrdersCsv, UnusedBarcodesCsv};
use tiqets_store::{queries, BatchWriter, Pool};

/// How often a long persist reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Handles persist work. Cheap to clone.
#[derive(Clone)]
pub struct Persister {
    bus: Bus,
    pool: Pool,
    output_dir: PathBuf,
    /// Deletes what the retention settings do not keep, after each completed batch.
    retention: Option<(Remover, Retention)>,
}

impl WorkHandler<PersistWork> for Persister {
    async fn handle(&self, work: PersistWork) -> Outcome {
        self.handle(&work).await
    }
}

impl Persister {
    pub fn new(bus: Bus, pool: Pool, output_dir: impl Into<PathBuf>) -> Persister {
        Persister {
            bus,
            pool,
            output_dir: output_dir.into(),
            retention: None,
        }
    }

    /// Prunes by `policy` with `remover` after each completed batch.
    pub fn with_retention(mut self, remover: Remover, policy: Retention) -> Persister {
        self.retention = Some((remover, policy));
        self
    }

    /// Persists `work` and says what to do with its message.
    pub async fn handle(&self, work: &PersistWork) -> Outcome {
        let started = Instant::now();
        let b = &work.batch;
        match tiqets_store::deleted_attempt(&self.pool, b.batch_id.as_str(), b.attempt).await {
            Ok(true) => {
                tracing::info!(batch_id = %b.batch_id, attempt = b.attempt, "the batch was deleted; its late work is skipped");
                return Outcome::Ack;
            }
            Ok(false) => {}
            Err(e) => return Outcome::of(&PersistError::from(e)),
        }
        match self.run(work).await {
            Ok(counts) => {
                tracing::info!(
                    batch_id = %work.batch.batch_id,
                    orders = counts.orders_written,
                    issues = counts.issues,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "batch persisted"
                );
                Outcome::Ack
            }
            Err(e) => Outcome::of(&e),
        }
    }

    async fn run(&self, work: &PersistWork) -> Result<BatchCounts, PersistError> {
        let b = &work.batch;
        // Whether this delivery wrote the orders (their sold barcodes are then replaced).
        let mut wrote = false;
        let counts = match self.already_persisted(work).await? {
            Some(counts) => {
                tracing::info!(batch_id = %b.batch_id, "already persisted; reporting completed again");
                counts
            }
            None => {
                wrote = true;
                let persisting = StatusEvent::new(
                    b.batch_id.clone(),
                    b.name.clone(),
                    BatchStatus::Persisting,
                    b.attempt,
                );
                self.bus.publish_status(&persisting).await?;
                self.persist(work).await?
            }
        };
        let completed = StatusEvent::new(
            b.batch_id.clone(),
            b.name.clone(),
            BatchStatus::Completed,
            b.attempt,
        )
        .with_counts(counts.clone());
        self.bus.publish_status(&completed).await?;
        // After `completed`, off its path (a redelivery does them again, each idempotent):
        // the sold barcodes, the lookup indexes, then the changes since the batch before
        // (which read them).
        crate::sold::load(&self.bus, &self.pool, work, wrote).await?;
        let id = b.batch_id.as_str();
        let started = Instant::now();
        tiqets_store::index_lookups(&self.pool, id).await?;
        let lookups_ms = started.elapsed().as_millis() as u64;
        tracing::info!(batch_id = id, lookups_ms, "lookup indexes built");
        crate::changes::store_since_previous(&self.pool, id).await?;
        if let Some((remover, policy)) = &self.retention {
            // After `completed`: the batch just persisted is the current one, never deleted.
            match remover.prune(policy).await {
                Ok(deleted) if !deleted.is_empty() => {
                    tracing::info!(deleted = deleted.len(), "retention deleted old batches")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "retention did not finish; it runs again after the next batch")
                }
            }
        }
        Ok(counts)
    }

    /// The recorded counts when this attempt (or a later one) is completed and its files are
    /// in place.
    async fn already_persisted(
        &self,
        work: &PersistWork,
    ) -> Result<Option<BatchCounts>, PersistError> {
        let id = work.batch.batch_id.as_str();
        let Some(batch) = queries::batch(&self.pool, id).await? else {
            return Ok(None);
        };
        if batch.status != BatchStatus::Completed || batch.attempt < work.batch.attempt {
            return Ok(None);
        }
        for file in [ResultFile::ProcessedOrders, ResultFile::Issues] {
            if !OutputFiles::exists(&self.output_dir, id, file.file_name()).await {
                return Ok(None);
            }
        }
        Ok(batch.counts)
    }

    /// Replaces the batch's rows and output files with the work's results, without
    /// publishing anything. Returns the counts as stored.
    #[tracing::instrument(name = "persist", skip_all, fields(batch_id = %work.batch.batch_id))]
    pub async fn persist(&self, work: &PersistWork) -> Result<BatchCounts, PersistError> {
        let b = &work.batch;
        let result = |file: ResultFile| {
            work.result(file)
                .ok_or(PersistError::MissingResult(file.file_name()))
        };
        let (processed, issues, unused) = (
            result(ResultFile::ProcessedOrders)?,
            result(ResultFile::Issues)?,
            result(ResultFile::UnusedBarcodes)?,
        );
        let files = self.bus.files().await?;
        let progress = ProgressReport::new(self, work, [processed, issues, unused]);
        let mut out = OutputFiles::create(&self.output_dir, b.batch_id.as_str()).await?;
        let orders_tee = out.file(ResultFile::ProcessedOrders.file_name()).await?;
        let issues_tee = out.file(ResultFile::Issues.file_name()).await?;
        let mut writer = BatchWriter::begin(&self.pool, &b.batch_id).await?;
        // Each table on a connection of its own: the server copies and indexes the orders
        // while it copies the issues and the unused barcodes.
        let orders_copy = writer.orders().await?;
        let issues_copy = writer.issues().await?;

        // Each line goes from the object's bytes, read by the domain's reader of its format,
        // into the COPY buffer, typed: no other copy of it is made.
        let orders = async {
            let t = Instant::now();
            let mut stream =
                ResultStream::<ProcessedOrdersCsv>::open(&files, processed, Some(orders_tee))
                    .await?;
            let mut copy = orders_copy;
            while stream.step(|line| Ok(copy.add(&line)?)).await? {
                copy.send().await?;
                progress.read(0, stream.bytes());
            }
            let written = copy.finish().await?;
            let orders_ms = t.elapsed().as_millis() as u64;
            Ok::<_, PersistError>((written, orders_ms))
        };
        let rest = async {
            let t = Instant::now();
            let mut stream =
                ResultStream::<IssuesCsv>::open(&files, issues, Some(issues_tee)).await?;
            let mut copy = issues_copy;
            while stream.step(|line| Ok(copy.add_line(&line)?)).await? {
                copy.send().await?;
                progress.read(1, stream.bytes());
            }
            let issues_written = copy.finish().await?;
            let issues_ms = t.elapsed().as_millis() as u64;

            let t = Instant::now();
            let mut stream = ResultStream::<UnusedBarcodesCsv>::open(&files, unused, None).await?;
            let mut copy = writer.unused().await?;
            while stream.step(|line| Ok(copy.add(&line)?)).await? {
                copy.send().await?;
                progress.read(2, stream.bytes());
            }
            let unused_written = copy.finish().await?;
            let unused_ms = t.elapsed().as_millis() as u64;
            Ok::<_, PersistError>((issues_written, issues_ms, unused_written, unused_ms))
        };
        // Boxed: the two loads are large futures (a test thread's stack overflowed in debug).
        let both = async { tokio::try_join!(Box::pin(orders), Box::pin(rest)) };
        let ((orders, orders_ms), (issues, issues_ms, unused, unused_ms)) = tokio::select! {
            r = both => r?,
            _ = progress.report() => unreachable!("reports until dropped"),
        };

        let stored = BatchCounts {
            orders_written: orders.rows(),
            tickets: orders.tickets(),
            customers: orders.customers(),
            unused_barcodes: unused.rows(),
            issues: issues.total(),
            issues_by_code: issues.by_code().clone(),
            issues_not_itemised: issues.not_itemised().to_vec(),
            ..BatchCounts::default()
        };
        check_counts(&stored, &work.counts)?;
        writer.set_input_rows(work.counts.order_rows, work.counts.barcode_rows);
        // Files first: once the database says `completed`, the files are there.
        out.publish().await?;
        let t = Instant::now();
        let (counts, recorded) = writer
            .commit(&b.name, b.attempt, orders, unused, issues)
            .await?;
        let commit_ms = t.elapsed().as_millis() as u64;
        tracing::info!(
            orders_ms,
            issues_ms,
            unused_ms,
            commit_ms,
            ?recorded,
            "persist phases"
        );
        Ok(counts)
    }
}

/// The stored figures must be the merger's: anything else means the objects and the work
/// message disagree.
fn check_counts(stored: &BatchCounts, expected: &BatchCounts) -> Result<(), PersistError> {
    let pairs = [
        (
            "orders_written",
            stored.orders_written,
            expected.orders_written,
        ),
        ("tickets", stored.tickets, expected.tickets),
        ("customers", stored.customers, expected.customers),
        (
            "unused_barcodes",
            stored.unused_barcodes,
            expected.unused_barcodes,
        ),
        ("issues", stored.issues, expected.issues),
    ];
    for (what, got, want) in pairs {
        if got != want {
            return Err(PersistError::Mismatch {
                file: "results",
                message: format!("{what}: the files hold {got}, the work says {want}"),
            });
        }
    }
    let nonzero = |c: &BatchCounts| {
        c.issues_by_code
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (*k, *n))
            .collect::<Vec<_>>()
    };
    if nonzero(stored) != nonzero(expected) {
        return Err(PersistError::Mismatch {
            file: ResultFile::Issues.file_name(),
            message: "issue counts per code differ from the work's".into(),
        });
    }
    if stored.issues_not_itemised != expected.issues_not_itemised {
        return Err(PersistError::Mismatch {
            file: ResultFile::Issues.file_name(),
            message: "the issues not itemised differ from the work's".into(),
        });
    }
    Ok(())
}

/// Publishes `persisting` progress every [`PROGRESS_EVERY`] (best effort) while the result
/// files are read, several at once.
struct ProgressReport<'a> {
    persister: &'a Persister,
    work: &'a PersistWork,
    total: u64,
    /// Bytes read of each file.
    read: [AtomicU64; 3],
}

impl<'a> ProgressReport<'a> {
    fn new(persister: &'a Persister, work: &'a PersistWork, refs: [&ResultRef; 3]) -> Self {
        ProgressReport {
            persister,
            work,
            total: refs.iter().map(|r| r.size).sum(),
            read: Default::default(),
        }
    }

    /// `bytes` of file `i` (of the three given to [`ProgressReport::new`]) are read.
    fn read(&self, i: usize, bytes: u64) {
        self.read[i].store(bytes, Ordering::Relaxed);
    }

    /// Reports until dropped.
    async fn report(&self) {
        let mut ticker = tokio::time::interval(PROGRESS_EVERY);
        ticker.tick().await; // immediate: `persisting` was just published
        loop {
            ticker.tick().await;
            let b = &self.work.batch;
            let event = StatusEvent::new(
                b.batch_id.clone(),
                b.name.clone(),
                BatchStatus::Persisting,
                b.attempt,
            )
            .with_progress(Progress {
                file: None,
                done_bytes: self.read.iter().map(|r| r.load(Ordering::Relaxed)).sum(),
                total_bytes: self.total,
                rows: 0,
            });
            if let Err(e) = self.persister.bus.publish_progress(&event).await {
                tracing::warn!(error = %e, "progress not published");
            }
        }
    }
}
