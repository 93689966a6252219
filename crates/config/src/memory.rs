//! [`MemoryBudget`]: the memory a service may use, `TIQETS_<SERVICE>_MEMORY_BYTES`
//! (`docs/operations.md`, "Memory budgets"). It is read like every other setting, and
//! refused when it is below what the service's own buffers take (its floor), so a budget
//! that cannot hold is an error at start rather than an out-of-memory kill later.
//! `tiqets-telemetry`'s `memory` module holds the process to it while it runs.

use crate::env::{Env, SettingsError};

/// The largest budget accepted: 1 TiB.
pub const MAX_MEMORY_BYTES: u64 = 1 << 40;

/// The memory a service may use, and the variable that set it (named in every message
/// about it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget {
    pub variable: &'static str,
    pub bytes: u64,
}

impl MemoryBudget {
    pub const fn new(variable: &'static str, bytes: u64) -> MemoryBudget {
        MemoryBudget { variable, bytes }
    }

    /// The budget in whole MiB, for messages and logs.
    pub fn mib(&self) -> u64 {
        self.bytes >> 20
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// `name` as a memory budget, or `default`; either must be at least `floor`, the bytes
    /// the service's fixed buffers take (`why` says which settings make it so).
    pub fn memory_budget(
        &self,
        name: &'static str,
        default: u64,
        floor: u64,
        why: &str,
    ) -> Result<MemoryBudget, SettingsError> {
        let bytes = self.number(name, default, 1..=MAX_MEMORY_BYTES)?;
        if bytes < floor {
            return Err(SettingsError {
                name,
                value: bytes.to_string(),
                problem: format!(
                    "below the {floor} bytes ({} MiB) this service needs{why}: raise it, or \
                     lower what it buffers",
                    floor.div_ceil(1 << 20)
                ),
            });
        }
        Ok(MemoryBudget::new(name, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup_of;

    const VAR: &str = "TIQETS_TEST_MEMORY_BYTES";

    #[test]
    fn a_budget_is_read_or_defaulted() {
        let env = Env::new(lookup_of(&[]));
        assert_eq!(
            env.memory_budget(VAR, 64 << 20, 1 << 20, "").unwrap(),
            MemoryBudget::new(VAR, 64 << 20)
        );
        let env = Env::new(lookup_of(&[(VAR, "33554432")]));
        let budget = env.memory_budget(VAR, 64 << 20, 1 << 20, "").unwrap();
        assert_eq!((budget.bytes, budget.mib()), (32 << 20, 32));
    }

    #[test]
    fn a_budget_below_the_floor_is_refused_with_the_reason() {
        let env = Env::new(lookup_of(&[(VAR, "1048576")]));
        let e = env
            .memory_budget(VAR, 64 << 20, 40 << 20, " with 16 chunks in flight")
            .unwrap_err();
        assert_eq!(e.name, VAR);
        assert!(
            e.to_string()
                .contains("below the 41943040 bytes (40 MiB) this service needs with 16"),
            "{e}"
        );
        // The default is held to the floor too: other settings can raise the floor past it.
        let env = Env::new(lookup_of(&[]));
        assert!(env.memory_budget(VAR, 64 << 20, 65 << 20, "").is_err());
        let env = Env::new(lookup_of(&[(VAR, "lots")]));
        assert!(env.memory_budget(VAR, 64 << 20, 1, "").is_err());
    }
}
