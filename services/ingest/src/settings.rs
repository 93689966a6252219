//! Configuration from environment variables (see `docs/operations.md`).

use std::path::PathBuf;
use std::time::Duration;
use tiqets_bus::Env;
pub use tiqets_bus::SettingsError;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `NATS_URL`, default `nats://127.0.0.1:4222`.
    pub nats_url: String,
    /// `TIQETS_NAMESPACE`, default `tiqets`.
    pub namespace: String,
    /// `TIQETS_INPUT_DIR`, default `data/input`.
    pub input_dir: PathBuf,
    /// `TIQETS_ARCHIVE_DIR`, default `data/archive`.
    pub archive_dir: PathBuf,
    /// `TIQETS_QUIET_MS`, default 2000: how long a file's size and modification time must
    /// stay unchanged before it is read, counted from its modification time (see `quiet`).
    pub quiet: Duration,
    /// `TIQETS_RESCAN_SECS`, default 10: the periodic rescan.
    pub rescan: Duration,
    /// `TIQETS_CLAIM_STALE_SECS`, default 60: after how long without a heartbeat another
    /// replica's claim is taken over.
    pub claim_stale: Duration,
    /// `TIQETS_INSTANCE`, default `<hostname>-<pid>`: names this replica's claims.
    pub instance: String,
}

impl Settings {
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::new(get);
        let number = |name, default| env.number(name, default, 0..=u64::MAX);
        let host = env.text("HOSTNAME", "ingest");
        Ok(Settings {
            nats_url: env.nats_url(),
            namespace: env.namespace()?,
            input_dir: env.text("TIQETS_INPUT_DIR", "data/input").into(),
            archive_dir: env.text("TIQETS_ARCHIVE_DIR", "data/archive").into(),
            quiet: Duration::from_millis(number("TIQETS_QUIET_MS", 2000)?),
            rescan: Duration::from_secs(number("TIQETS_RESCAN_SECS", 10)?.max(1)),
            claim_stale: Duration::from_secs(number("TIQETS_CLAIM_STALE_SECS", 60)?.max(5)),
            instance: env.text("TIQETS_INSTANCE", &format!("{host}-{}", std::process::id())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_work_locally() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.nats_url, "nats://127.0.0.1:4222");
        assert_eq!(s.input_dir, PathBuf::from("data/input"));
        assert_eq!(s.archive_dir, PathBuf::from("data/archive"));
        assert_eq!(s.quiet, Duration::from_secs(2));
    }

    #[test]
    fn bad_values_are_named() {
        let e =
            Settings::from_lookup(|k| (k == "TIQETS_QUIET_MS").then(|| "soon".into())).unwrap_err();
        assert!(e.to_string().contains("TIQETS_QUIET_MS"), "{e}");
        assert!(
            Settings::from_lookup(|k| (k == "TIQETS_NAMESPACE").then(|| "a.b".into())).is_err()
        );
    }
}
