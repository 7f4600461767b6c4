//! A pooled connection to either backend, with queries written once using `$1`-style placeholders.
//!
//! SQLite reads `?1` where PostgreSQL reads `$1`; the SQLite side rewrites placeholders (and caches the
//! prepared statement), so callers write one SQL text. Where the dialects really differ, the caller
//! branches on [`Conn::backend`] and keeps both texts side by side.

use std::io::Write;

use r2d2::PooledConnection;
use r2d2_sqlite::SqliteConnectionManager;

use crate::value::{from_postgres, from_sqlite, Row, Value};
use crate::{Backend, Result};

/// One connection, borrowed from the pool until dropped.
pub enum Conn {
    /// SQLite.
    Sqlite(PooledConnection<SqliteConnectionManager>),
    /// PostgreSQL.
    Postgres(Box<PgConn>),
}

/// A pooled PostgreSQL client, confined to the borrower's region (if any) when it was borrowed; the
/// pool keeps that confinement with it ([`crate::pg_pool`]).
pub struct PgConn {
    pub(crate) client: PooledConnection<crate::pg_pool::PgManager>,
    /// Whether `SET ROLE jaring_scoped` and `jaring.scope` are in effect.
    pub(crate) scoped: bool,
}

impl std::ops::Deref for PgConn {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        &self.client.client
    }
}

impl std::ops::DerefMut for PgConn {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client.client
    }
}

/// PostgreSQL rows as backend-neutral rows.
fn pg_rows(rows: &[postgres::Row]) -> Result<Vec<Row>> {
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| from_postgres(r, i))
                .collect::<Result<Vec<_>>>()
                .map(Row)
        })
        .collect()
}

/// Rewrites `$1` placeholders to SQLite's `?1`. Dollar signs inside string literals are left alone.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_string = !in_string;
                out.push(c);
            }
            '$' if !in_string && chars.peek().is_some_and(|n| n.is_ascii_digit()) => out.push('?'),
            _ => out.push(c),
        }
    }
    out
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Conn {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// The current instant as this backend stores it, formatted once: bulk writes bind it to every row,
    /// and SQLite would otherwise re-format a timestamp per row.
    pub fn now(&self) -> Value {
        let now = chrono::Utc::now();
        match self {
            Conn::Sqlite(_) => {
                Value::Text(now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            }
            Conn::Postgres(_) => Value::Timestamp(now),
        }
    }

    /// Runs one statement; returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_placeholders(sql))?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Conn::Postgres(c) => Ok(c.execute(sql, &pg_params(params))?),
        }
    }

    /// Runs a query and returns all rows.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_placeholders(sql))?;
                let n = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut values = Vec::with_capacity(n);
                    for i in 0..n {
                        values.push(from_sqlite(r.get_ref(i)?));
                    }
                    out.push(Row(values));
                }
                Ok(out)
            }
            Conn::Postgres(c) => pg_rows(&c.query(sql, &pg_params(params))?),
        }
    }

    /// Runs a query without parameters (values already written into it, checked by the caller): on
    /// PostgreSQL one round trip instead of two, since there is nothing to prepare types for. The
    /// resident search reads its page of rows this way.
    pub fn query_literal(&mut self, sql: &str) -> Result<Vec<Row>> {
        match self {
            Conn::Sqlite(_) => self.query(sql, &[]),
            Conn::Postgres(c) => pg_rows(&c.query_typed(sql, &[])?),
        }
    }

    /// Runs a query expected to return at most one row.
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query expected to return one integer (a count, an id).
    pub fn query_i64(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        self.query_opt(sql, params)?
            .ok_or_else(|| crate::StoreError::Decode(format!("no row from: {sql}")))?
            .i64(0)
    }

    /// Runs several statements without parameters (DDL, BEGIN/COMMIT).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql)?,
            Conn::Postgres(c) => c.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Inserts many rows fast: a cached prepared statement on SQLite, `COPY … FROM STDIN` on PostgreSQL.
    /// Call it inside a transaction; it does not open one.
    pub fn insert_rows<I>(&mut self, table: &str, columns: &[&str], rows: I) -> Result<u64>
    where
        I: IntoIterator<Item = Vec<Value>>,
    {
        let cols = columns.join(", ");
        match self {
            Conn::Sqlite(c) => {
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!("INSERT INTO {table} ({cols}) VALUES ({})", marks.join(", "));
                let mut stmt = c.prepare_cached(&sql)?;
                let mut n = 0;
                for row in rows {
                    n += stmt.execute(rusqlite::params_from_iter(row.iter()))? as u64;
                }
                Ok(n)
            }
            // PostgreSQL refuses COPY into a table with row-level security for a role it applies to.
            Conn::Postgres(c) if c.scoped => {
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
                let sql = format!("INSERT INTO {table} ({cols}) VALUES ({})", marks.join(", "));
                let stmt = c.prepare(&sql)?;
                let mut n = 0;
                for row in rows {
                    n += c.execute(&stmt, &pg_params(&row))?;
                }
                Ok(n)
            }
            Conn::Postgres(c) => {
                let mut writer =
                    c.copy_in(&format!("COPY {table} ({cols}) FROM STDIN (FORMAT csv)"))?;
                let mut line = String::new();
                let mut n = 0;
                for row in rows {
                    line.clear();
                    for (i, v) in row.iter().enumerate() {
                        if i > 0 {
                            line.push(',');
                        }
                        write_csv_value(&mut line, v);
                    }
                    line.push('\n');
                    writer.write_all(line.as_bytes())?;
                    n += 1;
                }
                writer.finish()?;
                Ok(n)
            }
        }
    }
}

/// One value in PostgreSQL's CSV COPY format: unquoted empty is NULL, quoted empty is ''.
fn write_csv_value(out: &mut String, v: &Value) {
    use std::fmt::Write as _;
    match v {
        Value::Null => {}
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Real(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Date(d) => {
            out.push_str(&crate::value::iso_date(*d));
        }
        Value::Timestamp(t) => out.push_str(&t.to_rfc3339()),
        Value::Text(s) => {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_strings_only() {
        assert_eq!(
            sqlite_placeholders("SELECT '$1', x FROM t WHERE a = $1 AND b = $12"),
            "SELECT '$1', x FROM t WHERE a = ?1 AND b = ?12"
        );
    }

    #[test]
    fn csv_values_distinguish_null_from_empty_text() {
        let mut s = String::new();
        write_csv_value(&mut s, &Value::Null);
        s.push(',');
        write_csv_value(&mut s, &Value::Text(String::new()));
        s.push(',');
        write_csv_value(&mut s, &Value::Text("say \"hi\", ok".into()));
        assert_eq!(s, ",\"\",\"say \"\"hi\"\", ok\"");
    }
}
