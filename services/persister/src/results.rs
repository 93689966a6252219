//! Reading a result object the merger wrote: streamed in chunks, split into CSV records,
//! checked against its [`ResultRef`] (size, rows, and the SHA-256 the store recorded and
//! checks the bytes against: see `tiqets_bus::object`), and optionally copied byte for byte
//! into an output file on the way.

use crate::error::PersistError;
use async_nats::jetstream::object_store::{GetErrorKind, Object, ObjectStore};
use std::path::PathBuf;
use tiqets_bus::check_object;
use tiqets_contract::ResultRef;
use tiqets_domain::records::{Split, Splitter};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};

/// Bytes read from the object store per step.
const READ_CHUNK: usize = 256 * 1024;

/// The records of one step, copied out of the splitter so they can be used across
/// `.await`s: every field's bytes back to back in `text`.
#[derive(Default)]
pub struct Records {
    text: Vec<u8>,
    /// End offset in `text` of every field.
    ends: Vec<usize>,
    /// Per record: (line, index of its first field in `ends`, number of fields).
    records: Vec<(u64, usize, usize)>,
    /// Records at the front that are not data (the header).
    skip: usize,
}

/// One record of a [`Records`].
pub struct Rec<'a> {
    pub line: u64,
    text: &'a [u8],
    ends: &'a [usize],
    first: usize,
    len: usize,
}

impl<'a> Rec<'a> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn field(&self, i: usize) -> &'a [u8] {
        let k = self.first + i;
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.text[start..self.ends[k]]
    }
}

impl Records {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.records.clear();
        self.skip = 0;
    }

    /// Data records in this step.
    pub fn len(&self) -> usize {
        self.records.len() - self.skip
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&mut self, line: u64, fields: impl Iterator<Item = impl AsRef<[u8]>>) {
        let first = self.ends.len();
        for f in fields {
            self.text.extend_from_slice(f.as_ref());
            self.ends.push(self.text.len());
        }
        self.records.push((line, first, self.ends.len() - first));
    }

    pub fn iter(&self) -> impl Iterator<Item = Rec<'_>> + '_ {
        self.records[self.skip..]
            .iter()
            .map(|&(line, first, len)| Rec {
                line,
                text: &self.text,
                ends: &self.ends,
                first,
                len,
            })
    }
}

/// A result object being read.
pub struct ResultStream<'r> {
    reference: &'r ResultRef,
    file: &'static str,
    header: &'static str,
    object: Object,
    splitter: Splitter,
    chunk: Vec<u8>,
    records: Records,
    bytes: u64,
    rows: u64,
    header_seen: bool,
    broken: Option<(u64, String)>,
    tee: Option<(PathBuf, BufWriter<File>)>,
    done: bool,
}

