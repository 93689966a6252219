//! Validating one file: stream the object through the domain parser and publish its chunks.
//!
//! The object is read in [`READ_BYTES`] pieces, so memory stays bounded whatever the file's
//! size: one piece, the chunk being filled and the window of chunks being published.

use crate::cutter::ChunkCutter;
use crate::error::ValidateError;
use crate::parser::FileParser;
use crate::progress::Meter;
use crate::publisher::ChunkPublisher;
use async_nats::jetstream::object_store::GetErrorKind;
use std::sync::Arc;
use tiqets_bus::{check_object, Bus};
use tiqets_contract::{BatchRef, ChunkSet, FileRef};
use tiqets_domain::{FatalError, FileKind, IssueLimit};
use tokio::io::AsyncReadExt;

/// Bytes read from the object store per parser push.
pub const READ_BYTES: usize = 64 * 1024;

/// One file of a batch to validate.
#[derive(Clone)]
pub struct FileJob {
    pub bus: Bus,
    pub batch: BatchRef,
    pub file: FileKind,
    pub input: FileRef,
    pub chunk_bytes: usize,
    pub inflight: usize,
    pub issue_limit: IssueLimit,
    pub meter: Arc<Meter>,
}

/// Validates one file and publishes its chunks; returns what was published once JetStream
/// has stored all of it.
pub async fn validate_file(job: FileJob) -> Result<ChunkSet, ValidateError> {
    let FileJob {
        bus,
        batch,
        file,
        input,
        chunk_bytes,
        inflight,
        issue_limit,
        meter,
    } = job;
    let files = bus.files().await?;
    let read_error = |e: &dyn std::fmt::Display| ValidateError::Read {
        key: input.key.clone(),
        message: e.to_string(),
    };
    let mut object = match files.get(&input.key).await {
        Ok(object) => object,
        Err(e) if e.kind() == GetErrorKind::NotFound => {
            let why = format!("it is not in the file store (object {})", input.key);
            return Err(FatalError::unreadable(file, why).into());
        }
        Err(e) => return Err(read_error(&e)),
    };
    // The store checks the bytes against the digest it recorded as they are read to their
    // end (tiqets_bus::object), so the recorded digest must be the announced one.
    if let Err(why) = check_object(&object.info, &input.sha256, input.size) {
        let why = format!("the stored bytes are not the file that was received: {why}");
        return Err(FatalError::unreadable(file, why).into());
    }
    let mut parser = FileParser::new(file);
    let mut cutter = ChunkCutter::new(&batch.batch_id, batch.attempt, file, chunk_bytes)
        .with_issue_limit(issue_limit);
    let mut publisher = ChunkPublisher::new(bus.clone(), &batch, file, inflight);
    let mut size = 0u64;
    let mut buf = vec![0u8; READ_BYTES];
    loop {
        let n = match object.read(&mut buf).await {
            Ok(n) => n,
            // The bytes do not match the digest the store recorded for them.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let why = format!("the stored bytes are damaged: {e}");
                return Err(FatalError::unreadable(file, why).into());
            }
            Err(e) => return Err(read_error(&e)),
        };
        if n == 0 {
            break;
        }
        let piece = &buf[..n];
        size += n as u64;
        let before = cutter.counts();
        parser.push(piece, &mut cutter)?;
        let after = cutter.counts();
        meter.add(n as u64, after.0 + after.1 - before.0 - before.1);
        for cut in cutter.take_ready() {
            publisher.send(cut).await?;
        }
    }
    if size != input.size {
        let why = format!(
            "{size} bytes were read of the {} bytes received",
            input.size
        );
        return Err(FatalError::unreadable(file, why).into());
    }
    parser.finish(&mut cutter)?;
    let cutter_left = cutter.not_itemised();
    let (cuts, set) = cutter.finish();
    for cut in cuts {
        publisher.send(cut).await?;
    }
    publisher.flush().await?;
    tracing::info!(
        file = file.as_str(),
        bytes = size,
        rows = set.rows,
        issues = set.issues,
        issues_not_itemised = cutter_left,
        chunks = set.chunks,
        "file validated"
    );
    Ok(set)
}
