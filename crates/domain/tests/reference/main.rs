//! Property test: the crate agrees with a simple reference model of the rules in
//! `docs/processing-rules.md` on random inputs (random values, quoting, padding, blank lines,
//! CRLF, BOM, malformed rows, invalid UTF-8, header order and case, extra columns), fed in
//! random chunk sizes; and the partitioned merge (`tiqets_domain::partition`) writes the same
//! files byte for byte, over 1 to 5 partitions.

mod model;

use proptest::prelude::*;
use std::collections::BTreeMap;
use tiqets_domain::partition::{self, Plan};
use tiqets_domain::{BarcodesParser, FatalError, IssueLimit, OrdersParser, Outcome};

fn id_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (1u64..12).prop_map(|v| v.to_string()),
        1 => (1u64..12).prop_map(|v| format!("00{v}")),
        1 => (1u64..12).prop_map(|v| format!("{v}.0")),
        1 => prop::sample::select(vec![
            "", "0", "-3", "+4", "1.5", "2.", "abc", "1e3", "9223372036854775807",
            "9223372036854775808", "0.0", "7.00", "٣",
        ]).prop_map(str::to_string),
    ]
}

fn barcode_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[0-9]{1,2}",
        1 => "0[0-9]{1,2}",
        1 => "[A-Ca-c0-9]{1,2}",
        1 => prop::sample::select(vec!["", "=1+1", "a-b", "12 3", "é"]).prop_map(str::to_string),
        1 => Just("9".repeat(64)),
        1 => Just("9".repeat(65)),
    ]
}

/// How a field is written.
fn render_field(value: &str, style: u8) -> String {
    match style % 4 {
        0 | 1 => value.to_string(),
        2 => format!(" {value}\t"),
        _ => format!(" \"{}\" ", value.replace('"', "\"\"")),
    }
}

#[derive(Debug, Clone)]
enum RowKind {
    Normal,
    ExtraField,
    MissingField,
    Blank,
    BadUtf8,
    TextAfterQuote,
    QuotedNewline,
}

fn row_kind() -> impl Strategy<Value = RowKind> {
    prop_oneof![
        20 => Just(RowKind::Normal),
        1 => Just(RowKind::ExtraField),
        1 => Just(RowKind::MissingField),
        1 => Just(RowKind::Blank),
        1 => Just(RowKind::BadUtf8),
        1 => Just(RowKind::TextAfterQuote),
        1 => Just(RowKind::QuotedNewline),
    ]
}

#[derive(Debug, Clone)]
struct FileSpec {
    swap_columns: bool,
    extra_column: bool,
    upper_header: bool,
    crlf: bool,
    bom: bool,
    final_newline: bool,
    rows: Vec<(RowKind, String, String, u8, u8)>,
}

fn file_spec(
    first: BoxedStrategy<String>,
    second: BoxedStrategy<String>,
) -> impl Strategy<Value = FileSpec> {
    (
        any::<(bool, bool, bool, bool, bool, bool)>(),
        prop::collection::vec((row_kind(), first, second, any::<u8>(), any::<u8>()), 0..40),
    )
        .prop_map(|((swap, extra, upper, crlf, bom, nl), rows)| FileSpec {
            swap_columns: swap,
            extra_column: extra,
            upper_header: upper,
            crlf,
            bom,
            final_newline: nl,
            rows,
        })
}

