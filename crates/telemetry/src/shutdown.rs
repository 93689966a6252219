//! The shutdown signal: one token, cancelled on SIGTERM or SIGINT (Ctrl-C).

use tokio_util::sync::CancellationToken;

/// A token cancelled on the first SIGTERM or SIGINT. Call inside a tokio runtime.
pub fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let fire = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown signal received");
        fire.cancel();
    });
    token
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the service");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs `step` until it succeeds (`Ok(Some(value))`), fails for good (`Err`), or `shutdown`
/// fires first (`Ok(None)`). Failures that `transient` accepts are logged and retried with
/// a doubling back-off from 250 ms up to 10 s: the start-up of a service whose NATS or
/// PostgreSQL is not there yet.
pub async fn until_ready<T, E, F, Fut>(
    shutdown: &CancellationToken,
    what: &str,
    mut step: F,
    transient: impl Fn(&E) -> bool,
) -> Result<Option<T>, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut delay = std::time::Duration::from_millis(250);
    loop {
        match step().await {
            Ok(value) => return Ok(Some(value)),
            Err(e) if transient(&e) => {
                let retry_in_ms = delay.as_millis() as u64;
                tracing::warn!(error = %e, retry_in_ms, "{what} failed, retrying");
            }
            Err(e) => return Err(e),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(None),
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(std::time::Duration::from_secs(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test]
    async fn retries_transient_failures_and_stops_on_a_fatal_one_or_shutdown() {
        let shutdown = CancellationToken::new();
        let calls = Cell::new(0);
        let step = || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err("busy")
                } else {
                    Ok(n)
                }
            }
        };
        assert_eq!(
            until_ready(&shutdown, "t", step, |_| true).await,
            Ok(Some(3))
        );
        let fatal = || async { Err::<(), _>("broken") };
        assert_eq!(
            until_ready(&shutdown, "t", fatal, |e| *e != "broken").await,
            Err("broken")
        );
        shutdown.cancel();
        let never = || async { Err::<(), _>("down") };
        assert_eq!(until_ready(&shutdown, "t", never, |_| true).await, Ok(None));
    }
}
