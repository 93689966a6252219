//! The process's memory between merge steps. A replica runs one step at a time; each
//! starts with what the steps before it freed given back to the system, so that its peak is
//! its own and not the sum of leftovers: the C allocator keeps freed memory in per-thread
//! arenas (a step's blocking thread is any of the pool's), and without that the peak of a
//! run of order steps grew from 427 to 617 MiB at 20M orders.
//!
//! The peak over one step, for its log line: Linux keeps it (`VmHWM` in
//! `/proc/self/status`) and resets it when `5` is written to `/proc/self/clear_refs`.
//! Elsewhere (or without /proc) it is unknown: `None`.

/// Gives freed memory back to the system, then starts a new peak from what remains.
pub fn reset() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; no pointer is passed.
    unsafe {
        libc::malloc_trim(0);
    }
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
