//! What ingest refuses, and the rejected folder where it goes.
//!
//! Two things are refused:
//! - **an entry that is not a regular file** where ingest would read a file or enter a
//!   folder: a symbolic link, a FIFO, a socket, a device, a folder named like a batch file
//!   (which entries exactly: [`crate::scan`]; how reading checks again: [`crate::open`]).
//!   It is never followed, opened or read. It is moved, as it is (a link stays a link, a FIFO
//!   a FIFO, a folder keeps its contents), into the rejected folder, by a rename only: if it
//!   cannot be renamed there (another file system, no permission), it stays where it is,
//!   ignored, and is logged once, not at every rescan, until it goes away.
//! - **a pair with a file larger than `TIQETS_INGEST_MAX_FILE_BYTES`**: neither file is read
//!   (not even hashed, which would read the whole file: the limit bounds what ingest reads).
//!   The batch is reported `failed`, with a reason naming the file, its size and the limit,
//!   under an id of its own, [`refused_id`] (its content id needs the files' digests), and
//!   both files are moved into the rejected folder (copied and deleted across file systems,
//!   like archiving).
//!
//! The rejected folder (`TIQETS_REJECTED_DIR`, by default `rejected/` in the archive folder)
//! holds one folder per refusal, `<UTC time>/`, with what was refused under its path
//! relative to the input folder (`monday/orders.csv`, `orders-x.csv`) and `reason.txt`
//! saying why, from where, when and by which replica. To retry a pair after raising the
//! limit, move its files (or its batch folder) back into the input folder.

use crate::claim::move_file;
use crate::open::EntryKind;
use std::fmt::Write as _;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;
use tiqets_contract::{BatchId, Sha256Hasher};

/// The note written beside what was refused.
pub const REASON_FILE: &str = "reason.txt";

/// Moves `items` (each: where it is now, and its path relative to the input folder) into
/// a new folder `<rejected_root>/<stamp>/` under their relative paths, with `note` as
/// [`REASON_FILE`]. Returns that folder, or `None` when the first item was already gone
/// (another replica took it). An item that is not a regular file is only ever renamed.
pub fn reject(
    rejected_root: &Path,
    stamp: &str,
    items: &[(PathBuf, &Path)],
    note: &str,
) -> io::Result<Option<PathBuf>> {
    let dest = reserve(rejected_root, stamp)?;
    std::fs::write(dest.join(REASON_FILE), note)?;
    for (i, (from, rel)) in items.iter().enumerate() {
        let to = dest.join(rel);
        let moved = to
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| move_file(from, &to));
        match moved {
            Ok(()) => {}
            Err(e) if i == 0 => {
                // Nothing moved yet: leave no empty refusal behind.
                let _ = std::fs::remove_dir_all(&dest);
                return if e.kind() == io::ErrorKind::NotFound {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("{e} (moving {} to {})", from.display(), to.display()),
                ))
            }
        }
    }
    Ok(Some(dest))
}

