//! Barcodes: a keyed permutation of the barcode number, rendered as 11 to 13 digits.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Barcode numbers are permuted within `0..BARCODE_DOMAIN`, then rendered as 11 digits
/// (zero-padded) with an optional one or two digit prefix.
pub(crate) const BARCODE_DOMAIN: u64 = 100_000_000_000;
const FEISTEL_HALF_BITS: u32 = 19;
const FEISTEL_HALF_MASK: u64 = (1 << FEISTEL_HALF_BITS) - 1;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A keyed bijection of `0..BARCODE_DOMAIN`: a 4-round Feistel network on 38 bits with cycle
/// walking. Distinct barcode numbers give distinct, random-looking barcodes, with no set of
/// already used barcodes to keep in memory.
pub(crate) struct BarcodeCodec {
    keys: [u64; 4],
}

impl BarcodeCodec {
    pub(crate) fn new(rng: &mut ChaCha8Rng) -> Self {
        Self { keys: rng.gen() }
    }

    pub(crate) fn permute(&self, index: u64) -> u64 {
        debug_assert!(index < BARCODE_DOMAIN);
        let mut x = index;
        loop {
            let mut left = x >> FEISTEL_HALF_BITS;
            let mut right = x & FEISTEL_HALF_MASK;
            for key in self.keys {
                let next = left ^ (mix64(right ^ key) & FEISTEL_HALF_MASK);
                left = right;
                right = next;
            }
            x = (left << FEISTEL_HALF_BITS) | right;
            if x < BARCODE_DOMAIN {
                return x;
            }
        }
    }

    /// Renders barcode number `index` into `buf`, returning its length (11 to 13).
    ///
    /// The last 11 digits are the permuted number itself, so the rendering is injective:
    /// 60% get a two-digit prefix (13 digits), 25% a one-digit prefix that may be `0`
    /// (12 digits), 15% none (11 digits, zero-padded).
    #[inline]
    pub(crate) fn render(&self, index: u64, buf: &mut [u8; 13]) -> usize {
        let v = self.permute(index);
        let h = mix64(v ^ 0x7469_7165_7473);
        let kind = h % 20;
        let mut pos = 0;
        if kind < 12 {
            let p = 10 + (h / 20) % 90;
            buf[0] = b'0' + (p / 10) as u8;
            buf[1] = b'0' + (p % 10) as u8;
            pos = 2;
        } else if kind < 17 {
            buf[0] = b'0' + ((h / 20) % 10) as u8;
            pos = 1;
        }
        let mut rest = v;
        for i in (pos..pos + 11).rev() {
            buf[i] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        pos + 11
    }

    pub(crate) fn string(&self, index: u64) -> String {
        let mut buf = [0u8; 13];
        let n = self.render(index, &mut buf);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}
