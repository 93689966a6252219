//! [`Common`]: the settings every service shares, read once and embedded (as its `common`
//! field) in each service's own settings: where NATS is, and the namespace of every subject,
//! stream, consumer and bucket. Also [`lookup_of`], the lookup the settings tests read from.

use crate::env::{Env, SettingsError};
use crate::shared::{DEFAULT_NAMESPACE, DEFAULT_NATS_URL};
use std::collections::HashMap;

/// `NATS_URL` and `TIQETS_NAMESPACE` (`docs/operations.md`, Every service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// `NATS_URL`.
    pub nats_url: String,
    /// `TIQETS_NAMESPACE`, checked to be usable in subjects, streams and buckets.
    pub namespace: String,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            nats_url: DEFAULT_NATS_URL.to_string(),
            namespace: DEFAULT_NAMESPACE.to_string(),
        }
    }
}

impl Common {
    /// Reads both through `env`; unset or empty variables take their defaults.
    pub fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Common, SettingsError> {
        Ok(Common {
            nats_url: env.nats_url(),
            namespace: env.namespace()?,
        })
    }

    /// A NATS server and a namespace of the caller's (tests, embedded runs).
    pub fn new(nats_url: impl Into<String>, namespace: impl Into<String>) -> Common {
        Common {
            nats_url: nats_url.into(),
            namespace: namespace.into(),
        }
    }
}

/// A lookup that finds exactly `pairs` (variable, value), as settings tests pass it to a
/// service's `Settings::from_lookup`.
pub fn lookup_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_variables_take_the_defaults_and_set_ones_win() {
        let read = |pairs| Common::read(&Env::new(lookup_of(pairs)));
        assert_eq!(read(&[]).unwrap(), Common::default());
        assert_eq!(
            read(&[("NATS_URL", "nats://n:4222"), ("TIQETS_NAMESPACE", "s")]).unwrap(),
            Common::new("nats://n:4222", "s")
        );
        assert_eq!(
            read(&[("TIQETS_NAMESPACE", "a b")]).unwrap_err().name,
            "TIQETS_NAMESPACE"
        );
    }
}
