//! jaring's registry import beside the floor its database sets, in one run and on the same file:
//! SQLite (plain rusqlite, [`crate::sqlite_floor`]) and, given a URL, PostgreSQL (plain `COPY`,
//! [`crate::pg_floor`]). Each pair runs back to back, floor first then import, `--repeat` times,
//! and the ratio of the medians is printed: the import issue's goal is ≥ 0.8 of the floor's speed.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use jaring_app::accounts::Principal;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_domain::ListKind;
use jaring_store::{Database, DatabaseOptions};

use crate::sqlite_floor::{self, FloorRows};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Imports `csv` into `db` as the command line does and returns the wall time.
fn import(db: &Database, csv: &Path, rows: &FloorRows, errors: &Path) -> Result<Duration> {
    let who = Principal::job(rows.regency, "bench");
    let req = ImportRequest {
        path: csv.to_path_buf(),
        file_name: None,
        kind: ListKind::Registry,
        mapping: None,
        sheet: None,
        village: None,
        error_file: Some(errors.to_path_buf()),
        today: jaring_domain::today(),
    };
    let t = Instant::now();
    let r = import_file(db, &who, &req, &NoProgress)?;
    let took = t.elapsed();
    anyhow::ensure!(
        r.counts.inserted == rows.rows.len() as u64,
        "the import took {} of {} rows: {:?}",
        r.counts.inserted,
        rows.rows.len(),
        r.rejected.first()
    );
    println!(
        "jaring import ({}): {} rows in {:.2} s = {:.0} rows/s",
        db.describe(),
        rows.rows.len(),
        took.as_secs_f64(),
        rows.rows.len() as f64 / took.as_secs_f64()
    );
    Ok(took)
}

/// Flushes a database's files to disk outside the timed part, so the next measurement does not pay
/// for the previous one's write-back.
fn settle(db_path: &Path) {
    for suffix in ["", "-wal"] {
        let p = format!("{}{suffix}", db_path.display());
        if let Ok(f) = std::fs::File::open(&p) {
            let _ = f.sync_all();
        }
    }
}

fn report(backend: &str, n: usize, floor: Vec<Duration>, jaring: Vec<Duration>) {
    let (f, j) = (median(floor), median(jaring));
    println!(
        "{backend}: floor {:.2} s ({:.0} rows/s), jaring {:.2} s ({:.0} rows/s): jaring at {:.2} of the floor (goal ≥ 0.80)",
        f.as_secs_f64(),
        n as f64 / f.as_secs_f64(),
        j.as_secs_f64(),
        n as f64 / j.as_secs_f64(),
        f.as_secs_f64() / j.as_secs_f64()
    );
}

/// Runs the pairs and prints the figures.
pub fn run(csv: &Path, postgres: Option<&str>, repeat: usize) -> Result<()> {
    let rows = sqlite_floor::read(csv)?;
    let n = rows.rows.len();
    let dir = tempfile::tempdir()?;
    let errors = dir.path().join("kesalahan.csv");
    let (mut floor, mut jaring) = (Vec::new(), Vec::new());
    for i in 0..repeat.max(1) {
        let path = dir.path().join(format!("floor{i}.db"));
        floor.push(sqlite_floor::write(&rows, &path)?);
        settle(&path);
        let path = dir.path().join(format!("jaring{i}.db"));
        let db = Database::open(&path.display().to_string())?;
        jaring.push(import(&db, csv, &rows, &errors)?);
        drop(db);
        settle(&path);
    }
    report("SQLite", n, floor, jaring);
    let Some(url) = postgres else {
        return Ok(());
    };
    let (mut floor, mut jaring) = (Vec::new(), Vec::new());
    for i in 0..repeat.max(1) {
        let open = |schema: &str| {
            Database::open_with(DatabaseOptions {
                url: url.to_string(),
                pg_schema: Some(schema.to_string()),
                pool_size: 4,
            })
        };
        let schema = format!("jaring_floor_{}_{i}", std::process::id());
        let db = open(&schema)?;
        jaring_store::regions::seed_regions(&db, rows.regency)?;
        let took = crate::pg_floor::write(&rows, url, &schema);
        db.conn()?.batch(&format!("DROP SCHEMA {schema} CASCADE"))?;
        floor.push(took?);
        let schema = format!("jaring_import_{}_{i}", std::process::id());
        let db = open(&schema)?;
        let took = import(&db, csv, &rows, &errors);
        db.conn()?.batch(&format!("DROP SCHEMA {schema} CASCADE"))?;
        jaring.push(took?);
    }
    report("PostgreSQL", n, floor, jaring);
    Ok(())
}
