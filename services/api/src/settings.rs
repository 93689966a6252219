//! Configuration from the environment (documented in docs/operations.md, `api` section;
//! every variable is declared in [`crate::catalogue`], which also maps the deprecated names
//! `API_ADDR`, `API_WORKERS`, `API_DB_POOL_SIZE` and `API_SHUTDOWN_TIMEOUT_SECS` to their
//! `TIQETS_` names).

use crate::cors::CorsOrigins;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
pub use tiqets_config::SettingsError;
use tiqets_config::{Common, Env, MemoryBudget};

/// One GiB: the default largest accepted uploaded file.
pub const DEFAULT_UPLOAD_MAX_BYTES: u64 = 1 << 30;

/// Eight GiB: the default most bytes of uploads spooled at once.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 8 << 30;

/// What the api needs to run.
#[derive(Clone)]
pub struct Settings {
    /// `TIQETS_API_ADDR`, default `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/tiqets`.
    pub database_url: String,
    /// `NATS_URL` and `TIQETS_NAMESPACE`.
    pub common: Common,
    /// `TIQETS_API_TOKEN`: when set, writes need `Authorization: Bearer <it>`.
    pub api_token: Option<String>,
    /// `TIQETS_API_READ_TOKEN`: when set, reads under `/api/` need it (or the write token).
    pub read_token: Option<String>,
    /// `TIQETS_UPLOAD_MAX_BYTES`, default 1 GiB: the largest accepted size of each uploaded
    /// file.
    pub upload_max_bytes: u64,
    /// `TIQETS_UPLOAD_DIR`, default the system's temporary folder: where uploads are spooled
    /// (as anonymous files, gone when closed) while they are hashed.
    pub upload_dir: PathBuf,
    /// `TIQETS_WEB_DIR`, default `web/dist`: the dashboard, served at `/` when it exists.
    pub web_dir: PathBuf,
    /// `TIQETS_API_DB_POOL_SIZE`, default 16: PostgreSQL connections of one replica.
    pub db_pool_size: usize,
    /// `TIQETS_API_WORKERS`, default the number of CPUs: HTTP worker threads.
    pub workers: usize,
    /// `TIQETS_SSE_HEARTBEAT_SECS`, default 15: comment lines sent on idle event streams.
    pub sse_heartbeat: Duration,
    /// `TIQETS_API_CACHE_BYTES`, default 64 MiB: memory for answers about completed
    /// batches (0 turns the cache off).
    pub cache_bytes: u64,
    /// `TIQETS_DRAIN_TIMEOUT_SECS`, default 20: how long running requests may go on after
    /// SIGTERM.
    pub shutdown_timeout: Duration,
    /// `TIQETS_UPLOAD_MAX_CONCURRENT`, default 4: uploads in progress at once (429 beyond).
    pub upload_max_concurrent: usize,
    /// `TIQETS_UPLOAD_SPOOL_MAX_BYTES`, default 8 GiB: bytes all uploads together may hold
    /// in the spool folder at once (429 beyond).
    pub spool_max_bytes: u64,
    /// `TIQETS_API_MAX_EVENT_STREAMS`, default 256: open `/api/events` streams (429 beyond).
    pub max_event_streams: usize,
    /// `TIQETS_API_RATE_PER_SECOND`, default 100 (0: no limit): requests per second one
    /// client address may make under `/api`, with bursts of `TIQETS_API_RATE_BURST`
    /// (default 200).
    pub rate_per_second: u64,
    pub rate_burst: u32,
    /// `TIQETS_API_CORS_ORIGINS`, default empty (same origin only): origins whose pages
    /// may call the API, comma-separated, or `*`.
    pub cors_origins: CorsOrigins,
    /// `TIQETS_API_MEMORY_BYTES`, default 512 MiB: the memory the api may use; at least the
    /// cache's bytes and [`MEMORY_BASE_BYTES`].
    pub memory: MemoryBudget,
}

