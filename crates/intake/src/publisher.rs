//! [`Publisher`]: a pair of files in, a queued batch (or a repeat) out; see the crate doc
//! for the steps.

use crate::hash::hash_file;
use crate::pair::{Input, PairRequest, RecordedBatch};
use crate::published::{PublishError, Published};
use crate::record::recorded;
use crate::store::{check_room, put_verified};
use std::path::Path;
use time::OffsetDateTime;
use tiqets_bus::Bus;
use tiqets_contract::{
    BatchId, BatchRef, BatchStatus, FileRef, Inputs, Notice, NoticeKind, RecordReply, Sha256,
    Source, StatusEvent, ValidateWork,
};
use tiqets_domain::FileKind;
use tokio::io::AsyncRead;
use tracing::Instrument;

/// Publishes pairs of files as batches.
#[derive(Clone)]
pub struct Publisher {
    bus: Bus,
}

impl Publisher {
    pub fn new(bus: Bus) -> Publisher {
        Publisher { bus }
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// Hashes two files, then publishes them (see the module doc).
    pub async fn publish_files(
        &self,
        request: PairRequest,
        orders: &Path,
        barcodes: &Path,
    ) -> Result<Published, PublishError> {
        let io_err = |p: &Path| {
            let file = p.display().to_string();
            move |source| PublishError::Io { file, source }
        };
        // Both files at once: hashing is CPU and disk, and the two do not depend on each other.
        let ((o_sha, o_size), (b_sha, b_size)) = tokio::try_join!(
            async { hash_file(orders).await.map_err(io_err(orders)) },
            async { hash_file(barcodes).await.map_err(io_err(barcodes)) },
        )?;
        let o = tokio::fs::File::open(orders)
            .await
            .map_err(io_err(orders))?;
        let b = tokio::fs::File::open(barcodes)
            .await
            .map_err(io_err(barcodes))?;
        self.publish_pair(
            request,
            Input {
                reader: o,
                sha256: o_sha,
                size: o_size,
            },
            Input {
                reader: b,
                sha256: b_sha,
                size: b_size,
            },
        )
        .await
    }

    /// Publishes a pair whose digests are known (see the module doc). One trace per batch
    /// starts here.
    pub async fn publish_pair<A, B>(
        &self,
        request: PairRequest,
        orders: Input<A>,
        barcodes: Input<B>,
    ) -> Result<Published, PublishError>
    where
        A: AsyncRead + Unpin + Send,
        B: AsyncRead + Unpin + Send,
    {
        let id = BatchId::for_pair(&orders.sha256, &barcodes.sha256);
        let span = tracing::info_span!(parent: None, "batch", batch_id = %id, name = %request.name);
        self.publish_pair_inner(id, request, orders, barcodes)
            .instrument(span)
            .await
    }

    async fn publish_pair_inner<A, B>(
        &self,
        id: BatchId,
        request: PairRequest,
        orders: Input<A>,
        barcodes: Input<B>,
    ) -> Result<Published, PublishError>
    where
        A: AsyncRead + Unpin + Send,
        B: AsyncRead + Unpin + Send,
    {
        let last = self.bus.last_status(&id).await?;
        let attempt = match &last {
            None => 1,
            Some(e) if e.status == BatchStatus::Failed => e.attempt + 1,
            // Completed on NATS: a repeat only while PostgreSQL, the system of record, still
            // holds it (completed is recorded before it is published). Deleted, or lost with
            // a restore: processed again.
            Some(e) if e.status == BatchStatus::Completed => {
                match recorded(&self.bus, &id).await? {
                    RecordReply::NotRecorded => {
                        tracing::info!("completed before, no longer recorded: processed again");
                        e.attempt + 1
                    }
                    RecordReply::Recorded {
                        status: BatchStatus::Failed,
                        attempt,
                    } => attempt.max(e.attempt) + 1,
                    _ => return self.repeat(&id, &request, e).await,
                }
            }
            // `received` is published before the work: a publisher stopped between the two
            // left the batch here, so its work is published again (same message id: a no-op
            // when it is queued). The pair is still a repeat.
            Some(e) if e.status == BatchStatus::Received => {
                self.requeue(e).await?;
                return self.repeat(&id, &request, e).await;
            }
            Some(e) => return self.repeat(&id, &request, e).await,
        };
        let files = self.bus.files().await?;
        let names = self.bus.names();
        let bucket = names.files_bucket();
        let orders_key = names.input_key(id.as_str(), FileKind::Orders);
        let barcodes_key = names.input_key(id.as_str(), FileKind::Barcodes);
        let needed = [(&orders_key, orders.size), (&barcodes_key, barcodes.size)];
        check_room(&self.bus, &files, &needed).await?;
        // Both objects at once: each put waits on the server's acks chunk by chunk.
        let (orders, barcodes) = tokio::try_join!(
            put_verified(&files, &bucket, orders_key, orders, "orders.csv"),
            put_verified(&files, &bucket, barcodes_key, barcodes, "barcodes.csv"),
        )?;
        let inputs = Inputs { orders, barcodes };
        self.queue(id, request, inputs, attempt).await
    }

    /// Publishes `received` and the validate work of attempt `attempt` of a batch whose
    /// input files are stored as `inputs`.
    async fn queue(
        &self,
        id: BatchId,
        request: PairRequest,
        inputs: Inputs,
        attempt: u32,
    ) -> Result<Published, PublishError> {
        let batch = BatchRef {
            batch_id: id.clone(),
            name: request.name.clone(),
            attempt,
        };
        let now = OffsetDateTime::now_utc();
        let work = ValidateWork {
            batch: batch.clone(),
            source: request.source.clone(),
            inputs: inputs.clone(),
            received_at: now,
        };
        let mut received = StatusEvent::new(
            id.clone(),
            request.name.clone(),
            BatchStatus::Received,
            attempt,
        );
        received.at = now;
        received.source = Some(request.source);
        received.inputs = Some(inputs.clone());
        received.supersedes = request.supersedes;
        // `received` first, so that no stage's status can precede it in the status stream.
        self.bus.publish_status(&received).await?;
        self.bus.publish_work(&work).await?;
        tracing::info!(attempt, "batch received");
        Ok(Published::Queued { batch, inputs })
    }

    /// Queues failed batch `id` again, as its next attempt, from its input files as stored in
    /// the file bucket; `recorded` is what PostgreSQL holds of it (its attempt is used when
    /// the status stream no longer has the batch). One attempt per failure: a second retry
    /// of the same failure finds the batch no longer failed, [`PublishError::NotFailed`].
    pub async fn retry(
        &self,
        id: &BatchId,
        recorded: RecordedBatch,
    ) -> Result<Published, PublishError> {
        let not_failed = |status| PublishError::NotFailed {
            batch_id: id.to_string(),
            status,
        };
        if recorded.status != BatchStatus::Failed {
            return Err(not_failed(recorded.status));
        }
        let last = self.bus.last_status(id).await?;
        let attempt = match &last {
            Some(e) if e.status != BatchStatus::Failed && e.attempt >= recorded.attempt => {
                return Err(not_failed(e.status))
            }
            Some(e) => e.attempt.max(recorded.attempt) + 1,
            None => recorded.attempt + 1,
        };
        let request = PairRequest {
            name: recorded.name,
            source: Source::Retry {
                orders: recorded.orders_name,
                barcodes: recorded.barcodes_name,
            },
            supersedes: None,
        };
        let files = self.bus.files().await?;
        let names = self.bus.names();
        let gone = |why: String| PublishError::InputsGone {
            batch_id: id.to_string(),
            why,
        };
        let mut stored = Vec::new();
        for kind in [FileKind::Orders, FileKind::Barcodes] {
            let key = names.input_key(id.as_str(), kind);
            let info = files
                .info(&key)
                .await
                .map_err(|e| gone(format!("{key}: {e}")))?;
            let (sha256, size) = tiqets_bus::stored_digest(&info)
                .ok_or_else(|| gone(format!("{key} has no digest recorded")))?;
            stored.push(FileRef { key, sha256, size });
        }
        let barcodes = stored.pop().expect("two files");
        let orders = stored.pop().expect("two files");
        if BatchId::for_pair(&orders.sha256, &barcodes.sha256) != *id {
            return Err(gone("the stored files are another pair's".into()));
        }
        let span = tracing::info_span!(parent: None, "batch", batch_id = %id, name = %request.name);
        self.queue(id.clone(), request, Inputs { orders, barcodes }, attempt)
            .instrument(span)
            .await
    }

    /// Publishes the validate work of a batch last seen `received` again, from that event.
    async fn requeue(&self, received: &StatusEvent) -> Result<(), PublishError> {
        let (Some(source), Some(inputs)) = (&received.source, &received.inputs) else {
            return Ok(()); // not published by this path: nothing to re-send
        };
        let work = ValidateWork {
            batch: BatchRef {
                batch_id: received.batch_id.clone(),
                name: received.name.clone(),
                attempt: received.attempt,
            },
            source: source.clone(),
            inputs: inputs.clone(),
            received_at: received.at,
        };
        self.bus.publish_work(&work).await?;
        Ok(())
    }

    async fn repeat(
        &self,
        id: &BatchId,
        request: &PairRequest,
        last: &StatusEvent,
    ) -> Result<Published, PublishError> {
        let message = format!(
            "{:?} is byte-identical to batch {id} ({:?}, {}); not processed again",
            request.name, last.name, last.status
        );
        tracing::info!(status = %last.status, original_name = %last.name, "{message}");
        let notice = Notice {
            batch_id: id.clone(),
            name: request.name.clone(),
            at: OffsetDateTime::now_utc(),
            kind: NoticeKind::Repeat {
                status: last.status,
                source: request.source.clone(),
            },
            message,
        };
        let key = Sha256::of(format!("{}|{:?}", request.name, request.source).as_bytes());
        let msg_id = format!("{id}.repeat.{}", &key.to_hex()[..16]);
        self.bus.publish_notice(&notice, Some(&msg_id)).await?;
        Ok(Published::Repeat {
            batch_id: id.clone(),
            status: last.status,
            original_name: last.name.clone(),
        })
    }

    /// Shows a lone file as the waiting pseudo-batch of `name` ([`BatchId::waiting`]).
    /// `dedupe` identifies this sighting (e.g. the file's name and modification time) so
    /// that replicas and restarts announce it once.
    pub async fn publish_waiting(
        &self,
        name: &str,
        reason: &str,
        dedupe: &str,
    ) -> Result<BatchId, PublishError> {
        let id = BatchId::waiting(name);
        let event = StatusEvent::new(id.clone(), name, BatchStatus::Waiting, 0).with_reason(reason);
        let msg_id = format!("{id}.status.waiting.{dedupe}");
        self.bus
            .publish_json(self.bus.names().status(id.as_str()), Some(&msg_id), &event)
            .await?;
        Ok(id)
    }
}
