//! Backups and restores. SQLite: the online backup API, which copies a consistent snapshot page by
//! page while the server keeps running. PostgreSQL: `pg_dump` and `pg_restore` in their custom format,
//! the tools a PostgreSQL operator already trusts. Either way a backup is checked before it is called
//! done (readable, audit chain intact) and a restore goes only into an empty database, so it can never
//! mix two registries.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{audit, Conn, Database, DatabaseOptions, Result, StoreError};

/// Tables whose row counts describe a backup (every table jaring writes).
pub const TABLES: &[&str] = &[
    "regions",
    "households",
    "household_kk",
    "persons",
    "imports",
    "staged_records",
    "match_candidates",
    "programmes",
    "enrolments",
    "proposals",
    "submissions",
    "attachments",
    "claims",
    "claim_heirs",
    "coverage_snapshots",
    "users",
    "audit_log",
    "jobs",
    "schedules",
    "intake_events",
];

/// What a backup or a restored database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Rows per table, in [`TABLES`] order.
    pub counts: Vec<(String, i64)>,
    /// Audit entries whose chain verified.
    pub audit_entries: i64,
}

/// Row counts of every table.
pub fn counts(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    TABLES
        .iter()
        .map(|t| {
            Ok((
                t.to_string(),
                conn.query_i64(&format!("SELECT COUNT(*) FROM {t}"), &[])?,
            ))
        })
        .collect()
}

/// Counts and a verified audit chain, or an error naming the first break.
pub fn check(db: &Database) -> Result<Summary> {
    let mut conn = db.conn()?;
    let v = audit::verify(&mut conn)?;
    if let Some(b) = v.breaks.first() {
        return Err(StoreError::Config(format!(
            "audit chain broken at entry {}: {}",
            b.seq, b.reason
        )));
    }
    Ok(Summary {
        counts: counts(&mut conn)?,
        audit_entries: v.entries,
    })
}

fn tool(cmd: &mut Command, name: &str) -> Result<()> {
    let out = cmd.output().map_err(|e| {
        StoreError::Config(format!(
            "{name} not runnable ({e}); install the PostgreSQL client (Debian: postgresql-client)"
        ))
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(StoreError::Config(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// A file beside `out` that becomes `out` only when complete.
fn partial(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Writes a backup of `db` to `out` and checks it: SQLite by reopening the copy, PostgreSQL by the
/// live database the dump was taken from (the dump's own check is `pg_restore --list`).
pub fn backup(db: &Database, out: &Path) -> Result<Summary> {
    let tmp = partial(out);
    let _ = std::fs::remove_file(&tmp);
    let summary = match db.location() {
        Ok(_) => {
            {
                let conn = db.conn()?;
                let Conn::Sqlite(c) = &conn else {
                    return Err(StoreError::Config("not a SQLite connection".into()));
                };
                c.backup(rusqlite::DatabaseName::Main, &tmp, None)?;
            }
            let copy = Database::open_with(DatabaseOptions {
                url: tmp.to_string_lossy().to_string(),
                pg_schema: None,
                pool_size: 1,
            })?;
            let summary = check(&copy)?;
            drop(copy);
            // The copy was opened: fold its WAL back so the backup is one self-contained file.
            let c = rusqlite::Connection::open(&tmp)?;
            c.pragma_update(None, "journal_mode", "DELETE")?;
            drop(c);
            summary
        }
        Err(target) => {
            let summary = check(db)?;
            let mut cmd = Command::new("pg_dump");
            cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(&tmp);
            if let Some(schema) = &target.schema {
                cmd.arg(format!("--schema={schema}"));
            }
            tool(cmd.arg(&target.url), "pg_dump")?;
            tool(
                Command::new("pg_restore").arg("--list").arg(&tmp),
                "pg_restore --list",
            )?;
            summary
        }
    };
    std::fs::rename(&tmp, out)?;
    Ok(summary)
}

/// Whether the target already holds jaring tables.
fn pg_has_tables(client: &mut postgres::Client, schema: &str) -> Result<bool> {
    let n: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&schema],
        )?
        .get(0);
    Ok(n > 0)
}

/// Restores `backup` into the empty database `target` (a SQLite file that does not exist yet or has no
/// tables, or a PostgreSQL database/schema without tables), migrates it to this version and checks it.
pub fn restore(backup: &Path, target: &DatabaseOptions) -> Result<(Database, Summary)> {
    if !backup.is_file() {
        return Err(StoreError::Config(format!(
            "backup {} not found",
            backup.display()
        )));
    }
    let url = target.url.trim();
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if postgres {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
        let mut client = config.connect(postgres::NoTls)?;
        let schema = target.pg_schema.clone().unwrap_or_else(|| "public".into());
        if pg_has_tables(&mut client, &schema)? {
            return Err(StoreError::Config(format!(
                "the target schema {schema} already has tables; restore only into an empty database"
            )));
        }
        // A named schema comes back with the dump's CREATE SCHEMA; an empty one in the way is removed
        // (without CASCADE: it is refused if anything is in it).
        if target.pg_schema.is_some() {
            client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema}"))?;
        }
        // The dump's policies name the role reading connections run as; on another server it may not
        // exist yet.
        client.batch_execute(crate::migrate::SCOPED_ROLE_SQL)?;
        drop(client);
        tool(
            Command::new("pg_restore")
                .args([
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(url)
                .arg(backup),
            "pg_restore",
        )?;
    } else {
        let path = PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url));
        if path.exists() {
            let c = rusqlite::Connection::open(&path)?;
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if n > 0 {
                return Err(StoreError::Config(format!(
                    "{} already has tables; restore only into a new file",
                    path.display()
                )));
            }
        }
        let tmp = partial(&path);
        let _ = std::fs::remove_file(&tmp);
        {
            let mut c = rusqlite::Connection::open(&tmp)?;
            c.restore(
                rusqlite::DatabaseName::Main,
                backup,
                None::<fn(rusqlite::backup::Progress)>,
            )?;
        }
        std::fs::rename(&tmp, &path)?;
    }
    let db = Database::open_with(target.clone())?;
    if postgres {
        // `--no-privileges` left out what the confined role may read; without it every reading web
        // request would be refused.
        db.conn()?.batch(crate::migrate::SCOPED_GRANTS_SQL)?;
    }
    let summary = check(&db)?;
    Ok((db, summary))
}
