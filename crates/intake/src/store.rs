//! The input files as objects of the namespace's file bucket: refused up front when the
//! bucket has no room for them, streamed in chunks of [`OBJECT_CHUNK_BYTES`], checked
//! against the digest the store computed while storing, and not sent again when an object
//! with the same digest is already there.

use crate::pair::Input;
use crate::published::PublishError;
use async_nats::jetstream::object_store::{ObjectMetadata, ObjectStore};
use std::collections::HashMap;
use tiqets_bus::object::{stored_digest, OBJECT_CHUNK_BYTES};
use tiqets_bus::{Bus, BusError};
use tiqets_contract::FileRef;
use tokio::io::AsyncRead;

/// Object metadata key holding the hex SHA-256 of the object.
const SHA256_META: &str = "sha256";

/// Refuses objects the file bucket has no room for under its byte limit (`tiqets-admin
/// setup-nats`) before a byte of them is stored: a put refused half-way would leave its
/// first chunks behind until they expire. Objects already stored need no room. Without
/// a limit, or where the stream's figures cannot be read (a user without that right),
/// the puts go ahead and the server still refuses what does not fit.
pub(crate) async fn check_room(
    bus: &Bus,
    files: &ObjectStore,
    objects: &[(&String, u64)],
) -> Result<(), BusError> {
    let bucket = bus.names().files_bucket();
    let name = format!("OBJ_{bucket}");
    let Ok(mut stream) = bus.jetstream().get_stream(&name).await else {
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

/// Streams `input` into `key`, unless an object with the same digest is already there.
pub(crate) async fn put_verified<R: AsyncRead + Unpin + Send>(
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
    // The store hashed the bytes as it stored them (see tiqets_bus::object).
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
