//! Changes between two batches and the lookups, on the sample and a modified copy of it:
//! the API answers what the domain's comparison (`tiqets diff`) computes from the two pairs,
//! whether the changes are computed when asked or stored by the change step.

use crate::support::{spawn_app, Files, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tiqets_domain::diff::{
    compare_barcodes, compare_customers, compare_orders, csv, Snapshot, Summary,
};

/// The sample changed as a later export might be (`tiqets_testkit::pair::modified_sample`).
fn modified(sample: &Files) -> Files {
    let (orders, barcodes) =
        tiqets_testkit::pair::modified_sample(&sample.orders, &sample.barcodes);
    Files {
        name: "modified".into(),
        orders,
        barcodes,
    }
}

/// The domain's comparison of the two pairs: the counts and the three change files.
fn expected(old: &Files, new: &Files) -> (Summary, [String; 3]) {
    let (old, new) = (old.outcome(), new.outcome());
    let (old, new) = (Snapshot::of(&old), Snapshot::of(&new));
    let mut s = Summary::default();
    let mut files = [
        csv::ORDERS_HEADER.as_bytes().to_vec(),
        csv::BARCODES_HEADER.as_bytes().to_vec(),
        csv::CUSTOMERS_HEADER.as_bytes().to_vec(),
    ];
    let side = |s: Option<&tiqets_domain::diff::OrderState>| {
        s.map(|s| (s.customer_id, s.barcodes.clone()))
    };
    compare_orders(old.orders(), new.orders(), &mut s, |c| {
        let (o, n) = (side(c.old), side(c.new));
        let o = o.as_ref().map(|(c, b)| (*c, b.as_str()));
        let n = n.as_ref().map(|(c, b)| (*c, b.as_str()));
        csv::order_line(&mut files[0], c.kind.as_str(), c.order_id, o, n);
    })
    .unwrap();
    compare_barcodes(old.barcodes(), new.barcodes(), &mut s, |c| {
        let (o, n) = (c.old_order_id(), c.new_order_id());
        csv::barcode_line(&mut files[1], c.kind.as_str(), c.barcode, o, n);
    })
    .unwrap();
    let mut customers = Vec::new();
    compare_customers(old.customers(), new.customers(), &mut s, |c| {
        customers.push(c)
    })
    .unwrap();
    customers.sort_by_key(|c| (std::cmp::Reverse(c.delta().unsigned_abs()), c.customer_id));
    for c in &customers {
        csv::customer_line(&mut files[2], c.customer_id, c.before, c.after);
    }
    (s, files.map(|f| String::from_utf8(f).unwrap()))
}

async fn csv_text(app: &TestApp, path: &str) -> String {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// Every answer about the changes of `new` since `old` equals the domain's.
async fn check_changes(app: &TestApp, old: &str, new: &str, want: &Summary, files: &[String; 3]) {
    let data = app.data(&format!("/api/batches/{new}/changes")).await;
    assert_eq!(data["since"], old);
    assert_eq!(data["batch_id"], new);
    assert_eq!(data["summary"], serde_json::to_value(want).unwrap());
    let same = app
        .data(&format!("/api/batches/latest/changes?since={old}"))
        .await;
    assert_eq!(same, data);

    for (table, file) in [("orders", 0), ("barcodes", 1), ("customers", 2)] {
        let body = csv_text(app, &format!("/api/batches/{new}/changes/{table}.csv")).await;
        assert_eq!(body, files[file], "{table}.csv");
        let lines = files[file].lines().count() as u64 - 1;
        let page = app
            .data(&format!("/api/batches/{new}/changes/{table}?per_page=1000"))
            .await;
        assert_eq!(page["total"], lines, "{table}");
        assert_eq!(page["items"].as_array().unwrap().len() as u64, lines);
        // Page 2 of 2-item pages is items 3 and 4.
        let two = app
            .data(&format!(
                "/api/batches/{new}/changes/{table}?page=2&per_page=2"
            ))
            .await;
        let all = page["items"].as_array().unwrap();
        assert_eq!(
            two["items"],
            json!(all.iter().skip(2).take(2).collect::<Vec<_>>())
        );
    }
    let moved = app
        .data(&format!(
            "/api/batches/{new}/changes/barcodes?kind=barcodes_moved"
        ))
        .await;
    assert_eq!(moved["total"], want.barcodes_moved);
    assert_eq!(moved["kind"], "barcodes_moved");
    let item = &moved["items"][0];
    assert_eq!(item["barcode"], "4760415774700");
    assert_eq!(
        (item["old_state"].clone(), item["new_state"].clone()),
        (json!("sold"), json!("sold"))
    );
    assert_eq!(
        (item["old_order_id"].clone(), item["new_order_id"].clone()),
        (json!(2), json!(3))
    );
    let customers = app
        .data(&format!("/api/batches/{new}/changes/customers"))
        .await;
    let deltas: Vec<i64> = customers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["delta"].as_i64().unwrap())
        .collect();
    assert!(
        deltas.windows(2).all(|w| w[0].abs() >= w[1].abs()),
        "{deltas:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_and_lookups_answer_what_the_domain_computes() {
    let app = spawn_app().await;
    let sample = Files::sample();
    let changed = modified(&sample);
    let old = app.seed(&sample).await.id;
    let msg = app
        .error(
            &format!("/api/batches/{old}/changes"),
            StatusCode::CONFLICT,
            "no_previous_batch",
        )
        .await;
    assert!(msg.contains("first completed batch"), "{msg}");
    let new = app.seed(&changed).await.id;

    let (want, files) = expected(&sample, &changed);
    // Every kind the modification makes is there.
    assert!(want.orders_added >= 1 && want.orders_removed + want.orders_changed >= 1);
    assert!(want.barcodes_sold >= 1 && want.barcodes_moved == 1 && want.barcodes_added == 2);
    assert!(want.barcodes_removed >= 1 && want.customers_changed >= 1);

    // Computed when asked (nothing stored), then stored by the change step: the same.
    check_changes(&app, &old, &new, &want, &files).await;
    for id in [&old, &new] {
        tiqets_store::index_lookups(app.db.pool(), id)
            .await
            .unwrap();
    }
    tiqets_persister::changes::store_since_previous(app.db.pool(), &new)
        .await
        .unwrap();
    assert_eq!(
        tiqets_store::queries::changes::stored_summary(app.db.pool(), &new, &old)
            .await
            .unwrap(),
        Some(want)
    );
    check_changes(&app, &old, &new, &want, &files).await;

    // Bad parameters.
    let bad = |p: &str| format!("/api/batches/{new}/changes/{p}");
    app.error(
        &bad("orders?kind=barcodes_moved"),
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    )
    .await;
    app.error(
        &bad("orders?kind=nope"),
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    )
    .await;
    app.error(
        &bad("orders?since=no-such"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.error(
        &format!("/api/batches/{new}/changes?since={new}"),
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    )
    .await;

    // Lookups: a barcode sold in the new batch, an unused one, an absent one.
    let sold = app.data("/api/barcodes/X9001A").await;
    assert_eq!(
        sold,
        json!({"barcode": "X9001A", "batch_id": new, "state": "sold", "order_id": 9001, "customer_id": 77})
    );
    let moved = app
        .data(&format!("/api/barcodes/4760415774700?batch={old}"))
        .await;
    assert_eq!(
        (moved["state"].clone(), moved["order_id"].clone()),
        (json!("sold"), json!(2))
    );
    let unused = changed.outcome().unused().next().unwrap().to_string();
    let u = app.data(&format!("/api/barcodes/{unused}")).await;
    assert_eq!(
        (
            u["state"].clone(),
            u["order_id"].clone(),
            u["customer_id"].clone()
        ),
        (json!("unused"), Value::Null, Value::Null)
    );
    app.error(
        &format!("/api/barcodes/X9001A?batch={old}"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.error(
        "/api/barcodes/not-a-barcode",
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    )
    .await;
    // 64 letters and digits is the longest barcode; 65 is refused before any query.
    let long = |n: usize| format!("/api/barcodes/{}", "7".repeat(n));
    app.error(&long(64), StatusCode::NOT_FOUND, "not_found")
        .await;
    app.error(&long(65), StatusCode::BAD_REQUEST, "invalid_parameter")
        .await;
    let history = app.data("/api/barcodes/X9001A/history").await;
    let states: Vec<&str> = history["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["absent", "sold"]);
    assert_eq!(history["batches"][1]["batch_id"], new.as_str());
    app.error(
        "/api/barcodes/ZZZ404/history",
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let order = app.data("/api/batches/latest/orders/9001").await;
    assert_eq!(
        order,
        json!({"batch_id": new, "customer_id": 77, "order_id": 9001, "barcodes": ["X9001A", "X9001B"]})
    );
    app.error(
        &format!("/api/batches/{old}/orders/9001"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.error(
        "/api/batches/latest/orders/0",
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    )
    .await;
}
