//! A bus in a namespace of its own, set up as the services expect, and pairs put on it the
//! way ingest puts them.

use crate::namespace::TestNamespace;
use async_nats::jetstream::message::StreamMessage;
use tiqets_bus::{setup, Bus};
use tiqets_contract::{Names, Sha256, Source, ValidateWork};
use tiqets_intake::{Input, PairRequest, Published, Publisher};

/// A [`Bus`] connected in a fresh [`TestNamespace`] with every stream, bucket and consumer
/// made by [`setup::ensure`]. The namespace's streams go when it is dropped; [`TestBus::cleanup`]
/// deletes them at once.
pub struct TestBus {
    pub bus: Bus,
    pub ns: TestNamespace,
}

impl TestBus {
    /// Connects as `tiqets-tests` in a fresh namespace on the shared server.
    pub async fn new() -> TestBus {
        TestBus::named("tiqets-tests").await
    }

    /// Connects as `client` (the connection's name) in a fresh namespace on the shared server.
    ///
    /// # Panics
    /// When NATS cannot be reached or the namespace cannot be set up.
    pub async fn named(client: &str) -> TestBus {
        let ns = TestNamespace::new();
        let bus = Bus::connect(ns.nats_url(), Names::new(ns.name()), client)
            .await
            .expect("NATS must be reachable for the integration tests");
        setup::ensure(&bus).await.expect("set up the namespace");
        TestBus { bus, ns }
    }

    pub fn names(&self) -> &Names {
        self.bus.names()
    }

    /// Deletes everything of the namespace.
    pub async fn cleanup(self) {
        setup::delete_all(&self.bus).await.expect("cleanup");
    }

    /// Stores both files and queues their `ValidateWork` through [`Publisher`], as ingest
    /// does (source: an upload of `orders.csv` and `barcodes.csv`); returns the work.
    ///
    /// # Panics
    /// When the pair is not queued as a new batch.
    pub async fn put_batch(&self, name: &str, orders: &[u8], barcodes: &[u8]) -> ValidateWork {
        let input = |bytes: &[u8]| Input {
            reader: std::io::Cursor::new(bytes.to_vec()),
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
        };
        let source = Source::Upload {
            orders: "orders.csv".into(),
            barcodes: "barcodes.csv".into(),
        };
        let request = PairRequest {
            name: name.into(),
            source: source.clone(),
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
            source,
            inputs,
            received_at: time::OffsetDateTime::now_utc(),
        }
    }

    /// The object `key` of the file bucket, as text.
    pub async fn object_text(&self, key: &str) -> String {
        use tokio::io::AsyncReadExt;
        let mut text = String::new();
        self.bus
            .files()
            .await
            .expect("the file bucket")
            .get(key)
            .await
            .unwrap_or_else(|e| panic!("object {key}: {e}"))
            .read_to_string(&mut text)
            .await
            .expect("a UTF-8 object");
        text
    }

    /// How many messages `stream` holds.
    pub async fn stream_messages(&self, stream: &str) -> u64 {
        let mut s = self.bus.jetstream().get_stream(stream).await.unwrap();
        s.info().await.unwrap().state.messages
    }

    /// Every message stored in `stream`, headers included, in stream order.
    pub async fn stored_all(&self, stream: &str) -> Vec<StreamMessage> {
        let mut s = self.bus.jetstream().get_stream(stream).await.unwrap();
        let state = s.info().await.unwrap().state.clone();
        let mut out = Vec::new();
        if state.messages == 0 {
            return out;
        }
        for seq in state.first_sequence..=state.last_sequence {
            if let Ok(m) = s.get_raw_message(seq).await {
                out.push(m);
            }
        }
        out
    }

    /// The messages stored on `subject` in `stream`, headers included, in stream order.
    pub async fn stored(&self, stream: &str, subject: &str) -> Vec<StreamMessage> {
        let mut all = self.stored_all(stream).await;
        all.retain(|m| m.subject.as_str() == subject);
        all
    }
}
