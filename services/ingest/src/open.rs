//! Opening input files without leaving the input folder and without blocking.
//!
//! Ingest reads regular files only. A path is first looked at with `lstat`
//! ([`std::fs::symlink_metadata`]), which neither follows a link nor opens anything: a
//! symbolic link, a FIFO, a socket, a device or a folder is refused there ([`EntryKind`]),
//! before anything opens it (opening a FIFO for reading waits for a writer; opening a
//! device may act on it). A regular file is then opened with
//! `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY`, so that a path replaced in the meantime by a link
//! or a FIFO is neither followed nor waited on, and what was opened is checked again with
//! `fstat` (`O_NONBLOCK` changes nothing for reading a regular file). Everything read
//! afterwards ([`hash_limited`], then the publish) comes from that open file, never from
//! the path again.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read, Seek};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use tiqets_contract::{Sha256, Sha256Hasher};

/// What an entry that is not a regular file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// With its target as read from the link (never followed), when readable.
    Symlink(Option<PathBuf>),
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    Directory,
    /// Anything else the file system may report.
    Other,
}

impl EntryKind {
    /// What `file_type` (of an `lstat`, not following links) is, or `None` for a regular
    /// file. `path` is only used to read a link's target.
    pub fn of(file_type: std::fs::FileType, path: &Path) -> Option<EntryKind> {
        Some(if file_type.is_file() {
            return None;
        } else if file_type.is_symlink() {
            EntryKind::Symlink(std::fs::read_link(path).ok())
        } else if file_type.is_dir() {
            EntryKind::Directory
        } else if file_type.is_fifo() {
            EntryKind::Fifo
        } else if file_type.is_socket() {
            EntryKind::Socket
        } else if file_type.is_block_device() {
            EntryKind::BlockDevice
        } else if file_type.is_char_device() {
            EntryKind::CharDevice
        } else {
            EntryKind::Other
        })
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryKind::Symlink(Some(target)) => {
                write!(f, "a symbolic link (to {})", target.display())
            }
            EntryKind::Symlink(None) => f.write_str("a symbolic link"),
            EntryKind::Fifo => f.write_str("a FIFO (named pipe)"),
            EntryKind::Socket => f.write_str("a socket"),
            EntryKind::BlockDevice => f.write_str("a block device"),
            EntryKind::CharDevice => f.write_str("a character device"),
            EntryKind::Directory => f.write_str("a directory"),
            EntryKind::Other => f.write_str("not a regular file"),
        }
    }
}

/// Why a file could not be opened for reading.
#[derive(Debug)]
pub enum OpenError {
    /// It is not a regular file: refused, nothing was read.
    NotRegular(EntryKind),
    Io(io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::NotRegular(kind) => write!(f, "{kind}, not a regular file"),
            OpenError::Io(e) => e.fmt(f),
        }
    }
}

/// Opens `path` for reading if, and only if, it is a regular file (see the module doc).
/// Returns the file and its `fstat` metadata. Never blocks on a FIFO or a device.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), OpenError> {
    let not_regular = |meta: &Metadata| EntryKind::of(meta.file_type(), path);
    let before = std::fs::symlink_metadata(path).map_err(OpenError::Io)?;
    if let Some(kind) = not_regular(&before) {
        return Err(OpenError::NotRegular(kind));
    }
    open_no_follow(path)
}

/// The open itself, for a path that was a regular file a moment ago but may have been
/// replaced since: a link is not followed, a FIFO or a device not waited on, and what was
/// opened is checked with `fstat`.
fn open_no_follow(path: &Path) -> Result<(File, Metadata), OpenError> {
    let not_regular = |meta: &Metadata| EntryKind::of(meta.file_type(), path);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            // Say by what it was replaced, if it is still there (a link: `ELOOP`; a socket:
            // `ENXIO`).
            match std::fs::symlink_metadata(path)
                .ok()
                .and_then(|m| not_regular(&m))
            {
                Some(kind) => OpenError::NotRegular(kind),
                None => OpenError::Io(e),
            }
        })?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    if let Some(kind) = not_regular(&meta) {
        return Err(OpenError::NotRegular(kind));
    }
    Ok((file, meta))
}

