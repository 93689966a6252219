//! Changes between two stored batches: what `store_changes` stores, and what the lookups
//! answer, equal the domain's comparison of the same two results made in memory.

use crate::sample::{load_sold, write, Sample};
use std::collections::BTreeMap;
use tiqets_domain::diff::{
    compare_barcodes, compare_customers, compare_orders, BarcodeState, OrderState, Summary,
};
use tiqets_domain::CustomerTickets;
use tiqets_store::changes::{store_changes, ChangeRow};
use tiqets_store::queries::changes::{changes_page, previous_completed, stored_summary, Table};
use tiqets_store::queries::lookups;
use tiqets_testkit::TestDatabase;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A batch's result: orders 1..=24 of customers 1..=5, barcodes `c00`..`c59` each sold at
/// most once or unused, chosen at random.
fn random_batch(rng: &mut Rng) -> Sample {
    let mut orders: BTreeMap<(u64, u64), Vec<&'static str>> = BTreeMap::new();
    let mut unused = Vec::new();
    let mut owner = BTreeMap::new();
    for order_id in 1..=24u64 {
        if rng.below(3) > 0 {
            owner.insert(order_id, 1 + rng.below(5));
        }
    }
    let ids: Vec<u64> = owner.keys().copied().collect();
    for n in 0..60u64 {
        let code: &'static str = Box::leak(format!("c{n:02}").into_boxed_str());
        match rng.below(4) {
            0 => {}
            1 => unused.push((code, n + 2)),
            _ if !ids.is_empty() => {
                let order_id = ids[rng.below(ids.len() as u64) as usize];
                orders
                    .entry((owner[&order_id], order_id))
                    .or_default()
                    .push(code);
            }
            _ => {}
        }
    }
    Sample {
        orders: orders.into_iter().map(|((c, o), b)| (c, o, b)).collect(),
        unused,
        issues: Vec::new(),
    }
}

fn order_states(s: &Sample) -> Vec<OrderState> {
    let mut v: Vec<OrderState> = s
        .orders
        .iter()
        .map(|(c, o, b)| OrderState {
            order_id: *o,
            customer_id: *c,
            barcodes: b.join(", "),
        })
        .collect();
    v.sort_by_key(|o| o.order_id);
    v
}

fn barcode_states(s: &Sample) -> Vec<BarcodeState> {
    let mut v: Vec<BarcodeState> = s
        .orders
        .iter()
        .flat_map(|(_, o, b)| {
            b.iter().map(|code| BarcodeState {
                barcode: code.to_string(),
                order_id: Some(*o),
            })
        })
        .chain(s.unused.iter().map(|(code, _)| BarcodeState {
            barcode: code.to_string(),
            order_id: None,
        }))
        .collect();
    v.sort_by(|a, b| a.barcode.as_bytes().cmp(b.barcode.as_bytes()));
    v
}

fn customer_states(s: &Sample) -> Vec<CustomerTickets> {
    let mut per: BTreeMap<u64, u64> = BTreeMap::new();
    for (c, _, b) in &s.orders {
        *per.entry(*c).or_default() += b.len() as u64;
    }
    per.into_iter()
        .map(|(customer_id, tickets)| CustomerTickets {
            customer_id,
            tickets,
        })
        .collect()
}

