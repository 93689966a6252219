//! A namespace with everything set up, batches put the way ingest puts them, the two
//! stages run directly, and what `tiqets process` makes of the same files.

use std::path::PathBuf;
use std::time::Duration;
use tiqets_bus::Outcome;
use tiqets_contract::{MergeWork, PersistWork, ResultFile, Sha256, ValidateWork};
use tiqets_domain::FileKind;
use tiqets_merger::Merger;
pub use tiqets_testkit::pair::read;
use tiqets_testkit::{Pair, TestBus};
use tiqets_validator::Validator;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A [`TestBus`] (what `env.bus`, `env.ns`, `env.put_batch` … are) with the two stages run
/// directly.
pub struct Env(TestBus);

impl std::ops::Deref for Env {
    type Target = TestBus;
    fn deref(&self) -> &TestBus {
        &self.0
    }
}

impl Env {
    pub async fn new() -> Env {
        Env(TestBus::named("merger-tests").await)
    }

    /// Validator settings for this namespace: small chunks, so batches span several.
    pub fn validator_settings(&self) -> tiqets_validator::Settings {
        tiqets_validator::Settings {
            common: tiqets_config::Common::new(self.ns.nats_url(), self.ns.name()),
            chunk_bytes: 2048,
            inflight: 4,
            drain_timeout: Duration::from_secs(2),
            health: tiqets_config::HealthAddr::Off,
            issue_limit: tiqets_domain::IssueLimit::DEFAULT,
            memory: tiqets_validator::Settings::default().memory,
        }
    }

    pub fn merger_settings(&self) -> tiqets_merger::Settings {
        tiqets_merger::Settings {
            common: tiqets_config::Common::new(self.ns.nats_url(), self.ns.name()),
            chunk_wait: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(2),
            health: tiqets_config::HealthAddr::Off,
            memory_bytes: tiqets_merger::settings::DEFAULT_MEMORY_BYTES,
        }
    }

    /// The validator and the merger running as services in this namespace until `shutdown`.
    pub fn spawn_stages(&self, shutdown: &CancellationToken) -> [JoinHandle<()>; 2] {
        let readiness = tiqets_telemetry::health::Readiness::new;
        [
            tokio::spawn(tiqets_validator::run(
                self.validator_settings(),
                readiness(),
                shutdown.clone(),
            )),
            tokio::spawn(tiqets_merger::run(
                self.merger_settings(),
                readiness(),
                shutdown.clone(),
            )),
        ]
    }

    pub fn validator(&self) -> Validator {
        Validator::new(self.bus.clone(), &self.validator_settings())
    }

    pub fn merger(&self) -> Merger {
        Merger::new(self.bus.clone(), &self.merger_settings())
    }

    /// Validates `work` directly and returns the `MergeWork` it queued, with what was
    /// published of each file announced (counted from the stored chunks), so that the merge
    /// also checks the chunks against it.
    pub async fn validated(&self, work: &ValidateWork) -> MergeWork {
        let streamed = self.validated_streamed(work).await;
        self.announced(streamed).await
    }

    /// Validates `work` directly and returns the `MergeWork` it queued as it is (sent as
    /// validation started: nothing announced).
    pub async fn validated_streamed(&self, work: &ValidateWork) -> MergeWork {
        assert_eq!(self.validator().validate(work.clone()).await, Outcome::Ack);
        self.queued::<MergeWork>(&self.names().work_merge())
            .await
            .into_iter()
            .find(|m| m.batch == work.batch)
            .expect("a MergeWork for the batch")
    }

    /// `work` with each file's stored chunks announced.
    pub async fn announced(&self, mut work: MergeWork) -> MergeWork {
        let b = work.batch.clone();
        for file in [FileKind::Orders, FileKind::Barcodes] {
            let subject = self.names().rows(b.batch_id.as_str(), b.attempt, file);
            let mut set = tiqets_contract::ChunkSet::default();
            for m in self.stored(&self.names().rows_stream(), &subject).await {
                let chunk = tiqets_contract::RowChunk::decode(&m.payload).expect("a chunk");
                set.chunks += 1;
                set.rows += match &chunk.rows {
                    tiqets_contract::ChunkRows::Orders(r) => r.len(),
                    tiqets_contract::ChunkRows::Barcodes(r) => r.len(),
                } as u64;
                set.issues += chunk.issues.len() as u64;
            }
            match file {
                FileKind::Orders => work.orders = Some(set),
                FileKind::Barcodes => work.barcodes = Some(set),
            }
        }
        work
    }

