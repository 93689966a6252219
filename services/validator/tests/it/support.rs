//! A namespace with everything set up, batches put the way ingest puts them, and readers
//! for what the validator published.

use tiqets_contract::{MergeWork, RowChunk, StatusEvent, ValidateWork};
use tiqets_testkit::{Pair, TestBus};
use tiqets_validator::Settings;

/// A [`TestBus`] (what `env.bus`, `env.ns`, `env.put_batch` … are) with the validator's
/// readers.
pub struct Env(TestBus);

impl std::ops::Deref for Env {
    type Target = TestBus;
    fn deref(&self) -> &TestBus {
        &self.0
    }
}

impl Env {
    pub async fn new() -> Env {
        Env(TestBus::named("validator-tests").await)
    }

    /// Settings for this namespace; small chunks so that the sample spans several.
    pub fn settings(&self) -> Settings {
        Settings {
            common: tiqets_config::Common::new(self.ns.nats_url(), self.ns.name()),
            chunk_bytes: 4096,
            inflight: 4,
            drain_timeout: std::time::Duration::from_secs(2),
            health: tiqets_config::HealthAddr::Off,
            issue_limit: tiqets_domain::IssueLimit::DEFAULT,
            memory: Settings::default().memory,
        }
    }

    /// Every message stored on `subject` in `stream`, in stream order.
    pub async fn messages(&self, stream: &str, subject: &str) -> Vec<bytes::Bytes> {
        let stored = self.stored(stream, subject).await;
        stored.into_iter().map(|m| m.payload).collect()
    }

    /// The reasons of the abort markers stored for one file of a batch attempt.
    pub async fn abort_markers(
        &self,
        work: &ValidateWork,
        file: tiqets_domain::FileKind,
    ) -> Vec<String> {
        let b = &work.batch;
        let subject = self.names().rows(b.batch_id.as_str(), b.attempt, file);
        let stored = self.stored(&self.names().rows_stream(), &subject).await;
        stored
            .iter()
            .filter_map(|m| m.headers.get(tiqets_contract::ABORT_HEADER))
            .map(|v| v.as_str().to_owned())
            .collect()
    }

    /// The chunks stored for one file of a batch attempt (abort markers left out), decoded,
    /// in stream order.
    pub async fn chunks(
        &self,
        work: &ValidateWork,
        file: tiqets_domain::FileKind,
    ) -> Vec<RowChunk> {
        let b = &work.batch;
        let subject = self.names().rows(b.batch_id.as_str(), b.attempt, file);
        self.stored(&self.names().rows_stream(), &subject)
            .await
            .iter()
            .filter(|m| m.headers.get(tiqets_contract::ABORT_HEADER).is_none())
            .map(|m| RowChunk::decode(&m.payload).expect("a valid chunk"))
            .collect()
    }

    /// The `MergeWork` messages waiting in the work queue.
    pub async fn merge_work(&self) -> Vec<MergeWork> {
        self.messages(&self.names().work_stream(), &self.names().work_merge())
            .await
            .iter()
            .map(|p| serde_json::from_slice(p).expect("MergeWork JSON"))
            .collect()
    }

    pub async fn last_status(&self, work: &ValidateWork) -> StatusEvent {
        self.bus
            .last_status(&work.batch.batch_id)
            .await
            .unwrap()
            .expect("a status")
    }
}

/// A file of the bundled sample (`data/input`).
pub fn sample(name: &str) -> Vec<u8> {
    tiqets_testkit::pair::read(Pair::sample().orders.with_file_name(name))
}
