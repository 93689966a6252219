//! Every variable `tiqets-merger` reads: its own, the shared NATS and telemetry ones, and
//! the health endpoint's. Its `--help`, its settings and the deploy check use this list.

use tiqets_config::{shared, Catalogue, Group, Setting};

/// Default of `TIQETS_HEALTH_ADDR` (the pipeline's block: 9181 ingest … 9184 persister).
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:9183";

/// The merger's settings.
pub const SETTINGS: Catalogue = Catalogue {
    program: "tiqets-merger",
    version: env!("CARGO_PKG_VERSION"),
    about: "Joins each validated batch's orders and barcodes and hands the result files to the \
            persister.",
    groups: &[
        Group {
            title: "Merger",
            settings: &[
                Setting::new(
                    "TIQETS_MERGER_CHUNK_WAIT_SECS",
                    "30",
                    "how long to wait for a file's next chunk (still being validated, or its \
                     validator stopped) before giving the work back for a later retry (1-3600)",
                ),
                Setting::new(
                    "TIQETS_MERGER_MEMORY_BYTES",
                    "536870912",
                    "the memory one merge step may use, in bytes (4096 to 2^40): a batch too large \
                     for it is merged in partitions, spread over the merger replicas, each step \
                     holding one partition",
                ),
                shared::drain_timeout(
                    "20",
                    "on SIGTERM, how long a running merge may go on before its message is \
                     released to another replica (0-3600)",
                ),
                shared::health(DEFAULT_HEALTH_ADDR),
            ],
        },
        shared::NATS,
        shared::TELEMETRY,
    ],
};

tiqets_bus::catalogue_test!(SETTINGS, crate::Settings);
