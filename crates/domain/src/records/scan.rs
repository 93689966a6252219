//! Scanning one record at the front of the buffer: its fields' spans (quoted ones unescaped
//! into the scratch buffer) and where it ends, or that more input is needed. The fast path
//! takes an unquoted single line; [`scan_quoted`] the rest.

use super::record::{Broken, Span};

/// Outcome of scanning one record at the front of the buffer.
pub(super) enum Scan {
    /// A whole record: `next` is where the following one starts, `lines` the line breaks used.
    Done {
        end: usize,
        next: usize,
        lines: u64,
    },
    /// A record that cannot be split: it ends at `end` (its line break excluded).
    Broken {
        end: usize,
        next: usize,
        lines: u64,
        why: Broken,
    },
    NeedMore,
}

#[inline]
fn is_blank_byte(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r'
}

/// Scans the record starting at `pos`.
pub(super) fn scan(
    buf: &[u8],
    pos: usize,
    eof: bool,
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> Scan {
    // Fast path: an unquoted single line.
    let mut field_start = pos;
    for i in memchr::memchr3_iter(b',', b'\n', b'"', &buf[pos..]).map(|i| pos + i) {
        match buf[i] {
            b',' => {
                spans.push(plain(field_start, i));
                field_start = i + 1;
            }
            b'\n' => {
                spans.push(plain(field_start, i));
                return Scan::Done {
                    end: i,
                    next: i + 1,
                    lines: 1,
                };
            }
            _ => {
                spans.clear();
                return scan_quoted(buf, pos, eof, spans, scratch);
            }
        }
    }
    let i = buf.len();
    if eof {
        spans.push(plain(field_start, i));
        Scan::Done {
            end: i,
            next: i,
            lines: 0,
        }
    } else {
        Scan::NeedMore
    }
}

#[inline]
fn plain(start: usize, end: usize) -> Span {
    Span {
        in_scratch: false,
        start,
        end,
    }
}

/// The general path: fields may be quoted and span lines.
fn scan_quoted(
    buf: &[u8],
    pos: usize,
    eof: bool,
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> Scan {
    let mut i = pos;
    let mut lines = 0u64;
    loop {
        // At the start of a field.
        let mut j = i;
        while j < buf.len() && (buf[j] == b' ' || buf[j] == b'\t') {
            j += 1;
        }
        if j < buf.len() && buf[j] == b'"' {
            let start = scratch.len();
            let mut k = j + 1;
            loop {
                let Some(q) = memchr::memchr(b'"', &buf[k..]).map(|q| k + q) else {
                    if eof {
                        return Scan::Broken {
                            end: buf.len(),
                            next: buf.len(),
                            lines: lines + count_lines(&buf[k..]),
                            why: Broken::UnterminatedQuote,
                        };
                    }
                    return Scan::NeedMore;
                };
                lines += count_lines(&buf[k..q]);
                scratch.extend_from_slice(&buf[k..q]);
                if q + 1 == buf.len() && !eof {
                    return Scan::NeedMore; // is it `""` or the closing quote?
                }
                if buf.get(q + 1) == Some(&b'"') {
                    scratch.push(b'"');
                    k = q + 2;
                } else {
                    k = q + 1;
                    break;
                }
            }
            spans.push(Span {
                in_scratch: true,
                start,
                end: scratch.len(),
            });
            while k < buf.len() && is_blank_byte(buf[k]) {
                k += 1;
            }
            match buf.get(k) {
                None if eof => {
                    return Scan::Done {
                        end: k,
                        next: k,
                        lines,
                    }
                }
                None => return Scan::NeedMore,
                Some(b',') => i = k + 1,
                Some(b'\n') => {
                    return Scan::Done {
                        end: k,
                        next: k + 1,
                        lines: lines + 1,
                    }
                }
                Some(_) => {
                    return match memchr::memchr(b'\n', &buf[k..]) {
                        Some(nl) => Scan::Broken {
                            end: k + nl,
                            next: k + nl + 1,
                            lines: lines + 1,
                            why: Broken::TextAfterQuote,
                        },
                        None if eof => Scan::Broken {
                            end: buf.len(),
                            next: buf.len(),
                            lines,
                            why: Broken::TextAfterQuote,
                        },
                        None => Scan::NeedMore,
                    };
                }
            }
        } else {
            // Unquoted field: up to the next `,` or `\n`.
            let rest = &buf[i..];
            match memchr::memchr2(b',', b'\n', rest) {
                Some(n) if rest[n] == b',' => {
                    spans.push(plain(i, i + n));
                    i += n + 1;
                }
                Some(n) => {
                    spans.push(plain(i, i + n));
                    return Scan::Done {
                        end: i + n,
                        next: i + n + 1,
                        lines: lines + 1,
                    };
                }
                None if eof => {
                    spans.push(plain(i, buf.len()));
                    return Scan::Done {
                        end: buf.len(),
                        next: buf.len(),
                        lines,
                    };
                }
                None => return Scan::NeedMore,
            }
        }
    }
}

/// The line breaks in `bytes`.
#[inline]
pub(super) fn count_lines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}
