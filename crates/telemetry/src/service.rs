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

impl Service {
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

    /// Serves `/healthz`, `/readyz` and `/metrics` at `addr` until shutdown
    /// ([`health::serve_at`]).
    pub async fn serve_health(&self, addr: HealthAddr) -> std::io::Result<Option<SocketAddr>> {
        health::serve_at(addr, self.readiness(), None, self.shutdown()).await
    }
}
