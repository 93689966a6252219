//! What the code reads and serves, taken from the code: each service's catalogue of
//! settings, the cli's arguments, the api's routes, a live health endpoint. Nothing here is
//! a list kept by hand except the variables of the OpenTelemetry SDK, which live in a
//! dependency.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// The Dockerfile targets that run a service, by the name of their Deployment.
pub const SERVICES: [&str; 5] = ["ingest", "validator", "merger", "persister", "api"];

/// The standard variables the OpenTelemetry SDK and its OTLP exporter (0.33) read for
/// traces, besides `OTEL_EXPORTER_OTLP_ENDPOINT` (which `tiqets-telemetry` reads itself).
pub const OTEL_SDK_ENV: &[&str] = &[
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_MAX_CONCURRENT_EXPORTS",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
];

/// What a service makes of its environment: the address it serves HTTP on and how long it
/// drains after SIGTERM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub http_addr: Option<SocketAddr>,
    pub drain: Option<Duration>,
}

/// Everything the checks compare the manifests with.
pub struct Facts {
    /// `FROM … AS <target>` of the Dockerfile.
    pub targets: BTreeSet<String>,
    /// The variables each target reads.
    pub env: BTreeMap<String, BTreeSet<String>>,
    /// The api's routes.
    pub api_paths: BTreeSet<String>,
    /// A live health endpoint of `tiqets-telemetry` (the consumers' and ingest's).
    pub health: SocketAddr,
    /// The variable naming the health endpoint's address.
    pub health_var: String,
    _runtime: tokio::runtime::Runtime,
}

impl Facts {
    /// Reads the sources under `root` and starts a health endpoint to ask.
    pub fn gather(root: &Path) -> Result<Facts, String> {
        let read = |p: &str| std::fs::read_to_string(root.join(p)).map_err(|e| format!("{p}: {e}"));
        let targets = dockerfile_targets(&read("Dockerfile")?);
        let health_var = tiqets_config::shared::HEALTH_ADDR_VAR.to_string();
        // What each service reads is its catalogue (its own tests hold the catalogue to the
        // names its settings, telemetry and NATS connection look up), plus the variables the
        // OpenTelemetry SDK reads by itself.
        let mut env = BTreeMap::new();
        for service in SERVICES {
            let catalogue = catalogue(service).ok_or(format!("no catalogue for {service}"))?;
            let mut vars = catalogue.names();
            vars.extend(OTEL_SDK_ENV.iter().map(|s| s.to_string()));
            env.insert(service.to_string(), vars);
        }
        // The command-line images: their clap `env = "…"` arguments. The admin image's
        // commands (`tiqets-admin setup-nats`, `tiqets-admin migrate`) also connect through
        // `tiqets-bus`; the cli image (`tiqets process`) reaches no server.
        let mut admin = clap_env(&root.join("services/admin/src"))?;
        admin.extend(
            tiqets_config::shared::NATS_CLIENT
                .iter()
                .map(|s| s.name.to_string()),
        );
        env.insert("admin".to_string(), admin);
        env.insert("cli".to_string(), clap_env(&root.join("services/cli/src"))?);
        let api_paths = quoted_after(&read("services/api/src/routes/mod.rs")?, "web::resource(");
        let (runtime, health) = serve_health()?;
        Ok(Facts {
            targets,
            env,
            api_paths,
            health,
            health_var,
            _runtime: runtime,
        })
    }

    /// Whether the health endpoint answers `path` (anything but 404).
    pub fn health_serves(&self, path: &str) -> bool {
        let ask = || -> std::io::Result<String> {
            let mut s = TcpStream::connect_timeout(&self.health, Duration::from_secs(5))?;
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            // One write: the endpoint reads the request line with a single read.
            s.write_all(format!("GET {path} HTTP/1.1\r\nhost: probe\r\n\r\n").as_bytes())?;
            let mut answer = String::new();
            s.read_to_string(&mut answer)?;
            Ok(answer)
        };
        ask()
            .map(|a| a.starts_with("HTTP/1.1 ") && !a.starts_with("HTTP/1.1 404"))
            .unwrap_or(false)
    }
}

