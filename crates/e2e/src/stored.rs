//! What the pipeline stored for a batch, read back from PostgreSQL in the CLI's formats.

use tiqets_domain::output::{format_line, BarcodeList, OrderLine};
use tiqets_domain::{FileKind, Issue, IssueCode, NotItemised};
use tiqets_store::Pool;
use tiqets_testkit::Expected;

/// Reads the batch's rows, issues, top customers and unused count from PostgreSQL.
pub async fn stored(pool: &Pool, batch_id: &str) -> Expected {
    let db = pool.get().await.expect("a connection");
    let rows = db
        .query(
            "SELECT customer_id, order_id, barcodes FROM batch_orders \
             WHERE batch_id = $1 ORDER BY customer_id, order_id",
            &[&batch_id],
        )
        .await
        .expect("orders");
    let mut processed = tiqets_domain::PROCESSED_HEADER.as_bytes().to_vec();
    for r in &rows {
        let (c, o, b): (i64, i64, &str) = (r.get(0), r.get(1), r.get(2));
        let line = OrderLine {
            customer_id: c as u64,
            order_id: o as u64,
            barcodes: BarcodeList::parse(b).expect("a stored list"),
        };
        format_line(&mut processed, &line);
    }
    let issue_rows = db
        .query(
            "SELECT file, line, code, message FROM batch_issues WHERE batch_id = $1 ORDER BY seq",
            &[&batch_id],
        )
        .await
        .expect("issues");
    let issues: Vec<Issue> = issue_rows
        .iter()
        .map(|r| {
            let file = match r.get::<_, String>(0).as_str() {
                "orders" => FileKind::Orders,
                _ => FileKind::Barcodes,
            };
            let code = IssueCode::parse(&r.get::<_, String>(2)).expect("a known code");
            Issue::new(file, r.get::<_, i64>(1) as u64, code, r.get(3))
        })
        .collect();
    let not_itemised: Vec<NotItemised> = db
        .query_one(
            "SELECT issues_not_itemised FROM batches WHERE id = $1",
            &[&batch_id],
        )
        .await
        .expect("the batch")
        .get::<_, Option<serde_json::Value>>(0)
        .map(|v| serde_json::from_value(v).expect("a list of counts"))
        .unwrap_or_default();
    let mut issues_csv = Vec::new();
    tiqets_domain::write_issue_report(&issues, &not_itemised, &mut issues_csv).expect("in memory");
    let top = db
        .query(
            "SELECT customer_id, tickets FROM batch_customer_tickets WHERE batch_id = $1 \
             ORDER BY tickets DESC, customer_id LIMIT 5",
            &[&batch_id],
        )
        .await
        .expect("top customers");
    let unused: i64 = db
        .query_one(
            "SELECT count(*) FROM batch_unused_barcodes WHERE batch_id = $1",
            &[&batch_id],
        )
        .await
        .expect("unused")
        .get(0);
    Expected {
        orders_written: rows.len() as u64,
        processed_orders_csv: String::from_utf8(processed).expect("UTF-8"),
        issues_csv: String::from_utf8(issues_csv).expect("UTF-8"),
        top5: top
            .iter()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64))
            .collect(),
        unused: unused as u64,
    }
}

/// The batch's status and reason, if it is known.
pub async fn status(pool: &Pool, batch_id: &str) -> Option<(String, Option<String>)> {
    let db = pool.get().await.ok()?;
    let row = db
        .query_opt(
            "SELECT status, reason FROM batches WHERE id = $1",
            &[&batch_id],
        )
        .await
        .ok()??;
    Some((row.get(0), row.get(1)))
}
