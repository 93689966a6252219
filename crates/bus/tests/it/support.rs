//! A namespace per test, deleted at the end, and polling with a deadline.

use rand::Rng;
use std::future::Future;
use std::time::{Duration, Instant};
use tiqets_bus::{setup, Bus};
use tiqets_contract::Names;

pub struct TestBus {
    pub bus: Bus,
}

impl TestBus {
    /// Connects in a fresh `test-<random>` namespace with everything set up.
    pub async fn new() -> TestBus {
        let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
        let ns = format!("test-{:016x}", rand::thread_rng().gen::<u64>());
        let bus = Bus::connect(&url, Names::new(ns), "tiqets-bus-tests")
            .await
            .expect("NATS must be reachable for the integration tests");
        setup::ensure(&bus).await.expect("setup");
        TestBus { bus }
    }

    pub fn names(&self) -> &Names {
        self.bus.names()
    }

    pub async fn cleanup(self) {
        setup::delete_all(&self.bus).await.expect("cleanup");
    }
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
