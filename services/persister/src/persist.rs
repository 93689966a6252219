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
use crate::results::{number, text, Records, ResultStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tiqets_bus::{Bus, Outcome, WorkHandler};
use tiqets_contract::{
    BatchCounts, BatchStatus, PersistWork, Progress, ResultFile, ResultRef, StatusEvent,
};
use tiqets_domain::{FileKind, Issue, IssueCode, ISSUES_HEADER, PROCESSED_HEADER};
use tiqets_store::{queries, BatchWriter, IssuesCopy, OrdersCopy, Pool, UnusedCopy};

/// The header of `unused_barcodes.csv` (see [`ResultFile::UnusedBarcodes`]).
pub const UNUSED_HEADER: &str = "barcode,line";

/// How often a long persist reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Handles persist work. Cheap to clone.
#[derive(Clone)]
pub struct Persister {
    bus: Bus,
    pool: Pool,
    output_dir: PathBuf,
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
        }
    }

    /// Persists `work` and says what to do with its message.
    pub async fn handle(&self, work: &PersistWork) -> Outcome {
        let started = Instant::now();
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
        let counts = match self.already_persisted(work).await? {
            Some(counts) => {
                tracing::info!(batch_id = %b.batch_id, "already persisted; reporting completed again");
                counts
            }
            None => {
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

        let orders = async {
            let t = Instant::now();
            let header = PROCESSED_HEADER.trim_end();
            let mut stream =
                ResultStream::open(&files, processed, header, Some(orders_tee)).await?;
            let mut copy = orders_copy;
            let mut customers = Customers::default();
            while let Some(records) = stream.next().await? {
                write_orders(records, &mut copy, &mut customers).await?;
                progress.read(0, stream.bytes());
            }
            let written = copy.finish().await?;
            let orders_ms = t.elapsed().as_millis() as u64;
            Ok::<_, PersistError>((written, customers.count, orders_ms))
        };
        let rest = async {
            let t = Instant::now();
            let header = ISSUES_HEADER.trim_end();
            let mut stream = ResultStream::open(&files, issues, header, Some(issues_tee)).await?;
            let mut copy = issues_copy;
            while let Some(records) = stream.next().await? {
                write_issues(records, &mut copy).await?;
                progress.read(1, stream.bytes());
            }
            let issues_written = copy.finish().await?;
            let issues_ms = t.elapsed().as_millis() as u64;

            let t = Instant::now();
            let mut stream = ResultStream::open(&files, unused, UNUSED_HEADER, None).await?;
            let mut copy = writer.unused().await?;
            while let Some(records) = stream.next().await? {
                write_unused(records, &mut copy).await?;
                progress.read(2, stream.bytes());
            }
            let unused_written = copy.finish().await?;
            let unused_ms = t.elapsed().as_millis() as u64;
            Ok::<_, PersistError>((issues_written, issues_ms, unused_written, unused_ms))
        };
        // Boxed: the two loads are large futures (a test thread's stack overflowed in debug).
        let both = async { tokio::try_join!(Box::pin(orders), Box::pin(rest)) };
        let ((orders, customers, orders_ms), (issues, issues_ms, unused, unused_ms)) = tokio::select! {
            r = both => r?,
            _ = progress.report() => unreachable!("reports until dropped"),
        };

        let stored = BatchCounts {
            orders_written: orders.rows(),
            tickets: orders.tickets(),
            customers,
            unused_barcodes: unused.rows(),
            issues: issues.rows(),
            issues_by_code: issues.by_code().clone(),
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

/// Distinct customers of output rows sorted by customer.
#[derive(Default)]
struct Customers {
    last: Option<u64>,
    count: u64,
}

const PROCESSED: &str = "processed_orders.csv";
const ISSUES: &str = "issues.csv";
const UNUSED: &str = "unused_barcodes.csv";

fn fields(file: &'static str, line: u64, got: usize, want: usize) -> Result<(), PersistError> {
    if got == want {
        Ok(())
    } else {
        Err(PersistError::BadRow {
            file,
            line,
            message: format!("{got} fields, expected {want}"),
        })
    }
}

async fn write_orders(
    records: &Records,
    copy: &mut OrdersCopy,
    customers: &mut Customers,
) -> Result<(), PersistError> {
    for r in records.iter() {
        fields(PROCESSED, r.line, r.len(), 3)?;
        let customer_id = number(PROCESSED, r.line, r.field(0))?;
        let order_id = number(PROCESSED, r.line, r.field(1))?;
        let list = text(PROCESSED, r.line, r.field(2))?;
        let inner = list
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .ok_or_else(|| PersistError::BadRow {
                file: PROCESSED,
                line: r.line,
                message: format!("barcodes {list:?} are not a [list]"),
            })?;
        // The writer splits the list once, to count the tickets and refuse an empty barcode.
        copy.write(customer_id, order_id, inner).await?;
        if customers.last != Some(customer_id) {
            customers.last = Some(customer_id);
            customers.count += 1;
        }
    }
    Ok(())
}

async fn write_issues(records: &Records, copy: &mut IssuesCopy) -> Result<(), PersistError> {
    for r in records.iter() {
        fields(ISSUES, r.line, r.len(), 4)?;
        let bad = |message: String| PersistError::BadRow {
            file: ISSUES,
            line: r.line,
            message,
        };
        let file = match r.field(0) {
            b"orders" => FileKind::Orders,
            b"barcodes" => FileKind::Barcodes,
            other => {
                return Err(bad(format!(
                    "unknown file {:?}",
                    String::from_utf8_lossy(other)
                )))
            }
        };
        let line = number(ISSUES, r.line, r.field(1))?;
        let code = text(ISSUES, r.line, r.field(2))?;
        let code = IssueCode::parse(code).ok_or_else(|| bad(format!("unknown code {code:?}")))?;
        let message = text(ISSUES, r.line, r.field(3))?.to_owned();
        copy.write(&Issue::new(file, line, code, message)).await?;
    }
    Ok(())
}

async fn write_unused(records: &Records, copy: &mut UnusedCopy) -> Result<(), PersistError> {
    for r in records.iter() {
        fields(UNUSED, r.line, r.len(), 2)?;
        let barcode = text(UNUSED, r.line, r.field(0))?;
        let line = number(UNUSED, r.line, r.field(1))?;
        copy.write(barcode, line).await?;
    }
    Ok(())
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
            file: ISSUES,
            message: "issue counts per code differ from the work's".into(),
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
