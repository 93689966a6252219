//! Decoding: [`ChunkHead::read`] reads the head alone, [`ChunkHead::visit`] hands every row
//! and issue to a [`ChunkVisitor`] as it decodes them, checking each value on the way.

use super::error::ChunkError;
use super::wire::{Reader, COUNTED, LAST, MAGIC};
use crate::digest::BatchId;
use tiqets_domain::value::{is_valid_barcode, MAX_ID};
use tiqets_domain::{BarcodeRow, FileKind, Issue, NotItemised, OrderRow};

/// What a chunk says about itself, before its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkHead {
    pub batch_id: BatchId,
    pub attempt: u32,
    pub file: FileKind,
    pub seq: u32,
    pub last: bool,
}

/// Receives a chunk's rows and issues as they are decoded, without an allocation per row.
pub trait ChunkVisitor {
    fn order(&mut self, row: OrderRow);
    fn barcode(&mut self, row: BarcodeRow<'_>);
    fn issue(&mut self, issue: Issue);
    /// The count of the file's issues of one code that were not itemised (last chunk).
    fn not_itemised(&mut self, n: NotItemised);
}

impl ChunkHead {
    /// Decodes only the head of a chunk (the rows are checked when visited).
    pub fn read(bytes: &[u8]) -> Result<ChunkHead, ChunkError> {
        let mut r = Reader { b: bytes, at: 0 };
        Self::parse(&mut r)
    }

    /// Decodes the whole chunk, handing every row and issue to `visitor` in order. A corrupt
    /// chunk is an error, possibly after some rows were visited.
    pub fn visit(bytes: &[u8], visitor: &mut impl ChunkVisitor) -> Result<ChunkHead, ChunkError> {
        let mut r = Reader { b: bytes, at: 0 };
        let head = Self::parse(&mut r)?;
        let counted = bytes[5] & COUNTED != 0;
        let n = r.len("row count")?;
        let mut line = 0u64;
        match head.file {
            FileKind::Orders => {
                for _ in 0..n {
                    line = line.wrapping_add(r.varint()?);
                    let order_id = r.id("order id")?;
                    let customer_id = r.id("customer id")?;
                    visitor.order(OrderRow {
                        line,
                        order_id,
                        customer_id,
                    });
                }
            }
            FileKind::Barcodes => {
                for _ in 0..n {
                    line = line.wrapping_add(r.varint()?);
                    let at = r.at;
                    let order_id = match r.varint()? {
                        0 => None,
                        id if id <= MAX_ID => Some(id),
                        _ => {
                            return Err(ChunkError::BadValue {
                                what: "order id",
                                at,
                            })
                        }
                    };
                    let len = r.byte()? as usize;
                    let at = r.at;
                    let barcode = std::str::from_utf8(r.take(len)?)
                        .ok()
                        .filter(|b| is_valid_barcode(b.as_bytes()))
                        .ok_or(ChunkError::BadValue {
                            what: "barcode",
                            at,
                        })?;
                    visitor.barcode(BarcodeRow {
                        line,
                        barcode,
                        order_id,
                    });
                }
            }
        }
        let n = r.len("issue count")?;
        for _ in 0..n {
            let file = r.file()?;
            let line = r.varint()?;
            let code = r.code()?;
            let len = r.len("message length")?;
            let at = r.at;
            let message = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ChunkError::BadValue {
                    what: "message",
                    at,
                })?
                .to_string();
            visitor.issue(Issue::new(file, line, code, message));
        }
        if counted {
            let at = r.at;
            let n = r.len("count of codes not itemised")?;
            if n == 0 {
                let what = "count of codes not itemised";
                return Err(ChunkError::BadValue { what, at });
            }
            for _ in 0..n {
                let code = r.code()?;
                let count = r.varint()?;
                let limit = r.varint()?;
                let file = head.file;
                visitor.not_itemised(NotItemised {
                    file,
                    code,
                    count,
                    limit,
                });
            }
        }
        if r.at != bytes.len() {
            return Err(ChunkError::Trailing(bytes.len() - r.at));
        }
        Ok(head)
    }

    fn parse(r: &mut Reader<'_>) -> Result<ChunkHead, ChunkError> {
        if r.take(4)? != MAGIC {
            return Err(ChunkError::BadMagic);
        }
        let file = r.file()?;
        let at = r.at;
        let flags = r.byte()?;
        if flags & !(LAST | COUNTED) != 0 || flags == COUNTED {
            return Err(ChunkError::BadValue { what: "flags", at });
        }
        let attempt = r.u32("attempt")?;
        let seq = r.u32("seq")?;
        let id_len = r.len("batch id length")?;
        let id_at = r.at;
        let batch_id = std::str::from_utf8(r.take(id_len)?)
            .ok()
            .and_then(|s| BatchId::parse(s).ok())
            .ok_or(ChunkError::BadValue {
                what: "batch id",
                at: id_at,
            })?;
        Ok(ChunkHead {
            batch_id,
            attempt,
            file,
            seq,
            last: flags & LAST != 0,
        })
    }
}
