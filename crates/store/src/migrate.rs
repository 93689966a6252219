//! Embedded schema migrations.
//!
//! Every service that touches PostgreSQL calls [`migrate`] on start-up, and several replicas
//! start at once: the whole run is one transaction that first takes a transaction-scoped
//! advisory lock, so one replica applies what is missing while the others wait and then find
//! nothing left to do. PostgreSQL DDL is transactional, so a failed migration leaves nothing
//! half-applied.
//!
//! A schema that is already up to date is recognised first, with reads only, so services
//! that connect with a role that may not change the schema (the persister's writer and the
//! api's reader of `deploy/k8s/base/database/roles.sql`) start once the owner role has migrated.

use crate::error::{db, Result, StoreError};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// `migration!(version, name, file under migrations/)`.
macro_rules! migration {
    ($version:literal, $name:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $file)),
        }
    };
}

/// Every migration, in version order. Append only: an applied migration must never change.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "init", "0001_init.sql"),
    migration!(2, "order position", "0002_order_position.sql"),
    migration!(3, "batch partitions", "0003_batch_partitions.sql"),
    migration!(4, "position brin", "0004_position_brin.sql"),
    migration!(5, "staged load", "0005_staged_load.sql"),
    migration!(6, "changes and lookups", "0006_changes_and_lookups.sql"),
    migration!(7, "deleted batches", "0007_deleted_batches.sql"),
    migration!(8, "issues not itemised", "0008_issues_not_itemised.sql"),
    migration!(9, "sold after completed", "0009_sold_after_completed.sql"),
];

/// Key of the advisory lock that serialises migration runs (any constant unique to us).
const MIGRATION_LOCK: i64 = 0x7469_7165_7473_6d31; // "tiqetsm1"

impl Migration {
    fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// Applies the missing migrations; returns the versions it applied (empty when up to date).
pub async fn migrate(pool: &Pool) -> Result<Vec<i32>> {
    let mut client = pool.get().await?;
    if up_to_date(&client).await? {
        return Ok(Vec::new());
    }
    let tx = client.transaction().await.map_err(db("begin migration"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db("migration lock"))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer     PRIMARY KEY,
             name       text        NOT NULL,
             checksum   text        NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(db("create schema_migrations"))?;
    let rows = tx
        .query("SELECT version, checksum FROM schema_migrations", &[])
        .await
        .map_err(db("read schema_migrations"))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    let mut applied = Vec::new();
    for row in &rows {
        let version: i32 = row.get(0);
        let checksum: String = row.get(1);
        match MIGRATIONS.iter().find(|m| m.version == version) {
            None => {
                return Err(StoreError::SchemaTooNew {
                    found: version,
                    known,
                })
            }
            Some(m) if m.checksum() != checksum => {
                return Err(StoreError::MigrationChanged {
                    version,
                    name: m.name,
                })
            }
            Some(_) => applied.push(version),
        }
    }
    let mut done = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        tx.batch_execute(m.sql)
            .await
            .map_err(db("apply migration"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &m.checksum()],
        )
        .await
        .map_err(db("record migration"))?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        done.push(m.version);
    }
    tx.commit().await.map_err(db("commit migration"))?;
    Ok(done)
}

/// Whether every migration is recorded with its checksum and nothing newer is (reads only:
/// no DDL, no lock).
async fn up_to_date(client: &deadpool_postgres::Client) -> Result<bool> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await
        .map_err(db("look for schema_migrations"))?
        .get(0);
    if !exists {
        return Ok(false);
    }
    let rows = client
        .query("SELECT version, checksum FROM schema_migrations", &[])
        .await
        .map_err(db("read schema_migrations"))?;
    let recorded: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    Ok(recorded.len() == MIGRATIONS.len()
        && MIGRATIONS
            .iter()
            .all(|m| recorded.contains(&(m.version, m.checksum()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i32 + 1, "{}", m.name);
        }
    }
}
