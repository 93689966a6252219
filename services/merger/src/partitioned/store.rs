//! The objects of one batch attempt's partitioned merge, in the file bucket.

use crate::error::MergeError;
use crate::upload::{start_put, start_put_async, PendingPut, PieceWriter};
use async_nats::jetstream::object_store::{InfoErrorKind, Object, ObjectStore};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io;
use tiqets_bus::Bus;
use tiqets_contract::{BatchRef, PartObject};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio_util::io::SyncIoBridge;

/// A batch attempt's partition objects.
pub struct Parts {
    bus: Bus,
    files: ObjectStore,
    batch: BatchRef,
}

/// An object read on a blocking thread.
pub type PartReader = io::BufReader<SyncIoBridge<Object>>;

/// Bytes read from an object at a time.
const READ_BUFFER: usize = 256 << 10;

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

    /// Starts storing `object` from a writer used on a blocking thread.
    pub fn put(&self, object: PartObject) -> (PieceWriter, Pending) {
        let (w, put) = start_put(&self.files, &self.key(object));
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
    pub async fn reader(&self, object: PartObject) -> Result<PartReader, MergeError> {
        let o = self
            .files
            .get(self.key(object))
            .await
            .map_err(|e| self.error(object, e))?;
        Ok(io::BufReader::with_capacity(
            READ_BUFFER,
            SyncIoBridge::new(o),
        ))
    }

    /// Deletes every object of a merge in `parts` partitions (those not stored are
    /// skipped); returns how many it could not delete.
    pub async fn delete(&self, parts: u32) -> usize {
        let mut failed = 0;
        for o in PartObject::all(parts) {
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
