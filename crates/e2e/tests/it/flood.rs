//! A flood of bad rows costs what its counts are worth (`docs/processing-rules.md`, "Issue
//! floods"): the first issues of each code in each file are itemised, every issue is
//! counted, and the stored batch, the persister's files, the api's download and the command
//! line agree byte for byte.

use crate::support::*;
use serde_json::Value;
use std::fmt::Write as _;
use std::time::Duration;
use tiqets_domain::IssueLimit;
use tiqets_e2e::stored::stored;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::{Expected, TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(180);
/// The validator's `TIQETS_ISSUE_LIMIT` here: small, so that every stage's codes go past it.
const LIMIT: u64 = 40;
const MALFORMED: usize = 200_000;

/// Orders 1–200 (barcodes for 1–50 only), 100 invalid order ids, 60 repeated orders;
/// barcodes for orders 1–50, `MALFORMED` rows of `x!`, 90 repeats of one barcode and 70
/// barcodes of an unknown order: past the limit in the validator's codes and the merger's.
fn flood_pair(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let mut orders = String::from("order_id,customer_id\n");
    for i in 1..=200 {
        writeln!(orders, "{i},{}", 10 + i % 3).unwrap();
    }
    orders += &"abc,1\n".repeat(100);
    orders += &"5,7\n".repeat(60);
    let mut barcodes = String::from("barcode,order_id\n");
    for i in 1..=50 {
        writeln!(barcodes, "B{i},{i}").unwrap();
    }
    barcodes += &"x!\n".repeat(MALFORMED);
    barcodes += &"B1,1\n".repeat(90);
    for i in 0..70 {
        writeln!(barcodes, "U{i},999999").unwrap();
    }
    let (o, b) = (dir.join("orders.csv"), dir.join("barcodes.csv"));
    std::fs::write(&o, orders).unwrap();
    std::fs::write(&b, barcodes).unwrap();
    (o, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_rows_is_itemised_up_to_the_limit_and_counted_exactly() {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.set_service_env(Service::Validator, "TIQETS_ISSUE_LIMIT", &LIMIT.to_string());
    let addr = format!("127.0.0.1:{}", free_port());
    stack.set_env("TIQETS_API_ADDR", &addr);
    stack.start_all(1);
    stack.start(Service::Api);
    let (orders, barcodes) = flood_pair(&stack.dir.path().join("flood"));
    let batch = batch_id(&orders, &barcodes).await;
    stack.drop_pair(None, &orders, &barcodes);
    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;

    let limit = IssueLimit::new(LIMIT);
    let open = |p: &std::path::Path| std::fs::File::open(p).unwrap();
    let outcome =
        tiqets_domain::process_with(limit, open(&orders), open(&barcodes), (0, 0), &|_| {})
            .unwrap();
    // Every code of the pair is past the limit: 7 codes itemised up to it, the rest counted.
    let left: Vec<(&str, &str, u64)> = outcome
        .not_itemised()
        .iter()
        .map(|n| (n.file.as_str(), n.code.as_str(), n.count))
        .collect();
    assert_eq!(
        left,
        [
            ("orders", "invalid_order_id", 100 - LIMIT),
            ("orders", "duplicate_order", 60 - LIMIT),
            ("orders", "order_without_barcodes", 150 - LIMIT),
            ("barcodes", "malformed_row", MALFORMED as u64 - LIMIT),
            ("barcodes", "duplicate_barcode", 90 - LIMIT),
            ("barcodes", "unknown_order", 70 - LIMIT),
        ]
    );
    let want = Expected::with_limit(limit, open(&orders), open(&barcodes));
    assert_eq!(stored(db.pool(), &batch).await, want);
    assert_written_and_archived(&stack, &batch, &want);

    // The batch counts every issue and stores only the itemised ones.
    let row = db
        .pool()
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT issues, (SELECT count(*) FROM batch_issues WHERE batch_id = $1) \
             FROM batches WHERE id = $1",
            &[&batch],
        )
        .await
        .unwrap();
    let (counted, listed): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(counted as u64, outcome.issue_counts().total());
    assert_eq!(listed as usize, outcome.issues().len());
    assert_eq!(listed as u64, 6 * LIMIT);

    // The api says it: on the batch, on each page of issues, and in its issues.csv.
    wait_listening(&addr, &stack).await;
    let base = format!("http://{addr}/api/batches/{batch}");
    let json = |path: String| async move {
        let res = reqwest::get(&path).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        res.json::<Value>().await.unwrap()
    };
    let b = json(base.clone()).await;
    let counts = &b["data"]["counts"];
    assert_eq!(counts["issues"], outcome.issue_counts().total());
    assert_eq!(counts["issues_by_code"]["malformed_row"], MALFORMED);
    let first = &counts["issues_not_itemised"][0];
    assert_eq!(
        (
            &first["file"],
            &first["code"],
            &first["count"],
            &first["limit"]
        ),
        (
            &Value::from("orders"),
            &Value::from("invalid_order_id"),
            &Value::from(100 - LIMIT),
            &Value::from(LIMIT)
        )
    );
    let page = json(format!("{base}/issues?code=malformed_row&per_page=100")).await;
    assert_eq!(page["data"]["total"], LIMIT);
    assert_eq!(
        page["data"]["issues"].as_array().unwrap().len(),
        LIMIT as usize
    );
    let counted = &page["data"]["not_itemised"];
    assert_eq!(counted.as_array().unwrap().len(), 1, "{counted}");
    assert_eq!(counted[0]["count"], MALFORMED as u64 - LIMIT);
    let all = json(format!("{base}/issues?per_page=1")).await;
    assert_eq!(all["data"]["total"], 6 * LIMIT);
    let csv = reqwest::get(format!("{base}/issues.csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv, want.issues_csv);
}
