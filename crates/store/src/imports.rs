//! Writing an import: the `imports` journal row, registry upserts in batches, and staged external
//! records. Everything runs inside the caller's one transaction, so a crash leaves nothing behind.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use jaring_domain::{
    occupation, CivilServantStatus, ExternalRecord, HouseholdId, LifeStatus, Person, PersonId,
    RegionCode, RegistryRecord,
};
use sha2::{Digest, Sha256};

use crate::regions::seed_regions_in;
use crate::registry::{
    household_values, person_from_row, person_values, sync_identity, HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
};
use crate::{settings, Backend, Conn, Result, StoreError, Value};

/// What an import did, row by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Data rows read.
    pub rows_total: u64,
    /// New persons or staged records.
    pub inserted: u64,
    /// Existing persons changed.
    pub updated: u64,
    /// Rows that matched what the database already held.
    pub unchanged: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Rows accepted with a warning.
    pub warnings: u64,
}

impl ImportCounts {
    /// Adds another batch's counts.
    pub fn add(&mut self, o: ImportCounts) {
        self.rows_total += o.rows_total;
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.rejected += o.rejected;
        self.warnings += o.warnings;
    }
}

/// Who imported which file.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    /// List kind code.
    pub kind: String,
    /// File name as uploaded.
    pub file_name: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// Format description.
    pub format: String,
    /// Who imported it.
    pub actor: String,
}

/// Opens the journal row of an import; returns its id.
pub fn begin(tx: &mut Conn, meta: &ImportMeta) -> Result<i64> {
    tx.query_i64(
        "INSERT INTO imports (kind, file_name, sha256, format, actor, started_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        &[
            Value::from(meta.kind.as_str()),
            Value::from(meta.file_name.as_str()),
            Value::from(meta.sha256.as_str()),
            Value::from(meta.format.as_str()),
            Value::from(meta.actor.as_str()),
            Value::Timestamp(Utc::now()),
        ],
    )
}

/// Closes the journal row with the final counts.
pub fn finish(tx: &mut Conn, import_id: i64, c: &ImportCounts) -> Result<()> {
    tx.execute(
        "UPDATE imports SET finished_at = $2, rows_total = $3, inserted = $4, updated = $5, unchanged = $6, \
         rejected = $7, warnings = $8 WHERE id = $1",
        &[
            Value::Int(import_id),
            Value::Timestamp(Utc::now()),
            Value::Int(c.rows_total as i64),
            Value::Int(c.inserted as i64),
            Value::Int(c.updated as i64),
            Value::Int(c.unchanged as i64),
            Value::Int(c.rejected as i64),
            Value::Int(c.warnings as i64),
        ],
    )?;
    Ok(())
}

/// A committed import as the journal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: String,
    /// Who.
    pub actor: String,
    /// Counts.
    pub counts: ImportCounts,
}

