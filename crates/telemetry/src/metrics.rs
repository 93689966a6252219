//! The process's Prometheus registry: libraries register their metrics here (the consumer
//! loop's, in `tiqets-bus`), and the health endpoint serves it at `/metrics`.

use prometheus::{Encoder, Registry, TextEncoder};
use std::sync::OnceLock;

/// The registry every metric of this process is registered in.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::new)
}

/// The registry in the Prometheus text format.
pub fn render() -> String {
    let mut out = Vec::new();
    // Encoding gathered families into a Vec cannot fail.
    let _ = TextEncoder::new().encode(&registry().gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}
