//! A deliberately simple reference model of the rules in `docs/processing-rules.md`: whole
//! inputs in memory, plain loops, ordered maps, strings everywhere. It shares no code with
//! the crate.

use std::collections::BTreeMap;

pub struct ModelResult {
    pub processed: String,
    /// (file, line, code)
    pub issues: Vec<(String, u64, String)>,
    pub top5: Vec<(u64, u64)>,
    pub unused: u64,
    /// Unused barcodes with their lines, in file order.
    pub unused_lines: Vec<(String, u64)>,
    /// Each output row's barcode lines, in output order.
    pub row_lines: Vec<Vec<u64>>,
}

/// One record of the reference splitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rec {
    Fields {
        line: u64,
        fields: Vec<Vec<u8>>,
        raw: Vec<u8>,
    },
    Broken {
        line: u64,
    },
}

/// Splits a whole file into records, following the crate's documented dialect.
pub fn records(input: &[u8]) -> Vec<Rec> {
    records_limited(input, usize::MAX)
}

/// Like [`records`], where a record of more than `max` bytes (its line break excluded) is
/// broken, whatever else it is.
pub fn records_limited(mut input: &[u8], max: usize) -> Vec<Rec> {
    if input.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input = &input[3..];
    }
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u64;
    while i < input.len() {
        let start = i;
        let start_line = line;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut only_unquoted = true;
        let mut broken = false;
        // Where the record ends, its line break excluded.
        let end;
        loop {
            // one field
            let mut j = i;
            while j < input.len() && (input[j] == b' ' || input[j] == b'\t') {
                j += 1;
            }
            if j < input.len() && input[j] == b'"' {
                only_unquoted = false;
                let mut value = Vec::new();
                let mut k = j + 1;
                let mut closed = false;
                while k < input.len() {
                    if input[k] == b'"' {
                        if k + 1 < input.len() && input[k + 1] == b'"' {
                            value.push(b'"');
                            k += 2;
                            continue;
                        }
                        closed = true;
                        k += 1;
                        break;
                    }
                    if input[k] == b'\n' {
                        line += 1;
                    }
                    value.push(input[k]);
                    k += 1;
                }
                if !closed {
                    broken = true;
                    i = input.len();
                    end = i;
                    break;
                }
                fields.push(value);
                while k < input.len() && matches!(input[k], b' ' | b'\t' | b'\r') {
                    k += 1;
                }
                if k >= input.len() {
                    i = k;
                    end = k;
                    break;
                }
                if input[k] == b',' {
                    i = k + 1;
                    continue;
                }
                if input[k] == b'\n' {
                    line += 1;
                    i = k + 1;
                    end = k;
                    break;
                }
                // text after the closing quote: the record runs to the next line break
                broken = true;
                while k < input.len() && input[k] != b'\n' {
                    k += 1;
                }
                end = k;
                if k < input.len() {
                    line += 1;
                    k += 1;
                }
                i = k;
                break;
            } else {
                let mut k = i;
                while k < input.len() && input[k] != b',' && input[k] != b'\n' {
                    k += 1;
                }
                fields.push(input[i..k].to_vec());
                if k < input.len() && input[k] == b',' {
                    i = k + 1;
                    continue;
                }
                end = k;
                if k < input.len() {
                    line += 1;
                    i = k + 1;
                } else {
                    i = k;
                }
                break;
            }
        }
        if broken || end - start > max {
            out.push(Rec::Broken { line: start_line });
            continue;
        }
        let raw = input[start..end].to_vec();
        let blank = only_unquoted
            && fields.len() == 1
            && std::str::from_utf8(&fields[0]).is_ok_and(|s| s.trim().is_empty());
        if !blank {
            out.push(Rec::Fields {
                line: start_line,
                fields,
                raw,
            });
        }
    }
    out
}

fn id(s: &str) -> Option<u64> {
    let s = match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.chars().all(|c| c == '0') => int,
        Some(_) => return None,
        None => s,
    };
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let v: u128 = digits.parse().ok()?;
    (v <= i64::MAX as u128).then_some(v as u64)
}

