//! Opening a database from a URL, pooling connections and running transactions.

use std::path::PathBuf;
use std::time::Duration;

use r2d2_postgres::postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use r2d2_sqlite::SqliteConnectionManager;

use crate::conn::{Conn, PgConn};
use crate::{Result, StoreError};
use jaring_domain::RegionCode;

/// The two supported backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (the zero-configuration default).
    Sqlite,
    /// PostgreSQL server (production).
    Postgres,
}

/// How to open a database.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `postgres://…`, `sqlite://path`, or a plain file path (SQLite).
    pub url: String,
    /// PostgreSQL schema to use (created if missing); isolates test runs sharing one server.
    pub pg_schema: Option<String>,
    /// Connections kept open at most.
    pub pool_size: u32,
}

impl DatabaseOptions {
    /// Options for a URL with defaults.
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseOptions {
            url: url.into(),
            pg_schema: None,
            pool_size: 8,
        }
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(r2d2::Pool<SqliteConnectionManager>, PathBuf),
    Postgres(r2d2::Pool<crate::pg_pool::PgManager>, PgTarget),
}

/// Where a PostgreSQL database is, for the tools that work beside the pool (pg_dump, pg_restore).
#[derive(Debug, Clone)]
pub struct PgTarget {
    /// Connection URL as given.
    pub url: String,
    /// Schema, when not the default.
    pub schema: Option<String>,
}

/// A connection pool to one database; cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// Region every connection is confined to by PostgreSQL row-level security (see [`Database::scoped`]).
    scope: Option<RegionCode>,
}

/// Pragmas every SQLite connection gets: WAL so readers never wait for the writer, a busy timeout so
/// two writers queue instead of failing, enforced foreign keys. The timeout outlasts the longest write
/// an import makes (a 6 MB file of junk rows writes its rejections for about 20 s on a 2-core machine;
/// with 10 s the second of two such uploads at once failed with "database is locked").
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 60000;
PRAGMA page_size = 8192;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -65536;
PRAGMA temp_store = MEMORY;";

impl Database {
    /// Opens (creating if needed) and migrates the database named by `url`.
    pub fn open(url: &str) -> Result<Database> {
        Database::open_with(DatabaseOptions::new(url))
    }

    /// Opens and migrates with explicit options.
    pub fn open_with(options: DatabaseOptions) -> Result<Database> {
        let db = Database::connect(&options)?;
        crate::migrate::run(&db)?;
        Ok(db)
    }

