//! The process's peak resident memory over one merge step, for its log line: Linux keeps
//! the peak (`VmHWM` in `/proc/self/status`) and resets it when `5` is written to
//! `/proc/self/clear_refs`. A replica runs one step at a time, so the peak between a reset
//! and the step's end is that step's. Elsewhere (or without /proc) it is unknown: `None`.

/// Starts a new peak from the current resident memory.
pub fn reset() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident memory since the last [`reset`] (or the start), in MiB.
pub fn mib() -> Option<u64> {
    status_mib("VmHWM:")
}

/// A figure of `/proc/self/status` given in kB, in MiB.
fn status_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_peak_is_read_and_reset_on_linux() {
        if !std::path::Path::new("/proc/self/status").exists() {
            return;
        }
        let held = vec![1u8; 64 << 20];
        let peak = super::mib().expect("VmHWM");
        assert!(peak >= 64, "{peak} MiB with 64 MiB held");
        drop(std::hint::black_box(held));
        super::reset();
        let (peak, now) = (super::mib().unwrap(), super::status_mib("VmRSS:").unwrap());
        assert!(
            peak <= now + 4,
            "the peak starts again from {now} MiB: {peak} MiB"
        );
    }
}
