//! Validated rows in chunks: a compact binary encoding for `{ns}.rows.…` messages.
//!
//! The medium dataset has millions of barcode rows, so rows travel as varints, not JSON:
//! a barcode row costs its barcode plus 2–10 bytes. Layout (all integers LEB128 varints):
//!
//! ```text
//! "TQR1" file:u8 flags:u8 attempt seq batch_len batch_id
//! row_count  rows…      orders:   line_delta order_id customer_id
//!                       barcodes: line_delta order_id(0 = unsold) len:u8 barcode
//! issue_count issues…   file:u8 line code:u8 message_len message
//! ```
//!
//! `line_delta` is the row's line minus the previous row's (wrapping), starting from 0.
//! Flags: bit 0 = the last chunk of the file. Decoding checks every length and value, so a
//! corrupt message is an error, never a panic: varints in their shortest form, no unknown
//! flag, ids from 1 to `i64::MAX` and barcodes of 1 to 64 ASCII letters or digits (the
//! valid values of `docs/processing-rules.md`, Values), as the validator sends them and the
//! merger relies on. So a chunk has one encoding: decoded, it re-encodes to the same bytes.
//! [`ChunkHead::read`] decodes the head alone; [`ChunkHead::visit`] hands the rows to a
//! [`ChunkVisitor`] without an allocation per row ([`RowChunk::decode`] is the visitor that
//! collects them).
//!
//! # Layout
//! - [`RowChunk`] and [`ChunkRows`] (`row_chunk.rs`): a chunk with owned rows, encoded and
//!   decoded whole.
//! - [`ChunkWriter`] (`writer.rs`): encodes a chunk row by row.
//! - [`ChunkHead`] and [`ChunkVisitor`] (`read.rs`): decoding, the head alone or every row.
//! - [`ChunkError`] (`error.rs`): why bytes are not a chunk.
//! - `wire.rs`: the magic and flag, varints, the file and issue-code bytes, the checked
//!   reader.
//!
//! `row_chunk` builds on `read` and `writer`, which build on `wire`; none looks back.

mod error;
mod read;
mod row_chunk;
mod wire;
mod writer;

pub use error::ChunkError;
pub use read::{ChunkHead, ChunkVisitor};
pub use row_chunk::{ChunkRows, RowChunk};
pub use writer::{ChunkWriter, CHUNK_TARGET_BYTES};

/// Header of the message that ends a file's chunks of a batch attempt without a last chunk:
/// the batch failed (its value is the reason). The validator publishes it on both files'
/// subjects when it fails a batch, so a merger reading them stops at once.
pub const ABORT_HEADER: &str = "Tiqets-Abort";

#[cfg(test)]
mod tests;
