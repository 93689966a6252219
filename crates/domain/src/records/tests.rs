use super::*;

/// Splits `input` fed in chunks of `chunk` bytes; returns (line, fields) or (line, Broken).
fn split(input: &[u8], chunk: usize) -> Vec<(u64, Result<Vec<String>, Broken>)> {
    split_with(Splitter::new(), input, chunk)
}

fn split_with(
    mut sp: Splitter,
    input: &[u8],
    chunk: usize,
) -> Vec<(u64, Result<Vec<String>, Broken>)> {
    let mut out = Vec::new();
    let mut sink = |s: Split<'_>| match s {
        Split::Record(r) => {
            let fields = (0..r.len())
                .map(|i| String::from_utf8_lossy(r.field(i)).into_owned())
                .collect();
            out.push((r.line, Ok(fields)));
        }
        Split::Broken { line, why } => out.push((line, Err(why))),
    };
    for c in input.chunks(chunk.max(1)) {
        sp.push(c, &mut sink);
    }
    sp.finish(&mut sink);
    out
}

fn ok(line: u64, f: &[&str]) -> (u64, Result<Vec<String>, Broken>) {
    (line, Ok(f.iter().map(|s| s.to_string()).collect()))
}

#[test]
fn plain_records_with_lf_crlf_and_no_final_newline() {
    let want = vec![ok(1, &["a", "b"]), ok(2, &["1", "2\r"]), ok(3, &["3", "4"])];
    for chunk in [1, 2, 3, 100] {
        assert_eq!(split(b"a,b\n1,2\r\n3,4", chunk), want);
    }
}

#[test]
fn bom_is_dropped_even_when_split_across_chunks() {
    for chunk in [1, 2, 4] {
        assert_eq!(split(b"\xEF\xBB\xBFa,b\n", chunk), vec![ok(1, &["a", "b"])]);
    }
}

#[test]
fn blank_lines_are_skipped_but_counted() {
    let got = split(b"a,b\n\n   \n\t\r\n1,2\n", 3);
    assert_eq!(got, vec![ok(1, &["a", "b"]), ok(5, &["1", "2"])]);
}

#[test]
fn quoted_fields_span_lines_and_move_following_records_down() {
    let input = b"a,b\n\"x\ny\",\"q\"\"uote\"\n1,2\n";
    for chunk in [1, 2, 5, 100] {
        assert_eq!(
            split(input, chunk),
            vec![
                ok(1, &["a", "b"]),
                ok(2, &["x\ny", "q\"uote"]),
                ok(4, &["1", "2"])
            ]
        );
    }
}

#[test]
fn blanks_around_quoted_fields_are_allowed() {
    assert_eq!(
        split(b" \"a,b\" , \"c\"\r\n", 1),
        vec![ok(1, &["a,b", "c"])]
    );
}

#[test]
fn a_quoted_empty_field_is_not_a_blank_line() {
    assert_eq!(split(b"\"\"\n", 1), vec![ok(1, &[""])]);
}

#[test]
fn broken_records_report_their_start_line_and_resume() {
    let got = split(b"a,b\n\"x\"y,1\n2,3\n", 2);
    assert_eq!(
        got,
        vec![
            ok(1, &["a", "b"]),
            (2, Err(Broken::TextAfterQuote)),
            ok(3, &["2", "3"])
        ]
    );
    let got = split(b"a,b\n1,\"open\n2,3\n", 4);
    assert_eq!(
        got,
        vec![ok(1, &["a", "b"]), (2, Err(Broken::UnterminatedQuote))]
    );
}

#[test]
fn over_long_records_are_skipped_with_bounded_memory() {
    let mut input = b"a,b\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
    input.extend_from_slice(b"\n1,2\n");
    let got = split(&input, 64 * 1024);
    assert_eq!(
        got,
        vec![
            ok(1, &["a", "b"]),
            (2, Err(Broken::TooLong)),
            ok(3, &["1", "2"])
        ]
    );
    // An over-long quoted field with line breaks inside: lines still counted.
    let mut input = b"a,b\n\"".to_vec();
    let inner_lines = MAX_RECORD_BYTES / 10 + 1;
    for _ in 0..inner_lines {
        input.extend_from_slice(b"xxxxxxxxx\n");
    }
    input.extend_from_slice(b"\",1\n1,2\n");
    for chunk in [64 * 1024, input.len()] {
        let got = split(&input, chunk);
        let summary: Vec<_> = got
            .iter()
            .map(|(l, r)| (*l, r.clone().map(|f| f.len())))
            .collect();
        let last_line = 3 + inner_lines as u64;
        assert_eq!(
            summary,
            vec![(1, Ok(2)), (2, Err(Broken::TooLong)), (last_line, Ok(2))]
        );
    }
}

#[test]
fn literal_quotes_inside_unquoted_fields_are_kept() {
    // The first quote is not at a field start, so the field is taken as written.
    assert_eq!(split(b"ab,c\"d\n", 100), vec![ok(1, &["ab", "c\"d"])]);
}

/// Every chunking gives `want`, with records of at most `max` bytes.
fn same_in_every_chunking(input: &[u8], max: usize, want: &[(u64, Result<Vec<String>, Broken>)]) {
    for chunk in 1..=input.len() {
        let got = split_with(Splitter::with_max_record(max), input, chunk);
        assert_eq!(got, want, "chunks of {chunk}");
    }
}

#[test]
fn an_over_long_record_with_a_literal_quote_ends_at_its_line_break() {
    // The quote is inside an unquoted field: it opens nothing, in whatever chunks the
    // record arrives (skipping used to take it for an opening quote and swallow the
    // next records up to the following quote).
    let input = b"a,b\nxx\"xxxxxxxxxxxxx\n1,2\n\"z\n";
    let want = vec![
        ok(1, &["a", "b"]),
        (2, Err(Broken::TooLong)),
        ok(3, &["1", "2"]),
        (4, Err(Broken::UnterminatedQuote)),
    ];
    same_in_every_chunking(input, 8, &want);
    // Text after a closing quote runs to the line break, quotes included; a `""` in a
    // quoted field and line breaks in it are skipped over.
    let input = b"a,b\n\"x\"yy\"yyyyyyyy\n1,2\n \"q\"\"\nq\nqqqqqqqq\" , \"\"\n3,4\n";
    let want = vec![
        ok(1, &["a", "b"]),
        (2, Err(Broken::TooLong)),
        ok(3, &["1", "2"]),
        (4, Err(Broken::TooLong)),
        ok(7, &["3", "4"]),
    ];
    same_in_every_chunking(input, 8, &want);
}

#[test]
fn a_broken_record_over_the_bound_is_too_long_in_every_chunking() {
    // Found by the `records` fuzz target: whole, the record after line 5 was
    // `TextAfterQuote`; byte by byte, `TooLong`.
    let input =
        b"a,b\n\"x\ny\", \"q\"\"uote\" \n\xef\xbb\xbf1,2\0\0\0\0\0\0\0D\r\n\"x\"y,1\n \n\"open\n";
    let want = vec![
        ok(1, &["a", "b"]),
        (2, Err(Broken::TooLong)),
        (4, Err(Broken::TooLong)),
        (5, Err(Broken::TooLong)),
        (7, Err(Broken::TooLong)),
    ];
    same_in_every_chunking(input, 5, &want);
    let input = b"a\n\"q\" tail\n\"unterminated";
    let want = vec![
        ok(1, &["a"]),
        (2, Err(Broken::TooLong)),
        (3, Err(Broken::TooLong)),
    ];
    same_in_every_chunking(input, 6, &want);
}
