//! Deterministic, realistic generator of the two Tiqets export files, `orders.csv`
//! (`order_id,customer_id`) and `barcodes.csv` (`barcode,order_id`).
//!
//! The same [`GenOptions`] always produce byte-identical files: all randomness comes from one
//! [`ChaCha8Rng`] seeded with [`GenOptions::seed`], whose output is fixed across platforms and
//! releases.
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
//! 160 MB for 20 million barcodes. Both files are written through a [`BufWriter`] into hidden
//! temporary names (`.orders.csv.tmp`, `.barcodes.csv.tmp`) and renamed into place at the end,
//! so a process watching the output folder never sees a half-written file.
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

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

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

// ---------------------------------------------------------------------------------------------
// Distributions

/// Relative weights of 1..=10 barcodes per order (mean 3.38).
const BARCODES_PER_ORDER: [u32; 10] = [24, 20, 17, 13, 9, 6, 4, 3, 2, 2];
/// Orders without barcodes, per thousand.
const NO_BARCODES_PER_MILLE: u32 = 5;
/// Unsold barcodes, in percent of the sold ones.
const UNSOLD_PERCENT: u64 = 15;
/// Duplicate barcode rows, per thousand barcode rows.
const DUPLICATE_BARCODES_PER_MILLE: u64 = 1;
/// The most orders one customer places.
const MAX_ORDERS_PER_CUSTOMER: u64 = 500;

/// Inverse-CDF sampler of a Zipf-like law `P(k) ∝ k^-2` on `1..=max`.
struct ZipfLike {
    cdf: Vec<f64>,
}

impl ZipfLike {
    fn new(max: u64) -> Self {
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

    fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        let u: f64 = rng.gen();
        let i = self.cdf.partition_point(|&c| c <= u);
        (i.min(self.cdf.len() - 1) + 1) as u64
    }
}

