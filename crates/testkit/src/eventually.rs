//! Polling with a deadline instead of sleeping.

use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};

/// What a check passed to [`eventually`] may answer: `bool`, `Option<T>` or `Result<T, E>`.
pub trait Check {
    type Output;
    /// `Ok` when done, `Err(why not yet)` otherwise.
    fn settle(self) -> Result<Self::Output, String>;
}

impl Check for bool {
    type Output = ();
    fn settle(self) -> Result<(), String> {
        if self {
            Ok(())
        } else {
            Err("condition was false".into())
        }
    }
}

impl<T> Check for Option<T> {
    type Output = T;
    fn settle(self) -> Result<T, String> {
        self.ok_or_else(|| "got None".into())
    }
}

impl<T, E: Debug> Check for Result<T, E> {
    type Output = T;
    fn settle(self) -> Result<T, String> {
        self.map_err(|e| format!("{e:?}"))
    }
}

/// Runs `check` until it succeeds (`true`, `Some`, `Ok`) and returns its value; panics with
/// the last answer when `deadline` passes first.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// let start = std::time::Instant::now();
/// let waited = tiqets_testkit::eventually(Duration::from_secs(5), || async {
///     (start.elapsed() > Duration::from_millis(100)).then(|| start.elapsed())
/// })
/// .await;
/// assert!(waited >= Duration::from_millis(100));
/// # });
/// ```
pub async fn eventually<C, F, Fut>(deadline: Duration, check: F) -> C::Output
where
    C: Check,
    F: FnMut() -> Fut,
    Fut: Future<Output = C>,
{
    poll(None, deadline, check).await
}

/// [`eventually`] naming what it waits for: the panic says `timed out waiting for {what}`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// let n = tiqets_testkit::eventually_named("an answer", Duration::from_secs(5), || async {
///     Some(42)
/// })
/// .await;
/// assert_eq!(n, 42);
/// # });
/// ```
pub async fn eventually_named<C, F, Fut>(what: &str, deadline: Duration, check: F) -> C::Output
where
    C: Check,
    F: FnMut() -> Fut,
    Fut: Future<Output = C>,
{
    poll(Some(what), deadline, check).await
}

async fn poll<C, F, Fut>(what: Option<&str>, deadline: Duration, mut check: F) -> C::Output
where
    C: Check,
    F: FnMut() -> Fut,
    Fut: Future<Output = C>,
{
    let end = Instant::now() + deadline;
    let mut pause = Duration::from_millis(20);
    loop {
        let why = match check().await.settle() {
            Ok(value) => return value,
            Err(why) => why,
        };
        if Instant::now() >= end {
            match what {
                Some(what) => panic!("timed out waiting for {what} ({deadline:?}): {why}"),
                None => panic!("not so after {deadline:?}: {why}"),
            }
        }
        tokio::time::sleep(pause.min(end.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
