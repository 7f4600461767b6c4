//! The store's one error type.

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// No connection could be had from the pool (database down, wrong address, too busy).
    #[error("cannot connect to the database: {0}")]
    Pool(#[from] r2d2::Error),
    /// The database URL or options are wrong.
    #[error("database configuration: {0}")]
    Config(String),
    /// A stored value does not have the expected shape (a bug or a hand-edited database).
    #[error("unexpected stored value: {0}")]
    Decode(String),
    /// A migration failed; the database is left at the previous version.
    #[error("migration {version} ({name}) failed: {reason}")]
    Migration {
        /// Version number of the failing migration.
        version: i64,
        /// Its name.
        name: String,
        /// Why.
        reason: String,
    },
    /// Optimistic-locking conflict: someone changed the row since it was read.
    #[error("{entity} {id} was changed by someone else (version {expected} expected, {actual} found); reload and try again")]
    Conflict {
        /// Table or entity name.
        entity: &'static str,
        /// Its id.
        id: i64,
        /// The version the caller read.
        expected: i64,
        /// The version stored now.
        actual: i64,
    },
    /// A change expected a value that is no longer there: the data changed since the proposal was made.
    #[error("{entity} {id}: '{field}' changed since this was proposed; nothing was applied")]
    Stale {
        /// Entity code.
        entity: &'static str,
        /// Its id.
        id: i64,
        /// The field that differs.
        field: String,
    },
    /// The proposal was already decided by someone (two reviewers, one proposal).
    #[error("proposal {id} is already {status} (by {by}); nothing was changed")]
    Decided {
        /// Proposal id.
        id: i64,
        /// Its status now.
        status: String,
        /// Who decided.
        by: String,
    },
    /// The row does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Table or entity name.
        entity: &'static str,
        /// Its id.
        id: i64,
    },
    /// Rows a bulk transaction wrote refer to rows that do not exist (checked once before committing).
    #[error("foreign key check of {table} failed ({first}); nothing was written")]
    ForeignKey {
        /// The table checked.
        table: String,
        /// The first violation, described.
        first: String,
    },
    /// An I/O error while streaming data to the database (PostgreSQL COPY).
    #[error("I/O while writing to the database: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Whether the error is a violated UNIQUE or PRIMARY KEY constraint, on either backend.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            StoreError::Postgres(e) => {
                e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
            }
            _ => false,
        }
    }
}

/// The server's own message when there is one: `postgres::Error` displays only "db error" for what the
/// server refused, which tells an operator nothing.
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
