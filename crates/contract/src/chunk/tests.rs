//! The format's round trips, its one encoding per chunk, and corrupt input.

use super::wire::{put_varint, Reader};
use super::*;
use crate::digest::BatchId;
use tiqets_domain::value::MAX_ID;
use tiqets_domain::{FileKind, Issue, IssueCode, NotItemised, OrderRow, OwnedBarcodeRow};

fn id() -> BatchId {
    BatchId::parse("b0123456789abcdef01234567").unwrap()
}

#[test]
fn barcode_chunks_round_trip() {
    let chunk = RowChunk {
        batch_id: id(),
        attempt: 2,
        file: FileKind::Barcodes,
        seq: 7,
        last: true,
        rows: ChunkRows::Barcodes(vec![
            OwnedBarcodeRow {
                line: 2,
                barcode: "000123".into(),
                order_id: Some(1),
            },
            OwnedBarcodeRow {
                line: 5,
                barcode: "A".repeat(64),
                order_id: None,
            },
            OwnedBarcodeRow {
                line: 6,
                barcode: "x".into(),
                order_id: Some(i64::MAX as u64),
            },
        ]),
        issues: vec![Issue::new(
            FileKind::Barcodes,
            3,
            IssueCode::InvalidBarcode,
            "barcode \"ä\" is not ASCII".into(),
        )],
        not_itemised: vec![NotItemised {
            file: FileKind::Barcodes,
            code: IssueCode::MalformedRow,
            count: 19_999_000,
            limit: 1000,
        }],
    };
    let bytes = chunk.encode();
    assert_eq!(RowChunk::decode(&bytes).unwrap(), chunk);
}

#[test]
fn order_chunks_round_trip_and_are_compact() {
    let rows: Vec<OrderRow> = (0..10_000u64)
        .map(|i| OrderRow {
            line: i + 2,
            order_id: 1_000_000 + i,
            customer_id: 500 + i % 300,
        })
        .collect();
    let chunk = RowChunk {
        batch_id: id(),
        attempt: 1,
        file: FileKind::Orders,
        seq: 0,
        last: false,
        rows: ChunkRows::Orders(rows),
        issues: vec![],
        not_itemised: vec![],
    };
    let bytes = chunk.encode();
    assert!(bytes.len() < 10_000 * 7, "{} bytes", bytes.len());
    assert_eq!(RowChunk::decode(&bytes).unwrap(), chunk);
}

