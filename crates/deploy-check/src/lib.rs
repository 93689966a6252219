//! Keeps the Kubernetes manifests (`deploy/k8s`) and the code from drifting apart.
//!
//! The manifests name images, environment variables, ports and probe paths; the code
//! decides which Dockerfile targets exist, which variables a service reads, and which
//! addresses and paths it serves. This crate renders every overlay (alone and with each
//! component) with `kubectl kustomize` and checks the one against the other; its tests
//! (`tests/drift.rs`) run in `cargo test`. That the manifests are valid Kubernetes objects
//! is `scripts/check-deploy`'s part.
//!
//! # Layout
//! - [`render`]: finding kubectl, rendering the overlays, the pod specs in the output.
//! - [`code`]: what the code reads and serves, taken from the code itself (each service's
//!   catalogue of settings, its `Settings::from_lookup` given the manifest's values, the
//!   health endpoint served and asked, the api's routes and the Dockerfile's targets read
//!   from their sources).
//! - [`checks`]: the comparison, as a list of problems (empty when the two agree).

pub mod checks;
pub mod code;
pub mod render;

pub use checks::check;
pub use code::Facts;
pub use render::{render_all, Rendered};
