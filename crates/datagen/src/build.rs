//! Making the [`Plan`]: customers and their orders, barcodes sold, unsold and of unknown
//! orders, duplicates, the shuffle.

use crate::codec::BarcodeCodec;
use crate::distribution::{
    barcodes_for_order, ZipfLike, DUPLICATE_BARCODES_PER_MILLE, MAX_ORDERS_PER_CUSTOMER,
    UNSOLD_PERCENT,
};
use crate::plan::{pack, unpack, Extra, PackedRow, Plan};
use crate::{GenOptions, GenSummary};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Order that gets no barcode when malformed rows are asked for, so that even a small
/// sample has an `order_without_barcodes`.
const ORDER_WITHOUT_BARCODES: u64 = 3;

impl Plan {
    pub(crate) fn new(opts: &GenOptions) -> Self {
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
}
