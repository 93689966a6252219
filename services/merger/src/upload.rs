//! Streaming a result file into the object store while it is being written.
//!
//! The file is produced by synchronous writers (the domain's among them) on a blocking
//! thread, in pieces handed over a small channel to the object store's `put`, so a result
//! is never held whole in memory. A failing writer fails the `put` before its metadata is
//! written, so an object already stored under the key stays as it was. The digest is the
//! one the store computed while storing (see `tiqets_bus::object`).

use bytes::Bytes;
use std::io::{self, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tiqets_bus::{stored_digest, OBJECT_CHUNK_BYTES};
use tiqets_contract::Sha256;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use async_nats::jetstream::object_store::{ObjectInfo, ObjectMetadata, ObjectStore};

/// Bytes handed over per piece, and the object's chunk size (see [`OBJECT_CHUNK_BYTES`]).
const PIECE: usize = OBJECT_CHUNK_BYTES;
/// Pieces buffered between the writer and the upload.
const PIECES_AHEAD: usize = 4;

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub sha256: Sha256,
    pub size: u64,
}

/// Why an upload failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("writing the file failed: {0}")]
    Write(io::Error),
    #[error("storing the object failed: {0}")]
    Store(String),
    #[error("the writing thread stopped: {0}")]
    Task(String),
}

/// Stores what `produce` writes as object `key`; returns its digest and size.
pub async fn upload<F>(files: &ObjectStore, key: &str, produce: F) -> Result<Uploaded, UploadError>
where
    F: FnOnce(&mut PieceWriter) -> io::Result<()> + Send + 'static,
{
    let (w, put) = start_put(files, key);
    let written = tokio::task::spawn_blocking(move || w.write_with(produce))
        .await
        .map_err(|e| UploadError::Task(e.to_string()))?;
    put.stored(written).await
}

/// Starts storing object `key` from what is written to the returned writer (on a blocking
/// thread: it waits for the upload when it is ahead). Once the writer is closed (or has
/// failed), [`PendingPut::stored`] says what was stored.
pub fn start_put(files: &ObjectStore, key: &str) -> (PieceWriter, PendingPut) {
    start_put_with(files, key, PIECES_AHEAD)
}

/// [`start_put`] with `ahead` pieces buffered between the writer and the upload (each is
/// [`OBJECT_CHUNK_BYTES`]: what a writer costs in memory beside its data).
pub fn start_put_with(files: &ObjectStore, key: &str, ahead: usize) -> (PieceWriter, PendingPut) {
    let (tx, rx) = mpsc::channel(ahead.max(1));
    (PieceWriter::new(tx), put_from(files, key, rx))
}

/// Starts storing object `key` from the pieces sent on the returned channel (by async code;
/// a piece that is an error fails the upload). Once the sender is dropped,
/// [`PendingPut::stored`] says what was stored.
pub fn start_put_async(
    files: &ObjectStore,
    key: &str,
    ahead: usize,
) -> (mpsc::Sender<io::Result<Bytes>>, PendingPut) {
    let (tx, rx) = mpsc::channel(ahead.max(1));
    (tx, put_from(files, key, rx))
}

fn put_from(files: &ObjectStore, key: &str, rx: mpsc::Receiver<io::Result<Bytes>>) -> PendingPut {
    let meta = ObjectMetadata {
        name: key.to_string(),
        chunk_size: Some(PIECE),
        ..Default::default()
    };
    let files = files.clone();
    let put = tokio::spawn(async move {
        let mut reader = PieceReader::new(rx);
        files
            .put(meta, &mut reader)
            .await
            .map_err(|e| e.to_string())
        // the reader is dropped here: a writer still running sees the upload gone and stops
    });
    PendingPut { put }
}

/// An object being stored by [`start_put`].
pub struct PendingPut {
    put: JoinHandle<Result<ObjectInfo, String>>,
}

impl PendingPut {
    /// What was stored, given what the writer made of it: its size, or why it failed.
    pub async fn stored(self, written: io::Result<u64>) -> Result<Uploaded, UploadError> {
        let stored = self
            .put
            .await
            .map_err(|e| UploadError::Task(e.to_string()))?;
        match (stored, written) {
            (Ok(info), Ok(size)) => match stored_digest(&info) {
                Some((sha256, stored)) if stored == size => Ok(Uploaded { sha256, size }),
                _ => Err(UploadError::Store(format!(
                    "the store recorded {} bytes with digest {:?}, {size} bytes were written",
                    info.size, info.digest
                ))),
            },
            // The writer stopped because the upload had failed: the upload's error says why.
            (Err(e), Err(w)) if w.kind() == io::ErrorKind::BrokenPipe => Err(UploadError::Store(e)),
            (_, Err(w)) => Err(UploadError::Write(w)),
            (Err(e), Ok(_)) => Err(UploadError::Store(e)),
        }
    }
}

