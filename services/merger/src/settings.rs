//! Settings from the environment (documented in `docs/operations.md`).

use std::time::Duration;
use tiqets_bus::Names;

/// Default of `NATS_URL` (SPEC §2).
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// What the merger needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `NATS_URL`.
    pub nats_url: String,
    /// `TIQETS_NAMESPACE`.
    pub namespace: String,
    /// `TIQETS_MERGER_CHUNK_WAIT_SECS`: how long to wait for a chunk that is announced but
    /// not visible yet before giving the work back for a later retry.
    pub chunk_wait: Duration,
    /// `TIQETS_DRAIN_TIMEOUT_SECS`: how long running work may go on after SIGTERM before
    /// its message is released to another replica.
    pub drain_timeout: Duration,
}

/// A variable that is set but unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?}: {problem}")]
pub struct SettingsError {
    pub name: &'static str,
    pub value: String,
    pub problem: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            nats_url: DEFAULT_NATS_URL.to_string(),
            namespace: Names::DEFAULT_NAMESPACE.to_string(),
            chunk_wait: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(20),
        }
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`. Unset or empty variables take their defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let d = Settings::default();
        let namespace = get("TIQETS_NAMESPACE").unwrap_or(d.namespace);
        if !Names::is_valid_namespace(&namespace) {
            return Err(SettingsError {
                name: "TIQETS_NAMESPACE",
                value: namespace,
                problem: "use 1-64 ASCII letters, digits, '-' or '_'".into(),
            });
        }
        Ok(Settings {
            nats_url: get("NATS_URL").unwrap_or(d.nats_url),
            namespace,
            chunk_wait: secs(&get, "TIQETS_MERGER_CHUNK_WAIT_SECS", d.chunk_wait, 1)?,
            drain_timeout: secs(&get, "TIQETS_DRAIN_TIMEOUT_SECS", d.drain_timeout, 0)?,
        })
    }

    pub fn names(&self) -> Names {
        Names::new(self.namespace.clone())
    }
}

fn secs(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
    min: u64,
) -> Result<Duration, SettingsError> {
    const MAX: u64 = 3600;
    let Some(value) = get(name) else {
        return Ok(default);
    };
    match value.trim().parse::<u64>() {
        Ok(n) if (min..=MAX).contains(&n) => Ok(Duration::from_secs(n)),
        _ => Err(SettingsError {
            name,
            value,
            problem: format!("expected a number of seconds from {min} to {MAX}"),
        }),
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
        ])
        .unwrap();
        assert_eq!(s.nats_url, "nats://nats:4222");
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
    }
}
