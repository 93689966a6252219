//! The comparisons against a reference model: the definitions of
//! `docs/processing-rules.md` (Changes between two batches) written with maps, on random
//! pairs of results, and on results of real batches through [`Snapshot`].

use super::*;
use crate::merge::CustomerTickets;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A batch's result as the model sees it: orders by id (customer, barcodes in order) and
/// the unused barcodes.
#[derive(Debug, Clone)]
struct Result {
    orders: BTreeMap<u64, (u64, Vec<String>)>,
    unused: BTreeSet<String>,
}

impl Result {
    fn orders(&self) -> Vec<OrderState> {
        self.orders
            .iter()
            .map(|(&order_id, (customer_id, b))| OrderState {
                order_id,
                customer_id: *customer_id,
                barcodes: b.join(", "),
            })
            .collect()
    }

    /// Sold barcodes with their order, unused with none: the model's states.
    fn states(&self) -> BTreeMap<String, Option<u64>> {
        let mut s: BTreeMap<String, Option<u64>> =
            self.unused.iter().map(|b| (b.clone(), None)).collect();
        for (&o, (_, bs)) in &self.orders {
            for b in bs {
                s.insert(b.clone(), Some(o));
            }
        }
        s
    }

    fn barcodes(&self) -> Vec<BarcodeState> {
        self.states()
            .into_iter()
            .map(|(barcode, order_id)| BarcodeState { barcode, order_id })
            .collect()
    }

    fn tickets(&self) -> BTreeMap<u64, u64> {
        let mut t = BTreeMap::new();
        for (c, bs) in self.orders.values() {
            *t.entry(*c).or_insert(0) += bs.len() as u64;
        }
        t
    }

    fn customers(&self) -> Vec<CustomerTickets> {
        self.tickets()
            .into_iter()
            .map(|(customer_id, tickets)| CustomerTickets {
                customer_id,
                tickets,
            })
            .collect()
    }
}

