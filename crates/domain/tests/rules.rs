//! One test per rule and per issue code of `docs/processing-rules.md`, with exact lines and
//! messages.

use tiqets_domain::{FatalProblem, FileKind, IssueCode, Outcome};

fn run(orders: &str, barcodes: &str) -> Outcome {
    run_bytes(orders.as_bytes(), barcodes.as_bytes())
}

fn run_bytes(orders: &[u8], barcodes: &[u8]) -> Outcome {
    tiqets_domain::process(orders, barcodes, (0, 0), &|_| {}).expect("not fatal")
}

fn processed(o: &Outcome) -> String {
    let mut v = Vec::new();
    tiqets_domain::write_processed(o, &mut v).unwrap();
    String::from_utf8(v).unwrap()
}

/// Issues as `file:line:code`.
fn issues(o: &Outcome) -> Vec<String> {
    o.issues()
        .iter()
        .map(|i| format!("{}:{}:{}", i.file, i.line, i.code))
        .collect()
}

const ORDERS: &str = "order_id,customer_id\n1,10\n2,20\n";

#[test]
fn output_rows_list_barcodes_in_file_order_sorted_by_customer_then_order() {
    let o = run(
        "order_id,customer_id\n3,20\n10,5\n2,20\n",
        "barcode,order_id\n333,3\n100,10\n222,2\n334,3\n",
    );
    assert_eq!(
        processed(&o),
        "customer_id,order_id,barcodes\n5,10,[100]\n20,2,[222]\n20,3,\"[333, 334]\"\n"
    );
    assert_eq!(o.tickets(), 4);
    assert_eq!(o.customers(), 2);
    assert!(o.issues().is_empty());
}

#[test]
fn rule_1_duplicate_order_first_wins() {
    let o = run(
        "order_id,customer_id\n1,10\n01,99\n",
        "barcode,order_id\n5,1\n",
    );
    assert_eq!(issues(&o), ["orders:3:duplicate_order"]);
    assert_eq!(
        o.issues()[0].message,
        "duplicate order_id 1 (first on line 2)"
    );
    assert_eq!(processed(&o), "customer_id,order_id,barcodes\n10,1,[5]\n");
}

#[test]
fn rule_2_duplicate_barcode_first_wins_sold_or_not() {
    let o = run(ORDERS, "barcode,order_id\n7,\n7,1\n8,1\n8,2\n9,2\n");
    assert_eq!(
        issues(&o),
        [
            "barcodes:3:duplicate_barcode",
            "barcodes:5:duplicate_barcode"
        ]
    );
    assert_eq!(
        o.unused_count(),
        1,
        "the unsold 7 was first, so it stays unused"
    );
    assert_eq!(
        processed(&o),
        "customer_id,order_id,barcodes\n10,1,[8]\n20,2,[9]\n"
    );
}

#[test]
fn rule_2_counts_only_rows_that_passed_the_checks() {
    // The first `5` row is invalid (bad order id), so the second is the first kept one.
    let o = run(ORDERS, "barcode,order_id\n5,x\n5,1\n6,2\n");
    assert_eq!(issues(&o), ["barcodes:2:invalid_order_id"]);
    assert_eq!(
        processed(&o),
        "customer_id,order_id,barcodes\n10,1,[5]\n20,2,[6]\n"
    );
}

#[test]
fn rule_3_empty_order_id_is_unused() {
    let o = run(ORDERS, "barcode,order_id\n1,1\n2, \n3,\n4,2\n");
    assert_eq!(o.unused_count(), 2);
    let unused: Vec<String> = o.unused().map(|b| b.to_string()).collect();
    assert_eq!(unused, ["2", "3"]);
}

#[test]
fn rule_4_unknown_order_is_neither_output_nor_unused() {
    let o = run(ORDERS, "barcode,order_id\n1,1\n2,2\n3,77\n");
    assert_eq!(issues(&o), ["barcodes:4:unknown_order"]);
    assert_eq!(
        o.issues()[0].message,
        "barcode \"3\" refers to unknown order_id 77"
    );
    assert_eq!(o.unused_count(), 0);
    assert_eq!(o.tickets(), 2);
}

