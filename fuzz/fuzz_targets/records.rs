//! The record splitter (`tiqets_domain::records::Splitter`) on any bytes, with the default
//! record bound and with a small one (1 to 64 bytes, from the input's hash) that reaches
//! the over-long paths.
//!
//! Invariants: the records are the reference model's (same lines, fields and raw bytes;
//! broken where the model's are); they are the same fed whole and fed in pieces (why a
//! record is broken included); a record without quotes is its fields joined by commas, its
//! raw bytes as they stand in the input after the previous record; the next line after the
//! end is one past the input's line breaks.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tiqets_domain::records::{Broken, Split, Splitter};
use tiqets_fuzz::model::{self, Rec};
use tiqets_fuzz::{hash, pieces};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Record {
        line: u64,
        fields: Vec<Vec<u8>>,
        raw: Vec<u8>,
    },
    Broken {
        line: u64,
        why: Broken,
    },
}

impl Got {
    fn as_model(&self) -> Rec {
        match self {
            Got::Record { line, fields, raw } => Rec::Fields {
                line: *line,
                fields: fields.clone(),
                raw: raw.clone(),
            },
            Got::Broken { line, .. } => Rec::Broken { line: *line },
        }
    }
}

fn split(mut splitter: Splitter, chunks: &[&[u8]]) -> (Vec<Got>, Splitter) {
    let mut out = Vec::new();
    let mut sink = |s: Split<'_>| match s {
        Split::Record(r) => {
            assert!(!r.is_empty());
            out.push(Got::Record {
                line: r.line,
                fields: (0..r.len()).map(|i| r.field(i).to_vec()).collect(),
                raw: r.raw().to_vec(),
            })
        }
        Split::Broken { line, why } => out.push(Got::Broken { line, why }),
    };
    for c in chunks {
        splitter.push(c, &mut sink);
    }
    splitter.finish(&mut sink);
    (out, splitter)
}

fn check(data: &[u8], max: Option<usize>) {
    let new = || max.map_or_else(Splitter::new, Splitter::with_max_record);
    let (whole, s) = split(new(), &[data]);
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(s.next_line(), newlines + 1, "lines after the end");
    assert_eq!(s.bytes_seen(), data.len() as u64);

    let (chunked, _) = split(new(), &pieces(data));
    assert_eq!(whole, chunked, "whole and in pieces differ (max {max:?})");
    if data.len() <= 1024 {
        let (bytewise, _) = split(new(), &data.chunks(1).collect::<Vec<_>>());
        assert_eq!(
            whole, bytewise,
            "whole and byte by byte differ (max {max:?})"
        );
    }

    let want = model::records_limited(data, max.unwrap_or(usize::MAX));
    let got: Vec<Rec> = whole.iter().map(Got::as_model).collect();
    assert_eq!(got, want, "the splitter and the model differ (max {max:?})");

    // Unquoted records: the fields joined are the raw bytes, found in order in the input.
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut at = 0;
    for g in &whole {
        if let Got::Record { fields, raw, .. } = g {
            if let Some(max) = max {
                assert!(raw.len() <= max, "a record of {} bytes passed", raw.len());
            }
            if !raw.contains(&b'"') {
                assert_eq!(&fields.join(&b','), raw, "fields do not join to the record");
            }
            let found = body[at..]
                .windows(raw.len().max(1))
                .position(|w| raw.is_empty() || w == raw.as_slice())
                .expect("a record's raw bytes are in the input");
            at += found + raw.len();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, None);
    check(data, Some((hash(data) % 64 + 1) as usize));
});
