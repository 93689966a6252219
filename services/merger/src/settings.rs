//! Settings from the environment (documented in `docs/operations.md`).

use std::time::Duration;
pub use tiqets_config::SettingsError;
use tiqets_config::{Common, Env, HealthAddr, MemoryBudget};
use tiqets_contract::Names;

/// What the merger needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `NATS_URL` and `TIQETS_NAMESPACE`.
    pub common: Common,
    /// `TIQETS_MERGER_CHUNK_WAIT_SECS`: how long to wait for a file's next chunk (still
    /// being validated, or its validator stopped) before giving the work back for a later
    /// retry.
    pub chunk_wait: Duration,
    /// `TIQETS_DRAIN_TIMEOUT_SECS`: how long running work may go on after SIGTERM before
    /// its message is released to another replica.
    pub drain_timeout: Duration,
    /// `TIQETS_HEALTH_ADDR`: the health endpoint's address, default
    /// [`DEFAULT_HEALTH_ADDR`](crate::catalogue::DEFAULT_HEALTH_ADDR), or off.
    pub health: HealthAddr,
    /// `TIQETS_MERGER_MEMORY_BYTES`: the memory one merge step may use. A batch whose
    /// files are larger than a step can hold in it is merged in partitions
    /// ([`crate::partitioned::plan`]).
    pub memory_bytes: u64,
}

/// The budget's variable.
pub const MEMORY_VAR: &str = "TIQETS_MERGER_MEMORY_BYTES";
/// Default of `TIQETS_MERGER_MEMORY_BYTES`: 512 MiB, within the base manifest's limit.
pub const DEFAULT_MEMORY_BYTES: u64 = 512 << 20;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            common: Common::default(),
            chunk_wait: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(20),
            health: HealthAddr::Default(
                crate::catalogue::DEFAULT_HEALTH_ADDR
                    .parse()
                    .expect("a valid default address"),
            ),
            memory_bytes: DEFAULT_MEMORY_BYTES,
        }
    }
}

impl Settings {
    /// Reads settings through `lookup`. Unset or empty variables take their defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::with_catalogue(lookup, &crate::SETTINGS);
        let d = Settings::default();
        Ok(Settings {
            common: Common::read(&env)?,
            chunk_wait: env.secs("TIQETS_MERGER_CHUNK_WAIT_SECS", d.chunk_wait, 1..=3600)?,
            drain_timeout: env.secs("TIQETS_DRAIN_TIMEOUT_SECS", d.drain_timeout, 0..=3600)?,
            health: env.health_addr(crate::catalogue::DEFAULT_HEALTH_ADDR)?,
            memory_bytes: env
                .memory_budget(MEMORY_VAR, d.memory_bytes, 4 << 10, "")?
                .bytes,
        })
    }

    /// [`Settings::memory_bytes`] as the process's budget.
    pub fn memory(&self) -> MemoryBudget {
        MemoryBudget::new(MEMORY_VAR, self.memory_bytes)
    }

    pub fn names(&self) -> Names {
        Names::new(self.common.namespace.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_lookup(tiqets_config::lookup_of(pairs))
    }

    #[test]
    fn unset_variables_take_the_documented_defaults() {
        assert_eq!(from(&[]).unwrap(), Settings::default());
    }

    #[test]
    fn variables_override_the_defaults() {
        let s = from(&[
            ("NATS_URL", "nats://nats:4222"),
            ("TIQETS_NAMESPACE", "staging"),
            ("TIQETS_MERGER_CHUNK_WAIT_SECS", "5"),
            ("TIQETS_DRAIN_TIMEOUT_SECS", "0"),
            ("TIQETS_MERGER_MEMORY_BYTES", "1048576"),
        ])
        .unwrap();
        assert_eq!(s.memory_bytes, 1 << 20);
        assert_eq!(s.common.nats_url, "nats://nats:4222");
        assert_eq!(s.names().work_merge(), "staging.work.merge");
        assert_eq!(s.chunk_wait, Duration::from_secs(5));
        assert_eq!(s.drain_timeout, Duration::ZERO);
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        assert_eq!(
            from(&[("TIQETS_NAMESPACE", "a b")]).unwrap_err().name,
            "TIQETS_NAMESPACE"
        );
        let e = from(&[("TIQETS_MERGER_CHUNK_WAIT_SECS", "0")]).unwrap_err();
        assert_eq!(e.name, "TIQETS_MERGER_CHUNK_WAIT_SECS");
        assert!(from(&[("TIQETS_DRAIN_TIMEOUT_SECS", "soon")]).is_err());
        let e = from(&[("TIQETS_MERGER_MEMORY_BYTES", "100")]).unwrap_err();
        assert_eq!(e.name, "TIQETS_MERGER_MEMORY_BYTES");
    }
}
