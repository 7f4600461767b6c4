//! The server's worker: runs queued jobs (one at a time, beside the requests), queues what the
//! schedules say is due, finishes intake events a crash left unprocessed, and marks jobs whose
//! worker fell silent as interrupted. Woken at once when a job is started, otherwise every few
//! seconds.

use std::time::Duration;

use jaring_app::jobs::{self, JobEnv, Silent};

use crate::AppState;

/// How often the worker looks for work when nobody wakes it.
const TICK: Duration = Duration::from_secs(5);
/// How often a running job tells the table it is alive.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// A running job not heard of for this long lost its worker (killed process, stopped machine).
const SILENT: Duration = Duration::from_secs(60);

impl AppState {
    /// Tells the worker that a job waits.
    pub(crate) fn wake_jobs(&self) {
        self.jobs.notify_one();
    }

    /// Runs until the process ends.
    pub(crate) async fn work_loop(self) {
        let env = JobEnv::in_data_dir(&self.config.data_dir);
        loop {
            self.housekeeping().await;
            while let Some(id) = self.claim().await {
                self.run_one(&env, id).await;
            }
            tokio::select! {
                _ = self.jobs.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    }

    async fn housekeeping(&self) {
        let db = self.db.clone();
        let done = tokio::task::spawn_blocking(move || {
            let interrupted = jobs::recover(&db, SILENT)?;
            let fired = jaring_app::schedules::tick(&db, chrono::Utc::now())?;
            let resumed = jaring_app::intake::resume(&db)?;
            Ok::<_, jaring_app::AppError>((interrupted, fired, resumed))
        })
        .await;
        match done {
            Ok(Ok((interrupted, fired, resumed))) => {
                if interrupted > 0 {
                    tracing::warn!(
                        jobs = interrupted,
                        "jobs interrupted (their worker stopped)"
                    );
                }
                for f in fired {
                    tracing::info!(kind = f.kind.as_code(), job = ?f.job_id, "schedule ran");
                }
                if resumed > 0 {
                    tracing::info!(events = resumed, "intake events processed after a restart");
                    self.refresh_coverage();
                }
            }
            // No regency yet (an empty database) is not worth a warning every five seconds.
            Ok(Err(jaring_app::AppError::NoRegency)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "worker housekeeping failed"),
            Err(e) => tracing::warn!(error = %e, "worker housekeeping panicked"),
        }
    }

    async fn claim(&self) -> Option<i64> {
        let db = self.db.clone();
        match tokio::task::spawn_blocking(move || jobs::claim_next(&db)).await {
            Ok(Ok(id)) => id,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot claim a job");
                None
            }
            Err(_) => None,
        }
    }

    async fn run_one(&self, env: &JobEnv, id: i64) {
        let (db, env) = (self.db.clone(), env.clone());
        let beating = {
            let db = self.db.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    let db = db.clone();
                    let _ = tokio::task::spawn_blocking(move || jobs::heartbeat(&db, id)).await;
                }
            })
        };
        let ran =
            tokio::task::spawn_blocking(move || jobs::run_claimed(&db, &env, id, &Silent)).await;
        beating.abort();
        match ran {
            Ok(Ok(j)) => tracing::info!(job = id, status = j.status.as_code(), "job ended"),
            Ok(Err(e)) => tracing::warn!(job = id, error = %e, "job could not be recorded"),
            Err(e) => tracing::warn!(job = id, error = %e, "job panicked"),
        }
        // Jobs change proposals and snapshots: dashboards read them fresh.
        self.refresh_coverage();
    }
}
