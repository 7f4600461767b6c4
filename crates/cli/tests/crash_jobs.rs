//! The crash harness: `jaring` killed with SIGKILL at a random moment of each long job (import of a
//! registry, synchronisation of new lists, death events received from a civil registry, bulk
//! approval, coverage snapshot) and then:
//! - the database is consistent at the kill: audit chain intact, no proposal half applied (an applied
//!   death with a living person, a pending one with a dead person);
//! - after the job is run again to the end, the database equals a clean run's (every table's count,
//!   proposals and persons by status, row versions).
//!
//! `JARING_CRASH_TRIALS` trials per job and backend (5 by default, as in CI; the long run in
//! docs/RELIABILITY.md uses 50); `JARING_CRASH_SEED` replays a run (the seed is printed). SQLite always;
//! PostgreSQL when `JARING_TEST_POSTGRES_URL` is set (each trial a database copied from a template).

use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jaring_store::Database;

fn jaring(database: &str) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("jaring"));
    cmd.env_remove("JARING_DATABASE_URL")
        .args(["--database", database])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn run(database: &str, args: &[&str]) {
    let out = jaring(database)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    // Exit code 2 of an import: imported, some rows rejected.
    assert!(
        out.status.success() || (args[0] == "import" && out.status.code() == Some(2)),
        "jaring {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A job: its name, what prepares its starting database, and the command killed mid-way.
struct Job {
    name: &'static str,
    setup: Vec<Vec<String>>,
    command: Vec<String>,
}

fn jobs(extra: &Path) -> Vec<Job> {
    let file = |f: &str| extra.join(f).to_string_lossy().to_string();
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        Job {
            name: "import",
            setup: vec![],
            command: vec![
                "import".into(),
                "--kind".into(),
                "registry".into(),
                file("registry.csv"),
            ],
        },
        Job {
            name: "sync",
            setup: vec![
                vec![
                    "import".into(),
                    "--kind".into(),
                    "dtsen".into(),
                    file("dtsen.csv"),
                ],
                vec![
                    "import".into(),
                    "--kind".into(),
                    "deaths".into(),
                    file("deaths.csv"),
                ],
            ],
            command: words(&["sync"]),
        },
        Job {
            name: "intake",
            setup: vec![],
            command: vec![
                "intake".into(),
                "--source".into(),
                "dci".into(),
                file("events.json"),
            ],
        },
        Job {
            name: "approve",
            setup: vec![],
            command: words(&["review", "approve", "--all-auto"]),
        },
        Job {
            name: "snapshot",
            setup: vec![],
            command: words(&["coverage", "--snapshot", "--at", "2026-09"]),
        },
    ]
}

/// What must be equal after a killed-then-repeated job and a clean one.
fn fingerprint(db: &Database) -> Vec<(String, i64)> {
    let mut conn = db.conn().unwrap();
    // A file imported again, a synchronisation or a snapshot run again, is recorded again (who ran
    // it, when, with what) while changing nothing: imports count by content, and the audit log
    // without these run records.
    let mut out: Vec<(String, i64)> = jaring_store::backup::counts(&mut conn)
        .unwrap()
        .into_iter()
        .filter(|(t, _)| t != "imports" && t != "audit_log" && t != "jobs")
        .collect();
    for (label, sql) in [
        ("imports by content", "SELECT 'files', COUNT(DISTINCT sha256) FROM imports"),
        ("audit", "SELECT 'changes', COUNT(*) FROM audit_log WHERE action NOT IN ('import', 'sync.run', 'coverage.snapshot')"),
        ("proposals by status", "SELECT status, COUNT(*) FROM proposals GROUP BY status ORDER BY status"),
        ("persons by life", "SELECT life_status, COUNT(*) FROM persons GROUP BY life_status ORDER BY life_status"),
        ("enrolments by end", "SELECT COALESCE(end_reason, '-'), COUNT(*) FROM enrolments GROUP BY COALESCE(end_reason, '-') ORDER BY 1"),
        ("claims by status", "SELECT status, COUNT(*) FROM claims GROUP BY status ORDER BY status"),
        // A killed job stays `running` (the server marks it interrupted); a run finished it (a kill
        // can also come after the work, so one or two are done).
        ("jobs done", "SELECT DISTINCT kind, CAST(1 AS BIGINT) FROM jobs WHERE status = 'done' ORDER BY kind"),
        ("intake events by status", "SELECT status, COUNT(*) FROM intake_events GROUP BY status ORDER BY status"),
    ] {
        for r in conn.query(sql, &[]).unwrap() {
            out.push((format!("{label}: {}", r.text(0).unwrap()), r.i64(1).unwrap()));
        }
    }
    out.push((
        "persons row versions".into(),
        conn.query_i64(
            "SELECT CAST(COALESCE(SUM(row_version), 0) AS BIGINT) FROM persons",
            &[],
        )
        .unwrap(),
    ));
    out
}

/// Consistency at any moment: the audit chain holds and no death proposal is half applied.
fn consistent(db: &Database, context: &str) {
    let mut conn = db.conn().unwrap();
    let v = jaring_store::audit::verify(&mut conn).unwrap();
    assert!(v.breaks.is_empty(), "{context}: audit chain {:?}", v.breaks);
    let half = conn
        .query_i64(
            "SELECT COUNT(*) FROM proposals p JOIN persons x ON x.id = p.person_id \
             WHERE p.kind = 'mark_deceased' AND ((p.status = 'applied' AND x.life_status <> 'deceased') \
             OR (p.status = 'pending' AND x.life_status = 'deceased'))",
            &[],
        )
        .unwrap();
    assert_eq!(half, 0, "{context}: death proposals half applied");
    let unaudited = conn
        .query_i64(
            "SELECT COUNT(*) FROM proposals p WHERE p.status = 'applied' AND NOT EXISTS \
             (SELECT 1 FROM audit_log a WHERE a.entity = 'proposal' AND a.entity_id = p.id \
              AND a.action = 'proposal.approve')",
            &[],
        )
        .unwrap();
    assert_eq!(
        unaudited, 0,
        "{context}: applied proposals without their audit entry"
    );
    // A death event marked processed has its staged record (and so its linkage and proposal); one
    // the kill caught before that is still `stored`, never acknowledged as done.
    let hollow = conn
        .query_i64(
            "SELECT COUNT(*) FROM intake_events e WHERE e.status = 'processed' AND NOT EXISTS \
             (SELECT 1 FROM staged_records s WHERE s.import_id = e.import_id)",
            &[],
        )
        .unwrap();
    assert_eq!(
        hollow, 0,
        "{context}: death events processed without a record"
    );
}

/// Where trial databases come from: a copy of a prepared one.
trait Backend {
    fn label(&self) -> &'static str;
    /// A fresh database (URL) holding a copy of `base`.
    fn copy(&self, base: &str, name: &str) -> String;
    fn open(&self, url: &str) -> Database;
    fn finish(&self, _url: &str) {}
}

struct Sqlite(PathBuf);

impl Backend for Sqlite {
    fn label(&self) -> &'static str {
        "sqlite"
    }
    fn copy(&self, base: &str, name: &str) -> String {
        let to = self.0.join(format!("{name}.db"));
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
        }
        // The base is closed and checkpointed: the main file is the whole database.
        std::fs::copy(base, &to).unwrap();
        to.to_string_lossy().to_string()
    }
    fn open(&self, url: &str) -> Database {
        Database::open(url).unwrap()
    }
    fn finish(&self, url: &str) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{url}{suffix}"));
        }
    }
}

