//! Listing the input folder: regular files at the top level and one folder down.

use crate::pairing::{is_ignored, Entry};
use std::path::Path;

/// The files pairing looks at. Ignored names (hidden, temporary, claim folders) are
/// skipped; unreadable entries are left for the next scan.
pub fn list(input: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(input)?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_ignored(name) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file() {
            push(&mut out, name.into(), &meta);
        } else if meta.is_dir() {
            let Ok(inner) = std::fs::read_dir(entry.path()) else {
                continue;
            };
            for f in inner.flatten() {
                let fname = f.file_name();
                let Some(fname) = fname.to_str() else {
                    continue;
                };
                if let Ok(m) = f.metadata() {
                    if m.is_file() {
                        push(&mut out, Path::new(name).join(fname), &m);
                    }
                }
            }
        }
    }
    Ok(out)
}

fn push(out: &mut Vec<Entry>, rel: std::path::PathBuf, meta: &std::fs::Metadata) {
    if let Ok(mtime) = meta.modified() {
        out.push(Entry {
            rel,
            size: meta.len(),
            mtime,
        });
    }
}
