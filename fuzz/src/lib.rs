//! What the fuzz targets share: the domain crate's reference model of the rules (the one
//! its property test uses, `crates/domain/tests/reference/model.rs`, compiled in here as
//! well), a deterministic way of cutting an input into chunks, and the checks of one input
//! file that the `orders` and `barcodes` targets run.

use tiqets_domain::parse::{Barcodes, Orders};
use tiqets_domain::records::{Split, Splitter};
use tiqets_domain::value::{is_valid_barcode, MAX_ID};
use tiqets_domain::{
    BarcodeRow, FatalError, FileParser, Issue, IssueCode, OrderRow, OwnedBarcodeRow, Parsed, Schema,
};

#[path = "../../crates/domain/tests/reference/model.rs"]
#[allow(dead_code)]
pub mod model;

/// FNV-1a: a cheap, stable hash of the input, to derive parameters from.
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `1..=max`.
    pub fn size(&mut self, max: u64) -> usize {
        (self.next_u64() % max + 1) as usize
    }
}

/// `data` cut into pieces of 1 to 64 bytes, the cuts drawn from the input's own hash: an
/// input is always cut the same way, and every change of it moves the cuts.
pub fn pieces(data: &[u8]) -> Vec<&[u8]> {
    let mut rng = Rng::new(hash(data));
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = rng.size(64).min(rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

/// Whether `s` holds no control character (issue messages escape them).
pub fn no_controls(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// A parsed row or issue, owned, comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Order(OrderRow),
    Barcode(OwnedBarcodeRow),
    Issue(Issue),
}

impl Item {
    pub fn line(&self) -> u64 {
        match self {
            Item::Order(r) => r.line,
            Item::Barcode(r) => r.line,
            Item::Issue(i) => i.line,
        }
    }

    fn shifted(mut self, by: u64) -> Item {
        match &mut self {
            Item::Order(r) => r.line += by,
            Item::Barcode(r) => r.line += by,
            Item::Issue(i) => i.line += by,
        }
        self
    }
}

/// A schema whose rows the checks can own.
pub trait FuzzSchema: Schema + 'static {
    fn item(row: Self::Row<'_>) -> Item;
}

impl FuzzSchema for Orders {
    fn item(row: OrderRow) -> Item {
        Item::Order(row)
    }
}

impl FuzzSchema for Barcodes {
    fn item(row: BarcodeRow<'_>) -> Item {
        Item::Barcode(row.to_owned_row())
    }
}

/// What a parser made of some chunks.
pub struct Parse<S: Schema> {
    pub items: Vec<Item>,
    pub fatal: Option<FatalError>,
    pub parser: FileParser<S>,
}

/// Pushes `chunks` into `parser`, then finishes it when `finish`.
pub fn parse<S: FuzzSchema>(mut parser: FileParser<S>, chunks: &[&[u8]], finish: bool) -> Parse<S> {
    let mut items = Vec::new();
    let mut fatal = None;
    let mut sink = |p: Parsed<S::Row<'_>>| match p {
        Parsed::Row(row) => items.push(S::item(row)),
        Parsed::Issue(issue) => items.push(Item::Issue(issue)),
    };
    for c in chunks {
        if let Err(e) = parser.push(c, &mut sink) {
            fatal = Some(e);
            break;
        }
    }
    if fatal.is_none() && finish {
        fatal = parser.finish(&mut sink).err();
    }
    Parse {
        items,
        fatal,
        parser,
    }
}

/// The checks of one input file (`data`, of schema `S`): the same result whole and in
/// pieces, and from a part cut at a line break parsed ahead (as `process_files` does);
/// valid values in every row; one item per record in line order; escaped, bounded
/// messages; and the same outcome as the reference model, with `companion` as the other
/// file.
pub fn check_file<S: FuzzSchema>(data: &[u8], companion: &[u8]) {
    let whole = parse(FileParser::<S>::new(), &[data], true);
    let chunked = parse(FileParser::<S>::new(), &pieces(data), true);
    assert_eq!(whole.items, chunked.items, "whole and in pieces differ");
    assert_eq!(whole.fatal, chunked.fatal, "whole and in pieces differ");
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    if whole.fatal.is_none() {
        assert_eq!(whole.parser.next_line(), newlines + 1);
        assert!(whole.parser.has_header());
    }
    assert_eq!(whole.parser.bytes_seen(), data.len() as u64);

    let mut last_data_line = 0;
    let mut header_issues = 0;
    for item in &whole.items {
        let line = item.line();
        assert!(
            (1..=newlines + 1).contains(&line),
            "line {line} out of range"
        );
        match item {
            Item::Order(r) => {
                assert!((1..=MAX_ID).contains(&r.order_id), "{r:?}");
                assert!((1..=MAX_ID).contains(&r.customer_id), "{r:?}");
            }
            Item::Barcode(r) => {
                assert!(is_valid_barcode(r.barcode.as_bytes()), "{r:?}");
                assert!(
                    r.order_id.is_none_or(|id| (1..=MAX_ID).contains(&id)),
                    "{r:?}"
                );
            }
            Item::Issue(i) => {
                assert_eq!(i.file, S::FILE);
                assert!(no_controls(&i.message), "unescaped message {:?}", i.message);
                assert!(
                    i.message.len() <= 8192,
                    "message of {} bytes",
                    i.message.len()
                );
                if i.code == IssueCode::ExtraColumn {
                    assert_eq!(last_data_line, 0, "extra_column after a data record");
                    header_issues += 1;
                    continue;
                }
                assert!(
                    !matches!(
                        i.code,
                        IssueCode::DuplicateOrder
                            | IssueCode::DuplicateBarcode
                            | IssueCode::UnknownOrder
                            | IssueCode::OrderWithoutBarcodes
                    ),
                    "a merge issue from the parser: {i:?}"
                );
            }
        }
        assert!(line > last_data_line, "line {line} after {last_data_line}");
        last_data_line = line;
    }
    assert!(header_issues <= 1);
    assert_eq!(
        whole.parser.records(),
        (whole.items.len() - header_issues) as u64,
        "a record without exactly one row or issue"
    );

    check_cut(data, &whole);

    let (orders, barcodes) = match S::FILE {
        tiqets_domain::FileKind::Orders => (data, companion),
        tiqets_domain::FileKind::Barcodes => (companion, data),
    };
    check_against_model(orders, barcodes);
}

/// `process_files` cuts a big file after a line break and parses the part after the cut
/// ahead, with a continuation of a parser that read the header; when the part before the
/// cut ends at a record boundary after the header, both parts together must give the whole
/// file's items.
fn check_cut<S: FuzzSchema>(data: &[u8], whole: &Parse<S>) {
    let breaks: Vec<usize> = data
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    if breaks.is_empty() || whole.fatal.is_some() {
        return;
    }
    let cut = breaks[(hash(data) % breaks.len() as u64) as usize];
    let head = parse(FileParser::<S>::new(), &[data], false);
    let Some(tail_parser) = head.parser.continuation() else {
        return;
    };
    let mut first = parse(FileParser::<S>::new(), &pieces(&data[..cut]), false);
    if first.fatal.is_some() || !first.parser.has_header() || !first.parser.at_record_boundary() {
        return; // process_files reads on with the first parser
    }
    let mut rest = Vec::new();
    let mut sink = |p: Parsed<S::Row<'_>>| match p {
        Parsed::Row(row) => rest.push(S::item(row)),
        Parsed::Issue(issue) => rest.push(Item::Issue(issue)),
    };
    first
        .parser
        .finish(&mut sink)
        .expect("a parser at a record boundary finishes");
    assert!(
        rest.is_empty(),
        "finishing at a record boundary gave {rest:?}"
    );
    let offset = first.parser.next_line() - 1;
    let tail = parse(tail_parser, &pieces(&data[cut..]), true);
    assert_eq!(tail.fatal, None);
    let mut joined = first.items;
    joined.extend(tail.items.into_iter().map(|i| i.shifted(offset)));
    assert_eq!(
        joined, whole.items,
        "the parts cut at byte {cut} differ from the whole"
    );
}

