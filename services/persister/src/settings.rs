//! Configuration from the environment (documented in docs/operations.md).

use std::path::PathBuf;
use tiqets_bus::Env;
pub use tiqets_bus::SettingsError;

/// Connections a replica needs: a batch write's ([`tiqets_store::WRITE_CONNECTIONS`]) and
/// the status recorder's.
pub const MIN_DB_POOL_SIZE: usize = tiqets_store::WRITE_CONNECTIONS + 1;

/// What the persister needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `NATS_URL`, default `nats://127.0.0.1:4222`.
    pub nats_url: String,
    /// `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/tiqets`.
    pub database_url: String,
    /// `TIQETS_NAMESPACE`, default `tiqets`.
    pub namespace: String,
    /// `TIQETS_OUTPUT_DIR`, default `data/output`.
    pub output_dir: PathBuf,
    /// `PERSISTER_DB_POOL_SIZE`, default and least [`MIN_DB_POOL_SIZE`]: PostgreSQL
    /// connections of one replica.
    pub db_pool_size: usize,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::new(get);
        Ok(Settings {
            nats_url: env.nats_url(),
            database_url: env.text("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiqets"),
            namespace: env.namespace()?,
            output_dir: PathBuf::from(env.text("TIQETS_OUTPUT_DIR", "data/output")),
            db_pool_size: env.number(
                "PERSISTER_DB_POOL_SIZE",
                MIN_DB_POOL_SIZE,
                MIN_DB_POOL_SIZE..=64,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_locally() {
        let s = from(&[]).unwrap();
        assert_eq!(s.nats_url, "nats://127.0.0.1:4222");
        assert_eq!(s.database_url, "postgres://postgres@127.0.0.1:5432/tiqets");
        assert_eq!(s.namespace, "tiqets");
        assert_eq!(s.output_dir, PathBuf::from("data/output"));
        assert_eq!(s.db_pool_size, MIN_DB_POOL_SIZE);
    }

    #[test]
    fn a_bad_namespace_or_pool_size_is_refused_with_its_name() {
        let e = from(&[("TIQETS_NAMESPACE", "a.b")]).unwrap_err();
        assert!(e.to_string().contains("TIQETS_NAMESPACE"), "{e}");
        for small in ["0", "4"] {
            let e = from(&[("PERSISTER_DB_POOL_SIZE", small)]).unwrap_err();
            assert!(e.to_string().contains("PERSISTER_DB_POOL_SIZE"), "{e}");
        }
    }
}
