//! A running ingest in a fresh namespace with temporary input and archive folders.

use rand::Rng;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tiqets_bus::{setup, BatchId, Bus, Names, Sha256, StatusEvent};
use tiqets_ingest::Settings;
use tokio_util::sync::CancellationToken;

pub const QUIET: Duration = Duration::from_millis(400);

pub struct Env {
    pub bus: Bus,
    /// Holds the temporary folders until the test ends.
    _dir: tempfile::TempDir,
    pub settings: Settings,
    shutdown: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Env {
    /// A namespace and folders, ingest not started yet.
    pub async fn new() -> Env {
        let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
        let ns = format!("test-{:016x}", rand::thread_rng().gen::<u64>());
        let bus = Bus::connect(&url, Names::new(ns.clone()), "ingest-tests")
            .await
            .expect("NATS reachable");
        setup::ensure(&bus).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::from_lookup(|_| None).unwrap();
        settings.namespace = ns;
        settings.nats_url = url;
        settings.input_dir = dir.path().join("input");
        settings.archive_dir = dir.path().join("archive");
        settings.quiet = QUIET;
        settings.rescan = Duration::from_secs(1);
        std::fs::create_dir_all(&settings.input_dir).unwrap();
        Env {
            bus,
            _dir: dir,
            settings,
            shutdown: CancellationToken::new(),
            tasks: Vec::new(),
        }
    }

    pub async fn started() -> Env {
        let mut env = Env::new().await;
        env.start();
        env
    }

    pub fn start(&mut self) {
        self.start_replica("replica-a");
    }

    /// Starts one more ingest on the same folders (a replica with its own instance name).
    pub fn start_replica(&mut self, instance: &str) {
        let bus = self.bus.clone();
        let mut settings = self.settings.clone();
        settings.instance = instance.to_string();
        let shutdown = self.shutdown.clone();
        self.tasks.push(tokio::spawn(async move {
            tiqets_ingest::run_with_bus(bus, settings, shutdown)
                .await
                .unwrap();
        }));
    }

    pub fn input(&self) -> &Path {
        &self.settings.input_dir
    }

    pub fn write(&self, rel: &str, content: &str) {
        let p = self.input().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub async fn last_status(&self, id: &BatchId) -> Option<StatusEvent> {
        self.bus.last_status(id).await.unwrap()
    }

    pub async fn stream_messages(&self, stream: &str) -> u64 {
        let mut s = self.bus.jetstream().get_stream(stream).await.unwrap();
        s.info().await.unwrap().state.messages
    }

    pub async fn work_messages(&self) -> u64 {
        self.stream_messages(&self.bus.names().work_stream()).await
    }

    /// Files under the archive folder of a batch, by file name.
    pub fn archived(&self, id: &BatchId) -> Vec<String> {
        let root = self.settings.archive_dir.join(id.as_str());
        let mut out = Vec::new();
        for arrival in std::fs::read_dir(root).into_iter().flatten().flatten() {
            for f in std::fs::read_dir(arrival.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                out.push(f.file_name().to_string_lossy().into_owned());
            }
        }
        out.sort();
        out
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        for task in self.tasks.drain(..) {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("ingest stops")
                .unwrap();
        }
        setup::delete_all(&self.bus).await.unwrap();
    }
}

pub fn batch_of(orders: &str, barcodes: &str) -> BatchId {
    BatchId::for_pair(
        &Sha256::of(orders.as_bytes()),
        &Sha256::of(barcodes.as_bytes()),
    )
}

pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(files_in(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Polls `check` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
