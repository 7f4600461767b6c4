//! Background jobs: the month's regency-wide work (synchronising the staged lists and proposing from
//! them, the coverage snapshot, the BPJS terminations file) started from a page, the API, the command
//! line or a schedule, run by a worker, its progress and result kept in the job table so everyone sees
//! the same state. Each job is safe to run again: synchronisation replaces its candidates per list in
//! one transaction and proposal generation skips what it proposed before, so a job killed half way is
//! marked `interrupted` and simply started again.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jaring_domain::access::Action;
use jaring_domain::ListKind;
use jaring_store::jobs::{self, JobRow};
use jaring_store::Database;
use serde_json::json;

use crate::accounts::Principal;
use crate::AppError;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Link every staged list to the registry and make proposals from the result.
    Sync,
    /// Store this month's coverage snapshot for every region.
    Snapshot,
    /// Write last month's BPJS terminations file (XLSX) for download.
    ExportTerminations,
}

impl JobKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [JobKind; 3] = [
        JobKind::Sync,
        JobKind::Snapshot,
        JobKind::ExportTerminations,
    ];

    /// Stable code (job table, API, URLs).
    pub fn as_code(self) -> &'static str {
        match self {
            JobKind::Sync => "sync",
            JobKind::Snapshot => "snapshot",
            JobKind::ExportTerminations => "export_terminations",
        }
    }

    /// The kind of a code.
    pub fn from_code(code: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_code() == code)
    }

    /// Indonesian label.
    pub fn label_id(self) -> &'static str {
        match self {
            JobKind::Sync => "Sinkronisasi daftar dan usulan",
            JobKind::Snapshot => "Potret cakupan bulan ini",
            JobKind::ExportTerminations => "Berkas pemberhentian BPJS bulan lalu",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            JobKind::Sync => "Synchronise lists and propose",
            JobKind::Snapshot => "This month's coverage snapshot",
            JobKind::ExportTerminations => "Last month's BPJS terminations file",
        }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker is on it.
    Running,
    /// Finished.
    Done,
    /// Stopped by an error.
    Failed,
    /// Its process stopped before it finished; start it again.
    Interrupted,
}

impl JobStatus {
    fn from_code(code: &str) -> JobStatus {
        match code {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "interrupted" => JobStatus::Interrupted,
            _ => JobStatus::Failed,
        }
    }

    /// Stable code.
    pub fn as_code(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Interrupted => "interrupted",
        }
    }

    /// Indonesian label.
    pub fn label_id(self) -> &'static str {
        match self {
            JobStatus::Queued => "antre",
            JobStatus::Running => "berjalan",
            JobStatus::Done => "selesai",
            JobStatus::Failed => "gagal",
            JobStatus::Interrupted => "terhenti",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Interrupted => "interrupted",
        }
    }

    /// Whether the job has ended (the page stops refreshing).
    pub fn is_final(self) -> bool {
        !matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

/// A job as pages, the API and the command line show it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// Id.
    pub id: i64,
    /// What it does.
    pub kind: JobKind,
    /// Where it stands.
    pub status: JobStatus,
    /// Who started it.
    pub started_by: String,
    /// What it is doing now.
    pub phase: String,
    /// Rows done.
    pub done: u64,
    /// Rows to do (0 while unknown).
    pub total: u64,
    /// Percent done, when the total is known.
    pub percent: Option<u8>,
    /// Time left, estimated from the pace so far.
    pub eta: Option<Duration>,
    /// What it found, one line each, for people.
    pub summary: Vec<String>,
    /// The file it wrote, when it wrote one (a name inside the jobs directory).
    pub file: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Queued at.
    pub created_at: Option<DateTime<Utc>>,
    /// Ended at.
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobView {
    fn of(row: &JobRow) -> JobView {
        let status = JobStatus::from_code(&row.status);
        let (done, total) = (row.done.max(0) as u64, row.total.max(0) as u64);
        let percent = (total > 0).then(|| ((done.min(total) * 100) / total) as u8);
        let eta = match (status, row.started_at, percent) {
            (JobStatus::Running, Some(started), Some(p)) if p > 0 && p < 100 => {
                let spent = (Utc::now() - started).to_std().unwrap_or_default();
                Some(spent.mul_f64(f64::from(100 - p) / f64::from(p)))
            }
            _ => None,
        };
        let result: serde_json::Value = row
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let summary = result["lines"]
            .as_array()
            .map(|ls| {
                ls.iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        JobView {
            id: row.id,
            kind: JobKind::from_code(&row.kind).unwrap_or(JobKind::Sync),
            status,
            started_by: row.started_by.clone(),
            phase: row.phase.clone(),
            done,
            total,
            percent,
            eta,
            summary,
            file: result["file"].as_str().map(str::to_string),
            error: row.error.clone(),
            created_at: row.created_at,
            finished_at: row.finished_at,
        }
    }
}

/// Told how far a long step got: a job writes it to the job table, the command line draws a bar.
pub trait Progress {
    /// `done` of `total` rows, now doing `phase`.
    fn step(&self, phase: &str, done: u64, total: u64);
}

/// Progress nobody watches.
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _phase: &str, _done: u64, _total: u64) {}
}

/// Writes a job's progress to the job table (at most a few times a second) and passes it on.
struct Recorder<'a> {
    db: &'a Database,
    id: i64,
    last: std::cell::Cell<Option<Instant>>,
    also: &'a dyn Progress,
}

