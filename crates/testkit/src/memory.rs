//! Peak memory of a process, from `/proc`.

/// The peak resident memory (`VmHWM`) of process `pid`, in MB; 0 when it cannot be read.
pub fn peak_rss_mb(pid: u32) -> u64 {
    peak_rss_mb_of(&format!("/proc/{pid}/status"))
}

/// [`peak_rss_mb`] of the test process itself.
pub fn own_peak_rss_mb() -> u64 {
    peak_rss_mb_of("/proc/self/status")
}

fn peak_rss_mb_of(status: &str) -> u64 {
    let status = std::fs::read_to_string(status).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}
