//! The plan: everything decided before writing, made by [`Plan::new`] (`build`, with
//! `malformed`) and written by `write`.

use crate::codec::BarcodeCodec;
use crate::GenSummary;

/// One barcode row, packed: barcode number in the high 32 bits, order id (0 = unsold) low.
pub(crate) type PackedRow = u64;

#[inline]
pub(crate) fn pack(barcode: u64, order: u64) -> PackedRow {
    debug_assert!(barcode <= u32::MAX as u64 && order <= u32::MAX as u64);
    (barcode << 32) | order
}

#[inline]
pub(crate) fn unpack(row: PackedRow) -> (u64, u64) {
    (row >> 32, row & 0xffff_ffff)
}

/// A valid row written in an unusual but valid form.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unusual {
    /// `12.0` ids, as pandas writes an integer column that has blanks.
    PandasFloat,
    /// Surrounding spaces and tabs.
    Padded,
    /// Every field quoted.
    Quoted,
}

pub(crate) const UNUSUAL: [Unusual; 3] = [Unusual::PandasFloat, Unusual::Padded, Unusual::Quoted];

/// Raw bytes (one record, or a blank line, with its line ending) inserted before the base row
/// at index `pos`.
pub(crate) struct Extra {
    pub(crate) pos: u64,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) struct Plan {
    pub(crate) n: u64,
    pub(crate) codec: BarcodeCodec,
    /// Customer id of order `i + 1`.
    pub(crate) customer_of: Vec<u32>,
    /// Shuffled barcode rows.
    pub(crate) rows: Vec<PackedRow>,
    /// Orders rendered unusually, sorted by order id.
    pub(crate) unusual_orders: Vec<(u64, Unusual)>,
    /// Barcode rows rendered unusually, sorted by position in `rows`.
    pub(crate) unusual_barcodes: Vec<(u64, Unusual)>,
    pub(crate) order_extras: Vec<Extra>,
    pub(crate) barcode_extras: Vec<Extra>,
    /// `orders.csv` gets a leading extra `channel` column (an `extra_column` issue).
    pub(crate) channel_column: bool,
    pub(crate) summary: GenSummary,
}
