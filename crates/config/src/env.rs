//! Reading a service's settings from its environment, the same way in every service: an
//! unset or blank variable takes its default, a set one must parse and be in range, and an
//! error names the variable, its value and what is allowed.
//!
//! Every read goes through the lookup the service was given (the process environment, a
//! map in tests, or a recorder that learns which names a service reads). Given the
//! service's [`Catalogue`], a variable that was renamed is also read under its old name
//! when the new one is unset (the catalogue marks the old name deprecated).

use crate::catalogue::Catalogue;
use crate::health::HealthAddr;
use crate::shared::HEALTH_ADDR_VAR;
pub use crate::shared::{DEFAULT_NAMESPACE, DEFAULT_NATS_URL};
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

/// Whether `ns` can prefix subjects, streams and buckets alike (`tiqets_contract::Names`):
/// 1–64 ASCII letters, digits, `-` and `_`.
pub fn is_valid_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && ns.len() <= 64
        && ns
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A variable that is set but unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?}: {problem}")]
pub struct SettingsError {
    pub name: &'static str,
    pub value: String,
    pub problem: String,
}

/// The environment of one service, read through a lookup.
pub struct Env<F> {
    lookup: F,
    catalogue: Option<&'static Catalogue>,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// Reads through `lookup`, names as they are.
    pub fn new(lookup: F) -> Env<F> {
        Env {
            lookup,
            catalogue: None,
        }
    }

    /// Reads through `lookup`; a name the catalogue renamed is also read under its old
    /// name(s) when unset.
    pub fn with_catalogue(lookup: F, catalogue: &'static Catalogue) -> Env<F> {
        Env {
            lookup,
            catalogue: Some(catalogue),
        }
    }

    fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// The value of `name` (or of a deprecated name of it) and the variable it came from.
    pub fn find(&self, name: &'static str) -> Option<(&'static str, String)> {
        if let Some(value) = self.raw(name) {
            return Some((name, value));
        }
        self.catalogue
            .into_iter()
            .flat_map(|c| c.old_names(name))
            .find_map(|old| self.raw(old).map(|value| (old, value)))
    }

    /// The value of `name`, `None` when unset or blank.
    pub fn get(&self, name: &'static str) -> Option<String> {
        self.find(name).map(|(_, value)| value)
    }

    /// The value of `name`, or `default`.
    pub fn text(&self, name: &'static str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_string())
    }

    /// `name` parsed as a number within `range`, or `default`.
    pub fn number<T>(
        &self,
        name: &'static str,
        default: T,
        range: RangeInclusive<T>,
    ) -> Result<T, SettingsError>
    where
        T: FromStr + PartialOrd + Display,
    {
        let Some((name, value)) = self.find(name) else {
            return Ok(default);
        };
        match value.trim().parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(SettingsError {
                name,
                problem: format!(
                    "expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
                value,
            }),
        }
    }

    /// `name` as whole seconds within `range`, or `default`.
    pub fn secs(
        &self,
        name: &'static str,
        default: Duration,
        range: RangeInclusive<u64>,
    ) -> Result<Duration, SettingsError> {
        self.number(name, default.as_secs(), range)
            .map(Duration::from_secs)
    }

    /// `name` parsed as a `T` (an address, say), or `default`; `expected` says what is allowed.
    pub fn parsed<T: FromStr>(
        &self,
        name: &'static str,
        default: &str,
        expected: &str,
    ) -> Result<T, SettingsError> {
        let (name, value) = self.find(name).unwrap_or((name, default.to_string()));
        value.trim().parse().map_err(|_| SettingsError {
            name,
            value,
            problem: expected.to_string(),
        })
    }

    /// `NATS_URL`.
    pub fn nats_url(&self) -> String {
        self.text("NATS_URL", DEFAULT_NATS_URL)
    }

