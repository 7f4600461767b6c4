//! The floor SQLite itself sets under a registry load on this machine: the persons and households of a
//! registry CSV written with plain rusqlite into a fresh jaring database, with none of jaring's own work
//! on the path (no parsing, checking or merging while timed) and every shortcut jaring's first load
//! takes (foreign keys checked once at the end, secondary indexes built after the rows, a 256 MiB page
//! cache, two sorting threads). An import cannot be faster than this on the same machine, so it tells
//! how far jaring's import is from SQLite's own limit.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use jaring_domain::RegionCode;
use jaring_synth::REGISTRY_HEADERS;

/// Loads `csv` into a new database at `db_path` and prints the time of every phase.
pub fn run(csv: &Path, db_path: &Path) -> Result<()> {
    let mut reader = csv::Reader::from_path(csv).with_context(|| csv.display().to_string())?;
    if reader
        .headers()?
        .iter()
        .ne(REGISTRY_HEADERS.iter().copied())
    {
        bail!(
            "{} is not a registry.csv of `jaring generate`",
            csv.display()
        );
    }
    // Where a column is in every row.
    let at = |name: &str| {
        REGISTRY_HEADERS
            .iter()
            .position(|h| *h == name)
            .unwrap_or(0)
    };
    let (nik, kk, name, sex, place, born) = (
        at("NIK"),
        at("No KK"),
        at("Nama"),
        at("Jenis Kelamin"),
        at("Tempat Lahir"),
        at("Tanggal Lahir"),
    );
    let (occupation, address, village, desil) =
        (at("Pekerjaan"), at("Alamat"), at("Kode Desa"), at("Desil"));
    let t = Instant::now();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        rows.push(record?.iter().map(str::to_string).collect());
    }
    println!(
        "read {} rows in {:.2} s (not counted)",
        rows.len(),
        t.elapsed().as_secs_f64()
    );
    let Some(regency) = rows
        .first()
        .and_then(|r| RegionCode::parse(&r[village]).ok())
        .and_then(|c| c.at_level(jaring_domain::RegionLevel::Regency))
    else {
        bail!("the first row has no village code");
    };

    // Schema and regions the way jaring makes them.
    if db_path.exists() {
        bail!(
            "{} exists; the floor is measured on a new database",
            db_path.display()
        );
    }
    let db = jaring_store::Database::open(&db_path.display().to_string())?;
    jaring_store::regions::seed_regions(&db, regency)?;
    drop(db);

    let c = rusqlite::Connection::open(db_path)?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA threads = 2;",
    )?;
    let all = Instant::now();
    c.execute_batch("BEGIN IMMEDIATE")?;
    let mut deferred = Vec::new();
    for name in [
        "persons_coverage",
        "persons_household",
        "households_village",
    ] {
        let sql: String = c.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
            [name],
            |r| r.get(0),
        )?;
        c.execute_batch(&format!("DROP INDEX {name}"))?;
        deferred.push(sql);
    }
    let now = "2026-12-01T00:00:00.000000Z";

    let t = Instant::now();
    let mut households: HashMap<&str, i64> = HashMap::new();
    {
        let mut household = c.prepare(
            "INSERT INTO households (id, village_code, address, created_at, updated_at, row_version) \
             VALUES (?1, ?2, ?3, ?4, ?4, 1)",
        )?;
        let mut card = c.prepare(
            "INSERT INTO household_kk (household_id, no_kk, valid_from, valid_to) VALUES (?1, ?2, NULL, NULL)",
        )?;
        for r in &rows {
            if r[kk].is_empty() || households.contains_key(r[kk].as_str()) {
                continue;
            }
            let id = households.len() as i64 + 1;
            households.insert(&r[kk], id);
            household.execute(rusqlite::params![id, r[village], r[address], now])?;
            card.execute(rusqlite::params![id, r[kk]])?;
        }
    }
    let households_time = t.elapsed();

    let t = Instant::now();
    {
        let mut person = c.prepare(
            "INSERT INTO persons (id, nik, household_id, village_code, name, sex, birth_place, birth_date, \
             address, relationship, marital_status, occupation, worker_category, life_status, death_date, \
             civil_servant_status, civil_servant_since, dtsen_desil, row_version, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, 'none', NULL, ?15, 1, ?16, ?16)",
        )?;
        for (i, r) in rows.iter().enumerate() {
            let nik_text = (r[nik].len() == 16).then_some(r[nik].as_str());
            let sex_code = if r[sex].starts_with('L') { "m" } else { "f" };
            let birth_date = (!r[born].is_empty()).then_some(r[born].as_str());
            let decile: Option<i64> = r[desil].parse().ok().filter(|d| (1..=10).contains(d));
            // Codes of the same width as jaring's; the values are not what is measured.
            person.execute(rusqlite::params![
                i as i64 + 1,
                nik_text,
                households.get(r[kk].as_str()),
                r[village],
                r[name],
                sex_code,
                r[place],
                birth_date,
                r[address],
                "child",
                "married",
                r[occupation],
                "rentan",
                "alive",
                decile,
                now,
            ])?;
        }
    }
    let persons_time = t.elapsed();

    let t = Instant::now();
    for sql in &deferred {
        c.execute_batch(sql)?;
    }
    let index_time = t.elapsed();

    let t = Instant::now();
    for table in ["regions", "households", "household_kk", "persons"] {
        let violations: i64 = c.query_row(
            &format!("SELECT COUNT(*) FROM pragma_foreign_key_check('{table}')"),
            [],
            |r| r.get(0),
        )?;
        if violations > 0 {
            bail!("{violations} foreign-key violations in {table}");
        }
    }
    let check_time = t.elapsed();

    let t = Instant::now();
    c.execute_batch("COMMIT")?;
    drop(c);
    let commit_time = t.elapsed();
    let total = all.elapsed();
    println!(
        "sqlite floor: {} households {:.2} s; {} persons {:.2} s; indexes {:.2} s; foreign-key check {:.2} s; \
         commit and checkpoint {:.2} s; total {:.2} s = {:.0} rows/s",
        households.len(),
        households_time.as_secs_f64(),
        rows.len(),
        persons_time.as_secs_f64(),
        index_time.as_secs_f64(),
        check_time.as_secs_f64(),
        commit_time.as_secs_f64(),
        total.as_secs_f64(),
        rows.len() as f64 / total.as_secs_f64()
    );
    Ok(())
}
