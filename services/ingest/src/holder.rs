//! The process that holds a claim, so that a replica on the same machine tells at once
//! that it died.
//!
//! A claim is otherwise taken over only once its heartbeat is `TIQETS_CLAIM_STALE_SECS`
//! old. When the replica that held it is restarted on the same host (a supervisor, a
//! container restart), the claim's process is known to be gone: its pid runs no more, is
//! a zombie, or is another process (another start time). Such a claim is taken over at
//! the next scan. Claims of other hosts, or of another pid namespace on this one, keep the
//! heartbeat rule: their processes cannot be seen from here.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Who holds a claim, as written in its `claim.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The kernel's host name.
    pub host: String,
    /// The pid namespace (`/proc/self/ns/pid`), so that containers sharing a host name do
    /// not judge each other's pids.
    pub pid_ns: String,
    pub pid: u32,
    /// When the process started, in clock ticks since boot (`/proc/<pid>/stat`, field 22).
    pub started: u64,
}

impl Holder {
    /// This process, where `/proc` tells (Linux); `None` elsewhere.
    pub fn this() -> Option<&'static Holder> {
        static THIS: OnceLock<Option<Holder>> = OnceLock::new();
        THIS.get_or_init(|| {
            let pid = std::process::id();
            Some(Holder {
                host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .ok()?
                    .trim()
                    .to_string(),
                pid_ns: std::fs::read_link("/proc/self/ns/pid")
                    .ok()?
                    .to_string_lossy()
                    .into_owned(),
                pid,
                started: started(pid)?,
            })
        })
        .as_ref()
    }

    /// Whether this holder is known to be gone, seen from `here`: same host and pid
    /// namespace, and its pid does not run the process that started then.
    pub fn gone(&self, here: &Holder) -> bool {
        self.host == here.host
            && self.pid_ns == here.pid_ns
            && started(self.pid) != Some(self.started)
    }
}

/// The start time of process `pid`; `None` when it does not run or is a zombie.
fn started(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm) ": the name may hold spaces and parentheses, so split at the last ')'.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // fields[0] is field 3 (state); the start time is field 22.
    if matches!(fields.first(), Some(&("Z" | "X" | "x"))) {
        return None;
    }
    fields.get(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_not_gone_and_an_exited_one_is() {
        let here = Holder::this().expect("/proc on Linux");
        assert!(!here.gone(here));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let when = started(pid);
        child.wait().unwrap();
        let exited = Holder {
            pid,
            started: when.unwrap_or(1),
            ..here.clone()
        };
        assert!(exited.gone(here));
        // Another start time on a running pid: the pid was reused.
        let reused = Holder {
            started: here.started + 1,
            ..here.clone()
        };
        assert!(reused.gone(here));
        // Another host, or another pid namespace: not judged from here.
        for other in [
            Holder {
                host: "elsewhere".into(),
                ..exited.clone()
            },
            Holder {
                pid_ns: "pid:[1]".into(),
                ..exited.clone()
            },
        ] {
            assert!(!other.gone(here));
        }
    }
}
