//! Cutting one file's parsed rows and issues into row chunks.
//!
//! Where a chunk ends depends only on the rows (a chunk is cut once its encoding reaches
//! the target size), never on how the bytes arrived, so a redelivered validation produces
//! byte-identical chunks with the same sequence numbers: JetStream drops them as duplicates
//! within its window, and the merger ignores repeated sequence numbers after it.

use tiqets_contract::{BatchId, ChunkSet, ChunkWriter};
use tiqets_domain::{
    BarcodeRow, FileKind, Issue, IssueCode, IssueCounts, IssueLimit, NotItemised, OrderRow, Parsed,
};

/// An encoded chunk, ready to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub seq: u32,
    pub bytes: Vec<u8>,
}

/// Collects one file's rows into chunks of about `target` encoded bytes.
pub struct ChunkCutter {
    batch_id: BatchId,
    attempt: u32,
    file: FileKind,
    target: usize,
    current: ChunkWriter,
    next_seq: u32,
    ready: Vec<Cut>,
    rows: u64,
    /// Issues put in chunks.
    issues: u64,
    /// Every issue, per code: the parser hands them over in line order, so the first
    /// `limit` of a code are the ones itemised (`docs/processing-rules.md`, "Issue floods").
    counted: IssueCounts,
    limit: IssueLimit,
}

impl ChunkCutter {
    pub fn new(batch_id: &BatchId, attempt: u32, file: FileKind, target: usize) -> ChunkCutter {
        ChunkCutter {
            current: ChunkWriter::new(batch_id, attempt, file, 0),
            batch_id: batch_id.clone(),
            attempt,
            file,
            target,
            next_seq: 1,
            ready: Vec::new(),
            rows: 0,
            issues: 0,
            counted: IssueCounts::default(),
            limit: IssueLimit::NONE,
        }
    }

    /// Itemises only the first `limit` issues of each code; the others are counted, and
    /// the counts go in the last chunk.
    pub fn with_issue_limit(mut self, limit: IssueLimit) -> ChunkCutter {
        self.limit = limit;
        self
    }

    pub fn push_order(&mut self, parsed: Parsed<OrderRow>) {
        match parsed {
            Parsed::Row(row) => {
                self.current.push_order(&row);
                self.rows += 1;
            }
            Parsed::Issue(issue) => self.push_issue(&issue),
        }
        self.cut_if_full();
    }

    pub fn push_barcode(&mut self, parsed: Parsed<BarcodeRow<'_>>) {
        match parsed {
            Parsed::Row(row) => {
                self.current
                    .push_barcode_parts(row.line, row.barcode, row.order_id);
                self.rows += 1;
            }
            Parsed::Issue(issue) => self.push_issue(&issue),
        }
        self.cut_if_full();
    }

    fn push_issue(&mut self, issue: &Issue) {
        self.counted.add(issue.code);
        if self
            .limit
            .get()
            .is_none_or(|l| self.counted.get(issue.code) <= l)
        {
            self.current.push_issue(issue);
            self.issues += 1;
        }
    }

    /// Issues counted but not itemised so far.
    pub fn not_itemised(&self) -> u64 {
        self.counted.total() - self.issues
    }

    fn cut_if_full(&mut self) {
        if self.current.len() >= self.target {
            let next = ChunkWriter::new(&self.batch_id, self.attempt, self.file, self.next_seq);
            let full = std::mem::replace(&mut self.current, next);
            self.ready.push(Cut {
                seq: self.next_seq - 1,
                bytes: full.finish(false),
            });
            self.next_seq += 1;
        }
    }