struct Postgres {
    base_url: String,
}

impl Postgres {
    fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&format!("{}/postgres", self.base_url), postgres::NoTls).unwrap()
    }
    fn name_of(url: &str) -> &str {
        url.rsplit('/').next().unwrap()
    }
}

impl Backend for Postgres {
    fn label(&self) -> &'static str {
        "postgres"
    }
    fn copy(&self, base: &str, name: &str) -> String {
        let mut admin = self.admin();
        let name = format!("{name}_{}", std::process::id());
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                Postgres::name_of(base)
            ))
            .unwrap();
        format!("{}/{name}", self.base_url)
    }
    fn open(&self, url: &str) -> Database {
        jaring_store::Database::open_with(jaring_store::DatabaseOptions {
            url: url.to_string(),
            pg_schema: None,
            pool_size: 2,
        })
        .unwrap()
    }
    fn finish(&self, url: &str) {
        let _ = self.admin().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            Postgres::name_of(url)
        ));
    }
}

/// A DCI notify message with the deaths of 40 living residents of the demo, one event each.
fn write_death_events(db: &Database, path: &Path) {
    let rows = db
        .conn()
        .unwrap()
        .query(
            "SELECT nik, name, birth_date FROM persons WHERE life_status = 'alive' \
             AND nik IS NOT NULL ORDER BY id LIMIT 40",
            &[],
        )
        .unwrap();
    let events: Vec<serde_json::Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::json!({
                "reference_id": format!("akta-uji-{i:04}"),
                "data": {"event_type": "death", "reg_records": {
                    "identifier": [{"identifier_type": "NIK", "identifier_value": r.text(0).unwrap()}],
                    "name": r.text(1).unwrap(),
                    "birth_date": r.opt_date(2).unwrap().map(|d| d.to_string()),
                    "death_date": "2026-11-30"
                }}
            })
        })
        .collect();
    let body = serde_json::json!({
        "header": {"message_id": "uji", "action": "notify", "sender_id": "dukcapil-uji"},
        "message": {"transaction_id": "uji", "notify_event": events}
    });
    std::fs::write(path, body.to_string()).unwrap();
}

