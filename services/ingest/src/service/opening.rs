//! Opening a claim's two files (see [`crate::open`]): both regular files within the size
//! limit, hashed, or why not.

use crate::claim::Claim;
use crate::open::{self, EntryKind, Hashed, OpenError};
use std::fs::{File, Metadata};
use std::path::PathBuf;
use tiqets_contract::Sha256;
use tiqets_domain::FileKind;

/// What the files of a claim turned out to be.
pub(super) enum Opened {
    /// Both regular files, within the size limit: hashed, positioned at their start.
    Pair([(File, Sha256, u64); 2]),
    /// A file larger than the limit (path relative to the input folder, size); the
    /// metadata of both, for the refused id.
    TooLarge {
        over: Vec<(PathBuf, u64)>,
        meta: Box<[Metadata; 2]>,
    },
    /// A file that is not a regular file (replaced after the scan saw a regular file).
    NotRegular(FileKind, EntryKind),
}

/// Opens both files of a claim and, when both are regular files within `limit`, hashes
/// them (on blocking threads, both at once).
pub(super) async fn open_claim(c: &Claim, limit: u64) -> std::io::Result<Opened> {
    let paths = [c.orders(), c.barcodes()];
    let opened = tokio::task::spawn_blocking(move || paths.map(|p| open::open_regular(&p)))
        .await
        .map_err(std::io::Error::other)?;
    let mut files = Vec::with_capacity(2);
    for (kind, opened) in [FileKind::Orders, FileKind::Barcodes]
        .into_iter()
        .zip(opened)
    {
        match opened {
            Ok(f) => files.push(f),
            Err(OpenError::NotRegular(what)) => return Ok(Opened::NotRegular(kind, what)),
            Err(OpenError::Io(e)) => return Err(e),
        }
    }
    let [(o, o_meta), (b, b_meta)]: [(File, Metadata); 2] = files
        .try_into()
        .map_err(|_| std::io::Error::other("two files"))?;
    let rels = [c.record.orders_from.clone(), c.record.barcodes_from.clone()];
    let too_large = |sizes: [u64; 2], meta: [Metadata; 2]| {
        let over = rels
            .iter()
            .zip(sizes)
            .filter(|(_, size)| *size > limit)
            .map(|(rel, size)| (rel.clone(), size))
            .collect();
        Opened::TooLarge {
            over,
            meta: Box::new(meta),
        }
    };
    // The size the open files have now: a file over the limit is not read at all.
    let sizes = [o_meta.len(), b_meta.len()];
    if sizes.iter().any(|s| *s > limit) {
        return Ok(too_large(sizes, [o_meta, b_meta]));
    }
    let hash = |mut f: File| {
        tokio::task::spawn_blocking(move || {
            let hashed = open::hash_limited(&mut f, limit)?;
            Ok::<_, std::io::Error>((f, hashed))
        })
    };
    let (o, b) = tokio::try_join!(hash(o), hash(b)).map_err(std::io::Error::other)?;
    let ((o, o_hashed), (b, b_hashed)) = (o?, b?);
    match (o_hashed, b_hashed) {
        (
            Hashed::Whole {
                sha256: o_sha,
                size: o_size,
            },
            Hashed::Whole {
                sha256: b_sha,
                size: b_size,
            },
        ) => Ok(Opened::Pair([(o, o_sha, o_size), (b, b_sha, b_size)])),
        // Grown past the limit since it was measured.
        (o_hashed, b_hashed) => {
            let size = |h: Hashed, measured| match h {
                Hashed::TooLarge { size } => size,
                Hashed::Whole { .. } => measured,
            };
            Ok(too_large(
                [size(o_hashed, sizes[0]), size(b_hashed, sizes[1])],
                [o_meta, b_meta],
            ))
        }
    }
}
