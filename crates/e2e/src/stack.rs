//! One test's stack: service processes with their environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A service binary: the four of the pipeline, and the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Ingest,
    Validator,
    Merger,
    Persister,
    /// Not in [`Service::ALL`]: started on its own, after [`Stack::set_env`] gave it
    /// `TIQETS_API_ADDR` (and `TIQETS_WEB_DIR` for the dashboard).
    Api,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Ingest,
        Service::Validator,
        Service::Merger,
        Service::Persister,
    ];

    pub fn binary(self) -> &'static str {
        match self {
            Service::Ingest => "tiqets-ingest",
            Service::Validator => "tiqets-validator",
            Service::Merger => "tiqets-merger",
            Service::Persister => "tiqets-persister",
            Service::Api => "tiqets-api",
        }
    }
}

/// The services of one test, with their folders and environment.
pub struct Stack {
    pub dir: tempfile::TempDir,
    pub namespace: String,
    pub nats_url: String,
    pub database_url: String,
    env: Vec<(String, String)>,
    service_env: HashMap<Service, Vec<(String, String)>>,
    /// The running replicas of each service, with their numbers.
    children: HashMap<Service, Vec<(usize, Child)>>,
    /// Replicas started so far, per service: the next one's number (and log file).
    started: HashMap<Service, usize>,
}

impl Stack {
    /// A stack on `nats_url` / `database_url` in namespace `namespace`, nothing started.
    pub fn new(namespace: &str, nats_url: &str, database_url: &str) -> Stack {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for sub in ["input", "archive", "output", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("stack folders");
        }
        Stack {
            namespace: namespace.to_owned(),
            nats_url: nats_url.to_owned(),
            database_url: database_url.to_owned(),
            env: Vec::new(),
            service_env: HashMap::new(),
            children: HashMap::new(),
            started: HashMap::new(),
            dir,
        }
    }

    pub fn input(&self) -> PathBuf {
        self.dir.path().join("input")
    }

    pub fn output(&self) -> PathBuf {
        self.dir.path().join("output")
    }

    pub fn archive(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    /// Adds an environment variable for every process started from now on.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Adds an environment variable for every replica of `service` started from now on
    /// (after, and so over, the [`Stack::set_env`] ones).
    pub fn set_service_env(&mut self, service: Service, key: &str, value: &str) {
        self.service_env
            .entry(service)
            .or_default()
            .push((key.to_owned(), value.to_owned()));
    }

    /// Starts one more replica of `service`: replica `n` (counted from 0 over the stack's
    /// life), logging to [`Stack::log_path`]`(service, n)`.
    pub fn start(&mut self, service: Service) {
        let counter = self.started.entry(service).or_insert(0);
        let n = *counter;
        *counter += 1;
        let log_path = self.log_path(service, n);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("a log file");
        let mut cmd = Command::new(binary(service.binary()));
        cmd.env("NATS_URL", &self.nats_url)
            .env("DATABASE_URL", &self.database_url)
            .env("TIQETS_NAMESPACE", &self.namespace)
            .env("TIQETS_INPUT_DIR", self.input())
            .env("TIQETS_ARCHIVE_DIR", self.archive())
            .env("TIQETS_OUTPUT_DIR", self.output())
            .env("TIQETS_QUIET_MS", "300")
            .env("TIQETS_RESCAN_SECS", "1")
            .env("TIQETS_INSTANCE", format!("{}-{n}", service.binary()))
            .env("RUST_LOG", "info")
            // Replicas share this host: no health endpoint unless a test asks for one.
            .env("TIQETS_HEALTH_ADDR", "off")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(
                self.service_env
                    .get(&service)
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k, v)),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", service.binary()));
        self.children.entry(service).or_default().push((n, child));
    }

    /// Starts `replicas` of every service.
    pub fn start_all(&mut self, replicas: usize) {
        for _ in 0..replicas {
            for s in Service::ALL {
                self.start(s);
            }
        }
    }

    /// The process ids of `service`'s running replicas.
    pub fn pids(&self, service: Service) -> Vec<u32> {
        self.children
            .get(&service)
            .map(|c| c.iter().map(|(_, child)| child.id()).collect())
            .unwrap_or_default()
    }

