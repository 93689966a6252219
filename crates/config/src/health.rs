//! The address of a service's health endpoint (`TIQETS_HEALTH_ADDR`): `/healthz`, `/readyz`
//! and `/metrics` of the services without an HTTP API of their own.
//!
//! On by default, on a port of its own per service (see each service's catalogue), so the
//! four pipeline services run side by side on one host without settings. Where the address
//! came from decides what a taken port means: the default one is skipped with a warning (a
//! second replica on the same host is normal), one set explicitly is fatal.

use std::net::SocketAddr;

/// Where the health endpoint listens, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthAddr {
    /// `TIQETS_HEALTH_ADDR=off`: no endpoint.
    Off,
    /// `TIQETS_HEALTH_ADDR` unset: the service's default address.
    Default(SocketAddr),
    /// `TIQETS_HEALTH_ADDR` set to an address.
    Set(SocketAddr),
}

impl HealthAddr {
    /// What is allowed, for error messages.
    pub const EXPECTED: &'static str = "expected host:port (e.g. 0.0.0.0:9090) or off";

    /// `off` (any case) or `host:port`, as set explicitly.
    pub fn parse(value: &str) -> Result<HealthAddr, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(HealthAddr::Off);
        }
        value
            .parse()
            .map(HealthAddr::Set)
            .map_err(|_| HealthAddr::EXPECTED.to_string())
    }

    /// The same address, as the default rather than set.
    pub fn default_of(self) -> HealthAddr {
        match self {
            HealthAddr::Set(addr) => HealthAddr::Default(addr),
            other => other,
        }
    }

    /// The address, unless off.
    pub fn addr(self) -> Option<SocketAddr> {
        match self {
            HealthAddr::Off => None,
            HealthAddr::Default(addr) | HealthAddr::Set(addr) => Some(addr),
        }
    }
}
