//! User accounts, browser sessions and API tokens. Secrets never reach this module: it stores the
//! Argon2id hash of a password and the SHA-256 of a session or token secret, computed by the caller.

use crate::{Conn, Result, Row, StoreError, Value};

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in pages and the audit log.
    pub full_name: String,
    /// Role code.
    pub role: String,
    /// Region the role is bound to (dotted code).
    pub region_code: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Must choose a new password before doing anything else (seeded and reset accounts).
    pub must_change_password: bool,
    /// Cannot sign in.
    pub disabled: bool,
    /// Last successful sign-in (Unix seconds).
    pub last_login_at: Option<i64>,
}

const USER_COLUMNS: &str = "id, username, full_name, role, region_code, password_hash, \
     must_change_password, disabled, last_login_at";

fn user(r: &Row) -> Result<UserRow> {
    Ok(UserRow {
        id: r.i64(0)?,
        username: r.text(1)?,
        full_name: r.text(2)?,
        role: r.text(3)?,
        region_code: r.text(4)?,
        password_hash: r.text(5)?,
        must_change_password: r.i64(6)? != 0,
        disabled: r.i64(7)? != 0,
        last_login_at: r.opt_i64(8)?,
    })
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name (unique).
    pub username: &'a str,
    /// Full name.
    pub full_name: &'a str,
    /// Role code.
    pub role: &'a str,
    /// Region code.
    pub region_code: &'a str,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// Whether the first sign-in must set a new password.
    pub must_change_password: bool,
}

/// Adds an account; `None` when the name is taken.
pub fn insert_user(tx: &mut Conn, u: &NewUser<'_>, now: i64) -> Result<Option<i64>> {
    if find_user(tx, u.username)?.is_some() {
        return Ok(None);
    }
    let row = tx.query(
        "INSERT INTO users (username, full_name, role, region_code, password_hash, \
         must_change_password, disabled, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) RETURNING id",
        &[
            u.username.into(),
            u.full_name.into(),
            u.role.into(),
            u.region_code.into(),
            u.password_hash.into(),
            Value::Int(i64::from(u.must_change_password)),
            now.into(),
        ],
    )?;
    row.first()
        .ok_or_else(|| StoreError::Decode("insert returned no id".into()))?
        .i64(0)
        .map(Some)
}

/// The account with this login name.
pub fn find_user(conn: &mut Conn, username: &str) -> Result<Option<UserRow>> {
    conn.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"),
        &[username.into()],
    )?
    .map(|r| user(&r))
    .transpose()
}

/// The account with this id.
pub fn get_user(conn: &mut Conn, id: i64) -> Result<Option<UserRow>> {
    conn.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
        &[id.into()],
    )?
    .map(|r| user(&r))
    .transpose()
}

/// Accounts whose region lies inside `region_prefix` (a dotted code), by name.
pub fn list_users(conn: &mut Conn, region_prefix: &str) -> Result<Vec<UserRow>> {
    conn.query(
        &format!(
            "SELECT {USER_COLUMNS} FROM users \
             WHERE region_code = $1 OR region_code LIKE $2 ORDER BY username"
        ),
        &[region_prefix.into(), format!("{region_prefix}.%").into()],
    )?
    .iter()
    .map(user)
    .collect()
}

/// Every account, by name.
pub fn list_all_users(conn: &mut Conn) -> Result<Vec<UserRow>> {
    conn.query(
        &format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"),
        &[],
    )?
    .iter()
    .map(user)
    .collect()
}

/// Whether any account exists (a fresh deployment has none).
pub fn any_user(conn: &mut Conn) -> Result<bool> {
    Ok(conn.query_i64("SELECT COUNT(*) FROM users", &[])? > 0)
}

/// Sets a new password hash; ends every session and, with `must_change`, forces another change.
pub fn set_password(
    tx: &mut Conn,
    user_id: i64,
    password_hash: &str,
    must_change: bool,
    now: i64,
) -> Result<()> {
    let n = tx.execute(
        "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3 \
         WHERE id = $4",
        &[
            password_hash.into(),
            Value::Int(i64::from(must_change)),
            now.into(),
            user_id.into(),
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            entity: "user",
            id: user_id,
        });
    }
    delete_sessions_of(tx, user_id)
}

/// Enables or disables an account; disabling ends its sessions and revokes its tokens.
pub fn set_disabled(tx: &mut Conn, user_id: i64, disabled: bool, now: i64) -> Result<()> {
    let n = tx.execute(
        "UPDATE users SET disabled = $1 WHERE id = $2",
        &[Value::Int(i64::from(disabled)), user_id.into()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            entity: "user",
            id: user_id,
        });
    }
    if disabled {
        delete_sessions_of(tx, user_id)?;
        tx.execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            &[now.into(), user_id.into()],
        )?;
    }
    Ok(())
}

/// Records a successful sign-in.
pub fn touch_login(conn: &mut Conn, user_id: i64, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE users SET last_login_at = $1 WHERE id = $2",
        &[now.into(), user_id.into()],
    )?;
    Ok(())
}

/// Stores a session.
pub fn insert_session(
    conn: &mut Conn,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
        &[
            token_hash.into(),
            user_id.into(),
            csrf.into(),
            now.into(),
            expires_at.into(),
        ],
    )?;
    Ok(())
}

/// The live session with this hash: its user and CSRF token (expired sessions are not returned).
pub fn find_session(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<Option<(UserRow, String)>> {
    let cols = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.query_opt(
        &format!(
            "SELECT {cols}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
        ),
        &[token_hash.into(), now.into()],
    )?
    .map(|r| Ok((user(&r)?, r.text(9)?)))
    .transpose()
}

/// Ends one session (sign-out).
pub fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = $1",
        &[token_hash.into()],
    )?;
    Ok(())
}

fn delete_sessions_of(conn: &mut Conn, user_id: i64) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE user_id = $1", &[user_id.into()])?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub fn purge_sessions(conn: &mut Conn, now: i64) -> Result<u64> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= $1", &[now.into()])
}

/// Stores an API token.
pub fn insert_token(
    conn: &mut Conn,
    token_hash: &str,
    user_id: i64,
    label: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4)",
        &[token_hash.into(), user_id.into(), label.into(), now.into()],
    )?;
    Ok(())
}

/// The enabled user of a live (not revoked) token.
pub fn find_token(conn: &mut Conn, token_hash: &str) -> Result<Option<UserRow>> {
    let cols = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.query_opt(
        &format!(
            "SELECT {cols} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
        ),
        &[token_hash.into()],
    )?
    .map(|r| user(&r))
    .transpose()
}
