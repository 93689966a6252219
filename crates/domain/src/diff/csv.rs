//! The change files, `changes_orders.csv`, `changes_barcodes.csv` and
//! `changes_customers.csv`: their headers and lines, as `tiqets diff --output` writes them
//! and the api serves them. A field that is not there (an order's side where it is absent,
//! an order id where the barcode is not sold) is empty.

use crate::output::csv_field;

pub const ORDERS_HEADER: &str =
    "kind,order_id,old_customer_id,new_customer_id,old_barcodes,new_barcodes\n";
pub const BARCODES_HEADER: &str = "kind,barcode,old_order_id,new_order_id\n";
pub const CUSTOMERS_HEADER: &str = "kind,customer_id,before,after,delta\n";

/// Appends a changed order's line; `old` and `new` are (customer id, barcode list).
pub fn order_line(
    out: &mut Vec<u8>,
    kind: &str,
    order_id: u64,
    old: Option<(u64, &str)>,
    new: Option<(u64, &str)>,
) {
    push(out, kind);
    push_num(out, Some(order_id));
    push_num(out, old.map(|s| s.0));
    push_num(out, new.map(|s| s.0));
    push(out, old.map_or("", |s| s.1));
    push(out, new.map_or("", |s| s.1));
    end(out);
}

/// Appends a changed barcode's line.
pub fn barcode_line(
    out: &mut Vec<u8>,
    kind: &str,
    barcode: &str,
    old_order_id: Option<u64>,
    new_order_id: Option<u64>,
) {
    push(out, kind);
    push(out, barcode);
    push_num(out, old_order_id);
    push_num(out, new_order_id);
    end(out);
}

/// Appends a changed customer's line.
pub fn customer_line(out: &mut Vec<u8>, customer_id: u64, before: u64, after: u64) {
    push(out, "customers_changed");
    push_num(out, Some(customer_id));
    push_num(out, Some(before));
    push_num(out, Some(after));
    push(
        out,
        itoa::Buffer::new().format(after as i64 - before as i64),
    );
    end(out);
}

/// Appends a CSV field and its comma.
fn push(line: &mut Vec<u8>, field: &str) {
    csv_field(line, field);
    line.push(b',');
}

/// Appends a number (empty for `None`) and its comma.
fn push_num(line: &mut Vec<u8>, n: Option<u64>) {
    if let Some(n) = n {
        line.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
    line.push(b',');
}

/// Ends the line: its last comma becomes the line break.
fn end(line: &mut [u8]) {
    if let Some(last) = line.last_mut() {
        *last = b'\n';
    }
}
