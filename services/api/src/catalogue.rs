//! Every variable `tiqets-api` reads: its own, PostgreSQL's, and the shared NATS and
//! telemetry ones. Its health endpoints are served on its own address (`/healthz`,
//! `/readyz`, `/metrics` at `TIQETS_API_ADDR`). Its `--help`, its settings and the deploy
//! check use this list.

use tiqets_config::{shared, Catalogue, Group, Setting};

/// The api's settings.
pub const SETTINGS: Catalogue = Catalogue {
    program: "tiqets-api",
    version: env!("CARGO_PKG_VERSION"),
    about: "The HTTP API: completed batches' results from PostgreSQL, uploads into the \
            pipeline, live progress as server-sent events, health and metrics, the dashboard.",
    groups: &[
        Group {
            title: "HTTP",
            settings: &[
                Setting::new(
                    "TIQETS_API_ADDR",
                    "127.0.0.1:8080",
                    "where the HTTP API listens (0.0.0.0:8080 in a container); /healthz, \
                     /readyz and /metrics are served there too",
                ),
                Setting::deprecated("API_ADDR", "TIQETS_API_ADDR"),
                Setting::new(
                    "TIQETS_API_WORKERS",
                    "the number of CPUs",
                    "HTTP worker threads (1-256)",
                ),
                Setting::deprecated("API_WORKERS", "TIQETS_API_WORKERS"),
                shared::drain_timeout(
                    "20",
                    "on SIGTERM, how long running requests (downloads, uploads) may go on \
                     (0-3600)",
                ),
                Setting::deprecated("API_SHUTDOWN_TIMEOUT_SECS", "TIQETS_DRAIN_TIMEOUT_SECS"),
                Setting::new(
                    "TIQETS_API_TOKEN",
                    "unset",
                    "when set, writes need Authorization: Bearer <token>",
                ),
                Setting::new(
                    "TIQETS_API_READ_TOKEN",
                    "unset",
                    "when set, reads under /api/ need it too (the write token also reads)",
                ),
                Setting::new(
                    "TIQETS_API_CORS_ORIGINS",
                    "empty (same origin only)",
                    "origins whose pages may call the API: comma-separated scheme://host[:port], \
                     or *",
                ),
                Setting::new(
                    "TIQETS_API_RATE_PER_SECOND",
                    "100",
                    "requests per second one client address may make under /api/ (0: no \
                     limit); beyond it 429",
                ),
                Setting::new(
                    "TIQETS_API_RATE_BURST",
                    "200",
                    "requests a client may make at once before the rate applies (1-1000000)",
                ),
                Setting::new(
                    "TIQETS_API_MAX_EVENT_STREAMS",
                    "256",
                    "open /api/events streams per replica (1-100000); one more gets 429",
                ),
                Setting::new(
                    "TIQETS_SSE_HEARTBEAT_SECS",
                    "15",
                    "comment line sent on idle /api/events streams (1-300)",
                ),
                Setting::new(
                    "TIQETS_WEB_DIR",
                    "web/dist",
                    "the dashboard's static files, served at / when the folder holds an \
                     index.html",
                ),
            ],
        },
        Group {
            title: "Uploads",
            settings: &[
                Setting::new(
                    "TIQETS_UPLOAD_MAX_BYTES",
                    "1073741824 (1 GiB)",
                    "the largest accepted size of each uploaded file (1 byte to 1 TiB); beyond \
                     it 413",
                ),
                Setting::new(
                    "TIQETS_UPLOAD_MAX_CONCURRENT",
                    "4",
                    "uploads in progress at once per replica (1-1024); one more gets 429",
                ),
                Setting::new(
                    "TIQETS_UPLOAD_SPOOL_MAX_BYTES",
                    "8589934592 (8 GiB)",
                    "bytes all uploads in progress may hold in TIQETS_UPLOAD_DIR together (1 \
                     MiB-16 TiB); beyond it 429",
                ),
                Setting::new(
                    "TIQETS_UPLOAD_DIR",
                    "the system's temporary folder",
                    "where uploads are spooled (as anonymous files) while they are hashed",
                ),
            ],
        },
        Group {
            title: "PostgreSQL",
            settings: &[
                shared::DATABASE_URL,
                Setting::new(
                    "TIQETS_API_DB_POOL_SIZE",
                    "16",
                    "PostgreSQL connections per replica (1-256); a download holds one while it \
                     streams",
                ),
                Setting::deprecated("API_DB_POOL_SIZE", "TIQETS_API_DB_POOL_SIZE"),
                Setting::new(
                    "TIQETS_API_CACHE_BYTES",
                    "67108864 (64 MiB)",
                    "memory for answers about completed batches (0 turns the cache off)",
                ),
                Setting::new(
                    "TIQETS_API_MEMORY_BYTES",
                    "536870912 (512 MiB)",
                    "memory the api may use; at least 64 MiB plus TIQETS_API_CACHE_BYTES; a \
                     peak over it is logged as an error and counted",
                ),
            ],
        },
        shared::NATS,
        shared::TELEMETRY,
    ],
};

tiqets_bus::catalogue_test!(SETTINGS, crate::Settings);
