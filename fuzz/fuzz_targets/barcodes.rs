//! The `barcodes.csv` parser (`tiqets_domain::BarcodesParser`) on any bytes, and the whole
//! batch (`tiqets_domain::process`) of that file with a small valid `orders.csv`.
//!
//! Invariants (`tiqets_fuzz::check_file`): the same rows and issues fed whole and in
//! pieces, and from two parts cut at a line break (as `process_files` reads a big file);
//! every row's barcode is 1 to 64 ASCII letters or digits and its order id empty or from 1
//! to 9223372036854775807; one row or issue per record, in line order; messages escaped and
//! bounded; the outcome is the reference model's; the output files read back.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tiqets_domain::parse::Barcodes;

fuzz_target!(|data: &[u8]| {
    tiqets_fuzz::check_file::<Barcodes>(data, tiqets_fuzz::ORDERS_COMPANION);
});