/// Runs `produce` on a blocking thread; what it writes comes out of the reader.
#[cfg(test)]
fn spawn_writer<F>(produce: F) -> (JoinHandle<io::Result<u64>>, PieceReader)
where
    F: FnOnce(&mut PieceWriter) -> io::Result<()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(PIECES_AHEAD);
    let producer = tokio::task::spawn_blocking(move || PieceWriter::new(tx).write_with(produce));
    (producer, PieceReader::new(rx))
}

/// The writing end: buffers and counts, and hands pieces to the upload.
pub struct PieceWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
    size: u64,
}

impl PieceWriter {
    fn new(tx: mpsc::Sender<io::Result<Bytes>>) -> PieceWriter {
        PieceWriter {
            tx,
            buf: Vec::with_capacity(PIECE),
            size: 0,
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.buf, Vec::with_capacity(PIECE));
        self.size += piece.len() as u64;
        self.tx
            .blocking_send(Ok(Bytes::from(piece)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the upload stopped"))
    }

    /// Makes the upload fail with `e` rather than store a truncated object.
    fn fail(self, e: &io::Error) {
        let _ = self
            .tx
            .blocking_send(Err(io::Error::new(e.kind(), e.to_string())));
    }

    /// Bytes written.
    fn finish(self) -> u64 {
        self.size
    }

    /// Closes the writer after `outcome`: the bytes written, or (when `outcome` is an
    /// error, or the last piece cannot be handed over) the error that also fails the upload.
    pub fn close(mut self, outcome: Result<(), &io::Error>) -> io::Result<u64> {
        let outcome = outcome.map_err(|e| io::Error::new(e.kind(), e.to_string()));
        match outcome.and_then(|()| self.flush()) {
            Ok(()) => Ok(self.finish()),
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// Writes what `produce` writes, then closes: the bytes written, or the error that
    /// also failed the upload.
    pub fn write_with<F>(mut self, produce: F) -> io::Result<u64>
    where
        F: FnOnce(&mut PieceWriter) -> io::Result<()>,
    {
        let outcome = produce(&mut self);
        self.close(outcome.as_ref().map(|_| ()))
    }
}

impl Write for PieceWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PIECE {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The reading end, given to the object store's `put`.
struct PieceReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl PieceReader {
    fn new(rx: mpsc::Receiver<io::Result<Bytes>>) -> PieceReader {
        PieceReader {
            rx,
            current: Bytes::new(),
        }
    }
}

impl AsyncRead for PieceReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.current.is_empty() {
                let n = buf.remaining().min(this.current.len());
                buf.put_slice(&this.current.split_to(n));
                return Poll::Ready(Ok(()));
            }
            match ready!(this.rx.poll_recv(cx)) {
                Some(Ok(piece)) => this.current = piece,
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => return Poll::Ready(Ok(())), // the writer is done: end of file
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Reads what `produce` writes, as the object store's `put` does.
    async fn pipe(
        produce: impl FnOnce(&mut PieceWriter) -> io::Result<()> + Send + 'static,
    ) -> (io::Result<Vec<u8>>, io::Result<u64>) {
        let (producer, mut reader) = spawn_writer(produce);
        let mut out = Vec::new();
        let read = reader.read_to_end(&mut out).await.map(|_| out);
        (read, producer.await.unwrap())
    }

    #[tokio::test]
    async fn pieces_arrive_whole_and_in_order_and_are_counted() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let copy = data.clone();
        let (read, uploaded) = pipe(move |w| {
            for part in copy.chunks(1000) {
                w.write_all(part)?;
            }
            Ok(())
        })
        .await;
        assert_eq!(read.unwrap(), data);
        assert_eq!(uploaded.unwrap(), data.len() as u64);
    }

    #[tokio::test]
    async fn a_failing_writer_fails_the_reader_instead_of_ending_the_file() {
        let (read, uploaded) = pipe(|w| {
            w.write_all(&[b'x'; PIECE + 10])?;
            Err(io::Error::other("disk on fire"))
        })
        .await;
        assert_eq!(read.unwrap_err().to_string(), "disk on fire");
        assert!(uploaded.is_err());
    }
}
