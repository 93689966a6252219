//! A running ingest in a fresh namespace with temporary input and archive folders.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tiqets_bus::setup;
use tiqets_contract::{BatchId, Sha256, StatusEvent};
use tiqets_ingest::Settings;
pub use tiqets_testkit::eventually_named as eventually;
use tiqets_testkit::TestBus;
use tokio_util::sync::CancellationToken;

pub const QUIET: Duration = Duration::from_millis(400);

pub struct Env {
    /// The bus, set up in the test's namespace (`env.bus` is its `Bus`).
    pub tb: TestBus,
    /// Holds the temporary folders until the test ends.
    _dir: tempfile::TempDir,
    pub settings: Settings,
    shutdown: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Env {
    /// A namespace and folders, ingest not started yet.
    pub async fn new() -> Env {
        let tb = TestBus::named("ingest-tests").await;
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::from_lookup(|_| None).unwrap();
        settings.common.namespace = tb.ns.name().to_string();
        settings.common.nats_url = tb.ns.nats_url().to_string();
        settings.input_dir = dir.path().join("input");
        settings.archive_dir = dir.path().join("archive");
        settings.rejected_dir = dir.path().join("archive/rejected");
        settings.quiet = QUIET;
        settings.rescan = Duration::from_secs(1);
        std::fs::create_dir_all(&settings.input_dir).unwrap();
        Env {
            tb,
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
            tiqets_ingest::run_with_bus(bus, settings, Default::default(), shutdown)
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

    pub async fn work_messages(&self) -> u64 {
        self.stream_messages(&self.bus.names().work_stream()).await
    }

    /// Every status event published so far, oldest first.
    pub async fn statuses(&self) -> Vec<StatusEvent> {
        self.stored_all(&self.bus.names().status_stream())
            .await
            .iter()
            .map(|msg| serde_json::from_slice(&msg.payload).unwrap())
            .collect()
    }

    /// Messages in the file bucket's stream (objects' chunks and metadata).
    pub async fn object_messages(&self) -> u64 {
        let bucket = self.bus.names().files_bucket();
        self.stream_messages(&format!("OBJ_{bucket}")).await
    }

    /// The refusals in the rejected folder: for each, its folder and what it holds
    /// (relative to it, links and FIFOs not followed), sorted.
    pub fn rejected(&self) -> Vec<(PathBuf, Vec<PathBuf>)> {
        let mut out = Vec::new();
        for arrival in std::fs::read_dir(&self.settings.rejected_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            let dir = arrival.path();
            let mut held: Vec<PathBuf> = entries_under(&dir)
                .into_iter()
                .map(|p| p.strip_prefix(&dir).unwrap().to_path_buf())
                .collect();
            held.sort();
            out.push((dir, held));
        }
        out.sort();
        out
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

impl std::ops::Deref for Env {
    type Target = TestBus;
    fn deref(&self) -> &TestBus {
        &self.tb
    }
}

/// An orders file being written row by row into a folder of the input, its barcodes there.
pub struct Growing {
    pub path: PathBuf,
    /// What was written so far.
    pub full: String,
    file: std::fs::File,
    rows: u64,
}

impl Growing {
    /// Writes `barcodes` and the header of `orders.csv` into folder `dir` of the input.
    pub fn start(env: &Env, dir: &str, barcodes: &str) -> Growing {
        env.write(&format!("{dir}/barcodes.csv"), barcodes);
        let path = env.input().join(dir).join("orders.csv");
        let full = String::from("order_id,customer_id\n");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(full.as_bytes()).unwrap();
        Growing {
            path,
            full,
            file,
            rows: 0,
        }
    }

    /// Appends one more row.
    pub fn add_row(&mut self) {
        self.rows += 1;
        let row = format!("{},{}\n", self.rows, self.rows * 10);
        self.file.write_all(row.as_bytes()).unwrap();
        self.file.flush().unwrap();
        self.full.push_str(&row);
    }

    /// Closes the file: what it holds.
    pub fn finish(self) -> String {
        self.full
    }
}

pub fn batch_of(orders: &str, barcodes: &str) -> BatchId {
    BatchId::for_pair(
        &Sha256::of(orders.as_bytes()),
        &Sha256::of(barcodes.as_bytes()),
    )
}

/// Everything but folders under `dir`, links not followed.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(files_in(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Everything under `dir`, folders included (and not entered when they are links).
pub fn entries_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(e.path());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(entries_under(&e.path()));
        }
    }
    out
}

/// Creates a FIFO (named pipe) at `path`.
pub fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// The log lines of the current thread while it is alive (a `#[tokio::test]` runs the
/// ingest it spawns on its own thread), as plain text.
pub struct Logs {
    buf: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub fn capture() -> Logs {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || sink.clone())
            .finish();
        Logs {
            buf,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// The lines captured so far that contain every one of `parts`.
    pub fn lines_with(&self, parts: &[&str]) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.buf.lock().unwrap()).into_owned();
        text.lines()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .map(str::to_string)
            .collect()
    }
}
