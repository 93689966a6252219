//! A namespace with everything set up, batches put the way ingest puts them, and readers
//! for what the validator published.

use std::path::PathBuf;
use tiqets_bus::{setup, Bus};
use tiqets_contract::{MergeWork, Names, RowChunk, Sha256, Source, StatusEvent, ValidateWork};
use tiqets_intake::{Input, PairRequest, Published, Publisher};
use tiqets_testkit::TestNamespace;
use tiqets_validator::Settings;

pub struct Env {
    pub bus: Bus,
    pub ns: TestNamespace,
}

impl Env {
    pub async fn new() -> Env {
        let ns = TestNamespace::new();
        let bus = Bus::connect(ns.nats_url(), Names::new(ns.name()), "validator-tests")
            .await
            .expect("NATS reachable");
        setup::ensure(&bus).await.expect("setup");
        Env { bus, ns }
    }

    pub fn names(&self) -> &Names {
        self.bus.names()
    }

    /// Settings for this namespace; small chunks so that the sample spans several.
    pub fn settings(&self) -> Settings {
        Settings {
            common: tiqets_config::Common::new(self.ns.nats_url(), self.ns.name()),
            chunk_bytes: 4096,
            inflight: 4,
            drain_timeout: std::time::Duration::from_secs(2),
            health: tiqets_config::HealthAddr::Off,
        }
    }

    /// Stores both files and queues their `ValidateWork`, as ingest does; returns the work.
    pub async fn put_batch(&self, name: &str, orders: &[u8], barcodes: &[u8]) -> ValidateWork {
        let input = |bytes: &[u8]| Input {
            reader: std::io::Cursor::new(bytes.to_vec()),
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
        };
        let request = PairRequest {
            name: name.into(),
            source: Source::Upload {
                orders: "orders.csv".into(),
                barcodes: "barcodes.csv".into(),
            },
            supersedes: None,
        };
        let published = Publisher::new(self.bus.clone())
            .publish_pair(request, input(orders), input(barcodes))
            .await
            .expect("publish the pair");
        let Published::Queued { batch, inputs } = published else {
            panic!("a new pair is queued, got {published:?}")
        };
        ValidateWork {
            batch,
            source: Source::Upload {
                orders: "orders.csv".into(),
                barcodes: "barcodes.csv".into(),
            },
            inputs,
            received_at: time::OffsetDateTime::now_utc(),
        }
    }

    /// Every message stored on `subject` in `stream`, in stream order.
    pub async fn messages(&self, stream: &str, subject: &str) -> Vec<bytes::Bytes> {
        let stored = self.stored(stream, subject).await;
        stored.into_iter().map(|m| m.payload).collect()
    }

    /// The messages stored on `subject` in `stream`, headers included, in stream order.
    pub async fn stored(
        &self,
        stream: &str,
        subject: &str,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        let mut s = self.bus.jetstream().get_stream(stream).await.unwrap();
        let state = s.info().await.unwrap().state.clone();
        let mut out = Vec::new();
        if state.messages == 0 {
            return out;
        }
        for seq in state.first_sequence..=state.last_sequence {
            if let Ok(m) = s.get_raw_message(seq).await {
                if m.subject.as_str() == subject {
                    out.push(m);
                }
            }
        }
        out
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
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/input")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