    /// Valid rows and issues (itemised or not) taken so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.rows, self.counted.total())
    }

    /// The chunks completed so far, in sequence order.
    pub fn take_ready(&mut self) -> Vec<Cut> {
        std::mem::take(&mut self.ready)
    }

    /// Ends the file: the remaining chunks, the last one flagged (a file always has a last
    /// chunk, empty when the rows ended exactly at a cut), and what was cut in all.
    pub fn finish(mut self) -> (Vec<Cut>, ChunkSet) {
        let seq = self.next_seq - 1;
        let mut cuts = self.take_ready();
        if let Some(limit) = self.limit.get() {
            for code in IssueCode::ALL {
                let count = self.counted.get(code).saturating_sub(limit);
                if count > 0 {
                    let file = self.file;
                    let n = NotItemised {
                        file,
                        code,
                        count,
                        limit,
                    };
                    self.current.push_not_itemised(n);
                }
            }
        }
        cuts.push(Cut {
            seq,
            bytes: self.current.finish(true),
        });
        let set = ChunkSet {
            chunks: seq + 1,
            rows: self.rows,
            issues: self.issues,
        };
        (cuts, set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiqets_contract::{ChunkRows, RowChunk};

    fn id() -> BatchId {
        BatchId::parse("b0123456789abcdef01234567").unwrap()
    }

    fn barcode(line: u64, text: &str) -> Parsed<BarcodeRow<'_>> {
        Parsed::Row(BarcodeRow {
            line,
            barcode: text,
            order_id: Some(line),
        })
    }

    #[test]
    fn a_small_file_is_one_last_chunk() {
        let mut c = ChunkCutter::new(&id(), 1, FileKind::Orders, 1 << 20);
        c.push_order(Parsed::Row(OrderRow {
            line: 2,
            order_id: 1,
            customer_id: 7,
        }));
        c.push_order(Parsed::Issue(Issue::new(
            FileKind::Orders,
            3,
            IssueCode::InvalidOrderId,
            "bad".into(),
        )));
        assert!(c.take_ready().is_empty());
        let (cuts, set) = c.finish();
        assert_eq!(set.chunks, 1);
        assert_eq!((set.rows, set.issues), (1, 1));
        let chunk = RowChunk::decode(&cuts[0].bytes).unwrap();
        assert!(chunk.last);
        assert_eq!(chunk.seq, 0);
        assert_eq!(chunk.issues.len(), 1);
    }

    #[test]
    fn issues_past_the_limit_are_counted_in_the_last_chunk() {
        let mut c = ChunkCutter::new(&id(), 1, FileKind::Barcodes, 300)
            .with_issue_limit(IssueLimit::new(2));
        let mut cuts = Vec::new();
        for line in 2..1002u64 {
            let code = if line % 2 == 0 {
                IssueCode::MalformedRow
            } else {
                IssueCode::InvalidBarcode
            };
            let issue = Issue::new(FileKind::Barcodes, line, code, "m".into());
            c.push_barcode(Parsed::Issue(issue));
            cuts.extend(c.take_ready());
        }
        assert_eq!(c.counts(), (0, 1000));
        assert_eq!(c.not_itemised(), 996);
        let (rest, set) = c.finish();
        cuts.extend(rest);
        assert_eq!((set.chunks, set.issues), (1, 4));
        let chunk = RowChunk::decode(&cuts[0].bytes).unwrap();
        let lines: Vec<u64> = chunk.issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        let counted = |code| NotItemised {
            file: FileKind::Barcodes,
            code,
            count: 498,
            limit: 2,
        };
        assert_eq!(
            chunk.not_itemised,
            [
                counted(IssueCode::MalformedRow),
                counted(IssueCode::InvalidBarcode)
            ]
        );
    }

    #[test]
    fn chunks_are_cut_at_the_target_and_numbered_in_order() {
        let mut c = ChunkCutter::new(&id(), 2, FileKind::Barcodes, 200);
        let mut cuts = Vec::new();
        for line in 2..200u64 {
            c.push_barcode(barcode(line, "1234567890123"));
            cuts.extend(c.take_ready());
        }
        let (rest, set) = c.finish();
        cuts.extend(rest);
        assert!(cuts.len() > 5, "{} chunks", cuts.len());
        assert_eq!(set.chunks as usize, cuts.len());
        let mut lines = Vec::new();
        for (i, cut) in cuts.iter().enumerate() {
            assert_eq!(cut.seq as usize, i);
            let chunk = RowChunk::decode(&cut.bytes).unwrap();
            assert_eq!(chunk.seq as usize, i);
            assert_eq!(chunk.attempt, 2);
            assert_eq!(chunk.last, i + 1 == cuts.len());
            let ChunkRows::Barcodes(rows) = chunk.rows else {
                panic!("barcode rows expected")
            };
            lines.extend(rows.iter().map(|r| r.line));
        }
        assert_eq!(lines, (2..200).collect::<Vec<u64>>());
        assert_eq!(set.rows, 198);
    }

    #[test]
    fn the_same_rows_give_the_same_chunks_whatever_the_flushing() {
        let run = |take_every: usize| {
            let mut c = ChunkCutter::new(&id(), 1, FileKind::Barcodes, 300);
            let mut cuts = Vec::new();
            for line in 2..100u64 {
                c.push_barcode(barcode(line, "ABC"));
                if (line as usize).is_multiple_of(take_every) {
                    cuts.extend(c.take_ready());
                }
            }
            let (rest, _) = c.finish();
            cuts.extend(rest);
            cuts
        };
        assert_eq!(run(1), run(7));
    }
}