fn render(spec: &FileSpec, names: [&str; 2]) -> Vec<u8> {
    let eol = if spec.crlf { "\r\n" } else { "\n" };
    let mut out: Vec<u8> = Vec::new();
    if spec.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut header: Vec<String> = names
        .iter()
        .map(|n| {
            if spec.upper_header {
                format!(" {} ", n.to_uppercase())
            } else {
                n.to_string()
            }
        })
        .collect();
    if spec.swap_columns {
        header.swap(0, 1);
    }
    if spec.extra_column {
        header.push("note".into());
    }
    out.extend_from_slice(header.join(",").as_bytes());
    for (i, (kind, a, b, sa, sb)) in spec.rows.iter().enumerate() {
        out.extend_from_slice(eol.as_bytes());
        let mut fields = vec![render_field(a, *sa), render_field(b, *sb)];
        if spec.swap_columns {
            fields.swap(0, 1);
        }
        if spec.extra_column {
            fields.push(format!("n{i}"));
        }
        let line = match kind {
            RowKind::Normal => fields.join(","),
            RowKind::ExtraField => format!("{},x", fields.join(",")),
            RowKind::MissingField => fields[0].clone(),
            RowKind::Blank => ["", "  ", "\t"][i % 3].to_string(),
            RowKind::BadUtf8 => {
                out.extend_from_slice(fields.join(",").as_bytes());
                out.extend_from_slice(b"\xff");
                continue;
            }
            RowKind::TextAfterQuote => format!("\"{a}\"x,{b}"),
            RowKind::QuotedNewline => {
                let mut f = fields.clone();
                f[0] = format!("\"{a}\n{a}\"");
                f.join(",")
            }
        };
        out.extend_from_slice(line.as_bytes());
    }
    if spec.final_newline {
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

fn run_crate(
    orders: &[u8],
    barcodes: &[u8],
    chunk: usize,
    limit: IssueLimit,
) -> Result<Outcome, FatalError> {
    // Feed through the public streaming API in small chunks, on the caller's thread.
    let mut ob = tiqets_domain::OrderBook::new();
    let mut bb = tiqets_domain::BarcodeBook::new();
    let mut issues = tiqets_domain::IssueLog::new(limit);
    let mut op = OrdersParser::new();
    let mut sink = |p: tiqets_domain::Parsed<tiqets_domain::OrderRow>| match p {
        tiqets_domain::Parsed::Row(r) => ob.push(r),
        tiqets_domain::Parsed::Issue(i) => issues.push(i),
    };
    for c in orders.chunks(chunk) {
        op.push(c, &mut sink)?;
    }
    op.finish(&mut sink)?;
    let mut bp = BarcodesParser::new();
    let mut sink = |p: tiqets_domain::Parsed<tiqets_domain::BarcodeRow<'_>>| match p {
        tiqets_domain::Parsed::Row(r) => bb.push(r),
        tiqets_domain::Parsed::Issue(i) => issues.push(i),
    };
    for c in barcodes.chunks(chunk) {
        bp.push(c, &mut sink)?;
    }
    bp.finish(&mut sink)?;
    Ok(tiqets_domain::merge(ob, bb, issues))
}

/// An issue as the model gives it: (file, line, code).
type ModelIssue = (String, u64, String);
/// Issues of a (file, code) left out: (file, code, count).
type LeftOut = (String, String, u64);

/// The model's issues as itemised under `limit`: the first of each code in each file, in
/// report order; and how many of each (file, code) are left out.
fn itemised(issues: &[ModelIssue], limit: IssueLimit) -> (Vec<ModelIssue>, Vec<LeftOut>) {
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut kept = Vec::new();
    for i in issues {
        let n = seen.entry((i.0.clone(), i.2.clone())).or_default();
        *n += 1;
        if limit.get().is_none_or(|l| *n <= l) {
            kept.push(i.clone());
        }
    }
    let left = seen
        .into_iter()
        .filter_map(|((file, code), n)| {
            let over = n.saturating_sub(limit.get()?);
            (over > 0).then_some((file, code, over))
        })
        .collect();
    (kept, left)
}

fn check(
    orders: &[u8],
    barcodes: &[u8],
    chunk: usize,
    limit: IssueLimit,
) -> Result<(), TestCaseError> {
    let model = model::run(orders, barcodes);
    let got = run_crate(orders, barcodes, chunk, limit);
    let threaded = tiqets_domain::process_with(limit, orders, barcodes, (0, 0), &|_| {});
    // The partitioned merge, over a number of partitions that varies with the case.
    let plan = Plan::new(1 + (chunk % 5) as u32);
    let split = partition::process_partitioned(orders, barcodes, plan, limit, 5);
    prop_assert_eq!(
        split.is_err(),
        threaded.is_err(),
        "fatal: partitioned and whole"
    );
    let (model, got, threaded) = match (model, got, threaded) {
        (None, Err(_), Err(_)) => return Ok(()),
        (Some(m), Ok(g), Ok(t)) => (m, g, t),
        (m, g, _) => {
            return Err(TestCaseError::fail(format!(
                "fatal disagreement: model fatal={} crate={:?}",
                m.is_none(),
                g.err()
            )))
        }
    };
    for outcome in [&got, &threaded] {
        let mut csv = Vec::new();
        tiqets_domain::write_processed(outcome, &mut csv).unwrap();
        prop_assert_eq!(String::from_utf8(csv).unwrap(), model.processed.clone());
        let issues: Vec<(String, u64, String)> = outcome
            .issues()
            .iter()
            .map(|i| {
                (
                    i.file.as_str().to_string(),
                    i.line,
                    i.code.as_str().to_string(),
                )
            })
            .collect();
        let (want, want_left) = itemised(&model.issues, limit);
        prop_assert_eq!(issues, want);
        let mut left: Vec<LeftOut> = outcome
            .not_itemised()
            .iter()
            .map(|n| (n.file.to_string(), n.code.to_string(), n.count))
            .collect();
        left.sort();
        prop_assert_eq!(left, want_left);
        prop_assert_eq!(outcome.issue_counts().total(), model.issues.len() as u64);
        let top: Vec<(u64, u64)> = outcome
            .top_customers(5)
            .iter()
            .map(|c| (c.customer_id, c.tickets))
            .collect();
        prop_assert_eq!(top, model.top5.clone());
        prop_assert_eq!(outcome.unused_count(), model.unused);
        let unused: Vec<(String, u64)> = outcome
            .unused_with_lines()
            .map(|(b, line)| (b.as_str().to_string(), line))
            .collect();
        prop_assert_eq!(unused, model.unused_lines.clone());
        let row_lines: Vec<Vec<u64>> = outcome.rows().map(|r| r.barcode_lines().to_vec()).collect();
        prop_assert_eq!(row_lines, model.row_lines.clone());
    }
    let split = split.expect("not fatal: the whole merge was not");
    let mut csv = Vec::new();
    tiqets_domain::write_processed(&threaded, &mut csv).unwrap();
    prop_assert_eq!(
        String::from_utf8_lossy(&split.processed),
        String::from_utf8_lossy(&csv),
        "processed_orders.csv, {:?}",
        plan
    );
    csv.clear();
    tiqets_domain::write_issue_report(threaded.issues(), threaded.not_itemised(), &mut csv)
        .unwrap();
    prop_assert_eq!(
        String::from_utf8_lossy(&split.issues),
        String::from_utf8_lossy(&csv),
        "issues.csv, {:?}",
        plan
    );
    csv.clear();
    tiqets_domain::write_unused(&threaded, &mut csv).unwrap();
    prop_assert_eq!(
        String::from_utf8_lossy(&split.unused),
        String::from_utf8_lossy(&csv),
        "unused_barcodes.csv, {:?}",
        plan
    );
    prop_assert_eq!(split.summary.top, threaded.top_customers(5));
    prop_assert_eq!(split.summary.tickets, threaded.tickets());
    prop_assert_eq!(split.summary.customers, threaded.customers());
    prop_assert_eq!(split.issue_totals.counts, threaded.issue_counts());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn crate_agrees_with_the_reference_model(
        orders in file_spec(id_value().boxed(), id_value().boxed()),
        barcodes in file_spec(barcode_value().boxed(), prop_oneof![3 => id_value(), 1 => Just(String::new())].boxed()),
        chunk in 1usize..48,
        limit in prop_oneof![2 => Just(0u64), 1 => 1u64..4],
    ) {
        let o = render(&orders, ["order_id", "customer_id"]);
        let b = render(&barcodes, ["barcode", "order_id"]);
        check(&o, &b, chunk, IssueLimit::new(limit))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_agree_on_fatality(
        o in prop::collection::vec(any::<u8>(), 0..200),
        b in prop::collection::vec(any::<u8>(), 0..200),
        chunk in 1usize..16,
    ) {
        let mut orders = b"order_id,customer_id\n".to_vec();
        orders.extend(o);
        let mut barcodes = b"barcode,order_id\n".to_vec();
        barcodes.extend(b);
        check(&orders, &barcodes, chunk, IssueLimit::DEFAULT)?;
    }
}
