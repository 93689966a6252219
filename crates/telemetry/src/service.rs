//! [`Service`]: the start every service binary shares. `--help` and `--version` are answered
//! (and the process exits), logs and trace export start as the environment says, deprecated
//! variable names are warned about, SIGTERM/SIGINT arm the shutdown token, and the service's
//! [`Readiness`] is made for its loops to report to.

use crate::health::{self, Readiness};
use crate::{Guard, TelemetrySettings};
use std::net::SocketAddr;
use tiqets_config::{Catalogue, HealthAddr, SettingsError};
use tokio_util::sync::CancellationToken;

/// A started service binary. Keep it alive in `main`: dropping it flushes trace export.
pub struct Service {
    shutdown: CancellationToken,
    readiness: Readiness,
    _telemetry: Guard,
}

/// Why a pipeline service did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("reading the settings: {0}")]
    Settings(#[from] SettingsError),
    #[error("starting the health endpoint: {0}")]
    Health(#[from] std::io::Error),
}

impl Service {
    /// The start of a pipeline service's `main`: [`Service::begin`], its settings (`read`
    /// from the environment), then its health endpoint at the address `health` picks from
    /// them. The service's loops then take their parts of the readiness.
    pub async fn start<S>(
        catalogue: &Catalogue,
        read: impl FnOnce(&dyn Fn(&str) -> Option<String>) -> Result<S, SettingsError>,
        health: impl FnOnce(&S) -> HealthAddr,
    ) -> Result<(Service, S), StartError> {
        let service = Service::begin(catalogue)?;
        let settings = read(&|name| std::env::var(name).ok())?;
        service.serve_health(health(&settings)).await?;
        Ok((service, settings))
    }

    /// Starts `catalogue`'s binary (see the module doc). `Err` names an unusable logging or
    /// tracing variable. Call it inside the tokio runtime.
    pub fn begin(catalogue: &Catalogue) -> Result<Service, SettingsError> {
        tiqets_config::exit_if_asked(catalogue);
        let telemetry = TelemetrySettings::from_env()?;
        let guard = crate::start(catalogue.program, &telemetry);
        crate::warn_deprecated(catalogue);
        Ok(Service {
            shutdown: crate::shutdown_token(),
            readiness: Readiness::new(),
            _telemetry: guard,
        })
    }

    /// Fired on SIGTERM/SIGINT.
    pub fn shutdown(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The readiness `/readyz` answers from; each loop takes a part of it.
    pub fn readiness(&self) -> Readiness {
        self.readiness.clone()
    }

    /// Holds the process to `budget` until shutdown ([`crate::memory::watch`]).
    pub fn watch_memory(&self, budget: tiqets_config::MemoryBudget) {
        crate::memory::watch(budget, self.shutdown());
    }

    /// Serves `/healthz`, `/readyz` and `/metrics` at `addr` until shutdown
    /// ([`health::serve_at`]).
    pub async fn serve_health(&self, addr: HealthAddr) -> std::io::Result<Option<SocketAddr>> {
        health::serve_at(addr, self.readiness(), None, self.shutdown()).await
    }
}
