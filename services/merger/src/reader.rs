//! Reading one file's chunks of a batch attempt back from the rows stream, in sequence
//! order, each once (see [`crate::sequencer`]).
//!
//! An ordered consumer (ephemeral, server-side filtered on the file's subject) replays the
//! subject from its start, and goes on with the chunks the validator is still publishing.
//! The read ends with the last chunk, or with the validator's abort marker (the batch
//! failed). Chunks not stored yet are waited for up to `wait` without progress; then the
//! read fails as transient and the work is retried later.

use crate::error::MergeError;
use crate::sequencer::{Sequenced, Sequencer};
use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use bytes::Bytes;
use futures::StreamExt;
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_contract::{BatchRef, ChunkHead, ChunkSet, ABORT_HEADER};
use tiqets_domain::FileKind;

/// A chunk as read: its head decoded, its rows still encoded. The rows are decoded once,
/// straight into the merger's books ([`tiqets_contract::ChunkVisitor`]), when its turn comes.
pub struct RawChunk {
    pub head: ChunkHead,
    pub payload: Bytes,
}

impl Sequenced for RawChunk {
    fn seq(&self) -> u32 {
        self.head.seq
    }
    fn last(&self) -> bool {
        self.head.last
    }
}

/// Chunks (of about [`tiqets_contract::chunk::CHUNK_TARGET_BYTES`] each) one pull request asks
/// for: about 8 MiB in flight per file.
const MAX_CHUNKS_IN_FLIGHT: i64 = 32;

/// Calls `each` with every chunk of `file`, in sequence order, and awaits what it returns
/// before the next: the `announced` number of chunks, or up to the one flagged last.
/// Returns the number of duplicate chunks that were skipped.
pub async fn read_chunks<F, Fut>(
    bus: &Bus,
    batch: &BatchRef,
    file: FileKind,
    announced: Option<&ChunkSet>,
    wait: Duration,
    mut each: F,
) -> Result<u64, MergeError>
where
    F: FnMut(RawChunk) -> Fut,
    Fut: std::future::Future<Output = Result<(), MergeError>>,
{
    let mut sequencer = Sequencer::new(announced.map(|set| set.chunks));
    if sequencer.is_complete() {
        return Ok(0);
    }
    let name = file.file_name();
    let read = |e: &dyn std::fmt::Display| MergeError::Read {
        file: name,
        message: e.to_string(),
    };
    let names = bus.names();
    let subject = names.rows(batch.batch_id.as_str(), batch.attempt, file);
    let stream = bus
        .jetstream()
        .get_stream_no_info(names.rows_stream())
        .await
        .map_err(|e| read(&e))?;
    let consumer = stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: subject.clone(),
            deliver_policy: DeliverPolicy::All,
            // At most this many chunks requested at once: both files are read at once, and
            // with the client's default (hundreds of chunks of up to a megabyte each) the
            // server's buffer for the connection overflowed its 64 MiB limit on a
            // million-order batch and it dropped the merger as a slow consumer.
            max_batch: MAX_CHUNKS_IN_FLIGHT,
            ..Default::default()
        })
        .await
        .map_err(|e| read(&e))?;
    let mut messages = consumer.messages().await.map_err(|e| read(&e))?;
    while !sequencer.is_complete() {
        let msg = match tokio::time::timeout(wait, messages.next()).await {
            Err(_) => {
                return Err(MergeError::Missing {
                    file: name,
                    have: sequencer.released(),
                    want: announced.map(|set| set.chunks),
                    waited_s: wait.as_secs(),
                })
            }
            Ok(None) => return Err(read(&"the chunk stream ended")),
            Ok(Some(Err(e))) => return Err(read(&e)),
            Ok(Some(Ok(msg))) => msg,
        };
        if let Some(reason) = msg.headers.as_ref().and_then(|h| h.get(ABORT_HEADER)) {
            return Err(MergeError::Aborted {
                file: name,
                reason: reason.as_str().to_owned(),
            });
        }
        let head = ChunkHead::read(&msg.payload).map_err(|e| MergeError::Corrupt {
            file: name,
            seq: u32::MAX,
            message: format!("undecodable message on {subject}: {e}"),
        })?;
        if head.batch_id != batch.batch_id || head.attempt != batch.attempt || head.file != file {
            return Err(MergeError::Corrupt {
                file: name,
                seq: head.seq,
                message: format!(
                    "it belongs to batch {} attempt {} ({}), not to this one",
                    head.batch_id, head.attempt, head.file
                ),
            });
        }
        let seq = head.seq;
        let chunk = RawChunk {
            head,
            payload: msg.payload.clone(),
        };
        let ready = sequencer.offer(chunk).map_err(|e| MergeError::Corrupt {
            file: name,
            seq,
            message: e.to_string(),
        })?;
        for chunk in ready {
            each(chunk).await?;
        }
    }
    if sequencer.duplicates() > 0 {
        tracing::info!(
            file = file.as_str(),
            duplicates = sequencer.duplicates(),
            "skipped chunks stored twice"
        );
    }
    Ok(sequencer.duplicates())
}