fn barcode_ok(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Rows of one file: Ok((line, first, second)) in required-column order, or an issue code.
type FileRows = Vec<Result<(u64, String, String), (u64, &'static str)>>;

fn read_file(input: &[u8], required: [&str; 2]) -> Option<(FileRows, Option<u64>)> {
    let recs = records(input);
    let mut it = recs.into_iter();
    let Some(Rec::Fields {
        fields: header,
        raw,
        line: header_line,
    }) = it.next()
    else {
        return None;
    };
    std::str::from_utf8(&raw).ok()?;
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8(f.clone()).unwrap().trim().to_lowercase())
        .collect();
    let a = names.iter().position(|n| n == required[0])?;
    let b = names.iter().position(|n| n == required[1])?;
    let extra = (names.len() > 2).then_some(header_line);
    let mut rows = Vec::new();
    for rec in it {
        match rec {
            Rec::Broken { line } => rows.push(Err((line, "malformed_row"))),
            Rec::Fields { line, fields, raw } => {
                if std::str::from_utf8(&raw).is_err() {
                    rows.push(Err((line, "invalid_utf8")));
                } else if fields.len() != names.len() {
                    rows.push(Err((line, "malformed_row")));
                } else {
                    let f = |i: usize| {
                        String::from_utf8(fields[i].clone())
                            .unwrap()
                            .trim()
                            .to_string()
                    };
                    rows.push(Ok((line, f(a), f(b))));
                }
            }
        }
    }
    Some((rows, extra))
}

/// Runs the rules of `docs/processing-rules.md` on two whole files; `None` on a fatal file
/// error.
pub fn run(orders_csv: &[u8], barcodes_csv: &[u8]) -> Option<ModelResult> {
    let (order_rows, order_extra) = read_file(orders_csv, ["order_id", "customer_id"])?;
    let (barcode_rows, barcode_extra) = read_file(barcodes_csv, ["barcode", "order_id"])?;
    let mut issues: Vec<(String, u64, String)> = Vec::new();
    let mut issue =
        |file: &str, line: u64, code: &str| issues.push((file.into(), line, code.into()));
    if let Some(l) = order_extra {
        issue("orders", l, "extra_column");
    }
    if let Some(l) = barcode_extra {
        issue("barcodes", l, "extra_column");
    }

    // Rule 1. kept orders: order_id -> (customer, line), in file order
    let mut orders: Vec<(u64, u64, u64)> = Vec::new();
    for row in order_rows {
        match row {
            Err((line, code)) => issue("orders", line, code),
            Ok((line, o, c)) => match (id(&o), id(&c)) {
                (None, _) => issue("orders", line, "invalid_order_id"),
                (Some(_), None) => issue("orders", line, "invalid_customer_id"),
                (Some(o), Some(c)) => {
                    if orders.iter().any(|(id, _, _)| *id == o) {
                        issue("orders", line, "duplicate_order");
                    } else {
                        orders.push((o, c, line));
                    }
                }
            },
        }
    }
    // Rule 2. kept barcodes in file order: (barcode, order or None, line)
    let mut barcodes: Vec<(String, Option<u64>, u64)> = Vec::new();
    for row in barcode_rows {
        match row {
            Err((line, code)) => issue("barcodes", line, code),
            Ok((line, b, o)) => {
                if !barcode_ok(&b) {
                    issue("barcodes", line, "invalid_barcode");
                    continue;
                }
                let order = if o.is_empty() {
                    None
                } else if let Some(o) = id(&o) {
                    Some(o)
                } else {
                    issue("barcodes", line, "invalid_order_id");
                    continue;
                };
                if barcodes.iter().any(|(x, _, _)| *x == b) {
                    issue("barcodes", line, "duplicate_barcode");
                } else {
                    barcodes.push((b, order, line));
                }
            }
        }
    }
    // Rules 3 and 4.
    let unused = barcodes.iter().filter(|(_, o, _)| o.is_none()).count() as u64;
    let unused_lines: Vec<(String, u64)> = barcodes
        .iter()
        .filter(|(_, o, _)| o.is_none())
        .map(|(b, _, line)| (b.clone(), *line))
        .collect();
    for (_, o, line) in &barcodes {
        if let Some(o) = o {
            if !orders.iter().any(|(id, _, _)| id == o) {
                issue("barcodes", *line, "unknown_order");
            }
        }
    }
    // Rules 5, 6, 7.
    let mut rows: BTreeMap<(u64, u64), Vec<String>> = BTreeMap::new();
    let mut lines: BTreeMap<(u64, u64), Vec<u64>> = BTreeMap::new();
    let mut tickets: BTreeMap<u64, u64> = BTreeMap::new();
    for (o, c, line) in &orders {
        let mine: Vec<String> = barcodes
            .iter()
            .filter(|(_, bo, _)| *bo == Some(*o))
            .map(|(b, _, _)| b.clone())
            .collect();
        if mine.is_empty() {
            issue("orders", *line, "order_without_barcodes");
        } else {
            *tickets.entry(*c).or_default() += mine.len() as u64;
            rows.insert((*c, *o), mine);
            let mine_lines = barcodes
                .iter()
                .filter(|(_, bo, _)| *bo == Some(*o))
                .map(|(_, _, l)| *l)
                .collect();
            lines.insert((*c, *o), mine_lines);
        }
    }
    let mut processed = String::from("customer_id,order_id,barcodes\n");
    for ((c, o), bs) in &rows {
        let list = format!("[{}]", bs.join(", "));
        let field = if list.contains(',') {
            format!("\"{list}\"")
        } else {
            list
        };
        processed.push_str(&format!("{c},{o},{field}\n"));
    }
    let mut top: Vec<(u64, u64)> = tickets.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(5);
    issues.sort_by(|a, b| {
        let rank = |f: &str| if f == "orders" { 0 } else { 1 };
        (rank(&a.0), a.1).cmp(&(rank(&b.0), b.1))
    });
    Some(ModelResult {
        processed,
        issues,
        top5: top,
        unused,
        unused_lines,
        row_lines: lines.into_values().collect(),
    })
}
