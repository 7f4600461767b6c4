//! Recurring jobs: what runs, how often, whether only when there is something new, and when next.

use chrono::{DateTime, Utc};

use crate::{Conn, Result, Row, Value};

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    /// Id.
    pub id: i64,
    /// The job it queues (one schedule per kind).
    pub job_kind: String,
    /// How often, as `jaring_app::schedules::Cadence` writes it (`daily 02:00`, `monthly 1 06:00`).
    pub cadence: String,
    /// Queue the job only when there is new input since its last run (a newly staged list).
    pub only_if_new: bool,
    /// Whether it runs at all.
    pub enabled: bool,
    /// When it is next due.
    pub next_run_at: Option<DateTime<Utc>>,
    /// The job its last run queued.
    pub last_job_id: Option<i64>,
    /// Who last changed it.
    pub updated_by: String,
}

const COLUMNS: &str =
    "id, job_kind, cadence, only_if_new, enabled, next_run_at, last_job_id, updated_by";

fn schedule(r: &Row) -> Result<ScheduleRow> {
    Ok(ScheduleRow {
        id: r.i64(0)?,
        job_kind: r.text(1)?,
        cadence: r.text(2)?,
        only_if_new: r.opt_i64(3)?.unwrap_or(0) != 0,
        enabled: r.opt_i64(4)?.unwrap_or(0) != 0,
        next_run_at: r.opt_timestamp(5)?,
        last_job_id: r.opt_i64(6)?,
        updated_by: r.text(7)?,
    })
}

/// Every schedule, by job kind.
pub fn all(conn: &mut Conn) -> Result<Vec<ScheduleRow>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM schedules ORDER BY job_kind"),
        &[],
    )?
    .iter()
    .map(schedule)
    .collect()
}

/// Writes a job kind's schedule (insert or replace).
pub fn upsert(
    conn: &mut Conn,
    s: &ScheduleRow,
    next_run_at: DateTime<Utc>,
    updated_by: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO schedules (job_kind, cadence, only_if_new, enabled, next_run_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (job_kind) DO UPDATE SET cadence = excluded.cadence, only_if_new = excluded.only_if_new, \
         enabled = excluded.enabled, next_run_at = excluded.next_run_at, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
        &[
            Value::from(s.job_kind.as_str()),
            Value::from(s.cadence.as_str()),
            Value::Bool(s.only_if_new),
            Value::Bool(s.enabled),
            Value::Timestamp(next_run_at),
            Value::from(updated_by),
            Value::Timestamp(Utc::now()),
        ],
    )?;
    Ok(())
}

/// Enabled schedules due at `now`.
pub fn due(conn: &mut Conn, now: DateTime<Utc>) -> Result<Vec<ScheduleRow>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM schedules WHERE enabled = $1 AND next_run_at <= $2 ORDER BY id"
        ),
        &[Value::Bool(true), Value::Timestamp(now)],
    )?
    .iter()
    .map(schedule)
    .collect()
}

/// Records a run: the job it queued (none when there was nothing new) and the next due time. Only
/// when the schedule is still due at `was_due`, so two servers ticking together run it once.
pub fn advance(
    conn: &mut Conn,
    id: i64,
    was_due: Option<DateTime<Utc>>,
    job_id: Option<i64>,
    next_run_at: DateTime<Utc>,
) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE schedules SET next_run_at = $2, last_job_id = COALESCE($3, last_job_id) \
         WHERE id = $1 AND next_run_at = $4",
        &[
            Value::Int(id),
            Value::Timestamp(next_run_at),
            Value::from(job_id),
            Value::from(was_due),
        ],
    )?;
    Ok(changed == 1)
}

/// When the newest external list (not the registry) was imported or received.
pub fn newest_list_import(conn: &mut Conn) -> Result<Option<DateTime<Utc>>> {
    conn.query_opt(
        "SELECT MAX(started_at) FROM imports WHERE kind <> 'registry'",
        &[],
    )?
    .map(|r| r.opt_timestamp(0))
    .transpose()
    .map(Option::flatten)
}

/// When the last job of `kind` that finished well was started.
pub fn last_finished_start(conn: &mut Conn, kind: &str) -> Result<Option<DateTime<Utc>>> {
    conn.query_opt(
        "SELECT MAX(started_at) FROM jobs WHERE kind = $1 AND status = 'done'",
        &[Value::from(kind)],
    )?
    .map(|r| r.opt_timestamp(0))
    .transpose()
    .map(Option::flatten)
}