/// The crate's outcome for the pair, against the reference model's, plus the output files
/// read back.
pub fn check_against_model(orders: &[u8], barcodes: &[u8]) {
    let model = model::run(orders, barcodes);
    let got = tiqets_domain::process(orders, barcodes, (0, 0), &|_| {});
    let (model, got) = match (model, got) {
        (None, Err(_)) => return,
        (Some(m), Ok(g)) => (m, g),
        (m, g) => panic!(
            "fatal disagreement: model fatal={} crate={:?}",
            m.is_none(),
            g.err()
        ),
    };
    let mut csv = Vec::new();
    tiqets_domain::write_processed(&got, &mut csv).unwrap();
    assert_eq!(String::from_utf8(csv.clone()).unwrap(), model.processed);
    let issues: Vec<(String, u64, String)> = got
        .issues()
        .iter()
        .map(|i| (i.file.to_string(), i.line, i.code.to_string()))
        .collect();
    assert_eq!(issues, model.issues);
    let top: Vec<(u64, u64)> = got
        .top_customers(5)
        .iter()
        .map(|c| (c.customer_id, c.tickets))
        .collect();
    assert_eq!(top, model.top5);
    let unused: Vec<(String, u64)> = got
        .unused_with_lines()
        .map(|(b, line)| (b.to_string(), line))
        .collect();
    assert_eq!(unused, model.unused_lines);
    let row_lines: Vec<Vec<u64>> = got.rows().map(|r| r.barcode_lines().to_vec()).collect();
    assert_eq!(row_lines, model.row_lines);
    assert_eq!(
        got.tickets(),
        got.customer_tickets()
            .iter()
            .map(|c| c.tickets)
            .sum::<u64>()
    );

    // processed_orders.csv reads back as its rows.
    let back = split_all(&csv);
    assert_eq!(back.len(), got.rows().len() + 1);
    for (record, row) in back[1..].iter().zip(got.rows()) {
        let want: Vec<String> = row.barcodes().map(|b| b.to_string()).collect();
        let fields = [
            row.customer_id.to_string(),
            row.order_id.to_string(),
            format!("[{}]", want.join(", ")),
        ];
        assert_eq!(
            record, &fields,
            "processed_orders.csv reads back differently"
        );
    }
    // issues.csv reads back as the issues, messages included.
    let mut csv = Vec::new();
    tiqets_domain::write_issues(got.issues(), &mut csv).unwrap();
    let back = split_all(&csv);
    assert_eq!(
        back.len(),
        got.issues().len() + 1,
        "issues.csv has other records"
    );
    for (record, issue) in back[1..].iter().zip(got.issues()) {
        let fields = [
            issue.file.to_string(),
            issue.line.to_string(),
            issue.code.to_string(),
            issue.message.clone(),
        ];
        assert_eq!(record, &fields, "issues.csv reads back differently");
    }
}

/// Every record of a file written by the crate, as text fields.
fn split_all(csv: &[u8]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut sink = |s: Split<'_>| match s {
        Split::Record(r) => out.push(
            (0..r.len())
                .map(|i| String::from_utf8(r.field(i).to_vec()).expect("UTF-8 output"))
                .collect(),
        ),
        Split::Broken { line, why } => panic!("written CSV broken at line {line}: {why:?}"),
    };
    let mut splitter = Splitter::new();
    splitter.push(csv, &mut sink);
    splitter.finish(&mut sink);
    out
}

/// The other file of a pair, for the file targets: a few valid rows that refer to each
/// other (orders 1 to 5, of three customers; two unsold barcodes).
pub const ORDERS_COMPANION: &[u8] = b"order_id,customer_id\n1,10\n2,20\n3,10\n4,30\n5,20\n";
pub const BARCODES_COMPANION: &[u8] =
    b"barcode,order_id\n11,1\n12,1\n21,2\nAB3,3\n0040,4\n99,\nX9,\n";