    /// Panics, with the logs, when a started replica has exited (a dependency's outage
    /// must be waited out, not end a service).
    pub fn assert_running(&mut self) {
        let mut exited = Vec::new();
        for (service, children) in &mut self.children {
            for (_, child) in children.iter_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    exited.push(format!("{service:?} ({status})"));
                }
            }
        }
        assert!(exited.is_empty(), "exited: {exited:?}\n{}", self.logs());
    }

    /// The log file of replica `n` of `service`.
    pub fn log_path(&self, service: Service, n: usize) -> PathBuf {
        self.dir
            .path()
            .join("logs")
            .join(format!("{}-{n}.log", service.binary()))
    }

    /// `kill -9` the running replica of `service` that was started as replica `n`.
    pub fn kill9_replica(&mut self, service: Service, n: usize) {
        let running = self
            .children
            .get_mut(&service)
            .expect("replicas of the service");
        let index = running
            .iter()
            .position(|(m, _)| *m == n)
            .expect("replica n is running");
        let (_, mut child) = running.remove(index);
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Freezes (`SIGSTOP`, `resume` false) or thaws (`SIGCONT`) the running replica of
    /// `service` started as replica `n`: frozen, what its log says it holds is what it
    /// holds, so a test can decide to kill it there.
    pub fn freeze_replica(&self, service: Service, n: usize, resume: bool) {
        let child = self
            .children
            .get(&service)
            .and_then(|r| r.iter().find(|(m, _)| *m == n))
            .map(|(_, c)| c)
            .expect("replica n is running");
        let signal = if resume { libc::SIGCONT } else { libc::SIGSTOP };
        // SAFETY: sending a signal to a child we own and have not waited on.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
    }

    /// `kill -9` every replica of `service` (no chance to clean up).
    pub fn kill9(&mut self, service: Service) {
        for (_, mut child) in self.children.remove(&service).unwrap_or_default() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM every replica of `service` and waits for it to exit.
    pub fn stop(&mut self, service: Service) {
        for (_, mut child) in self.children.remove(&service).unwrap_or_default() {
            terminate(&mut child);
        }
    }

    /// The services' logs, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let mut entries: Vec<_> = std::fs::read_dir(self.dir.path().join("logs"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            out += &format!("--- {}\n", path.display());
            // A panic's message, which its backtrace would push out of the tail.
            let lines: Vec<&str> = text.lines().collect();
            for (i, _) in lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.contains("panicked at"))
            {
                for line in &lines[i..(i + 3).min(lines.len())] {
                    out += line;
                    out.push('\n');
                }
                out += "…\n";
            }
            for line in tail.into_iter().rev() {
                out += line;
                out.push('\n');
            }
        }
        out
    }

    /// Drops `orders` and `barcodes` into the input folder the way a careful exporter does:
    /// written under a temporary name, then renamed into place. `folder` is a batch
    /// subfolder, or `None` for the top level.
    pub fn drop_pair(&self, folder: Option<&str>, orders: &Path, barcodes: &Path) -> PathBuf {
        let target = match folder {
            Some(f) => self.input().join(f),
            None => self.input(),
        };
        let staging = self.dir.path().join(".staging");
        std::fs::create_dir_all(&staging).expect("staging folder");
        let _ = std::fs::remove_dir_all(staging.join("pair"));
        std::fs::create_dir_all(staging.join("pair")).expect("staging pair");
        std::fs::copy(orders, staging.join("pair/orders.csv")).expect("copy orders");
        std::fs::copy(barcodes, staging.join("pair/barcodes.csv")).expect("copy barcodes");
        match folder {
            Some(_) => std::fs::rename(staging.join("pair"), &target).expect("rename folder"),
            None => {
                for f in ["orders.csv", "barcodes.csv"] {
                    std::fs::rename(staging.join("pair").join(f), target.join(f))
                        .expect("rename file");
                }
            }
        }
        target
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for (_, children) in self.children.drain() {
            for (_, mut child) in children {
                terminate(&mut child);
            }
        }
    }
}

fn terminate(child: &mut Child) {
    // SAFETY: sending a signal to a child we own; the pid is valid until we wait on it.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    for _ in 0..200 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The path of a workspace binary: next to the test executable's `deps` folder (cargo
/// builds every workspace binary for `cargo test --workspace`), built on demand otherwise.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf();
    let path = dir.join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            // --workspace: from this crate's folder, `--bin` alone looks in tiqets-e2e only.
            .args(["build", "--workspace", "--bin", name])
            .status()
            .expect("cargo build");
        assert!(status.success(), "cargo build --bin {name} failed");
    }
    path
}
