//! Background jobs, schedules and civil-registry death intake, on every backend: a sync job started
//! by an admin proposes the deaths of a staged list; a job whose worker died is marked interrupted and
//! runs again; schedules fire on a controllable clock; a signed death event becomes one death
//! proposal however often it is delivered, and an event stored before a crash is processed after it.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::path::Path;
use std::time::Duration;

use backends::{backends, label};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jaring_app::accounts::Principal;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_app::intake::{self, IntakeError, Source};
use jaring_app::jobs::{self, JobEnv, JobKind, JobStatus, Silent};
use jaring_app::schedules::{self, Cadence};
use jaring_domain::access::{Grant, Role};
use jaring_domain::{ListKind, RegionCode};
use jaring_store::{Database, Value};

fn admin() -> Principal {
    Principal::job(RegionCode::parse("53.04").unwrap(), "admin-uji")
}

fn operator(village: &str) -> Principal {
    Principal {
        grant: Grant {
            role: Role::OperatorDesa,
            scope: RegionCode::parse(village).unwrap(),
        },
        ..admin()
    }
}

fn import(db: &Database, dir: &Path, file: &str, kind: ListKind) {
    let req = ImportRequest {
        path: dir.join(file),
        file_name: None,
        kind,
        mapping: None,
        sheet: None,
        village: None,
        error_file: Some(dir.join(format!("{file}.errors"))),
        today: jaring_domain::today(),
    };
    import_file(db, &admin(), &req, &NoProgress).unwrap();
}

fn regency(persons: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let generated = jaring_synth::generate(&jaring_synth::Config {
        persons,
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    jaring_synth::write_dir(&generated, dir.path()).unwrap();
    dir
}

fn count(db: &Database, sql: &str) -> i64 {
    db.conn().unwrap().query_i64(sql, &[]).unwrap()
}

fn death_proposals(db: &Database) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM proposals WHERE kind = 'mark_deceased' AND status = 'pending'",
    )
}

#[test]
fn a_sync_job_proposes_the_staged_deaths_and_a_dead_worker_s_job_runs_again() {
    let dir = regency(3_000);
    for t in backends() {
        let db = &t.db;
        let env = JobEnv::in_data_dir(dir.path());
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        import(db, dir.path(), "deaths.csv", ListKind::Deaths);
        let first_village: String = db
            .conn()
            .unwrap()
            .query("SELECT MIN(village_code) FROM persons", &[])
            .unwrap()[0]
            .text(0)
            .unwrap();
        assert!(
            matches!(
                jobs::start(db, &operator(&first_village), JobKind::Sync),
                Err(jaring_app::AppError::Denied(_))
            ),
            "{}: a village operator cannot start a regency-wide job",
            label(db)
        );
        let queued = jobs::start(db, &admin(), JobKind::Sync).unwrap();
        assert_eq!(queued.status, JobStatus::Queued);
        assert_eq!(
            jobs::start(db, &admin(), JobKind::Sync).unwrap().id,
            queued.id,
            "a second start joins the queued job"
        );
        assert_eq!(death_proposals(db), 0);
        let claimed = jobs::claim_next(db).unwrap().unwrap();
        assert_eq!(claimed, queued.id);
        assert_eq!(jobs::claim_next(db).unwrap(), None, "claimed once");
        let done = jobs::run_claimed(db, &env, claimed, &Silent).unwrap();
        assert_eq!(
            done.status,
            JobStatus::Done,
            "{}: {:?}",
            label(db),
            done.error
        );
        assert_eq!(done.percent, Some(100));
        assert!(done.total > 0 && done.done == done.total);
        let proposed = death_proposals(db);
        assert!(
            proposed > 0,
            "{}: the staged deaths were proposed",
            label(db)
        );
        assert!(
            done.summary.iter().any(|l| l.starts_with("deaths:")),
            "{:?}",
            done.summary
        );

        // A worker that dies holding a job: silent, then interrupted, then run again to the end.
        let again = jobs::start(db, &admin(), JobKind::Sync).unwrap();
        assert_ne!(again.id, queued.id);
        assert_eq!(jobs::claim_next(db).unwrap(), Some(again.id));
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(jobs::recover(db, Duration::from_millis(1)).unwrap(), 1);
        let stopped = jobs::get(db, &admin(), again.id).unwrap();
        assert_eq!(stopped.status, JobStatus::Interrupted);
        let failed = jobs::failed_recently(db, &admin()).unwrap();
        assert!(failed.iter().any(|j| j.id == again.id), "the admin is told");
        assert!(jobs::failed_recently(db, &operator(&first_village))
            .unwrap()
            .is_empty());
        let rerun = jobs::start(db, &admin(), JobKind::Sync).unwrap();
        let rerun = jobs::claim_next(db).unwrap().unwrap_or(rerun.id);
        let rerun = jobs::run_claimed(db, &env, rerun, &Silent).unwrap();
        assert_eq!(rerun.status, JobStatus::Done);
        assert_eq!(
            death_proposals(db),
            proposed,
            "{}: running again proposes nothing twice",
            label(db)
        );

        // The terminations file job writes a workbook a page can offer.
        let export =
            jobs::run_now(db, &env, &admin(), JobKind::ExportTerminations, &Silent).unwrap();
        assert_eq!(export.status, JobStatus::Done, "{:?}", export.error);
        let file = export.file.clone().unwrap();
        assert!(jobs::job_file(&env, &file).is_some());
        assert!(jobs::job_file(&env, "../registry.csv").is_none());
    }
}

