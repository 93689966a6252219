//! Every variable `tiqets-ingest` reads: its own, the shared NATS and telemetry ones, and
//! the health endpoint's. Its `--help`, its settings and the deploy check use this list.

use tiqets_config::{shared, Catalogue, Group, Setting};

/// Default of `TIQETS_HEALTH_ADDR` (the pipeline's block: 9181 ingest … 9184 persister).
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:9181";

/// Ingest's settings.
pub const SETTINGS: Catalogue = Catalogue {
    program: "tiqets-ingest",
    version: env!("CARGO_PKG_VERSION"),
    about: "Watches the input folder, pairs files into batches, publishes them to NATS \
            JetStream and archives them.",
    groups: &[
        Group {
            title: "Ingest",
            settings: &[
                Setting::new(
                    "TIQETS_INPUT_DIR",
                    "data/input",
                    "the watched folder (created if missing)",
                ),
                Setting::new(
                    "TIQETS_ARCHIVE_DIR",
                    "data/archive",
                    "where published files go, as <batch_id>/<UTC time of arrival>/",
                ),
                Setting::new(
                    "TIQETS_REJECTED_DIR",
                    "$TIQETS_ARCHIVE_DIR/rejected",
                    "where refused input goes, with the reason beside it; keep it on the input \
                     folder's filesystem",
                ),
                Setting::new(
                    "TIQETS_INGEST_MAX_FILE_BYTES",
                    "1073741824 (1 GiB)",
                    "the largest input file (1 byte to 1 TiB); a pair with a larger file \
                     becomes a failed batch and goes to the rejected folder",
                ),
                Setting::new(
                    "TIQETS_INGEST_MEMORY_BYTES",
                    "134217728",
                    "memory ingest may use (128 MiB; at least 16 MiB); a peak over it is \
                     logged as an error and counted",
                ),
                Setting::new(
                    "TIQETS_QUIET_MS",
                    "2000",
                    "a file is read only once its size and modification time have not changed \
                     for this long",
                ),
                Setting::new(
                    "TIQETS_RESCAN_SECS",
                    "10",
                    "periodic rescan, besides file notifications (at least 1)",
                ),
                Setting::new(
                    "TIQETS_CLAIM_STALE_SECS",
                    "60",
                    "a claim whose heartbeat is older than this belongs to a dead replica and \
                     is taken over (at least 5)",
                ),
                Setting::new(
                    "TIQETS_INSTANCE",
                    "$HOSTNAME-<pid>",
                    "names this replica's claim folders",
                ),
                Setting::new(
                    "HOSTNAME",
                    "ingest",
                    "the host's name, part of TIQETS_INSTANCE's default",
                ),
                shared::health(DEFAULT_HEALTH_ADDR),
            ],
        },
        shared::NATS,
        shared::TELEMETRY,
    ],
};

tiqets_bus::catalogue_test!(SETTINGS, crate::Settings);
