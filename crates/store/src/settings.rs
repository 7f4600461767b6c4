//! Deployment facts kept in the database (which regency it serves, whether it holds demo data).

use crate::{Conn, Result, Value};

/// Reads a setting.
pub fn get(conn: &mut Conn, key: &str) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT value FROM settings WHERE key = $1",
        &[Value::from(key)],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Writes a setting (insert or replace).
pub fn set(conn: &mut Conn, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[Value::from(key), Value::from(value)],
    )?;
    Ok(())
}

/// Reads a setting as an integer, or `default` when unset or not a number.
pub fn get_i64(conn: &mut Conn, key: &str, default: i64) -> Result<i64> {
    Ok(get(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(default))
}