#[test]
fn rule_4_a_duplicate_order_row_does_not_make_its_barcodes_unknown() {
    let o = run(
        "order_id,customer_id\n1,10\n1,20\n",
        "barcode,order_id\n1,1\n",
    );
    assert_eq!(issues(&o), ["orders:3:duplicate_order"]);
    assert_eq!(processed(&o), "customer_id,order_id,barcodes\n10,1,[1]\n");
}

#[test]
fn rule_5_order_without_barcodes_is_not_output() {
    let o = run(ORDERS, "barcode,order_id\n1,1\n");
    assert_eq!(issues(&o), ["orders:3:order_without_barcodes"]);
    assert_eq!(o.issues()[0].message, "order_id 2 has no barcodes");
    assert_eq!(o.orders_written(), 1);
}

#[test]
fn rule_7_top_customers_most_tickets_first_ties_by_smaller_id() {
    let o = run(
        "order_id,customer_id\n1,30\n2,10\n3,20\n4,40\n",
        "barcode,order_id\n1,1\n2,1\n3,2\n4,2\n5,3\n6,4\n",
    );
    let top: Vec<(u64, u64)> = o
        .top_customers(3)
        .iter()
        .map(|c| (c.customer_id, c.tickets))
        .collect();
    assert_eq!(top, [(10, 2), (30, 2), (20, 1)]);
    assert_eq!(o.top_customers(0), []);
    assert_eq!(o.top_customers(10).len(), 4);
}

#[test]
fn extra_columns_are_one_issue_per_file_and_header_matches_any_order_and_case() {
    let o = run(
        " Customer_ID ,notes,ORDER_ID,more\n10,x,1,y\n",
        "Order_Id,BARCODE\n1,55\n",
    );
    assert_eq!(issues(&o), ["orders:1:extra_column"]);
    assert_eq!(
        o.issues()[0].message,
        "extra columns ignored: \"notes\", \"more\""
    );
    assert_eq!(processed(&o), "customer_id,order_id,barcodes\n10,1,[55]\n");
}

#[test]
fn malformed_row_when_the_field_count_differs() {
    let o = run(
        "order_id,customer_id\n1,10\n2\n3,30,x\n",
        "barcode,order_id\n1,1\n",
    );
    assert_eq!(
        issues(&o),
        ["orders:3:malformed_row", "orders:4:malformed_row"]
    );
    assert_eq!(o.issues()[0].message, "expected 2 fields, found 1");
}

#[test]
fn invalid_utf8_names_the_record() {
    let o = run_bytes(
        b"order_id,customer_id\n1,10\n2,2\xff0\n",
        b"barcode,order_id\n1,1\n",
    );
    assert_eq!(issues(&o), ["orders:3:invalid_utf8"]);
    assert!(o.issues()[0].message.contains("2,2\u{fffd}0"));
}

#[test]
fn invalid_ids_and_barcodes_name_the_value() {
    let o = run(
        "order_id,customer_id\n-1,10\n1,1.5\n2,20\n",
        "barcode,order_id\n=SUM(A1),2\nabc,2e1\nok1,2\n",
    );
    assert_eq!(
        issues(&o),
        [
            "orders:2:invalid_order_id",
            "orders:3:invalid_customer_id",
            "barcodes:2:invalid_barcode",
            "barcodes:3:invalid_order_id"
        ]
    );
    let messages: Vec<&str> = o.issues().iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        messages[0],
        "invalid order_id \"-1\": expected a whole number from 1 to 9223372036854775807"
    );
    assert_eq!(
        messages[2],
        "invalid barcode \"=SUM(A1)\": expected 1 to 64 ASCII letters or digits"
    );
}

#[test]
fn pandas_floats_leading_zeros_and_the_maximum_id_are_valid() {
    let o = run(
        "order_id,customer_id\n12.0,0009223372036854775807\n",
        "barcode,order_id\n000123,0012\n",
    );
    assert!(o.issues().is_empty(), "{:?}", o.issues());
    assert_eq!(
        processed(&o),
        "customer_id,order_id,barcodes\n9223372036854775807,12,[000123]\n"
    );
}

