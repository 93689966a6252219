//! A whole batch from two readers, both files parsed at once on two threads.

use crate::book::{BarcodeBook, OrderBook};
use crate::issue::{FileKind, IssueLimit, IssueLog};
use crate::merge::{merge, Outcome};
use crate::parse::{BarcodeRow, BarcodesParser, FatalError, OrderRow, OrdersParser, Parsed};
use std::io::{ErrorKind, Read};

const CHUNK: usize = 1 << 20;

/// Reads `orders` and `barcodes` to the end and applies every rule of
/// `docs/processing-rules.md`, with the default [`IssueLimit`].
///
/// `progress` is called with the number of bytes just read (from either thread). Size hints
/// (the files' lengths, when known) pre-size the tables.
pub fn process<O, B>(
    orders: O,
    barcodes: B,
    size_hints: (u64, u64),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, FatalError>
where
    O: Read + Send,
    B: Read + Send,
{
    process_with(IssueLimit::DEFAULT, orders, barcodes, size_hints, progress)
}

/// [`process`] with issues itemised up to `limit` of each code in each file.
pub fn process_with<O, B>(
    limit: IssueLimit,
    orders: O,
    barcodes: B,
    size_hints: (u64, u64),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, FatalError>
where
    O: Read + Send,
    B: Read + Send,
{
    let (orders, barcodes) = std::thread::scope(|s| {
        let o = s.spawn(|| read_orders(orders, size_hints.0, limit, progress));
        let b = read_barcodes(barcodes, size_hints.1, limit, progress);
        let o = o
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (o, b)
    });
    let (orders, issues) = orders?;
    let (barcodes, mut issues_too) = barcodes?;
    issues_too.append(issues);
    Ok(merge(orders, barcodes, issues_too))
}

/// Room for the rows of `size` bytes of a file: generously more than a typical export needs
/// (14 to 20 bytes a row), so that a table is never grown, which copies it. Room that is
/// not filled costs address space, not memory: its pages are never touched.
fn rows_at_most(size: u64) -> usize {
    (size / 8) as usize
}

fn read_orders(
    r: impl Read,
    size: u64,
    limit: IssueLimit,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(OrderBook, IssueLog), FatalError> {
    let mut book = OrderBook::with_capacity(rows_at_most(size));
    let mut issues = IssueLog::new(limit);
    let mut parser = OrdersParser::new();
    let mut sink = |p: Parsed<OrderRow>| match p {
        Parsed::Row(row) => book.push(row),
        Parsed::Issue(issue) => issues.push(issue),
    };
    feed(r, FileKind::Orders, progress, |chunk| {
        parser.push(chunk, &mut sink)
    })?;
    parser.finish(&mut sink)?;
    Ok((book, issues))
}

fn read_barcodes(
    r: impl Read,
    size: u64,
    limit: IssueLimit,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(BarcodeBook, IssueLog), FatalError> {
    let mut book = BarcodeBook::with_capacity(rows_at_most(size));
    let mut issues = IssueLog::new(limit);
    let mut parser = BarcodesParser::new();
    let mut sink = |p: Parsed<BarcodeRow<'_>>| match p {
        Parsed::Row(row) => book.push(row),
        Parsed::Issue(issue) => issues.push(issue),
    };
    feed(r, FileKind::Barcodes, progress, |chunk| {
        parser.push(chunk, &mut sink)
    })?;
    parser.finish(&mut sink)?;
    Ok((book, issues))
}

pub(crate) fn feed(
    mut r: impl Read,
    file: FileKind,
    progress: &(dyn Fn(u64) + Sync),
    mut push: impl FnMut(&[u8]) -> Result<(), FatalError>,
) -> Result<(), FatalError> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(FatalError::unreadable(file, e)),
        };
        push(&buf[..n])?;
        progress(n as u64);
    }
}

/// Below this size the barcodes file is read by one thread.
const MIN_SPLIT: u64 = 8 << 20;