/// The budget's variable.
pub const MEMORY_VAR: &str = "TIQETS_API_MEMORY_BYTES";
/// Default of `TIQETS_API_MEMORY_BYTES`: 512 MiB, within the base manifest's 768 Mi.
pub const DEFAULT_MEMORY_BYTES: u64 = 512 << 20;
/// The api without its cache: workers, connections, and the requests in flight (their
/// bodies streamed; uploads spooled to disk).
pub const MEMORY_BASE_BYTES: u64 = 64 << 20;

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are secrets: say whether they are set, never what they are.
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("common", &self.common)
            .field("api_token", &self.api_token.as_ref().map(|_| "<set>"))
            .field("read_token", &self.read_token.as_ref().map(|_| "<set>"))
            .field("upload_max_bytes", &self.upload_max_bytes)
            .field("upload_dir", &self.upload_dir)
            .field("web_dir", &self.web_dir)
            .field("db_pool_size", &self.db_pool_size)
            .field("workers", &self.workers)
            .field("sse_heartbeat", &self.sse_heartbeat)
            .field("cache_bytes", &self.cache_bytes)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("cors_origins", &self.cors_origins)
            .field("upload_max_concurrent", &self.upload_max_concurrent)
            .field("spool_max_bytes", &self.spool_max_bytes)
            .field("max_event_streams", &self.max_event_streams)
            .field("rate_per_second", &self.rate_per_second)
            .field("rate_burst", &self.rate_burst)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `get` (tests pass a map). Empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let env = Env::with_catalogue(get, &crate::SETTINGS);
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let cache_bytes = env.number("TIQETS_API_CACHE_BYTES", 64 << 20, 0..=1 << 40)?;
        Ok(Settings {
            memory: env.memory_budget(
                MEMORY_VAR,
                DEFAULT_MEMORY_BYTES,
                MEMORY_BASE_BYTES + cache_bytes,
                &format!(" with TIQETS_API_CACHE_BYTES={cache_bytes}"),
            )?,
            addr: env.parsed(
                "TIQETS_API_ADDR",
                "127.0.0.1:8080",
                "expected host:port, e.g. 0.0.0.0:8080",
            )?,
            database_url: env.text("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiqets"),
            common: Common::read(&env)?,
            api_token: env.get("TIQETS_API_TOKEN"),
            read_token: env.get("TIQETS_API_READ_TOKEN"),
            upload_max_bytes: env.number(
                "TIQETS_UPLOAD_MAX_BYTES",
                DEFAULT_UPLOAD_MAX_BYTES,
                1..=1 << 40,
            )?,
            upload_dir: env
                .get("TIQETS_UPLOAD_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
            web_dir: PathBuf::from(env.text("TIQETS_WEB_DIR", "web/dist")),
            db_pool_size: env.number("TIQETS_API_DB_POOL_SIZE", 16, 1..=256)?,
            workers: env.number("TIQETS_API_WORKERS", cpus, 1..=256)?,
            sse_heartbeat: env.secs(
                "TIQETS_SSE_HEARTBEAT_SECS",
                Duration::from_secs(15),
                1..=300,
            )?,
            cache_bytes,
            shutdown_timeout: env.secs(
                "TIQETS_DRAIN_TIMEOUT_SECS",
                Duration::from_secs(20),
                0..=3600,
            )?,
            upload_max_concurrent: env.number("TIQETS_UPLOAD_MAX_CONCURRENT", 4, 1..=1024)?,
            spool_max_bytes: env.number(
                "TIQETS_UPLOAD_SPOOL_MAX_BYTES",
                DEFAULT_SPOOL_MAX_BYTES,
                1 << 20..=1 << 44,
            )?,
            max_event_streams: env.number("TIQETS_API_MAX_EVENT_STREAMS", 256, 1..=100_000)?,
            rate_per_second: env.number("TIQETS_API_RATE_PER_SECOND", 100, 0..=1_000_000)?,
            rate_burst: env.number("TIQETS_API_RATE_BURST", 200, 1..=1_000_000)?,
            cors_origins: {
                let raw = env.get("TIQETS_API_CORS_ORIGINS").unwrap_or_default();
                CorsOrigins::parse(&raw).map_err(|problem| SettingsError {
                    name: "TIQETS_API_CORS_ORIGINS",
                    value: raw,
                    problem,
                })?
            },
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
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.common.namespace, "tiqets");
        assert_eq!(s.upload_max_bytes, 1 << 30);
        assert_eq!(s.web_dir, PathBuf::from("web/dist"));
        assert_eq!(s.sse_heartbeat, Duration::from_secs(15));
        assert!(s.api_token.is_none() && s.read_token.is_none());
    }

    #[test]
    fn empty_tokens_count_as_unset_and_tokens_never_show_in_debug() {
        let s = from(&[
            ("TIQETS_API_TOKEN", "s3cret"),
            ("TIQETS_API_READ_TOKEN", " "),
        ])
        .unwrap();
        assert_eq!(s.api_token.as_deref(), Some("s3cret"));
        assert!(s.read_token.is_none());
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    #[test]
    fn the_memory_budget_must_hold_the_cache() {
        assert_eq!(from(&[]).unwrap().memory.bytes, DEFAULT_MEMORY_BYTES);
        let e = from(&[("TIQETS_API_CACHE_BYTES", "536870912")]).unwrap_err();
        assert_eq!(e.name, MEMORY_VAR);
        assert!(
            e.to_string()
                .contains("with TIQETS_API_CACHE_BYTES=536870912"),
            "{e}"
        );
        let s = from(&[
            ("TIQETS_API_CACHE_BYTES", "536870912"),
            (MEMORY_VAR, "603979776"),
        ])
        .unwrap();
        assert_eq!(s.memory.bytes, 576 << 20);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = from(&[("TIQETS_UPLOAD_MAX_BYTES", "lots")]).unwrap_err();
        assert!(e.to_string().contains("TIQETS_UPLOAD_MAX_BYTES"), "{e}");
        assert_eq!(
            from(&[("TIQETS_API_ADDR", "localhost")]).unwrap_err().name,
            "TIQETS_API_ADDR"
        );
        assert_eq!(
            from(&[("API_ADDR", "localhost")]).unwrap_err().name,
            "API_ADDR"
        );
        assert!(from(&[("TIQETS_NAMESPACE", "a.b")]).is_err());
        assert!(from(&[("TIQETS_SSE_HEARTBEAT_SECS", "0")]).is_err());
    }

    #[test]
    fn the_old_names_work_for_now_and_the_new_ones_win() {
        let old = [
            ("API_ADDR", "0.0.0.0:8081"),
            ("API_WORKERS", "3"),
            ("API_DB_POOL_SIZE", "5"),
            ("API_SHUTDOWN_TIMEOUT_SECS", "7"),
        ];
        let new = [
            ("TIQETS_API_ADDR", "0.0.0.0:8082"),
            ("TIQETS_API_WORKERS", "4"),
            ("TIQETS_API_DB_POOL_SIZE", "6"),
            ("TIQETS_DRAIN_TIMEOUT_SECS", "8"),
        ];
        let s = from(&old).unwrap();
        assert_eq!(s.addr.to_string(), "0.0.0.0:8081");
        assert_eq!((s.workers, s.db_pool_size), (3, 5));
        assert_eq!(s.shutdown_timeout, Duration::from_secs(7));
        let both: Vec<_> = old.iter().chain(&new).copied().collect();
        for pairs in [&new[..], &both[..]] {
            let s = from(pairs).unwrap();
            assert_eq!(s.addr.to_string(), "0.0.0.0:8082");
            assert_eq!((s.workers, s.db_pool_size), (4, 6));
            assert_eq!(s.shutdown_timeout, Duration::from_secs(8));
        }
        let warnings =
            |pairs: &[(&str, &str)]| crate::SETTINGS.deprecations(tiqets_config::lookup_of(pairs));
        assert!(warnings(&new).is_empty());
        for pairs in [&old[..], &both[..]] {
            let w = warnings(pairs);
            assert_eq!(w.len(), 4, "{w:?}");
            for (old, new) in old.iter().zip(&new) {
                assert!(
                    w.iter().any(|w| w.contains(old.0) && w.contains(new.0)),
                    "{w:?}"
                );
            }
        }
    }
}
