//! Rows encoded in PostgreSQL's binary COPY format and sent in large messages.
//!
//! `tokio_postgres::binary_copy::BinaryCopyInWriter` sends (and flushes) a message every
//! 4 KiB and encodes each value through `dyn ToSql`; a million-row batch then crosses the
//! connection task 30,000 times. The result tables have two column types, `bigint` and
//! `text`, so the rows are encoded here directly into one buffer that goes out every
//! [`SEND_AT`] bytes.

use crate::error::{db, Result};
use bytes::{BufMut, Bytes, BytesMut};
use futures::SinkExt;
use std::pin::Pin;
use tokio_postgres::CopyInSink;

/// Bytes buffered before they are handed to the connection.
const SEND_AT: usize = 256 * 1024;

/// The binary COPY header: signature, flags, header extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// An open binary `COPY … FROM STDIN`. Each row is [`CopyRows::row`] with its field count,
/// then one call per field; [`CopyRows::send`] between rows sends what is buffered once it
/// is large enough.
pub struct CopyRows {
    sink: Pin<Box<CopyInSink<Bytes>>>,
    buf: BytesMut,
}

impl CopyRows {
    /// Wraps a sink opened by a `COPY … FROM STDIN (FORMAT binary)` statement.
    pub fn new(sink: CopyInSink<Bytes>) -> CopyRows {
        let mut buf = BytesMut::with_capacity(SEND_AT + 4096);
        buf.put_slice(HEADER);
        CopyRows {
            sink: Box::pin(sink),
            buf,
        }
    }

    /// Starts a row of `fields` values.
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.buf.put_i16(fields);
        self
    }

    /// A `bigint` value.
    pub fn int8(&mut self, value: i64) -> &mut Self {
        self.buf.put_i32(8);
        self.buf.put_i64(value);
        self
    }

    /// A `text` value (its UTF-8 bytes).
    pub fn text(&mut self, value: &str) -> &mut Self {
        // PostgreSQL stores no value above 1 GB: a longer one (not a field of a result
        // file) gets a length that fails the COPY rather than wrapping around.
        let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
        self.buf.put_i32(len);
        self.buf.put_slice(value.as_bytes());
        self
    }

    /// A NULL value.
    pub fn null(&mut self) -> &mut Self {
        self.buf.put_i32(-1);
        self
    }

    /// A `bigint` value, or NULL.
    pub fn int8_or_null(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(v) => self.int8(v),
            None => self.null(),
        }
    }

    /// A `text` value, or NULL.
    pub fn text_or_null(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// Sends the buffer once it is large enough (between two rows).
    pub async fn send(&mut self) -> Result<()> {
        if self.buf.len() >= SEND_AT {
            let chunk = self.buf.split().freeze();
            self.sink.feed(chunk).await.map_err(db("copy rows"))?;
        }
        Ok(())
    }

    /// Sends the rest and the trailer, ends the COPY and returns the rows it stored.
    pub async fn finish(mut self) -> Result<u64> {
        self.buf.put_i16(-1);
        let chunk = self.buf.split().freeze();
        self.sink.send(chunk).await.map_err(db("copy rows"))?;
        self.sink.as_mut().finish().await.map_err(db("finish copy"))
    }
}

#[cfg(test)]
mod tests {
    use super::HEADER;

    #[test]
    fn the_header_is_the_signature_flags_and_extension_length() {
        assert_eq!(HEADER.len(), 11 + 4 + 4);
        assert_eq!(&HEADER[..11], b"PGCOPY\n\xff\r\n\0");
        assert!(HEADER[11..].iter().all(|&b| b == 0));
    }
}
