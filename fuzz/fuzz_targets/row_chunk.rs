//! The row-chunk decoder (`tiqets_contract::chunk`: `RowChunk::decode`, `ChunkHead::read`,
//! `ChunkHead::visit`) on any bytes, and the encoder on chunks built from the input.
//!
//! Invariants: decoding never panics; `visit` succeeds exactly when `decode` does, with the
//! same head as `read`; a decoded chunk re-encodes to the same bytes (one encoding per
//! chunk); its rows hold what the validator can send (ids from 1 to 9223372036854775807,
//! barcodes of 1 to 64 ASCII letters or digits), which the merger relies on. A chunk built
//! row by row with `ChunkWriter` equals `RowChunk::encode`'s, decodes back to itself, and
//! is never longer than the writer's running estimate (what producers flush by). A last
//! chunk may end with the file's counts of issues not itemised, each of the chunk's file.

#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use tiqets_contract::{BatchId, ChunkHead, ChunkRows, ChunkVisitor, ChunkWriter, RowChunk};
use tiqets_domain::value::{is_valid_barcode, MAX_ID};
use tiqets_domain::{
    BarcodeRow, FileKind, Issue, IssueCode, NotItemised, OrderRow, OwnedBarcodeRow,
};

/// Counts what `visit` hands out.
#[derive(Default)]
struct Count {
    orders: usize,
    barcodes: usize,
    issues: usize,
    not_itemised: usize,
}

impl ChunkVisitor for Count {
    fn order(&mut self, _: OrderRow) {
        self.orders += 1;
    }
    fn barcode(&mut self, _: BarcodeRow<'_>) {
        self.barcodes += 1;
    }
    fn issue(&mut self, _: Issue) {
        self.issues += 1;
    }
    fn not_itemised(&mut self, _: NotItemised) {
        self.not_itemised += 1;
    }
}

fn head_of(c: &RowChunk) -> ChunkHead {
    ChunkHead {
        batch_id: c.batch_id.clone(),
        attempt: c.attempt,
        file: c.file,
        seq: c.seq,
        last: c.last,
    }
}

fn decode_any(data: &[u8]) {
    let decoded = RowChunk::decode(data);
    let head = ChunkHead::read(data);
    let mut count = Count::default();
    let visited = ChunkHead::visit(data, &mut count);
    assert_eq!(decoded.is_ok(), visited.is_ok());
    let Ok(chunk) = decoded else {
        return;
    };
    assert_eq!(head.as_ref(), Ok(&head_of(&chunk)));
    assert_eq!(visited.as_ref(), Ok(&head_of(&chunk)));
    match &chunk.rows {
        ChunkRows::Orders(rows) => {
            assert_eq!(chunk.file, FileKind::Orders);
            assert_eq!((count.orders, count.barcodes), (rows.len(), 0));
            for r in rows {
                assert!((1..=MAX_ID).contains(&r.order_id), "{r:?}");
                assert!((1..=MAX_ID).contains(&r.customer_id), "{r:?}");
            }
        }
        ChunkRows::Barcodes(rows) => {
            assert_eq!(chunk.file, FileKind::Barcodes);
            assert_eq!((count.orders, count.barcodes), (0, rows.len()));
            for r in rows {
                assert!(is_valid_barcode(r.barcode.as_bytes()), "{r:?}");
                assert!(
                    r.order_id.is_none_or(|id| (1..=MAX_ID).contains(&id)),
                    "{r:?}"
                );
            }
        }
    }
    assert_eq!(count.issues, chunk.issues.len());
    assert_eq!(count.not_itemised, chunk.not_itemised.len());
    assert!(
        chunk.not_itemised.is_empty() || chunk.last,
        "counts on a chunk not last"
    );
    assert!(chunk.not_itemised.iter().all(|n| n.file == chunk.file));
    assert_eq!(
        chunk.encode(),
        data,
        "a decoded chunk re-encodes to other bytes"
    );
}

fn id(u: &mut Unstructured<'_>) -> Result<u64> {
    u.int_in_range(1..=MAX_ID)
}

fn built(u: &mut Unstructured<'_>) -> Result<()> {
    const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const BARCODE_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let id_len = u.int_in_range(1..=100)?;
    let mut batch = String::new();
    for _ in 0..id_len {
        batch.push(*u.choose(ID_CHARS)? as char);
    }
    let batch_id = BatchId::parse(&batch).expect("a valid batch id");
    let file = if u.arbitrary()? {
        FileKind::Orders
    } else {
        FileKind::Barcodes
    };
    let (attempt, seq, last): (u32, u32, bool) = u.arbitrary()?;
    let mut writer = ChunkWriter::new(&batch_id, attempt, file, seq);
    let mut orders = Vec::new();
    let mut barcodes = Vec::new();
    let mut issues = Vec::new();
    let n = u.int_in_range(0..=64)?;
    for _ in 0..n {
        let line = u.arbitrary()?;
        match file {
            FileKind::Orders => {
                let row = OrderRow {
                    line,
                    order_id: id(u)?,
                    customer_id: id(u)?,
                };
                writer.push_order(&row);
                orders.push(row);
            }
            FileKind::Barcodes => {
                let len = u.int_in_range(1..=64)?;
                let mut barcode = String::new();
                for _ in 0..len {
                    barcode.push(*u.choose(BARCODE_CHARS)? as char);
                }
                let order_id = if u.arbitrary()? { Some(id(u)?) } else { None };
                let row = OwnedBarcodeRow {
                    line,
                    barcode,
                    order_id,
                };
                writer.push_barcode(&row);
                barcodes.push(row);
            }
        }
    }
    let n = u.int_in_range(0..=8)?;
    for _ in 0..n {
        let issue = Issue::new(
            if u.arbitrary()? {
                FileKind::Orders
            } else {
                FileKind::Barcodes
            },
            u.arbitrary()?,
            *u.choose(&IssueCode::ALL)?,
            u.arbitrary::<String>()?,
        );
        writer.push_issue(&issue);
        issues.push(issue);
    }
    let mut not_itemised = Vec::new();
    let n = if last { u.int_in_range(0..=3)? } else { 0 };
    for _ in 0..n {
        let counted = NotItemised {
            file,
            code: *u.choose(&IssueCode::ALL)?,
            count: u.arbitrary()?,
            limit: u.arbitrary()?,
        };
        writer.push_not_itemised(counted);
        not_itemised.push(counted);
    }
    let chunk = RowChunk {
        batch_id,
        attempt,
        file,
        seq,
        last,
        rows: match file {
            FileKind::Orders => ChunkRows::Orders(orders),
            FileKind::Barcodes => ChunkRows::Barcodes(barcodes),
        },
        issues,
        not_itemised,
    };
    assert_eq!(writer.rows(), chunk.row_count() as u64);
    let estimate = writer.len();
    let bytes = writer.finish(last);
    assert!(
        bytes.len() <= estimate,
        "{} bytes, estimated {estimate}",
        bytes.len()
    );
    assert_eq!(bytes, chunk.encode(), "the writer and encode differ");
    assert_eq!(RowChunk::decode(&bytes).as_ref(), Ok(&chunk));
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    decode_any(data);
    let _ = built(&mut Unstructured::new(data));
});
