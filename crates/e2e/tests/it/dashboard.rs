//! The dashboard in a real browser: headless Debian Chromium, driven by playwright-core
//! (`web/e2e/dashboard.mjs`), against the api serving `web/dist` and the whole pipeline on
//! real NATS and PostgreSQL. The figures the page must show are computed here with
//! `tiqets_domain`, as `tiqets process` computes them.
//!
//! Needs `scripts/build-web` (web/dist), `npm ci` in web/e2e and `/usr/bin/chromium`;
//! `scripts/test` provides all three. Missing any of them fails the test: it never skips.

use crate::support::{batch_id, free_port, sample};
use serde_json::json;
use std::collections::BTreeMap;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tiqets_domain::FileKind;
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::expected::expected;
use tiqets_testkit::{TestDatabase, TestNamespace};

/// The api's write token in this test.
const TOKEN: &str = "dashboard-upload-token";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file or folder the test needs, or a failure that says how to get it.
fn needed(path: PathBuf, how: &str) -> PathBuf {
    assert!(path.exists(), "{} is missing: {how}", path.display());
    path
}

/// Everything the page must show for the sample, from `tiqets_domain`.
fn expectations(orders: &Path, barcodes: &Path, batch: &str) -> serde_json::Value {
    let open = |p: &Path| std::fs::File::open(p).expect("input file");
    let outcome = tiqets_domain::process(open(orders), open(barcodes), (0, 0), &|_| {})
        .expect("a processable pair");
    let mut by_code: BTreeMap<&str, u64> = BTreeMap::new();
    for issue in outcome.issues() {
        *by_code.entry(issue.code.as_str()).or_default() += 1;
    }
    let (filter_code, filter_count) = by_code
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(c, n)| (c.to_string(), *n))
        .expect("the sample has issues");
    let top5: Vec<(u64, u64)> = outcome
        .top_customers(5)
        .iter()
        .map(|c| (c.customer_id, c.tickets))
        .collect();
    let top = top5[0].0;
    let unused: Vec<String> = outcome.unused().map(|b| b.as_str().to_string()).collect();
    assert!(
        unused.len() > 50,
        "the sample has more than a page of unused barcodes"
    );
    json!({
        "batch_id": batch,
        "orders_written": outcome.orders_written(),
        "tickets": outcome.tickets(),
        "customers": outcome.customers(),
        "unused_barcodes": outcome.unused_count(),
        "issues": outcome.issues().len(),
        "issues_by_code": by_code,
        "top5": top5,
        "top_customer_orders": outcome.rows().filter(|r| r.customer_id == top).count(),
        "filter_code": (filter_code, filter_count),
        "barcodes_issues": outcome.issues().iter().filter(|i| i.file == FileKind::Barcodes).count(),
        "unused_first": [unused[0].clone(), unused[50].clone()],
    })
}

/// The nine counts of what changed from the first pair to the second, as `tiqets diff`
/// computes them.
fn changes(orders: &Path, barcodes: &Path, orders2: &Path, barcodes2: &Path) -> serde_json::Value {
    use tiqets_domain::diff::{compare_barcodes, compare_customers, compare_orders, Snapshot};
    let open = |p: &Path| std::fs::File::open(p).expect("input file");
    let process = |o: &Path, b: &Path| {
        tiqets_domain::process(open(o), open(b), (0, 0), &|_| {}).expect("a processable pair")
    };
    let (old, new) = (process(orders, barcodes), process(orders2, barcodes2));
    let (old, new) = (Snapshot::of(&old), Snapshot::of(&new));
    let mut s = tiqets_domain::diff::Summary::default();
    compare_orders(old.orders(), new.orders(), &mut s, |_| {}).unwrap();
    compare_barcodes(old.barcodes(), new.barcodes(), &mut s, |_| {}).unwrap();
    compare_customers(old.customers(), new.customers(), &mut s, |_| {}).unwrap();
    assert_eq!(s.barcodes_moved, 1, "the second pair moves one barcode");
    serde_json::to_value(s).unwrap()
}

