//! Schema migrations, one SQL file per version and backend, applied in order inside a transaction.
//!
//! Kept this small on purpose: jaring needs per-backend DDL (identity columns, types) and a version
//! table, nothing more; a failed migration rolls back and leaves the previous version in place.

use crate::{Backend, Database, Result, StoreError, Value};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry",
        sqlite: include_str!("../migrations/sqlite/0001_registry.sql"),
        postgres: include_str!("../migrations/postgres/0001_registry.sql"),
    },
    Migration {
        version: 2,
        name: "imports",
        sqlite: include_str!("../migrations/sqlite/0002_imports.sql"),
        postgres: include_str!("../migrations/postgres/0002_imports.sql"),
    },
    Migration {
        version: 3,
        name: "matches",
        sqlite: include_str!("../migrations/sqlite/0003_matches.sql"),
        postgres: include_str!("../migrations/postgres/0003_matches.sql"),
    },
    Migration {
        version: 4,
        name: "review",
        sqlite: include_str!("../migrations/sqlite/0004_review.sql"),
        postgres: include_str!("../migrations/postgres/0004_review.sql"),
    },
    Migration {
        version: 5,
        name: "coverage",
        sqlite: include_str!("../migrations/sqlite/0005_coverage.sql"),
        postgres: include_str!("../migrations/postgres/0005_coverage.sql"),
    },
    Migration {
        version: 6,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0006_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0006_accounts.sql"),
    },
    Migration {
        version: 7,
        name: "claims",
        sqlite: include_str!("../migrations/sqlite/0007_claims.sql"),
        postgres: include_str!("../migrations/postgres/0007_claims.sql"),
    },
    Migration {
        version: 8,
        name: "row_security",
        sqlite: include_str!("../migrations/sqlite/0008_row_security.sql"),
        postgres: concat!(
            include_str!("../migrations/postgres/scoped_role.sql"),
            include_str!("../migrations/postgres/scoped_grants.sql"),
            include_str!("../migrations/postgres/0008_row_security.sql")
        ),
    },
    Migration {
        version: 9,
        name: "lean_person_indexes",
        sqlite: include_str!("../migrations/sqlite/0009_lean_person_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0009_lean_person_indexes.sql"),
    },
    Migration {
        version: 10,
        name: "import_proposals",
        sqlite: include_str!("../migrations/sqlite/0010_import_proposals.sql"),
        postgres: include_str!("../migrations/postgres/0010_import_proposals.sql"),
    },
    Migration {
        version: 11,
        name: "review_reasons",
        sqlite: include_str!("../migrations/sqlite/0011_review_reasons.sql"),
        postgres: include_str!("../migrations/postgres/0011_review_reasons.sql"),
    },
    Migration {
        version: 12,
        name: "termination_recorded",
        sqlite: include_str!("../migrations/sqlite/0012_termination_recorded.sql"),
        postgres: include_str!("../migrations/postgres/0012_termination_recorded.sql"),
    },
    Migration {
        version: 13,
        name: "village_reports",
        sqlite: include_str!("../migrations/sqlite/0013_village_reports.sql"),
        postgres: include_str!("../migrations/postgres/0013_village_reports.sql"),
    },
    Migration {
        version: 14,
        name: "family_cards",
        sqlite: include_str!("../migrations/sqlite/0014_family_cards.sql"),
        postgres: include_str!("../migrations/postgres/0014_family_cards.sql"),
    },
    Migration {
        version: 15,
        name: "attachments",
        sqlite: include_str!("../migrations/sqlite/0015_attachments.sql"),
        postgres: include_str!("../migrations/postgres/0015_attachments.sql"),
    },
    Migration {
        version: 16,
        name: "religion_education",
        sqlite: include_str!("../migrations/sqlite/0016_religion_education.sql"),
        postgres: include_str!("../migrations/postgres/0016_religion_education.sql"),
    },
    Migration {
        version: 17,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0017_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0017_jobs.sql"),
    },
];

/// Creates the role row-level security confines reading connections to, if missing (PostgreSQL).
pub(crate) const SCOPED_ROLE_SQL: &str = include_str!("../migrations/postgres/scoped_role.sql");

/// Gives that role its privileges in the current schema (PostgreSQL); restores leave them out.
pub(crate) const SCOPED_GRANTS_SQL: &str = include_str!("../migrations/postgres/scoped_grants.sql");

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema up to date. Safe to call concurrently from several processes.
pub fn run(db: &Database) -> Result<()> {
    let mut conn = db.conn()?;
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    drop(conn);
    for m in MIGRATIONS {
        db.transaction(|tx| -> Result<()> {
            if tx.backend() == Backend::Postgres {
                // Serialises migrators across processes until this transaction ends.
                tx.execute("SELECT pg_advisory_xact_lock(7402151)", &[])?;
            }
            let applied = tx.query_i64(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = $1",
                &[Value::Int(m.version)],
            )?;
            if applied > 0 {
                return Ok(());
            }
            let sql = match tx.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            tx.batch(sql).map_err(|e| StoreError::Migration {
                version: m.version,
                name: m.name.to_string(),
                reason: e.to_string(),
            })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[
                    Value::Int(m.version),
                    Value::from(m.name),
                    Value::Text(chrono::Utc::now().to_rfc3339()),
                ],
            )?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
            Ok(())
        })?;
    }
    Ok(())
}

/// The schema version the database is at.
pub fn current_version(db: &Database) -> Result<i64> {
    db.conn()?.query_i64(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
        &[],
    )
}