fn wita(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn cadences_find_their_next_local_time() {
    let daily = Cadence::parse("daily 02:00").unwrap();
    assert_eq!(
        daily.next_after(wita(2026, 12, 7, 1, 0)),
        wita(2026, 12, 7, 2, 0)
    );
    assert_eq!(
        daily.next_after(wita(2026, 12, 7, 2, 0)),
        wita(2026, 12, 8, 2, 0)
    );
    let monthly = Cadence::parse("monthly 1 06:00").unwrap();
    assert_eq!(
        monthly.next_after(wita(2026, 12, 7, 9, 0)),
        wita(2027, 1, 1, 6, 0)
    );
    assert_eq!(monthly.to_string(), "monthly 1 06:00");
    for bad in ["weekly", "daily 25:00", "monthly 31 06:00", ""] {
        assert!(Cadence::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn schedules_fire_on_a_controllable_clock() {
    let dir = regency(1_500);
    for t in backends() {
        let db = &t.db;
        let env = JobEnv::in_data_dir(dir.path());
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        let now = wita(2026, 12, 7, 10, 0);
        let listed = schedules::list(db, &admin()).unwrap();
        assert_eq!(listed.len(), 3);
        assert!(
            listed.iter().all(|s| !s.enabled),
            "off until an admin turns them on"
        );
        assert!(schedules::set(
            db,
            &operator("53.04.01.2001"),
            JobKind::Sync,
            Cadence::parse("daily 02:00").unwrap(),
            true,
            true,
            now
        )
        .is_err());
        let sync = schedules::set(
            db,
            &admin(),
            JobKind::Sync,
            Cadence::parse("daily 02:00").unwrap(),
            true,
            true,
            now,
        )
        .unwrap();
        assert_eq!(sync.next_run_at, Some(wita(2026, 12, 8, 2, 0)));
        schedules::set(
            db,
            &admin(),
            JobKind::Snapshot,
            Cadence::parse("monthly 1 06:00").unwrap(),
            true,
            false,
            now,
        )
        .unwrap();
        assert!(
            schedules::tick(db, now).unwrap().is_empty(),
            "nothing due yet"
        );

        // Night one: no list staged yet, so the sync runs not; it moves on to the next night.
        let fired = schedules::tick(db, wita(2026, 12, 8, 2, 1)).unwrap();
        assert_eq!(fired.len(), 1);
        assert_eq!((fired[0].kind, fired[0].job_id), (JobKind::Sync, None));
        assert!(
            schedules::tick(db, wita(2026, 12, 8, 2, 2))
                .unwrap()
                .is_empty(),
            "once a night"
        );

        // A deaths list arrives; night two synchronises it.
        import(db, dir.path(), "deaths.csv", ListKind::Deaths);
        let fired = schedules::tick(db, wita(2026, 12, 9, 2, 0)).unwrap();
        let job = fired[0].job_id.expect("a new list: the sync is queued");
        assert_eq!(jobs::claim_next(db).unwrap(), Some(job));
        let ran = jobs::run_claimed(db, &env, job, &Silent).unwrap();
        assert_eq!(
            ran.status,
            JobStatus::Done,
            "{}: {:?}",
            label(db),
            ran.error
        );
        assert_eq!(ran.started_by, "schedule");
        assert!(death_proposals(db) > 0);
        // Night three: nothing new.
        let fired = schedules::tick(db, wita(2026, 12, 10, 2, 0)).unwrap();
        assert_eq!(fired[0].job_id, None);

        // The server was down for weeks: each missed schedule runs once, not once per missed day.
        let fired = schedules::tick(db, wita(2027, 1, 20, 9, 0)).unwrap();
        let kinds: Vec<JobKind> = fired.iter().map(|f| f.kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == JobKind::Snapshot).count(), 1);
        let listed = schedules::list(db, &admin()).unwrap();
        let snapshot = listed.iter().find(|s| s.kind == JobKind::Snapshot).unwrap();
        assert_eq!(snapshot.next_run_at, Some(wita(2027, 2, 1, 6, 0)));
        assert!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'schedule.set'"
            ) >= 2,
            "schedule changes are in the audit log"
        );
    }
}

const KEY: &[u8] = b"kunci-rahasia-dukcapil";

fn dci_death(event_id: &str, nik: &str, name: &str, birth: Option<NaiveDate>) -> Vec<u8> {
    serde_json::json!({
        "header": {"message_id": format!("msg-{event_id}"), "action": "notify", "sender_id": "dukcapil-belu"},
        "message": {"transaction_id": "trx-1", "notify_event": [{
            "reference_id": event_id,
            "timestamp": "2026-12-01T09:00:00+08:00",
            "data": {"event_type": "death", "reg_records": {
                "identifier": [{"identifier_type": "NIK", "identifier_value": nik}],
                "name": name,
                "birth_date": birth.map(|d| d.to_string()),
                "death_date": "2026-11-30"
            }}
        }]}
    })
    .to_string()
    .into_bytes()
}

/// A living resident with a NIK: (id, NIK, name, birth date).
fn living(db: &Database, skip: i64) -> (i64, String, String, Option<NaiveDate>) {
    let rows = db
        .conn()
        .unwrap()
        .query(
            "SELECT id, nik, name, birth_date FROM persons WHERE life_status = 'alive' \
             AND nik IS NOT NULL ORDER BY id LIMIT 1 OFFSET $1",
            &[Value::Int(skip)],
        )
        .unwrap();
    let r = &rows[0];
    (
        r.i64(0).unwrap(),
        r.text(1).unwrap(),
        r.text(2).unwrap(),
        r.opt_date(3).unwrap(),
    )
}

#[test]
fn a_signed_death_event_becomes_one_death_proposal_however_often_it_is_delivered() {
    let dir = regency(1_500);
    for t in backends() {
        let db = &t.db;
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        let (person, nik, name, birth) = living(db, 10);
        let body = dci_death("akta-2026-0001", &nik, &name, birth);

        assert!(matches!(
            intake::verify(KEY, &body, Some("sha256=00")),
            Err(IntakeError::BadSignature)
        ));
        assert!(intake::verify(KEY, &body, None).is_err());
        let mut tampered = body.clone();
        tampered[20] ^= 1;
        assert!(intake::verify(KEY, &tampered, Some(&intake::sign(KEY, &body))).is_err());
        intake::verify(KEY, &body, Some(&intake::sign(KEY, &body))).unwrap();

        let outcome = intake::receive(db, Source::Dci, &body).unwrap();
        assert_eq!(outcome.len(), 1);
        assert_eq!(
            outcome[0].status,
            "processed",
            "{}: {:?}",
            label(db),
            outcome[0].message
        );
        assert_eq!(outcome[0].proposals, 1);
        let of_person = |db: &Database| {
            db.conn()
                .unwrap()
                .query_i64(
                    "SELECT COUNT(*) FROM proposals WHERE kind = 'mark_deceased' AND person_id = $1",
                    &[Value::Int(person)],
                )
                .unwrap()
        };
        assert_eq!(
            of_person(db),
            1,
            "{}: the death waits for review",
            label(db)
        );
        let alive = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT COUNT(*) FROM persons WHERE id = $1 AND life_status = 'alive'",
                &[Value::Int(person)],
            )
            .unwrap();
        assert_eq!(alive, 1, "an event proposes; it does not decide");

        let again = intake::receive(db, Source::Dci, &body).unwrap();
        assert_eq!(again[0].status, "duplicate");
        assert_eq!(of_person(db), 1, "a retried delivery changes nothing");
        assert_eq!(count(db, "SELECT COUNT(*) FROM intake_events"), 1);

        // A payload that is no death notification: kept for inspection, refused.
        let junk = br#"{"message": {"notify_event": [{"reference_id": "x"}]}}"#;
        assert!(matches!(
            intake::receive(db, Source::Dci, junk),
            Err(IntakeError::Payload(_))
        ));
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM intake_events WHERE status = 'rejected'"
            ),
            1
        );

        // Killed after storing, before processing: the event waits, and is processed on resume.
        let (second, nik2, name2, birth2) = living(db, 20);
        let body2 = dci_death("akta-2026-0002", &nik2, &name2, birth2);
        let raw: serde_json::Value = serde_json::from_slice(&body2).unwrap();
        jaring_store::intake::store(
            &mut db.conn().unwrap(),
            "dci",
            "akta-2026-0002",
            "stored",
            &raw["message"]["notify_event"][0].to_string(),
            None,
        )
        .unwrap();
        assert_eq!(intake::resume(db).unwrap(), 1, "{}", label(db));
        let proposals_of_second = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT COUNT(*) FROM proposals WHERE kind = 'mark_deceased' AND person_id = $1",
                &[Value::Int(second)],
            )
            .unwrap();
        assert_eq!(proposals_of_second, 1);
        assert_eq!(intake::resume(db).unwrap(), 0, "nothing left");
        let seen = intake::overview(db, &admin()).unwrap();
        assert_eq!(seen.recent.len(), 3);
        assert!(intake::overview(db, &operator("53.04.01.2001")).is_err());
    }
}
