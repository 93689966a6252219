//! Configuration from the environment (documented in docs/operations.md).

use std::path::PathBuf;
pub use tiqets_config::SettingsError;
use tiqets_config::{Common, Env, HealthAddr, MemoryBudget};

/// Connections a replica needs: a batch write's ([`tiqets_store::WRITE_CONNECTIONS`]) and
/// the status recorder's.
pub const MIN_DB_POOL_SIZE: usize = tiqets_store::WRITE_CONNECTIONS + 1;

/// What the persister needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `NATS_URL` and `TIQETS_NAMESPACE`.
    pub common: Common,
    /// `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/tiqets`.
    pub database_url: String,
    /// `TIQETS_OUTPUT_DIR`, default `data/output`.
    pub output_dir: PathBuf,
    /// `TIQETS_PERSISTER_DB_POOL_SIZE` (formerly `PERSISTER_DB_POOL_SIZE`), default and
    /// least [`MIN_DB_POOL_SIZE`]: PostgreSQL connections of one replica.
    pub db_pool_size: usize,
    /// `TIQETS_RETENTION_KEEP_BATCHES` and `TIQETS_RETENTION_KEEP_DAYS` (0 or unset: no
    /// limit): which ended batches the persister keeps.
    pub retention: crate::retention::Retention,
    /// `TIQETS_STALL_SECS` (default 900, 0: off): how long a batch in flight may stay
    /// silent before the watchdog fails it.
    pub watchdog: crate::watchdog::Watchdog,
    /// `TIQETS_HEALTH_ADDR`: the health endpoint's address, default
    /// [`DEFAULT_HEALTH_ADDR`](crate::catalogue::DEFAULT_HEALTH_ADDR), or off.
    pub health: HealthAddr,
    /// `TIQETS_PERSISTER_MEMORY_BYTES`: the memory the persister may use. It streams the
    /// result objects into COPY and the comparison out of PostgreSQL, so its use does not
    /// grow with the batch.
    pub memory: MemoryBudget,
}

/// The budget's variable.
pub const MEMORY_VAR: &str = "TIQETS_PERSISTER_MEMORY_BYTES";
/// Default of `TIQETS_PERSISTER_MEMORY_BYTES`: 384 MiB, within the base manifest's 1 Gi.
pub const DEFAULT_MEMORY_BYTES: u64 = 384 << 20;
/// What the persister needs: runtime, NATS client, connections and COPY buffers (20 MB at
/// the issue flood, `bench/pipeline flood`).
pub const MEMORY_FLOOR_BYTES: u64 = 48 << 20;

impl Settings {
    /// Reads the settings through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::with_catalogue(get, &crate::SETTINGS);
        Ok(Settings {
            common: Common::read(&env)?,
            database_url: env.text("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiqets"),
            output_dir: PathBuf::from(env.text("TIQETS_OUTPUT_DIR", "data/output")),
            db_pool_size: env.number(
                "TIQETS_PERSISTER_DB_POOL_SIZE",
                MIN_DB_POOL_SIZE,
                MIN_DB_POOL_SIZE..=64,
            )?,
            retention: crate::retention::Retention {
                keep_batches: Some(env.number(
                    "TIQETS_RETENTION_KEEP_BATCHES",
                    0,
                    0..=1_000_000,
                )?)
                .filter(|n| *n > 0),
                keep_days: Some(env.number("TIQETS_RETENTION_KEEP_DAYS", 0, 0..=36_500)?)
                    .filter(|n| *n > 0),
            },
            watchdog: crate::watchdog::Watchdog {
                stall: std::time::Duration::from_secs(env.number(
                    "TIQETS_STALL_SECS",
                    900,
                    0..=7 * 24 * 3600,
                )?),
            },
            health: env.health_addr(crate::catalogue::DEFAULT_HEALTH_ADDR)?,
            memory: env.memory_budget(MEMORY_VAR, DEFAULT_MEMORY_BYTES, MEMORY_FLOOR_BYTES, "")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_lookup(tiqets_config::lookup_of(pairs))
    }

    #[test]
    fn defaults_work_locally() {
        let s = from(&[]).unwrap();
        assert_eq!(s.common.nats_url, "nats://127.0.0.1:4222");
        assert_eq!(s.database_url, "postgres://postgres@127.0.0.1:5432/tiqets");
        assert_eq!(s.common.namespace, "tiqets");
        assert_eq!(s.output_dir, PathBuf::from("data/output"));
        assert_eq!(s.db_pool_size, MIN_DB_POOL_SIZE);
        assert_eq!(s.health.addr().unwrap().to_string(), "127.0.0.1:9184");
        let documented = crate::SETTINGS
            .get("TIQETS_PERSISTER_DB_POOL_SIZE")
            .unwrap();
        assert_eq!(documented.default, MIN_DB_POOL_SIZE.to_string());
    }

    #[test]
    fn a_bad_namespace_or_pool_size_is_refused_with_its_name() {
        let e = from(&[("TIQETS_NAMESPACE", "a.b")]).unwrap_err();
        assert!(e.to_string().contains("TIQETS_NAMESPACE"), "{e}");
        for small in ["0", "4"] {
            let e = from(&[("TIQETS_PERSISTER_DB_POOL_SIZE", small)]).unwrap_err();
            assert!(
                e.to_string().starts_with("TIQETS_PERSISTER_DB_POOL_SIZE="),
                "{e}"
            );
            let e = from(&[("PERSISTER_DB_POOL_SIZE", small)]).unwrap_err();
            assert!(e.to_string().starts_with("PERSISTER_DB_POOL_SIZE="), "{e}");
        }
    }

    #[test]
    fn the_old_pool_size_name_works_and_the_new_one_wins() {
        let old = [("PERSISTER_DB_POOL_SIZE", "7")];
        assert_eq!(from(&old).unwrap().db_pool_size, 7);
        let new = [("TIQETS_PERSISTER_DB_POOL_SIZE", "8")];
        assert_eq!(from(&new).unwrap().db_pool_size, 8);
        let both = [old[0], new[0]];
        assert_eq!(from(&both).unwrap().db_pool_size, 8);
        let warned = |pairs: &[(&str, &str)]| {
            crate::SETTINGS.deprecations(|k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        assert!(warned(&new).is_empty());
        for pairs in [&old[..], &both[..]] {
            let w = warned(pairs);
            assert!(
                w.len() == 1
                    && w[0].contains("PERSISTER_DB_POOL_SIZE is deprecated")
                    && w[0].contains("TIQETS_PERSISTER_DB_POOL_SIZE"),
                "{w:?}"
            );
        }
    }

    #[test]
    fn the_health_endpoint_can_be_moved_or_turned_off() {
        let s = from(&[("TIQETS_HEALTH_ADDR", "off")]).unwrap();
        assert_eq!(s.health, HealthAddr::Off);
        let s = from(&[("TIQETS_HEALTH_ADDR", "0.0.0.0:9090")]).unwrap();
        assert_eq!(s.health, HealthAddr::Set("0.0.0.0:9090".parse().unwrap()));
        let e = from(&[("TIQETS_HEALTH_ADDR", "nine")]).unwrap_err();
        assert_eq!(e.name, "TIQETS_HEALTH_ADDR");
    }
}