/// Every change by the definitions, as (kind, key) pairs, and the nine counts.
fn model(old: &Result, new: &Result) -> (Vec<(&'static str, String)>, Summary) {
    let mut out = Vec::new();
    let mut s = Summary::default();
    let ids: BTreeSet<u64> = old
        .orders
        .keys()
        .chain(new.orders.keys())
        .copied()
        .collect();
    for id in ids {
        let kind = match (old.orders.get(&id), new.orders.get(&id)) {
            (Some(_), None) => "orders_removed",
            (None, Some(_)) => "orders_added",
            (Some(a), Some(b)) if a != b => "orders_changed",
            _ => continue,
        };
        out.push((kind, id.to_string()));
    }
    let (so, sn) = (old.states(), new.states());
    let all: BTreeSet<&String> = so.keys().chain(sn.keys()).collect();
    for b in all {
        let kind = match (so.get(b), sn.get(b)) {
            (Some(None), Some(Some(_))) => "barcodes_sold",
            (Some(Some(_)), Some(None)) => "barcodes_unsold",
            (Some(Some(x)), Some(Some(y))) if x != y => "barcodes_moved",
            (None, Some(_)) => "barcodes_added",
            (Some(_), None) => "barcodes_removed",
            _ => continue,
        };
        out.push((kind, b.clone()));
    }
    let (to, tn) = (old.tickets(), new.tickets());
    let customers: BTreeSet<&u64> = to.keys().chain(tn.keys()).collect();
    for c in customers {
        if to.get(c).unwrap_or(&0) != tn.get(c).unwrap_or(&0) {
            out.push(("customers_changed", c.to_string()));
        }
    }
    for (kind, _) in &out {
        *match *kind {
            "orders_added" => &mut s.orders_added,
            "orders_removed" => &mut s.orders_removed,
            "orders_changed" => &mut s.orders_changed,
            "barcodes_sold" => &mut s.barcodes_sold,
            "barcodes_unsold" => &mut s.barcodes_unsold,
            "barcodes_moved" => &mut s.barcodes_moved,
            "barcodes_added" => &mut s.barcodes_added,
            "barcodes_removed" => &mut s.barcodes_removed,
            _ => &mut s.customers_changed,
        } += 1;
    }
    (out, s)
}

/// The crate's comparisons of the three streams, as (kind, key) pairs and counts.
fn crate_diff(
    old: (Vec<OrderState>, Vec<BarcodeState>, Vec<CustomerTickets>),
    new: (Vec<OrderState>, Vec<BarcodeState>, Vec<CustomerTickets>),
) -> (Vec<(&'static str, String)>, Summary) {
    let mut out = Vec::new();
    let mut s = Summary::default();
    compare_orders(old.0, new.0, &mut s, |c| {
        out.push((c.kind.as_str(), c.order_id.to_string()))
    })
    .unwrap();
    compare_barcodes(old.1, new.1, &mut s, |c| {
        assert_eq!(c.old_order_id(), c.old.and_then(|x| x.order_id));
        out.push((c.kind.as_str(), c.barcode.to_string()))
    })
    .unwrap();
    compare_customers(old.2, new.2, &mut s, |c| {
        assert_ne!(c.delta(), 0);
        out.push(("customers_changed", c.customer_id.to_string()))
    })
    .unwrap();
    (out, s)
}

fn streams(r: &Result) -> (Vec<OrderState>, Vec<BarcodeState>, Vec<CustomerTickets>) {
    (r.orders(), r.barcodes(), r.customers())
}

/// A result over small universes, so that two of them overlap: orders 1..12, customers
/// 1..5, barcodes from a dozen texts (numbers and letters, some prefixes of others), each
/// barcode in at most one place.
fn result() -> impl Strategy<Value = Result> {
    let texts = [
        "1", "12", "123", "0123", "2", "AB", "ab", "AB1", "9", "10", "Z", "100",
    ];
    (
        proptest::collection::vec((1u64..12, 1u64..5), 0..8),
        proptest::collection::vec(0usize..14, 12),
    )
        .prop_map(move |(orders, place)| {
            let mut r = Result {
                orders: BTreeMap::new(),
                unused: BTreeSet::new(),
            };
            let ids: Vec<(u64, u64)> = orders
                .into_iter()
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect();
            // Barcode i goes to order place[i] (when there is one), is unused (12) or
            // absent (13).
            let mut lists: Vec<Vec<String>> = vec![Vec::new(); ids.len()];
            for (i, &p) in place.iter().enumerate() {
                match p {
                    12 => {
                        r.unused.insert(texts[i].to_string());
                    }
                    13 => {}
                    p if p < ids.len() => lists[p].push(texts[i].to_string()),
                    _ => {}
                }
            }
            for ((id, customer), list) in ids.into_iter().zip(lists) {
                if !list.is_empty() {
                    r.orders.insert(id, (customer, list));
                }
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn comparisons_agree_with_the_reference_model(old in result(), new in result()) {
        let (mut got, got_summary) = crate_diff(streams(&old), streams(&new));
        let (mut want, want_summary) = model(&old, &new);
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
        prop_assert_eq!(got_summary, want_summary);
    }
}

#[test]
fn a_stream_out_of_order_is_an_error() {
    let order = |id| OrderState {
        order_id: id,
        customer_id: 1,
        barcodes: "1".into(),
    };
    let mut s = Summary::default();
    let err = compare_orders([order(1)], [order(2), order(2)], &mut s, |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the new batch's orders are not in order, or one repeats"
    );
    let bc = |b: &str| BarcodeState {
        barcode: b.into(),
        order_id: None,
    };
    let err = compare_barcodes([bc("9"), bc("10")], [], &mut s, |_| {}).unwrap_err();
    assert_eq!((err.stream, err.side), ("barcodes", "old"));
}

/// Real batches through [`Snapshot`]: the same counts as the model on what `process`
/// gives, with barcodes that sort differently as numbers and as text.
#[test]
fn snapshots_of_processed_batches_compare_like_the_model() {
    let run = |orders: &str, barcodes: &str| {
        crate::process(orders.as_bytes(), barcodes.as_bytes(), (0, 0), &|_| {}).unwrap()
    };
    let old = run(
        "order_id,customer_id\n1,10\n2,20\n3,30\n",
        "barcode,order_id\n111,1\n9,1\n0111,2\nAB,3\n777,\n5,\n",
    );
    let new = run(
        "order_id,customer_id\n1,10\n2,21\n4,40\n",
        "barcode,order_id\n111,1\n9,2\n0111,2\n777,4\n888,\n10,1\n",
    );
    let as_model = |o: &crate::Outcome| Result {
        orders: o
            .rows()
            .map(|r| {
                let b = r.barcodes().map(|b| b.to_string()).collect();
                (r.order_id, (r.customer_id, b))
            })
            .collect(),
        unused: o.unused().map(|b| b.to_string()).collect(),
    };
    let (so, sn) = (Snapshot::of(&old), Snapshot::of(&new));
    let snap = |s: &Snapshot| {
        (
            s.orders().collect(),
            s.barcodes().collect(),
            s.customers().collect(),
        )
    };
    let (mut got, got_summary) = crate_diff(snap(&so), snap(&sn));
    let (mut want, want_summary) = model(&as_model(&old), &as_model(&new));
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(got_summary, want_summary);
    assert_eq!(
        got_summary,
        Summary {
            orders_added: 1,   // 4
            orders_removed: 1, // 3
            orders_changed: 2, // 1 (lost 9, gained 10), 2 (customer 21, gained 9)
            barcodes_sold: 1,  // 777
            barcodes_unsold: 0,
            barcodes_moved: 1,    // 9: order 1 -> 2
            barcodes_added: 2,    // 888, 10
            barcodes_removed: 2,  // AB, 5
            customers_changed: 4, // 20, 21, 30, 40 (10 keeps its 2)
        }
    );
}

#[test]
fn each_kind_names_its_count() {
    let s = Summary {
        orders_added: 1,
        orders_removed: 2,
        orders_changed: 3,
        barcodes_sold: 4,
        barcodes_unsold: 5,
        barcodes_moved: 6,
        barcodes_added: 7,
        barcodes_removed: 8,
        customers_changed: 9,
    };
    let json = serde_json::to_value(s).unwrap();
    for (i, kind) in KINDS.iter().enumerate() {
        assert_eq!(s.count(kind), i as u64 + 1, "{kind}");
        assert_eq!(json[kind], i as u64 + 1, "{kind}");
    }
    assert_eq!(s.count("no_such_kind"), 0);
}
