//! The objects of one batch attempt's partitioned merge, in the file bucket.

use crate::error::MergeError;
use crate::upload::{start_put_async, start_put_with, PendingPut, PieceWriter};
use async_nats::jetstream::object_store::{InfoErrorKind, ObjectStore};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io;
use tiqets_bus::Bus;
use tiqets_contract::{BatchRef, PartObject};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

/// A batch attempt's partition objects.
pub struct Parts {
    bus: Bus,
    files: ObjectStore,
    batch: BatchRef,
}

/// An object read on a blocking thread.
pub type PartReader = io::BufReader<Chunks>;

/// Bytes read from an object at a time.
const READ_BUFFER: usize = 256 << 10;
/// Chunks of one object fetched ahead of its reader (of 512 KiB each).
const CHUNKS_AHEAD: usize = 2;

impl Parts {
    pub async fn open(bus: &Bus, batch: &BatchRef) -> Result<Parts, MergeError> {
        Ok(Parts {
            bus: bus.clone(),
            files: bus.files().await?,
            batch: batch.clone(),
        })
    }

    pub fn key(&self, object: PartObject) -> String {
        let b = &self.batch;
        self.bus
            .names()
            .part_key(b.batch_id.as_str(), b.attempt, object)
    }

    fn error(&self, object: PartObject, e: impl std::fmt::Display) -> MergeError {
        MergeError::Part {
            key: self.key(object),
            message: e.to_string(),
        }
    }

    /// Starts storing `object` from a writer used on a blocking thread. One piece is
    /// buffered ahead: a step writes up to `parts + 2` objects at once, and each piece
    /// buffered costs memory beside the partition's rows.
    pub fn put(&self, object: PartObject) -> (PieceWriter, Pending) {
        let (w, put) = start_put_with(&self.files, &self.key(object), 1);
        (w, Pending { object, put })
    }

    /// Starts storing `object` from pieces sent by async code.
    pub fn put_async(
        &self,
        object: PartObject,
        ahead: usize,
    ) -> (mpsc::Sender<io::Result<Bytes>>, Pending) {
        let (tx, put) = start_put_async(&self.files, &self.key(object), ahead);
        (tx, Pending { object, put })
    }

    /// Stores `value` as JSON.
    pub async fn put_json<T: Serialize>(
        &self,
        object: PartObject,
        value: &T,
    ) -> Result<(), MergeError> {
        let bytes = serde_json::to_vec(value).map_err(|e| self.error(object, e))?;
        self.files
            .put(self.key(object).as_str(), &mut bytes.as_slice())
            .await
            .map_err(|e| self.error(object, e))?;
        Ok(())
    }

    /// `object` read as JSON, or `None` when it is not stored.
    pub async fn json<T: DeserializeOwned>(
        &self,
        object: PartObject,
    ) -> Result<Option<T>, MergeError> {
        if !self.exists(object).await? {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        let mut o = self
            .files
            .get(self.key(object))
            .await
            .map_err(|e| self.error(object, e))?;
        o.read_to_end(&mut bytes)
            .await
            .map_err(|e| self.error(object, e))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| self.error(object, e))
    }

    pub async fn exists(&self, object: PartObject) -> Result<bool, MergeError> {
        match self.files.info(self.key(object)).await {
            Ok(info) => Ok(!info.deleted),
            Err(e) if e.kind() == InfoErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.error(object, e)),
        }
    }

    /// Whether every one of `objects` is stored.
    pub async fn all_exist(
        &self,
        objects: impl IntoIterator<Item = PartObject>,
    ) -> Result<bool, MergeError> {
        for o in objects {
            if !self.exists(o).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `object`, to read on a blocking thread.
    ///
    /// Its chunks are fetched one at a time as they are read, each by a direct get (the
    /// chunk subject's next message after the one before), one piece ahead. No consumer
    /// serves them, so nothing waits on a reader that is not being read: a merge of sorted
    /// runs reads many objects a little at a time, and a step leaves its inputs alone while
    /// it works. (The object store's reader is pushed the whole object as fast as the
    /// server sends it, and fills the connection with the chunks of objects not being read;
    /// an ordered pull consumer's stream, left unpolled past its idle heartbeat, counted the
    /// heartbeat as missed and stalled until its pull was asked again, 7 s later.)
    pub async fn reader(&self, object: PartObject) -> Result<PartReader, MergeError> {
        let key = self.key(object);
        let info = self
            .files
            .info(&key)
            .await
            .map_err(|e| self.error(object, e))?;
        let names = self.bus.names();
        let stream = self
            .bus
            .jetstream()
            .get_stream_no_info(names.files_stream())
            .await
            .map_err(|e| self.error(object, e))?;
        let subject = names.object_chunks(&info.nuid);
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        let (chunks, size) = (info.chunks, info.size as u64);
        tokio::spawn(async move {
            let mut read = 0u64;
            // None: from the stream's start, the object's first chunk.
            let mut after: Option<u64> = None;
            for _ in 0..chunks {
                let from = after.map(|seq| seq + 1);
                let piece = match stream.direct_get_next_for_subject(&subject, from).await {
                    Ok(m) => {
                        after = Some(m.sequence);
                        Ok(m.payload)
                    }
                    Err(e) => Err(io::Error::other(format!(
                        "the object's chunk after stream sequence {}: {e}",
                        after.unwrap_or(0)
                    ))),
                };
                let failed = piece.is_err();
                read += piece.as_ref().map_or(0, |p| p.len() as u64);
                if tx.send(piece).await.is_err() || failed {
                    return; // the reader is gone, or was told why
                }
            }
            if read != size {
                let e = format!("{read} bytes read of the object's {size}");
                let _ = tx.send(Err(io::Error::other(e))).await;
            }
        });
        Ok(io::BufReader::with_capacity(
            READ_BUFFER,
            Chunks {
                rx,
                current: Bytes::new(),
            },
        ))
    }

    /// Deletes `objects` (those not stored are skipped); returns how many it could not
    /// delete.
    pub async fn delete(&self, objects: impl IntoIterator<Item = PartObject>) -> usize {
        let mut failed = 0;
        for o in objects {
            let key = self.key(o);
            match self.files.delete(&key).await {
                Ok(()) => {}
                Err(e)
                    if e.kind()
                        == async_nats::jetstream::object_store::DeleteErrorKind::NotFound => {}
                Err(e) => {
                    tracing::debug!(%key, error = %e, "partition object not deleted");
                    failed += 1;
                }
            }
        }
        failed
    }
}

/// An object's bytes as they are pulled, read on a blocking thread.
pub struct Chunks {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl io::Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(piece) => self.current = piece?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// An object being stored.
pub struct Pending {
    object: PartObject,
    put: PendingPut,
}

impl Pending {
    /// Waits until it is stored, given what its writer made of it.
    pub async fn stored(self, parts: &Parts, written: io::Result<u64>) -> Result<(), MergeError> {
        let object = self.object;
        self.put
            .stored(written)
            .await
            .map(|_| ())
            .map_err(|e| parts.error(object, e))
    }
}

/// Waits for every one of `pending`, given what each writer made of it; the first error.
pub async fn all_stored(
    parts: &Parts,
    pending: Vec<Pending>,
    written: Vec<io::Result<u64>>,
) -> Result<(), MergeError> {
    let mut first = Ok(());
    for (p, w) in pending.into_iter().zip(written) {
        let r = p.stored(parts, w).await;
        if first.is_ok() {
            first = r;
        }
    }
    first
}
