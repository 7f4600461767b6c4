//! Recurring jobs: the month runs by itself. Each job kind has at most one schedule — a cadence in the
//! regency's local time (WITA, UTC+8), whether it is on, and for synchronisation whether it runs only
//! when a list was staged since the last run. The server's scheduler calls [`tick`] with the time;
//! tests call it with any time they like.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use jaring_domain::access::Action;
use jaring_store::schedules::{self, ScheduleRow};
use jaring_store::{audit, Database};

use crate::accounts::Principal;
use crate::jobs::JobKind;
use crate::AppError;

/// The regency's offset from UTC (WITA). Schedules and "today" are read in this zone.
const LOCAL_OFFSET_HOURS: i32 = 8;

fn local() -> chrono::FixedOffset {
    use chrono::Offset;
    chrono::FixedOffset::east_opt(LOCAL_OFFSET_HOURS * 3600).unwrap_or_else(|| Utc.fix())
}

/// How often a job runs, at a local time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every day at this time.
    Daily(NaiveTime),
    /// On this day of every month (1–28, so every month has it) at this time.
    Monthly(u32, NaiveTime),
}

impl Cadence {
    /// Reads `daily HH:MM` or `monthly D HH:MM`.
    pub fn parse(s: &str) -> Result<Cadence, AppError> {
        let bad = || {
            AppError::Input(format!(
                "jadwal '{s}' tidak dikenal: tulis 'daily 02:00' atau 'monthly 1 06:00' / unknown cadence '{s}': write 'daily 02:00' or 'monthly 1 06:00'"
            ))
        };
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad());
        let words: Vec<&str> = s.split_whitespace().collect();
        match words.as_slice() {
            ["daily", t] => Ok(Cadence::Daily(time(t)?)),
            ["monthly", d, t] => {
                let day: u32 = d.parse().map_err(|_| bad())?;
                if !(1..=28).contains(&day) {
                    return Err(AppError::Input(
                        "hari bulanan harus 1–28 / the day of the month must be 1–28".into(),
                    ));
                }
                Ok(Cadence::Monthly(day, time(t)?))
            }
            _ => Err(bad()),
        }
    }

    /// The first run strictly after `after`.
    pub fn next_after(self, after: DateTime<Utc>) -> DateTime<Utc> {
        let zone = local();
        let here = after.with_timezone(&zone);
        let at = |date: NaiveDate, time: NaiveTime| {
            zone.from_local_datetime(&date.and_time(time))
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(after)
        };
        match self {
            Cadence::Daily(time) => {
                let today = at(here.date_naive(), time);
                if today > after {
                    today
                } else {
                    at(here.date_naive() + Duration::days(1), time)
                }
            }
            Cadence::Monthly(day, time) => {
                let (y, m) = (here.year(), here.month());
                let this = NaiveDate::from_ymd_opt(y, m, day).map(|d| at(d, time));
                match this {
                    Some(t) if t > after => t,
                    _ => {
                        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                        NaiveDate::from_ymd_opt(ny, nm, day)
                            .map(|d| at(d, time))
                            .unwrap_or(after + Duration::days(30))
                    }
                }
            }
        }
    }
}

impl std::fmt::Display for Cadence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cadence::Daily(t) => write!(f, "daily {}", t.format("%H:%M")),
            Cadence::Monthly(d, t) => write!(f, "monthly {d} {}", t.format("%H:%M")),
        }
    }
}

/// A schedule as the admin page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleView {
    /// The job it starts.
    pub kind: JobKind,
    /// How often.
    pub cadence: Cadence,
    /// Runs only when there is new input (synchronisation: a list staged since the last run).
    pub only_if_new: bool,
    /// On or off.
    pub enabled: bool,
    /// Next due (none while off).
    pub next_run_at: Option<DateTime<Utc>>,
    /// The job its last run queued.
    pub last_job_id: Option<i64>,
    /// Who changed it last (`-` for the built-in default).
    pub updated_by: String,
}

/// The built-in schedule of a job kind: nightly synchronisation when a list was staged, the
/// snapshot on the first of the month, last month's terminations file an hour later. Off until an
/// admin turns it on.
pub fn default_of(kind: JobKind) -> ScheduleView {
    let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
    let (cadence, only_if_new) = match kind {
        JobKind::Sync => (Cadence::Daily(time(2, 0)), true),
        JobKind::Snapshot => (Cadence::Monthly(1, time(6, 0)), false),
        JobKind::ExportTerminations => (Cadence::Monthly(1, time(7, 0)), false),
    };
    ScheduleView {
        kind,
        cadence,
        only_if_new,
        enabled: false,
        next_run_at: None,
        last_job_id: None,
        updated_by: "-".into(),
    }
}

