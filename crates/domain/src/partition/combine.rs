//! Merging the partitions' sorted runs into the three result files, each written whole,
//! header included, reading a line (or issue) of each run at a time.

use super::codec::IssueReader;
use super::steps::StepIssues;
use crate::issue::{FileKind, Issue, IssueCode, IssueCounts, IssueLimit, NotItemised};
use crate::merge::CustomerTickets;
use crate::output::{
    format_issue, format_not_itemised, ISSUES_HEADER, PROCESSED_HEADER, UNUSED_HEADER,
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufRead, Write};

/// Bytes gathered before they are handed to the writer.
const FLUSH_AT: usize = 1 << 20;

/// Merges sorted sources: `advance` reads a source's next item and returns its key (`None`
/// at its end), `emit` writes a source's current item. Smallest key first; equal keys in
/// source order.
fn kmerge<S, K: Ord>(
    sources: &mut [S],
    mut advance: impl FnMut(&mut S) -> io::Result<Option<K>>,
    mut emit: impl FnMut(&mut S) -> io::Result<()>,
) -> io::Result<()> {
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (i, s) in sources.iter_mut().enumerate() {
        if let Some(k) = advance(s)? {
            heap.push(Reverse((k, i)));
        }
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        emit(&mut sources[i])?;
        if let Some(k) = advance(&mut sources[i])? {
            heap.push(Reverse((k, i)));
        }
    }
    Ok(())
}

/// A run of text lines, its current line (with its line break) at hand.
struct Lines<R> {
    r: R,
    line: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    fn new(r: R) -> Self {
        Lines {
            r,
            line: Vec::with_capacity(256),
        }
    }

    /// Reads the next line; `false` at the end.
    fn advance(&mut self) -> io::Result<bool> {
        self.line.clear();
        match self.r.read_until(b'\n', &mut self.line)? {
            0 => Ok(false),
            _ if self.line.last() != Some(&b'\n') => Err(bad("a line without its line break")),
            _ => Ok(true),
        }
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("partition run: {what}"))
}

/// The number at the start of `s`, and what follows the comma after it.
fn number_then_comma(s: &[u8]) -> io::Result<(u64, &[u8])> {
    let end = memchr::memchr(b',', s).ok_or_else(|| bad("a field without its comma"))?;
    let n = std::str::from_utf8(&s[..end])
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad("a number"))?;
    Ok((n, &s[end + 1..]))
}

/// A buffered writer of whole lines.
struct Out<'w, W: Write> {
    w: &'w mut W,
    buf: Vec<u8>,
}

impl<'w, W: Write> Out<'w, W> {
    fn new(w: &'w mut W, header: &str) -> Self {
        let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
        buf.extend_from_slice(header.as_bytes());
        Out { w, buf }
    }

    fn done(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        self.w.write_all(&self.buf)
    }
}

/// The top `n` customers of a stream of customers' tickets (rule 7): most tickets first,
/// ties by the smaller customer_id, as [`crate::top_customers`] ranks them.
pub struct TopCustomers {
    n: usize,
    /// The best `n` so far, the worst of them on top.
    heap: BinaryHeap<(Reverse<u64>, u64)>,
}

impl TopCustomers {
    pub fn new(n: usize) -> Self {
        TopCustomers {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
        }
    }

    pub fn push(&mut self, c: CustomerTickets) {
        self.heap.push((Reverse(c.tickets), c.customer_id));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// Best first.
    pub fn finish(self) -> Vec<CustomerTickets> {
        let best = self.heap.into_sorted_vec();
        best.into_iter()
            .map(|(Reverse(tickets), customer_id)| CustomerTickets {
                customer_id,
                tickets,
            })
            .collect()
    }
}

/// What [`combine_processed`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processed {
    pub orders_written: u64,
    pub tickets: u64,
    pub customers: u64,
    /// The top customers asked for, best first.
    pub top: Vec<CustomerTickets>,
}

/// Writes `processed_orders.csv` from the order steps' runs (lines sorted by customer
/// then order), and counts its orders, tickets and customers, keeping the `top` best.
pub fn combine_processed<R: BufRead>(
    runs: Vec<R>,
    top: usize,
    w: &mut impl Write,
) -> io::Result<Processed> {
    let mut runs: Vec<Lines<R>> = runs.into_iter().map(Lines::new).collect();
    let mut out = Out::new(w, PROCESSED_HEADER);
    let mut sum = Processed::default();
    let mut best = TopCustomers::new(top);
    let mut current: Option<CustomerTickets> = None;
    let key = |l: &Lines<R>| -> io::Result<(u64, u64, u64)> {
        let (customer, rest) = number_then_comma(&l.line)?;
        let (order, list) = number_then_comma(rest)?;
        // Barcodes are letters and digits: the list's commas separate them.
        let tickets = memchr::memchr_iter(b',', list).count() as u64 + 1;
        Ok((customer, order, tickets))
    };
    kmerge(
        &mut runs,
        |l| {
            Ok(match l.advance()? {
                true => Some(key(l).map(|(c, o, _)| (c, o))?),
                false => None,
            })
        },
        |l| {
            let (customer_id, _, tickets) = key(l)?;
            sum.orders_written += 1;
            sum.tickets += tickets;
            match current.as_mut() {
                Some(c) if c.customer_id == customer_id => c.tickets += tickets,
                _ => {
                    if let Some(done) = current.replace(CustomerTickets {
                        customer_id,
                        tickets,
                    }) {
                        best.push(done);
                    }
                    sum.customers += 1;
                }
            }
            out.buf.extend_from_slice(&l.line);
            out.done()
        },
    )?;
    if let Some(done) = current {
        best.push(done);
    }
    out.finish()?;
    sum.top = best.finish();
    Ok(sum)
}

