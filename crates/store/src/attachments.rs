//! Photos of the documents reports rest on, stored with their proposal.

use crate::{Conn, Result, Value};

/// An attachment to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment<'a> {
    /// The proposal it belongs to.
    pub proposal_id: i64,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub content_type: &'a str,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// The bytes, base64.
    pub data: String,
    /// Who sent it.
    pub created_by: &'a str,
}

/// Stores an attachment inside the transaction that made its proposal.
pub fn insert(tx: &mut Conn, a: &NewAttachment<'_>) -> Result<i64> {
    let now = tx.now();
    tx.query_i64(
        "INSERT INTO attachments (proposal_id, content_type, sha256, size, data, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            Value::Int(a.proposal_id),
            Value::from(a.content_type),
            Value::Text(a.sha256.clone()),
            Value::Int(a.size),
            Value::Text(a.data.clone()),
            Value::from(a.created_by),
            now,
        ],
    )
}

/// The first attachment of a proposal: its content type, size and base64 bytes.
pub fn of_proposal(conn: &mut Conn, proposal_id: i64) -> Result<Option<(String, i64, String)>> {
    conn.query_opt(
        "SELECT content_type, size, data FROM attachments WHERE proposal_id = $1 ORDER BY id LIMIT 1",
        &[Value::Int(proposal_id)],
    )?
    .map(|r| Ok((r.text(0)?, r.i64(1)?, r.text(2)?)))
    .transpose()
}

/// Whether a proposal has an attachment (without reading it).
pub fn has(conn: &mut Conn, proposal_id: i64) -> Result<bool> {
    Ok(conn.query_i64(
        "SELECT COUNT(*) FROM attachments WHERE proposal_id = $1",
        &[Value::Int(proposal_id)],
    )? > 0)
}
