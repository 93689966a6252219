use super::*;
use crate::issue::{FileKind, Issue, IssueCode, NotItemised};

fn outcome(orders: &str, barcodes: &str) -> crate::Outcome {
    crate::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {}).unwrap()
}

/// Reads `bytes` as format `F` in chunks of `chunk` bytes; `each` turns a line into a value.
fn read_all<F: ResultFormat, T>(
    bytes: &[u8],
    chunk: usize,
    mut each: impl for<'l> FnMut(F::Line<'l>) -> T,
) -> Result<Vec<T>, ReadError> {
    let mut reader = ResultReader::<F>::new();
    let mut out = Vec::new();
    let mut sink = |line: F::Line<'_>| out.push(each(line));
    for part in bytes.chunks(chunk.max(1)) {
        reader.push(part, &mut sink)?;
    }
    reader.finish(&mut sink)?;
    assert_eq!(reader.lines() as usize, out.len());
    Ok(out)
}

type Order = (u64, u64, Vec<String>);

fn orders_back(csv: &[u8], chunk: usize) -> Vec<Order> {
    read_all::<ProcessedOrdersCsv, _>(csv, chunk, |l| {
        let barcodes = l.barcodes.iter().map(str::to_owned).collect();
        (l.customer_id, l.order_id, barcodes)
    })
    .unwrap()
}

fn write_orders(orders: &[Order]) -> Vec<u8> {
    let mut csv = PROCESSED_HEADER.as_bytes().to_vec();
    for (c, o, b) in orders {
        format_order(&mut csv, *c, *o, b.iter());
    }
    csv
}

#[test]
fn processed_orders_read_back_as_written() {
    let o = outcome(
        "order_id,customer_id\n1,10\n2,20\n3,10\n",
        "barcode,order_id\n111,1\n0222,1\nAB9,2\n333,3\n444,3\n555,3\n",
    );
    let mut csv = Vec::new();
    write_processed(&o, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv.clone()).unwrap(),
        "customer_id,order_id,barcodes\n10,1,\"[111, 0222]\"\n10,3,\"[333, 444, 555]\"\n20,2,[AB9]\n"
    );
    let want: Vec<Order> = o
        .rows()
        .map(|r| {
            let barcodes = r.barcodes().map(|b| b.to_string()).collect();
            (r.customer_id, r.order_id, barcodes)
        })
        .collect();
    for chunk in [1, 2, 7, csv.len()] {
        assert_eq!(orders_back(&csv, chunk), want, "chunks of {chunk}");
    }
    // Each way of writing a line gives the same bytes.
    assert_eq!(write_orders(&want), csv);
    let mut again = PROCESSED_HEADER.as_bytes().to_vec();
    read_all::<ProcessedOrdersCsv, _>(&csv, 5, |l| format_line(&mut again, &l)).unwrap();
    assert_eq!(again, csv);
}

#[test]
fn edge_cases_of_the_barcode_list_round_trip() {
    let long = "Z".repeat(64);
    let orders: Vec<Order> = vec![
        (1, 1, vec!["7".into()]),
        (1, 2, vec!["007".into(), "7".into()]),
        (9223372036854775807, 9223372036854775807, vec![long.clone()]),
        (5, 3, (0..50).map(|i| format!("B{i}")).collect()),
    ];
    let csv = write_orders(&orders);
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.contains("\n1,1,[7]\n1,2,\"[007, 7]\"\n"), "{text}");
    assert_eq!(orders_back(&csv, 3), orders);
    // No rows: the header alone.
    assert_eq!(
        orders_back(PROCESSED_HEADER.as_bytes(), 1),
        Vec::<Order>::new()
    );
}

