//! Skipping the rest of an over-long record without keeping it: byte by byte, in the same
//! states as the scan, so the skip ends where the record does, in whatever chunks it comes.

use super::scan::count_lines;

/// Where in a record the splitter is, byte by byte: what [`scan`](super::scan::scan) reads,
/// as states, so that skipping an over-long record ends it exactly where it would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Within {
    /// At the start of a field (after blanks, if any).
    FieldStart,
    /// In an unquoted field, where a `"` is kept as written.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a `"` in a quoted field: a `""` or the closing quote.
    QuoteInQuoted,
    /// After the closing quote of a field (after blanks, if any).
    AfterQuote,
    /// Text after a closing quote: the record runs to the next line break.
    TextAfterQuote,
}

pub(super) enum Skip {
    Ended { next: usize, lines: u64 },
    Open { within: Within, lines: u64 },
}

/// Skips to the end of the current record, from `within` it; counts the line breaks.
pub(super) fn skip_rest(bytes: &[u8], mut within: Within) -> Skip {
    let mut lines = 0;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        match within {
            Within::Unquoted => match memchr::memchr2(b',', b'\n', rest) {
                Some(n) if rest[n] == b',' => {
                    within = Within::FieldStart;
                    i += n + 1;
                }
                Some(n) => {
                    return Skip::Ended {
                        next: i + n + 1,
                        lines: lines + 1,
                    }
                }
                None => break,
            },
            Within::Quoted => match memchr::memchr(b'"', rest) {
                Some(q) => {
                    lines += count_lines(&rest[..q]);
                    within = Within::QuoteInQuoted;
                    i += q + 1;
                }
                None => {
                    lines += count_lines(rest);
                    break;
                }
            },
            Within::TextAfterQuote => match memchr::memchr(b'\n', rest) {
                Some(n) => {
                    return Skip::Ended {
                        next: i + n + 1,
                        lines: lines + 1,
                    }
                }
                None => break,
            },
            Within::QuoteInQuoted if rest[0] == b'"' => {
                within = Within::Quoted;
                i += 1;
            }
            Within::QuoteInQuoted => within = Within::AfterQuote, // this byte again, after it
            Within::FieldStart | Within::AfterQuote => {
                let after = within == Within::AfterQuote;
                within = match rest[0] {
                    b'\n' => {
                        return Skip::Ended {
                            next: i + 1,
                            lines: lines + 1,
                        }
                    }
                    b',' => Within::FieldStart,
                    b' ' | b'\t' => within,
                    b'\r' if after => within,
                    b'"' if !after => Within::Quoted,
                    _ if after => Within::TextAfterQuote,
                    _ => Within::Unquoted,
                };
                i += 1;
            }
        }
    }
    Skip::Open { within, lines }
}
