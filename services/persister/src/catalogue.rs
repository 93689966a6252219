//! Every variable `tiqets-persister` reads: its own, PostgreSQL's, the shared NATS and
//! telemetry ones, and the health endpoint's. Its `--help`, its settings and the deploy
//! check use this list.

use tiqets_config::{shared, Catalogue, Group, Setting};

/// Default of `TIQETS_HEALTH_ADDR` (the pipeline's block: 9181 ingest … 9184 persister).
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:9184";

/// The persister's settings.
pub const SETTINGS: Catalogue = Catalogue {
    program: "tiqets-persister",
    version: env!("CARGO_PKG_VERSION"),
    about: "Stores merged batches in PostgreSQL, writes their output files and records the \
            pipeline's status.",
    groups: &[
        Group {
            title: "Persister",
            settings: &[
                shared::DATABASE_URL,
                Setting::new(
                    "TIQETS_OUTPUT_DIR",
                    "data/output",
                    "where <batch_id>/processed_orders.csv and <batch_id>/issues.csv are \
                     written (created if missing)",
                ),
                Setting::new(
                    "TIQETS_PERSISTER_MEMORY_BYTES",
                    "402653184",
                    "memory the persister may use (384 MiB; at least 48 MiB); a peak over it \
                     is logged as an error and counted",
                ),
                Setting::new(
                    "TIQETS_PERSISTER_DB_POOL_SIZE",
                    "5",
                    "PostgreSQL connections per replica (5-64): a persist holds up to four, \
                     status recording one",
                ),
                Setting::deprecated("PERSISTER_DB_POOL_SIZE", "TIQETS_PERSISTER_DB_POOL_SIZE"),
                Setting::new(
                    "TIQETS_RETENTION_KEEP_BATCHES",
                    "0",
                    "keep the newest N ended (completed or failed) batches and delete older \
                     ones after each completed batch; 0: keep all. The current batch is never \
                     deleted; keep 2 or more to keep its changes",
                ),
                Setting::new(
                    "TIQETS_RETENTION_KEEP_DAYS",
                    "0",
                    "delete ended batches older than D days after each completed batch; 0: \
                     keep them",
                ),
                Setting::new(
                    "TIQETS_STALL_SECS",
                    "900",
                    "a batch in flight with no status or progress for this long ends failed \
                     (the watchdog), so none stays in flight forever; 0: no watchdog",
                ),
                shared::health(DEFAULT_HEALTH_ADDR),
            ],
        },
        shared::NATS,
        shared::TELEMETRY,
    ],
};

tiqets_bus::catalogue_test!(SETTINGS, crate::Settings);
