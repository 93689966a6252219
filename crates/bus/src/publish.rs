//! The file publishing path shared by ingest and the api upload.
//!
//! A batch's id is derived from the SHA-256 of its two files ([`BatchId::for_pair`]), so the
//! caller hashes first ([`hash_file`], or while spooling an upload) and then hands the files
//! to [`Publisher::publish_pair`], which:
//!
//! 1. looks up the batch's last status on `{ns}.status.{id}`: a batch that is completed or
//!    still in progress is a **repeat**: a [`Notice`] is published and nothing is processed
//!    again; a failed batch is retried with the next attempt number;
//! 2. streams both files at once into the object store (`batches/{id}/orders.csv`, …) in chunks,
//!    never holding a whole file, and refuses the result if the digest the store computed
//!    while storing differs from the announced one (a file that changed after it was
//!    hashed; see [`crate::object`]); an object already stored with the same digest is not
//!    sent again;
//! 3. publishes [`ValidateWork`] (`Nats-Msg-Id: {id}.validate.{attempt}`) and the `received`
//!    status (`{id}.status.received.{attempt}`), and returns once JetStream acknowledged both.
//!
//! Everything is idempotent: publishing the same pair again (after a crash before the caller
//! archived the files) finds the batch in progress, or is dropped as a duplicate message.

use crate::client::Bus;
use crate::digest::{BatchId, Sha256, Sha256Hasher};
use crate::error::BusError;
use crate::events::{BatchRef, FileRef, Inputs, Notice, NoticeKind, Source, ValidateWork};
use crate::object::stored_digest;
use crate::status::{BatchStatus, StatusEvent};
use async_nats::jetstream::object_store::{ObjectMetadata, ObjectStore};
use std::collections::HashMap;
use std::io;
use std::path::Path;
use time::OffsetDateTime;
use tiqets_domain::FileKind;
use tokio::io::AsyncRead;
use tracing::Instrument;

/// Object metadata key holding the hex SHA-256 of the object.
const SHA256_META: &str = "sha256";

/// What to call a pair and where it came from.
#[derive(Debug, Clone)]
pub struct PairRequest {
    /// The batch's human name (folder, file tag, or upload name).
    pub name: String,
    pub source: Source,
    /// The waiting pseudo-batch this pair completes, if one may have been shown.
    pub supersedes: Option<BatchId>,
}

/// One file to publish: a reader positioned at its start, and its digest and size, known
/// beforehand.
pub struct Input<R> {
    pub reader: R,
    pub sha256: Sha256,
    pub size: u64,
}

/// What became of a pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    /// Stored and queued for validation (a new batch, or a retry of a failed one).
    Queued { batch: BatchRef, inputs: Inputs },
    /// Byte-identical to batch `batch_id`, which is `status` (completed or in progress):
    /// not processed again; a repeat notice was published.
    Repeat {
        batch_id: BatchId,
        status: BatchStatus,
        /// The name the batch was first published under.
        original_name: String,
    },
}

impl Published {
    pub fn batch_id(&self) -> &BatchId {
        match self {
            Published::Queued { batch, .. } => &batch.batch_id,
            Published::Repeat { batch_id, .. } => batch_id,
        }
    }
}

