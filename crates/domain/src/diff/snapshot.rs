//! A batch's result as the three sorted streams the comparisons read.

use super::{BarcodeState, OrderState};
use crate::barcode::{push_text, BarcodeBuf};
use crate::merge::{CustomerTickets, Outcome};
use std::cmp::Ordering;

/// The three streams of an [`Outcome`]: its output orders by order id, its barcodes' states
/// by barcode, its customers' tickets by customer id. Holds the two orderings (a row index
/// per order, a key and an order id per barcode), not the streams themselves.
pub struct Snapshot<'a> {
    outcome: &'a Outcome,
    by_order: Vec<u32>,
    /// (barcode key, order id or 0 when unused), in barcode byte order.
    by_barcode: Vec<(u64, u64)>,
}

impl<'a> Snapshot<'a> {
    pub fn of(outcome: &'a Outcome) -> Snapshot<'a> {
        let mut ids: Vec<(u64, u32)> = outcome
            .rows()
            .enumerate()
            .map(|(i, r)| (r.order_id, i as u32))
            .collect();
        crate::merge::sort_by_key(&mut ids, |p| p.0);
        let by_order = ids.into_iter().map(|(_, i)| i).collect();

        // Byte order of the barcodes' texts: their first 16 bytes as a number (a barcode
        // has no NUL, so a shorter one pads with zeros and sorts first), then the whole
        // text where two share those 16 bytes.
        let (unused, arena) = outcome.unused_keys();
        let mut barcodes: Vec<(u128, u64, u64)> =
            Vec::with_capacity((outcome.tickets() + outcome.unused_count()) as usize);
        for row in outcome.rows() {
            let (keys, _) = row.keys();
            barcodes.extend(keys.iter().map(|&k| (prefix(k, arena), k, row.order_id)));
        }
        barcodes.extend(unused.iter().map(|&k| (prefix(k, arena), k, 0)));
        barcodes.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                if a.1 == b.1 {
                    Ordering::Equal
                } else {
                    let (x, y) = (
                        BarcodeBuf::decode(a.1, arena),
                        BarcodeBuf::decode(b.1, arena),
                    );
                    x.as_bytes().cmp(y.as_bytes())
                }
            })
        });
        let by_barcode = barcodes.into_iter().map(|(_, k, o)| (k, o)).collect();
        Snapshot {
            outcome,
            by_order,
            by_barcode,
        }
    }

    /// The output orders, by order id.
    pub fn orders(&self) -> impl Iterator<Item = OrderState> + '_ {
        let mut text = Vec::new();
        self.by_order.iter().map(move |&i| {
            let row = self.outcome.row(i as usize);
            let (keys, arena) = row.keys();
            text.clear();
            for (n, &k) in keys.iter().enumerate() {
                if n > 0 {
                    text.extend_from_slice(b", ");
                }
                push_text(k, arena, &mut text);
            }
            OrderState {
                order_id: row.order_id,
                customer_id: row.customer_id,
                // Barcodes are ASCII letters and digits.
                barcodes: String::from_utf8_lossy(&text).into_owned(),
            }
        })
    }

    /// Every barcode that is sold or unused, by barcode.
    pub fn barcodes(&self) -> impl Iterator<Item = BarcodeState> + '_ {
        let (_, arena) = self.outcome.unused_keys();
        self.by_barcode.iter().map(move |&(k, order)| BarcodeState {
            barcode: BarcodeBuf::decode(k, arena).to_string(),
            order_id: (order != 0).then_some(order),
        })
    }

    /// Tickets per customer, by customer id.
    pub fn customers(&self) -> impl Iterator<Item = CustomerTickets> + '_ {
        self.outcome.customer_tickets().iter().copied()
    }
}

/// The first 16 bytes of a barcode's text as a big-endian number, zero-padded.
fn prefix(key: u64, arena: &[u8]) -> u128 {
    let text = BarcodeBuf::decode(key, arena);
    let text = text.as_bytes();
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text[..n]);
    u128::from_be_bytes(bytes)
}
