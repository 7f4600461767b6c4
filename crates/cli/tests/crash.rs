//! A `jaring import` killed (SIGKILL) in the middle of writing leaves the database exactly as it was,
//! and running the same import again succeeds. On SQLite and, when `JARING_TEST_POSTGRES_URL` is set,
//! PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jaring_store::{imports, Database};

fn jaring(database: &str) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("jaring"));
    cmd.env_remove("JARING_DATABASE_URL")
        .args(["--database", database]);
    cmd
}

/// Writes a synthetic registry of `persons` rows and a small file with its first 500 rows.
fn files(dir: &Path, persons: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let generated = jaring_synth::generate(&jaring_synth::Config {
        persons,
        seed: 11,
        ..Default::default()
    })
    .unwrap();
    jaring_synth::write_dir(&generated, dir).unwrap();
    let big = dir.join("registry.csv");
    let text = std::fs::read_to_string(&big).unwrap();
    let small = dir.join("first500.csv");
    std::fs::write(
        &small,
        text.lines().take(501).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    (big, small)
}

fn state(db: &Database) -> ((i64, i64, i64, i64), usize) {
    let mut conn = db.conn().unwrap();
    (
        imports::registry_fingerprint(&mut conn).unwrap(),
        imports::recent(&mut conn, 100).unwrap().len(),
    )
}

/// Starts the big import, waits until `writing(child_started_at)` says it is mid-write, kills it.
fn kill_mid_import(database: &str, file: &Path, is_writing: impl Fn() -> bool) {
    let mut child = jaring(database)
        .args(["import", "--kind", "registry"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        let line = lines.next().expect("import announces writing").unwrap();
        if line.contains("importing") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !is_writing() {
        assert!(Instant::now() < deadline, "import never started writing");
        assert!(
            child.try_wait().unwrap().is_none(),
            "import finished before it could be killed; use a bigger file"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "import finished before it could be killed; use a bigger file"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import was killed, not finished: {status:?}"
    );
}

fn run_scenario(
    database: &str,
    open: impl Fn() -> Database,
    is_writing: impl Fn() -> bool,
    dir: &Path,
) {
    let (big, small) = files(dir, 60_000);
    let ok = jaring(database)
        .args(["import", "--kind", "registry"])
        .arg(&small)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let before = state(&open());
    assert_eq!(before.0 .0, 500);

    kill_mid_import(database, &big, is_writing);
    assert_eq!(
        state(&open()),
        before,
        "{database}: the killed import left no trace"
    );

    let again = jaring(database)
        .args(["import", "--kind", "registry"])
        .arg(&big)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("new 59500") && stdout.contains("unchanged 500"),
        "{stdout}"
    );
    let after = state(&open());
    assert_eq!(after.0 .0, 60_000);
    assert_eq!(after.1, before.1 + 1);
}

#[test]
fn sqlite_import_killed_mid_write_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("crash.db");
    let db = db_path.to_str().unwrap().to_string();
    let wal = dir.path().join("crash.db-wal");
    run_scenario(
        &db,
        || Database::open(&db).unwrap(),
        // uncommitted pages reach the WAL file while the transaction is open
        || {
            std::fs::metadata(&wal)
                .map(|m| m.len() > 512 * 1024)
                .unwrap_or(false)
        },
        dir.path(),
    );
}

#[test]
fn postgres_import_killed_mid_write_changes_nothing() {
    let Ok(url) = std::env::var("JARING_TEST_POSTGRES_URL") else {
        return; // SQLite-only run; CI sets the variable
    };
    let schema = format!("jaring_crash_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("PostgreSQL reachable");
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let started = std::cell::Cell::new(None::<Instant>);
    run_scenario(
        &database,
        || {
            jaring_store::Database::open_with(jaring_store::DatabaseOptions {
                url: url.clone(),
                pg_schema: Some(schema.clone()),
                pool_size: 2,
            })
            .unwrap()
        },
        // rows are being written once the transaction has run for a while after "importing"
        || {
            let t = started.get().unwrap_or_else(|| {
                let now = Instant::now();
                started.set(Some(now));
                now
            });
            t.elapsed() > Duration::from_millis(700)
        },
        dir.path(),
    );
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}