    /// Merges `work` directly and returns the `PersistWork` it queued.
    pub async fn merged(&self, work: &MergeWork) -> PersistWork {
        assert_eq!(self.merger().merge(work.clone()).await, Outcome::Ack);
        self.persist_work(work)
            .await
            .expect("a PersistWork for the batch")
    }

    pub async fn persist_work(&self, work: &MergeWork) -> Option<PersistWork> {
        self.queued::<PersistWork>(&self.names().work_persist())
            .await
            .into_iter()
            .find(|p| p.batch == work.batch)
    }

    /// The JSON messages waiting on a work subject.
    pub async fn queued<T: serde::de::DeserializeOwned>(&self, subject: &str) -> Vec<T> {
        self.stored(&self.names().work_stream(), subject)
            .await
            .iter()
            .map(|m| serde_json::from_slice(&m.payload).expect("work JSON"))
            .collect()
    }

    /// The bytes of every result object of `work`, checked against its references.
    pub async fn results(&self, work: &PersistWork) -> Results {
        let files = self.bus.files().await.unwrap();
        let mut out = Results::default();
        assert_eq!(work.results.len(), ResultFile::ALL.len());
        for r in &work.results {
            let mut bytes = Vec::new();
            let mut object = files.get(&r.key).await.unwrap();
            tokio::io::AsyncReadExt::read_to_end(&mut object, &mut bytes)
                .await
                .unwrap();
            assert_eq!(
                r.key,
                self.names()
                    .result_key(work.batch.batch_id.as_str(), r.file)
            );
            assert_eq!(r.size, bytes.len() as u64, "{:?}", r.file);
            assert_eq!(r.sha256, Sha256::of(&bytes), "{:?}", r.file);
            let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
            assert_eq!(r.rows + 1, lines, "{:?}: rows + header", r.file);
            out.files.push((r.file, String::from_utf8(bytes).unwrap()));
        }
        out
    }
}

/// Waits for the stages of [`Env::spawn_stages`] to stop after their shutdown.
pub async fn stopped(stages: [JoinHandle<()>; 2]) {
    for stage in stages {
        let what = "each service stops after shutdown";
        tiqets_testkit::joined(stage, Duration::from_secs(10), what).await;
    }
}

/// The result objects of one batch.
#[derive(Debug, Default, PartialEq)]
pub struct Results {
    files: Vec<(ResultFile, String)>,
}

impl Results {
    pub fn get(&self, file: ResultFile) -> &str {
        &self
            .files
            .iter()
            .find(|(f, _)| *f == file)
            .expect("present")
            .1
    }
}

/// What `tiqets process` writes and prints for two files: the same domain calls it makes.
pub struct Cli {
    pub processed: String,
    pub issues: String,
    pub top: Vec<(u64, u64)>,
    pub unused: u64,
    pub outcome: tiqets_domain::Outcome,
}

pub fn cli(orders: &[u8], barcodes: &[u8]) -> Cli {
    let outcome = tiqets_domain::process(orders, barcodes, (0, 0), &|_| {}).unwrap();
    let mut processed = Vec::new();
    tiqets_domain::write_processed_parallel(&outcome, &mut processed).unwrap();
    let mut issues = Vec::new();
    tiqets_domain::write_issue_report(outcome.issues(), outcome.not_itemised(), &mut issues)
        .unwrap();
    Cli {
        processed: String::from_utf8(processed).unwrap(),
        issues: String::from_utf8(issues).unwrap(),
        top: outcome
            .top_customers(100)
            .iter()
            .map(|c| (c.customer_id, c.tickets))
            .collect(),
        unused: outcome.unused_count(),
        outcome,
    }
}

pub fn repo(path: &str) -> PathBuf {
    tiqets_testkit::pair::repo_root().join(path)
}

/// The bundled sample (`data/input`).
pub fn sample() -> (Vec<u8>, Vec<u8>) {
    Pair::sample().bytes()
}