/// The most recent imports, newest first.
pub fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<ImportRecord>> {
    conn.query(
        "SELECT id, kind, file_name, sha256, actor, rows_total, inserted, updated, unchanged, rejected, warnings \
         FROM imports ORDER BY id DESC LIMIT $1",
        &[Value::Int(limit)],
    )?
    .iter()
    .map(|r| {
        Ok(ImportRecord {
            id: r.i64(0)?,
            kind: r.text(1)?,
            file_name: r.text(2)?,
            sha256: r.text(3)?,
            actor: r.text(4)?,
            counts: ImportCounts {
                rows_total: r.i64(5)? as u64,
                inserted: r.i64(6)? as u64,
                updated: r.i64(7)? as u64,
                unchanged: r.i64(8)? as u64,
                rejected: r.i64(9)? as u64,
                warnings: r.i64(10)? as u64,
            },
        })
    })
    .collect()
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes registry rows in batches: households by KK number, persons by NIK (or, without a NIK, by
/// household + name + birth date). Holds the id counters of one import.
pub struct RegistryWriter {
    next_person: i64,
    next_household: i64,
    /// NIKs stored before or during this import, so only rows that exist are looked up.
    known_niks: HashSet<u64>,
    /// Household of every KK number stored.
    households: HashMap<u64, HouseholdId>,
    regency: Option<RegionCode>,
    seeded: HashSet<RegionCode>,
    /// Indexes dropped for a first load into empty tables, recreated by `finish` (their SQL).
    deferred_indexes: Vec<String>,
    /// Persons without a NIK this import inserted, by household, folded name and birth date, when
    /// `persons_household` is deferred and the database cannot be asked.
    loaded_without_nik: Option<HashMap<MemberKey, Person>>,
    categories: Categories,
}

/// Secondary indexes a first registry load builds once at the end instead of row by row: sorting a
/// million keys once is several times cheaper than a million B-tree inserts, and SQLite's DDL is
/// transactional, so a crash mid-import still leaves the database (indexes included) as before. Kept:
/// unique indexes (they enforce constraints while loading). `persons_household` serves the load's own
/// look-ups of members without a NIK; during a first load those are answered from memory instead.
const DEFERRABLE_INDEXES: &[&str] = &[
    "persons_coverage",
    "persons_household",
    "households_village",
];

/// Whether the registry holds no person and no household yet: a first load, which
/// [`RegistryWriter`] writes without its secondary indexes and which may run in a
/// [`crate::Database::bulk_transaction`] with foreign keys checked once at the end
/// ([`FIRST_LOAD_CHECKED_TABLES`]). Read before the transaction begins, as that choice must be; the
/// writer decides again inside it, so a race only costs speed.
pub fn registry_is_empty(db: &crate::Database) -> Result<bool> {
    let mut conn = db.conn()?;
    Ok(conn.query_i64(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM persons) OR EXISTS (SELECT 1 FROM households) \
         THEN 0 ELSE 1 END",
        &[],
    )? == 1)
}

/// Every table a registry import writes that has foreign keys.
pub const FIRST_LOAD_CHECKED_TABLES: &[&str] =
    &["regions", "households", "household_kk", "persons"];

impl RegistryWriter {
    /// Takes the write locks and reads the id counters. Call inside the import's transaction.
    pub fn new(tx: &mut Conn) -> Result<RegistryWriter> {
        if tx.backend() == Backend::Postgres {
            // One importer at a time; readers are not blocked.
            tx.batch("LOCK TABLE households, household_kk, persons IN SHARE ROW EXCLUSIVE MODE")?;
        }
        let next_person = tx.query_i64(
            "SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM persons",
            &[],
        )?;
        let next_household = tx.query_i64(
            "SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM households",
            &[],
        )?;
        let regency = settings::get(tx, "regency")?.and_then(|c| RegionCode::parse(&c).ok());
        let mut known_niks = HashSet::new();
        for row in tx.query("SELECT nik FROM persons WHERE nik IS NOT NULL", &[])? {
            if let Ok(n) = row.text(0)?.parse::<u64>() {
                known_niks.insert(n);
            }
        }
        let mut households = HashMap::new();
        for row in tx.query("SELECT no_kk, household_id FROM household_kk", &[])? {
            if let Ok(k) = row.text(0)?.parse::<u64>() {
                households.insert(k, HouseholdId(row.i64(1)?));
            }
        }
        let mut deferred_indexes = Vec::new();
        let first_load = tx.backend() == Backend::Sqlite && next_person == 1 && next_household == 1;
        if first_load {
            for name in DEFERRABLE_INDEXES {
                let sql = tx
                    .query_opt(
                        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                        &[Value::from(*name)],
                    )?
                    .map(|r| r.text(0))
                    .transpose()?;
                if let Some(sql) = sql {
                    tx.batch(&format!("DROP INDEX {name}"))?;
                    deferred_indexes.push(sql);
                }
            }
        }
        Ok(RegistryWriter {
            next_person,
            next_household,
            known_niks,
            households,
            regency,
            seeded: HashSet::new(),
            deferred_indexes,
            loaded_without_nik: first_load.then(HashMap::new),
            categories: Categories::default(),
        })
    }

    /// The regency this database serves (set by the first import if it was not yet).
    pub fn regency(&self) -> Option<RegionCode> {
        self.regency
    }

    fn ensure_regions(&mut self, tx: &mut Conn, village: RegionCode) -> Result<()> {
        let Some(regency) = village.at_level(jaring_domain::RegionLevel::Regency) else {
            return Ok(());
        };
        if self.seeded.insert(regency) {
            seed_regions_in(tx, regency)?;
            if self.regency.is_none() {
                settings::set(tx, "regency", &regency.to_string())?;
                self.regency = Some(regency);
            }
        }
        Ok(())
    }

    /// Writes one batch; NIKs must be unique within the batch (the caller removes in-file duplicates).
    pub fn write(&mut self, tx: &mut Conn, batch: &[RegistryRecord]) -> Result<ImportCounts> {
        let mut counts = ImportCounts::default();
        for r in batch {
            self.ensure_regions(tx, r.village)?;
        }
        let households = self.households(tx, batch)?;
        let existing = if self.loaded_without_nik.is_some() {
            Existing {
                by_nik: existing_by_nik(tx, batch, &self.known_niks)?,
                by_household: HashMap::new(),
            }
        } else {
            existing_persons(tx, batch, &households, &self.known_niks)?
        };
        let mut new_persons: Vec<Person> = Vec::new();
        for r in batch {
            let household = r
                .no_kk
                .and_then(|k| households.get(&k.as_number()).copied());
            let without_nik_key = match r.nik {
                Some(_) => None,
                None => household.map(|h| (h.0, jaring_domain::fold(&r.name), r.birth_date)),
            };
            let found = match (r.nik, &without_nik_key) {
                (Some(nik), _) => existing.by_nik.get(&nik.to_string()),
                (None, Some(key)) => self
                    .loaded_without_nik
                    .as_ref()
                    .unwrap_or(&existing.by_household)
                    .get(key),
                (None, None) => None,
            };
            match found {
                Some(old) => {
                    let merged = merge(old.clone(), r, household, &mut self.categories);
                    if merged == *old {
                        counts.unchanged += 1;
                    } else {
                        let stored = crate::registry::update_person(tx, &merged)?;
                        if let (Some(loaded), Some(key)) =
                            (self.loaded_without_nik.as_mut(), without_nik_key)
                        {
                            loaded.insert(key, stored);
                        }
                        counts.updated += 1;
                    }
                }
                None => {
                    if let Some(n) = r.nik {
                        self.known_niks.insert(n.as_number());
                    }
                    // Numbered in file order: person ids follow the rows of the first load.
                    new_persons.push(new_person(
                        PersonId(self.next_person),
                        r,
                        household,
                        &mut self.categories,
                    ));
                    self.next_person += 1;
                    counts.inserted += 1;
                }
            }
        }
        // Inserting in NIK order keeps the unique-NIK index's B-tree pages hot.
        new_persons.sort_by_key(|p| p.nik);
        let now = tx.now();
        let mut inserts = Vec::with_capacity(new_persons.len());
        for person in new_persons {
            let mut values = person_values(&person);
            values.extend([now.clone(), now.clone()]);
            inserts.push(values);
            if let (Some(loaded), None, Some(h)) = (
                self.loaded_without_nik.as_mut(),
                person.nik,
                person.household,
            ) {
                loaded.insert(
                    (h.0, jaring_domain::fold(&person.name), person.birth_date),
                    person,
                );
            }
        }
        let mut columns = PERSON_COLUMNS.to_vec();
        columns.extend(["created_at", "updated_at"]);
        tx.insert_rows("persons", &columns, inserts)?;
        Ok(counts)
    }

    /// Finds or creates the household of every KK number in the batch.
    fn households(
        &mut self,
        tx: &mut Conn,
        batch: &[RegistryRecord],
    ) -> Result<HashMap<u64, HouseholdId>> {
        let now = tx.now();
        let mut map = HashMap::new();
        let mut new_households = Vec::new();
        let mut new_kk = Vec::new();
        for r in batch {
            let Some(kk) = r.no_kk else { continue };
            let id = match self.households.get(&kk.as_number()) {
                Some(id) => *id,
                None => {
                    let id = HouseholdId(self.next_household);
                    self.next_household += 1;
                    self.households.insert(kk.as_number(), id);
                    new_households.push(household_values(
                        id,
                        r.village,
                        r.address.as_deref().unwrap_or_default(),
                        &now,
                    ));
                    new_kk.push(vec![
                        Value::Int(id.0),
                        Value::Text(kk.to_string()),
                        Value::Null,
                        Value::Null,
                    ]);
                    id
                }
            };
            map.insert(kk.as_number(), id);
        }
        tx.insert_rows("households", HOUSEHOLD_COLUMNS, new_households)?;
        tx.insert_rows(
            "household_kk",
            &["household_id", "no_kk", "valid_from", "valid_to"],
            new_kk,
        )?;
        Ok(map)
    }

    /// Rebuilds indexes deferred by a first load and moves PostgreSQL's id sequences past the ids this
    /// writer used. Call before committing.
    pub fn finish(self, tx: &mut Conn) -> Result<()> {
        for sql in &self.deferred_indexes {
            tx.batch(sql)?;
        }
        sync_identity(tx, "persons")?;
        sync_identity(tx, "households")
    }
}

/// How a member without a NIK is recognised: household, folded name, birth date.
type MemberKey = (i64, String, Option<chrono::NaiveDate>);

struct Existing {
    by_nik: HashMap<String, Person>,
    by_household: HashMap<MemberKey, Person>,
}

/// Stored persons with the NIKs of the batch, by NIK; only NIKs in `known_niks` are looked up.
fn existing_by_nik(
    tx: &mut Conn,
    batch: &[RegistryRecord],
    known_niks: &HashSet<u64>,
) -> Result<HashMap<String, Person>> {
    let columns = PERSON_COLUMNS.join(", ");
    let niks: Vec<String> = batch
        .iter()
        .filter_map(|r| r.nik)
        .filter(|n| known_niks.contains(&n.as_number()))
        .map(|n| n.to_string())
        .collect();
    let mut by_nik = HashMap::new();
    for chunk in niks.chunks(5_000) {
        let sql = format!(
            "SELECT {columns} FROM persons WHERE nik IN ({})",
            placeholders(1, chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|n| Value::Text(n.clone())).collect();
        for row in tx.query(&sql, &params)? {
            let p = person_from_row(&row)?;
            if let Some(n) = p.nik {
                by_nik.insert(n.to_string(), p);
            }
        }
    }
    Ok(by_nik)
}

/// Stored persons of the batch: by NIK, and those without one by household, folded name and birth
/// date.
fn existing_persons(
    tx: &mut Conn,
    batch: &[RegistryRecord],
    households: &HashMap<u64, HouseholdId>,
    known_niks: &HashSet<u64>,
) -> Result<Existing> {
    let by_nik = existing_by_nik(tx, batch, known_niks)?;
    let columns = PERSON_COLUMNS.join(", ");
    let without_nik: Vec<i64> = batch
        .iter()
        .filter(|r| r.nik.is_none())
        .filter_map(|r| {
            r.no_kk
                .and_then(|k| households.get(&k.as_number()))
                .map(|h| h.0)
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut by_household = HashMap::new();
    for chunk in without_nik.chunks(5_000) {
        let sql = format!(
            "SELECT {columns} FROM persons WHERE nik IS NULL AND household_id IN ({})",
            placeholders(1, chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|h| Value::Int(*h)).collect();
        for row in tx.query(&sql, &params)? {
            let p = person_from_row(&row)?;
            if let Some(h) = p.household {
                by_household.insert((h.0, jaring_domain::fold(&p.name), p.birth_date), p);
            }
        }
    }
    Ok(Existing {
        by_nik,
        by_household,
    })
}

/// Worker categories already worked out, by occupation as written and whether the household is in
/// deciles 1–5 (all [`occupation::worker_category`] looks at). A registry names a few dozen
/// occupations for a million persons, and folding and searching the text was a tenth of the writer's
/// time.
#[derive(Default)]
struct Categories(HashMap<String, [Option<jaring_domain::WorkerCategory>; 2]>);

impl Categories {
    fn of(&mut self, occupation: &str, desil: Option<u8>) -> jaring_domain::WorkerCategory {
        let poor = usize::from(desil.is_some_and(|d| d <= 5));
        if let Some(Some(c)) = self.0.get(occupation).map(|known| known[poor]) {
            return c;
        }
        let c = occupation::worker_category(occupation, desil);
        self.0.entry(occupation.to_string()).or_default()[poor] = Some(c);
        c
    }
}

fn apply(
    p: &mut Person,
    r: &RegistryRecord,
    household: Option<HouseholdId>,
    categories: &mut Categories,
) {
    p.nik = r.nik.or(p.nik);
    p.household = household.or(p.household);
    p.village = r.village;
    p.name = r.name.clone();
    p.sex = r.sex;
    if let Some(v) = &r.birth_place {
        p.birth_place = v.clone();
    }
    if r.birth_date.is_some() {
        p.birth_date = r.birth_date;
    }
    if let Some(v) = &r.address {
        p.address = v.clone();
    }
    if let Some(v) = r.relationship {
        p.relationship = v;
    }
    if let Some(v) = r.marital_status {
        p.marital_status = v;
    }
    if let Some(v) = &r.occupation {
        p.occupation = v.clone();
    }
    if let Some(v) = r.life_status {
        p.life_status = v;
        if v != LifeStatus::Deceased {
            p.death_date = None;
        }
    }
    if r.death_date.is_some() {
        p.death_date = r.death_date;
    }
    if let Some(v) = r.civil_servant {
        p.civil_servant = v;
    }
    if r.civil_servant_since.is_some() {
        p.civil_servant_since = r.civil_servant_since;
    }
    if r.desil.is_some() {
        p.desil = r.desil;
    }
    p.worker_category = if p.civil_servant.excludes_household()
        && p.civil_servant != CivilServantStatus::Pensioner
    {
        jaring_domain::WorkerCategory::CivilServant
    } else {
        categories.of(&p.occupation, p.desil.map(|d| d.get()))
    };
}

fn merge(
    mut p: Person,
    r: &RegistryRecord,
    household: Option<HouseholdId>,
    categories: &mut Categories,
) -> Person {
    apply(&mut p, r, household, categories);
    p
}

fn new_person(
    id: PersonId,
    r: &RegistryRecord,
    household: Option<HouseholdId>,
    categories: &mut Categories,
) -> Person {
    let mut p = Person::new(id, r.village, r.name.clone(), r.sex);
    apply(&mut p, r, household, categories);
    p
}

/// Content hash of a staged record: the same row imported again hashes the same.
pub fn record_hash(r: &ExternalRecord) -> String {
    let mut h = Sha256::new();
    let json = serde_json::to_string(r).unwrap_or_default();
    h.update(json.as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stages one batch of external records; rows already staged (same kind, same content) are unchanged.
pub fn stage(
    tx: &mut Conn,
    import_id: i64,
    batch: &[(u64, ExternalRecord)],
) -> Result<ImportCounts> {
    let mut counts = ImportCounts::default();
    if batch.is_empty() {
        return Ok(counts);
    }
    let kind = batch[0].1.kind.as_code();
    let hashes: Vec<String> = batch.iter().map(|(_, r)| record_hash(r)).collect();
    let mut seen: HashSet<String> = HashSet::new();
    for chunk in hashes.chunks(5_000) {
        let sql = format!(
            "SELECT row_hash FROM staged_records WHERE kind = $1 AND row_hash IN ({})",
            placeholders(2, chunk.len())
        );
        let mut params = vec![Value::from(kind)];
        params.extend(chunk.iter().map(|h| Value::Text(h.clone())));
        for row in tx.query(&sql, &params)? {
            seen.insert(row.text(0)?);
        }
    }
    let mut rows = Vec::new();
    for ((line, r), hash) in batch.iter().zip(hashes) {
        if !seen.insert(hash.clone()) {
            counts.unchanged += 1;
            continue;
        }
        let attributes = serde_json::to_string(&r.attributes)
            .map_err(|e| StoreError::Decode(format!("attributes: {e}")))?;
        rows.push(vec![
            Value::Int(import_id),
            Value::from(kind),
            Value::Int(*line as i64),
            Value::from(r.record_key.clone()),
            Value::from(r.nik.map(|n| n.to_string())),
            Value::Text(r.nik_raw.clone()),
            Value::from(r.nik_issue.clone()),
            Value::from(r.no_kk.map(|k| k.to_string())),
            Value::Text(r.name.clone()),
            Value::from(r.sex.map(|s| s.as_code())),
            Value::from(r.birth_date),
            Value::from(r.village.map(|v| v.to_string())),
            Value::from(r.event_date),
            Value::Text(attributes),
            Value::Text(hash),
        ]);
        counts.inserted += 1;
    }
    tx.insert_rows(
        "staged_records",
        &[
            "import_id",
            "kind",
            "source_line",
            "record_key",
            "nik",
            "nik_raw",
            "nik_issue",
            "no_kk",
            "name",
            "sex",
            "birth_date",
            "village_code",
            "event_date",
            "attributes",
            "row_hash",
        ],
        rows,
    )?;
    Ok(counts)
}

/// Number of staged records of a kind.
pub fn staged_count(conn: &mut Conn, kind: &str) -> Result<i64> {
    conn.query_i64(
        "SELECT COUNT(*) FROM staged_records WHERE kind = $1",
        &[Value::from(kind)],
    )
}

/// Counts that change whenever an import writes anything: persons, the sum of their row versions,
/// households and staged records. Equal before and after means nothing was written (crash tests use it).
pub fn registry_fingerprint(conn: &mut Conn) -> Result<(i64, i64, i64, i64)> {
    Ok((
        conn.query_i64("SELECT COUNT(*) FROM persons", &[])?,
        conn.query_i64(
            "SELECT CAST(COALESCE(SUM(row_version), 0) AS BIGINT) FROM persons",
            &[],
        )?,
        conn.query_i64("SELECT COUNT(*) FROM households", &[])?,
        conn.query_i64("SELECT COUNT(*) FROM staged_records", &[])?,
    ))
}