async fn wait_ready(url: &str, stack: &Stack) {
    let start = Instant::now();
    loop {
        let ready = tokio::net::TcpStream::connect(url.trim_start_matches("http://")).await;
        if ready.is_ok() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the api did not listen on {url}\n{}",
            stack.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_headless_chromium_uploads_follows_and_shows_the_cli_results() {
    let root = root();
    let dist = needed(
        std::env::var_os("TIQETS_WEB_DIR").map_or(root.join("web/dist"), PathBuf::from),
        "build the dashboard with scripts/build-web",
    );
    needed(
        dist.join("index.html"),
        "build the dashboard with scripts/build-web",
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    needed(chromium.clone().into(), "apt-get install chromium");
    let e2e = root.join("web/e2e");
    needed(
        e2e.join("node_modules/playwright-core"),
        "run `npm ci` in web/e2e (scripts/test does)",
    );
    let artifacts =
        std::env::var_os("TIQETS_E2E_ARTIFACTS").map_or(e2e.join("artifacts"), PathBuf::from);
    let _ = std::fs::remove_dir_all(&artifacts);

    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(1);
    let addr = format!("127.0.0.1:{}", free_port());
    stack.set_env("TIQETS_API_ADDR", &addr);
    stack.set_env("TIQETS_WEB_DIR", dist.to_str().expect("a UTF-8 path"));
    // Uploads need a token (reads do not): the page asks for it after the first 401.
    stack.set_env("TIQETS_API_TOKEN", TOKEN);
    stack.start(Service::Api);
    let url = format!("http://{addr}");
    wait_ready(&url, &stack).await;

    let (orders, barcodes) = sample();
    let batch = batch_id(&orders, &barcodes).await;
    let work = stack.dir.path().join("dashboard");
    std::fs::create_dir_all(&work).unwrap();
    let bad_orders = work.join("orders-missing-column.csv");
    let text = std::fs::read(&orders).unwrap();
    let end = text.iter().position(|b| *b == b'\n').unwrap();
    let header = String::from_utf8(text[..end].to_vec()).unwrap();
    assert!(header.contains("customer_id"));
    let mut bad = header.replace("customer_id", "client").into_bytes();
    bad.extend_from_slice(&text[end..]);
    std::fs::write(&bad_orders, bad).unwrap();
    // A later export of the sample, which the browser uploads to see what changed.
    let second = work.join("second");
    std::fs::create_dir_all(&second).unwrap();
    let (orders2, barcodes2) = tiqets_testkit::pair::modified_sample(
        &std::fs::read(&orders).unwrap(),
        &std::fs::read(&barcodes).unwrap(),
    );
    let (second_orders, second_barcodes) = (second.join("orders.csv"), second.join("barcodes.csv"));
    std::fs::write(&second_orders, orders2).unwrap();
    std::fs::write(&second_barcodes, barcodes2).unwrap();
    let second_batch = batch_id(&second_orders, &second_barcodes).await;
    let mut figures = expectations(&orders, &barcodes, &batch);
    figures["changes"] = json!({
        "batch_id": second_batch,
        "summary": changes(&orders, &barcodes, &second_orders, &second_barcodes),
        "search_barcode": "X9001A",
        "search_history_len": 2,
        "search_order_id": 9001,
        "search_customer_id": 77,
        "orders": second_orders,
        "barcodes": second_barcodes,
    });
    let expected_json = work.join("expected.json");
    std::fs::write(&expected_json, figures.to_string()).unwrap();
    let downloads = work.join("downloads");

    let started = Instant::now();
    let log_path = work.join("browser.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new("node")
        .arg("dashboard.mjs")
        .current_dir(&e2e)
        .env("TIQETS_URL", &url)
        .env("ORDERS", &orders)
        .env("BARCODES", &barcodes)
        .env("BAD_ORDERS", &bad_orders)
        .env("EXPECTED", &expected_json)
        .env("ARTIFACTS", &artifacts)
        .env("DOWNLOADS", &downloads)
        .env("CHROMIUM", &chromium)
        .env("HANDSHAKE", &work)
        .env("TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("node runs (apt-get install nodejs)");
    let mut api_stopped = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // The last step asks for the api to go down, to see the page say so.
        if !api_stopped && work.join("stop-api").exists() {
            stack.stop(Service::Api);
            std::fs::write(work.join("api-stopped"), "").unwrap();
            api_stopped = true;
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser run took over 10 minutes:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let said = std::fs::read_to_string(&log_path).unwrap_or_default();
    println!(
        "{said}(browser run: {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    assert!(
        status.success(),
        "the browser run failed (screenshots in {}):\n{said}\n{}",
        artifacts.display(),
        stack.logs()
    );

    // The CSV the browser downloaded is byte for byte what `tiqets process` writes.
    let downloaded = std::fs::read_to_string(downloads.join("processed_orders.csv")).unwrap();
    assert_eq!(
        downloaded,
        expected(&orders, &barcodes).processed_orders_csv
    );
    for page in [
        "04-overview",
        "08-batch-report-by-code",
        "12-upload-failed",
        "14-phone-overview",
    ] {
        assert!(
            artifacts.join(format!("{page}.png")).is_file(),
            "screenshot {page}"
        );
    }
}
