//! A NATS namespace per test.

use crate::services::ensure_services;
use futures::TryStreamExt;

/// A random namespace `test_<hex>` (the `TIQETS_NAMESPACE` of one test) on the shared NATS
/// server. Dropping it deletes every stream whose name contains it — its own streams and the
/// `OBJ_`/`KV_` streams behind its buckets — best effort.
pub struct TestNamespace {
    name: String,
    nats_url: String,
}

impl TestNamespace {
    /// A fresh namespace on the shared server.
    pub fn new() -> TestNamespace {
        TestNamespace::on(&ensure_services().nats_url)
    }

    /// A fresh namespace on the server at `nats_url`.
    pub fn on(nats_url: &str) -> TestNamespace {
        TestNamespace {
            name: format!("test_{:012x}", rand::random::<u64>() >> 16),
            nats_url: nats_url.to_owned(),
        }
    }

    /// The namespace, as `TIQETS_NAMESPACE`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's URL, as `NATS_URL`.
    pub fn nats_url(&self) -> &str {
        &self.nats_url
    }

    /// A client connected to the server.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn client(&self) -> async_nats::Client {
        async_nats::connect(&self.nats_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.nats_url))
    }
}

impl Default for TestNamespace {
    fn default() -> Self {
        TestNamespace::new()
    }
}

async fn delete_streams(nats_url: &str, ns: &str) -> Result<(), async_nats::Error> {
    let client = async_nats::connect(nats_url).await?;
    let js = async_nats::jetstream::new(client);
    let names: Vec<String> = js.stream_names().try_collect().await?;
    for name in names.iter().filter(|n| n.contains(ns)) {
        js.delete_stream(name).await?;
    }
    Ok(())
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let nats_url = self.nats_url.clone();
        let ns = self.name.clone();
        // Drop cannot await, and may run inside a runtime: do the work on a thread of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    delete_streams(&nats_url, &ns),
                )
                .await
            })?
        })
        .join();
        if !matches!(done, Ok(Ok(()))) {
            eprintln!(
                "testkit: could not delete the streams of {} (best effort)",
                self.name
            );
        }
    }
}
