//! Configuration from environment variables (see `docs/operations.md`).

use std::path::PathBuf;
use std::time::Duration;
pub use tiqets_config::SettingsError;
use tiqets_config::{Common, Env, HealthAddr, MemoryBudget};

/// One GiB: the default largest input file, the same as the api's largest upload
/// (`TIQETS_UPLOAD_MAX_BYTES`), so that a pair one way in is taken the other way too.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1 << 30;

/// One TiB: the largest `TIQETS_INGEST_MAX_FILE_BYTES` accepted.
pub const MAX_MAX_FILE_BYTES: u64 = 1 << 40;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `NATS_URL` and `TIQETS_NAMESPACE`.
    pub common: Common,
    /// `TIQETS_INPUT_DIR`, default `data/input`.
    pub input_dir: PathBuf,
    /// `TIQETS_ARCHIVE_DIR`, default `data/archive`.
    pub archive_dir: PathBuf,
    /// `TIQETS_REJECTED_DIR`, default `rejected/` in the archive folder: where refused
    /// entries and too large pairs go (see `refuse`).
    pub rejected_dir: PathBuf,
    /// `TIQETS_INGEST_MAX_FILE_BYTES`, default 1 GiB (1 byte to 1 TiB): the largest input
    /// file; a pair with a larger one fails without being read (see `refuse`).
    pub max_file_bytes: u64,
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
    /// `TIQETS_HEALTH_ADDR`: the health endpoint's address, default
    /// [`DEFAULT_HEALTH_ADDR`](crate::catalogue::DEFAULT_HEALTH_ADDR), or off.
    pub health: HealthAddr,
    /// `TIQETS_INGEST_MEMORY_BYTES`: the memory ingest may use. It streams each file into
    /// the object store a piece at a time, so its use does not grow with the files.
    pub memory: MemoryBudget,
}

/// The budget's variable.
pub const MEMORY_VAR: &str = "TIQETS_INGEST_MEMORY_BYTES";
/// Default of `TIQETS_INGEST_MEMORY_BYTES`: 128 MiB, within the base manifest's 256 Mi.
pub const DEFAULT_MEMORY_BYTES: u64 = 128 << 20;
/// What ingest needs: runtime, NATS client and the object pieces in flight (10–12 MB
/// measured at any size, `bench/pipeline`).
pub const MEMORY_FLOOR_BYTES: u64 = 16 << 20;

impl Settings {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::with_catalogue(get, &crate::SETTINGS);
        let number = |name, default| env.number(name, default, 0..=u64::MAX);
        let host = env.text("HOSTNAME", "ingest");
        let archive_dir: PathBuf = env.text("TIQETS_ARCHIVE_DIR", "data/archive").into();
        Ok(Settings {
            common: Common::read(&env)?,
            input_dir: env.text("TIQETS_INPUT_DIR", "data/input").into(),
            rejected_dir: env
                .get("TIQETS_REJECTED_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| archive_dir.join("rejected")),
            archive_dir,
            max_file_bytes: env.number(
                "TIQETS_INGEST_MAX_FILE_BYTES",
                DEFAULT_MAX_FILE_BYTES,
                1..=MAX_MAX_FILE_BYTES,
            )?,
            quiet: Duration::from_millis(number("TIQETS_QUIET_MS", 2000)?),
            rescan: Duration::from_secs(number("TIQETS_RESCAN_SECS", 10)?.max(1)),
            claim_stale: Duration::from_secs(number("TIQETS_CLAIM_STALE_SECS", 60)?.max(5)),
            instance: env.text("TIQETS_INSTANCE", &format!("{host}-{}", std::process::id())),
            health: env.health_addr(crate::catalogue::DEFAULT_HEALTH_ADDR)?,
            memory: env.memory_budget(MEMORY_VAR, DEFAULT_MEMORY_BYTES, MEMORY_FLOOR_BYTES, "")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_work_locally() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.common.nats_url, "nats://127.0.0.1:4222");
        assert_eq!(s.input_dir, PathBuf::from("data/input"));
        assert_eq!(s.archive_dir, PathBuf::from("data/archive"));
        assert_eq!(s.quiet, Duration::from_secs(2));
        assert_eq!(s.rejected_dir, PathBuf::from("data/archive/rejected"));
        assert_eq!(s.max_file_bytes, 1 << 30);
        assert_eq!(s.health.addr().unwrap().to_string(), "127.0.0.1:9181");
    }

    #[test]
    fn the_size_limit_and_the_rejected_folder_are_set() {
        let s = Settings::from_lookup(|k| match k {
            "TIQETS_INGEST_MAX_FILE_BYTES" => Some(" 1048576 ".into()),
            "TIQETS_ARCHIVE_DIR" => Some("/srv/archive".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.max_file_bytes, 1 << 20);
        assert_eq!(s.rejected_dir, PathBuf::from("/srv/archive/rejected"));
        let s = Settings::from_lookup(|k| (k == "TIQETS_REJECTED_DIR").then(|| "/srv/no".into()))
            .unwrap();
        assert_eq!(s.rejected_dir, PathBuf::from("/srv/no"));
        for bad in ["0", "-1", "4GiB", "1099511627777"] {
            let e = Settings::from_lookup(|k| {
                (k == "TIQETS_INGEST_MAX_FILE_BYTES").then(|| bad.into())
            })
            .unwrap_err();
            assert!(
                e.to_string().contains("TIQETS_INGEST_MAX_FILE_BYTES"),
                "{bad}: {e}"
            );
        }
        let s = Settings::from_lookup(|k| {
            (k == "TIQETS_INGEST_MAX_FILE_BYTES").then(|| "1099511627776".into())
        })
        .unwrap();
        assert_eq!(s.max_file_bytes, 1 << 40);
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