/// Like [`process`], for files on disk: besides reading both files at once, the barcodes
/// file (usually the bigger one) is cut at a line break into two parts read at once, so
/// that both cores parse about half of the bytes.
///
/// The second part is parsed speculatively, assuming the cut is between records. When the
/// first part turns out to end inside a record (a quoted field spanning the cut), the second
/// part's result is dropped and the first thread reads on: the outcome is always the same as
/// [`process`]'s.
#[cfg(unix)]
pub fn process_files(
    orders: std::fs::File,
    barcodes: std::fs::File,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, FatalError> {
    process_files_with(IssueLimit::DEFAULT, orders, barcodes, progress)
}

/// [`process_files`] with issues itemised up to `limit` of each code in each file.
#[cfg(unix)]
pub fn process_files_with(
    limit: IssueLimit,
    orders: std::fs::File,
    barcodes: std::fs::File,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, FatalError> {
    split_and_process(orders, barcodes, limit, progress, MIN_SPLIT)
}

#[cfg(unix)]
fn split_and_process(
    orders: std::fs::File,
    barcodes: std::fs::File,
    limit: IssueLimit,
    progress: &(dyn Fn(u64) + Sync),
    min_split: u64,
) -> Result<Outcome, FatalError> {
    use std::os::unix::fs::FileExt;

    let size = |f: &std::fs::File| f.metadata().map(|m| m.len()).unwrap_or(0);
    let (orders_size, barcodes_size) = (size(&orders), size(&barcodes));
    let target = ((orders_size + barcodes_size) / 2).saturating_sub(orders_size);
    let sequential = |o, b| process_with(limit, o, b, (orders_size, barcodes_size), progress);
    if barcodes_size < min_split || target == 0 {
        return sequential(orders, barcodes);
    }
    // The columns, from the header at the start of the file.
    let mut head = BarcodesParser::new();
    let mut buf = vec![0u8; CHUNK];
    let Ok(n) = barcodes.read_at(&mut buf, 0) else {
        return sequential(orders, barcodes);
    };
    let _ = head.push(&buf[..n], &mut |_| {});
    let (Some(tail_parser), Some(cut)) = (head.continuation(), next_line_start(&barcodes, target))
    else {
        return sequential(orders, barcodes);
    };
    drop(head);

    let (first, second) = std::thread::scope(|s| {
        let second = s.spawn(|| {
            let mut parser = tail_parser;
            let mut book = BarcodeBook::with_capacity(rows_at_most(barcodes_size - cut));
            let mut issues = IssueLog::new(limit);
            let mut sink = |p: Parsed<BarcodeRow<'_>>| match p {
                Parsed::Row(row) => book.push(row),
                Parsed::Issue(issue) => issues.push(issue),
            };
            read_range(&barcodes, cut, barcodes_size, progress, |c| {
                parser.push(c, &mut sink)
            })?;
            parser.finish(&mut sink)?;
            Ok::<_, FatalError>((book, issues))
        });
        let first = (|| {
            let (orders, mut issues) = read_orders(&orders, orders_size, limit, progress)?;
            let mut parser = BarcodesParser::new();
            let mut book = BarcodeBook::with_capacity(rows_at_most(barcodes_size));
            let mut sink = |p: Parsed<BarcodeRow<'_>>| match p {
                Parsed::Row(row) => book.push(row),
                Parsed::Issue(issue) => issues.push(issue),
            };
            read_range(&barcodes, 0, cut, progress, |c| parser.push(c, &mut sink))?;
            // Clean when the first part ended between records, after the header (blank
            // lines before the header can hold the cut).
            let clean_cut = parser.has_header() && parser.at_record_boundary();
            if !clean_cut {
                // The cut fell inside a record or before the header: read on, ignore the
                // second part's result.
                read_range(&barcodes, cut, barcodes_size, &|_| {}, |c| {
                    parser.push(c, &mut sink)
                })?;
            }
            parser.finish(&mut sink)?;
            Ok::<_, FatalError>((orders, book, issues, clean_cut.then(|| parser.next_line())))
        })();
        let second = second
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (first, second)
    });
    let (orders, mut book, mut issues, clean_cut) = first?;
    if let Some(next_line) = clean_cut {
        let (tail, mut tail_issues) = second?;
        let offset = next_line - 1;
        book.append(tail, offset);
        tail_issues.shift_lines(offset);
        issues.append(tail_issues);
    }
    Ok(merge(orders, book, issues))
}

