//! Logs, traces and the shutdown signal, the same for every Tiqets service.
//!
//! # Layout
//! - [`start`] / [`init`] / [`init_with`]: a `tracing` subscriber writing logs to stderr
//!   (`RUST_LOG`, default `info`; `TIQETS_LOG_FORMAT` `text` or `json`, by default text on
//!   a terminal and JSON otherwise), plus OpenTelemetry trace export over OTLP/HTTP
//!   (protobuf, to `$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`) when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` is set. The W3C trace-context propagator is always
//!   installed, so trace context in NATS headers is understood. The returned [`Guard`]
//!   flushes and shuts the exporter down when dropped.
//! - [`settings`]: [`TelemetrySettings`], what the above reads from the environment.
//! - [`testing`]: an in-memory span exporter for tests that assert on traces.
//! - [`shutdown`]: a cancellation token fired by SIGTERM or SIGINT, and `until_ready`, the
//!   start-up retry (back-off until it works, a fatal error, or shutdown).
//! - [`health`]: `/healthz`, `/readyz` and `/metrics` for services without an HTTP API, and
//!   [`health::Readiness`], one flag per loop.
//! - [`service`]: [`Service`], the start every service binary shares (`--help`, logs and
//!   traces, deprecation warnings, the shutdown token, the readiness).
//! - [`metrics`]: the process's Prometheus registry, served at `/metrics`.
//! - [`memory`]: the process held to its memory budget: a check while it runs, and
//!   [`memory::settle`] at the end of each unit of work.
//!
//! OTLP over HTTP rather than gRPC: its exporter runs on the SDK's own batch thread with a
//! blocking client, independent of the service's async runtime, so spans are exported
//! (and flushed on drop) whatever the runtime is doing at shutdown.

pub mod health;
pub mod memory;
pub mod metrics;
pub mod service;
pub mod settings;
pub mod shutdown;
pub mod testing;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub use service::{Service, StartError};
pub use settings::{LogFormat, TelemetrySettings};
pub use shutdown::shutdown_token;

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled,
}

/// Flushes and shuts down trace export when dropped. Keep it alive in `main`.
#[must_use = "dropping the guard stops trace export"]
pub struct Guard {
    provider: Option<SdkTracerProvider>,
}

impl Guard {
    /// Whether spans are exported.
    pub fn exports_traces(&self) -> bool {
        self.provider.is_some()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(e) = provider.force_flush() {
                eprintln!("telemetry: flushing spans failed: {e}");
            }
            if let Err(e) = provider.shutdown() {
                eprintln!("telemetry: exporter shutdown failed: {e}");
            }
        }
    }
}

/// Installs logs and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, OTLP trace export, as
/// the process environment says; a bad value is reported on stderr and the defaults apply.
/// Services read [`TelemetrySettings`] with their own settings and call [`start`].
pub fn init(service_name: &str) -> Guard {
    let settings = TelemetrySettings::from_env().unwrap_or_else(|e| {
        eprintln!("telemetry: {e}");
        TelemetrySettings::from_lookup(|_| None, false).expect("the defaults are valid")
    });
    start(service_name, &settings)
}

/// Installs logs as `settings` say and, when they name an OTLP endpoint, trace export. A
/// broken exporter configuration is reported on stderr and the service runs on with logs.
pub fn start(service_name: &str, settings: &TelemetrySettings) -> Guard {
    let exporter = match &settings.otlp_endpoint {
        Some(_) => match otlp_exporter() {
            Ok(e) => Some(e),
            Err(e) => {
                eprintln!("telemetry: {e}; traces are not exported");
                None
            }
        },
        None => None,
    };
    match install_with(service_name, exporter, settings) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("telemetry: {e}");
            Guard { provider: None }
        }
    }
}

/// Installs JSON logs and, given an exporter, trace export through a batch processor.
pub fn init_with<E: SpanExporter + 'static>(
    service_name: &str,
    exporter: Option<E>,
) -> Result<Guard, TelemetryError> {
    let settings = TelemetrySettings {
        log_format: LogFormat::Json,
        log_filter: std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        otlp_endpoint: None,
    };
    install_with(service_name, exporter, &settings)
}

fn install_with<E: SpanExporter + 'static>(
    service_name: &str,
    exporter: Option<E>,
    settings: &TelemetrySettings,
) -> Result<Guard, TelemetryError> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = exporter.map(|e| {
        SdkTracerProvider::builder()
            .with_batch_exporter(e)
            .with_resource(resource(service_name))
            .build()
    });
    install(service_name, provider.clone(), settings)?;
    Ok(Guard { provider })
}

/// Logs a warning for each deprecated variable of `catalogue` that is set (call it once
/// the subscriber is installed).
pub fn warn_deprecated(catalogue: &tiqets_config::Catalogue) {
    for warning in catalogue.deprecations(|name| std::env::var(name).ok()) {
        tracing::warn!("{warning}");
    }
}

fn resource(service_name: &str) -> Resource {
    Resource::builder()
        .with_service_name(service_name.to_string())
        .build()
}

fn otlp_exporter() -> Result<opentelemetry_otlp::SpanExporter, TelemetryError> {
    // Endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables.
    opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| TelemetryError::Exporter(e.to_string()))
}

/// Installs the global subscriber: filter, text or JSON to stderr, OpenTelemetry when given.
fn install(
    service_name: &str,
    provider: Option<SdkTracerProvider>,
    settings: &TelemetrySettings,
) -> Result<(), TelemetryError> {
    let filter =
        EnvFilter::try_new(&settings.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = (settings.log_format == LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
    });
    let text = (settings.log_format == LogFormat::Text).then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
    });
    let otel = provider.map(|p| {
        opentelemetry::global::set_tracer_provider(p.clone());
        tracing_opentelemetry::layer().with_tracer(p.tracer(service_name.to_string()))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(json)
        .with(text)
        .with(otel)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInstalled)
}