impl<'r> ResultStream<'r> {
    /// Opens `reference`'s object. `header` is the file's expected first line (without the
    /// line break); `tee`, when given, receives every byte read.
    pub async fn open(
        files: &ObjectStore,
        reference: &'r ResultRef,
        header: &'static str,
        tee: Option<(PathBuf, File)>,
    ) -> Result<ResultStream<'r>, PersistError> {
        let object = files
            .get(&reference.key)
            .await
            .map_err(|e| PersistError::Object {
                key: reference.key.clone(),
                message: e.to_string(),
                transient: e.kind() != GetErrorKind::NotFound,
            })?;
        // Read to its end, the object is checked against this digest by the store itself.
        check_object(&object.info, &reference.sha256, reference.size).map_err(|message| {
            PersistError::Mismatch {
                file: reference.file.file_name(),
                message,
            }
        })?;
        Ok(ResultStream {
            reference,
            file: reference.file.file_name(),
            header,
            object,
            splitter: Splitter::new(),
            chunk: vec![0; READ_CHUNK],
            records: Records::default(),
            bytes: 0,
            rows: 0,
            header_seen: false,
            broken: None,
            tee: tee.map(|(path, f)| (path, BufWriter::with_capacity(1 << 20, f))),
            done: false,
        })
    }

    /// The next records (the header checked and left out); `None` once the object is read
    /// to its end and matches its reference.
    pub async fn next(&mut self) -> Result<Option<&Records>, PersistError> {
        loop {
            if self.done {
                return Ok(None);
            }
            self.records.clear();
            let n = match self.object.read(&mut self.chunk).await {
                Ok(n) => n,
                // The bytes do not match the digest the store recorded for them.
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(PersistError::Mismatch {
                        file: self.file,
                        message: format!("object {} is damaged: {e}", self.reference.key),
                    })
                }
                Err(e) => {
                    return Err(PersistError::Object {
                        key: self.reference.key.clone(),
                        message: e.to_string(),
                        transient: true,
                    })
                }
            };
            let Self {
                splitter,
                records,
                broken,
                ..
            } = self;
            let mut sink = |split: Split<'_>| match split {
                Split::Record(r) => {
                    let blank = r.len() == 1 && r.field(0).iter().all(u8::is_ascii_whitespace);
                    if !blank {
                        records.push(r.line, (0..r.len()).map(|i| r.field(i)));
                    }
                }
                Split::Broken { line, why } => {
                    broken.get_or_insert((line, why.describe()));
                }
            };
            if n == 0 {
                splitter.finish(&mut sink);
                self.done = true;
            } else {
                splitter.push(&self.chunk[..n], &mut sink);
                self.bytes += n as u64;
                if let Some((path, tee)) = self.tee.as_mut() {
                    if let Err(source) = tee.write_all(&self.chunk[..n]).await {
                        return Err(PersistError::Output {
                            path: path.clone(),
                            source,
                        });
                    }
                }
            }
            if let Some((line, why)) = self.broken.take() {
                return Err(self.bad(line, why));
            }
            self.check_header()?;
            self.rows += self.records.len() as u64;
            if self.done {
                self.verify().await?;
            }
            if !self.records.is_empty() {
                return Ok(Some(&self.records));
            }
        }
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    fn check_header(&mut self) -> Result<(), PersistError> {
        if self.header_seen || self.records.records.is_empty() {
            return Ok(());
        }
        // The header is the first record of the whole file, so of this first step.
        let first = self.records.iter().next().map(|r| {
            let fields: Vec<&[u8]> = (0..r.len()).map(|i| r.field(i)).collect();
            (r.line, fields.join(&b","[..]))
        });
        if let Some((line, got)) = first {
            if got != self.header.as_bytes() {
                return Err(self.bad(
                    line,
                    format!(
                        "expected header {:?}, found {:?}",
                        self.header,
                        String::from_utf8_lossy(&got)
                    ),
                ));
            }
            self.header_seen = true;
            self.records.skip = 1;
        }
        Ok(())
    }

    async fn verify(&mut self) -> Result<(), PersistError> {
        if !self.header_seen {
            return Err(self.bad(1, format!("missing header {:?}", self.header)));
        }
        let r = self.reference;
        if self.bytes != r.size {
            return Err(PersistError::Mismatch {
                file: self.file,
                message: format!(
                    "object {} gave {} bytes, the work says {}",
                    r.key, self.bytes, r.size
                ),
            });
        }
        if self.rows != r.rows {
            return Err(PersistError::Mismatch {
                file: self.file,
                message: format!("{} rows, the work says {}", self.rows, r.rows),
            });
        }
        if let Some((path, mut tee)) = self.tee.take() {
            let flushed = match tee.flush().await {
                Ok(()) => tee.get_mut().sync_all().await,
                Err(e) => Err(e),
            };
            flushed.map_err(|source| PersistError::Output { path, source })?;
        }
        Ok(())
    }

    fn bad(&self, line: u64, message: String) -> PersistError {
        PersistError::BadRow {
            file: self.file,
            line,
            message,
        }
    }
}

/// A field as UTF-8.
pub fn text<'a>(file: &'static str, line: u64, field: &'a [u8]) -> Result<&'a str, PersistError> {
    std::str::from_utf8(field).map_err(|_| PersistError::BadRow {
        file,
        line,
        message: "not UTF-8".into(),
    })
}

/// A field as a non-negative integer (digits only).
pub fn number(file: &'static str, line: u64, field: &[u8]) -> Result<u64, PersistError> {
    let bad = || PersistError::BadRow {
        file,
        line,
        message: format!("not a number: {:?}", String::from_utf8_lossy(field)),
    };
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)
}
