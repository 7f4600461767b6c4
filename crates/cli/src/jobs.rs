//! `jaring jobs` and `jaring intake`: the job table the web server shares, run from a shell (cron on
//! a machine where no server runs), and death notifications delivered as files.

use std::path::Path;

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use jaring_app::intake::{self, Source};
use jaring_app::jobs;
use jaring_domain::access::Action;
use jaring_store::Database;

/// Runs due schedules and queued jobs when asked, then lists the latest jobs.
pub fn list(db: &Database, run: bool, data_dir: &Path) -> Result<()> {
    let env = jobs::JobEnv::in_data_dir(data_dir);
    if run {
        for f in jaring_app::schedules::tick(db, chrono::Utc::now())? {
            println!("jadwal / schedule {}: {:?}", f.kind.as_code(), f.job_id);
        }
        while let Some(id) = jobs::claim_next(db)? {
            let j = jobs::run_claimed(db, &env, id, &jobs::Silent)?;
            println!("#{} {} {}", j.id, j.kind.as_code(), j.status.as_code());
        }
    }
    let who = jaring_app::accounts::cli_principal(db, "cli", None)?;
    println!("#      tugas/job             status        oleh/by");
    for j in jobs::recent(db, &who, 20)? {
        println!(
            "{:<6} {:<21} {:<13} {}{}",
            j.id,
            j.kind.as_code(),
            j.status.as_code(),
            j.started_by,
            j.error.map(|e| format!("  ({e})")).unwrap_or_default()
        );
        for line in j.summary {
            println!("         {line}");
        }
    }
    Ok(())
}

/// Receives a file of death notifications as the intake endpoint would (without a signature: whoever
/// runs this already holds the database), then processes any event a crash left stored.
pub fn intake(db: &Database, source: &str, file: &Path) -> Result<()> {
    let who = jaring_app::accounts::cli_principal(db, "cli", None)?;
    who.require_any(Action::Synchronise)?;
    let source = match source {
        "opencrvs" => Source::OpenCrvs,
        _ => Source::Dci,
    };
    let body = std::fs::read(file).with_context(|| file.display().to_string())?;
    let events = intake::receive(db, source, &body)?;
    let resumed = intake::resume(db)?;
    println!("peristiwa/event                      status       usulan/proposals");
    for e in &events {
        println!(
            "{:<36} {:<12} {}{}",
            e.event_id,
            e.status,
            e.proposals,
            e.message
                .as_deref()
                .map(|m| format!("  ({m})"))
                .unwrap_or_default()
        );
    }
    if resumed > 0 {
        println!("{resumed} peristiwa tertunda diproses / pending events processed");
    }
    Ok(())
}

/// A progress bar on the terminal, told by the app how far a job got.
pub struct Bar(pub ProgressBar);

impl jobs::Progress for Bar {
    fn step(&self, phase: &str, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
        self.0.set_message(phase.to_string());
    }
}
