//! Distributions: how many orders a customer places, how many barcodes an order gets, and
//! the shares of unsold and duplicate barcodes.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Relative weights of 1..=10 barcodes per order (mean 3.38).
pub(crate) const BARCODES_PER_ORDER: [u32; 10] = [24, 20, 17, 13, 9, 6, 4, 3, 2, 2];
/// Orders without barcodes, per thousand.
pub(crate) const NO_BARCODES_PER_MILLE: u32 = 5;
/// Unsold barcodes, in percent of the sold ones.
pub(crate) const UNSOLD_PERCENT: u64 = 15;
/// Duplicate barcode rows, per thousand barcode rows.
pub(crate) const DUPLICATE_BARCODES_PER_MILLE: u64 = 1;
/// The most orders one customer places.
pub(crate) const MAX_ORDERS_PER_CUSTOMER: u64 = 500;

/// Inverse-CDF sampler of a Zipf-like law `P(k) ∝ k^-2` on `1..=max`.
pub(crate) struct ZipfLike {
    cdf: Vec<f64>,
}

impl ZipfLike {
    pub(crate) fn new(max: u64) -> Self {
        let mut cdf = Vec::with_capacity(max as usize);
        let mut acc = 0.0;
        for k in 1..=max {
            acc += 1.0 / (k as f64 * k as f64);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Self { cdf }
    }

    pub(crate) fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        let u: f64 = rng.gen();
        let i = self.cdf.partition_point(|&c| c <= u);
        (i.min(self.cdf.len() - 1) + 1) as u64
    }
}

pub(crate) fn barcodes_for_order(rng: &mut ChaCha8Rng) -> u64 {
    if rng.gen_range(0..1000) < NO_BARCODES_PER_MILLE {
        return 0;
    }
    let total: u32 = BARCODES_PER_ORDER.iter().sum();
    let mut r = rng.gen_range(0..total);
    for (i, &w) in BARCODES_PER_ORDER.iter().enumerate() {
        if r < w {
            return i as u64 + 1;
        }
        r -= w;
    }
    BARCODES_PER_ORDER.len() as u64
}