    /// `TIQETS_NAMESPACE`, checked to be usable in subjects, streams and buckets.
    pub fn namespace(&self) -> Result<String, SettingsError> {
        let namespace = self.text("TIQETS_NAMESPACE", DEFAULT_NAMESPACE);
        if !is_valid_namespace(&namespace) {
            return Err(SettingsError {
                name: "TIQETS_NAMESPACE",
                value: namespace,
                problem: "use 1-64 ASCII letters, digits, '-' or '_'".into(),
            });
        }
        Ok(namespace)
    }

    /// `TIQETS_HEALTH_ADDR`: `default` when unset, `off`, or an address.
    pub fn health_addr(&self, default: &str) -> Result<HealthAddr, SettingsError> {
        let name = HEALTH_ADDR_VAR;
        match self.find(name) {
            None => HealthAddr::parse(default)
                .map(HealthAddr::default_of)
                .map_err(|problem| SettingsError {
                    name,
                    value: default.to_string(),
                    problem,
                }),
            Some((name, value)) => HealthAddr::parse(&value).map_err(|problem| SettingsError {
                name,
                value,
                problem,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<impl Fn(&str) -> Option<String>> {
        Env::new(move |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn namespaces_are_checked() {
        assert!(is_valid_namespace(DEFAULT_NAMESPACE));
        assert!(is_valid_namespace("test-ab12_x"));
        assert!(!is_valid_namespace(""));
        assert!(!is_valid_namespace("a.b"));
        assert!(!is_valid_namespace("a b"));
        assert!(!is_valid_namespace("a*"));
        assert!(!is_valid_namespace(&"n".repeat(65)));
    }

    #[test]
    fn unset_and_blank_take_the_default() {
        let e = env(&[("A", " ")]);
        assert_eq!(e.text("A", "d"), "d");
        assert_eq!(e.number("B", 7u64, 1..=9), Ok(7));
        assert_eq!(e.nats_url(), DEFAULT_NATS_URL);
        assert_eq!(e.namespace().unwrap(), "tiqets");
    }

    #[test]
    fn set_values_must_parse_and_be_in_range() {
        let e = env(&[
            ("N", " 5 "),
            ("BIG", "10"),
            ("WORD", "soon"),
            ("TIQETS_NAMESPACE", "a.b"),
        ]);
        assert_eq!(e.number("N", 1usize, 1..=9), Ok(5));
        assert_eq!(
            e.secs("N", Duration::ZERO, 0..=9),
            Ok(Duration::from_secs(5))
        );
        let err = e.number("BIG", 1u64, 1..=9).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BIG=\"10\": expected a whole number from 1 to 9"
        );
        assert_eq!(
            e.number("WORD", 1u64, 0..=u64::MAX).unwrap_err().name,
            "WORD"
        );
        assert_eq!(e.namespace().unwrap_err().name, "TIQETS_NAMESPACE");
        let addr: Result<std::net::SocketAddr, _> = e.parsed("WORD", "", "host:port");
        assert_eq!(addr.unwrap_err().problem, "host:port");
    }

    #[test]
    fn the_health_address_is_the_default_one_set_or_off() {
        let default = env(&[]).health_addr("127.0.0.1:9181").unwrap();
        assert_eq!(
            default,
            HealthAddr::Default("127.0.0.1:9181".parse().unwrap())
        );
        let set = env(&[("TIQETS_HEALTH_ADDR", "0.0.0.0:9090")]);
        assert_eq!(
            set.health_addr("127.0.0.1:9181").unwrap(),
            HealthAddr::Set("0.0.0.0:9090".parse().unwrap())
        );
        let off = env(&[("TIQETS_HEALTH_ADDR", " OFF ")]);
        assert_eq!(off.health_addr("127.0.0.1:9181").unwrap(), HealthAddr::Off);
        let bad = env(&[("TIQETS_HEALTH_ADDR", "9090")]);
        let e = bad.health_addr("127.0.0.1:9181").unwrap_err();
        assert!(
            e.to_string().starts_with("TIQETS_HEALTH_ADDR=\"9090\""),
            "{e}"
        );
    }
}
