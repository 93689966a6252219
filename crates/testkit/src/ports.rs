//! Free TCP ports on the loopback address.

/// A TCP port on 127.0.0.1 that nothing listens on right now (for a service's
/// `TIQETS_HEALTH_ADDR` or an API address).
pub fn free_port() -> u16 {
    crate::process::free_port().expect("a free port on 127.0.0.1")
}