/// What reading a file up to a limit found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashed {
    /// The whole file: its digest and length.
    Whole { sha256: Sha256, size: u64 },
    /// It holds more than the limit (it grew after it was measured): at least `size` bytes.
    TooLarge { size: u64 },
}

/// Hashes `file` from its start, reading at most `limit` + 1 bytes, and leaves it positioned
/// at its start again for the publish.
pub fn hash_limited(file: &mut File, limit: u64) -> io::Result<Hashed> {
    file.rewind()?;
    let mut hasher = Sha256Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Ok(Hashed::TooLarge { size });
        }
        hasher.update(&buf[..n]);
    }
    file.rewind()?;
    Ok(Hashed::Whole {
        sha256: hasher.finish(),
        size,
    })
}

/// Creates a FIFO at `path` (for tests).
#[cfg(test)]
pub(crate) fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_opens_and_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("orders.csv");
        std::fs::write(&p, "order_id\n1\n").unwrap();
        let (mut f, meta) = open_regular(&p).unwrap();
        assert_eq!(meta.len(), 11);
        let whole = Hashed::Whole {
            sha256: Sha256::of(b"order_id\n1\n"),
            size: 11,
        };
        assert_eq!(hash_limited(&mut f, 11).unwrap(), whole);
        // Positioned at the start again.
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, "order_id\n1\n");
        assert_eq!(
            hash_limited(&mut f, 10).unwrap(),
            Hashed::TooLarge { size: 11 }
        );
    }

    #[test]
    fn a_symlink_is_refused_and_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("outside.csv");
        std::fs::write(&target, "secret").unwrap();
        let link = dir.path().join("orders.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        match open_regular(&link) {
            Err(OpenError::NotRegular(EntryKind::Symlink(Some(t)))) => assert_eq!(t, target),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_fifo_a_directory_and_a_device_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("barcodes.csv");
        mkfifo(&fifo);
        assert!(matches!(
            open_regular(&fifo),
            Err(OpenError::NotRegular(EntryKind::Fifo))
        ));
        assert!(matches!(
            open_regular(dir.path()),
            Err(OpenError::NotRegular(EntryKind::Directory))
        ));
        assert!(matches!(
            open_regular(Path::new("/dev/null")),
            Err(OpenError::NotRegular(EntryKind::CharDevice))
        ));
        let err = open_regular(&dir.path().join("missing")).unwrap_err();
        assert!(matches!(err, OpenError::Io(ref e) if e.kind() == io::ErrorKind::NotFound));
    }

    #[test]
    fn the_open_itself_neither_follows_nor_waits() {
        // As if the path had been replaced between the lstat and the open.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("outside.csv");
        std::fs::write(&target, "secret").unwrap();
        let link = dir.path().join("orders.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            open_no_follow(&link),
            Err(OpenError::NotRegular(EntryKind::Symlink(_)))
        ));
        let fifo = dir.path().join("barcodes.csv");
        mkfifo(&fifo);
        // No writer: a plain open would wait for one forever.
        assert!(matches!(
            open_no_follow(&fifo),
            Err(OpenError::NotRegular(EntryKind::Fifo))
        ));
        assert!(matches!(
            open_no_follow(Path::new("/dev/null")),
            Err(OpenError::NotRegular(EntryKind::CharDevice))
        ));
        assert!(matches!(
            open_no_follow(dir.path()),
            Err(OpenError::NotRegular(EntryKind::Directory))
        ));
        let socket = dir.path().join("socket.csv");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(matches!(
            open_no_follow(&socket),
            Err(OpenError::NotRegular(EntryKind::Socket))
        ));
        assert!(open_no_follow(&target).is_ok());
    }

    #[test]
    fn kinds_read_as_what_they_are() {
        assert_eq!(
            EntryKind::Symlink(Some("/etc/passwd".into())).to_string(),
            "a symbolic link (to /etc/passwd)"
        );
        assert_eq!(EntryKind::Fifo.to_string(), "a FIFO (named pipe)");
        assert_eq!(
            OpenError::NotRegular(EntryKind::Directory).to_string(),
            "a directory, not a regular file"
        );
    }
}
