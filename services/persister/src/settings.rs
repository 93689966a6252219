//! Configuration from the environment (documented in docs/operations.md).

use std::path::PathBuf;
use thiserror::Error;
use tiqets_bus::Names;

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
    /// `PERSISTER_DB_POOL_SIZE`, default 4: PostgreSQL connections of one replica.
    pub db_pool_size: usize,
}

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("{name}={value:?} is invalid: {why}")]
    Invalid {
        name: &'static str,
        value: String,
        why: &'static str,
    },
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let or = |name: &str, default: &str| get(name).unwrap_or_else(|| default.to_string());
        let namespace = or("TIQETS_NAMESPACE", Names::DEFAULT_NAMESPACE);
        if !Names::is_valid_namespace(&namespace) {
            return Err(SettingsError::Invalid {
                name: "TIQETS_NAMESPACE",
                value: namespace,
                why: "use 1-64 ASCII letters, digits, '-' or '_'",
            });
        }
        let pool = or("PERSISTER_DB_POOL_SIZE", "4");
        let db_pool_size = match pool.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => {
                return Err(SettingsError::Invalid {
                    name: "PERSISTER_DB_POOL_SIZE",
                    value: pool,
                    why: "expected a number from 1 to 64",
                })
            }
        };
        Ok(Settings {
            nats_url: or("NATS_URL", "nats://127.0.0.1:4222"),
            database_url: or("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiqets"),
            namespace,
            output_dir: PathBuf::from(or("TIQETS_OUTPUT_DIR", "data/output")),
            db_pool_size,
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
        assert_eq!(s.db_pool_size, 4);
    }

    #[test]
    fn a_bad_namespace_or_pool_size_is_refused_with_its_name() {
        let e = from(&[("TIQETS_NAMESPACE", "a.b")]).unwrap_err();
        assert!(e.to_string().contains("TIQETS_NAMESPACE"), "{e}");
        let e = from(&[("PERSISTER_DB_POOL_SIZE", "0")]).unwrap_err();
        assert!(e.to_string().contains("PERSISTER_DB_POOL_SIZE"), "{e}");
    }
}
