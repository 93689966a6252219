use super::first::{first_barcodes, first_orders};
use super::*;
use crate::issue::IssueLimit;
use crate::parse::{BarcodeRow, OrderRow};

#[test]
fn floods_of_duplicates_keep_their_first_issues_and_count_the_rest() {
    // With millions of duplicates of one order or barcode, their issues would be most of a
    // batch's memory (scripts/hostile-run's `dup-*` cases): the rows the duplicates take
    // away are not kept in doubled lists, and past the issue limit only counts are.
    let mut orders = OrderBook::new();
    for i in 0..1000 {
        orders.push(OrderRow {
            line: i + 2,
            order_id: 7,
            customer_id: 1,
        });
    }
    let (kept, log) = first_orders(orders.rows, IssueLimit::new(100));
    assert_eq!((kept.len(), kept.capacity()), (1, 1));
    assert!(log.kept() <= 200);
    let (issues, counts, left) = log.finish();
    assert_eq!(issues.len(), 100);
    assert_eq!(counts.get(IssueCode::DuplicateOrder), 999);
    assert_eq!(left[0].count, 899);
    assert_eq!(issues[0].line, 3);
    assert_eq!(issues[0].message, "duplicate order_id 7 (first on line 2)");

    let mut book = BarcodeBook::new();
    for i in 0..1000 {
        book.push(BarcodeRow {
            line: i + 2,
            barcode: if i % 2 == 0 { "AB1" } else { "0042" },
            order_id: (i % 4 < 2).then_some(1),
        });
    }
    let (sold, (unused, _), log) = first_barcodes(&mut book, IssueLimit::NONE);
    assert_eq!((sold.low.len() + sold.high.len(), unused.len()), (2, 0));
    assert!(sold.low.capacity() + sold.high.capacity() <= 8);
    let (issues, counts, left) = log.finish();
    assert_eq!((issues.len(), counts.total(), left.len()), (998, 998, 0));
    let lines: Vec<u64> = issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, (4..=1001).collect::<Vec<_>>());
    assert_eq!(
        issues[0].message,
        "duplicate barcode \"AB1\" (first on line 2)"
    );
    assert_eq!(
        issues[1].message,
        "duplicate barcode \"0042\" (first on line 3)"
    );
}
