//! [`variables_read`]: which environment variables a NATS service reads, its own settings
//! and those every such service shares (logs and traces, NATS credentials, TLS and pacing). Each
//! service's test compares them with its catalogue, so `--help` lists exactly what it reads.

use crate::{NatsAuth, NatsTls};
use std::collections::BTreeSet;

/// The variables `own` reads, with telemetry's and the NATS connection's.
pub fn variables_read(own: impl FnOnce(&dyn Fn(&str) -> Option<String>)) -> BTreeSet<String> {
    tiqets_config::recorded(|get| {
        own(get);
        let _ = tiqets_telemetry::TelemetrySettings::from_lookup(get, false);
        let _ = NatsAuth::from_lookup(get);
        let _ = NatsTls::from_lookup(get);
        let _ = crate::Pacing::from_lookup(get);
    })
}

/// The unit test that holds a service's catalogue to what it reads:
/// `tiqets_bus::catalogue_test!(SETTINGS, crate::Settings);` in the catalogue's module,
/// where `Settings::from_lookup(get)` reads the service's own settings.
#[macro_export]
macro_rules! catalogue_test {
    ($catalogue:path, $settings:ty) => {
        #[cfg(test)]
        #[test]
        fn the_catalogue_lists_exactly_the_variables_read() {
            let read = $crate::variables_read(|get| {
                let _ = <$settings>::from_lookup(get);
            });
            assert_eq!(read, $catalogue.names());
        }
    };
}
