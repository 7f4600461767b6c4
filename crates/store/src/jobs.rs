//! The job table: background work (a synchronisation, a snapshot, an export) queued by a person or a
//! schedule, claimed by one worker, its progress written as it goes so any page can show it.

use chrono::{DateTime, Utc};

use crate::{Backend, Conn, Result, Row, StoreError, Value};

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// Id.
    pub id: i64,
    /// What it does (`sync`, `snapshot`, `export_terminations`).
    pub kind: String,
    /// Its parameters, JSON.
    pub params: String,
    /// `queued`, `running`, `done`, `failed` or `interrupted`.
    pub status: String,
    /// Who asked for it (a user name, `cli`, `schedule`).
    pub started_by: String,
    /// The schedule that queued it, if one did.
    pub schedule_id: Option<i64>,
    /// What it is doing now, for people.
    pub phase: String,
    /// Rows done so far.
    pub done: i64,
    /// Rows to do (0 while unknown).
    pub total: i64,
    /// What it found, JSON, once done.
    pub result: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Queued at.
    pub created_at: Option<DateTime<Utc>>,
    /// Claimed at.
    pub started_at: Option<DateTime<Utc>>,
    /// Last sign of life of its worker.
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Ended at.
    pub finished_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, kind, params, status, started_by, schedule_id, phase, done, total, result, \
                       error, created_at, started_at, heartbeat_at, finished_at";

fn job(r: &Row) -> Result<JobRow> {
    Ok(JobRow {
        id: r.i64(0)?,
        kind: r.text(1)?,
        params: r.text(2)?,
        status: r.text(3)?,
        started_by: r.text(4)?,
        schedule_id: r.opt_i64(5)?,
        phase: r.text(6)?,
        done: r.i64(7)?,
        total: r.i64(8)?,
        result: r.opt_text(9)?,
        error: r.opt_text(10)?,
        created_at: r.opt_timestamp(11)?,
        started_at: r.opt_timestamp(12)?,
        heartbeat_at: r.opt_timestamp(13)?,
        finished_at: r.opt_timestamp(14)?,
    })
}

/// Queues a job; returns its id.
pub fn insert(
    conn: &mut Conn,
    kind: &str,
    params: &str,
    started_by: &str,
    schedule_id: Option<i64>,
) -> Result<i64> {
    conn.query_i64(
        "INSERT INTO jobs (kind, params, status, started_by, schedule_id, created_at) \
         VALUES ($1, $2, 'queued', $3, $4, $5) RETURNING id",
        &[
            Value::from(kind),
            Value::from(params),
            Value::from(started_by),
            Value::from(schedule_id),
            Value::Timestamp(Utc::now()),
        ],
    )
}

/// Records a job that runs at once in the caller's process (the command line): already claimed.
pub fn insert_running(conn: &mut Conn, kind: &str, params: &str, started_by: &str) -> Result<i64> {
    let now = Value::Timestamp(Utc::now());
    conn.query_i64(
        "INSERT INTO jobs (kind, params, status, started_by, created_at, started_at, heartbeat_at) \
         VALUES ($1, $2, 'running', $3, $4, $4, $4) RETURNING id",
        &[
            Value::from(kind),
            Value::from(params),
            Value::from(started_by),
            now,
        ],
    )
}

/// The queued or running job of `kind`, if there is one (a second click joins it).
pub fn active_of_kind(conn: &mut Conn, kind: &str) -> Result<Option<JobRow>> {
    conn.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM jobs WHERE kind = $1 AND status IN ('queued', 'running') \
             ORDER BY id LIMIT 1"
        ),
        &[Value::from(kind)],
    )?
    .map(|r| job(&r))
    .transpose()
}

/// Claims the oldest queued job for this worker: it becomes `running`. Two workers never claim the
/// same job (PostgreSQL skips rows another transaction holds; SQLite has one writer).
pub fn claim_next(conn: &mut Conn) -> Result<Option<JobRow>> {
    let pick = match conn.backend() {
        Backend::Postgres => {
            "SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => "SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1",
    };
    let now = Value::Timestamp(Utc::now());
    conn.query_opt(
        &format!(
            "UPDATE jobs SET status = 'running', started_at = $1, heartbeat_at = $1 \
             WHERE id = ({pick}) AND status = 'queued' RETURNING {COLUMNS}"
        ),
        &[now],
    )?
    .map(|r| job(&r))
    .transpose()
}

/// Writes how far a running job got (and that its worker lives).
pub fn progress(conn: &mut Conn, id: i64, phase: &str, done: i64, total: i64) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET phase = $2, done = $3, total = $4, heartbeat_at = $5 \
         WHERE id = $1 AND status = 'running'",
        &[
            Value::Int(id),
            Value::from(phase),
            Value::Int(done),
            Value::Int(total),
            Value::Timestamp(Utc::now()),
        ],
    )?;
    Ok(())
}

/// Marks that a running job's worker is alive (between progress steps that take long).
pub fn heartbeat(conn: &mut Conn, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'",
        &[Value::Int(id), Value::Timestamp(Utc::now())],
    )?;
    Ok(())
}

/// Ends a running job: `done` with its result, or `failed` with the reason.
pub fn finish(conn: &mut Conn, id: i64, outcome: std::result::Result<&str, &str>) -> Result<()> {
    let (status, result, error) = match outcome {
        Ok(result) => ("done", Some(result), None),
        Err(error) => ("failed", None, Some(error)),
    };
    conn.execute(
        "UPDATE jobs SET status = $2, result = $3, error = $4, finished_at = $5, \
         done = CASE WHEN $2 = 'done' THEN total ELSE done END \
         WHERE id = $1 AND status = 'running'",
        &[
            Value::Int(id),
            Value::from(status),
            Value::from(result),
            Value::from(error),
            Value::Timestamp(Utc::now()),
        ],
    )?;
    Ok(())
}

/// Running jobs whose worker has not been heard of since `before` are `interrupted` (the process
/// was killed or the machine stopped); each can be started again. Returns how many.
pub fn interrupt_silent(conn: &mut Conn, before: DateTime<Utc>) -> Result<u64> {
    conn.execute(
        "UPDATE jobs SET status = 'interrupted', finished_at = $2, \
         error = 'terhenti sebelum selesai (proses berhenti) / interrupted before it finished (the process stopped)' \
         WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)",
        &[Value::Timestamp(before), Value::Timestamp(Utc::now())],
    )
}

/// One job.
pub fn get(conn: &mut Conn, id: i64) -> Result<JobRow> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"),
        &[Value::Int(id)],
    )?
    .map(|r| job(&r))
    .transpose()?
    .ok_or(StoreError::NotFound { entity: "job", id })
}

/// The most recent jobs, newest first.
pub fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<JobRow>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1"),
        &[Value::Int(limit)],
    )?
    .iter()
    .map(job)
    .collect()
}

/// Jobs that failed or were interrupted since `since`, newest first (what waits for an admin).
pub fn failed_since(conn: &mut Conn, since: DateTime<Utc>) -> Result<Vec<JobRow>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM jobs WHERE status IN ('failed', 'interrupted') AND created_at >= $1 \
             ORDER BY id DESC LIMIT 20"
        ),
        &[Value::Timestamp(since)],
    )?
    .iter()
    .map(job)
    .collect()
}
