//! The `orders.csv` parser (`tiqets_domain::OrdersParser`) on any bytes, and the whole
//! batch (`tiqets_domain::process`) of that file with a small valid `barcodes.csv`.
//!
//! Invariants (`tiqets_fuzz::check_file`): the same rows and issues fed whole and in
//! pieces, and from two parts cut at a line break; every row has ids from 1 to
//! 9223372036854775807 (never an empty or zero id); one row or issue per record, in line
//! order; messages escaped and bounded; the outcome is the reference model's; the output
//! files read back as the rows and issues.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tiqets_domain::parse::Orders;

fuzz_target!(|data: &[u8]| {
    tiqets_fuzz::check_file::<Orders>(data, tiqets_fuzz::BARCODES_COMPANION);
});
