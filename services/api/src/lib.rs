//! The HTTP API of the Tiqets order processor (actix-web): the results of completed batches
//! from PostgreSQL, uploads into the pipeline, live batch progress as server-sent events,
//! health, metrics and its own OpenAPI document. The endpoints are described in
//! `docs/api.md` and served at `/api/openapi.json`; the settings in `docs/operations.md`.
//!
//! # Layout
//! - [`catalogue`]: [`SETTINGS`], every variable it reads (`--help`).
//! - [`settings`]: configuration from the environment.
//! - [`startup`]: connecting, migrating, the server and its middleware ([`run`],
//!   [`Application`] for tests).
//! - [`routes`]: the endpoints, one module per resource (`seed`, `batches`, `downloads`,
//!   `upload`, `events`, `health`, `dashboard`, and `process`: the original backend's
//!   `/api/` and `/api/process`).
//! - [`params`]: query and path parameters, checked with messages that say what is allowed.
//! - [`model`]: the JSON answers and the envelope, with their OpenAPI schemas.
//! - [`openapi`]: the generated document.
//! - [`error`](mod@error): [`ApiError`] and the JSON form of every 4xx/5xx.
//! - [`auth`]: bearer tokens for writes (and optionally reads), decided by what the router
//!   matched; access tokens kept out of logs, spans and metrics.
//! - [`limits`]: concurrent uploads, spool bytes, event streams and the per-client request
//!   rate, each refused with 429 and counted.
//! - [`cors`]: cross-origin requests from the origins `TIQETS_API_CORS_ORIGINS` lists.
//! - [`metrics`]: Prometheus request counts and latencies by route.
//! - [`telemetry`]: request spans joined to OpenTelemetry, request ids.
//! - [`spool`]: uploads spooled to anonymous files while hashed.
//! - [`cache`]: answers about completed batches (immutable) and the current batch, in
//!   memory.
//! - [`state`]: what the handlers share.

pub mod auth;
pub mod cache;
pub mod catalogue;
pub mod cors;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod openapi;
pub mod params;
pub mod routes;
pub mod settings;
pub mod spool;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use catalogue::SETTINGS;
pub use error::ApiError;
pub use openapi::ApiDoc;
pub use settings::{Settings, SettingsError};
pub use startup::{run, Application, Dependencies, StartError};