    fn connect(options: &DatabaseOptions) -> Result<Database> {
        let url = options.url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut config: postgres::Config = url
                .parse()
                .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
            if let Some(schema) = &options.pg_schema {
                if !schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(StoreError::Config(format!(
                        "invalid schema name '{schema}'"
                    )));
                }
                let mut admin = config.connect(NoTls)?;
                admin.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
                config.options(&format!("-c search_path={schema}"));
            }
            config.connect_timeout(Duration::from_secs(10));
            let manager = crate::pg_pool::PgManager(PostgresConnectionManager::new(config, NoTls));
            let pool = r2d2::Pool::builder()
                .max_size(options.pool_size)
                .connection_timeout(Duration::from_secs(15))
                .build(manager)?;
            return Ok(Database {
                scope: None,
                pool: Pool::Postgres(
                    pool,
                    PgTarget {
                        url: url.to_string(),
                        schema: options.pg_schema.clone(),
                    },
                ),
            });
        }
        if url.contains("://") && !url.starts_with("sqlite://") {
            return Err(StoreError::Config(format!(
                "unsupported database URL '{url}': use postgres://… or a SQLite file path"
            )));
        }
        disable_sqlite_memstatus();
        let path = PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url));
        if path.as_os_str().is_empty() {
            return Err(StoreError::Config("empty SQLite path".into()));
        }
        // WAL mode is stored in the file: set it once, alone, before the pool opens its connections
        // together (several switching at once raced for the lock, and r2d2 logged "database is locked"
        // on every few `jaring demo`s).
        rusqlite::Connection::open(&path)?.execute_batch(SQLITE_PRAGMAS)?;
        let manager =
            SqliteConnectionManager::file(&path).with_init(|c| c.execute_batch(SQLITE_PRAGMAS));
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size)
            .connection_timeout(Duration::from_secs(15))
            .build(manager)?;
        Ok(Database {
            pool: Pool::Sqlite(pool, path),
            scope: None,
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(..) => Backend::Sqlite,
            Pool::Postgres(..) => Backend::Postgres,
        }
    }

    /// The SQLite file, or the PostgreSQL URL and schema.
    pub fn location(&self) -> std::result::Result<&std::path::Path, &PgTarget> {
        match &self.pool {
            Pool::Sqlite(_, path) => Ok(path),
            Pool::Postgres(_, target) => Err(target),
        }
    }

    /// A human description without credentials (`SQLite ./jaring.db`, `PostgreSQL host/db`).
    pub fn describe(&self) -> String {
        match &self.pool {
            Pool::Sqlite(_, path) => format!("SQLite {}", path.display()),
            Pool::Postgres(..) => "PostgreSQL".to_string(),
        }
    }

    /// The same database, with every connection confined to the villages inside `scope`.
    ///
    /// On PostgreSQL each connection then runs as the role `jaring_scoped` with `jaring.scope` set, and
    /// the row-level security policies of migration 8 hide every resident, household, proposal, claim,
    /// list record and audit entry outside the scope, whatever SQL a caller sends: a handler bug
    /// cannot read another village. The role may only read (and append to the audit log), so scoped
    /// connections are for requests that read. SQLite has no row-level security; there the scope is
    /// kept only by the queries' own filters.
    pub fn scoped(&self, scope: RegionCode) -> Database {
        Database {
            pool: self.pool.clone(),
            scope: Some(scope),
        }
    }

    /// Borrows a connection from the pool.
    pub fn conn(&self) -> Result<Conn> {
        Ok(match &self.pool {
            Pool::Sqlite(p, _) => Conn::Sqlite(p.get()?),
            Pool::Postgres(p, _) => {
                let mut client = p.get()?;
                // A failure half-way leaves the connection marked unknown, confined again before
                // its next use.
                client.confine(self.scope)?;
                let conn = PgConn {
                    client,
                    scoped: self.scope.is_some(),
                };
                Conn::Postgres(Box::new(conn))
            }
        })
    }

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back on `Err` or panic.
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&mut Conn) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.conn()?;
        // IMMEDIATE takes SQLite's write lock up front, so two writers queue on busy_timeout instead of
        // failing later when a read lock cannot be upgraded.
        let begin = match conn.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        conn.batch(begin)?;
        let mut guard = RollbackGuard { conn: Some(conn) };
        let result = f(guard.conn_mut());
        let mut conn = guard.take();
        match result {
            Ok(v) => {
                conn.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The original error matters more than a failed rollback (the connection is dropped).
                let _ = conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// Page cache of a SQLite connection while it runs a bulk transaction: a registry load touches every
/// page of the table and its indexes, and with the everyday 64 MiB they are written out to the WAL and
/// read back again before the transaction ends. Pages are only taken as they are used, and the cache is
/// shrunk back when the transaction ends. Two threads let SQLite sort in parallel when a load builds an
/// index at the end.
const SQLITE_BULK_PRAGMAS: &str = "PRAGMA cache_size = -262144; PRAGMA threads = 2";
/// The everyday values [`SQLITE_BULK_PRAGMAS`] changes (see [`SQLITE_PRAGMAS`]).
const SQLITE_EVERYDAY_PRAGMAS: &str = "PRAGMA cache_size = -65536; PRAGMA threads = 0";

impl Database {
    /// Runs `f` in one transaction, like [`Database::transaction`], tuned for writing many rows.
    ///
    /// On SQLite the connection gets a larger page cache for the transaction, and when `check_tables`
    /// is not empty its foreign keys are not enforced row by row: every row the transaction leaves in
    /// those tables is checked once, with `PRAGMA foreign_key_check`, before committing, and any
    /// violation rolls everything back. One pass over the finished tables costs a fraction of a lookup
    /// per inserted row (for a million persons 0.3 s, against 1.4 s more spent inserting them with
    /// enforcement on, measured on the VM of docs/BENCHMARKS.md's 2026-12-01 night section). The
    /// caller must name every table it writes that has foreign keys; it must not delete rows others
    /// refer to (no `ON DELETE` action runs while enforcement is off). PostgreSQL runs `f` as
    /// [`Database::transaction`] does.
    pub fn bulk_transaction<T, E>(
        &self,
        check_tables: &[&str],
        f: impl FnOnce(&mut Conn) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        if self.backend() == Backend::Postgres {
            return self.transaction(f);
        }
        // `PRAGMA foreign_keys` is a no-op inside a transaction, so it is set before BEGIN; the guard
        // rolls back whatever is left open and restores the everyday pragmas, also on a panic.
        let mut guard = BulkGuard {
            conn: self.conn()?,
            in_transaction: false,
        };
        guard.conn.batch(SQLITE_BULK_PRAGMAS)?;
        if !check_tables.is_empty() {
            guard.conn.batch("PRAGMA foreign_keys = OFF")?;
        }
        guard.conn.batch("BEGIN IMMEDIATE")?;
        guard.in_transaction = true;
        let result = f(&mut guard.conn).and_then(|v| {
            for table in check_tables {
                if let Some(first) = foreign_key_violation(&mut guard.conn, table)? {
                    return Err(E::from(StoreError::ForeignKey {
                        table: table.to_string(),
                        first,
                    }));
                }
            }
            Ok(v)
        })?;
        guard.conn.batch("COMMIT")?;
        guard.in_transaction = false;
        Ok(result)
    }
}

/// The first row `PRAGMA foreign_key_check` finds in `table`, described, or `None`.
fn foreign_key_violation(conn: &mut Conn, table: &str) -> Result<Option<String>> {
    let rows = conn.query(
        &format!(
            "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check('{table}') LIMIT 1"
        ),
        &[],
    )?;
    rows.first()
        .map(|r| -> Result<String> {
            Ok(format!(
                "{} row {} refers to a missing {} row",
                r.text(0)?,
                r.opt_i64(1)?.unwrap_or_default(),
                r.text(2)?
            ))
        })
        .transpose()
}

/// Rolls back what a bulk transaction left open and puts the connection's everyday pragmas back
/// (foreign keys enforced, everyday cache) before it returns to the pool, whether the transaction
/// committed, failed or panicked.
struct BulkGuard {
    conn: Conn,
    in_transaction: bool,
}

impl Drop for BulkGuard {
    fn drop(&mut self) {
        if self.in_transaction {
            let _ = self.conn.batch("ROLLBACK");
        }
        let restored = self
            .conn
            .batch(SQLITE_EVERYDAY_PRAGMAS)
            .and_then(|_| self.conn.batch("PRAGMA foreign_keys = ON"));
        if let Err(e) = restored {
            tracing::error!(error = %e, "could not restore a SQLite connection's pragmas");
        }
    }
}

/// Turns off SQLite's global memory statistics, whose mutex costs ~6 % of a bulk import. Must run before
/// SQLite initialises; later calls are refused by SQLite and change nothing.
fn disable_sqlite_memstatus() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is documented as callable before sqlite3_initialize from one thread;
        // `Once` guarantees a single call, and a call after initialisation returns SQLITE_MISUSE only.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

/// Rolls back if a transaction body panics, so the pooled connection is not returned mid-transaction.
struct RollbackGuard {
    conn: Option<Conn>,
}

impl RollbackGuard {
    fn conn_mut(&mut self) -> &mut Conn {
        // Set in the constructor and only taken by `take`, which consumes the guard's use.
        self.conn.as_mut().expect("connection present until taken")
    }

    fn take(&mut self) -> Conn {
        self.conn.take().expect("connection taken once")
    }
}

impl Drop for RollbackGuard {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let _ = conn.batch("ROLLBACK");
        }
    }
}
