//! Compact barcode keys: digit strings become integers, the rest live in an arena.
//!
//! A barcode of 1 to 18 digits maps to a unique `u64` below 2^63 (leading zeros kept apart:
//! `0123` and `123` get different keys); any other barcode is stored once in an arena and
//! its key is `TEXT_FLAG | offset << 7 | len`. Keys are compared by value, so two equal
//! barcodes always get equal keys.

use std::fmt;
use std::ops::Deref;

const TEXT_FLAG: u64 = 1 << 63;
const MAX_NUMERIC_DIGITS: usize = 18;

/// `OFFSETS[len]` = how many digit strings are shorter than `len` (lengths 1..=18).
const OFFSETS: [u64; MAX_NUMERIC_DIGITS + 2] = {
    let mut t = [0u64; MAX_NUMERIC_DIGITS + 2];
    let mut len = 2;
    let mut pow = 10u64;
    while len < MAX_NUMERIC_DIGITS + 2 {
        t[len] = t[len - 1] + pow;
        pow *= 10;
        len += 1;
    }
    t
};

/// The integer key of an all-digit barcode of at most 18 digits.
#[inline]
pub(crate) fn numeric_key(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > MAX_NUMERIC_DIGITS {
        return None;
    }
    let mut v = 0u64;
    for &c in s {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(OFFSETS[s.len()] + v)
}

#[inline]
pub(crate) fn is_text_key(key: u64) -> bool {
    key & TEXT_FLAG != 0
}

#[inline]
pub(crate) fn text_key(offset: usize, len: usize) -> u64 {
    debug_assert!(len <= 64);
    TEXT_FLAG | ((offset as u64) << 7) | len as u64
}

#[inline]
pub(crate) fn text_range(key: u64) -> std::ops::Range<usize> {
    let len = (key & 0x7f) as usize;
    let offset = ((key & !TEXT_FLAG) >> 7) as usize;
    offset..offset + len
}

/// The number of digits of a numeric key's barcode (leading zeros included).
#[inline]
fn numeric_len(key: u64) -> usize {
    // The length is the largest `len` whose offset is <= key.
    OFFSETS[2..].partition_point(|&o| o <= key) + 1
}

/// Two ASCII digits per value 0..100, for writing numbers two digits at a time.
const PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Appends the text of `key` to `out`: what [`BarcodeBuf::decode`] gives, without the
/// buffer in between (the output files write millions of barcodes).
#[inline]
pub(crate) fn push_text(key: u64, arena: &[u8], out: &mut Vec<u8>) {
    if is_text_key(key) {
        out.extend_from_slice(&arena[text_range(key)]);
        return;
    }
    let len = numeric_len(key);
    let mut v = key - OFFSETS[len];
    let start = out.len();
    out.resize(start + len, b'0');
    let digits = &mut out[start..];
    let mut i = len;
    // `v` has at most `i` digits, so two of them leave `i >= 2`.
    while v >= 10 {
        digits[i - 2..i].copy_from_slice(&PAIRS[(v % 100) as usize]);
        v /= 100;
        i -= 2;
    }
    if v > 0 {
        digits[i - 1] = b'0' + v as u8;
    }
}

/// A barcode's text on the stack (at most 64 ASCII bytes); derefs to `&str`.
#[derive(Clone, Copy)]
pub struct BarcodeBuf {
    len: u8,
    bytes: [u8; 64],
}

impl BarcodeBuf {
    /// Decodes `key`; `arena` is the text arena of the book that made it.
    #[inline]
    pub(crate) fn decode(key: u64, arena: &[u8]) -> BarcodeBuf {
        let mut out = BarcodeBuf {
            len: 0,
            bytes: [0; 64],
        };
        if is_text_key(key) {
            let text = &arena[text_range(key)];
            out.bytes[..text.len()].copy_from_slice(text);
            out.len = text.len() as u8;
            return out;
        }
        let len = numeric_len(key);
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(key - OFFSETS[len]).as_bytes();
        let pad = len - digits.len();
        out.bytes[..pad].fill(b'0');
        out.bytes[pad..len].copy_from_slice(digits);
        out.len = len as u8;
        out
    }

    /// The barcode's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits or validated ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl AsRef<[u8]> for BarcodeBuf {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Deref for BarcodeBuf {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for BarcodeBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for BarcodeBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_keys_round_trip_and_keep_leading_zeros_apart() {
        let samples = [
            "0",
            "9",
            "00",
            "10",
            "99",
            "000",
            "0123",
            "123",
            "12345678901",
            "0000000000001",
            "999999999999999999",
            "000000000000000000",
        ];
        let mut keys = std::collections::HashSet::new();
        for s in samples {
            let k = numeric_key(s.as_bytes()).unwrap();
            assert!(k < TEXT_FLAG);
            assert!(keys.insert(k), "{s} collides");
            assert_eq!(BarcodeBuf::decode(k, &[]).as_str(), s);
            let mut pushed = b"x".to_vec();
            push_text(k, &[], &mut pushed);
            assert_eq!(&pushed[1..], s.as_bytes(), "{s} pushed");
        }
        assert_eq!(numeric_key(b"1234567890123456789"), None);
        assert_eq!(numeric_key(b"12a"), None);
    }

    #[test]
    fn pushed_text_is_the_decoded_text_for_every_length() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for len in 1..=MAX_NUMERIC_DIGITS {
            for _ in 0..2000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let digits: String = (0..len)
                    .map(|i| char::from(b'0' + ((x >> (i * 3)) % 10) as u8))
                    .collect();
                let k = numeric_key(digits.as_bytes()).unwrap();
                let mut pushed = Vec::new();
                push_text(k, &[], &mut pushed);
                assert_eq!(pushed, digits.as_bytes());
            }
        }
    }

    #[test]
    fn text_keys_point_into_the_arena() {
        let arena = b"xxABC123".to_vec();
        let k = text_key(2, 6);
        assert!(is_text_key(k));
        assert_eq!(BarcodeBuf::decode(k, &arena).as_str(), "ABC123");
        let mut pushed = Vec::new();
        push_text(k, &arena, &mut pushed);
        assert_eq!(pushed, b"ABC123");
    }
}