/// The domain's comparison of the two results in memory: counts and every change.
fn reference(old: &Sample, new: &Sample) -> (Summary, [Vec<ChangeRow>; 3]) {
    let mut s = Summary::default();
    let (mut o, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    compare_orders(order_states(old), order_states(new), &mut s, |x| {
        o.push(ChangeRow::of_order(&x))
    })
    .unwrap();
    compare_barcodes(barcode_states(old), barcode_states(new), &mut s, |x| {
        b.push(ChangeRow::of_barcode(&x))
    })
    .unwrap();
    compare_customers(customer_states(old), customer_states(new), &mut s, |x| {
        c.push(ChangeRow::of_customer(&x))
    })
    .unwrap();
    // Customers are served largest |delta| first, then by id.
    c.sort_by_key(|r| match r {
        ChangeRow::Customer {
            customer_id,
            before,
            after,
        } => (std::cmp::Reverse(before.abs_diff(*after)), *customer_id),
        _ => unreachable!(),
    });
    (s, [o, b, c])
}

#[tokio::test]
async fn stored_changes_equal_the_domains_comparison() {
    let db = TestDatabase::create().await;
    let pool = db.pool();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut previous: Option<(String, Sample)> = None;
    for round in 0..8 {
        let batch = random_batch(&mut rng);
        let id = format!("b{round}");
        write(pool, &id, &batch).await.unwrap();
        // Each state a completed batch passes through gives the same answers: its sold
        // barcodes not loaded yet (read from its orders), loaded, and either with or without
        // the lookup indexes (scanned).
        if round % 4 < 2 {
            let sold = batch.orders.iter().map(|o| o.2.len() as u64).sum::<u64>();
            let loaded = load_sold(pool, &id, &batch, false).await.unwrap();
            assert_eq!(loaded, Some(sold), "round {round}");
            // Attached: not copied again unless asked to.
            assert_eq!(load_sold(pool, &id, &batch, false).await.unwrap(), None);
        }
        if round % 2 == 0 {
            tiqets_store::index_lookups(pool, &id).await.unwrap();
        }
        let Some((since, old)) = previous.take() else {
            assert_eq!(previous_completed(pool, &id).await.unwrap(), None);
            previous = Some((id, batch));
            continue;
        };
        assert_eq!(
            previous_completed(pool, &id).await.unwrap().as_deref(),
            Some(since.as_str())
        );
        let (expected, details) = reference(&old, &batch);
        let summary = store_changes(pool, &since, &id).await.unwrap();
        assert_eq!(summary, expected, "round {round}");
        assert_eq!(
            stored_summary(pool, &id, &since).await.unwrap(),
            Some(expected)
        );
        // Stored again: replaced, not doubled.
        assert_eq!(store_changes(pool, &since, &id).await.unwrap(), expected);
        for (table, want) in [Table::Orders, Table::Barcodes, Table::Customers]
            .into_iter()
            .zip(&details)
        {
            let got = changes_page(pool, table, &id, &since, None, 0, 1000)
                .await
                .unwrap();
            assert_eq!(&got, want, "round {round}, {table:?}");
            // One kind, a page of it.
            if let Some(first) = want.first() {
                let kind = first.kind();
                let of_kind: Vec<_> = want.iter().filter(|r| r.kind() == kind).cloned().collect();
                let page = changes_page(pool, table, &id, &since, Some(kind), 1, 2)
                    .await
                    .unwrap();
                assert_eq!(
                    page,
                    of_kind.iter().skip(1).take(2).cloned().collect::<Vec<_>>()
                );
            }
        }
        // Lookups: every barcode's state, and every order.
        for state in barcode_states(&batch) {
            let got = lookups::barcode(pool, &id, &state.barcode)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.order_id, state.order_id);
            let customer = state
                .order_id
                .map(|o| batch.orders.iter().find(|(_, id, _)| *id == o).unwrap().0);
            assert_eq!(got.customer_id, customer);
            assert_eq!(
                got.state,
                if state.order_id.is_some() {
                    "sold"
                } else {
                    "unused"
                }
            );
        }
        assert_eq!(lookups::barcode(pool, &id, "zz").await.unwrap(), None);
        for (c, o, b) in &batch.orders {
            let got = lookups::order(pool, &id, *o).await.unwrap().unwrap();
            assert_eq!(
                (got.customer_id, &got.barcodes),
                (*c, &b.iter().map(|s| s.to_string()).collect())
            );
        }
        assert_eq!(lookups::order(pool, &id, 999).await.unwrap(), None);
        previous = Some((id, batch));
    }
    // A history: one entry per completed batch, oldest first.
    let history = lookups::barcode_history(pool, "c07").await.unwrap();
    assert_eq!(history.len(), 8);
    assert_eq!(history[0].batch_id, "b0");
    assert!(history
        .iter()
        .all(|h| ["sold", "unused", "absent"].contains(&h.barcode.state)));
}
