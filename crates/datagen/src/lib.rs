//! Deterministic, realistic generator of the two Tiqets export files, `orders.csv`
//! (`order_id,customer_id`) and `barcodes.csv` (`barcode,order_id`).
//!
//! The same [`GenOptions`] always produce byte-identical files: all randomness comes from one
//! [`ChaCha8Rng`](rand_chacha::ChaCha8Rng) seeded with [`GenOptions::seed`], whose output is
//! fixed across platforms and releases.
//!
//! What a generated batch looks like (proportions are approximate):
//!
//! - order ids `1..=orders`, written in id order, as an export from the ticketing system would;
//! - about `orders / 4` customers with a heavy-tailed (Zipf-like, `P(k) ∝ 1/k²`) number of
//!   orders each: most customers buy once, a few resellers buy hundreds of times;
//! - 1 to 10 barcodes per order, skewed small (mean ≈ 3.4); 0.5% of the orders get none;
//! - 15% extra unsold barcodes (empty `order_id`);
//! - 0.1% duplicate barcode rows: exact repeats, a barcode re-used for another order, and
//!   repeats of unsold barcodes;
//! - a few barcodes referencing orders that do not exist and a few duplicate order rows (some
//!   with another customer);
//! - the rows of `barcodes.csv` shuffled;
//! - barcodes are 11 to 13 digit strings (about 4% with leading zeros), unique except for the
//!   duplicates injected on purpose.
//!
//! With [`GenOptions::malformed`] a tiny fraction of hand-made rows is mixed into both files:
//! every kind of invalid id and barcode, rows with the wrong field count, invalid UTF-8, a
//! quoted field spanning two lines, blank lines, and valid rows written in unusual forms
//! (pandas-style `12.0` ids, whitespace padding, quoting).
//!
//! Memory stays small: orders are streamed straight to disk; barcode rows are kept as one `u64`
//! each (barcode number and order id packed together) only so that they can be shuffled, about
//! 160 MB for 20 million barcodes. Both files are written through a
//! [`BufWriter`](std::io::BufWriter) into hidden temporary names (`.orders.csv.tmp`,
//! `.barcodes.csv.tmp`) and renamed into place at the end, so a process watching the output
//! folder never sees a half-written file.
//!
//! Layout: `build` makes the `plan` (everything decided before writing) from the
//! `distribution`s, the barcode `codec` and, when asked, the `malformed` rows; `write`
//! writes it.
//!
//! ```no_run
//! use tiqets_datagen::{generate, GenOptions};
//!
//! let summary = generate(
//!     &GenOptions { orders: 1_000, seed: 42, malformed: false },
//!     std::path::Path::new("data/input"),
//! )?;
//! println!("{summary:?}");
//! # Ok::<(), std::io::Error>(())
//! ```

mod build;
mod codec;
mod distribution;
mod malformed;
mod plan;
mod write;

use plan::Plan;
use serde::Serialize;
use std::fs;
use std::io;
use std::path::Path;

/// Header line of `orders.csv`.
pub const ORDERS_HEADER: &str = "order_id,customer_id";
/// Header line of `barcodes.csv`.
pub const BARCODES_HEADER: &str = "barcode,order_id";
/// File name of the orders export.
pub const ORDERS_FILE: &str = "orders.csv";
/// File name of the barcodes export.
pub const BARCODES_FILE: &str = "barcodes.csv";

/// The largest number of orders [`generate`] accepts (order ids and barcode numbers are packed
/// into 32 bits each while shuffling).
pub const MAX_ORDERS: u64 = 500_000_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of distinct orders (order ids `1..=orders`).
    pub orders: u64,
    /// Seed of the random generator: the same seed gives byte-identical files.
    pub seed: u64,
    /// Inject the malformed rows (and valid rows in unusual forms) into both files.
    pub malformed: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            orders: 1_000,
            seed: 42,
            malformed: false,
        }
    }
}

/// Counts of what [`generate`] wrote and injected.
///
/// These describe the files as written, before any processing rule is applied: for example a
/// duplicate barcode row that comes first in the shuffled file is the one the rules keep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GenSummary {
    /// Distinct order ids written (`1..=orders`).
    pub orders: u64,
    /// Distinct customers that placed these orders.
    pub customers: u64,
    /// Records in `orders.csv` after the header (blank lines not counted).
    pub order_rows: u64,
    /// Extra rows repeating an order id (half with the same customer, half with another).
    pub duplicate_order_rows: u64,
    /// Orders that were given no barcode at all.
    pub orders_without_barcodes: u64,
    /// Records in `barcodes.csv` after the header (blank lines not counted).
    pub barcode_rows: u64,
    /// Barcodes sold to an existing order (one row each, duplicates not counted).
    pub sold_barcodes: u64,
    /// Barcodes with an empty `order_id` (duplicates not counted).
    pub unsold_barcodes: u64,
    /// Extra rows repeating a barcode already in the file.
    pub duplicate_barcode_rows: u64,
    /// Barcode rows whose `order_id` is not in `orders.csv`.
    pub unknown_order_barcodes: u64,
    /// Invalid rows injected into `orders.csv`.
    pub malformed_order_rows: u64,
    /// Invalid rows injected into `barcodes.csv`.
    pub malformed_barcode_rows: u64,
    /// Empty or whitespace-only lines injected (both files).
    pub blank_lines: u64,
    /// Valid rows written in an unusual form: `12.0` ids, padded with spaces, quoted (both files).
    pub unusual_valid_rows: u64,
    /// Size of `orders.csv` in bytes.
    pub orders_bytes: u64,
    /// Size of `barcodes.csv` in bytes.
    pub barcodes_bytes: u64,
}

/// Writes `orders.csv` and `barcodes.csv` into `out_dir` (created if missing, existing files
/// replaced) and returns what was written.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when `opts.orders` exceeds [`MAX_ORDERS`].
pub fn generate(opts: &GenOptions, out_dir: &Path) -> io::Result<GenSummary> {
    if opts.orders > MAX_ORDERS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "at most {MAX_ORDERS} orders can be generated, not {}",
                opts.orders
            ),
        ));
    }
    fs::create_dir_all(out_dir)?;
    let plan = Plan::new(opts);

    let orders_tmp = out_dir.join(format!(".{ORDERS_FILE}.tmp"));
    let barcodes_tmp = out_dir.join(format!(".{BARCODES_FILE}.tmp"));
    let result = plan.write_files(&orders_tmp, &barcodes_tmp);
    if result.is_err() {
        let _ = fs::remove_file(&orders_tmp);
        let _ = fs::remove_file(&barcodes_tmp);
    }
    let mut summary = result?;
    fs::rename(&orders_tmp, out_dir.join(ORDERS_FILE))?;
    fs::rename(&barcodes_tmp, out_dir.join(BARCODES_FILE))?;
    summary.orders_bytes = fs::metadata(out_dir.join(ORDERS_FILE))?.len();
    summary.barcodes_bytes = fs::metadata(out_dir.join(BARCODES_FILE))?.len();
    Ok(summary)
}

#[cfg(test)]
mod tests;