fn view(row: &ScheduleRow) -> Option<ScheduleView> {
    Some(ScheduleView {
        kind: JobKind::from_code(&row.job_kind)?,
        cadence: Cadence::parse(&row.cadence).ok()?,
        only_if_new: row.only_if_new,
        enabled: row.enabled,
        next_run_at: row.enabled.then_some(row.next_run_at).flatten(),
        last_job_id: row.last_job_id,
        updated_by: row.updated_by.clone(),
    })
}

/// Every job kind's schedule (the stored one, or the default).
pub fn list(db: &Database, who: &Principal) -> Result<Vec<ScheduleView>, AppError> {
    who.require_any(Action::Synchronise)?;
    let stored: Vec<ScheduleView> = schedules::all(&mut db.conn()?)?
        .iter()
        .filter_map(view)
        .collect();
    Ok(JobKind::ALL
        .into_iter()
        .map(|k| {
            stored
                .iter()
                .find(|s| s.kind == k)
                .cloned()
                .unwrap_or_else(|| default_of(k))
        })
        .collect())
}

/// Sets a job kind's schedule; the next run is computed from `now`. Recorded in the audit log: what
/// runs by itself is a decision of record.
pub fn set(
    db: &Database,
    who: &Principal,
    kind: JobKind,
    cadence: Cadence,
    enabled: bool,
    only_if_new: bool,
    now: DateTime<Utc>,
) -> Result<ScheduleView, AppError> {
    who.require_any(Action::Synchronise)?;
    let next = cadence.next_after(now);
    let row = ScheduleRow {
        id: 0,
        job_kind: kind.as_code().into(),
        cadence: cadence.to_string(),
        only_if_new,
        enabled,
        next_run_at: Some(next),
        last_job_id: None,
        updated_by: who.username.clone(),
    };
    let entry = audit::AuditEntry {
        actor: who.username.clone(),
        action: "schedule.set".into(),
        entity: "schedule".into(),
        after: Some(
            serde_json::json!({
                "job": kind.as_code(),
                "cadence": cadence.to_string(),
                "enabled": enabled,
                "only_if_new": only_if_new,
            })
            .to_string(),
        ),
        ..Default::default()
    };
    db.transaction(|tx| -> Result<(), AppError> {
        audit::lock(tx)?;
        schedules::upsert(tx, &row, next, &who.username)?;
        audit::append(tx, std::slice::from_ref(&entry))?;
        Ok(())
    })?;
    list(db, who)?
        .into_iter()
        .find(|s| s.kind == kind)
        .ok_or(AppError::NotFound)
}

/// What one tick did for a due schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The job kind.
    pub kind: JobKind,
    /// The job queued, or none when there was nothing new.
    pub job_id: Option<i64>,
}

/// Queues the jobs of every schedule due at `now` and moves each to its next time. A schedule that
/// missed several runs (the server was down) runs once. Safe to call from several servers at once:
/// only the one that moves a schedule on queues its job.
pub fn tick(db: &Database, now: DateTime<Utc>) -> Result<Vec<Fired>, AppError> {
    let due = schedules::due(&mut db.conn()?, now)?;
    let mut fired = Vec::new();
    for row in due {
        let Some(s) = view(&row) else { continue };
        let next = s.cadence.next_after(now);
        let job_id = if s.only_if_new && !new_input_since_last_run(db, s.kind)? {
            None
        } else {
            Some(crate::jobs::queue_scheduled(db, s.kind, row.id)?)
        };
        if schedules::advance(&mut db.conn()?, row.id, row.next_run_at, job_id, next)? {
            fired.push(Fired {
                kind: s.kind,
                job_id,
            });
        }
    }
    Ok(fired)
}

/// Whether a list was staged after the last finished synchronisation started.
fn new_input_since_last_run(db: &Database, kind: JobKind) -> Result<bool, AppError> {
    if kind != JobKind::Sync {
        return Ok(true);
    }
    let mut conn = db.conn()?;
    let last_run = schedules::last_finished_start(&mut conn, kind.as_code())?;
    let newest = schedules::newest_list_import(&mut conn)?;
    Ok(match (newest, last_run) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(n), Some(r)) => n > r,
    })
}
