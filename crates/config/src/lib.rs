//! The settings of every Tiqets service, declared once.
//!
//! A service is configured by environment variables only. Each service declares them in
//! one [`Catalogue`] (name, default, meaning; shared entries come from [`shared`]); the
//! same catalogue drives its settings parsing (renamed variables are read through it),
//! its `--help`, and the deploy check that compares the manifests with the code.
//!
//! # Layout
//! - [`env`]: [`Env`], reading one service's variables through a lookup, and
//!   [`SettingsError`], a variable that is set but unusable.
//! - [`catalogue`]: [`Setting`], [`Group`] and [`Catalogue`]; deprecated names and the
//!   warnings about them.
//! - [`common`]: [`Common`], the settings every service embeds (NATS URL, namespace), and
//!   [`lookup_of`] for settings tests.
//! - [`shared`]: the entries every service (or every service of a kind) shares: NATS, logs
//!   and traces, the health endpoint, PostgreSQL.
//! - [`memory`]: [`MemoryBudget`], the memory a service may use, held to the floor its
//!   buffers need.
//! - [`health`]: [`HealthAddr`], the health endpoint's address: the default, one set, or off.
//! - [`args`]: `--help`, `--version` and the usage error, before anything connects.
//! - [`help`]: the text of `--help`.
//! - [`record`]: which variables a piece of code looks up (for the tests that hold a
//!   catalogue to the code).

pub mod args;
pub mod catalogue;
pub mod common;
pub mod env;
pub mod health;
pub mod help;
pub mod memory;
pub mod record;
pub mod shared;

pub use args::{exit_if_asked, handle_args};
pub use catalogue::{Catalogue, Group, Setting};
pub use common::{lookup_of, Common};
pub use env::{Env, SettingsError};
pub use health::HealthAddr;
pub use memory::MemoryBudget;
pub use record::recorded;
pub use shared::{DEFAULT_NAMESPACE, DEFAULT_NATS_URL};
