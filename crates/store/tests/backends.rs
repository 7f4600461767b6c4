//! The store's integration suite: every test runs on SQLite (a temporary file) and, when
//! `JARING_TEST_POSTGRES_URL` is set, on PostgreSQL in a schema of its own that is dropped afterwards.
//! If the variable is set and the server cannot be reached, the tests fail rather than skip.

use std::sync::atomic::{AtomicUsize, Ordering};

use jaring_store::{Backend, Database, DatabaseOptions};

/// A database under test, cleaned up when dropped.
pub struct TestDb {
    pub db: Database,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Every backend this run tests against, each with a fresh, migrated database.
pub fn backends() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.db");
    let sqlite = Database::open(path.to_str().expect("utf-8 path")).expect("open SQLite");
    let mut dbs = vec![TestDb {
        db: sqlite,
        _dir: Some(dir),
        pg: None,
    }];
    if let Ok(url) = std::env::var("JARING_TEST_POSTGRES_URL") {
        let schema = format!(
            "jaring_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let db = Database::open_with(DatabaseOptions {
            url: url.clone(),
            pg_schema: Some(schema.clone()),
            pool_size: 4,
        })
        .unwrap_or_else(|e| {
            panic!("JARING_TEST_POSTGRES_URL is set but PostgreSQL is unusable: {e}")
        });
        dbs.push(TestDb {
            db,
            _dir: None,
            pg: Some((url, schema)),
        });
    }
    dbs
}

/// Name for assertion messages.
#[allow(dead_code)]
pub fn label(db: &Database) -> &'static str {
    match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Whether the PostgreSQL run was requested (CI sets it). (Not every suite that shares this file uses it.)
#[allow(dead_code)]
pub fn postgres_requested() -> bool {
    std::env::var("JARING_TEST_POSTGRES_URL").is_ok()
}
