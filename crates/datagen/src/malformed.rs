//! With [`crate::GenOptions::malformed`]: the invalid rows of every kind, blank lines and
//! valid rows in unusual forms, placed among the planned rows.

use crate::plan::{unpack, Extra, Plan, Unusual, UNUSUAL};
use rand::distributions::uniform::SampleRange;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

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
    /// Adds the malformed rows, the blank lines and the unusual valid rows.
    pub(crate) fn add_malformed(&mut self, rng: &mut ChaCha8Rng, mut next_barcode: u64) {
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
        scatter(rng, &mut self.order_extras, bad_orders, blank, n);
        if n > 0 {
            self.unusual_orders = unusual(rng, reps, 1..=n);
            self.summary.unusual_valid_rows += self.unusual_orders.len() as u64;
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
        scatter(rng, &mut self.barcode_extras, bad_barcodes, blank, rows_len);
        if rows_len > 0 {
            self.unusual_barcodes = unusual(rng, reps, 0..rows_len);
            self.summary.unusual_valid_rows += self.unusual_barcodes.len() as u64;
        }
    }
}

/// Places the invalid rows, then the blank lines, each before a random one of a file's
/// `rows` planned rows (`rows` itself: at the end).
fn scatter(
    rng: &mut ChaCha8Rng,
    extras: &mut Vec<Extra>,
    invalid: Vec<Vec<u8>>,
    blank: Vec<Vec<u8>>,
    rows: u64,
) {
    for bytes in invalid.into_iter().chain(blank) {
        extras.push(Extra {
            pos: rng.gen_range(0..=rows),
            bytes,
        });
    }
}

/// `reps` draws of each unusual form from `rows`, sorted by row, one form per row.
fn unusual(
    rng: &mut ChaCha8Rng,
    reps: u64,
    rows: impl SampleRange<u64> + Clone,
) -> Vec<(u64, Unusual)> {
    let mut unusual: Vec<(u64, Unusual)> = (0..reps * UNUSUAL.len() as u64)
        .map(|i| (rng.gen_range(rows.clone()), UNUSUAL[(i % 3) as usize]))
        .collect();
    unusual.sort_by_key(|u| u.0);
    unusual.dedup_by_key(|u| u.0);
    unusual
}
