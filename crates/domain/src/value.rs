//! Field values: trimming, ids and barcodes (`docs/processing-rules.md`: Reading the files,
//! Values).

/// The largest accepted id (`i64::MAX`, so every id fits a PostgreSQL `bigint`).
pub const MAX_ID: u64 = i64::MAX as u64;

/// The longest accepted barcode, in bytes (= characters: barcodes are ASCII).
pub const MAX_BARCODE_LEN: usize = 64;

/// Trims surrounding whitespace (Unicode `White_Space`, as `str::trim`), fast for ASCII.
#[inline]
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let mut start = 0;
    let mut end = b.len();
    while start < end && b[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    // Safe slicing: ASCII whitespace bytes are always char boundaries.
    let s = &s[start..end];
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(f), Some(l)) if *f >= 0x80 || *l >= 0x80 => s.trim(),
        // `is_ascii_whitespace` lacks U+000B (vertical tab), which `str::trim` removes.
        (Some(f), Some(l)) if *f == 0x0b || *l == 0x0b => s.trim(),
        _ => s,
    }
}

/// Trims an all-ASCII field exactly as [`trim`] would (ASCII whitespace and vertical tab).
#[inline]
pub fn trim_ascii(b: &[u8]) -> &[u8] {
    let ws = |c: &u8| c.is_ascii_whitespace() || *c == 0x0b;
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    &b[start..end]
}

/// Parses an id: decimal digits (leading zeros allowed), optionally followed by `.0`
/// (one or more zeros, as pandas writes integer columns that have blanks), with a value
/// from 1 to [`MAX_ID`]. The input is already trimmed.
#[inline]
pub fn parse_id(b: &[u8]) -> Option<u64> {
    // One pass: digits until the end, or until a `.` that only zeros may follow.
    let mut value: u64 = 0;
    let mut significant = 0usize;
    for (i, &c) in b.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            let zeros = &b[i + 1..];
            if c != b'.' || i == 0 || zeros.is_empty() || zeros.iter().any(|&z| z != b'0') {
                return None;
            }
            break;
        }
        if value == 0 && d == 0 {
            continue; // leading zero
        }
        significant += 1;
        if significant > 19 {
            return None;
        }
        value = value * 10 + u64::from(d);
    }
    (value != 0 && value <= MAX_ID).then_some(value)
}

/// Whether a (trimmed) barcode is 1 to 64 ASCII letters or digits.
#[inline]
pub fn is_valid_barcode(s: &[u8]) -> bool {
    !s.is_empty() && s.len() <= MAX_BARCODE_LEN && s.iter().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_digits_leading_zeros_and_pandas_floats() {
        assert_eq!(parse_id(b"1"), Some(1));
        assert_eq!(parse_id(b"0007"), Some(7));
        assert_eq!(parse_id(b"12.0"), Some(12));
        assert_eq!(parse_id(b"12.000"), Some(12));
        assert_eq!(parse_id(b"9223372036854775807"), Some(MAX_ID));
        assert_eq!(parse_id(b"0009223372036854775807"), Some(MAX_ID));
        assert_eq!(
            parse_id(format!("{}1", "0".repeat(100)).as_bytes()),
            Some(1)
        );
    }

    #[test]
    fn ids_reject_everything_else() {
        for bad in [
            "",
            "0",
            "000",
            "0.0",
            "-5",
            "+5",
            "1.5",
            "12.",
            ".0",
            "1e3",
            "abc",
            "1 2",
            "9223372036854775808",
            "18446744073709551616",
            "99999999999999999999999",
            "12.0.0",
            "١٢",
        ] {
            assert_eq!(parse_id(bad.as_bytes()), None, "{bad:?} must be rejected");
        }
    }

    #[test]
    fn barcodes_are_ascii_alphanumeric_up_to_64() {
        assert!(is_valid_barcode(b"000123"));
        assert!(is_valid_barcode(b"AbC9"));
        assert!(is_valid_barcode("7".repeat(64).as_bytes()));
        assert!(!is_valid_barcode("7".repeat(65).as_bytes()));
        assert!(!is_valid_barcode(b""));
        assert!(!is_valid_barcode(b"=SUM(A1)"));
        assert!(!is_valid_barcode(b"abc-123"));
        assert!(!is_valid_barcode(b"12 34"));
        assert!(!is_valid_barcode("é1".as_bytes()));
    }

    #[test]
    fn trim_matches_str_trim() {
        for s in [
            "  a ",
            "\t\r\n",
            "\u{a0}x\u{3000}",
            "\u{b}1\u{b}",
            "",
            "a b",
            " é ",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            if s.is_ascii() {
                assert_eq!(trim_ascii(s.as_bytes()), s.trim().as_bytes(), "{s:?}");
            }
        }
    }
}
