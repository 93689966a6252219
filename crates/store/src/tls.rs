//! TLS to PostgreSQL, with libpq's meaning of `sslmode` (docs/operations.md, "TLS").
//!
//! tokio-postgres knows only `sslmode=disable|prefer|require` and refuses parameters it does
//! not know, so [`split_url`] takes `sslmode`, `sslrootcert`, `sslcert` and `sslkey` out of
//! the database URL (or `key=value` string) and [`DbTls::client_config`] builds the rustls
//! configuration that does what libpq does with them:
//!
//! | `sslmode` | TLS | certificate chain checked against | host name checked |
//! |---|---|---|---|
//! | `disable` | never | — | — |
//! | `prefer` (default) | when the server offers it | `sslrootcert` when given, else not checked | no |
//! | `require` | always | `sslrootcert` when given, else not checked | no |
//! | `verify-ca` | always | `sslrootcert`, else the system's roots | no |
//! | `verify-full` | always | `sslrootcert`, else the system's roots | yes |
//!
//! `sslrootcert=system` names the system's roots explicitly. `sslcert` + `sslkey` (PEM files)
//! give a client certificate. Certificates are read once, when the pool is made: an
//! unreadable or unusable file is an error then, naming the parameter and the file.
//!
//! [`SslMode`] (`mode`) and the other parameters ([`DbTls`], `params`) are taken out of the
//! URL by [`split_url`]; `config` builds the rustls configuration, with `verify` for the
//! modes that check the chain only.

mod config;
mod mode;
mod params;
mod verify;

#[cfg(test)]
mod tests;

pub use mode::SslMode;
pub use params::{split_url, DbTls, RootCerts};
