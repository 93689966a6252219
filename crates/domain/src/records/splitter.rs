//! The [`Splitter`]: fed chunks, it keeps the unfinished tail of the input, skips a leading
//! byte-order mark and blank lines, counts physical lines and hands out each record as it
//! completes.

use super::record::{Broken, Record, Span, Split, MAX_RECORD_BYTES};
use super::scan::{scan, Scan};
use super::skip::{skip_rest, Skip, Within};

/// A push parser: feed it chunks, it calls back with every complete record.
pub struct Splitter {
    buf: Vec<u8>,
    scratch: Vec<u8>,
    spans: Vec<Span>,
    line: u64,
    at_start: bool,
    /// Skipping the rest of an over-long record: where in it the last byte skipped was.
    skipping: Option<Within>,
    bytes_seen: u64,
    max_record: usize,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter::new()
    }
}

impl Splitter {
    pub fn new() -> Splitter {
        Splitter {
            buf: Vec::new(),
            scratch: Vec::new(),
            spans: Vec::new(),
            line: 1,
            at_start: true,
            skipping: None,
            bytes_seen: 0,
            max_record: MAX_RECORD_BYTES,
        }
    }

    /// A splitter whose records may have at most `max` bytes instead of
    /// [`MAX_RECORD_BYTES`]: for tests and fuzzing, which reach the over-long paths with
    /// small inputs.
    pub fn with_max_record(max: usize) -> Splitter {
        Splitter {
            max_record: max,
            ..Splitter::new()
        }
    }

    /// Total bytes fed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.bytes_seen
    }

    /// A splitter for a later part of the same input, starting at a record boundary: no BOM
    /// expected, lines counted from 1 (the caller adds the part's first line).
    pub fn continuation() -> Splitter {
        Splitter {
            at_start: false,
            ..Splitter::new()
        }
    }

    /// Whether everything fed so far ended exactly at the end of a record.
    pub fn at_record_boundary(&self) -> bool {
        !self.at_start && self.buf.is_empty() && self.skipping.is_none()
    }

    /// The line the next record starts on.
    pub fn next_line(&self) -> u64 {
        self.line
    }

    /// Feeds the next chunk of the file; calls `sink` for each complete record in it.
    pub fn push(&mut self, mut chunk: &[u8], sink: &mut impl FnMut(Split<'_>)) {
        self.bytes_seen += chunk.len() as u64;
        if self.at_start {
            // The BOM may arrive split over chunks: wait until 3 bytes are known.
            let have = self.buf.len() + chunk.len();
            if have < 3 {
                self.buf.extend_from_slice(chunk);
                return;
            }
            self.at_start = false;
            self.buf.extend_from_slice(chunk);
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            chunk = &[];
        }
        if let Some(within) = self.skipping {
            match skip_rest(chunk, within) {
                Skip::Ended { next, lines } => {
                    self.line += lines;
                    self.skipping = None;
                    chunk = &chunk[next..];
                }
                Skip::Open { within, lines } => {
                    self.line += lines;
                    self.skipping = Some(within);
                    return;
                }
            }
        }
        self.buf.extend_from_slice(chunk);
        self.drain(false, sink);
    }

    /// Signals the end of the file; hands out the last record if it had no line break.
    pub fn finish(&mut self, sink: &mut impl FnMut(Split<'_>)) {
        if self.at_start {
            self.at_start = false;
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
        }
        if self.skipping.take().is_some() {
            self.buf.clear();
            return;
        }
        self.drain(true, sink);
        self.buf.clear();
    }

    fn drain(&mut self, eof: bool, sink: &mut impl FnMut(Split<'_>)) {
        let mut pos = 0;
        while pos < self.buf.len() {
            self.spans.clear();
            self.scratch.clear();
            match scan(&self.buf, pos, eof, &mut self.spans, &mut self.scratch) {
                Scan::Done { end, next, lines } if end - pos > self.max_record => {
                    sink(Split::Broken {
                        line: self.line,
                        why: Broken::TooLong,
                    });
                    self.line += lines;
                    pos = next;
                }
                Scan::Done { end, next, lines } => {
                    let record = Record {
                        line: self.line,
                        raw: &self.buf[pos..end],
                        data: &self.buf,
                        scratch: &self.scratch,
                        spans: &self.spans,
                    };
                    if !is_blank(&record) {
                        sink(Split::Record(record));
                    }
                    self.line += lines;
                    pos = next;
                }
                Scan::Broken {
                    end,
                    next,
                    lines,
                    why,
                } => {
                    // Over-long first, as when the record arrives in parts (`NeedMore`).
                    let why = if end - pos > self.max_record {
                        Broken::TooLong
                    } else {
                        why
                    };
                    sink(Split::Broken {
                        line: self.line,
                        why,
                    });
                    self.line += lines;
                    pos = next;
                }
                Scan::NeedMore => {
                    if self.buf.len() - pos > self.max_record {
                        sink(Split::Broken {
                            line: self.line,
                            why: Broken::TooLong,
                        });
                        match skip_rest(&self.buf[pos..], Within::FieldStart) {
                            Skip::Ended { next, lines } => {
                                self.line += lines;
                                pos += next;
                                continue;
                            }
                            Skip::Open { within, lines } => {
                                self.line += lines;
                                self.skipping = Some(within);
                                pos = self.buf.len();
                            }
                        }
                    }
                    break;
                }
            }
        }
        self.buf.drain(..pos);
    }
}

/// A record is a blank line when it is one unquoted field of nothing but whitespace.
fn is_blank(r: &Record<'_>) -> bool {
    if r.len() != 1 || r.spans[0].in_scratch {
        return false;
    }
    let f = r.field(0);
    if f.iter().all(|b| b.is_ascii_whitespace()) {
        return true;
    }
    std::str::from_utf8(f).is_ok_and(|s| s.trim().is_empty())
}
