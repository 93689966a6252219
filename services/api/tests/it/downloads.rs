//! `processed_orders.csv` and `issues.csv` downloads: byte for byte what `tiqets process`
//! writes.

use crate::support::{spawn_app, Files};
use std::fmt::Write;

async fn download(
    app: &crate::support::TestApp,
    path: &str,
) -> (reqwest::header::HeaderMap, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_downloads_are_the_clis_files_byte_for_byte() {
    let app = spawn_app().await;
    let files = Files::sample();
    let seeded = app.seed(&files).await;
    let (processed, issues) = files.expected_csv();

    let (headers, body) = download(
        &app,
        &format!("/api/batches/{}/processed_orders.csv", seeded.id),
    )
    .await;
    assert_eq!(body, processed);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"processed_orders.csv\""
    );

    let (headers, body) = download(&app, "/api/batches/latest/issues.csv").await;
    assert_eq!(body, issues);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"issues.csv\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_many_chunks_streams_whole_and_in_order() {
    let app = spawn_app().await;
    // 5,000 orders of 1-3 barcodes, some unsold, a few issues with quoting in messages.
    let mut orders = String::from("order_id,customer_id\n");
    let mut barcodes = String::from("barcode,order_id\n");
    for o in 1..=5000u64 {
        writeln!(orders, "{o},{}", (o * 7919) % 613 + 1).unwrap();
        for k in 0..(o % 3 + 1) {
            writeln!(barcodes, "{:08}{k},{o}", o).unwrap();
        }
        if o % 10 == 0 {
            writeln!(barcodes, "U{o:06},").unwrap();
        }
        if o % 500 == 0 {
            writeln!(barcodes, "\"bad, one\",{o}").unwrap();
        }
    }
    let files = Files::new("many", &orders, &barcodes);
    app.seed(&files).await;
    let (processed, issues) = files.expected_csv();
    assert!(
        processed.lines().count() > 4 * 1024,
        "several body chunks of 1024 rows"
    );
    assert_eq!(
        download(&app, "/api/batches/latest/processed_orders.csv")
            .await
            .1,
        processed
    );
    assert_eq!(
        download(&app, "/api/batches/latest/issues.csv").await.1,
        issues
    );
}
