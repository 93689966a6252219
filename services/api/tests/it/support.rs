//! `spawn_app()`: the api on a port of its own, with its own namespace and its own
//! freshly migrated database; batches written into it with the store's batch writer from
//! what `tiqets_domain` (the CLI's rules) makes of a pair of files.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use tiqets_api::model::ErrorCode;
use tiqets_api::{Application, Dependencies, Settings};
use tiqets_bus::Bus;
use tiqets_contract::{BatchCounts, BatchId, BatchStatus, Names, Sha256, StatusEvent};
use tiqets_domain::output::{OrderLine, ProcessedOrdersCsv, ResultReader, UnusedLine};
use tiqets_domain::{BarcodesParser, Outcome, Parsed};
use tiqets_store::BatchWriter;
use tiqets_testkit::{TestDatabase, TestNamespace};
use tokio_util::sync::CancellationToken;

/// The api, running for one test; stopped when dropped.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub ns: TestNamespace,
    pub bus: Bus,
    pub upload_dir: tempfile::TempDir,
    pub shutdown: CancellationToken,
    _server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The api with extra environment variables (e.g. tokens, a small upload limit).
pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let ns = TestNamespace::new();
    let db = TestDatabase::create().await;
    let upload_dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), db.url().to_string()),
        ("NATS_URL".into(), ns.nats_url().to_string()),
        ("TIQETS_NAMESPACE".into(), ns.name().to_string()),
        ("TIQETS_API_WORKERS".into(), "2".into()),
        ("TIQETS_API_DB_POOL_SIZE".into(), "4".into()),
        ("TIQETS_DRAIN_TIMEOUT_SECS".into(), "5".into()),
        (
            "TIQETS_UPLOAD_DIR".into(),
            upload_dir.path().display().to_string(),
        ),
        ("TIQETS_WEB_DIR".into(), "/nonexistent/web/dist".into()),
        // Tests share one address; the rate limit has its own test.
        ("TIQETS_API_RATE_PER_SECOND".into(), "0".into()),
    ]);
    for (k, v) in env {
        vars.insert(k.to_string(), v.to_string());
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("valid test settings");
    let shutdown = CancellationToken::new();
    let deps = Dependencies::connect(settings.endpoints(), &shutdown)
        .await
        .expect("NATS and PostgreSQL reachable")
        .expect("not shut down");
    let bus = deps.bus.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let app = Application::build(&settings, deps, listener, shutdown.clone()).unwrap();
    let base = format!("http://{}", app.addr());
    let server = tokio::spawn(async move {
        app.run_until_stopped().await.expect("the server runs");
    });
    TestApp {
        base,
        client: reqwest::Client::new(),
        db,
        ns,
        bus,
        upload_dir,
        shutdown,
        _server: server,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn names(&self) -> &Names {
        self.bus.names()
    }

    /// GET `path`: the status and the JSON body.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"));
        (status, body)
    }

    /// GET `path` and expect 200: the `data` of the envelope.
    pub async fn data(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        assert_eq!(body["status"], "success", "{body}");
        body["data"].clone()
    }

    /// GET `path` and expect `status` with the error envelope and `code`: the message.
    pub async fn error(&self, path: &str, status: StatusCode, code: &str) -> String {
        let (got, body) = self.get(path).await;
        assert_eq!(got, status, "GET {path}: {body}");
        assert_code(&body, code)
    }

    /// The text of GET /metrics.
    pub async fn metrics(&self) -> String {
        let res = self.client.get(self.url("/metrics")).send().await.unwrap();
        res.text().await.unwrap()
    }

    /// POST /api/batches with `form`.
    pub async fn post_batch(&self, form: Form) -> reqwest::Response {
        self.client
            .post(self.url("/api/batches"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Writes the batch `files` give, as the persister would, and returns it.
    pub async fn seed(&self, files: &Files) -> Seeded {
        seed(self.db.pool(), files, &files.name).await
    }

    /// Records a status event (as the persister's status recorder would).
    pub async fn record(&self, event: &StatusEvent) {
        tiqets_store::record_status(self.db.pool(), event)
            .await
            .unwrap();
    }
}

/// The error envelope's message, checking its form: status, one of the codes, message.
pub fn assert_error(body: &Value) -> String {
    assert_eq!(body["status"], "error", "{body}");
    let obj = body.as_object().unwrap();
    assert_eq!(obj.len(), 3, "only status, code and message: {body}");
    let code = body["code"].as_str().expect("a code");
    assert!(
        ErrorCode::ALL.iter().any(|c| c.as_str() == code),
        "a known code: {body}"
    );
    body["message"].as_str().expect("a message").to_string()
}

/// The error envelope's message, checking its form and that its code is `code`.
pub fn assert_code(body: &Value, code: &str) -> String {
    let message = assert_error(body);
    assert_eq!(body["code"], code, "{body}");
    message
}

/// A pair of input files.
#[derive(Clone)]
pub struct Files {
    pub name: String,
    pub orders: Vec<u8>,
    pub barcodes: Vec<u8>,
}

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/input")
}

impl Files {
    /// The bundled sample (`data/input`), which holds every issue kind.
    pub fn sample() -> Files {
        Files {
            name: "sample".into(),
            orders: std::fs::read(data_dir().join("orders.csv")).unwrap(),
            barcodes: std::fs::read(data_dir().join("barcodes.csv")).unwrap(),
        }
    }

    pub fn new(name: &str, orders: &str, barcodes: &str) -> Files {
        Files {
            name: name.into(),
            orders: orders.as_bytes().to_vec(),
            barcodes: barcodes.as_bytes().to_vec(),
        }
    }

    /// A multipart form of the two files, named `orders.csv` and `barcodes.csv`.
    pub fn form(&self) -> Form {
        self.form_named(Some("orders.csv"), Some("barcodes.csv"))
    }

    /// A multipart form of the two files with these file names (none: parts without one).
    pub fn form_named(&self, orders: Option<&str>, barcodes: Option<&str>) -> Form {
        let part = |bytes: &[u8], name: Option<&str>| {
            let part = Part::bytes(bytes.to_vec());
            match name {
                Some(name) => part.file_name(name.to_string()),
                None => part,
            }
        };
        Form::new()
            .part("orders", part(&self.orders, orders))
            .part("barcodes", part(&self.barcodes, barcodes))
    }

    pub fn batch_id(&self) -> BatchId {
        BatchId::for_pair(&Sha256::of(&self.orders), &Sha256::of(&self.barcodes))
    }

    /// What the CLI's rules make of them.
    pub fn outcome(&self) -> Outcome {
        tiqets_domain::process(&self.orders[..], &self.barcodes[..], (0, 0), &|_| {})
            .expect("a processable pair")
    }

    /// `processed_orders.csv` and `issues.csv` as `tiqets process` writes them.
    pub fn expected_csv(&self) -> (String, String) {
        let outcome = self.outcome();
        let mut processed = Vec::new();
        tiqets_domain::write_processed(&outcome, &mut processed).unwrap();
        let mut issues = Vec::new();
        tiqets_domain::write_issue_report(outcome.issues(), outcome.not_itemised(), &mut issues)
            .unwrap();
        (
            String::from_utf8(processed).unwrap(),
            String::from_utf8(issues).unwrap(),
        )
    }

    /// The unused barcodes with their `barcodes.csv` lines (rules 2 and 3 by hand, checked
    /// against the domain's list).
    pub fn unused_with_lines(&self) -> Vec<(String, u64)> {
        let mut rows: Vec<(String, Option<u64>, u64)> = Vec::new();
        let mut parser = BarcodesParser::new();
        let mut sink = |p: Parsed<tiqets_domain::BarcodeRow<'_>>| {
            if let Parsed::Row(r) = p {
                rows.push((r.barcode.to_string(), r.order_id, r.line));
            }
        };
        parser.push(&self.barcodes, &mut sink).unwrap();
        parser.finish(&mut sink).unwrap();
        let mut seen = HashSet::new();
        let unused: Vec<(String, u64)> = rows
            .into_iter()
            .filter(|(b, _, _)| seen.insert(b.clone()))
            .filter(|(_, order, _)| order.is_none())
            .map(|(b, _, line)| (b, line))
            .collect();
        let domain: Vec<String> = self.outcome().unused().map(|b| b.to_string()).collect();
        let mine: Vec<String> = unused.iter().map(|(b, _)| b.clone()).collect();
        assert_eq!(
            mine, domain,
            "the unused barcodes by hand agree with the domain"
        );
        unused
    }
}

/// A batch written into the database.
pub struct Seeded {
    pub id: String,
    pub counts: BatchCounts,
}

/// Writes `files`' results with the store's batch writer (COPY, one transaction), as the
/// persister does, recording `received` first and `completed` with the counts.
pub async fn seed(pool: &tiqets_store::Pool, files: &Files, name: &str) -> Seeded {
    let id = files.batch_id();
    let received = StatusEvent::new(id.clone(), name, BatchStatus::Received, 1);
    tiqets_store::record_status(pool, &received).await.unwrap();
    let outcome = files.outcome();
    let unused = files.unused_with_lines();
    let mut writer = BatchWriter::begin(pool, &id).await.unwrap();
    let mut orders = writer.orders().await.unwrap();
    // The output file read back into the copy, line by line.
    let mut csv = Vec::new();
    tiqets_domain::write_processed(&outcome, &mut csv).unwrap();
    let mut reader = ResultReader::<ProcessedOrdersCsv>::new();
    let mut added = Ok(());
    let mut add = |line: OrderLine<'_>| {
        if added.is_ok() {
            added = orders.add(&line);
        }
    };
    reader.push(&csv, &mut add).unwrap();
    reader.finish(&mut add).unwrap();
    added.unwrap();
    let orders = orders.finish().await.unwrap();
    let mut copy = writer.unused().await.unwrap();
    for (barcode, line) in &unused {
        let line = UnusedLine {
            barcode,
            line: *line,
        };
        copy.write(&line).await.unwrap();
    }
    let unused = copy.finish().await.unwrap();
    let mut issues = writer.issues().await.unwrap();
    for issue in outcome.issues() {
        issues.write(&issue.into()).await.unwrap();
    }
    let issues = issues.finish().await.unwrap();
    let (counts, _) = writer
        .commit(name, 1, orders, unused, issues)
        .await
        .unwrap();
    Seeded {
        id: id.to_string(),
        counts,
    }
}

/// A batch stuck validating and a failed one, recorded by their status events: their ids.
pub async fn running_and_failed(app: &TestApp) -> (String, String) {
    let running = BatchId::parse("brunning").unwrap();
    app.record(&StatusEvent::new(
        running.clone(),
        "running",
        BatchStatus::Received,
        1,
    ))
    .await;
    app.record(&StatusEvent::new(
        running.clone(),
        "running",
        BatchStatus::Validating,
        1,
    ))
    .await;
    let failed = BatchId::parse("bfailed").unwrap();
    app.record(
        &StatusEvent::new(failed.clone(), "broken", BatchStatus::Failed, 1)
            .with_reason("orders.csv: missing required column `customer_id`"),
    )
    .await;
    (running.to_string(), failed.to_string())
}