/// The offset just after the first line break at or after `from`, if any.
#[cfg(unix)]
fn next_line_start(f: &std::fs::File, from: u64) -> Option<u64> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = from;
    loop {
        let n = f.read_at(&mut buf, pos).ok()?;
        if n == 0 {
            return None;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Some(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

/// Feeds bytes `start..end` of `f` to `push`, chunk by chunk.
#[cfg(unix)]
fn read_range(
    f: &std::fs::File,
    start: u64,
    end: u64,
    progress: &(dyn Fn(u64) + Sync),
    mut push: impl FnMut(&[u8]) -> Result<(), FatalError>,
) -> Result<(), FatalError> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; CHUNK];
    let mut pos = start;
    while pos < end {
        let want = ((end - pos) as usize).min(CHUNK);
        let n = match f.read_at(&mut buf[..want], pos) {
            Ok(0) => return Ok(()), // the file shrank: it ends here
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(FatalError::unreadable(FileKind::Barcodes, e)),
        };
        push(&buf[..n])?;
        progress(n as u64);
        pos += n as u64;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::output::{write_issue_report, write_processed};

    fn files(name: &str, orders: &str, barcodes: &str) -> (std::fs::File, std::fs::File) {
        let dir = std::env::temp_dir().join(format!("tiqets-split-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("o.csv"), orders).unwrap();
        std::fs::write(dir.join("b.csv"), barcodes).unwrap();
        let open = |f: &str| std::fs::File::open(dir.join(f)).unwrap();
        let out = (open("o.csv"), open("b.csv"));
        std::fs::remove_dir_all(&dir).unwrap();
        out
    }

    fn render(o: &Outcome) -> String {
        let mut v = Vec::new();
        write_processed(o, &mut v).unwrap();
        write_issue_report(o.issues(), o.not_itemised(), &mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    fn same_as_sequential(name: &str, orders: &str, barcodes: &str) {
        for limit in [IssueLimit::DEFAULT, IssueLimit::new(3)] {
            let (o, b) = (orders.as_bytes(), barcodes.as_bytes());
            let want = process_with(limit, o, b, (0, 0), &|_| {}).unwrap();
            let (o, b) = files(name, orders, barcodes);
            let got = split_and_process(o, b, limit, &|_| {}, 1).unwrap();
            assert_eq!(render(&got), render(&want), "limit {limit}");
            assert_eq!(got.issue_counts(), want.issue_counts());
        }
    }

    fn orders() -> String {
        let mut s = String::from("order_id,customer_id\n");
        for i in 1..=300 {
            s += &format!("{i},{}\n", i % 17 + 1);
        }
        s
    }

    #[test]
    fn a_clean_cut_gives_the_sequential_result() {
        let mut b = String::from("barcode,order_id\n");
        for i in 0..3000 {
            // text and numeric barcodes, duplicates across both halves, issues on both sides
            match i % 7 {
                0 => b += &format!("T{},{}\n", i % 500, i % 320 + 1),
                1 => b += &format!("{},\n", i % 900),
                2 => b += "bad-barcode,1\n",
                _ => b += &format!("{:013},{}\n", i, i % 310 + 1),
            }
        }
        same_as_sequential("clean", &orders(), &b);
    }

    #[test]
    fn a_cut_inside_a_quoted_field_gives_the_sequential_result() {
        let mut b = String::from("barcode,order_id\n");
        for i in 0..200 {
            b += &format!("{i},{}\n", i % 300 + 1);
        }
        b += "\"";
        for _ in 0..4000 {
            b += "x\n"; // one quoted field spanning the middle of the file
        }
        b += "\",5\n";
        for i in 200..400 {
            b += &format!("{i},{}\n", i % 300 + 1);
        }
        same_as_sequential("quoted", &orders(), &b);
    }

    #[test]
    fn a_cut_before_the_header_gives_the_sequential_result() {
        // Found by the `orders` fuzz target's model of this split: blank lines before the
        // header, and the cut among them. The part before the cut ended at a record
        // boundary without a header, and failed the file as having none.
        let mut b = "\r\n".repeat(300) + "barcode,order_id\n";
        for i in 0..2000 {
            b += &format!("{i},{}\n", i % 300 + 1);
        }
        // Orders nearly as big: the cut lands about 100 bytes into the barcodes.
        let mut o = orders();
        o += &"\n".repeat(b.len() - o.len() - 200);
        same_as_sequential("blank-before-header", &o, &b);
    }
}