fn trials() -> usize {
    std::env::var("JARING_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

fn harness(backend: &dyn Backend, make_base: &dyn Fn(&str) -> String, dir: &Path) {
    let seed = std::env::var("JARING_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!(
        "crash harness on {}: JARING_CRASH_SEED={seed}",
        backend.label()
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let extra = dir.join("tambahan");
    let status = Command::new(assert_cmd::cargo::cargo_bin("jaring"))
        .args(["generate", "--persons", "5000", "--seed", "99", "--out"])
        .arg(&extra)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let demo = make_base("demo");
    run(
        &demo,
        &["demo", "--persons", "3000", "--seed", "5", "--no-serve"],
    );
    write_death_events(&backend.open(&demo), &extra.join("events.json"));
    let mut report = Vec::new();
    for job in jobs(&extra) {
        // The job's starting point, then a clean run of it to compare with and to time.
        let start = backend.copy(&demo, &format!("start_{}", job.name));
        for step in &job.setup {
            run(&start, &step.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let args: Vec<&str> = job.command.iter().map(String::as_str).collect();
        let clean = backend.copy(&start, &format!("clean_{}", job.name));
        let began = Instant::now();
        run(&clean, &args);
        let took = began.elapsed();
        let expected = fingerprint(&backend.open(&clean));
        backend.finish(&clean);
        let mut killed_mid = 0;
        for trial in 0..trials() {
            let url = backend.copy(&start, &format!("trial_{}", job.name));
            let delay = Duration::from_micros(rng.gen_range(0..=took.as_micros() as u64));
            let mut child = jaring(&url).args(&args).spawn().unwrap();
            std::thread::sleep(delay);
            let finished = child.try_wait().unwrap().is_some();
            let _ = child.kill();
            let _ = child.wait();
            if !finished {
                killed_mid += 1;
            }
            let context = format!(
                "{} {} trial {trial} (killed after {delay:?} of {took:?}, seed {seed})",
                backend.label(),
                job.name
            );
            consistent(&backend.open(&url), &context);
            run(&url, &args);
            let db = backend.open(&url);
            consistent(&db, &context);
            assert_eq!(fingerprint(&db), expected, "{context}: after the re-run");
            drop(db);
            backend.finish(&url);
        }
        backend.finish(&start);
        report.push(format!(
            "{} {}: {} trials, {killed_mid} killed mid-job, clean run {took:?}",
            backend.label(),
            job.name,
            trials()
        ));
    }
    backend.finish(&demo);
    eprintln!("{}", report.join("\n"));
}

#[test]
fn sqlite_jobs_killed_at_random_leave_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Sqlite(dir.path().to_path_buf());
    let make = |name: &str| {
        dir.path()
            .join(format!("{name}.db"))
            .to_string_lossy()
            .to_string()
    };
    harness(&backend, &make, dir.path());
}

#[test]
fn postgres_jobs_killed_at_random_leave_a_consistent_database() {
    let Ok(url) = std::env::var("JARING_TEST_POSTGRES_URL") else {
        return; // SQLite-only run; CI sets the variable
    };
    let base_url = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let backend = Postgres { base_url };
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let mut admin = backend.admin();
        let name = format!("jaring_crash_{name}_{}", std::process::id());
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        format!("{}/{name}", backend.base_url)
    };
    harness(&backend, &make, dir.path());
}
