//! Ingest's metrics, registered in the process's registry ([`tiqets_telemetry::metrics`])
//! and so served at `/metrics` of the health endpoint (`TIQETS_HEALTH_ADDR`).
//!
//! - `tiqets_ingest_rejected_total{reason}`: what ingest refused (see [`crate::refuse`]), by
//!   reason: `too_large`, pairs failed because a file is larger than
//!   `TIQETS_INGEST_MAX_FILE_BYTES`; `not_a_regular_file`, entries that are symbolic links,
//!   FIFOs, sockets, devices or folders where a file is expected (each counted once, when it
//!   is moved to the rejected folder or first found impossible to move).

use prometheus::{IntCounterVec, Opts};
use std::sync::OnceLock;

/// Why something was refused: the `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    TooLarge,
    NotARegularFile,
}

impl Rejection {
    pub const ALL: [Rejection; 2] = [Rejection::TooLarge, Rejection::NotARegularFile];

    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::TooLarge => "too_large",
            Rejection::NotARegularFile => "not_a_regular_file",
        }
    }
}

fn rejected_total() -> &'static IntCounterVec {
    static REJECTED: OnceLock<IntCounterVec> = OnceLock::new();
    REJECTED.get_or_init(|| {
        // The name, help text and label are static and valid.
        let c = IntCounterVec::new(
            Opts::new(
                "tiqets_ingest_rejected_total",
                "Input refused by ingest, by reason (too_large, not_a_regular_file)",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let _ = tiqets_telemetry::metrics::registry().register(Box::new(c.clone()));
        // Every series from the start, at 0.
        for r in Rejection::ALL {
            c.with_label_values(&[r.as_str()]);
        }
        c
    })
}

/// Registers the metrics (so that they are served, at 0, before anything happens).
pub fn init() {
    rejected_total();
}

/// Counts one refusal.
pub fn rejected(reason: Rejection) {
    rejected_total().with_label_values(&[reason.as_str()]).inc();
}

/// The count so far of `reason` (for tests and logs).
pub fn rejected_count(reason: Rejection) -> u64 {
    rejected_total().with_label_values(&[reason.as_str()]).get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_reasons_are_served_from_the_start() {
        init();
        let text = tiqets_telemetry::metrics::render();
        for r in Rejection::ALL {
            let series = format!("tiqets_ingest_rejected_total{{reason=\"{}\"}}", r.as_str());
            assert!(text.contains(&series), "{series} in {text}");
        }
        let before = rejected_count(Rejection::TooLarge);
        rejected(Rejection::TooLarge);
        assert_eq!(rejected_count(Rejection::TooLarge), before + 1);
    }
}
