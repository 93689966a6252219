//! The original Flask backend's clients against the real stack (the five service binaries,
//! NATS, PostgreSQL): its API test suite's assertions replayed over HTTP on its own sample
//! data, pages of other origins calling the api in Chromium as its React dashboard does,
//! and `/api/process` of a million-order batch within the api's memory budget.

use crate::support::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tiqets_domain::output::{BarcodeList, OrderLine, UnusedLine};
use tiqets_e2e::{Service, Stack};
use tiqets_testkit::{TestDatabase, TestNamespace};

const DEADLINE: Duration = Duration::from_secs(120);
const TOKEN: &str = "dropin-write-token";
/// The api's memory budget: its Kubernetes request (deploy/k8s/base/api/deployment.yaml).
const API_BUDGET_MB: u64 = 256;

/// The original suite's sample (its `conftest.py`), written as pandas' `to_csv` writes it:
/// orders 1→101, 2→102, 3→101; barcodes 1001 and 1002 on order 1, 1003 on order 2, 1004
/// unsold, the order ids as floats (the column held a NaN).
fn original_sample(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (orders, barcodes) = (dir.join("orders.csv"), dir.join("barcodes.csv"));
    std::fs::write(&orders, "order_id,customer_id\n1,101\n2,102\n3,101\n").unwrap();
    std::fs::write(
        &barcodes,
        "barcode,order_id\n1001,1.0\n1002,1.0\n1003,2.0\n1004,\n",
    )
    .unwrap();
    (orders, barcodes)
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let res = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    (status, body)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_original_backends_clients_work_unchanged_against_the_real_stack() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: apt-get install chromium"
    );
    let e2e = root().join("web/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "run `npm ci` in web/e2e (scripts/test does)"
    );
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    stack.start_all(1);
    let (allowed_port, refused_port) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{}", free_port());
    stack.set_env("TIQETS_API_ADDR", &addr);
    stack.set_env("TIQETS_API_TOKEN", TOKEN);
    stack.set_env(
        "TIQETS_API_CORS_ORIGINS",
        &format!("http://127.0.0.1:{allowed_port}"),
    );
    stack.start(Service::Api);
    wait_listening(&addr, &stack).await;
    let base = format!("http://{addr}");

    // Before any batch: the original's liveness check, and a 404 with the envelope.
    let (status, welcome) = get(&base, "/api/").await;
    assert_eq!(status, 200);
    assert!(welcome["message"].is_string(), "{welcome}");
    let (status, body) = get(&base, "/api/process").await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], "error");

    let (orders, barcodes) = original_sample(&stack.dir.path().join("original"));
    let batch = batch_id(&orders, &barcodes).await;
    stack.drop_pair(None, &orders, &barcodes);
    // The client that dropped the pair waits for it through the api (no batch has
    // completed yet, so it waits even before the pair is picked up).
    let (status, process) = get(&base, "/api/process?wait=60").await;
    assert_eq!(status, 200, "{process}\n{}", stack.logs());
    wait_status(db.pool(), &stack, &batch, &["completed"], DEADLINE).await;

    // test_process_orders_endpoint
    assert_eq!(process["status"], "success");
    assert!(process["data"].get("orders").is_some());
    assert!(process["data"].get("analytics").is_some());
    // test_top_customers_endpoint
    let (status, top) = get(&base, "/api/customers/top").await;
    assert_eq!(status, 200);
    assert!(top["data"].as_array().unwrap().len() <= 5);
    // test_unused_barcodes_endpoint
    let (status, unused) = get(&base, "/api/barcodes/unused").await;
    assert_eq!(status, 200);
    assert!(unused["data"].get("count").is_some());
    assert!(unused["data"].get("barcodes").is_some());
    // test_customer_orders_endpoint
    let (status, customer) = get(&base, "/api/orders/101").await;
    assert_eq!(status, 200);
    assert_eq!(customer["status"], "success");
    assert!(!customer["data"].as_array().unwrap().is_empty());
    // test_endpoint_response_structure
    for path in [
        "/api/process",
        "/api/customers/top",
        "/api/barcodes/unused",
        "/api/orders/101",
    ] {
        let (status, body) = get(&base, path).await;
        assert!([200, 404].contains(&status), "{path}: {status}");
        assert!(body.get("status").is_some(), "{path}: {body}");
    }
    // And the values, by the processing rules: order 3 has no barcode, 1004 is unsold.
    let data = &process["data"];
    assert_eq!(data["batch_id"], batch.as_str());
    assert_eq!(
        data["orders"],
        json!([
            {"customer_id": 101, "order_id": 1, "barcodes": ["1001", "1002"]},
            {"customer_id": 102, "order_id": 2, "barcodes": ["1003"]},
        ])
    );
    assert_eq!(
        data["analytics"]["top_customers"],
        json!([{"customer_id": 101, "ticket_count": 2}, {"customer_id": 102, "ticket_count": 1}])
    );
    assert_eq!(
        data["analytics"]["unused_barcodes"],
        json!({"count": 1, "barcodes": [{"barcode": "1004", "order_id": null, "line": 5}]})
    );

    // A token in the query reaches no log line: a request that is logged (a 404 is logged
    // with its span's fields, `http.target` among them) carries one.
    const SECRET: &str = "query-token-never-logged-7c1e";
    let (status, _) = get(
        &base,
        &format!("/api/orders/999999?access_token={SECRET}&x=1"),
    )
    .await;
    assert_eq!(status, 404);
    let logs = std::fs::read_to_string(stack.dir.path().join("logs/tiqets-api-0.log")).unwrap();
    assert!(
        logs.contains("/api/orders/999999?x=1"),
        "the request was logged, its target without the token"
    );
    assert!(!logs.contains(SECRET), "the token is in the api's log");

    // Pages of other origins, in Chromium.
    let result = stack.dir.path().join("cross-origin.json");
    let log_path = stack.dir.path().join("cross-origin.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new("node")
        .arg("cross-origin.mjs")
        .current_dir(&e2e)
        .env("API", format!("{base}/api"))
        .env("ALLOWED_PORT", allowed_port.to_string())
        .env("REFUSED_PORT", refused_port.to_string())
        .env("TOKEN", TOKEN)
        .env("ORDERS", &orders)
        .env("BARCODES", &barcodes)
        .env("CHROMIUM", &chromium)
        .env("RESULT", &result)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("node runs (apt-get install nodejs)");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser run took over 3 minutes:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let said = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success(),
        "the browser run failed:\n{said}\n{}",
        stack.logs()
    );
    let seen: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let answers = &seen["allowed"]["answers"];
    assert_eq!(
        answers["/process"]["body"]["data"]["orders"],
        data["orders"]
    );
    assert_eq!(
        answers["/customers/top"]["body"]["data"],
        data["analytics"]["top_customers"]
    );
    let upload = &answers["POST /batches"]["body"]["data"];
    assert_eq!(upload["batch_id"], batch.as_str(), "{upload}");
}

