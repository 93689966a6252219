use super::*;

fn merged(orders: &str, barcodes: &str) -> Merged {
    let outcome =
        tiqets_domain::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {}).unwrap();
    Merged { outcome }
}

fn text(m: &Merged, file: ResultFile) -> String {
    let mut out = Vec::new();
    m.write(file, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn sample() -> Merged {
    merged(
        "order_id,customer_id\n1,10\n2,20\n3,10\n4,30\n",
        "barcode,order_id\n111,1\n222,1\n333,2\n444,\n555,3\n111,3\n666,9\n007,\n",
    )
}

#[test]
fn every_result_file_has_its_header_and_one_line_per_row() {
    let m = sample();
    assert_eq!(
        text(&m, ResultFile::ProcessedOrders),
        "customer_id,order_id,barcodes\n10,1,\"[111, 222]\"\n10,3,[555]\n20,2,[333]\n"
    );
    assert_eq!(
        text(&m, ResultFile::UnusedBarcodes),
        "barcode,line\n444,5\n007,9\n"
    );
    let issues = text(&m, ResultFile::Issues);
    assert!(issues.starts_with("file,line,code,message\n"), "{issues}");
    for file in ResultFile::ALL {
        let lines = text(&m, file).lines().count() as u64;
        assert_eq!(lines, m.rows(file) + 1, "{file:?}");
    }
}

#[test]
fn counts_and_top_customers_come_from_the_outcome() {
    let m = sample();
    let c = m.counts(4, 8);
    assert_eq!((c.order_rows, c.barcode_rows), (4, 8));
    assert_eq!((c.orders_written, c.tickets, c.customers), (3, 4, 2));
    assert_eq!((c.unused_barcodes, c.issues), (2, 3));
    assert_eq!(c.issues_by_code.values().sum::<u64>(), 3);
    assert!(c.issues_by_code.values().all(|n| *n > 0));
    let top = m.top_customers();
    assert_eq!(
        top,
        [
            TopCustomer {
                customer_id: 10,
                tickets: 3
            },
            TopCustomer {
                customer_id: 20,
                tickets: 1
            }
        ]
    );
}