#[test]
fn corrupt_chunks_are_errors_not_panics() {
    let chunk = RowChunk {
        batch_id: id(),
        attempt: 1,
        file: FileKind::Barcodes,
        seq: 0,
        last: true,
        rows: ChunkRows::Barcodes(vec![OwnedBarcodeRow {
            line: 2,
            barcode: "abc".into(),
            order_id: Some(3),
        }]),
        issues: vec![Issue::new(
            FileKind::Barcodes,
            9,
            IssueCode::MalformedRow,
            "m".into(),
        )],
        not_itemised: vec![NotItemised {
            file: FileKind::Barcodes,
            code: IssueCode::MalformedRow,
            count: 19_999_000,
            limit: 1000,
        }],
    };
    let bytes = chunk.encode();
    for cut in 0..bytes.len() {
        assert!(RowChunk::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert_eq!(RowChunk::decode(&extra), Err(ChunkError::Trailing(1)));
    assert_eq!(RowChunk::decode(b"JSON{}"), Err(ChunkError::BadMagic));
    // Every single-byte corruption decodes or fails cleanly.
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        let _ = RowChunk::decode(&b);
    }
    // A huge declared count does not allocate it.
    let mut huge = bytes[..4 + 2].to_vec();
    huge.extend_from_slice(&[1, 0, 1, b'b']);
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(RowChunk::decode(&huge).is_err());
}

#[test]
fn the_writer_reports_when_it_is_full() {
    let mut w = ChunkWriter::new(&id(), 1, FileKind::Barcodes, 0);
    let mut n = 0u64;
    while !w.is_full() {
        n += 1;
        w.push_barcode_parts(n + 1, "1234567890123", Some(n));
    }
    let bytes = w.finish(false);
    assert!(bytes.len() >= CHUNK_TARGET_BYTES - 64 && bytes.len() < CHUNK_TARGET_BYTES + 64);
    let back = RowChunk::decode(&bytes).unwrap();
    assert_eq!(back.row_count() as u64, n);
    assert!(!back.last);
}

#[test]
fn rows_the_validator_cannot_send_are_corrupt() {
    // Found by the `row_chunk` fuzz target: a barcode with a `+` decoded, and the merger
    // would have taken it (a barcode over 64 bytes would make it panic).
    let crash = b"TQR1\x01\x00\xff\xff\xff\xff\x0f\xff\xff\xff\xff\x0f\x19b3f1c2a9d8e7f6a5b4c3d2e1f\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x40ZZZZZZZZZZZZZZZZZ+ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ\x03\x00\x010\x00";
    assert_eq!(
        RowChunk::decode(crash),
        Err(ChunkError::BadValue {
            what: "barcode",
            at: 63
        })
    );
    let barcodes = |barcode: &str, order_id: u64| {
        let mut w = ChunkWriter::new(&id(), 1, FileKind::Barcodes, 0);
        w.push_barcode_parts(2, "ok", Some(1));
        // Written as the encoder would, without its checks.
        put_varint(&mut w.rows, 1);
        put_varint(&mut w.rows, order_id);
        w.rows.push(barcode.len() as u8);
        w.rows.extend_from_slice(barcode.as_bytes());
        w.row_count += 1;
        w.finish(true)
    };
    assert!(RowChunk::decode(&barcodes("A1", 7)).is_ok());
    for (barcode, order_id) in [
        ("", 1),
        ("a-b", 1),
        ("é", 1),
        (&"7".repeat(65), 1),
        ("A1", MAX_ID + 1),
    ] {
        let bytes = barcodes(barcode, order_id);
        assert!(RowChunk::decode(&bytes).is_err(), "{barcode:?} {order_id}");
    }
    let orders = |order_id: u64, customer_id: u64| {
        let mut w = ChunkWriter::new(&id(), 1, FileKind::Orders, 0);
        put_varint(&mut w.rows, 2);
        put_varint(&mut w.rows, order_id);
        put_varint(&mut w.rows, customer_id);
        w.row_count += 1;
        w.finish(false)
    };
    assert!(RowChunk::decode(&orders(1, MAX_ID)).is_ok());
    for (o, c) in [(0, 1), (1, 0), (MAX_ID + 1, 1), (1, u64::MAX)] {
        assert!(RowChunk::decode(&orders(o, c)).is_err(), "{o} {c}");
    }
}

#[test]
fn a_chunk_has_one_encoding() {
    let mut w = ChunkWriter::new(&id(), 1, FileKind::Orders, 0);
    w.push_order(&OrderRow {
        line: 2,
        order_id: 1,
        customer_id: 1,
    });
    let bytes = w.finish(true);
    let chunk = RowChunk::decode(&bytes).unwrap();
    assert_eq!(chunk.encode(), bytes);
    // The same values in a longer varint (attempt 1 as 0x81 0x00), or an unknown flag.
    let mut longer = bytes[..6].to_vec();
    longer.extend_from_slice(&[0x81, 0x00]);
    longer.extend_from_slice(&bytes[7..]);
    assert_eq!(
        RowChunk::decode(&longer),
        Err(ChunkError::BadValue {
            what: "varint",
            at: 6
        })
    );
    let mut flagged = bytes.clone();
    flagged[5] |= 4;
    assert_eq!(
        RowChunk::decode(&flagged),
        Err(ChunkError::BadValue {
            what: "flags",
            at: 5
        })
    );
    assert!(ChunkHead::read(&flagged).is_err());
    // Counts not itemised: never an empty list (the flag says there are some).
    let mut counted = bytes.clone();
    counted[5] |= 2;
    counted.push(0);
    assert_eq!(
        RowChunk::decode(&counted),
        Err(ChunkError::BadValue {
            what: "count of codes not itemised",
            at: bytes.len()
        })
    );
    // Zero is one byte; the largest varint keeps its tenth byte.
    let mut one = Vec::new();
    put_varint(&mut one, u64::MAX);
    let mut r = Reader { b: &one, at: 0 };
    assert_eq!(r.varint(), Ok(u64::MAX));
    let mut r = Reader {
        b: &[0x80, 0x80, 0x00],
        at: 0,
    };
    assert!(r.varint().is_err());
}
