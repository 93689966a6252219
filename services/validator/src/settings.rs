//! Settings from the environment (documented in `docs/operations.md`).

use std::time::Duration;
pub use tiqets_config::SettingsError;
use tiqets_config::{Common, Env, HealthAddr, MemoryBudget};
use tiqets_contract::{Names, CHUNK_TARGET_BYTES};
use tiqets_domain::IssueLimit;

/// Largest chunk target accepted: a chunk must stay well below NATS's 1 MiB payload limit.
pub const MAX_CHUNK_BYTES: usize = 512 * 1024;

/// What the validator needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `NATS_URL` and `TIQETS_NAMESPACE`.
    pub common: Common,
    /// `TIQETS_VALIDATOR_CHUNK_BYTES`: encoded size at which a row chunk is cut.
    pub chunk_bytes: usize,
    /// `TIQETS_VALIDATOR_INFLIGHT`: chunk publishes awaiting their acknowledgement at once,
    /// per file.
    pub inflight: usize,
    /// `TIQETS_DRAIN_TIMEOUT_SECS`: how long running work may go on after SIGTERM before
    /// its message is released to another replica.
    pub drain_timeout: Duration,
    /// `TIQETS_HEALTH_ADDR`: the health endpoint's address, default
    /// [`DEFAULT_HEALTH_ADDR`](crate::catalogue::DEFAULT_HEALTH_ADDR), or off.
    pub health: HealthAddr,
    /// `TIQETS_ISSUE_LIMIT`: issues itemised per code per file (0: all); the others are
    /// counted. The merger applies the same limit, which it gets from the validator.
    pub issue_limit: IssueLimit,
    /// `TIQETS_VALIDATOR_MEMORY_BYTES`: the memory the validator may use; at least
    /// [`memory_floor`] of the chunk settings.
    pub memory: MemoryBudget,
}

/// The budget's variable.
pub const MEMORY_VAR: &str = "TIQETS_VALIDATOR_MEMORY_BYTES";
/// Default of `TIQETS_VALIDATOR_MEMORY_BYTES`: 256 MiB, within the base manifest's 512 Mi.
pub const DEFAULT_MEMORY_BYTES: u64 = 256 << 20;
/// The process without its chunks: runtime, NATS client and file buffers (45 MB at the
/// 20M-row issue flood, `bench/pipeline flood`).
const BASE_MEMORY_BYTES: u64 = 48 << 20;

/// The memory a validator needs with `inflight` chunks of `chunk_bytes` awaiting their
/// acknowledgement per file: both files validate at once, and a chunk is held as rows
/// while it is encoded.
pub fn memory_floor(chunk_bytes: usize, inflight: usize) -> u64 {
    BASE_MEMORY_BYTES + 2 * 2 * (chunk_bytes as u64) * (inflight as u64)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            common: Common::default(),
            chunk_bytes: CHUNK_TARGET_BYTES,
            inflight: 16,
            drain_timeout: Duration::from_secs(20),
            health: HealthAddr::Default(
                crate::catalogue::DEFAULT_HEALTH_ADDR
                    .parse()
                    .expect("a valid default address"),
            ),
            issue_limit: IssueLimit::DEFAULT,
            memory: MemoryBudget::new(MEMORY_VAR, DEFAULT_MEMORY_BYTES),
        }
    }
}

impl Settings {
    /// Reads settings through `lookup` (the environment, or a map in tests). Unset or
    /// empty variables take their defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::with_catalogue(lookup, &crate::SETTINGS);
        let d = Settings::default();
        let chunk_bytes = env.number(
            "TIQETS_VALIDATOR_CHUNK_BYTES",
            d.chunk_bytes,
            1024..=MAX_CHUNK_BYTES,
        )?;
        let inflight = env.number("TIQETS_VALIDATOR_INFLIGHT", d.inflight, 1..=1024)?;
        Ok(Settings {
            common: Common::read(&env)?,
            chunk_bytes,
            inflight,
            memory: env.memory_budget(
                MEMORY_VAR,
                d.memory.bytes,
                memory_floor(chunk_bytes, inflight),
                &format!(
                    " with TIQETS_VALIDATOR_INFLIGHT={inflight} chunks of \
                     TIQETS_VALIDATOR_CHUNK_BYTES={chunk_bytes} in flight per file"
                ),
            )?,
            drain_timeout: env.secs("TIQETS_DRAIN_TIMEOUT_SECS", d.drain_timeout, 0..=3600)?,
            health: env.health_addr(crate::catalogue::DEFAULT_HEALTH_ADDR)?,
            issue_limit: IssueLimit::new(env.number(
                "TIQETS_ISSUE_LIMIT",
                d.issue_limit.into(),
                0..=u64::MAX,
            )?),
        })
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
        assert_eq!(from(&[("NATS_URL", "  ")]).unwrap(), Settings::default());
    }

    #[test]
    fn variables_override_the_defaults() {
        let s = from(&[
            ("NATS_URL", "nats://nats:4222"),
            ("TIQETS_NAMESPACE", "staging"),
            ("TIQETS_VALIDATOR_CHUNK_BYTES", "4096"),
            ("TIQETS_VALIDATOR_INFLIGHT", "4"),
            ("TIQETS_DRAIN_TIMEOUT_SECS", "5"),
            ("TIQETS_ISSUE_LIMIT", "0"),
        ])
        .unwrap();
        assert_eq!(s.issue_limit, IssueLimit::NONE);
        assert_eq!(s.common.nats_url, "nats://nats:4222");
        assert_eq!(s.names().work_validate(), "staging.work.validate");
        assert_eq!((s.chunk_bytes, s.inflight), (4096, 4));
        assert_eq!(s.drain_timeout, Duration::from_secs(5));
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let e = from(&[("TIQETS_NAMESPACE", "a.b")]).unwrap_err();
        assert_eq!(e.name, "TIQETS_NAMESPACE");
        let e = from(&[("TIQETS_VALIDATOR_CHUNK_BYTES", "2000000")]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("TIQETS_VALIDATOR_CHUNK_BYTES=\"2000000\""),
            "{e}"
        );
        assert!(from(&[("TIQETS_VALIDATOR_INFLIGHT", "0")]).is_err());
    }

    #[test]
    fn the_budget_must_hold_the_chunks_in_flight() {
        assert_eq!(memory_floor(CHUNK_TARGET_BYTES, 16), 64 << 20);
        let s = from(&[(MEMORY_VAR, "67108864")]).unwrap();
        assert_eq!(s.memory.bytes, 64 << 20);
        let e = from(&[(MEMORY_VAR, "67108863")]).unwrap_err();
        assert_eq!(e.name, MEMORY_VAR);
        // More chunks in flight raise the floor past the default budget.
        let e = from(&[("TIQETS_VALIDATOR_INFLIGHT", "1024")]).unwrap_err();
        assert!(
            e.to_string().contains("TIQETS_VALIDATOR_INFLIGHT=1024"),
            "{e}"
        );
    }
}
