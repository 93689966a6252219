//! Tasks a test spawned, joined with a deadline.

use std::time::Duration;
use tokio::task::JoinHandle;

/// The value of `task` once it ends; panics with `what` when it does not end within
/// `deadline`, and when it panicked.
pub async fn joined<T>(task: JoinHandle<T>, deadline: Duration, what: &str) -> T {
    tokio::time::timeout(deadline, task)
        .await
        .unwrap_or_else(|_| panic!("{what} (not within {deadline:?})"))
        .unwrap_or_else(|e| panic!("{what}: the task failed: {e}"))
}