/// Writes `unused_barcodes.csv` from the barcode steps' runs (lines in file order);
/// returns how many barcodes it lists.
pub fn combine_unused<R: BufRead>(runs: Vec<R>, w: &mut impl Write) -> io::Result<u64> {
    let mut runs: Vec<Lines<R>> = runs.into_iter().map(Lines::new).collect();
    let mut out = Out::new(w, UNUSED_HEADER);
    let mut n = 0;
    kmerge(
        &mut runs,
        |l| {
            if !l.advance()? {
                return Ok(None);
            }
            let text = &l.line[..l.line.len() - 1];
            let at = memchr::memrchr(b',', text).ok_or_else(|| bad("an unused barcode"))?;
            let line = std::str::from_utf8(&text[at + 1..])
                .ok()
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(|| bad("a line number"))?;
            Ok(Some(line))
        },
        |l| {
            n += 1;
            out.buf.extend_from_slice(&l.line);
            out.done()
        },
    )?;
    out.finish()?;
    Ok(n)
}

/// Every issue of the batch, per code, and those not itemised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issues {
    pub counts: IssueCounts,
    pub not_itemised: Vec<NotItemised>,
    /// Lines written (the header excluded): itemised issues and count lines.
    pub lines: u64,
}

const CODES: usize = IssueCode::ALL.len();

/// Writes `issues.csv` from the issue runs of every step (each in report order, its first
/// `limit` issues of each file and code itemised, and the rest in `found`): the first
/// `limit` of the whole batch itemised, then each file's count lines.
pub fn combine_issues<R: BufRead>(
    runs: Vec<R>,
    found: &[StepIssues],
    limit: IssueLimit,
    w: &mut impl Write,
) -> io::Result<Issues> {
    const FILES: [FileKind; 2] = [FileKind::Orders, FileKind::Barcodes];
    let cap = limit.get().unwrap_or(u64::MAX);
    let mut total = Issues::default();
    // Not itemised, per file and code: by the steps, then here.
    let mut left = [[0u64; CODES]; 2];
    for f in found {
        total.counts.add_all(&f.counts);
        for n in &f.not_itemised {
            left[n.file as usize][n.code as usize] += n.count;
        }
    }
    let mut kept = [[0u64; CODES]; 2];
    let mut readers: Vec<IssueReader<R>> = runs.into_iter().map(IssueReader::new).collect();
    let mut heads: Vec<Option<Issue>> = Vec::with_capacity(readers.len());
    let mut heap = BinaryHeap::with_capacity(readers.len());
    let key = |i: &Issue| (i.file, i.line, i.code);
    for (i, r) in readers.iter_mut().enumerate() {
        let head = r.next().transpose()?;
        if let Some(issue) = &head {
            heap.push(Reverse((key(issue), i)));
        }
        heads.push(head);
    }
    let mut out = Out::new(w, ISSUES_HEADER);
    // The files whose count lines are written: those before `next_file`. A file's come
    // after its last issue, when every one of its issues has been seen.
    let mut next_file = 0;
    let mut count_lines =
        |out: &mut Out<'_, _>, upto: usize, total: &mut Issues, left: &[[u64; CODES]; 2]| {
            while next_file < upto {
                let file = FILES[next_file];
                for code in IssueCode::ALL {
                    let count = left[next_file][code as usize];
                    if count > 0 {
                        let n = NotItemised {
                            file,
                            code,
                            count,
                            limit: limit.get().unwrap_or(0),
                        };
                        format_not_itemised(&mut out.buf, &n);
                        total.lines += 1;
                        total.not_itemised.push(n);
                    }
                }
                next_file += 1;
            }
        };
    while let Some(Reverse((_, i))) = heap.pop() {
        let issue = heads[i].take().expect("the run's current issue");
        count_lines(&mut out, issue.file as usize, &mut total, &left);
        let (f, c) = (issue.file as usize, issue.code as usize);
        if kept[f][c] < cap {
            kept[f][c] += 1;
            total.lines += 1;
            format_issue(&mut out.buf, &issue);
        } else {
            left[f][c] += 1;
        }
        out.done()?;
        if let Some(next) = readers[i].next().transpose()? {
            heap.push(Reverse((key(&next), i)));
            heads[i] = Some(next);
        }
    }
    count_lines(&mut out, FILES.len(), &mut total, &left);
    out.finish()?;
    Ok(total)
}
