use super::first::{first_barcodes, first_orders};
use super::*;
use crate::issue::sort_issues;
use crate::parse::{BarcodeRow, OrderRow};

#[test]
fn floods_of_duplicates_are_collected_in_exactly_sized_lists() {
    // With millions of duplicates of one order or barcode, their issues are most of a
    // batch's memory (scripts/hostile-run's `dup-*` cases): no list is sized by
    // doubling, nor by the rows the duplicates take away.
    let mut orders = OrderBook::new();
    for i in 0..1000 {
        orders.push(OrderRow {
            line: i + 2,
            order_id: 7,
            customer_id: 1,
        });
    }
    let (kept, issues) = first_orders(orders.rows);
    assert_eq!((kept.len(), kept.capacity()), (1, 1));
    assert_eq!((issues.len(), issues.capacity()), (999, 999));
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
    let (sold, (unused, _), mut issues) = first_barcodes(&mut book);
    assert_eq!((sold.low.len() + sold.high.len(), unused.len()), (2, 0));
    assert!(sold.low.capacity() + sold.high.capacity() <= 8);
    assert_eq!((issues.len(), issues.capacity()), (998, 998));
    sort_issues(&mut issues);
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
