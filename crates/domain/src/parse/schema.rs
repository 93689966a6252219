//! Each file's [`Schema`]: its two required fields validated and typed
//! (`docs/processing-rules.md`, Values), or the issue naming the first one that is wrong.

use super::rows::{BarcodeRow, OrderRow};
use crate::issue::{shown, FileKind, Issue, IssueCode};
use crate::value::{is_valid_barcode, parse_id, MAX_ID};

/// What one file's rows look like: which columns, and how a valid row is typed.
pub trait Schema {
    const FILE: FileKind;
    type Row<'a>;
    /// Validates the two required fields (trimmed, UTF-8), in `required_columns` order.
    fn row<'a>(line: u64, first: &'a [u8], second: &'a [u8]) -> Result<Self::Row<'a>, Issue>;
}

/// The schema of `orders.csv`.
pub struct Orders;
/// The schema of `barcodes.csv`.
pub struct Barcodes;

fn invalid_id(file: FileKind, line: u64, code: IssueCode, column: &str, value: &[u8]) -> Issue {
    let message = format!(
        "invalid {column} {}: expected a whole number from 1 to {MAX_ID}",
        shown(&String::from_utf8_lossy(value))
    );
    Issue::new(file, line, code, message)
}

impl Schema for Orders {
    const FILE: FileKind = FileKind::Orders;
    type Row<'a> = OrderRow;

    fn row<'a>(line: u64, order_id: &'a [u8], customer_id: &'a [u8]) -> Result<OrderRow, Issue> {
        let Some(order) = parse_id(order_id) else {
            let code = IssueCode::InvalidOrderId;
            return Err(invalid_id(Self::FILE, line, code, "order_id", order_id));
        };
        let Some(customer) = parse_id(customer_id) else {
            let code = IssueCode::InvalidCustomerId;
            return Err(invalid_id(
                Self::FILE,
                line,
                code,
                "customer_id",
                customer_id,
            ));
        };
        Ok(OrderRow {
            line,
            order_id: order,
            customer_id: customer,
        })
    }
}

impl Schema for Barcodes {
    const FILE: FileKind = FileKind::Barcodes;
    type Row<'a> = BarcodeRow<'a>;

    fn row<'a>(line: u64, barcode: &'a [u8], order_id: &'a [u8]) -> Result<BarcodeRow<'a>, Issue> {
        if !is_valid_barcode(barcode) {
            let message = format!(
                "invalid barcode {}: expected 1 to 64 ASCII letters or digits",
                shown(&String::from_utf8_lossy(barcode))
            );
            return Err(Issue::new(
                Self::FILE,
                line,
                IssueCode::InvalidBarcode,
                message,
            ));
        }
        // SAFETY: a valid barcode is ASCII letters and digits only, so it is UTF-8. (The
        // checked conversion costs more than the rest of the row on millions of rows.)
        let barcode = unsafe { std::str::from_utf8_unchecked(barcode) };
        let order_id = if order_id.is_empty() {
            None
        } else {
            match parse_id(order_id) {
                Some(id) => Some(id),
                None => {
                    let code = IssueCode::InvalidOrderId;
                    return Err(invalid_id(Self::FILE, line, code, "order_id", order_id));
                }
            }
        };
        Ok(BarcodeRow {
            line,
            barcode,
            order_id,
        })
    }
}
