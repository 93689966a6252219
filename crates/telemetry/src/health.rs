//! A small health endpoint for the services that do not otherwise serve HTTP (ingest and
//! the consumers): `GET /healthz` (the process answers), `GET /readyz` (200 once the service
//! reports itself ready, 503 before and while draining), `GET /metrics` (Prometheus text:
//! the process's [`crate::metrics::registry`], then a service's own callback). Kubernetes probes and `scripts/stack` use it.
//!
//! Where it listens is each service's `TIQETS_HEALTH_ADDR` ([`HealthAddr`]): a default of
//! its own on 127.0.0.1, an address set explicitly, or `off`. A taken default port (a second
//! replica on this host) is a warning and the service runs without the endpoint; a taken
//! address that was set explicitly is an error naming the variable.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tiqets_config::shared::HEALTH_ADDR_VAR;
use tiqets_config::HealthAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A service's readiness, as its health endpoint reports it: ready when it has parts (its
/// consumer loops, the ingest loop) and every one of them says it is ready. Each part holds
/// its own [`ReadyFlag`], so two loops of one process (the persister's) cannot overwrite
/// each other.
#[derive(Clone, Default)]
pub struct Readiness(Arc<Mutex<Vec<ReadyFlag>>>);

impl Readiness {
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// A new part of the service, not ready until it says so.
    pub fn part(&self) -> ReadyFlag {
        let flag = ReadyFlag::detached();
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(flag.clone());
        flag
    }

    pub fn is_ready(&self) -> bool {
        let parts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        !parts.is_empty() && parts.iter().all(ReadyFlag::is_ready)
    }
}

/// One part's readiness (see [`Readiness::part`]).
#[derive(Clone, Debug, Default)]
pub struct ReadyFlag(Arc<AtomicBool>);

impl ReadyFlag {
    /// A flag that belongs to no [`Readiness`] (tests, tools).
    pub fn detached() -> ReadyFlag {
        ReadyFlag::default()
    }

    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Starts the endpoint at `addr`, answering `/readyz` from `readiness`. Returns the bound
/// address, `None` when off or when the default address is taken (logged as a warning).
pub async fn serve_at(
    addr: HealthAddr,
    readiness: Readiness,
    metrics: Option<MetricsFn>,
    shutdown: CancellationToken,
) -> std::io::Result<Option<SocketAddr>> {
    let (at, explicit) = match addr {
        HealthAddr::Off => return Ok(None),
        HealthAddr::Default(at) => (at, false),
        HealthAddr::Set(at) => (at, true),
    };
    match serve(at, readiness, metrics, shutdown).await {
        Ok(bound) => {
            tracing::info!(addr = %bound, "health endpoint listening");
            Ok(Some(bound))
        }
        Err(e) if explicit => Err(std::io::Error::new(
            e.kind(),
            format!("{HEALTH_ADDR_VAR}={at}: cannot listen there: {e}"),
        )),
        Err(e) => {
            tracing::warn!(
                addr = %at,
                error = %e,
                "the health endpoint's default address is taken (another replica on this \
                 host?): running without /healthz, /readyz and /metrics; set \
                 {HEALTH_ADDR_VAR} to a free address, or to off"
            );
            Ok(None)
        }
    }
}

/// Renders the service's metrics in the Prometheus text format.
pub type MetricsFn = Arc<dyn Fn() -> String + Send + Sync>;

/// Binds `addr` and answers health requests until `shutdown` fires. Returns the bound
/// address (useful with port 0).
pub async fn serve(
    addr: SocketAddr,
    readiness: Readiness,
    metrics: Option<MetricsFn>,
    shutdown: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = shutdown.cancelled() => return,
                a = listener.accept() => a,
            };
            let Ok((mut stream, _)) = accepted else {
                continue;
            };
            let (readiness, metrics) = (readiness.clone(), metrics.clone());
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let n = match tokio::time::timeout(
                    std::time::Duration::from_secs(5),
                    stream.read(&mut buf),
                )
                .await
                {
                    Ok(Ok(n)) => n,
                    _ => return,
                };
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = match path {
                    "/healthz" => ("200 OK", "ok\n".to_string()),
                    "/readyz" if readiness.is_ready() => ("200 OK", "ready\n".to_string()),
                    "/readyz" => ("503 Service Unavailable", "not ready\n".to_string()),
                    "/metrics" => (
                        "200 OK",
                        crate::metrics::render() + &metrics.map(|m| m()).unwrap_or_default(),
                    ),
                    _ => ("404 Not Found", "not found\n".to_string()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn readiness_and_metrics_are_served() {
        let ready = Readiness::new();
        let metrics: MetricsFn = Arc::new(|| "tiqets_up 1\n".to_string());
        let stop = CancellationToken::new();
        let addr = serve(
            "127.0.0.1:0".parse().unwrap(),
            ready.clone(),
            Some(metrics),
            stop.clone(),
        )
        .await
        .unwrap();
        assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 503"));
        let (work, status) = (ready.part(), ready.part());
        work.set(true);
        assert!(
            get(addr, "/readyz").await.starts_with("HTTP/1.1 503"),
            "one part of two"
        );
        status.set(true);
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
        work.set(false);
        assert!(
            get(addr, "/readyz").await.starts_with("HTTP/1.1 503"),
            "a part went away"
        );
        assert!(get(addr, "/metrics").await.ends_with("tiqets_up 1\n"));
        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        stop.cancel();
    }

    #[tokio::test]
    async fn a_taken_default_address_is_skipped_and_a_set_one_is_an_error() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let at = taken.local_addr().unwrap();
        let stop = CancellationToken::new();
        let skipped = serve_at(
            HealthAddr::Default(at),
            Readiness::new(),
            None,
            stop.clone(),
        )
        .await;
        assert_eq!(skipped.unwrap(), None);
        let e = serve_at(HealthAddr::Set(at), Readiness::new(), None, stop.clone())
            .await
            .unwrap_err();
        assert!(e.to_string().starts_with("TIQETS_HEALTH_ADDR="), "{e}");
        assert_eq!(
            serve_at(HealthAddr::Off, Readiness::new(), None, stop.clone())
                .await
                .unwrap(),
            None
        );
        let free = HealthAddr::Default("127.0.0.1:0".parse().unwrap());
        let bound = serve_at(free, Readiness::new(), None, stop.clone())
            .await
            .unwrap()
            .unwrap();
        assert!(get(bound, "/healthz").await.starts_with("HTTP/1.1 200"));
        stop.cancel();
    }
}