/// Creates `<root>/<stamp>/`, or `<root>/<stamp>-<n>/` when that exists (replicas may
/// refuse at the same millisecond).
fn reserve(root: &Path, stamp: &str) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(root)?;
    let mut dest = root.join(stamp);
    loop {
        match std::fs::create_dir(&dest) {
            Ok(()) => return Ok(dest),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let n = COUNTER.fetch_add(1, Ordering::Relaxed);
                dest = root.join(format!("{stamp}-{}-{n}", std::process::id()));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The note of an entry that is not a regular file.
pub fn entry_note(rel: &Path, kind: &EntryKind, from: &Path, instance: &str) -> String {
    format!(
        "{}\nfrom: {}\nat: {}\nby: {instance}\n",
        entry_reason(rel, kind),
        from.display(),
        now()
    )
}

/// Why an entry that is not a regular file was refused.
pub fn entry_reason(rel: &Path, kind: &EntryKind) -> String {
    format!(
        "{} is {kind}: ingest reads regular files only, and never follows links or opens anything else",
        rel.display()
    )
}

/// The note of a pair refused as too large.
pub fn pair_note(
    reason: &str,
    batch_id: &BatchId,
    name: &str,
    from: [&Path; 2],
    instance: &str,
) -> String {
    format!(
        "{reason}\nbatch: {batch_id} ({name:?}), reported failed\nfrom: {}\n      {}\nat: {}\nby: {instance}\n",
        from[0].display(),
        from[1].display(),
        now()
    )
}

/// The reason of a pair whose files `over` (path relative to the input folder, size) are
/// larger than `limit` bytes.
pub fn too_large_reason(over: &[(&Path, u64)], limit: u64) -> String {
    let mut s = String::new();
    for (i, (rel, size)) in over.iter().enumerate() {
        if i > 0 {
            s.push_str(" and ");
        }
        let _ = write!(s, "{} is {}", rel.display(), bytes(*size));
    }
    let each = if over.len() > 1 { " each" } else { "" };
    let _ = write!(
        s,
        ",{each} larger than the {} an input file may have (TIQETS_INGEST_MAX_FILE_BYTES); the pair was not read",
        bytes(limit)
    );
    s
}

/// `1234 bytes`, with the binary unit beside it from 1 KiB on: `5368709120 bytes (5.0 GiB)`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{n} bytes ({value:.1} {})", UNITS[unit])
}

/// The id of a pair refused without being read: `r-{name}-{16 hex}`, from the batch name
/// and each file's path (relative to the input folder), size and modification time. Its
/// content id ([`BatchId::for_pair`]) would need both files hashed, which is what the size
/// limit avoids. The same files seen again (by a replica finishing a stale claim) get the
/// same id, so the failure is reported once; the `r-` prefix never meets a content id
/// (`b…`) or a waiting one (`w-…`).
pub fn refused_id(name: &str, files: [(&Path, &Metadata); 2]) -> BatchId {
    let mut h = Sha256Hasher::new();
    h.update(name.as_bytes());
    for (rel, meta) in files {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        h.update(b"\0");
        h.update(rel.as_os_str().as_encoded_bytes());
        h.update(b"\0");
        h.update(&meta.len().to_be_bytes());
        h.update(&mtime.as_nanos().to_be_bytes());
    }
    let slug = BatchId::slug(name);
    let tag = &h.finish().to_hex()[..16];
    // Letters, digits, '-' and '_', at most 59 characters: always a valid id.
    BatchId::parse(&format!("r-{slug}-{tag}")).expect("a valid batch id")
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::mkfifo;

    #[test]
    fn sizes_read_in_bytes_and_binary_units() {
        assert_eq!(bytes(0), "0 bytes");
        assert_eq!(bytes(1023), "1023 bytes");
        assert_eq!(bytes(4 << 30), "4294967296 bytes (4.0 GiB)");
        assert_eq!(bytes(5_000_000), "5000000 bytes (4.8 MiB)");
    }

    #[test]
    fn the_reason_names_the_file_its_size_and_the_limit() {
        let r = too_large_reason(&[(Path::new("monday/orders.csv"), 5000)], 4096);
        assert_eq!(
            r,
            "monday/orders.csv is 5000 bytes (4.9 KiB), larger than the 4096 bytes (4.0 KiB) \
             an input file may have (TIQETS_INGEST_MAX_FILE_BYTES); the pair was not read"
        );
        let r = too_large_reason(
            &[
                (Path::new("orders.csv"), 5000),
                (Path::new("barcodes.csv"), 6000),
            ],
            10,
        );
        assert!(
            r.starts_with("orders.csv is 5000 bytes (4.9 KiB) and barcodes.csv is 6000 bytes (5.9 KiB), each larger than the 10 bytes"),
            "{r}"
        );
    }

    #[test]
    fn a_refused_id_is_stable_valid_and_apart() {
        let dir = tempfile::tempdir().unwrap();
        let (o, b) = (dir.path().join("o"), dir.path().join("b"));
        std::fs::write(&o, "orders").unwrap();
        std::fs::write(&b, "barcodes").unwrap();
        let (om, bm) = (o.metadata().unwrap(), b.metadata().unwrap());
        let files = [
            (Path::new("a b/orders.csv"), &om),
            (Path::new("a b/barcodes.csv"), &bm),
        ];
        let id = refused_id("a b", files);
        assert_eq!(id, refused_id("a b", files));
        assert!(id.as_str().starts_with("r-a_b-"), "{id}");
        assert_eq!(id.as_str().len(), "r-a_b-".len() + 16);
        assert!(!id.is_waiting());
        assert_ne!(id, refused_id("a c", files));
        let long = "x".repeat(300);
        assert!(BatchId::parse(refused_id(&long, files).as_str()).is_ok());
    }

    #[test]
    fn rejecting_moves_entries_as_they_are_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        let root = dir.path().join("rejected");
        std::fs::create_dir_all(input.join("monday")).unwrap();
        mkfifo(&input.join("monday/barcodes.csv"));
        let rel = Path::new("monday/barcodes.csv");
        let dest = reject(&root, "T1", &[(input.join(rel), rel)], "why\n")
            .unwrap()
            .unwrap();
        assert_eq!(dest, root.join("T1"));
        let moved = std::fs::symlink_metadata(dest.join(rel)).unwrap();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&moved.file_type()));
        assert_eq!(
            std::fs::read_to_string(dest.join(REASON_FILE)).unwrap(),
            "why\n"
        );
        // Gone meanwhile: nothing left behind.
        assert_eq!(
            reject(&root, "T2", &[(input.join(rel), rel)], "why\n").unwrap(),
            None
        );
        assert!(!root.join("T2").exists());
        // The same stamp twice: a folder of its own.
        std::fs::write(input.join("orders.csv"), "o").unwrap();
        let rel = Path::new("orders.csv");
        let again = reject(&root, "T1", &[(input.join(rel), rel)], "why\n")
            .unwrap()
            .unwrap();
        assert_ne!(again, dest);
        assert!(again.join("orders.csv").is_file());
    }
}
