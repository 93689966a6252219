//! Deleting a batch (`DELETE /api/batches/{id}`, answered by the persister's remover over
//! NATS): what it refuses, what it frees, retention, and reads racing a deletion, which see
//! the whole batch or a 404, never a part of it.

use crate::support::{spawn_app, spawn_app_with, Files, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use std::fmt::Write;
use std::time::Duration;
use tiqets_persister::retention::{Remover, Retention};
use tokio_util::sync::CancellationToken;

/// A persister's remover answering delete requests for `app`, writing output folders under
/// `out`; stopped when the token is cancelled.
fn remover(app: &TestApp, out: &std::path::Path) -> (Remover, CancellationToken) {
    let remover = Remover::new(app.bus.clone(), app.db.pool().clone(), out);
    let stop = CancellationToken::new();
    tokio::spawn(remover.clone().serve(stop.clone()));
    (remover, stop)
}

async fn delete(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = app.client.delete(app.url(path)).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

/// Waits until the remover's subscription is in place (a request before it finds no
/// responder).
async fn until_answered(app: &TestApp) {
    for _ in 0..100 {
        let (status, _) = delete(app, "/api/batches/no-such-batch").await;
        if status == StatusCode::NOT_FOUND {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no persister answered delete requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_batch_is_gone_with_its_files_and_the_current_one_needs_force() {
    let app = spawn_app().await;
    let out = tempfile::tempdir().unwrap();
    // No persister yet: a clear 503.
    let (status, body) = delete(&app, "/api/batches/b1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "unavailable");
    let (_, stop) = remover(&app, out.path());
    until_answered(&app).await;

    let sample = Files::sample();
    let (orders, barcodes) =
        tiqets_testkit::pair::modified_sample(&sample.orders, &sample.barcodes);
    let later = Files {
        name: "later".into(),
        orders,
        barcodes,
    };
    let old = app.seed(&sample).await.id;
    let new = app.seed(&later).await.id;
    std::fs::create_dir_all(out.path().join(&old)).unwrap();
    std::fs::write(
        out.path().join(&old).join("processed_orders.csv"),
        [b'x'; 100],
    )
    .unwrap();
    std::fs::write(out.path().join(&old).join("issues.csv"), [b'y'; 23]).unwrap();
    tiqets_persister::changes::store_since_previous(app.db.pool(), &new)
        .await
        .unwrap();

    let (status, body) = delete(&app, &format!("/api/batches/{new}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "batch_in_use");
    assert!(body["message"].as_str().unwrap().contains("force=true"));
    // `latest` is the current batch: refused without force too.
    let (status, body) = delete(&app, "/api/batches/latest").await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::CONFLICT, "batch_in_use".into())
    );
    let (status, _) = delete(&app, &format!("/api/batches/{old}?force=maybe")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = delete(&app, &format!("/api/batches/{old}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let freed = &body["data"];
    assert_eq!(freed["batch_id"], old.as_str());
    assert_eq!(freed["file_bytes"], 123);
    assert!(freed["rows"].as_u64().unwrap() > 300, "{freed}");
    assert!(freed["database_bytes"].as_u64().unwrap() > 0, "{freed}");
    assert!(!out.path().join(&old).exists());
    app.error(
        &format!("/api/batches/{old}"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.error(
        &format!("/api/batches/{old}/orders"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Its change records went with it: the newer batch has nothing before it now.
    app.error(
        &format!("/api/batches/{new}/changes"),
        StatusCode::CONFLICT,
        "no_previous_batch",
    )
    .await;
    let history = app.data("/api/barcodes/X9001A/history").await;
    assert_eq!(history["batches"].as_array().unwrap().len(), 1);
    let (status, _) = delete(&app, &format!("/api/batches/{old}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = delete(&app, &format!("/api/batches/{new}?force=true")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.error(
        "/api/batches/latest",
        StatusCode::NOT_FOUND,
        "no_completed_batch",
    )
    .await;
    let left: i64 = app
        .db
        .pool()
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM batch_orders)
                  + (SELECT count(*) FROM batch_barcodes) + (SELECT count(*) FROM batch_changes)
                  + (SELECT count(*) FROM batch_change_barcodes)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "nothing of either batch is left");
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_the_newest_batches_and_never_the_current_one() {
    let app = spawn_app().await;
    let out = tempfile::tempdir().unwrap();
    let (remover, stop) = remover(&app, out.path());
    let mut ids = Vec::new();
    for n in 0..4u64 {
        let orders = format!("order_id,customer_id\n{n},7\n");
        let barcodes = format!("barcode,order_id\nB{n},{n}\n");
        ids.push(
            app.seed(&Files::new(&format!("b{n}"), &orders, &barcodes))
                .await
                .id,
        );
    }
    let keep_two = Retention {
        keep_batches: Some(2),
        keep_days: None,
    };
    let deleted = remover.prune(&keep_two).await.unwrap();
    assert_eq!(deleted, [ids[1].clone(), ids[0].clone()]);
    for (i, id) in ids.iter().enumerate() {
        let (status, _) = app.get(&format!("/api/batches/{id}")).await;
        let want = if i < 2 {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(status, want, "batch {i}");
    }
    // Nothing older than a day: everything but the current batch would go.
    let young = Retention {
        keep_batches: Some(1),
        keep_days: Some(1),
    };
    assert_eq!(remover.prune(&young).await.unwrap(), [ids[2].clone()]);
    assert_eq!(remover.prune(&young).await.unwrap(), Vec::<String>::new());
    let current = app.data("/api/batches/latest").await;
    assert_eq!(current["id"], ids[3].as_str());
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_racing_a_deletion_see_the_whole_batch_or_a_404() {
    // No cache: every read goes to PostgreSQL.
    let app = spawn_app_with(&[("TIQETS_API_CACHE_BYTES", "0")]).await;
    let mut orders = String::from("order_id,customer_id\n");
    let mut barcodes = String::from("barcode,order_id\n");
    for o in 1..=3000u64 {
        writeln!(orders, "{o},{}", o % 97 + 1).unwrap();
        writeln!(barcodes, "{o:09},{o}").unwrap();
    }
    let doomed = app.seed(&Files::new("doomed", &orders, &barcodes)).await.id;
    let csv_len = Files::new("doomed", &orders, &barcodes)
        .expected_csv()
        .0
        .len();
    // A later batch is current, so the doomed one is deleted without force.
    app.seed(&Files::new(
        "current",
        "order_id,customer_id\n1,1\n",
        "barcode,order_id\nZ1,1\n",
    ))
    .await;

    let reader = |k: u64| {
        let client = app.client.clone();
        let page = app.url(&format!(
            "/api/batches/{doomed}/orders?page={k}&per_page=100"
        ));
        let csv = app.url(&format!("/api/batches/{doomed}/processed_orders.csv"));
        tokio::spawn(async move {
            let (mut whole, mut gone) = (0u32, 0u32);
            loop {
                let res = client.get(&page).send().await.unwrap();
                match res.status() {
                    StatusCode::OK => {
                        let body: Value = res.json().await.unwrap();
                        assert_eq!(body["data"]["total"], 3000);
                        assert_eq!(
                            body["data"]["orders"].as_array().unwrap().len(),
                            100,
                            "a whole page"
                        );
                        whole += 1;
                    }
                    StatusCode::NOT_FOUND => gone += 1,
                    other => panic!("a read answered {other}"),
                }
                let res = client.get(&csv).send().await.unwrap();
                match res.status() {
                    StatusCode::OK => {
                        assert_eq!(res.bytes().await.unwrap().len(), csv_len, "a whole file")
                    }
                    StatusCode::NOT_FOUND => gone += 1,
                    other => panic!("a download answered {other}"),
                }
                if gone >= 4 {
                    return whole;
                }
            }
        })
    };
    let readers: Vec<_> = (1..=8).map(reader).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The deletion the persister makes (`tiqets_store::drop_batch`: the batch's lock, then
    // `tiqets_drop_batch`), held open for a moment: the readers that found the batch
    // meanwhile wait for its tables, and read them once the deletion has committed.
    let mut db = app.db.pool().get().await.unwrap();
    let tx = db.transaction().await.unwrap();
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&tiqets_store::BATCH_LOCK_CLASS, &doomed],
    )
    .await
    .unwrap();
    tx.query_one("SELECT * FROM tiqets_drop_batch($1)", &[&doomed])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    tx.commit().await.unwrap();
    let mut whole = 0;
    for r in readers {
        whole += tokio::time::timeout(Duration::from_secs(30), r)
            .await
            .unwrap()
            .unwrap();
    }
    assert!(whole > 0, "the readers saw the batch before it went");
}