#[test]
fn a_barcode_list_is_its_text_and_its_barcodes() {
    let text = BarcodeList::join(["A1", "0042", "b"]);
    assert_eq!(text, "A1, 0042, b");
    let list = BarcodeList::parse(&text).unwrap();
    assert_eq!(
        (list.as_str(), list.len(), list.is_empty()),
        (text.as_str(), 3, false)
    );
    assert_eq!(list.iter().collect::<Vec<_>>(), ["A1", "0042", "b"]);
    assert_eq!(processed::split("x").collect::<Vec<_>>(), ["x"]);
    assert_eq!(BarcodeList::join([""; 0]), "");
    for bad in ["", "a, , b", "a, ", ", a"] {
        let e = BarcodeList::parse(bad).unwrap_err();
        assert!(e.contains("empty barcode"), "{bad:?}: {e}");
    }
}

#[test]
fn issues_read_back_as_written_whatever_their_messages_hold() {
    let issues = vec![
        Issue::new(FileKind::Orders, 1, IssueCode::ExtraColumn, "plain".into()),
        Issue::new(
            FileKind::Orders,
            7,
            IssueCode::InvalidOrderId,
            "invalid order_id \"1,5\": a comma, \"quotes\"".into(),
        ),
        Issue::new(
            FileKind::Barcodes,
            9,
            IssueCode::MalformedRow,
            "a line\nbreak and a\r\nCRLF".into(),
        ),
        Issue::new(
            FileKind::Barcodes,
            12,
            IssueCode::UnknownOrder,
            String::new(),
        ),
        Issue::new(
            FileKind::Barcodes,
            13,
            IssueCode::DuplicateBarcode,
            "\"".into(),
        ),
    ];
    let mut csv = Vec::new();
    write_issues(&issues, &mut csv).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.starts_with("file,line,code,message\norders,1,extra_column,plain\n"));
    assert!(text
        .contains(r#"orders,7,invalid_order_id,"invalid order_id ""1,5"": a comma, ""quotes""""#));
    let issue = |l: IssuesCsvLine<'_>| match l {
        IssuesCsvLine::Issue(l) => l.to_issue(),
        IssuesCsvLine::NotItemised(n) => panic!("{n:?}"),
    };
    for chunk in [1, 4, csv.len()] {
        let back = read_all::<IssuesCsv, _>(&csv, chunk, issue).unwrap();
        assert_eq!(back, issues, "chunks of {chunk}");
    }

    // With issues not itemised: each file's count lines after its issues, read back.
    let counted = |file, code, count| NotItemised {
        file,
        code,
        count,
        limit: 7,
    };
    let not_itemised = [
        counted(FileKind::Orders, IssueCode::InvalidOrderId, 3),
        counted(FileKind::Barcodes, IssueCode::MalformedRow, 20_000_000),
    ];
    let mut csv = Vec::new();
    write_issue_report(&issues, &not_itemised, &mut csv).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[3],
        "orders,,invalid_order_id,3 more invalid_order_id issues in orders.csv are counted \
         but not itemised (limit 7 per code per file)"
    );
    assert!(lines[4].starts_with("barcodes,9,"));
    assert!(text.ends_with(
        "\nbarcodes,,malformed_row,20000000 more malformed_row issues in \
         barcodes.csv are counted but not itemised (limit 7 per code per file)\n"
    ));
    let back = read_all::<IssuesCsv, _>(&csv, 5, |l| match l {
        IssuesCsvLine::Issue(l) => Err(l.to_issue()),
        IssuesCsvLine::NotItemised(n) => Ok(n),
    })
    .unwrap();
    let (counts, listed): (Vec<_>, Vec<_>) = back.into_iter().partition(|l| l.is_ok());
    assert_eq!(
        listed
            .into_iter()
            .map(|l| l.unwrap_err())
            .collect::<Vec<_>>(),
        issues
    );
    let counts: Vec<NotItemised> = counts.into_iter().map(|l| l.unwrap()).collect();
    assert_eq!(counts, not_itemised);
    let lines: Vec<IssueLine<'_>> = issues.iter().map(IssueLine::from).collect();
    assert_eq!(lines[1].to_issue(), issues[1]);
}

