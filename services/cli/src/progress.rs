//! A one-line progress display on stderr, drawn only when stderr is a terminal (so never in
//! logs or pipes) and the input is big enough to wait for.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Inputs smaller than this are read too fast to need a display.
const MIN_TOTAL: u64 = 16 << 20;
const WIDTH: u64 = 40;

/// Bytes read so far out of `total`, redrawn at each whole percent (from any thread).
pub struct Progress {
    total: u64,
    done: AtomicU64,
    percent: AtomicU64,
    started: Instant,
    shown: bool,
}

impl Progress {
    /// A display of `total` bytes; hidden when `hidden`, when stderr is no terminal or when
    /// `total` is small (or unknown: 0).
    pub fn new(total: u64, hidden: bool) -> Progress {
        Progress {
            total,
            done: AtomicU64::new(0),
            percent: AtomicU64::new(0),
            started: Instant::now(),
            shown: !hidden && total >= MIN_TOTAL && std::io::stderr().is_terminal(),
        }
    }

    /// Counts `n` more bytes read.
    pub fn add(&self, n: u64) {
        if !self.shown {
            return;
        }
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let percent = (done.saturating_mul(100) / self.total).min(100);
        if self.percent.fetch_max(percent, Ordering::Relaxed) < percent {
            self.draw(done, percent);
        }
    }

    fn draw(&self, done: u64, percent: u64) {
        let filled = (percent * WIDTH / 100) as usize;
        let bar = format!(
            "{}{}",
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled)
        );
        let elapsed = self.started.elapsed().as_secs_f64();
        let left = elapsed * (self.total.saturating_sub(done)) as f64 / done.max(1) as f64;
        let mib = |b: u64| b >> 20;
        let _ = write!(
            std::io::stderr().lock(),
            "\r{bar} {percent:>3}% {}/{} MiB (eta {left:.0}s)",
            mib(done),
            mib(self.total)
        );
    }

    /// Clears the line drawn, if any.
    pub fn finish(&self) {
        if self.shown && self.percent.load(Ordering::Relaxed) > 0 {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}
