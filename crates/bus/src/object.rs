//! Objects of the file bucket: the chunk size they are stored in ([`OBJECT_CHUNK_BYTES`]), and
//! an object against the digest and size a message announced.
//!
//! The object store computes an object's SHA-256 while it is put and records it in the
//! object's info; reading the object to its end checks the bytes against that record (the
//! read fails with "wrong digest" otherwise). So a reader that finds the recorded digest and
//! size equal to the announced ones has the announced bytes once it has read them all, and
//! a writer has stored what it meant to from the digest `put` returns: neither hashes the
//! bytes again.

use async_nats::jetstream::object_store::ObjectInfo;
use tiqets_contract::Sha256;

/// Bytes per object-store chunk (one message each). The client waits for each chunk's
/// acknowledgement before it sends the next, so the chunk size sets the number of round
/// trips: 512 KiB takes a quarter of the default 128 KiB's (NATS's message limit is 1 MiB).
pub const OBJECT_CHUNK_BYTES: usize = 512 * 1024;

/// `Ok` when `info` records `sha256` and `size`; otherwise what it records instead.
pub fn check_object(info: &ObjectInfo, sha256: &Sha256, size: u64) -> Result<(), String> {
    let recorded = stored_digest(info);
    if recorded == Some((*sha256, size)) {
        return Ok(());
    }
    Err(format!(
        "object {} is {} bytes with SHA-256 {}, expected {size} bytes with {sha256}",
        info.name,
        info.size,
        recorded.map_or_else(|| "(none recorded)".to_string(), |(d, _)| d.to_hex()),
    ))
}

/// The digest and size the store recorded for an object just put.
pub fn stored_digest(info: &ObjectInfo) -> Option<(Sha256, u64)> {
    let digest = Sha256::from_object_digest(info.digest.as_deref()?)?;
    Some((digest, info.size as u64))
}
