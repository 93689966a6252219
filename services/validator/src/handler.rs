//! The validator's handling of one [`ValidateWork`]: both files at once, then `MergeWork`.

use crate::error::ValidateError;
use crate::file::{validate_file, FileJob};
use crate::progress::{self, Meter};
use crate::settings::Settings;
use async_nats::header::NATS_MESSAGE_ID;
use std::sync::Arc;
use std::time::Duration;
use tiqets_bus::metrics::count_rows;
use tiqets_bus::propagation::traced_headers;
use tiqets_bus::{Bus, BusError, Outcome, RowsOf, WorkHandler};
use tiqets_contract::{
    BatchRef, BatchStatus, ChunkSet, MergeWork, Stage, StatusEvent, ValidateWork, ABORT_HEADER,
};
use tiqets_domain::{FatalError, FileKind, IssueLimit};
use tokio_util::task::AbortOnDropHandle;
use tracing::Instrument;

/// Validates batches. Cheap to clone.
#[derive(Clone)]
pub struct Validator {
    bus: Bus,
    chunk_bytes: usize,
    inflight: usize,
    issue_limit: IssueLimit,
    progress_every: Duration,
}

impl Validator {
    pub fn new(bus: Bus, settings: &Settings) -> Validator {
        Validator {
            bus,
            chunk_bytes: settings.chunk_bytes,
            inflight: settings.inflight,
            issue_limit: settings.issue_limit,
            progress_every: Duration::from_secs(2),
        }
    }

    /// Handles one message: publishes `validating` and `MergeWork` (the merger reads the
    /// chunks while they are published), then validates both files — or publishes `failed`
    /// on a fatal file error, with an abort marker for the merger. Acks only once those
    /// publishes were acknowledged; anything transient is retried (doing it again is
    /// harmless: chunks, work and events carry deterministic message ids).
    pub async fn validate(&self, work: ValidateWork) -> Outcome {
        let batch = &work.batch;
        let meter = Arc::new(Meter::new(
            work.inputs.orders.size + work.inputs.barcodes.size,
        ));
        if let Err(e) = self
            .bus
            .publish_status(&progress::validating(batch, &meter))
            .await
        {
            return Outcome::Retry(e.to_string());
        }
        let merge = MergeWork {
            batch: batch.clone(),
            inputs: work.inputs.clone(),
            orders: None,
            barcodes: None,
            issue_limit: self.issue_limit,
            step: Default::default(),
        };
        // A duplicate: this validation ran before (a redelivery), and its rows were counted.
        let first_run = match self.bus.publish_work(&merge).await {
            Ok(ack) => !ack.duplicate,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let validated = tokio::select! {
            r = self.both_files(&work, &meter) => r,
            _ = progress::report(&self.bus, batch, &meter, self.progress_every) => {
                unreachable!("progress reports until dropped")
            }
        };
        match validated {
            Ok((orders, barcodes)) => {
                // The stage's side of the rows metric: the valid rows it emitted, once.
                if first_run {
                    count_rows(Stage::Validate, orders.rows + barcodes.rows);
                }
                tracing::info!(
                    order_rows = orders.rows,
                    barcode_rows = barcodes.rows,
                    issues = orders.issues + barcodes.issues,
                    "batch validated"
                );
                Outcome::Ack
            }
            Err(ValidateError::File(fatal)) => self.fail(batch, &fatal).await,
            Err(e) => {
                tracing::warn!(error = %e, "validation interrupted");
                Outcome::of(&e)
            }
        }
    }

    /// Validates both files on their own tasks; the first error stops the other.
    async fn both_files(
        &self,
        work: &ValidateWork,
        meter: &Arc<Meter>,
    ) -> Result<(ChunkSet, ChunkSet), ValidateError> {
        let spawn = |file: FileKind| {
            let job = FileJob {
                bus: self.bus.clone(),
                batch: work.batch.clone(),
                file,
                input: work.inputs.get(file).clone(),
                chunk_bytes: self.chunk_bytes,
                inflight: self.inflight,
                issue_limit: self.issue_limit,
                meter: meter.clone(),
            };
            let span = tracing::info_span!("validate_file", file = file.as_str());
            let handle = AbortOnDropHandle::new(tokio::spawn(validate_file(job).instrument(span)));
            async move {
                handle.await.map_err(|e| ValidateError::Task {
                    file: file.file_name(),
                    message: e.to_string(),
                })?
            }
        };
        tokio::try_join!(spawn(FileKind::Orders), spawn(FileKind::Barcodes))
    }

    /// Fails the batch with the file error as its reason: drops what was published of it and
    /// tells the merger, which is reading its chunks, to stop.
    async fn fail(&self, batch: &BatchRef, fatal: &FatalError) -> Outcome {
        let reason = fatal.to_string();
        tracing::warn!(%reason, "batch failed: unusable file");
        self.purge_chunks(batch).await;
        if let Err(e) = self.abort_chunks(batch, &reason).await {
            return Outcome::Retry(e.to_string());
        }
        let event = StatusEvent::new(
            batch.batch_id.clone(),
            batch.name.clone(),
            BatchStatus::Failed,
            batch.attempt,
        )
        .with_reason(reason);
        match self.bus.publish_status(&event).await {
            Ok(_) => Outcome::Ack,
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }

    /// Publishes the abort marker on both files' chunk subjects.
    async fn abort_chunks(&self, batch: &BatchRef, reason: &str) -> Result<(), BusError> {
        let names = self.bus.names();
        for file in [FileKind::Orders, FileKind::Barcodes] {
            let id = batch.batch_id.as_str();
            let subject = names.rows(id, batch.attempt, file);
            let mut headers = traced_headers();
            headers.insert(
                NATS_MESSAGE_ID,
                names.rows_abort_msg_id(id, file, batch.attempt).as_str(),
            );
            // A header value is one line.
            headers.insert(ABORT_HEADER, reason.replace(['\r', '\n'], " ").as_str());
            let failed = |e: &dyn std::fmt::Display| BusError::Publish {
                subject: subject.clone(),
                message: e.to_string(),
            };
            self.bus
                .jetstream()
                .publish_with_headers(subject.clone(), headers, bytes::Bytes::new())
                .await
                .map_err(|e| failed(&e))?
                .await
                .map_err(|e| failed(&e))?;
        }
        Ok(())
    }

    /// Best effort: the chunks of a failed attempt are never read (the persister's status
    /// recorder drops them again once `failed` is recorded).
    async fn purge_chunks(&self, batch: &BatchRef) {
        let id = batch.batch_id.as_str();
        if let Err(e) = self
            .bus
            .purge_rows(id, RowsOf::Attempt(batch.attempt))
            .await
        {
            tracing::warn!(error = %e, "could not purge the chunks of a failed batch");
        }
    }
}

impl WorkHandler<ValidateWork> for Validator {
    async fn handle(&self, work: ValidateWork) -> Outcome {
        self.validate(work).await
    }
}
