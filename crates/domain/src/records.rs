//! Splitting bytes into CSV records (RFC 4180), fed chunk by chunk.
//!
//! Why not the `csv` crate: the rules (`docs/processing-rules.md`, Reading the files) need
//! the physical line where each record *starts* (after skipped blank lines), the raw record
//! to tell a whitespace-only line from data, and a bound on the size of one record so hostile
//! input cannot exhaust memory. The splitter keeps only the unfinished tail of the input
//! between calls and never allocates per field.
//!
//! Dialect: `,` separates fields; a record ends at `\n` (a `\r` before it is whitespace and
//! trimmed away); a field whose first non-blank character is `"` is quoted, `""` inside it is
//! a quote, and it may span lines; blanks around a quoted field are allowed. A `"` inside an
//! unquoted field is kept literally.

/// The longest record accepted; longer ones become a `malformed_row` and are skipped.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Where a field's bytes live: in the input buffer, or unescaped in the scratch buffer.
#[derive(Debug, Clone, Copy)]
struct Span {
    in_scratch: bool,
    start: usize,
    end: usize,
}

/// One record: its starting line and its (unescaped, untrimmed) fields.
pub struct Record<'a> {
    pub line: u64,
    raw: &'a [u8],
    data: &'a [u8],
    scratch: &'a [u8],
    spans: &'a [Span],
}

impl<'a> Record<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The bytes of field `i` (panics when `i >= len()`).
    pub fn field(&self, i: usize) -> &'a [u8] {
        let s = self.spans[i];
        let src = if s.in_scratch {
            self.scratch
        } else {
            self.data
        };
        &src[s.start..s.end]
    }

    /// The record's raw bytes as they stand in the file, terminator excluded.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

/// Why a record could not be split into fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    TooLong,
    UnterminatedQuote,
    TextAfterQuote,
}

impl Broken {
    pub fn describe(self) -> String {
        match self {
            Broken::TooLong => format!("record longer than {MAX_RECORD_BYTES} bytes"),
            Broken::UnterminatedQuote => "quoted field is never closed".to_string(),
            Broken::TextAfterQuote => "text after the closing quote of a field".to_string(),
        }
    }
}

/// What the splitter hands out.
pub enum Split<'a> {
    Record(Record<'a>),
    /// A record that could not be split; `line` is where it starts.
    Broken {
        line: u64,
        why: Broken,
    },
}

