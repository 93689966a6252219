use crate::support::{sample, Env};
use tiqets_bus::Outcome;
use tiqets_contract::{BatchStatus, ChunkRows};
use tiqets_domain::{
    BarcodesParser, FileKind, Issue, OrderRow, OrdersParser, OwnedBarcodeRow, Parsed,
};
use tiqets_validator::Validator;

/// What the domain parser makes of a whole file read at once.
fn parse_orders(bytes: &[u8]) -> (Vec<OrderRow>, Vec<Issue>) {
    let (mut rows, mut issues) = (Vec::new(), Vec::new());
    let mut sink = |p: Parsed<OrderRow>| match p {
        Parsed::Row(r) => rows.push(r),
        Parsed::Issue(i) => issues.push(i),
    };
    let mut parser = OrdersParser::new();
    parser.push(bytes, &mut sink).unwrap();
    parser.finish(&mut sink).unwrap();
    (rows, issues)
}

fn parse_barcodes(bytes: &[u8]) -> (Vec<OwnedBarcodeRow>, Vec<Issue>) {
    let (mut rows, mut issues) = (Vec::new(), Vec::new());
    let mut sink = |p: Parsed<tiqets_domain::BarcodeRow<'_>>| match p {
        Parsed::Row(r) => rows.push(r.to_owned_row()),
        Parsed::Issue(i) => issues.push(i),
    };
    let mut parser = BarcodesParser::new();
    parser.push(bytes, &mut sink).unwrap();
    parser.finish(&mut sink).unwrap();
    (rows, issues)
}

#[tokio::test]
async fn the_sample_becomes_ordered_chunks_and_one_merge_work() {
    let env = Env::new().await;
    let (orders, barcodes) = (sample("orders.csv"), sample("barcodes.csv"));
    let work = env.put_batch("sample", &orders, &barcodes).await;
    let validator = Validator::new(env.bus.clone(), &env.settings());

    assert_eq!(validator.validate(work.clone()).await, Outcome::Ack);

    let merges = env.merge_work().await;
    assert_eq!(merges.len(), 1);
    let merge = &merges[0];
    assert_eq!(merge.batch, work.batch);
    assert_eq!(merge.inputs, work.inputs);

    let order_chunks = env.chunks(&work, FileKind::Orders).await;
    let barcode_chunks = env.chunks(&work, FileKind::Barcodes).await;
    // Sent as validation started: no chunk sets; the last chunk of each file is flagged.
    assert_eq!(
        (merge.orders.as_ref(), merge.barcodes.as_ref()),
        (None, None)
    );
    assert!(
        barcode_chunks.len() > 1,
        "small chunks: the sample spans several"
    );
    for chunks in [&order_chunks, &barcode_chunks] {
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.seq as usize, i);
            assert_eq!(c.last, i + 1 == chunks.len());
            assert_eq!((&c.batch_id, c.attempt), (&work.batch.batch_id, 1));
        }
    }

    // Together the chunks hold exactly what the parser yields on the whole file.
    let (want_rows, want_issues) = parse_orders(&orders);
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    for c in &order_chunks {
        let ChunkRows::Orders(r) = &c.rows else {
            panic!("order rows")
        };
        rows.extend_from_slice(r);
        issues.extend_from_slice(&c.issues);
    }
    assert_eq!(rows, want_rows);
    assert_eq!(issues, want_issues);

    let (want_rows, want_issues) = parse_barcodes(&barcodes);
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    for c in &barcode_chunks {
        let ChunkRows::Barcodes(r) = &c.rows else {
            panic!("barcode rows")
        };
        rows.extend_from_slice(r);
        issues.extend_from_slice(&c.issues);
    }
    assert_eq!(rows, want_rows);
    assert_eq!(issues, want_issues);
    assert!(!issues.is_empty(), "the sample has bad barcode rows");

    let status = env.last_status(&work).await;
    assert_eq!(status.status, BatchStatus::Validating);
}