impl Progress for Recorder<'_> {
    fn step(&self, phase: &str, done: u64, total: u64) {
        self.also.step(phase, done, total);
        let due = self
            .last
            .get()
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(250));
        if !due && done < total {
            return;
        }
        self.last.set(Some(Instant::now()));
        let written = self
            .db
            .conn()
            .and_then(|mut c| jobs::progress(&mut c, self.id, phase, done as i64, total as i64));
        if let Err(e) = written {
            tracing::warn!(job = self.id, error = %e, "job progress not recorded");
        }
    }
}

/// What a worker needs besides the database.
#[derive(Debug, Clone)]
pub struct JobEnv {
    /// Where jobs write their files (`<data dir>/jobs`).
    pub files: PathBuf,
}

impl JobEnv {
    /// The jobs directory under a data directory.
    pub fn in_data_dir(data_dir: &Path) -> JobEnv {
        JobEnv {
            files: data_dir.join("jobs"),
        }
    }
}

/// Queues a job of `kind` for the principal, or returns the one of that kind already queued or
/// running (a second click, or a schedule firing while someone started it by hand, joins it).
pub fn start(db: &Database, who: &Principal, kind: JobKind) -> Result<JobView, AppError> {
    who.require_any(Action::Synchronise)?;
    let mut conn = db.conn()?;
    if let Some(active) = jobs::active_of_kind(&mut conn, kind.as_code())? {
        return Ok(JobView::of(&active));
    }
    let id = jobs::insert(&mut conn, kind.as_code(), "{}", &who.username, None)?;
    Ok(JobView::of(&jobs::get(&mut conn, id)?))
}

/// Queues a job for a schedule (no person asked: the actor is `schedule`).
pub(crate) fn queue_scheduled(
    db: &Database,
    kind: JobKind,
    schedule_id: i64,
) -> Result<i64, AppError> {
    let mut conn = db.conn()?;
    if let Some(active) = jobs::active_of_kind(&mut conn, kind.as_code())? {
        return Ok(active.id);
    }
    Ok(jobs::insert(
        &mut conn,
        kind.as_code(),
        "{}",
        "schedule",
        Some(schedule_id),
    )?)
}