/// Why a pair could not be published. Nothing was queued; the caller keeps its files.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("reading {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{file} changed while it was being stored (hashed {expected}, then read {actual})")]
    Changed {
        file: String,
        expected: String,
        actual: String,
    },
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// SHA-256 and length of a file, read on a blocking thread (so two files hash in parallel).
pub async fn hash_file(path: &Path) -> io::Result<(Sha256, u64)> {
    let path = path.to_path_buf();
    let hashed = tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256Hasher::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok((hasher.finish(), size));
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
    });
    hashed.await.map_err(io::Error::other)?
}

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
            Some(e) if e.status == BatchStatus::Failed => e.attempt + 1,
            // `received` is published before the work: a publisher stopped between the two
            // left the batch here, so its work is published again (same message id: a
            // no-op when it is queued). The pair is still a repeat.
            Some(e) if e.status == BatchStatus::Received => {
                self.requeue(e).await?;
                return self.repeat(&id, &request, e).await;
            }
            Some(e) => return self.repeat(&id, &request, e).await,
            None => 1,
        };
        let files = self.bus.files().await?;
        let names = self.bus.names();
        let bucket = names.files_bucket();
        let orders_key = names.input_key(id.as_str(), FileKind::Orders);
        let barcodes_key = names.input_key(id.as_str(), FileKind::Barcodes);
        let needed = [(&orders_key, orders.size), (&barcodes_key, barcodes.size)];
        self.check_room(&files, &needed).await?;
        // Both objects at once: each put waits on the server's acks chunk by chunk.
        let (orders, barcodes) = tokio::try_join!(
            put_verified(&files, &bucket, orders_key, orders, "orders.csv"),
            put_verified(&files, &bucket, barcodes_key, barcodes, "barcodes.csv"),
        )?;
        let inputs = Inputs { orders, barcodes };
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

    /// Refuses objects the file bucket has no room for under its byte limit (`tiqets-admin
    /// setup-nats`) before a byte of them is stored: a put refused half-way would leave its
    /// first chunks behind until they expire. Objects already stored need no room. Without
    /// a limit, or where the stream's figures cannot be read (a user without that right),
    /// the puts go ahead and the server still refuses what does not fit.
    async fn check_room(
        &self,
        files: &ObjectStore,
        objects: &[(&String, u64)],
    ) -> Result<(), BusError> {
        let bucket = self.bus.names().files_bucket();
        let name = format!("OBJ_{bucket}");
        let Ok(mut stream) = self.bus.jetstream().get_stream(&name).await else {
            return Ok(());
        };
        let Ok(info) = stream.info().await else {
            return Ok(());
        };
        let Ok(max) = u64::try_from(info.config.max_bytes) else {
            return Ok(()); // -1: no limit
        };
        let mut needed = 0u64;
        for (key, size) in objects {
            let stored = files
                .info(key.as_str())
                .await
                .is_ok_and(|i| !i.deleted && i.size as u64 == *size);
            if !stored {
                // Each chunk is a message with its subject and headers.
                needed += size + (size / OBJECT_CHUNK_BYTES as u64 + 2) * 256;
            }
        }
        let used = info.state.bytes;
        if needed > 0 && used.saturating_add(needed) > max {
            return Err(BusError::Object {
                bucket,
                key: objects
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                message: format!(
                    "maximum bytes exceeded: the bucket holds {used} of its {max} bytes and \
                     these files need {needed} more"
                ),
            });
        }
        Ok(())
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

/// Bytes per object-store chunk (one message each). The client waits for each chunk's
/// acknowledgement before it sends the next, so the chunk size sets the number of round
/// trips: 512 KiB takes a quarter of the default 128 KiB's (NATS's message limit is 1 MiB).
pub const OBJECT_CHUNK_BYTES: usize = 512 * 1024;

/// Streams `input` into `key`, unless an object with the same digest is already there.
async fn put_verified<R: AsyncRead + Unpin + Send>(
    files: &ObjectStore,
    bucket: &str,
    key: String,
    input: Input<R>,
    label: &str,
) -> Result<FileRef, PublishError> {
    let hex = input.sha256.to_hex();
    if let Ok(info) = files.info(&key).await {
        if !info.deleted
            && info.size as u64 == input.size
            && info.metadata.get(SHA256_META) == Some(&hex)
        {
            tracing::debug!(%key, "object already stored");
            return Ok(FileRef {
                key,
                sha256: input.sha256,
                size: input.size,
            });
        }
    }
    let meta = ObjectMetadata {
        name: key.clone(),
        metadata: HashMap::from([(SHA256_META.to_string(), hex.clone())]),
        chunk_size: Some(OBJECT_CHUNK_BYTES),
        ..Default::default()
    };
    let object_err = |e: &dyn std::fmt::Display| BusError::Object {
        bucket: bucket.to_string(),
        key: key.clone(),
        message: e.to_string(),
    };
    let mut reader = input.reader;
    let info = files
        .put(meta, &mut reader)
        .await
        .map_err(|e| object_err(&e))?;
    // The store hashed the bytes as it stored them (see crate::object).
    let stored = stored_digest(&info);
    if stored != Some((input.sha256, input.size)) {
        // Do not leave bytes that do not match their name's digest.
        let _ = files.delete(&key).await;
        return Err(PublishError::Changed {
            file: label.to_string(),
            expected: hex,
            actual: stored.map_or_else(|| "(no digest recorded)".into(), |(d, _)| d.to_hex()),
        });
    }
    Ok(FileRef {
        key,
        sha256: input.sha256,
        size: input.size,
    })
}
