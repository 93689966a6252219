//! What parsing one record gives: a valid typed row of either file, or the issue that
//! rejected it ([`Parsed`]).

use crate::issue::Issue;
use serde::{Deserialize, Serialize};

/// A valid row of `orders.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub line: u64,
    pub order_id: u64,
    pub customer_id: u64,
}

/// A valid row of `barcodes.csv`, borrowing the barcode from the parser's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarcodeRow<'a> {
    pub line: u64,
    pub barcode: &'a str,
    /// `None` when the barcode is unsold (empty `order_id`).
    pub order_id: Option<u64>,
}

/// An owned [`BarcodeRow`], for sending between services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedBarcodeRow {
    pub line: u64,
    pub barcode: String,
    pub order_id: Option<u64>,
}

impl BarcodeRow<'_> {
    pub fn to_owned_row(&self) -> OwnedBarcodeRow {
        OwnedBarcodeRow {
            line: self.line,
            barcode: self.barcode.to_string(),
            order_id: self.order_id,
        }
    }
}

/// One parsed record: a valid row, or the issue that rejected it.
#[derive(Debug)]
pub enum Parsed<R> {
    Row(R),
    Issue(Issue),
}