/// Asks the service's own settings parser which variables it looks up, and parses `env`
/// with it (the manifest's values: the service must accept them).
pub fn parse_settings(service: &str, env: &HashMap<String, String>) -> Result<Parsed, String> {
    let get = |k: &str| env.get(k).cloned();
    let consumer_drain = || {
        let names = tiqets_contract::Names::new("tiqets".to_string());
        tiqets_bus::ConsumerOptions::work(&names, tiqets_contract::Stage::Persist).drain_timeout
    };
    Ok(match service {
        "ingest" => {
            let s = tiqets_ingest::Settings::from_lookup(get).map_err(|e| e.to_string())?;
            Parsed {
                http_addr: s.health.addr(),
                drain: None,
            }
        }
        "validator" => {
            let s = tiqets_validator::Settings::from_lookup(get).map_err(|e| e.to_string())?;
            Parsed {
                http_addr: s.health.addr(),
                drain: Some(s.drain_timeout),
            }
        }
        "merger" => {
            let s = tiqets_merger::Settings::from_lookup(get).map_err(|e| e.to_string())?;
            Parsed {
                http_addr: s.health.addr(),
                drain: Some(s.drain_timeout),
            }
        }
        "persister" => {
            let s = tiqets_persister::Settings::from_lookup(get).map_err(|e| e.to_string())?;
            Parsed {
                http_addr: s.health.addr(),
                drain: Some(consumer_drain()),
            }
        }
        "api" => {
            let s = tiqets_api::Settings::from_lookup(get).map_err(|e| e.to_string())?;
            Parsed {
                http_addr: Some(s.addr),
                drain: Some(s.shutdown_timeout),
            }
        }
        other => return Err(format!("no settings parser for {other}")),
    })
}

/// The catalogue of `service`'s settings: every variable it reads.
pub fn catalogue(service: &str) -> Option<&'static tiqets_config::Catalogue> {
    Some(match service {
        "ingest" => &tiqets_ingest::SETTINGS,
        "validator" => &tiqets_validator::SETTINGS,
        "merger" => &tiqets_merger::SETTINGS,
        "persister" => &tiqets_persister::SETTINGS,
        "api" => &tiqets_api::SETTINGS,
        _ => return None,
    })
}

/// The variables named by the clap `env = "…"` arguments of the sources in `src`.
fn clap_env(src: &Path) -> Result<BTreeSet<String>, String> {
    let mut vars = BTreeSet::new();
    for entry in std::fs::read_dir(src).map_err(|e| format!("{}: {e}", src.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let source =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        vars.extend(quoted_after(&source, "env = "));
    }
    Ok(vars)
}

/// `FROM <image> AS <target>` lines of a Dockerfile.
pub fn dockerfile_targets(dockerfile: &str) -> BTreeSet<String> {
    dockerfile
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [from, _, as_, target]
                    if from.eq_ignore_ascii_case("FROM") && as_.eq_ignore_ascii_case("AS") =>
                {
                    Some(target.to_string())
                }
                _ => None,
            }
        })
        .collect()
}

/// The string literals that follow `marker` in `source` (`env::var("X")`, `env = "X"`,
/// `web::resource("/x")`).
pub fn quoted_after(source: &str, marker: &str) -> BTreeSet<String> {
    source
        .match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = source[at + marker.len()..].trim_start().strip_prefix('"')?;
            Some(rest[..rest.find('"')?].to_string())
        })
        .collect()
}

/// Starts `tiqets-telemetry`'s health endpoint (ready, with metrics) on a free port.
fn serve_health() -> Result<(tokio::runtime::Runtime, SocketAddr), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let ready = tiqets_telemetry::health::Readiness::new();
    ready.part().set(true);
    let metrics: tiqets_telemetry::health::MetricsFn = std::sync::Arc::new(String::new);
    let addr = runtime
        .block_on(tiqets_telemetry::health::serve(
            "127.0.0.1:0".parse().expect("a valid address"),
            ready,
            Some(metrics),
            tokio_util::sync::CancellationToken::new(),
        ))
        .map_err(|e| format!("starting the health endpoint: {e}"))?;
    Ok((runtime, addr))
}
