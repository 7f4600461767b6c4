//! The floor SQLite itself sets under a registry load on this machine: the persons and households of a
//! registry CSV written with plain rusqlite into a fresh jaring database, with none of jaring's own work
//! on the path (no parsing, checking or merging while timed) and every shortcut jaring's first load
//! takes (foreign keys checked once at the end, secondary indexes built after the rows, a 256 MiB page
//! cache, two sorting threads). An import cannot be faster than this on the same machine, so it tells
//! how far jaring's import is from SQLite's own limit.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use jaring_domain::RegionCode;
use jaring_synth::REGISTRY_HEADERS;

/// The rows of a generated `registry.csv`, parsed before anything is timed.
pub struct FloorRows {
    /// Every data row, as text.
    pub rows: Vec<Vec<String>>,
    /// The regency of the first row.
    pub regency: RegionCode,
    nik: usize,
    kk: usize,
    name: usize,
    sex: usize,
    place: usize,
    born: usize,
    occupation: usize,
    address: usize,
    village: usize,
    desil: usize,
    mother: usize,
}

/// Reads `csv` (a `registry.csv` of `jaring generate`) into memory.
pub fn read(csv: &Path) -> Result<FloorRows> {
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
    let village = at("Kode Desa");
    let Some(regency) = rows
        .first()
        .and_then(|r| RegionCode::parse(&r[village]).ok())
        .and_then(|c| c.at_level(jaring_domain::RegionLevel::Regency))
    else {
        bail!("the first row has no village code");
    };
    Ok(FloorRows {
        rows,
        regency,
        nik: at("NIK"),
        kk: at("No KK"),
        name: at("Nama"),
        sex: at("Jenis Kelamin"),
        place: at("Tempat Lahir"),
        born: at("Tanggal Lahir"),
        occupation: at("Pekerjaan"),
        address: at("Alamat"),
        village,
        desil: at("Desil"),
        mother: at("Nama Ibu Kandung"),
    })
}

/// One person row's values, in the order of [`PERSON_COLUMNS`]: codes of the same width as jaring's
/// (the values are not what is measured).
fn person_values<'a>(
    f: &'a FloorRows,
    r: &'a [String],
    id: i64,
    household: Option<i64>,
) -> PersonRow<'a> {
    PersonRow {
        id,
        nik: (r[f.nik].len() == 16).then_some(r[f.nik].as_str()),
        household,
        village: &r[f.village],
        name: &r[f.name],
        sex: if r[f.sex].starts_with('L') { "m" } else { "f" },
        place: &r[f.place],
        born: (!r[f.born].is_empty()).then_some(r[f.born].as_str()),
        address: &r[f.address],
        occupation: &r[f.occupation],
        desil: r[f.desil].parse().ok().filter(|d| (1..=10).contains(d)),
        mother: &r[f.mother],
    }
}

/// A person row of the floor.
pub struct PersonRow<'a> {
    pub id: i64,
    pub nik: Option<&'a str>,
    pub household: Option<i64>,
    pub village: &'a str,
    pub name: &'a str,
    pub sex: &'a str,
    pub place: &'a str,
    pub born: Option<&'a str>,
    pub address: &'a str,
    pub occupation: &'a str,
    pub desil: Option<i64>,
    pub mother: &'a str,
}

/// The persons' columns both floors write, as jaring's import does.
pub const PERSON_COLUMNS: &str =
    "id, nik, household_id, village_code, name, sex, birth_place, birth_date, \
     address, relationship, marital_status, occupation, worker_category, life_status, death_date, \
     civil_servant_status, civil_servant_since, dtsen_desil, religion, education, mother_name, row_version, \
     created_at, updated_at";

impl FloorRows {
    /// Households (first row of each KK number) with their id, village and address, and every person
    /// with their household's id.
    pub fn each<'a>(
        &'a self,
        mut household: impl FnMut(i64, &'a str, &'a str, &'a str) -> Result<()>,
        mut person: impl FnMut(PersonRow<'a>) -> Result<()>,
    ) -> Result<usize> {
        let mut households: HashMap<&str, i64> = HashMap::new();
        for r in &self.rows {
            if r[self.kk].is_empty() || households.contains_key(r[self.kk].as_str()) {
                continue;
            }
            let id = households.len() as i64 + 1;
            households.insert(&r[self.kk], id);
            household(id, &r[self.kk], &r[self.village], &r[self.address])?;
        }
        for (i, r) in self.rows.iter().enumerate() {
            person(person_values(
                self,
                r,
                i as i64 + 1,
                households.get(r[self.kk].as_str()).copied(),
            ))?;
        }
        Ok(households.len())
    }
}

/// Loads the rows into a new database at `db_path`, prints the time of every phase and returns the
/// total.
pub fn write(f: &FloorRows, db_path: &Path) -> Result<Duration> {
    let regency = f.regency;
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
    // The same indexes jaring's first load builds after its rows.
    for name in jaring_store::imports::DEFERRABLE_INDEXES {
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
    let mut person_time = std::time::Duration::ZERO;
    let n_households;
    {
        let mut household = c.prepare(
            "INSERT INTO households (id, village_code, address, created_at, updated_at, row_version) \
             VALUES (?1, ?2, ?3, ?4, ?4, 1)",
        )?;
        let mut card = c.prepare(
            "INSERT INTO household_kk (household_id, no_kk, valid_from, valid_to) VALUES (?1, ?2, NULL, NULL)",
        )?;
        let mut person = c.prepare(&format!(
            "INSERT INTO persons ({PERSON_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'child', 'married', ?10, 'rentan', 'alive', NULL, \
             'none', NULL, ?11, 'catholic', 'primary', ?13, 1, ?12, ?12)"
        ))?;
        let mut first_person = None;
        n_households = f.each(
            |id, kk, village, address| {
                household.execute(rusqlite::params![id, village, address, now])?;
                card.execute(rusqlite::params![id, kk])?;
                Ok(())
            },
            |p| {
                first_person.get_or_insert_with(Instant::now);
                person.execute(rusqlite::params![
                    p.id,
                    p.nik,
                    p.household,
                    p.village,
                    p.name,
                    p.sex,
                    p.place,
                    p.born,
                    p.address,
                    p.occupation,
                    p.desil,
                    now,
                    p.mother,
                ])?;
                Ok(())
            },
        )?;
        if let Some(s) = first_person {
            person_time = s.elapsed();
        }
    }
    let households_time = t.elapsed() - person_time;
    let persons_time = person_time;

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
        n_households,
        households_time.as_secs_f64(),
        f.rows.len(),
        persons_time.as_secs_f64(),
        index_time.as_secs_f64(),
        check_time.as_secs_f64(),
        commit_time.as_secs_f64(),
        total.as_secs_f64(),
        f.rows.len() as f64 / total.as_secs_f64()
    );
    Ok(total)
}