fn barcodes_for_order(rng: &mut ChaCha8Rng) -> u64 {
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

// ---------------------------------------------------------------------------------------------
// Barcodes: a keyed permutation of the barcode number, rendered as 11 to 13 digits

/// Barcode numbers are permuted within `0..BARCODE_DOMAIN`, then rendered as 11 digits
/// (zero-padded) with an optional one or two digit prefix.
const BARCODE_DOMAIN: u64 = 100_000_000_000;
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
struct BarcodeCodec {
    keys: [u64; 4],
}

impl BarcodeCodec {
    fn new(rng: &mut ChaCha8Rng) -> Self {
        Self { keys: rng.gen() }
    }

    fn permute(&self, index: u64) -> u64 {
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
    fn render(&self, index: u64, buf: &mut [u8; 13]) -> usize {
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

    fn string(&self, index: u64) -> String {
        let mut buf = [0u8; 13];
        let n = self.render(index, &mut buf);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// The plan: everything decided before writing

/// One barcode row, packed: barcode number in the high 32 bits, order id (0 = unsold) low.
type PackedRow = u64;

fn pack(barcode: u64, order: u64) -> PackedRow {
    debug_assert!(barcode <= u32::MAX as u64 && order <= u32::MAX as u64);
    (barcode << 32) | order
}

fn unpack(row: PackedRow) -> (u64, u64) {
    (row >> 32, row & 0xffff_ffff)
}

/// A valid row written in an unusual but valid form.
#[derive(Debug, Clone, Copy)]
enum Unusual {
    /// `12.0` ids, as pandas writes an integer column that has blanks.
    PandasFloat,
    /// Surrounding spaces and tabs.
    Padded,
    /// Every field quoted.
    Quoted,
}

const UNUSUAL: [Unusual; 3] = [Unusual::PandasFloat, Unusual::Padded, Unusual::Quoted];

/// Raw bytes (one record, or a blank line, with its line ending) inserted before the base row
/// at index `pos`.
struct Extra {
    pos: u64,
    bytes: Vec<u8>,
}

struct Plan {
    n: u64,
    codec: BarcodeCodec,
    /// Customer id of order `i + 1`.
    customer_of: Vec<u32>,
    /// Shuffled barcode rows.
    rows: Vec<PackedRow>,
    /// Orders rendered unusually, sorted by order id.
    unusual_orders: Vec<(u64, Unusual)>,
    /// Barcode rows rendered unusually, sorted by position in `rows`.
    unusual_barcodes: Vec<(u64, Unusual)>,
    order_extras: Vec<Extra>,
    barcode_extras: Vec<Extra>,
    /// `orders.csv` gets a leading extra `channel` column (an `extra_column` issue).
    channel_column: bool,
    summary: GenSummary,
}

/// Order that gets no barcode when malformed rows are asked for, so that even a small
/// sample has an `order_without_barcodes`.
const ORDER_WITHOUT_BARCODES: u64 = 3;

/// Invalid id forms; the empty one is valid (unsold) as a barcode's order id.
const INVALID_IDS: [&str; 9] = [
    "-5",
    "1.5",
    "1e3",
    "abc",
    "",
    "9223372036854775808",
    "0",
    "+7",
    "12.5.0",
];

impl Plan {
    fn new(opts: &GenOptions) -> Self {
        let n = opts.orders;
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        let codec = BarcodeCodec::new(&mut rng);
        let mut summary = GenSummary {
            orders: n,
            ..GenSummary::default()
        };

        // Customers: a heavy-tailed number of orders each, orders interleaved in time.
        let zipf = ZipfLike::new((n / 10).clamp(2, MAX_ORDERS_PER_CUSTOMER));
        let mut customer_of: Vec<u32> = Vec::with_capacity(n as usize);
        let mut customer: u32 = 0;
        while (customer_of.len() as u64) < n {
            customer += 1;
            let k = zipf.sample(&mut rng).min(n - customer_of.len() as u64);
            customer_of.extend(std::iter::repeat_n(customer, k as usize));
        }
        customer_of.shuffle(&mut rng);
        summary.customers = customer as u64;

        // Barcodes: sold ones order by order, then unsold ones, then unknown orders.
        let estimate = (n as f64 * 3.9) as usize + 16;
        let mut rows: Vec<PackedRow> = Vec::with_capacity(estimate);
        let mut next_barcode: u64 = 0;
        for order in 1..=n {
            let mut k = barcodes_for_order(&mut rng);
            if opts.malformed && order == ORDER_WITHOUT_BARCODES {
                k = 0;
            }
            if k == 0 {
                summary.orders_without_barcodes += 1;
            }
            for _ in 0..k {
                rows.push(pack(next_barcode, order));
                next_barcode += 1;
            }
        }
        let sold = rows.len();
        summary.sold_barcodes = sold as u64;
        let unsold = sold as u64 * UNSOLD_PERCENT / 100;
        for _ in 0..unsold {
            rows.push(pack(next_barcode, 0));
            next_barcode += 1;
        }
        summary.unsold_barcodes = unsold;
        if n > 0 {
            let unknown = n / 20_000 + 3;
            for _ in 0..unknown {
                let order = n + 1 + rng.gen_range(0..n.max(1000));
                rows.push(pack(next_barcode, order));
                next_barcode += 1;
            }
            summary.unknown_order_barcodes = unknown;
        }

        // Duplicate barcode rows: a barcode re-used for another order, an exact repeat, or an
        // unsold barcode listed twice.
        let base = rows.len();
        let duplicates = if base > 0 {
            (base as u64 * DUPLICATE_BARCODES_PER_MILLE / 1000).max(1)
        } else {
            0
        };
        for _ in 0..duplicates {
            let roll = rng.gen_range(0..10);
            let row = if (roll < 7 && sold > 0) || unsold == 0 {
                let (barcode, order) = unpack(rows[rng.gen_range(0..sold.max(1)).min(base - 1)]);
                if roll < 4 && n > 0 {
                    pack(barcode, rng.gen_range(1..=n))
                } else {
                    pack(barcode, order)
                }
            } else {
                rows[rng.gen_range(sold..sold + unsold as usize)]
            };
            rows.push(row);
        }
        summary.duplicate_barcode_rows = duplicates;
        rows.shuffle(&mut rng);

        // Duplicate order rows, each somewhere after the original.
        let mut order_extras = Vec::new();
        if n > 0 {
            let dups = n / 20_000 + 3;
            for i in 0..dups {
                let order = rng.gen_range(1..=n);
                let customer = if i % 2 == 0 {
                    customer_of[(order - 1) as usize] as u64
                } else {
                    rng.gen_range(1..=summary.customers)
                };
                order_extras.push(Extra {
                    pos: rng.gen_range(order..=n),
                    bytes: format!("{order},{customer}\n").into_bytes(),
                });
            }
            summary.duplicate_order_rows = dups;
        }

        let mut plan = Plan {
            n,
            codec,
            customer_of,
            rows,
            unusual_orders: Vec::new(),
            unusual_barcodes: Vec::new(),
            order_extras,
            barcode_extras: Vec::new(),
            channel_column: opts.malformed,
            summary,
        };
        if opts.malformed {
            plan.add_malformed(&mut rng, next_barcode);
        }
        plan.order_extras.sort_by_key(|e| e.pos);
        plan.barcode_extras.sort_by_key(|e| e.pos);
        plan
    }

    /// Adds the malformed rows, the blank lines and the unusual valid rows.
    fn add_malformed(&mut self, rng: &mut ChaCha8Rng, mut next_barcode: u64) {
        let n = self.n;
        let reps = 1 + n / 250_000;
        let rows_len = self.rows.len() as u64;
        let customers = self.summary.customers.max(1);
        let mut fresh_barcode = || {
            let b = next_barcode;
            next_barcode += 1;
            b
        };

        // orders.csv
        let mut bad_orders: Vec<Vec<u8>> = Vec::new();
        let mut blank: Vec<Vec<u8>> = Vec::new();
        for _ in 0..reps {
            let order = rng.gen_range(1..=n.max(1));
            let customer = rng.gen_range(1..=customers);
            for id in INVALID_IDS {
                bad_orders.push(format!("{id},{customer}\n").into_bytes());
                bad_orders.push(format!("{order},{id}\n").into_bytes());
            }
            bad_orders.push(format!("{order}\n").into_bytes());
            bad_orders.push(format!("{order},{customer},{}\n", rng.gen_range(1..100)).into_bytes());
            bad_orders.push(format!("{order}\u{1},{customer}\n").into_bytes());
            let mut utf8 = format!("{order}").into_bytes();
            utf8.extend_from_slice(b"\xff\xfe,");
            utf8.extend_from_slice(format!("{customer}\n").as_bytes());
            bad_orders.push(utf8);
            bad_orders.push(format!("\"{order}\n{order}\",{customer}\n").into_bytes());
            blank.push(b"\n".to_vec());
            blank.push(b"   \n".to_vec());
        }
        self.summary.malformed_order_rows = bad_orders.len() as u64;
        self.summary.blank_lines += blank.len() as u64;
        for bytes in bad_orders.into_iter().chain(blank) {
            self.order_extras.push(Extra {
                pos: rng.gen_range(0..=n),
                bytes,
            });
        }
        if n > 0 {
            let mut unusual: Vec<(u64, Unusual)> = (0..reps * UNUSUAL.len() as u64)
                .map(|i| (rng.gen_range(1..=n), UNUSUAL[(i % 3) as usize]))
                .collect();
            unusual.sort_by_key(|u| u.0);
            unusual.dedup_by_key(|u| u.0);
            self.summary.unusual_valid_rows += unusual.len() as u64;
            self.unusual_orders = unusual;
        }

        // barcodes.csv
        let mut bad_barcodes: Vec<Vec<u8>> = Vec::new();
        let mut blank: Vec<Vec<u8>> = Vec::new();
        for _ in 0..reps {
            let order = rng.gen_range(1..=n.max(1));
            // Some invalid rows carry a barcode that also appears in a valid row: an invalid
            // row must not make the valid one a duplicate.
            let existing = if rows_len > 0 {
                let (b, _) = unpack(self.rows[rng.gen_range(0..rows_len) as usize]);
                self.codec.string(b)
            } else {
                self.codec.string(fresh_barcode())
            };
            for id in INVALID_IDS.iter().filter(|id| !id.is_empty()) {
                bad_barcodes.push(format!("{existing},{id}\n").into_bytes());
            }
            let long = "7".repeat(65);
            for barcode in ["=SUM(A1)", "abc-123", long.as_str(), "", "12 34", "ÄÖ12"] {
                bad_barcodes.push(format!("{barcode},{order}\n").into_bytes());
            }
            let fresh = self.codec.string(fresh_barcode());
            bad_barcodes.push(format!("{fresh}\n").into_bytes());
            bad_barcodes.push(format!("{existing},{order},{order}\n").into_bytes());
            let mut utf8 = fresh.clone().into_bytes();
            utf8.extend_from_slice(b"\xc3\x28,");
            utf8.extend_from_slice(format!("{order}\n").as_bytes());
            bad_barcodes.push(utf8);
            bad_barcodes.push(format!("\"{fresh}\n{existing}\",{order}\n").into_bytes());
            blank.push(b"\n".to_vec());
            blank.push(b" \t \n".to_vec());
        }
        self.summary.malformed_barcode_rows = bad_barcodes.len() as u64;
        self.summary.blank_lines += blank.len() as u64;
        for bytes in bad_barcodes.into_iter().chain(blank) {
            self.barcode_extras.push(Extra {
                pos: rng.gen_range(0..=rows_len),
                bytes,
            });
        }
        if rows_len > 0 {
            let mut unusual: Vec<(u64, Unusual)> = (0..reps * UNUSUAL.len() as u64)
                .map(|i| (rng.gen_range(0..rows_len), UNUSUAL[(i % 3) as usize]))
                .collect();
            unusual.sort_by_key(|u| u.0);
            unusual.dedup_by_key(|u| u.0);
            self.summary.unusual_valid_rows += unusual.len() as u64;
            self.unusual_barcodes = unusual;
        }
    }

    fn write_files(&self, orders_path: &Path, barcodes_path: &Path) -> io::Result<GenSummary> {
        let mut summary = self.summary.clone();
        summary.order_rows = self.write_orders(orders_path)?;
        summary.barcode_rows = self.write_barcodes(barcodes_path)?;
        Ok(summary)
    }

    /// Writes `orders.csv`, returning the number of records after the header.
    fn write_orders(&self, path: &Path) -> io::Result<u64> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        // With the extra column, every record starts with its channel.
        let channel: &[u8] = if self.channel_column {
            w.write_all(b"channel,")?;
            b"web,"
        } else {
            b""
        };
        w.write_all(ORDERS_HEADER.as_bytes())?;
        w.write_all(b"\n")?;
        let mut records = 0u64;
        let mut extras = self.order_extras.iter().peekable();
        let mut unusual = self.unusual_orders.iter().peekable();
        let mut line = Vec::with_capacity(64);
        let mut order_buf = itoa::Buffer::new();
        let mut customer_buf = itoa::Buffer::new();
        for (i, &customer) in self.customer_of.iter().enumerate() {
            while let Some(extra) = extras.next_if(|e| e.pos == i as u64) {
                if is_record(&extra.bytes) {
                    w.write_all(channel)?;
                    records += 1;
                }
                w.write_all(&extra.bytes)?;
            }
            let order = i as u64 + 1;
            let o = order_buf.format(order).as_bytes();
            let c = customer_buf.format(customer).as_bytes();
            line.clear();
            line.extend_from_slice(channel);
            match unusual.next_if(|u| u.0 == order).map(|u| u.1) {
                None => write_fields(&mut line, o, b"", c, b""),
                Some(Unusual::PandasFloat) => write_fields(&mut line, o, b".0", c, b".0"),
                Some(Unusual::Padded) => {
                    line.extend_from_slice(b" \t");
                    write_fields(&mut line, o, b" ", c, b"  ");
                }
                Some(Unusual::Quoted) => {
                    line.push(b'"');
                    line.extend_from_slice(o);
                    line.extend_from_slice(b"\",\"");
                    line.extend_from_slice(c);
                    line.extend_from_slice(b"\"\n");
                }
            }
            w.write_all(&line)?;
            records += 1;
        }
        for extra in extras {
            if is_record(&extra.bytes) {
                w.write_all(channel)?;
                records += 1;
            }
            w.write_all(&extra.bytes)?;
        }
        w.flush()?;
        Ok(records)
    }

    /// Writes `barcodes.csv`, returning the number of records after the header.
    fn write_barcodes(&self, path: &Path) -> io::Result<u64> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        w.write_all(BARCODES_HEADER.as_bytes())?;
        w.write_all(b"\n")?;
        let mut records = 0u64;
        let mut extras = self.barcode_extras.iter().peekable();
        let mut unusual = self.unusual_barcodes.iter().peekable();
        let mut line = Vec::with_capacity(64);
        let mut barcode_buf = [0u8; 13];
        let mut order_buf = itoa::Buffer::new();
        for (i, &row) in self.rows.iter().enumerate() {
            while let Some(extra) = extras.next_if(|e| e.pos == i as u64) {
                w.write_all(&extra.bytes)?;
                records += is_record(&extra.bytes) as u64;
            }
            let (barcode, order) = unpack(row);
            let len = self.codec.render(barcode, &mut barcode_buf);
            let b = &barcode_buf[..len];
            let o: &[u8] = if order == 0 {
                b""
            } else {
                order_buf.format(order).as_bytes()
            };
            line.clear();
            match unusual.next_if(|u| u.0 == i as u64).map(|u| u.1) {
                None => write_fields(&mut line, b, b"", o, b""),
                Some(Unusual::PandasFloat) if order != 0 => {
                    write_fields(&mut line, b, b"", o, b".0")
                }
                Some(Unusual::PandasFloat | Unusual::Padded) => {
                    line.extend_from_slice(b"  ");
                    write_fields(&mut line, b, b" ", o, b" ");
                }
                Some(Unusual::Quoted) => {
                    line.push(b'"');
                    line.extend_from_slice(b);
                    line.extend_from_slice(b"\",\"");
                    line.extend_from_slice(o);
                    line.extend_from_slice(b"\"\n");
                }
            }
            w.write_all(&line)?;
            records += 1;
        }
        for extra in extras {
            w.write_all(&extra.bytes)?;
            records += is_record(&extra.bytes) as u64;
        }
        w.flush()?;
        Ok(records)
    }
}

/// `a` `a_suffix` `,` `b` `b_suffix` `\n`
fn write_fields(line: &mut Vec<u8>, a: &[u8], a_suffix: &[u8], b: &[u8], b_suffix: &[u8]) {
    line.extend_from_slice(a);
    line.extend_from_slice(a_suffix);
    line.push(b',');
    line.extend_from_slice(b);
    line.extend_from_slice(b_suffix);
    line.push(b'\n');
}

fn is_record(bytes: &[u8]) -> bool {
    !bytes.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests;
