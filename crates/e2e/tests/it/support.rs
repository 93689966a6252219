//! Helpers shared by the end-to-end tests.

use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tiqets_e2e::Stack;
use tiqets_store::Pool;
use tiqets_testkit::Expected;

/// The bundled sample pair.
pub fn sample() -> (PathBuf, PathBuf) {
    tiqets_testkit::Pair::sample().paths()
}

/// Drops the bundled sample into `stack`'s input (in `folder`, if any) and waits until its
/// batch completes: the sample's paths and the batch id.
pub async fn sample_completed(
    pool: &Pool,
    stack: &Stack,
    folder: Option<&str>,
    deadline: Duration,
) -> (PathBuf, PathBuf, String) {
    let (orders, barcodes) = sample();
    let batch = batch_id(&orders, &barcodes).await;
    stack.drop_pair(folder, &orders, &barcodes);
    wait_status(pool, stack, &batch, &["completed"], deadline).await;
    (orders, barcodes, batch)
}

/// The persister's files for `batch` are `want`'s, and both inputs were archived.
pub fn assert_written_and_archived(stack: &Stack, batch: &str, want: &Expected) {
    let (processed, issues) = output_files(stack, batch);
    assert_eq!(processed, want.processed_orders_csv);
    assert_eq!(issues, want.issues_csv);
    let archived = files_under(&stack.archive());
    for name in ["orders.csv", "barcodes.csv"] {
        assert!(archived.iter().any(|p| p.ends_with(name)), "{archived:?}");
    }
}

/// A generated pair with every issue kind, in `dir`.
pub fn generated(dir: &Path, orders: u64, seed: u64) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let opts = tiqets_datagen::GenOptions {
        orders,
        seed,
        malformed: true,
    };
    tiqets_datagen::generate(&opts, dir).expect("generated data");
    (dir.join("orders.csv"), dir.join("barcodes.csv"))
}

/// The batch id the pipeline gives a pair (derived from the contents).
pub async fn batch_id(orders: &Path, barcodes: &Path) -> String {
    let (o, _) = tiqets_intake::hash_file(orders).await.unwrap();
    let (b, _) = tiqets_intake::hash_file(barcodes).await.unwrap();
    tiqets_contract::BatchId::for_pair(&o, &b).to_string()
}

/// Waits until the batch's recorded status is one of `want`; panics with the services'
/// logs after `deadline`.
pub async fn wait_status(
    pool: &Pool,
    stack: &Stack,
    batch: &str,
    want: &[&str],
    deadline: Duration,
) -> (String, Option<String>) {
    let start = Instant::now();
    loop {
        if let Some((status, reason)) = tiqets_e2e::stored::status(pool, batch).await {
            if want.contains(&status.as_str()) {
                return (status, reason);
            }
            if status == "failed" && !want.contains(&"failed") {
                panic!("batch {batch} failed: {reason:?}\n{}", stack.logs());
            }
        }
        if start.elapsed() > deadline {
            let now = tiqets_e2e::stored::status(pool, batch).await;
            panic!(
                "batch {batch} not {want:?} after {deadline:?} (now {now:?})\n{}",
                stack.logs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every status event published for `batch`, in order.
pub async fn status_events(nats_url: &str, ns: &str, batch: &str) -> Vec<String> {
    let names = tiqets_contract::Names::new(ns);
    let client = async_nats::connect(nats_url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream(names.status_stream()).await.unwrap();
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: names.status(batch),
            ..Default::default()
        })
        .await
        .unwrap();
    let pending = consumer.cached_info().num_pending as usize;
    let mut messages = consumer.messages().await.unwrap().take(pending);
    let mut out = Vec::new();
    while let Some(Ok(m)) = messages.next().await {
        let v: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        out.push(v["status"].as_str().unwrap_or("?").to_string());
    }
    out
}

/// The files the persister wrote for `batch`.
pub fn output_files(stack: &Stack, batch: &str) -> (String, String) {
    let dir = stack.output().join(batch);
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
    };
    (read("processed_orders.csv"), read("issues.csv"))
}

/// Files left anywhere under `dir` (recursively).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub use tiqets_testkit::free_port;

/// `GET /metrics` of a service's health endpoint, as `(series with labels, value)` pairs.
pub fn scrape(port: u16) -> Vec<(String, f64)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("health endpoint");
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("HTTP/") && l.contains(' '))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// The value of `series` (name and labels exactly as exposed), 0 when absent.
pub fn metric(metrics: &[(String, f64)], series: &str) -> f64 {
    metrics
        .iter()
        .find(|(s, _)| s == series)
        .map_or(0.0, |(_, v)| *v)
}

/// Scrapes until `done` holds of the metrics (or 15 s pass), and returns the last scrape.
pub async fn scrape_until(
    port: u16,
    done: impl Fn(&[(String, f64)]) -> bool,
) -> Vec<(String, f64)> {
    let start = Instant::now();
    loop {
        let m = scrape(port);
        if done(&m) || start.elapsed() > Duration::from_secs(15) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the api of `stack` listens on `addr`.
pub async fn wait_listening(addr: &str, stack: &Stack) {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the api did not listen on {addr}\n{}",
            stack.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
