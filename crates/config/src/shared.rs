//! Catalogue entries shared by the services: the connection to NATS (every service, read by
//! `tiqets-bus`), logs and traces (every service, read by `tiqets-telemetry`), the health
//! endpoint (the four pipeline services, each with its own default address) and PostgreSQL
//! (the persister and the api).

use crate::catalogue::{Group, Setting};

/// Default of `NATS_URL` (`docs/operations.md`, Every service).
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";
/// Default of `TIQETS_NAMESPACE`.
pub const DEFAULT_NAMESPACE: &str = "tiqets";
/// The health endpoint's variable.
pub const HEALTH_ADDR_VAR: &str = "TIQETS_HEALTH_ADDR";
/// The drain timeout's variable.
pub const DRAIN_TIMEOUT_VAR: &str = "TIQETS_DRAIN_TIMEOUT_SECS";
/// The log format's variable.
pub const LOG_FORMAT_VAR: &str = "TIQETS_LOG_FORMAT";

pub const NATS_URL: Setting = Setting::new(
    "NATS_URL",
    DEFAULT_NATS_URL,
    "NATS server with JetStream; tls://host:port for TLS",
);
pub const NAMESPACE: Setting = Setting::new(
    "TIQETS_NAMESPACE",
    DEFAULT_NAMESPACE,
    "prefix of every subject, stream, consumer and bucket (1-64 ASCII letters, digits, -, _)",
);
pub const NATS_USER: Setting = Setting::new(
    "TIQETS_NATS_USER",
    "unset",
    "NATS user (with TIQETS_NATS_PASSWORD; both or neither)",
);
pub const NATS_PASSWORD: Setting =
    Setting::new("TIQETS_NATS_PASSWORD", "unset", "the NATS user's password");
pub const NATS_TLS: Setting = Setting::new(
    "TIQETS_NATS_TLS",
    "auto",
    "auto: TLS when NATS_URL is tls:// or the server requires it; require: TLS whatever the \
     URL, a server without TLS is refused",
);
pub const NATS_CA_FILE: Setting = Setting::new(
    "TIQETS_NATS_CA_FILE",
    "unset (the system's roots)",
    "PEM file of the CA(s) the NATS server's certificate must chain to",
);
pub const NATS_CERT_FILE: Setting = Setting::new(
    "TIQETS_NATS_CERT_FILE",
    "unset",
    "PEM client certificate for a server that verifies clients (with TIQETS_NATS_KEY_FILE)",
);
pub const NATS_KEY_FILE: Setting = Setting::new(
    "TIQETS_NATS_KEY_FILE",
    "unset",
    "PEM private key of TIQETS_NATS_CERT_FILE",
);

pub const ACK_WAIT: Setting = Setting::new(
    "TIQETS_ACK_WAIT_SECS",
    "20",
    "how long a stage's work may go without a sign of life before NATS gives it to another \
     replica (2-3600; running work says it is alive every quarter of it). Same value for \
     every service",
);
pub const MAX_DELIVER: Setting = Setting::new(
    "TIQETS_MAX_DELIVER",
    "5",
    "deliveries of one unit of work (2-100): work interrupted on every delivery but the last \
     (a stage killed, out of memory) fails its batch with the stage named. Same value for \
     every service",
);

/// Every NATS setting: the server and namespace, then the connection's credentials and TLS,
/// then the work consumers' pacing.
const NATS_SETTINGS: &[Setting] = &[
    NATS_URL,
    NAMESPACE,
    NATS_USER,
    NATS_PASSWORD,
    NATS_TLS,
    NATS_CA_FILE,
    NATS_CERT_FILE,
    NATS_KEY_FILE,
    ACK_WAIT,
    MAX_DELIVER,
];

/// The credentials, TLS and pacing settings of a NATS connection (`tiqets_bus::Bus::connect`).
pub const NATS_CLIENT: &[Setting] = NATS_SETTINGS.split_at(2).1;

/// Every service's connection to NATS.
pub const NATS: Group = Group {
    title: "NATS",
    settings: NATS_SETTINGS,
};

/// Every service's logs and traces (`tiqets_telemetry`).
pub const TELEMETRY: Group = Group {
    title: "Logs and traces",
    settings: &[
        Setting::new(
            "RUST_LOG",
            "info",
            "log filter (tracing_subscriber syntax, e.g. info,tiqets_bus=debug)",
        ),
        Setting::new(
            LOG_FORMAT_VAR,
            "text on a terminal, json otherwise",
            "text (readable lines) or json (one JSON object per line), on stderr",
        ),
        Setting::new(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "unset (no trace export)",
            "when set (e.g. http://127.0.0.1:4318), traces go over OTLP/HTTP to \
             {endpoint}/v1/traces; the other standard OTEL_* variables apply",
        ),
    ],
};

/// `TIQETS_DRAIN_TIMEOUT_SECS` with a service's default and its meaning there.
pub const fn drain_timeout(default: &'static str, help: &'static str) -> Setting {
    Setting::new(DRAIN_TIMEOUT_VAR, default, help)
}

/// `TIQETS_HEALTH_ADDR` with a service's default address.
pub const fn health(default: &'static str) -> Setting {
    Setting::new(
        HEALTH_ADDR_VAR,
        default,
        "where /healthz, /readyz and /metrics are served: host:port, or off. When the default \
         address is taken (another replica on this host) the service warns and runs without \
         it; an address set here must be free",
    )
}

/// PostgreSQL, for the services that use it.
pub const DATABASE_URL: Setting = Setting::new(
    "DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/tiqets",
    "PostgreSQL (the database must exist; the schema is migrated at start-up); TLS by the \
     URL's sslmode, sslrootcert, sslcert and sslkey parameters",
);
