//! A fresh PostgreSQL database per test.

use crate::services::{ensure_services, url_for};
use std::str::FromStr;
use std::time::Duration;
use tiqets_store::Pool;
use tokio_postgres::NoTls;

/// A database `test_<hex>` created for one test (migrated unless made with
/// [`TestDatabase::empty`]) and dropped — `WITH (FORCE)`, open connections included — when
/// the value is dropped.
pub struct TestDatabase {
    name: String,
    url: String,
    server_url: String,
    pool: Pool,
}

impl TestDatabase {
    /// A migrated database on the shared server.
    pub async fn create() -> TestDatabase {
        TestDatabase::on(&ensure_services().postgres_url, true).await
    }

    /// An empty database (no migrations) on the shared server.
    pub async fn empty() -> TestDatabase {
        TestDatabase::on(&ensure_services().postgres_url, false).await
    }

    /// A database on the server of `server_url` (e.g. an [`crate::OwnedPostgres`]).
    ///
    /// # Panics
    /// When the server cannot be reached or the database cannot be created or migrated.
    pub async fn on(server_url: &str, migrated: bool) -> TestDatabase {
        let name = format!("test_{:016x}", rand::random::<u64>());
        let admin = admin_client(server_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {server_url}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let config = tokio_postgres::Config::from_str(server_url).expect("a valid server url");
        let url = url_for(&config, &name);
        let pool = tiqets_store::connect(&url).expect("a pool for the test database");
        if migrated {
            tiqets_store::migrate(&pool)
                .await
                .unwrap_or_else(|e| panic!("migrate {name}: {e}"));
        }
        TestDatabase {
            name,
            url,
            server_url: server_url.to_owned(),
            pool,
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL, as a service's `DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pool connected to it.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

async fn admin_client(server_url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config = tokio_postgres::Config::from_str(server_url)?;
    config.connect_timeout(Duration::from_secs(5));
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        self.pool.close();
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        // Drop cannot await, and may run inside a runtime: do the work on a thread of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = admin_client(&server_url).await.ok()?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(done, Ok(Some(()))) {
            eprintln!(
                "testkit: could not drop database {} (best effort)",
                self.name
            );
        }
    }
}

/// The tables that hold a batch's rows, in the order [`batch_row_counts`] counts them:
/// orders, unused barcodes, issues, customer tickets.
pub const BATCH_TABLES: [&str; 4] = [
    "batch_orders",
    "batch_unused_barcodes",
    "batch_issues",
    "batch_customer_tickets",
];

/// How many rows `table` holds for the batch `batch_id`.
///
/// # Panics
/// When the database cannot be queried.
pub async fn count_rows(pool: &Pool, table: &str, batch_id: &str) -> i64 {
    let client = pool.get().await.expect("a connection");
    let sql = format!("SELECT count(*) FROM {table} WHERE batch_id = $1");
    client
        .query_one(&sql, &[&batch_id])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// Row counts of the batch tables ([`BATCH_TABLES`]) for `batch_id`.
pub async fn batch_row_counts(pool: &Pool, batch_id: &str) -> [i64; 4] {
    let mut out = [0; 4];
    for (n, table) in out.iter_mut().zip(BATCH_TABLES) {
        *n = count_rows(pool, table, batch_id).await;
    }
    out
}
