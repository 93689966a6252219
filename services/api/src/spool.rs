//! Spooling an uploaded file to disk while hashing it.
//!
//! A batch's id comes from its files' digests and the publisher needs them before it sends
//! anything, so an upload is written to an anonymous temporary file (no name on disk: it
//! disappears when closed, even if the process dies) while it is hashed and counted, then
//! read back into the object store. Never more than one buffer of it is in memory.

use crate::limits::Reservation;
use crate::limits::SpoolBudget;
use futures::{Stream, StreamExt};
use std::io::SeekFrom;
use std::path::Path;
use std::sync::Arc;
use tiqets_contract::{Sha256, Sha256Hasher};
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};

/// Buffer between the request body and the spool file.
const WRITE_BUFFER: usize = 256 * 1024;

/// A file spooled to disk, positioned at its start, with the share of the spool budget it
/// holds (given back when dropped, as the file is closed).
pub struct Spooled {
    pub file: tokio::fs::File,
    pub sha256: Sha256,
    pub size: u64,
    pub reserved: Reservation,
}

/// Why a file could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("larger than {max} bytes")]
    TooLarge { max: u64 },
    /// All uploads together hold the whole spool budget.
    #[error("the upload spool is full ({max} bytes in use)")]
    Full { max: u64 },
    /// Reading the request failed (a malformed body, a client that went away).
    #[error("reading the upload: {0}")]
    Body(String),
    /// The spool folder is not writable, or the disk is full.
    #[error("spool file: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes everything `body` yields into a new anonymous file in `dir`, at most `max`
/// bytes and no more than `budget` has left; the file is gone as soon as the returned
/// value (or the error) is dropped.
pub async fn spool<S, B, E>(
    mut body: S,
    dir: &Path,
    max: u64,
    budget: &Arc<SpoolBudget>,
) -> Result<Spooled, SpoolError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let dir = dir.to_path_buf();
    let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
        .await
        .map_err(|e| SpoolError::Io(std::io::Error::other(e)))??;
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(file));
    let mut hasher = Sha256Hasher::new();
    let mut size = 0u64;
    let mut reserved = budget.reservation();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| SpoolError::Body(e.to_string()))?;
        let bytes = chunk.as_ref();
        size += bytes.len() as u64;
        if size > max {
            return Err(SpoolError::TooLarge { max });
        }
        if !reserved.grow(bytes.len() as u64) {
            return Err(SpoolError::Full { max: budget.max() });
        }
        hasher.update(bytes);
        writer.write_all(bytes).await?;
    }
    writer.flush().await?;
    let mut file = writer.into_inner();
    file.seek(SeekFrom::Start(0)).await?;
    Ok(Spooled {
        file,
        sha256: hasher.finish(),
        size,
        reserved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn body(parts: &[&'static [u8]]) -> impl Stream<Item = Result<&'static [u8], String>> + Unpin {
        futures::stream::iter(parts.iter().map(|p| Ok(*p)).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn a_spooled_file_reads_back_with_its_digest_and_leaves_no_name_behind() {
        let dir = tempfile::tempdir().unwrap();
        let budget = SpoolBudget::new(1000);
        let mut s = spool(
            body(&[b"order_id,", b"customer_id\n1,2\n"]),
            dir.path(),
            100,
            &budget,
        )
        .await
        .unwrap();
        assert_eq!(budget.used(), 25);
        assert_eq!(s.size, 25);
        assert_eq!(s.sha256, Sha256::of(b"order_id,customer_id\n1,2\n"));
        let mut back = String::new();
        s.file.read_to_string(&mut back).await.unwrap();
        assert_eq!(back, "order_id,customer_id\n1,2\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        drop(s);
        assert_eq!(budget.used(), 0, "given back with the file");
    }

    #[tokio::test]
    async fn a_file_past_the_spool_budget_is_refused_and_gives_its_bytes_back() {
        let dir = tempfile::tempdir().unwrap();
        let budget = SpoolBudget::new(8);
        let held = spool(body(&[b"12345"]), dir.path(), 100, &budget)
            .await
            .unwrap();
        let e = spool(body(&[b"12", b"34"]), dir.path(), 100, &budget)
            .await
            .err()
            .unwrap();
        assert!(matches!(e, SpoolError::Full { max: 8 }), "{e}");
        assert_eq!(budget.used(), 5, "the refused file holds nothing");
        drop(held);
        assert!(spool(body(&[b"12", b"34"]), dir.path(), 100, &budget)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let budget = SpoolBudget::new(1000);
        let e = spool(body(&[b"12345", b"6"]), dir.path(), 5, &budget)
            .await
            .err()
            .unwrap();
        assert!(matches!(e, SpoolError::TooLarge { max: 5 }), "{e}");
        let exact = spool(body(&[b"12345"]), dir.path(), 5, &budget)
            .await
            .unwrap();
        assert_eq!(exact.size, 5);
    }
}