/// One job, for roles that may run jobs.
pub fn get(db: &Database, who: &Principal, id: i64) -> Result<JobView, AppError> {
    who.require_any(Action::Synchronise)?;
    match jobs::get(&mut db.conn()?, id) {
        Ok(row) => Ok(JobView::of(&row)),
        Err(jaring_store::StoreError::NotFound { .. }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The latest jobs, newest first.
pub fn recent(db: &Database, who: &Principal, limit: i64) -> Result<Vec<JobView>, AppError> {
    who.require_any(Action::Synchronise)?;
    Ok(jobs::recent(&mut db.conn()?, limit)?
        .iter()
        .map(JobView::of)
        .collect())
}

/// Jobs that failed or stopped in the last week (the dashboard tells the admin).
pub fn failed_recently(db: &Database, who: &Principal) -> Result<Vec<JobView>, AppError> {
    if who.require_any(Action::Synchronise).is_err() {
        return Ok(Vec::new());
    }
    let since = Utc::now() - chrono::Duration::days(7);
    Ok(jobs::failed_since(&mut db.conn()?, since)?
        .iter()
        .map(JobView::of)
        .collect())
}

/// Marks running jobs whose worker has been silent for `silent_for` as interrupted.
pub fn recover(db: &Database, silent_for: Duration) -> Result<u64, AppError> {
    let before = Utc::now() - chrono::Duration::from_std(silent_for).unwrap_or_default();
    Ok(jobs::interrupt_silent(&mut db.conn()?, before)?)
}

/// Records that a claimed job's worker is alive.
pub fn heartbeat(db: &Database, id: i64) -> Result<(), AppError> {
    Ok(jobs::heartbeat(&mut db.conn()?, id)?)
}

/// Claims the oldest queued job, if any (the worker then calls [`run_claimed`]).
pub fn claim_next(db: &Database) -> Result<Option<i64>, AppError> {
    Ok(jobs::claim_next(&mut db.conn()?)?.map(|r| r.id))
}

/// Runs a job this process claimed to its end and records how it ended.
pub fn run_claimed(
    db: &Database,
    env: &JobEnv,
    id: i64,
    also: &dyn Progress,
) -> Result<JobView, AppError> {
    let row = jobs::get(&mut db.conn()?, id)?;
    let kind = JobKind::from_code(&row.kind)
        .ok_or_else(|| AppError::Internal(format!("job {id}: unknown kind {}", row.kind)))?;
    let regency = crate::overview::regency(db)?;
    let who = Principal::job(regency, &row.started_by);
    let progress = Recorder {
        db,
        id,
        last: std::cell::Cell::new(None),
        also,
    };
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        execute(db, env, &who, kind, id, &progress)
    })) {
        Ok(r) => r,
        Err(_) => Err(AppError::Internal(format!("job {id} panicked"))),
    };
    let mut conn = db.conn()?;
    match &outcome {
        Ok(result) => jobs::finish(&mut conn, id, Ok(&result.to_string()))?,
        Err(e) => {
            tracing::warn!(job = id, error = %e, "job failed");
            jobs::finish(&mut conn, id, Err(&e.to_string()))?
        }
    }
    Ok(JobView::of(&jobs::get(&mut conn, id)?))
}

/// Records a job the caller runs at once in its own process (the command line) and runs it.
pub fn run_now(
    db: &Database,
    env: &JobEnv,
    who: &Principal,
    kind: JobKind,
    also: &dyn Progress,
) -> Result<JobView, AppError> {
    who.require_any(Action::Synchronise)?;
    let id = jobs::insert_running(&mut db.conn()?, kind.as_code(), "{}", &who.username)?;
    run_claimed(db, env, id, also)
}

/// Runs `work` as a job of `kind` recorded in the job table (the command line's own synchronisation,
/// with its options): the job row shows it running, its progress, and how it ended, as for a job the
/// worker ran. `work` returns its value and the result JSON (`lines` for people).
pub fn record<T>(
    db: &Database,
    who: &Principal,
    kind: JobKind,
    also: &dyn Progress,
    work: impl FnOnce(&dyn Progress) -> Result<(T, serde_json::Value), AppError>,
) -> Result<(JobView, T), AppError> {
    who.require_any(Action::Synchronise)?;
    let id = jobs::insert_running(&mut db.conn()?, kind.as_code(), "{}", &who.username)?;
    let progress = Recorder {
        db,
        id,
        last: std::cell::Cell::new(None),
        also,
    };
    let outcome = work(&progress);
    let mut conn = db.conn()?;
    match outcome {
        Ok((value, result)) => {
            jobs::finish(&mut conn, id, Ok(&result.to_string()))?;
            Ok((JobView::of(&jobs::get(&mut conn, id)?), value))
        }
        Err(e) => {
            jobs::finish(&mut conn, id, Err(&e.to_string()))?;
            Err(e)
        }
    }
}

