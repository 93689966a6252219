//! Making sure NATS and PostgreSQL are there, once per test process.

use crate::nats::OwnedNats;
use crate::postgres::OwnedPostgres;
use crate::process::reachable;
use std::str::FromStr;
use std::sync::OnceLock;
use tokio_postgres::config::Host;

/// Default of `NATS_URL` (`docs/operations.md`, Every service).
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";
/// Default of `DATABASE_URL` (`docs/operations.md`, persister and api).
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/tiqets";

/// The NATS server and PostgreSQL server every test of this process uses.
pub struct Services {
    /// URL of a NATS server with JetStream.
    pub nats_url: String,
    /// URL of the PostgreSQL server's `postgres` database (tests create their own from it).
    pub postgres_url: String,
    _nats: Option<OwnedNats>,
    _postgres: Option<OwnedPostgres>,
}

/// NATS and PostgreSQL, reachable: the ones `NATS_URL` / `DATABASE_URL` (or their defaults)
/// name when something answers there. When one does not answer, `scripts/test-services`
/// runs — the same rules as every script (`scripts/lib/services.sh`): the server is
/// started from the machine's packages, installed with apt-get when missing, and left
/// running for the next test run. Only when it still does not answer (the script cannot
/// run) is a server started for this process (and stopped when it exits). Runs once per
/// process; every later call returns the same servers.
///
/// # Panics
/// When a server is unreachable and cannot be started: no test can run then.
pub fn ensure_services() -> &'static Services {
    static SERVICES: OnceLock<Services> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let nats_url = std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_NATS_URL.into());
        let database_url =
            std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.into());
        let config = tokio_postgres::Config::from_str(&database_url)
            .expect("DATABASE_URL is not a valid PostgreSQL URL");
        if !nats_reachable(&nats_url) || !postgres_reachable(&config) {
            run_test_services();
        }
        let (nats_url, nats) = if nats_reachable(&nats_url) {
            (nats_url, None)
        } else {
            let owned = OwnedNats::start().expect("start a NATS server for the tests");
            eprintln!("testkit: {nats_url} unreachable, started {}", owned.url());
            (owned.url(), Some(owned))
        };
        let (postgres_url, postgres) = if postgres_reachable(&config) {
            (url_for(&config, "postgres"), None)
        } else {
            let owned = OwnedPostgres::start().expect("start a PostgreSQL cluster for the tests");
            eprintln!("testkit: PostgreSQL unreachable, started {}", owned.url());
            (owned.url(), Some(owned))
        };
        Services {
            nats_url,
            postgres_url,
            _nats: nats,
            _postgres: postgres,
        }
    })
}

/// `scripts/test-services`: finds or starts the shared servers (with the environment's
/// `NATS_URL` / `DATABASE_URL`). Best effort: what it could not start is started by the
/// caller for the process.
fn run_test_services() {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-services");
    match std::process::Command::new("bash").arg(&script).status() {
        Ok(status) if status.success() => {}
        Ok(status) => eprintln!("testkit: {} exited with {status}", script.display()),
        Err(e) => eprintln!("testkit: could not run {}: {e}", script.display()),
    }
}

fn nats_reachable(url: &str) -> bool {
    // `nats://user:pass@host:port,nats://other` — the first server decides.
    let first = url.split(',').next().unwrap_or(url);
    let hostport = first.split("://").last().unwrap_or(first);
    let hostport = hostport.rsplit('@').next().unwrap_or(hostport);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.trim_end_matches('/').parse().unwrap_or(4222)),
        None => (hostport, 4222),
    };
    reachable(host.trim_start_matches('[').trim_end_matches(']'), port)
}

fn postgres_reachable(config: &tokio_postgres::Config) -> bool {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(Host::Tcp(host)) => reachable(host, port),
        Some(Host::Unix(dir)) => dir.join(format!(".s.PGSQL.{port}")).exists(),
        None => reachable("127.0.0.1", port),
    }
}

/// A `postgres://` URL for database `dbname` on the server `config` points at.
pub(crate) fn url_for(config: &tokio_postgres::Config, dbname: &str) -> String {
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", encode(&String::from_utf8_lossy(p))))
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(Host::Tcp(host)) if host.contains(':') => {
            format!(
                "postgres://{}{password}@[{host}]:{port}/{dbname}",
                encode(user)
            )
        }
        Some(Host::Tcp(host)) => {
            format!(
                "postgres://{}{password}@{host}:{port}/{dbname}",
                encode(user)
            )
        }
        Some(Host::Unix(dir)) => format!(
            "postgres://{}{password}@/{dbname}?host={}&port={port}",
            encode(user),
            encode(&dir.to_string_lossy())
        ),
        None => format!(
            "postgres://{}{password}@127.0.0.1:{port}/{dbname}",
            encode(user)
        ),
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_for_replaces_the_database_and_keeps_user_and_port() {
        let c =
            tokio_postgres::Config::from_str("postgres://bob:p%40ss@db.local:6543/tiqets").unwrap();
        assert_eq!(
            url_for(&c, "test_1"),
            "postgres://bob:p%40ss@db.local:6543/test_1"
        );
    }

    #[test]
    fn url_for_round_trips_through_the_parser() {
        let c = tokio_postgres::Config::from_str("postgres://postgres@127.0.0.1:5432/x").unwrap();
        let again = tokio_postgres::Config::from_str(&url_for(&c, "y")).unwrap();
        assert_eq!(again.get_dbname(), Some("y"));
        assert_eq!(again.get_ports(), [5432]);
    }
}
