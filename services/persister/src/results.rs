//! Reading a result object the merger wrote: streamed in chunks, read line by line by the
//! domain's reader of its format (`tiqets_domain::output`), checked against its
//! [`ResultRef`] (size, rows, and the SHA-256 the store recorded and checks the bytes
//! against: see `tiqets_bus::object`), and optionally copied byte for byte into an output
//! file on the way.

use crate::error::PersistError;
use async_nats::jetstream::object_store::{GetErrorKind, Object, ObjectStore};
use std::path::PathBuf;
use tiqets_bus::check_object;
use tiqets_contract::ResultRef;
use tiqets_domain::output::{ReadError, ResultFormat, ResultReader};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};

/// Bytes read from the object store per step.
const READ_CHUNK: usize = 256 * 1024;

/// A result object being read, in format `F`.
pub struct ResultStream<'r, F: ResultFormat> {
    reference: &'r ResultRef,
    file: &'static str,
    object: Object,
    reader: ResultReader<F>,
    chunk: Vec<u8>,
    bytes: u64,
    tee: Option<(PathBuf, BufWriter<File>)>,
    done: bool,
}

impl<'r, F: ResultFormat> ResultStream<'r, F> {
    /// Opens `reference`'s object; `tee`, when given, receives every byte read.
    pub async fn open(
        files: &ObjectStore,
        reference: &'r ResultRef,
        tee: Option<(PathBuf, File)>,
    ) -> Result<ResultStream<'r, F>, PersistError> {
        let object = files
            .get(&reference.key)
            .await
            .map_err(|e| PersistError::Object {
                key: reference.key.clone(),
                message: e.to_string(),
                transient: e.kind() != GetErrorKind::NotFound,
            })?;
        // Read to its end, the object is checked against this digest by the store itself.
        check_object(&object.info, &reference.sha256, reference.size).map_err(|message| {
            PersistError::Mismatch {
                file: reference.file.file_name(),
                message,
            }
        })?;
        Ok(ResultStream {
            reference,
            file: reference.file.file_name(),
            object,
            reader: ResultReader::new(),
            chunk: vec![0; READ_CHUNK],
            bytes: 0,
            tee: tee.map(|(path, f)| (path, BufWriter::with_capacity(1 << 20, f))),
            done: false,
        })
    }

    /// Reads the next chunk of the object and hands each line it completes to `sink`, in
    /// order (the header checked and left out). `false` once the object is read to its end
    /// and matches its reference.
    pub async fn step<S>(&mut self, mut sink: S) -> Result<bool, PersistError>
    where
        S: for<'l> FnMut(F::Line<'l>) -> Result<(), PersistError>,
    {
        if self.done {
            return Ok(false);
        }
        let n = match self.object.read(&mut self.chunk).await {
            Ok(n) => n,
            // The bytes do not match the digest the store recorded for them.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(PersistError::Mismatch {
                    file: self.file,
                    message: format!("object {} is damaged: {e}", self.reference.key),
                })
            }
            Err(e) => {
                return Err(PersistError::Object {
                    key: self.reference.key.clone(),
                    message: e.to_string(),
                    transient: true,
                })
            }
        };
        // The reader stops at its own first problem: a line refused by `sink` came before.
        let mut refused = None;
        let mut each = |line: F::Line<'_>| {
            if refused.is_none() {
                refused = sink(line).err();
            }
        };
        let read = if n == 0 {
            self.done = true;
            self.reader.finish(&mut each)
        } else {
            self.bytes += n as u64;
            self.reader.push(&self.chunk[..n], &mut each)
        };
        if let Some(e) = refused {
            return Err(e);
        }
        read.map_err(|e| self.bad(e))?;
        if let Some((path, tee)) = self.tee.as_mut().filter(|_| n > 0) {
            if let Err(source) = tee.write_all(&self.chunk[..n]).await {
                return Err(PersistError::Output {
                    path: path.clone(),
                    source,
                });
            }
        }
        if self.done {
            self.verify().await?;
        }
        Ok(!self.done)
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    async fn verify(&mut self) -> Result<(), PersistError> {
        let r = self.reference;
        if self.bytes != r.size {
            return Err(PersistError::Mismatch {
                file: self.file,
                message: format!(
                    "object {} gave {} bytes, the work says {}",
                    r.key, self.bytes, r.size
                ),
            });
        }
        let rows = self.reader.lines();
        if rows != r.rows {
            return Err(PersistError::Mismatch {
                file: self.file,
                message: format!("{rows} rows, the work says {}", r.rows),
            });
        }
        if let Some((path, mut tee)) = self.tee.take() {
            let flushed = match tee.flush().await {
                Ok(()) => tee.get_mut().sync_all().await,
                Err(e) => Err(e),
            };
            flushed.map_err(|source| PersistError::Output { path, source })?;
        }
        Ok(())
    }

    fn bad(&self, e: ReadError) -> PersistError {
        PersistError::BadRow {
            file: self.file,
            line: e.line,
            message: e.message,
        }
    }
}
