//! Every variable `tiqets-validator` reads: its own, the shared NATS and telemetry ones, and
//! the health endpoint's. Its `--help`, its settings and the deploy check use this list.

use tiqets_config::{shared, Catalogue, Group, Setting};

/// Default of `TIQETS_HEALTH_ADDR` (the pipeline's block: 9181 ingest … 9184 persister).
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:9182";

/// The validator's settings.
pub const SETTINGS: Catalogue = Catalogue {
    program: "tiqets-validator",
    version: env!("CARGO_PKG_VERSION"),
    about: "Validates each batch's two files row by row and publishes the valid rows and the \
            row issues as chunks for the merger.",
    groups: &[
        Group {
            title: "Validator",
            settings: &[
                Setting::new(
                    "TIQETS_VALIDATOR_CHUNK_BYTES",
                    "262144",
                    "encoded size at which a row chunk is cut (1024-524288; a chunk must stay \
                     under NATS's 1 MiB message limit)",
                ),
                Setting::new(
                    "TIQETS_VALIDATOR_INFLIGHT",
                    "16",
                    "chunk publishes awaiting JetStream's acknowledgement at once, per file \
                     (1-1024)",
                ),
                Setting::new(
                    "TIQETS_VALIDATOR_MEMORY_BYTES",
                    "268435456",
                    "memory the validator may use (256 MiB); at least 48 MiB plus 4 × \
                     TIQETS_VALIDATOR_INFLIGHT × TIQETS_VALIDATOR_CHUNK_BYTES; a peak over it \
                     is logged as an error and counted",
                ),
                Setting::new(
                    "TIQETS_ISSUE_LIMIT",
                    "100000",
                    "issues itemised per code per file; the others are only counted, and \
                     issues.csv, the api and the dashboard say how many (0: every issue)",
                ),
                shared::drain_timeout(
                    "20",
                    "on SIGTERM, how long a running validation may go on before its message \
                     is released to another replica (0-3600)",
                ),
                shared::health(DEFAULT_HEALTH_ADDR),
            ],
        },
        shared::NATS,
        shared::TELEMETRY,
    ],
};

tiqets_bus::catalogue_test!(SETTINGS, crate::Settings);