/// Does the work; returns the result JSON (`lines` for people, `file` when a file was written).
fn execute(
    db: &Database,
    env: &JobEnv,
    who: &Principal,
    kind: JobKind,
    id: i64,
    progress: &dyn Progress,
) -> Result<serde_json::Value, AppError> {
    match kind {
        JobKind::Sync => sync_and_propose(db, who, progress),
        JobKind::Snapshot => {
            progress.step("menghitung cakupan / computing coverage", 0, 1);
            let month = jaring_domain::today();
            let n = crate::coverage::take_snapshot(db, who, month)?;
            progress.step("selesai / done", 1, 1);
            Ok(json!({
                "regions": n,
                "lines": [format!("potret {} disimpan untuk {n} wilayah / snapshot stored for {n} regions", crate::coverage::month_key(month))],
            }))
        }
        JobKind::ExportTerminations => {
            progress.step("menyusun berkas / writing the file", 0, 1);
            let today = jaring_domain::today();
            let last_month = crate::coverage::parse_month(&crate::coverage::month_key(
                today - chrono::Duration::days(i64::from(chrono::Datelike::day(&today))),
            ))
            .unwrap_or(today);
            let sheet = crate::export::terminations(db, who, last_month, None)?;
            std::fs::create_dir_all(&env.files)
                .map_err(|e| AppError::Io(env.files.display().to_string(), e))?;
            let name = format!(
                "pemberhentian-{}-tugas-{id}.xlsx",
                crate::coverage::month_key(last_month)
            );
            crate::export::write(&sheet, &env.files.join(&name), crate::export::Format::Xlsx)?;
            progress.step("selesai / done", 1, 1);
            Ok(json!({
                "file": name,
                "rows": sheet.rows.len(),
                "lines": [format!("{} baris pemberhentian {} / termination rows", sheet.rows.len(), crate::coverage::month_key(last_month))],
            }))
        }
    }
}

/// The synchronisation job: every staged list linked, then proposals made from the bands.
fn sync_and_propose(
    db: &Database,
    who: &Principal,
    progress: &dyn Progress,
) -> Result<serde_json::Value, AppError> {
    let kinds = crate::sync::staged_kinds(db)?;
    if kinds.is_empty() {
        return Err(AppError::Input(
            "belum ada daftar yang diimpor / no external list imported yet".into(),
        ));
    }
    let summaries = crate::sync::sync_reporting(
        db,
        who,
        &kinds,
        &crate::sync::SyncPolicy::default(),
        progress,
    )?;
    let mut lines: Vec<String> = summaries
        .iter()
        .map(|s| {
            format!(
                "{}: {} catatan / records · otomatis / auto {} · tinjau / review {} · tidak cocok / no match {}",
                s.kind.as_code(),
                s.records,
                s.auto,
                s.review,
                s.no_match
            )
        })
        .collect();
    let total: u64 = summaries.iter().map(|s| s.records as u64).sum();
    progress.step("membuat usulan / making proposals", total, total);
    let context = crate::review::Context::load(&mut db.conn()?, jaring_domain::today())?;
    let lists = [
        ListKind::Deaths,
        ListKind::Asn,
        ListKind::Bpjs,
        ListKind::Dtsen,
    ];
    let made = crate::review::generate_proposals(db, who, &lists, &context)?;
    let mut proposals = 0usize;
    for (list, s) in &made {
        let n: usize = s.made.iter().map(|(_, _, n)| *n).sum();
        proposals += n;
        if n > 0 {
            lines.push(format!(
                "{}: {n} usulan baru / new proposals",
                list.as_code()
            ));
        }
    }
    Ok(json!({
        "lists": summaries.iter().map(|s| json!({
            "list": s.kind.as_code(),
            "records": s.records,
            "auto": s.auto,
            "review": s.review,
            "no_match": s.no_match,
        })).collect::<Vec<_>>(),
        "proposals": proposals,
        "lines": lines,
    }))
}

/// The path of a file a job wrote, when `name` is one (no path separators, inside the directory).
pub fn job_file(env: &JobEnv, name: &str) -> Option<PathBuf> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    let path = env.files.join(name);
    (plain && path.is_file()).then_some(path)
}
