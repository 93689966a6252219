//! The roles of `deploy/k8s/base/database/roles.sql` on a real server: the owner migrates, the
//! persister's writer role writes a batch through the real writer, the api's reader role
//! reads it and can change nothing, and neither can change the schema.

use crate::sample::{row_counts, sample, write};
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use tiqets_store::{migrate, queries, Pool};
use tiqets_testkit::TestDatabase;

/// Three roles with names of this test (roles are global to the server).
struct Roles {
    owner: String,
    writer: String,
    reader: String,
    admin_url: String,
}

impl Roles {
    fn new(db: &TestDatabase) -> Roles {
        let tag = db.name().trim_start_matches("test_").to_string();
        Roles {
            owner: format!("t{tag}_owner"),
            writer: format!("t{tag}_writer"),
            reader: format!("t{tag}_reader"),
            admin_url: db.url().to_string(),
        }
    }

    /// `psql -f deploy/k8s/base/database/roles.sql` as the test's superuser.
    fn apply(&self) {
        let sql =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/k8s/base/database/roles.sql");
        let out = Command::new("psql")
            .arg(&self.admin_url)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .args(["-v", &format!("owner={}", self.owner)])
            .args(["-v", &format!("writer={}", self.writer)])
            .args(["-v", &format!("reader={}", self.reader)])
            .args(["-v", "owner_password=owner-pw"])
            .args(["-v", "writer_password=writer-pw"])
            .args(["-v", "reader_password=reader-pw"])
            .arg("-f")
            .arg(&sql)
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "roles.sql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A pool on the test database as `role`.
    fn pool(&self, role: &str, password: &str) -> Pool {
        let base = tokio_postgres::Config::from_str(&self.admin_url).unwrap();
        let host = match &base.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[allow(unreachable_patterns)]
            other => panic!("a TCP host, got {other:?}"),
        };
        let url = format!(
            "host={host} port={} dbname={} user={role} password={password}",
            base.get_ports()[0],
            base.get_dbname().unwrap()
        );
        tiqets_store::connect_with(&url, tiqets_store::WRITE_CONNECTIONS).unwrap()
    }

    async fn drop_all(&self, db: &TestDatabase) {
        let client = db.pool().get().await.unwrap();
        for role in [&self.owner, &self.writer, &self.reader] {
            let _ = client
                .batch_execute(&format!("DROP OWNED BY \"{role}\" CASCADE"))
                .await;
        }
        drop(client);
        db.pool().close();
        // The database is dropped with the TestDatabase; roles that still own objects there
        // are dropped by the next run's sweep of its own names only, so drop them here.
        let admin = tokio_postgres::Config::from_str(&self.admin_url)
            .unwrap()
            .dbname("postgres")
            .connect(tokio_postgres::NoTls)
            .await;
        if let Ok((admin, conn)) = admin {
            tokio::spawn(conn);
            for role in [&self.owner, &self.writer, &self.reader] {
                let _ = admin
                    .batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\""))
                    .await;
            }
        }
    }
}

async fn sql_error(pool: &Pool, sql: &str) -> String {
    let client = pool.get().await.unwrap();
    match client.batch_execute(sql).await {
        Ok(()) => panic!("allowed: {sql}"),
        Err(e) => e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_else(|| e.to_string()),
    }
}

#[tokio::test]
async fn the_reader_reads_the_writer_writes_and_only_the_owner_migrates() {
    let db = TestDatabase::empty().await;
    let roles = Roles::new(&db);
    roles.apply();
    roles.apply(); // idempotent: a second run (a password change) succeeds

    let owner = roles.pool(&roles.owner, "owner-pw");
    let writer = roles.pool(&roles.writer, "writer-pw");
    let reader = roles.pool(&roles.reader, "reader-pw");

    // Before the migrations neither service role can create the schema.
    assert!(
        migrate(&writer).await.is_err(),
        "the writer created the schema"
    );
    assert!(
        migrate(&reader).await.is_err(),
        "the reader created the schema"
    );
    // The owner migrates; then both find the schema up to date without changing it.
    assert!(!migrate(&owner).await.unwrap().is_empty());
    assert_eq!(migrate(&writer).await.unwrap(), Vec::<i32>::new());
    assert_eq!(migrate(&reader).await.unwrap(), Vec::<i32>::new());

    // The writer writes a batch (status, COPY of every table) through the real writer.
    write(&writer, "b1", &sample()).await.unwrap();
    assert_eq!(row_counts(&writer, "b1").await, [5, 3, 4, 4]);

    // The reader reads it, through the api's queries too.
    let batch = queries::batch(&reader, "b1").await.unwrap().unwrap();
    assert_eq!(batch.name, "sample");
    assert_eq!(row_counts(&reader, "b1").await, [5, 3, 4, 4]);

    // The reader can change nothing.
    for sql in [
        "INSERT INTO batch_customer_tickets (batch_id, customer_id, tickets) VALUES ('b1', 99, 1)",
        "DELETE FROM batch_orders WHERE batch_id = 'b1'",
        "UPDATE batches SET name = 'x' WHERE id = 'b1'",
        "DELETE FROM batches",
        "TRUNCATE batch_issues",
    ] {
        let e = sql_error(&reader, sql).await;
        assert!(e.contains("permission denied"), "{sql}: {e}");
    }
    // Neither service role can change the schema or drop data wholesale.
    for pool in [&writer, &reader] {
        for sql in [
            "CREATE TABLE sneaky (a int)",
            "DROP TABLE batch_orders",
            "ALTER TABLE batches ADD COLUMN sneaky int",
            "TRUNCATE batch_orders",
        ] {
            let e = sql_error(pool, sql).await;
            assert!(
                e.contains("permission denied") || e.contains("must be owner"),
                "{sql}: {e}"
            );
        }
    }
    // The batch's partitions (migrations 3, 5): only the writer may stage a batch through the
    // owner's functions, and neither role may drop, detach or alter a partition.
    let suffix: String = reader
        .get()
        .await
        .unwrap()
        .query_one("SELECT tiqets_partition_suffix('b1')", &[])
        .await
        .unwrap()
        .get(0);
    for sql in [
        "SELECT tiqets_stage_partition('b2', 'batch_orders')",
        "SELECT tiqets_index_partition('b1', 'batch_orders')",
        "SELECT tiqets_attach_batch('b1')",
        "SELECT tiqets_index_lookups('b1')",
        "SELECT tiqets_drop_batch('b1')",
    ] {
        let e = sql_error(&reader, sql).await;
        assert!(e.contains("permission denied"), "{sql}: {e}");
    }
    // The writer builds the lookup indexes through the owner's function (migration 6).
    tiqets_store::index_lookups(&writer, "b1").await.unwrap();
    for pool in [&writer, &reader] {
        for sql in [
            format!("DROP TABLE batch_orders_{suffix}"),
            format!("ALTER TABLE batch_orders DETACH PARTITION batch_orders_{suffix}"),
            format!("CREATE INDEX sneaky ON batch_issues_{suffix} (line)"),
        ] {
            let e = sql_error(pool, &sql).await;
            assert!(
                e.contains("permission denied") || e.contains("must be owner"),
                "{sql}: {e}"
            );
        }
    }
    assert_eq!(row_counts(&reader, "b1").await, [5, 3, 4, 4]);
    // And removes a batch only through the owner's function, under the batch's lock.
    assert!(tiqets_store::drop_batch(&writer, "b1")
        .await
        .unwrap()
        .is_some());
    assert_eq!(row_counts(&reader, "b1").await, [0, 0, 0, 0]);

    owner.close();
    writer.close();
    reader.close();
    roles.drop_all(&db).await;
}