#[test]
fn line_numbers_are_physical_with_bom_crlf_blank_lines_and_multiline_quotes() {
    let orders = b"\xEF\xBB\xBForder_id,customer_id\r\n\r\n\"1\",\"1\n0\"\r\n  \r\nx,1\r\n";
    let o = run_bytes(orders, b"barcode,order_id\n");
    // Line 3 starts the record with a quoted field spanning lines 3-4; `x` is on line 6.
    assert_eq!(
        issues(&o),
        ["orders:3:invalid_customer_id", "orders:6:invalid_order_id"]
    );
}

#[test]
fn quoted_fields_are_unquoted_and_trimmed() {
    let o = run(
        "order_id,customer_id\n\" 1 \" , \"10\"\n",
        "barcode,order_id\n\"A1\",\"1\"\n",
    );
    assert!(o.issues().is_empty());
    assert_eq!(processed(&o), "customer_id,order_id,barcodes\n10,1,[A1]\n");
}

#[test]
fn header_only_files_give_an_empty_result() {
    let o = run("order_id,customer_id\n", "barcode,order_id");
    assert_eq!(processed(&o), "customer_id,order_id,barcodes\n");
    assert!(o.issues().is_empty());
    assert_eq!(o.unused_count(), 0);
}

fn fatal(orders: &[u8], barcodes: &[u8]) -> tiqets_domain::FatalError {
    match tiqets_domain::process(orders, barcodes, (0, 0), &|_| {}) {
        Err(e) => e,
        Ok(_) => panic!("expected a fatal error"),
    }
}

#[test]
fn missing_columns_empty_files_and_binary_are_fatal_and_name_the_file() {
    let e = fatal(b"order_id,customer\n1,2\n", b"barcode,order_id\n");
    assert_eq!(e.file, FileKind::Orders);
    assert_eq!(
        e.to_string(),
        "orders.csv: missing required column `customer_id`"
    );

    let e = fatal(b"order_id,customer_id\n", b"");
    assert_eq!(e.file, FileKind::Barcodes);
    assert_eq!(e.problem, FatalProblem::NoHeader);

    let e = fatal(b"order_id,customer_id\n", b"\x89PNG\r\n\x1a\n\0\0\xff\xfe");
    assert_eq!(e.problem, FatalProblem::HeaderNotText);
    assert_eq!(
        e.to_string(),
        "barcodes.csv: the header is not UTF-8 text (is this a CSV file?)"
    );
}

#[test]
fn every_code_is_reachable() {
    let o = run_bytes(
        b"order_id,customer_id,x\n1,10,a\n1,11,a\n2,20,a\nz,1,a\n3,y,a\n4\n5,5,\xff\n",
        b"barcode,order_id\n-,1\nb1,1\nb1,1\nb2,99\nb3,q\n",
    );
    let mut codes: Vec<IssueCode> = o.issues().iter().map(|i| i.code).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes, IssueCode::ALL);
}

#[test]
fn hostile_input_gets_issues_or_a_fatal_error_never_a_panic() {
    // A row of a million columns, a 3 MB line, and deep quoting, between valid rows.
    let mut barcodes = b"barcode,order_id\n1,1\n".to_vec();
    barcodes.extend(std::iter::repeat_n(b',', 1_000_000));
    barcodes.extend_from_slice(b"\n");
    barcodes.extend(std::iter::repeat_n(b'7', 3_000_000));
    barcodes.extend_from_slice(b",1\n");
    barcodes.extend(std::iter::repeat_n(b'"', 10_001));
    barcodes.extend_from_slice(b"\n2,1\n");
    let o = run_bytes(b"order_id,customer_id\n1,10\n", &barcodes);
    assert_eq!(
        issues(&o),
        [
            "barcodes:3:malformed_row",
            "barcodes:4:malformed_row",
            "barcodes:5:malformed_row"
        ]
    );
    assert_eq!(o.issues()[1].message, "record longer than 1048576 bytes");
    // The odd run of quotes swallows the rest of the file as one unterminated field.
    assert_eq!(processed(&o), "customer_id,order_id,barcodes\n10,1,[1]\n");

    // A header of two million columns is not a usable header.
    let mut orders = b"order_id,customer_id".to_vec();
    orders.extend_from_slice(&b",c".repeat(2_000_000));
    let e = fatal(&orders, b"barcode,order_id\n");
    assert_eq!(
        e.to_string(),
        "orders.csv: the header cannot be read: record longer than 1048576 bytes"
    );
}