#[test]
fn unused_barcodes_read_back_as_written() {
    let o = outcome(
        "order_id,customer_id\n1,10\n",
        "barcode,order_id\n111,1\n0007,\nAB,\n7,\n",
    );
    let mut csv = Vec::new();
    write_unused(&o, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv.clone()).unwrap(),
        "barcode,line\n0007,3\nAB,4\n7,5\n"
    );
    let back = read_all::<UnusedBarcodesCsv, _>(&csv, 2, |l| (l.barcode.to_owned(), l.line));
    let want: Vec<(String, u64)> = o
        .unused_with_lines()
        .map(|(b, l)| (b.to_string(), l))
        .collect();
    assert_eq!(back.unwrap(), want);
    let mut again = UNUSED_HEADER.as_bytes().to_vec();
    for (barcode, line) in &want {
        format_unused(&mut again, barcode, *line);
    }
    assert_eq!(again, csv);
    assert_eq!(
        read_all::<UnusedBarcodesCsv, _>(UNUSED_HEADER.as_bytes(), 1, |_| ()),
        Ok(vec![])
    );
}

fn read_error<F: ResultFormat>(header: &str, body: &[u8]) -> ReadError {
    let bytes = [header.as_bytes(), body].concat();
    read_all::<F, _>(&bytes, 3, |_| ()).unwrap_err()
}

#[test]
fn what_breaks_a_result_file_is_told_with_its_line() {
    let e = |line: u64, message: &str| ReadError {
        line,
        message: message.into(),
    };
    assert_eq!(
        read_error::<ProcessedOrdersCsv>("", b""),
        e(1, "missing header \"customer_id,order_id,barcodes\"")
    );
    assert_eq!(
        read_error::<UnusedBarcodesCsv>("barcode\n", b""),
        e(1, "expected header \"barcode,line\", found \"barcode\"")
    );
    let processed = |body: &[u8]| read_error::<ProcessedOrdersCsv>(PROCESSED_HEADER, body);
    assert_eq!(processed(b"1,2\n"), e(2, "2 fields, expected 3"));
    assert_eq!(processed(b"1,x,[a]\n"), e(2, "not a number: \"x\""));
    assert_eq!(processed(b"1,-2,[a]\n"), e(2, "not a number: \"-2\""));
    assert_eq!(
        processed(b"1,2,a\n"),
        e(2, "barcodes \"a\" are not a [list]")
    );
    assert_eq!(
        processed(b"\n1,2,\"[a, ]\"\n"),
        e(3, "order 2 has an empty barcode in \"a, \"")
    );
    assert_eq!(processed(b"1,2,[\xff]\n").message, "not UTF-8");
    assert_eq!(
        processed(b"1,2,\"[a]\n").message,
        "quoted field is never closed"
    );
    let issues = |body: &[u8]| read_error::<IssuesCsv>(ISSUES_HEADER, body);
    assert_eq!(
        issues(b"elsewhere,1,malformed_row,m\n"),
        e(2, "unknown file \"elsewhere\"")
    );
    assert_eq!(issues(b"orders,1,odd,m\n"), e(2, "unknown code \"odd\""));
    assert_eq!(
        issues(b"orders,,malformed_row,many\n"),
        e(2, "no count of issues not itemised in \"many\"")
    );
    // The first problem in file order, whatever comes after it.
    assert_eq!(processed(b"1,2,[a]\n1,2\n\"x\"y\n").line, 3);
}

#[test]
fn parallel_writing_gives_the_same_bytes() {
    let mut orders = String::from("order_id,customer_id\n");
    let mut barcodes = String::from("barcode,order_id\n");
    for i in 1..=70_000u64 {
        orders += &format!("{i},{}\n", i % 997 + 1);
        for j in 0..(i % 3 + 1) {
            barcodes += &format!("{}{j},{i}\n", i * 10);
        }
    }
    let outcome = outcome(&orders, &barcodes);
    let mut one = Vec::new();
    write_processed(&outcome, &mut one).unwrap();
    let mut two = Vec::new();
    write_processed_parallel(&outcome, &mut two).unwrap();
    assert_eq!(outcome.orders_written(), 70_000);
    assert!(one == two, "parallel output differs");
}
