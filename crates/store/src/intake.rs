//! Civil-registry events as received: kept before they are acknowledged, processed once.

use chrono::{DateTime, Utc};

use crate::{Conn, Result, Row, Value};

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeRow {
    /// Id.
    pub id: i64,
    /// The sender's format (`dci`, `opencrvs`).
    pub source: String,
    /// The sender's id of the event.
    pub event_id: String,
    /// `stored` (not processed yet), `processed` or `rejected`.
    pub status: String,
    /// The event's own JSON (one event of a delivery).
    pub payload: String,
    /// Why it was rejected or why processing failed.
    pub error: Option<String>,
    /// The staging import it became.
    pub import_id: Option<i64>,
    /// Received at.
    pub received_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, source, event_id, status, payload, error, import_id, received_at";

fn event(r: &Row) -> Result<IntakeRow> {
    Ok(IntakeRow {
        id: r.i64(0)?,
        source: r.text(1)?,
        event_id: r.text(2)?,
        status: r.text(3)?,
        payload: r.text(4)?,
        error: r.opt_text(5)?,
        import_id: r.opt_i64(6)?,
        received_at: r.opt_timestamp(7)?,
    })
}

/// Stores an event unless `(source, event_id)` is already stored; returns the stored row either way
/// and whether it was new.
pub fn store(
    conn: &mut Conn,
    source: &str,
    event_id: &str,
    status: &str,
    payload: &str,
    error: Option<&str>,
) -> Result<(IntakeRow, bool)> {
    let inserted = conn.execute(
        "INSERT INTO intake_events (source, event_id, status, payload, error, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING",
        &[
            Value::from(source),
            Value::from(event_id),
            Value::from(status),
            Value::from(payload),
            Value::from(error),
            Value::Timestamp(Utc::now()),
        ],
    )?;
    let row = conn
        .query_opt(
            &format!("SELECT {COLUMNS} FROM intake_events WHERE source = $1 AND event_id = $2"),
            &[Value::from(source), Value::from(event_id)],
        )?
        .map(|r| event(&r))
        .transpose()?
        .ok_or(crate::StoreError::NotFound {
            entity: "intake_event",
            id: 0,
        })?;
    Ok((row, inserted == 1))
}

/// Records the staging import an event became, in the transaction that staged it: a crash before
/// the event is processed then resumes from linkage instead of staging it again.
pub fn staged(conn: &mut Conn, id: i64, import_id: i64) -> Result<()> {
    conn.execute(
        "UPDATE intake_events SET import_id = $2 WHERE id = $1",
        &[Value::Int(id), Value::Int(import_id)],
    )?;
    Ok(())
}

/// Death proposals made from the record an event's staging import holds.
pub fn proposals_of(conn: &mut Conn, import_id: i64) -> Result<i64> {
    conn.query_i64(
        "SELECT COUNT(*) FROM proposals p JOIN staged_records s ON s.id = p.staged_id \
         WHERE s.import_id = $1 AND p.kind = 'mark_deceased'",
        &[Value::Int(import_id)],
    )
}

/// Marks an event processed into the staging import `import_id`.
pub fn processed(conn: &mut Conn, id: i64, import_id: Option<i64>) -> Result<()> {
    conn.execute(
        "UPDATE intake_events SET status = 'processed', import_id = $2, processed_at = $3, error = NULL \
         WHERE id = $1",
        &[Value::Int(id), Value::from(import_id), Value::Timestamp(Utc::now())],
    )?;
    Ok(())
}

/// Notes why processing an event failed (it stays `stored`, to be tried again).
pub fn failed(conn: &mut Conn, id: i64, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE intake_events SET error = $2 WHERE id = $1",
        &[Value::Int(id), Value::from(error)],
    )?;
    Ok(())
}

/// Events stored but not processed yet, oldest first.
pub fn unprocessed(conn: &mut Conn, limit: i64) -> Result<Vec<IntakeRow>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM intake_events WHERE status = 'stored' ORDER BY id LIMIT $1"
        ),
        &[Value::Int(limit)],
    )?
    .iter()
    .map(event)
    .collect()
}

/// The most recent events, newest first.
pub fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<IntakeRow>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM intake_events ORDER BY id DESC LIMIT $1"),
        &[Value::Int(limit)],
    )?
    .iter()
    .map(event)
    .collect()
}

/// Events per status.
pub fn counts(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    conn.query(
        "SELECT status, COUNT(*) FROM intake_events GROUP BY status ORDER BY status",
        &[],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?)))
    .collect()
}

/// Marks an event rejected (its row was refused); it stays kept for inspection.
pub fn reject(conn: &mut Conn, id: i64, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE intake_events SET status = 'rejected', error = $2, processed_at = $3 WHERE id = $1",
        &[
            Value::Int(id),
            Value::from(error),
            Value::Timestamp(Utc::now()),
        ],
    )?;
    Ok(())
}