/// Outcome of scanning one record at the front of the buffer.
enum Scan {
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

/// Where in a record the splitter is, byte by byte: what [`scan`] reads, as states, so that
/// skipping an over-long record ends it exactly where [`scan`] would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Within {
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

enum Skip {
    Ended { next: usize, lines: u64 },
    Open { within: Within, lines: u64 },
}

/// Skips to the end of the current record, from `within` it; counts the line breaks.
fn skip_rest(bytes: &[u8], mut within: Within) -> Skip {
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

#[inline]
fn is_blank_byte(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r'
}

/// Scans the record starting at `pos`.
fn scan(buf: &[u8], pos: usize, eof: bool, spans: &mut Vec<Span>, scratch: &mut Vec<u8>) -> Scan {
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

fn count_lines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `input` fed in chunks of `chunk` bytes; returns (line, fields) or (line, Broken).
    fn split(input: &[u8], chunk: usize) -> Vec<(u64, Result<Vec<String>, Broken>)> {
        split_with(Splitter::new(), input, chunk)
    }

    fn split_with(
        mut sp: Splitter,
        input: &[u8],
        chunk: usize,
    ) -> Vec<(u64, Result<Vec<String>, Broken>)> {
        let mut out = Vec::new();
        let mut sink = |s: Split<'_>| match s {
            Split::Record(r) => {
                let fields = (0..r.len())
                    .map(|i| String::from_utf8_lossy(r.field(i)).into_owned())
                    .collect();
                out.push((r.line, Ok(fields)));
            }
            Split::Broken { line, why } => out.push((line, Err(why))),
        };
        for c in input.chunks(chunk.max(1)) {
            sp.push(c, &mut sink);
        }
        sp.finish(&mut sink);
        out
    }

    fn ok(line: u64, f: &[&str]) -> (u64, Result<Vec<String>, Broken>) {
        (line, Ok(f.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn plain_records_with_lf_crlf_and_no_final_newline() {
        let want = vec![ok(1, &["a", "b"]), ok(2, &["1", "2\r"]), ok(3, &["3", "4"])];
        for chunk in [1, 2, 3, 100] {
            assert_eq!(split(b"a,b\n1,2\r\n3,4", chunk), want);
        }
    }

    #[test]
    fn bom_is_dropped_even_when_split_across_chunks() {
        for chunk in [1, 2, 4] {
            assert_eq!(split(b"\xEF\xBB\xBFa,b\n", chunk), vec![ok(1, &["a", "b"])]);
        }
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let got = split(b"a,b\n\n   \n\t\r\n1,2\n", 3);
        assert_eq!(got, vec![ok(1, &["a", "b"]), ok(5, &["1", "2"])]);
    }

    #[test]
    fn quoted_fields_span_lines_and_move_following_records_down() {
        let input = b"a,b\n\"x\ny\",\"q\"\"uote\"\n1,2\n";
        for chunk in [1, 2, 5, 100] {
            assert_eq!(
                split(input, chunk),
                vec![
                    ok(1, &["a", "b"]),
                    ok(2, &["x\ny", "q\"uote"]),
                    ok(4, &["1", "2"])
                ]
            );
        }
    }

    #[test]
    fn blanks_around_quoted_fields_are_allowed() {
        assert_eq!(
            split(b" \"a,b\" , \"c\"\r\n", 1),
            vec![ok(1, &["a,b", "c"])]
        );
    }

    #[test]
    fn a_quoted_empty_field_is_not_a_blank_line() {
        assert_eq!(split(b"\"\"\n", 1), vec![ok(1, &[""])]);
    }

    #[test]
    fn broken_records_report_their_start_line_and_resume() {
        let got = split(b"a,b\n\"x\"y,1\n2,3\n", 2);
        assert_eq!(
            got,
            vec![
                ok(1, &["a", "b"]),
                (2, Err(Broken::TextAfterQuote)),
                ok(3, &["2", "3"])
            ]
        );
        let got = split(b"a,b\n1,\"open\n2,3\n", 4);
        assert_eq!(
            got,
            vec![ok(1, &["a", "b"]), (2, Err(Broken::UnterminatedQuote))]
        );
    }

    #[test]
    fn over_long_records_are_skipped_with_bounded_memory() {
        let mut input = b"a,b\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        input.extend_from_slice(b"\n1,2\n");
        let got = split(&input, 64 * 1024);
        assert_eq!(
            got,
            vec![
                ok(1, &["a", "b"]),
                (2, Err(Broken::TooLong)),
                ok(3, &["1", "2"])
            ]
        );
        // An over-long quoted field with line breaks inside: lines still counted.
        let mut input = b"a,b\n\"".to_vec();
        let inner_lines = MAX_RECORD_BYTES / 10 + 1;
        for _ in 0..inner_lines {
            input.extend_from_slice(b"xxxxxxxxx\n");
        }
        input.extend_from_slice(b"\",1\n1,2\n");
        for chunk in [64 * 1024, input.len()] {
            let got = split(&input, chunk);
            let summary: Vec<_> = got
                .iter()
                .map(|(l, r)| (*l, r.clone().map(|f| f.len())))
                .collect();
            let last_line = 3 + inner_lines as u64;
            assert_eq!(
                summary,
                vec![(1, Ok(2)), (2, Err(Broken::TooLong)), (last_line, Ok(2))]
            );
        }
    }

    #[test]
    fn literal_quotes_inside_unquoted_fields_are_kept() {
        // The first quote is not at a field start, so the field is taken as written.
        assert_eq!(split(b"ab,c\"d\n", 100), vec![ok(1, &["ab", "c\"d"])]);
    }

    /// Every chunking gives `want`, with records of at most `max` bytes.
    fn same_in_every_chunking(
        input: &[u8],
        max: usize,
        want: &[(u64, Result<Vec<String>, Broken>)],
    ) {
        for chunk in 1..=input.len() {
            let got = split_with(Splitter::with_max_record(max), input, chunk);
            assert_eq!(got, want, "chunks of {chunk}");
        }
    }

    #[test]
    fn an_over_long_record_with_a_literal_quote_ends_at_its_line_break() {
        // The quote is inside an unquoted field: it opens nothing, in whatever chunks the
        // record arrives (skipping used to take it for an opening quote and swallow the
        // next records up to the following quote).
        let input = b"a,b\nxx\"xxxxxxxxxxxxx\n1,2\n\"z\n";
        let want = vec![
            ok(1, &["a", "b"]),
            (2, Err(Broken::TooLong)),
            ok(3, &["1", "2"]),
            (4, Err(Broken::UnterminatedQuote)),
        ];
        same_in_every_chunking(input, 8, &want);
        // Text after a closing quote runs to the line break, quotes included; a `""` in a
        // quoted field and line breaks in it are skipped over.
        let input = b"a,b\n\"x\"yy\"yyyyyyyy\n1,2\n \"q\"\"\nq\nqqqqqqqq\" , \"\"\n3,4\n";
        let want = vec![
            ok(1, &["a", "b"]),
            (2, Err(Broken::TooLong)),
            ok(3, &["1", "2"]),
            (4, Err(Broken::TooLong)),
            ok(7, &["3", "4"]),
        ];
        same_in_every_chunking(input, 8, &want);
    }

    #[test]
    fn a_broken_record_over_the_bound_is_too_long_in_every_chunking() {
        // Found by the `records` fuzz target: whole, the record after line 5 was
        // `TextAfterQuote`; byte by byte, `TooLong`.
        let input = b"a,b\n\"x\ny\", \"q\"\"uote\" \n\xef\xbb\xbf1,2\0\0\0\0\0\0\0D\r\n\"x\"y,1\n \n\"open\n";
        let want = vec![
            ok(1, &["a", "b"]),
            (2, Err(Broken::TooLong)),
            (4, Err(Broken::TooLong)),
            (5, Err(Broken::TooLong)),
            (7, Err(Broken::TooLong)),
        ];
        same_in_every_chunking(input, 5, &want);
        let input = b"a\n\"q\" tail\n\"unterminated";
        let want = vec![
            ok(1, &["a"]),
            (2, Err(Broken::TooLong)),
            (3, Err(Broken::TooLong)),
        ];
        same_in_every_chunking(input, 6, &want);
    }
}
