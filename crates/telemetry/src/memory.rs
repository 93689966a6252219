//! The process's memory held to its budget ([`MemoryBudget`], `docs/operations.md`,
//! "Memory budgets").
//!
//! A service keeps to its budget by design: the merger sizes its partitions from it, the
//! streaming services buffer a fixed amount, which their settings check against it at
//! start. This module checks that the design holds while the process runs:
//! - [`watch`] starts a check every [`CHECK_EVERY`], and publishes the budget and the
//!   highest peak seen as metrics (`tiqets_memory_budget_bytes`, `tiqets_memory_peak_bytes`).
//! - [`settle`] ends a unit of work (a message handled, a pair ingested): it checks the
//!   peak, gives the memory the work freed back to the system (the C allocator keeps freed
//!   memory in per-thread arenas, so without it one step's leftovers add to the next
//!   one's peak), and starts a new peak.
//! - A peak over the budget is an error in the log, naming the variable, and
//!   `tiqets_memory_over_budget_total` counts it: once per unit of work, or (in the api,
//!   which has none) once per time over, as the check starts a new peak when the resident
//!   memory is back under the budget.
//!
//! The peak is the kernel's (`VmHWM` in `/proc/self/status`, reset by writing `5` to
//! `/proc/self/clear_refs`). Where there is no `/proc` it is unknown, and nothing is checked.
//! The kernel records the peak when it unmaps memory on most paths, not all: a peak freed
//! between two checks may be seen lower than it was, so a budget leaves a margin.

use prometheus::{IntCounter, IntGauge};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tiqets_config::MemoryBudget;
use tokio_util::sync::CancellationToken;

/// How often [`watch`] checks the peak while work runs.
pub const CHECK_EVERY: Duration = Duration::from_millis(500);

/// The budget (once [`watch`] set it) and whether the current unit of work was reported
/// over it already.
struct State {
    budget: Option<MemoryBudget>,
    reported: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    budget: None,
    reported: false,
});

struct Metrics {
    budget: IntGauge,
    peak: IntGauge,
    over: IntCounter,
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let registry = crate::metrics::registry();
        // The names and help texts are static and valid.
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            let _ = registry.register(Box::new(g.clone()));
            g
        };
        let over = IntCounter::new(
            "tiqets_memory_over_budget_total",
            "Units of work (messages, pairs) whose peak resident memory went over the budget",
        )
        .expect("valid metric");
        let _ = registry.register(Box::new(over.clone()));
        Metrics {
            budget: gauge(
                "tiqets_memory_budget_bytes",
                "The memory budget (TIQETS_<SERVICE>_MEMORY_BYTES)",
            ),
            peak: gauge(
                "tiqets_memory_peak_bytes",
                "The highest peak resident memory (VmHWM) seen since the start",
            ),
            over,
        }
    })
}

/// Holds the process to `budget` until `shutdown`: a check every [`CHECK_EVERY`] (and at
/// each [`settle`]). Call it once, inside the tokio runtime.
pub fn watch(budget: MemoryBudget, shutdown: CancellationToken) {
    state().budget = Some(budget);
    metrics().budget.set(budget.bytes as i64);
    tracing::info!(
        budget_mib = budget.mib(),
        variable = budget.variable,
        "memory budget"
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECK_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => tick(),
                () = shutdown.cancelled() => break,
            }
        }
    });
}

/// A check while the process runs; once the memory reported over the budget is back under
/// it, a new peak starts, so that the next time over is reported too.
fn tick() {
    let mut state = state();
    check(&mut state);
    let Some(budget) = state.budget.filter(|_| state.reported) else {
        return;
    };
    if status_bytes("VmRSS:").is_some_and(|now| now <= budget.bytes) {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        state.reported = false;
    }
}

/// The end of a unit of work: its peak checked against the budget, freed memory given back
/// to the system, and a new peak started. Returns the peak, in bytes, when known.
pub fn settle() -> Option<u64> {
    let mut state = state();
    let peak = check(&mut state);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; no pointer is passed.
    unsafe {
        libc::malloc_trim(0);
    }
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    state.reported = false;
    peak
}

/// The peak resident memory since the last [`settle`] (or the start), in MiB.
pub fn peak_mib() -> Option<u64> {
    peak_bytes().map(|b| b >> 20)
}

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The peak so far, recorded, and reported when over the budget (once per unit of work).
fn check(state: &mut State) -> Option<u64> {
    let peak = peak_bytes()?;
    let m = metrics();
    if peak as i64 > m.peak.get() {
        m.peak.set(peak as i64);
    }
    if let Some(budget) = state.budget {
        if peak > budget.bytes && !state.reported {
            state.reported = true;
            m.over.inc();
            tracing::error!(
                peak_mib = peak >> 20,
                budget_mib = budget.mib(),
                variable = budget.variable,
                "resident memory went over the memory budget: the work or a buffer is larger \
                 than the service was sized for (raise the budget with its container's limit)"
            );
        }
    }
    Some(peak)
}

/// `VmHWM` of `/proc/self/status`, in bytes.
fn peak_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A figure of `/proc/self/status` given in kB, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib << 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, as the state is the process's. The crate's other tests run on threads of
    /// the same process and may free memory meanwhile, so the figures are compared with
    /// the memory held here, not with the resident memory at the start.
    #[test]
    fn a_peak_over_the_budget_is_reported_once_per_unit_of_work_and_settled() {
        if !std::path::Path::new("/proc/self/status").exists() {
            return;
        }
        settle();
        let now = status_bytes("VmRSS:").unwrap();
        state().budget = Some(MemoryBudget::new(
            "TIQETS_TEST_MEMORY_BYTES",
            now + (32 << 20),
        ));
        let over = || metrics().over.get();
        let before = over();

        let small = std::hint::black_box(vec![1u8; 8 << 20]);
        assert!(check(&mut state()).unwrap() >= 8 << 20);
        assert_eq!(over(), before, "8 MiB more is within 32 MiB");
        drop(small);

        let held = std::hint::black_box(vec![1u8; 64 << 20]);
        // The resident memory first: the kernel's peak is at least what is resident when read.
        let resident = status_bytes("VmRSS:").unwrap();
        let peak = check(&mut state()).unwrap();
        assert!(resident >= 64 << 20, "{resident} resident with 64 MiB held");
        assert!(
            peak >= resident,
            "peak {peak} under the resident {resident}"
        );
        assert_eq!(over(), before + 1, "64 MiB more is over the budget");
        check(&mut state());
        assert_eq!(over(), before + 1, "reported once per unit of work");
        assert!(metrics().peak.get() as u64 >= peak);
        drop(held);

        // Settled, the new peak no longer holds the freed 64 MiB.
        assert!(settle().is_some());
        let settled = peak_bytes().unwrap();
        assert!(
            settled + (32 << 20) <= peak,
            "a new peak starts without the freed 64 MiB: {settled} after {peak}"
        );
        check(&mut state());
        assert_eq!(over(), before + 1, "the freed 64 MiB are not counted again");
        state().budget = None;
    }
}