use tiqets_testkit::memory::peak_rss_mb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_of_a_million_orders_streams_within_the_api_memory_budget() {
    const ORDERS: u64 = 1_000_000;
    const PER_ORDER: u64 = 4;
    const UNUSED: u64 = 100_000;
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    tiqets_store::migrate(db.pool()).await.unwrap();

    // A batch of a million orders, written as the persister writes one.
    let t = Instant::now();
    let id = tiqets_contract::BatchId::for_pair(
        &tiqets_contract::Sha256::of(b"million orders"),
        &tiqets_contract::Sha256::of(b"million barcodes"),
    );
    let received = tiqets_contract::StatusEvent::new(
        id.clone(),
        "million",
        tiqets_contract::BatchStatus::Received,
        1,
    );
    tiqets_store::record_status(db.pool(), &received)
        .await
        .unwrap();
    let mut writer = tiqets_store::BatchWriter::begin(db.pool(), &id)
        .await
        .unwrap();
    let mut orders = writer.orders().await.unwrap();
    for n in 1..=ORDERS {
        let barcodes = (0..PER_ORDER).map(|k| format!("{:012}", n * PER_ORDER + k));
        let list = BarcodeList::join(barcodes);
        let line = OrderLine {
            customer_id: n / 3 + 1,
            order_id: n,
            barcodes: BarcodeList::parse(&list).unwrap(),
        };
        orders.write(&line).await.unwrap();
    }
    let orders = orders.finish().await.unwrap();
    let mut unused = writer.unused().await.unwrap();
    for n in 1..=UNUSED {
        let barcode = format!("U{n:011}");
        let line = UnusedLine {
            barcode: &barcode,
            line: ORDERS * PER_ORDER + n,
        };
        unused.write(&line).await.unwrap();
    }
    let unused = unused.finish().await.unwrap();
    let issues = writer.issues().await.unwrap().finish().await.unwrap();
    writer
        .commit("million", 1, orders, unused, issues)
        .await
        .unwrap();
    println!("wrote the batch in {:.1?}", t.elapsed());

    let mut stack = Stack::new(ns.name(), ns.nats_url(), db.url());
    let addr = format!("127.0.0.1:{}", free_port());
    stack.set_env("TIQETS_API_ADDR", &addr);
    stack.start(Service::Api);
    wait_listening(&addr, &stack).await;
    let pid = stack.pids(Service::Api)[0];
    let before = peak_rss_mb(pid);

    let t = Instant::now();
    let mut res = reqwest::get(format!("http://{addr}/api/process"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let first_byte = t.elapsed();
    // Counted as it arrives, never held: the head, the end, and every object with a
    // customer_id (the orders and the top 5), across chunk boundaries.
    const KEY: &[u8] = b"{\"customer_id\":";
    let (mut bytes, mut objects, mut head, mut tail) = (0u64, 0u64, Vec::new(), Vec::new());
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        if head.len() < 256 {
            head.extend_from_slice(&chunk[..chunk.len().min(256)]);
        }
        // The last bytes of the chunk before, so that a key split by a boundary counts.
        let carried = tail.len().min(KEY.len() - 1);
        let mut window = tail[tail.len() - carried..].to_vec();
        window.extend_from_slice(&chunk);
        objects += window.windows(KEY.len()).filter(|w| *w == KEY).count() as u64;
        tail.extend_from_slice(&chunk);
        if tail.len() > 4096 {
            tail.drain(..tail.len() - 4096);
        }
    }
    let total = t.elapsed();
    let peak = peak_rss_mb(pid);
    println!(
        "GET /api/process: {bytes} bytes, first byte after {first_byte:.2?}, all after \
         {total:.2?}; api peak RSS {before} MB before, {peak} MB after"
    );
    let head = String::from_utf8_lossy(&head);
    assert!(
        head.starts_with(&format!(
            "{{\"status\":\"success\",\"data\":{{\"batch_id\":\"{id}\",\"total_orders\":{ORDERS},\"orders\":[{{\"customer_id\":1,\"order_id\":1,"
        )),
        "{head}"
    );
    assert_eq!(objects, ORDERS + 5, "every order and the top 5 customers");
    let tail = String::from_utf8_lossy(&tail);
    assert!(
        tail.ends_with(&format!(
            "{{\"barcode\":\"U{UNUSED:011}\",\"order_id\":null,\"line\":{}}}]}}}}}}}}",
            ORDERS * PER_ORDER + UNUSED
        )),
        "{tail}"
    );
    assert!(bytes > ORDERS * 60, "the whole answer came: {bytes} bytes");
    assert!(
        peak <= API_BUDGET_MB,
        "the api peaked at {peak} MB serving {bytes} bytes (budget {API_BUDGET_MB} MB)"
    );
}
