//! Listing the input folder: regular files at the top level and one folder down, and the
//! entries ingest refuses.
//!
//! Nothing here follows a symbolic link or opens a file: entry types come from the
//! directory listing (`lstat`), and only real folders are listed in turn. An entry is
//! **refused** ([`Refused`]) when it is where ingest would read a file or enter a folder
//! and is not what it must be (see [`crate::open`] for what reading checks again):
//! - at the top level, a symbolic link (whatever it points to: by its name it would be a
//!   batch file or a batch folder), and anything but a regular file named like a batch file
//!   (`orders*.csv`, `barcodes*.csv`: a FIFO, a socket, a device, a folder);
//! - in a batch folder, an `orders.csv` or `barcodes.csv` that is not a regular file.
//!
//! Other entries that are not regular files (a FIFO named `notes`, say) take no part and
//! are left alone, like any other file that is not a batch file. Ignored names (hidden,
//! temporary, claim folders) are skipped; unreadable entries are left for the next scan.

use crate::open::EntryKind;
use crate::pairing::{classify, is_ignored, Entry};
use std::path::{Path, PathBuf};

/// An entry ingest will not read, `rel` relative to the input folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub rel: PathBuf,
    pub kind: EntryKind,
}

/// One scan of the input folder.
#[derive(Debug, Default)]
pub struct Listing {
    /// The regular files pairing looks at.
    pub entries: Vec<Entry>,
    /// Entries refused (see the module doc).
    pub refused: Vec<Refused>,
}

/// Lists the input folder (see the module doc).
pub fn list(input: &Path) -> std::io::Result<Listing> {
    let mut out = Listing::default();
    for entry in std::fs::read_dir(input)?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_ignored(name) {
            continue;
        }
        // Not following links (lstat, or the listing's own type).
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let rel = PathBuf::from(name);
        if file_type.is_file() {
            if let Ok(meta) = entry.metadata() {
                push(&mut out.entries, rel, &meta);
            }
        } else if file_type.is_dir() && classify(&rel).is_none() {
            list_folder(&entry.path(), &rel, &mut out);
        } else if file_type.is_symlink() || classify(&rel).is_some() {
            if let Some(kind) = EntryKind::of(file_type, &entry.path()) {
                out.refused.push(Refused { rel, kind });
            }
        }
    }
    Ok(out)
}

/// The files of a batch folder `rel` (a real folder, not a link).
fn list_folder(dir: &Path, rel: &Path, out: &mut Listing) {
    let Ok(inner) = std::fs::read_dir(dir) else {
        return;
    };
    for f in inner.flatten() {
        let fname = f.file_name();
        let Some(fname) = fname.to_str() else {
            continue;
        };
        let Ok(file_type) = f.file_type() else {
            continue;
        };
        let frel = rel.join(fname);
        if file_type.is_file() {
            if let Ok(meta) = f.metadata() {
                push(&mut out.entries, frel, &meta);
            }
        } else if classify(&frel).is_some() {
            if let Some(kind) = EntryKind::of(file_type, &f.path()) {
                out.refused.push(Refused { rel: frel, kind });
            }
        }
    }
}

fn push(out: &mut Vec<Entry>, rel: PathBuf, meta: &std::fs::Metadata) {
    if let Ok(mtime) = meta.modified() {
        out.push(Entry {
            rel,
            size: meta.len(),
            mtime,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::mkfifo;

    fn refused(listing: &Listing) -> Vec<(String, EntryKind)> {
        let mut r: Vec<_> = listing
            .refused
            .iter()
            .map(|r| (r.rel.display().to_string(), r.kind.clone()))
            .collect();
        r.sort_by(|a, b| a.0.cmp(&b.0));
        r
    }

    #[test]
    fn regular_files_are_listed_and_misplaced_entries_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input");
        let outside = dir.path().join("elsewhere");
        std::fs::create_dir_all(input.join("monday")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("orders.csv"), "x").unwrap();
        std::fs::write(input.join("barcodes.csv"), "b").unwrap();
        std::fs::write(input.join("monday/orders.csv"), "o").unwrap();
        std::os::unix::fs::symlink(outside.join("orders.csv"), input.join("orders.csv")).unwrap();
        std::os::unix::fs::symlink(&outside, input.join("tuesday")).unwrap();
        mkfifo(&input.join("monday/barcodes.csv"));
        std::fs::create_dir_all(input.join("orders-x.csv")).unwrap();
        std::fs::create_dir_all(input.join("wednesday/ORDERS.csv")).unwrap();
        // Taking no part: left alone.
        mkfifo(&input.join("notes"));
        mkfifo(&input.join("monday/notes"));
        std::os::unix::fs::symlink(&outside, input.join(".hidden")).unwrap();
        mkfifo(&input.join("orders.csv.part"));

        let listing = list(&input).unwrap();
        let mut files: Vec<_> = listing.entries.iter().map(|e| e.rel.clone()).collect();
        files.sort();
        assert_eq!(
            files,
            [PathBuf::from("barcodes.csv"), "monday/orders.csv".into()]
        );
        assert_eq!(
            refused(&listing),
            [
                ("monday/barcodes.csv".into(), EntryKind::Fifo),
                ("orders-x.csv".into(), EntryKind::Directory),
                (
                    "orders.csv".into(),
                    EntryKind::Symlink(Some(outside.join("orders.csv")))
                ),
                ("tuesday".into(), EntryKind::Symlink(Some(outside.clone()))),
                ("wednesday/ORDERS.csv".into(), EntryKind::Directory),
            ]
        );
    }
}
