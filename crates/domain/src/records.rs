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
//!
//! The [`Splitter`] (`splitter`) hands out each [`Record`] or [`Broken`] one (`record`); `scan`
//! finds one record's fields, `skip` skips the rest of an over-long one.

mod record;
mod scan;
mod skip;
mod splitter;

#[cfg(test)]
mod tests;

pub use record::{Broken, Record, Split, MAX_RECORD_BYTES};
pub use splitter::Splitter;
