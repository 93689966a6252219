//! What the splitter hands out: a [`Record`] (its starting line, its fields where they
//! lie), or why a record could not be split ([`Broken`]).

/// The longest record accepted; longer ones become a `malformed_row` and are skipped.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Where a field's bytes live: in the input buffer, or unescaped in the scratch buffer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) in_scratch: bool,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// One record: its starting line and its (unescaped, untrimmed) fields.
pub struct Record<'a> {
    pub line: u64,
    pub(super) raw: &'a [u8],
    pub(super) data: &'a [u8],
    pub(super) scratch: &'a [u8],
    pub(super) spans: &'a [Span],
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
