//! The encoding's building blocks: LEB128 varints (written, and read in their shortest form
//! only), the file and issue-code bytes, and a [`Reader`] that checks every length against
//! the bytes left.

use super::error::ChunkError;
use tiqets_domain::value::MAX_ID;
use tiqets_domain::{FileKind, IssueCode};

/// The first bytes of every chunk.
pub(super) const MAGIC: &[u8; 4] = b"TQR1";
/// Flag bit: the file's last chunk.
pub(super) const LAST: u8 = 1;
/// Flag bit: after the issues, the counts of the file's issues that were not itemised
/// (`docs/processing-rules.md`, "Issue floods"); only ever on a last chunk.
pub(super) const COUNTED: u8 = 2;

/// The byte of a file in a chunk.
pub(super) fn file_byte(file: FileKind) -> u8 {
    match file {
        FileKind::Orders => 0,
        FileKind::Barcodes => 1,
    }
}

/// The byte of an issue code: its place in [`IssueCode::ALL`].
pub(super) fn code_byte(code: IssueCode) -> u8 {
    IssueCode::ALL
        .iter()
        .position(|c| *c == code)
        .expect("IssueCode::ALL lists every code") as u8
}

/// Appends `v` as a LEB128 varint (its shortest form): the partition records' writer.
pub(super) use tiqets_domain::partition::codec::put_varint;

/// Reads a chunk's bytes front to back; every read is checked against what is left.
pub(super) struct Reader<'a> {
    pub(super) b: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], ChunkError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or(ChunkError::Truncated(self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub(super) fn byte(&mut self) -> Result<u8, ChunkError> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn varint(&mut self) -> Result<u64, ChunkError> {
        let start = self.at;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = (b & 0x7f) as u64;
            if shift == 63 && part > 1 {
                break;
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                // A last byte of 0 after others is a longer form of a shorter varint.
                if b == 0 && shift > 0 {
                    break;
                }
                return Ok(v);
            }
        }
        Err(ChunkError::BadValue {
            what: "varint",
            at: start,
        })
    }

    /// An order or customer id: 1 to [`MAX_ID`] (`docs/processing-rules.md`, Values).
    pub(super) fn id(&mut self, what: &'static str) -> Result<u64, ChunkError> {
        let at = self.at;
        Some(self.varint()?)
            .filter(|id| (1..=MAX_ID).contains(id))
            .ok_or(ChunkError::BadValue { what, at })
    }

    pub(super) fn u32(&mut self, what: &'static str) -> Result<u32, ChunkError> {
        let at = self.at;
        u32::try_from(self.varint()?).map_err(|_| ChunkError::BadValue { what, at })
    }

    /// A count or length: bounded by the bytes left, so corrupt input cannot make us
    /// allocate.
    pub(super) fn len(&mut self, what: &'static str) -> Result<usize, ChunkError> {
        let at = self.at;
        let v = self.varint()?;
        usize::try_from(v)
            .ok()
            .filter(|n| *n <= self.b.len())
            .ok_or(ChunkError::BadValue { what, at })
    }

    /// An issue code: its place in [`IssueCode::ALL`].
    pub(super) fn code(&mut self) -> Result<IssueCode, ChunkError> {
        let at = self.at;
        let what = "issue code";
        let code = IssueCode::ALL.get(self.byte()? as usize);
        code.copied().ok_or(ChunkError::BadValue { what, at })
    }

    pub(super) fn file(&mut self) -> Result<FileKind, ChunkError> {
        let at = self.at;
        match self.byte()? {
            0 => Ok(FileKind::Orders),
            1 => Ok(FileKind::Barcodes),
            _ => Err(ChunkError::BadValue { what: "file", at }),
        }
    }
}
