//! [`Backoff`]: how long the loop waits after a fetch or connection error before it tries
//! again: 250 ms, doubling up to 10 s, back to 250 ms once a message arrives.

use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The first wait, and the one after a reset.
const FIRST: Duration = Duration::from_millis(250);
/// The longest wait.
const MOST: Duration = Duration::from_secs(10);

/// The wait before the loop's next try.
#[derive(Debug)]
pub(super) struct Backoff(Duration);

impl Backoff {
    pub(super) fn new() -> Backoff {
        Backoff(FIRST)
    }

    /// Something worked: the next failure waits the shortest time again.
    pub(super) fn reset(&mut self) {
        self.0 = FIRST;
    }

    /// Takes the current wait and doubles the next one (up to [`MOST`]).
    fn next_delay(&mut self) -> Duration {
        let delay = self.0;
        self.0 = (self.0 * 2).min(MOST);
        delay
    }

    /// Waits the current delay, or until `shutdown` fires.
    pub(super) async fn wait(&mut self, shutdown: &CancellationToken) {
        let delay = self.next_delay();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_ten_seconds_and_a_reset_starts_over() {
        let mut b = Backoff::new();
        let ms: Vec<u128> = (0..8).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(ms, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(250));
    }

    #[tokio::test]
    async fn a_shutdown_cuts_the_wait_short() {
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let mut b = Backoff(MOST);
        let started = std::time::Instant::now();
        b.wait(&shutdown).await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(b.0, MOST, "the next wait still grew");
    }
}
