use super::*;
use crate::issue::IssueLimit;
use crate::{process_with, write_issue_report, write_processed, write_unused};

/// The three files and figures of the whole-batch merge, and of the partitioned one.
fn both(orders: &str, barcodes: &str, parts: u32, limit: IssueLimit) {
    let whole = process_with(
        limit,
        orders.as_bytes(),
        barcodes.as_bytes(),
        (0, 0),
        &|_| {},
    )
    .expect("whole");
    let split = process_partitioned(
        orders.as_bytes(),
        barcodes.as_bytes(),
        Plan::new(parts),
        limit,
        3,
    )
    .expect("partitioned");
    let mut csv = Vec::new();
    write_processed(&whole, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&split.processed),
        String::from_utf8_lossy(&csv)
    );
    csv.clear();
    write_issue_report(whole.issues(), whole.not_itemised(), &mut csv).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&split.issues),
        String::from_utf8_lossy(&csv)
    );
    csv.clear();
    write_unused(&whole, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&split.unused),
        String::from_utf8_lossy(&csv)
    );
    assert_eq!(split.summary.orders_written, whole.orders_written());
    assert_eq!(split.summary.tickets, whole.tickets());
    assert_eq!(split.summary.customers, whole.customers());
    assert_eq!(split.summary.top, whole.top_customers(3));
    assert_eq!(split.unused_count, whole.unused_count());
    assert_eq!(split.issue_totals.counts, whole.issue_counts());
    assert_eq!(split.issue_totals.not_itemised, whole.not_itemised());
    let lines = whole.issues().len() + whole.not_itemised().len();
    assert_eq!(split.issue_totals.lines, lines as u64);
    if limit == IssueLimit::new(1) {
        assert!(
            !whole.not_itemised().is_empty(),
            "the limit leaves issues out"
        );
    }
}

const ORDERS: &str =
    "order_id,customer_id,x\n1,10,a\n2,20,a\n2,21,a\n3,10,a\nzz,1,a\n4,30,a\n5,40,a\n";
const BARCODES: &str =
    "barcode,order_id\n111,1\n222,1\n333,\n111,2\n444,9\n555,3\n!,1\n666,2\n777,\n333,1\n888,5\n?,2\n";

#[test]
fn every_partition_count_gives_the_whole_merge() {
    for parts in 1..=7 {
        for limit in [IssueLimit::NONE, IssueLimit::new(1), IssueLimit::DEFAULT] {
            both(ORDERS, BARCODES, parts, limit);
        }
    }
}

#[test]
fn partitions_spread_consecutive_ids_and_barcodes() {
    let plan = Plan::new(4);
    let mut orders = [0u32; 4];
    let mut barcodes = [0u32; 4];
    for id in 1..=4000u64 {
        orders[plan.of_order(id) as usize] += 1;
        barcodes[plan.of_barcode(format!("B{id}").as_bytes()) as usize] += 1;
    }
    for n in orders.iter().chain(&barcodes) {
        assert!((800..1200).contains(n), "{orders:?} {barcodes:?}");
    }
    // Fixed across versions: a change would mix two plans in one batch.
    assert_eq!(Plan::new(7).of_order(1), Plan::new(7).of_order(1));
    assert_eq!(
        (0..8).map(|i| Plan::new(5).of_order(i)).collect::<Vec<_>>(),
        PINNED_ORDERS
    );
}

const PINNED_ORDERS: [u32; 8] = [0, 4, 0, 1, 2, 2, 2, 4];

#[test]
fn top_customers_of_a_stream_rank_as_the_batch_does() {
    let all: Vec<crate::CustomerTickets> = [(5, 3), (1, 3), (9, 7), (2, 1), (4, 7), (8, 0)]
        .into_iter()
        .map(|(customer_id, tickets)| crate::CustomerTickets {
            customer_id,
            tickets,
        })
        .collect();
    for n in 0..8 {
        let mut top = TopCustomers::new(n);
        all.iter().for_each(|c| top.push(*c));
        assert_eq!(top.finish(), crate::top_customers(&all, n), "n = {n}");
    }
}

#[test]
fn a_run_cut_short_is_refused() {
    let mut run = Vec::new();
    codec::put_order(
        &mut run,
        &crate::OrderRow {
            line: 2,
            order_id: 1,
            customer_id: 3,
        },
    );
    let mut book = crate::OrderBook::new();
    assert_eq!(codec::read_orders(run.as_slice(), &mut book).unwrap(), 1);
    for cut in 1..run.len() {
        let e = codec::read_orders(&run[..cut], &mut crate::OrderBook::new()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "cut at {cut}");
    }
    let mut issues = Vec::new();
    let issue = crate::Issue::new(
        crate::FileKind::Barcodes,
        7,
        crate::IssueCode::UnknownOrder,
        "m".into(),
    );
    codec::put_issue(&mut issues, &issue);
    let back: Vec<_> = codec::IssueReader::new(issues.as_slice())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, [issue]);
    assert!(codec::IssueReader::new(&issues[..issues.len() - 1])
        .next()
        .unwrap()
        .is_err());
}

/// Records of any values read back as written, in a reader whose buffer ends inside
/// their varints; a varint past 64 bits or longer than its shortest form is refused.
#[test]
fn records_round_trip_across_buffer_ends_and_bad_varints_are_refused() {
    use std::io::BufReader;
    let values = [
        0,
        1,
        127,
        128,
        300,
        16_383,
        16_384,
        u64::from(u32::MAX),
        u64::MAX,
    ];
    let mut orders = Vec::new();
    let mut barcodes = Vec::new();
    let mut expected = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        let row = crate::OrderRow {
            line: v,
            order_id: values[(i + 3) % values.len()],
            customer_id: values[(i + 5) % values.len()],
        };
        codec::put_order(&mut orders, &row);
        let barcode = format!("B{v}");
        let order_id = (v != 0).then_some(v);
        codec::put_barcode(&mut barcodes, v, order_id, barcode.as_bytes());
        expected.push((row, barcode, order_id));
    }
    // Every buffer size, so that each varint is cut by a buffer's end somewhere.
    for cap in 1..12 {
        let mut book = crate::OrderBook::new();
        let r = BufReader::with_capacity(cap, orders.as_slice());
        assert_eq!(
            codec::read_orders(r, &mut book).unwrap(),
            values.len() as u64
        );
        let mut again = Vec::new();
        for r in &book.rows {
            let row = crate::OrderRow {
                line: r.line,
                order_id: r.order_id,
                customer_id: r.customer_id,
            };
            codec::put_order(&mut again, &row);
        }
        assert_eq!(again, orders, "buffer of {cap}");

        let mut rows =
            codec::BarcodeReader::new(BufReader::with_capacity(cap, barcodes.as_slice()));
        for (row, barcode, order_id) in &expected {
            let got = rows.next_row().unwrap().unwrap();
            assert_eq!(
                (got.line, got.barcode, got.order_id),
                (row.line, barcode.as_str(), *order_id)
            );
        }
        assert!(rows.next_row().unwrap().is_none());
    }
    let too_long = [0xff; 10]
        .iter()
        .chain(&[0x01, 0, 0])
        .copied()
        .collect::<Vec<_>>();
    let past_64_bits = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0,
    ];
    let not_shortest = [0x81, 0x00, 1, 1];
    for bad in [&too_long[..], &past_64_bits, &not_shortest] {
        let e = codec::read_orders(bad, &mut crate::OrderBook::new()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{bad:?}");
    }
}
