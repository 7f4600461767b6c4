//! The registry half of an import: households by KK number, persons by NIK, within the importer's
//! scope. Only harmless facts about a known person are written here; what changes a person's life,
//! identity, household or village is handed back to become a reviewed proposal.

use std::collections::{HashMap, HashSet};

use jaring_domain::{
    occupation, CivilServantStatus, HouseholdId, LifeStatus, Person, PersonId, RegionCode,
    RegistryRecord,
};

use super::{placeholders, ImportCounts};
use crate::audit::AuditEntry;
use crate::regions::seed_regions_in;
use crate::registry::{
    household_values, person_from_row, person_values, sync_identity, HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
};
use crate::{settings, Backend, Conn, Result, Value};

/// Writes registry rows in batches: households by KK number, persons by NIK (or, without a NIK, by
/// household + name + birth date). Holds the id counters of one import.
pub struct RegistryWriter {
    next_person: i64,
    next_household: i64,
    /// NIKs stored before or during this import, so only rows that exist are looked up.
    known_niks: HashSet<u64>,
    /// Household of every KK number stored.
    households: HashMap<u64, (HouseholdId, RegionCode)>,
    /// Region whose persons and households this import may change (`None`: all).
    scope: Option<RegionCode>,
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
pub const DEFERRABLE_INDEXES: &[&str] = &[
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
    /// `scope` bounds what the import may change: a NIK or family card of another region is refused.
    pub fn new(tx: &mut Conn, scope: Option<RegionCode>) -> Result<RegistryWriter> {
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
        for row in tx.query(
            "SELECT k.no_kk, k.household_id, h.village_code FROM household_kk k \
             JOIN households h ON h.id = k.household_id",
            &[],
        )? {
            if let Ok(k) = row.text(0)?.parse::<u64>() {
                let village = crate::registry::decode_region(&row.text(2)?)?;
                households.insert(k, (HouseholdId(row.i64(1)?), village));
            }
        }
        let mut deferred_indexes = Vec::new();
        let first_load = next_person == 1 && next_household == 1;
        if first_load {
            // PostgreSQL's DDL is transactional too. Dropping an index locks its table against
            // readers until the load commits; on a first load there is nothing yet to read.
            let definition = match tx.backend() {
                Backend::Sqlite => "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                Backend::Postgres => {
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
                }
            };
            for name in DEFERRABLE_INDEXES {
                let sql = tx
                    .query_opt(definition, &[Value::from(*name)])?
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
            scope,
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
    ///
    /// New persons and households are inserted, each with an audit entry. A known person's harmless
    /// fields (birth place, address, relationship, marital status, occupation) change at once, one audit entry per
    /// field; every other change is handed back as [`Held`] for the caller to turn into a reviewed
    /// proposal, so a death, an appointment or a move takes the same road whatever its source. Rows
    /// naming a person or family card outside the writer's scope are handed back as [`Refused`] and
    /// write nothing.
    pub fn write(
        &mut self,
        tx: &mut Conn,
        batch: &[RegistryRecord],
        origin: &WriteOrigin<'_>,
    ) -> Result<WriteOutcome> {
        let mut out = WriteOutcome::default();
        for r in batch {
            self.ensure_regions(tx, r.village)?;
        }
        let by_nik = existing_by_nik(tx, batch, &self.known_niks)?;
        let mut refused: HashMap<usize, Refusal> = HashMap::new();
        for (i, r) in batch.iter().enumerate() {
            if let Some(refusal) = self.refusal(r, r.nik.and_then(|n| by_nik.get(&n.to_string()))) {
                refused.insert(i, refusal);
            }
        }
        let accepted: Vec<&RegistryRecord> = batch
            .iter()
            .enumerate()
            .filter(|(i, _)| !refused.contains_key(i))
            .map(|(_, r)| r)
            .collect();
        let households = self.households(tx, &accepted, origin, &mut out.audit)?;
        let existing = if self.loaded_without_nik.is_some() {
            Existing {
                by_nik,
                by_household: HashMap::new(),
            }
        } else {
            Existing {
                by_nik,
                by_household: existing_without_nik(tx, &accepted, &households)?,
            }
        };
        let mut new_persons: Vec<Person> = Vec::new();
        for (i, r) in batch.iter().enumerate() {
            if refused.contains_key(&i) {
                continue;
            }
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
            }
            .cloned();
            match found {
                Some(old) => {
                    if let Some(refusal) = self.refusal(r, Some(&old)) {
                        refused.insert(i, refusal);
                        continue;
                    }
                    let line = origin.lines.get(i).copied().unwrap_or_default();
                    let stored =
                        self.update_known(tx, &old, r, household, line, origin, &mut out)?;
                    if let (Some(loaded), Some(key)) =
                        (self.loaded_without_nik.as_mut(), without_nik_key)
                    {
                        loaded.insert(key, stored);
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
                    out.counts.inserted += 1;
                }
            }
        }
        // Inserting in NIK order keeps the unique-NIK index's B-tree pages hot.
        new_persons.sort_by_key(|p| p.nik);
        let now = tx.now();
        let mut inserts = Vec::with_capacity(new_persons.len());
        for person in new_persons {
            let mut values = person_values(&person);
            out.audit.push(insert_entry(&person, &values, origin));
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
        let mut refused: Vec<(usize, Refusal)> = refused.into_iter().collect();
        refused.sort_by_key(|(i, _)| *i);
        out.refused = refused;
        Ok(out)
    }

    /// Whether the row may not be written: its NIK or family card belongs outside the scope. (A row
    /// marking a known living person deceased is held back for review like any death; without a
    /// date its other fields are still written and the death waits for a report with its date.)
    fn refusal(&self, r: &RegistryRecord, old: Option<&Person>) -> Option<Refusal> {
        let in_scope = |v: RegionCode| self.scope.is_none_or(|s| s.contains(v));
        if let Some(old) = old {
            if !in_scope(old.village) {
                let household = r
                    .no_kk
                    .and_then(|k| self.households.get(&k.as_number()))
                    .filter(|(_, v)| in_scope(*v))
                    .map(|(h, _)| *h);
                return Some(Refusal::PersonOutsideScope {
                    person: old.id,
                    from: old.village,
                    to: r.village,
                    household,
                });
            }
        }
        let kk_village = r
            .no_kk
            .and_then(|k| self.households.get(&k.as_number()))
            .map(|(_, v)| *v);
        if kk_village.is_some_and(|v| !in_scope(v)) {
            return Some(Refusal::HouseholdOutsideScope);
        }
        None
    }

    /// Applies the harmless part of a row to a known person (audited field by field) and hands the
    /// rest back for review; returns the person as stored now.
    #[allow(clippy::too_many_arguments)]
    fn update_known(
        &mut self,
        tx: &mut Conn,
        old: &Person,
        r: &RegistryRecord,
        household: Option<HouseholdId>,
        line: u64,
        origin: &WriteOrigin<'_>,
        out: &mut WriteOutcome,
    ) -> Result<Person> {
        let wanted = merge(old.clone(), r, household, &mut self.categories);
        if wanted == *old {
            out.counts.unchanged += 1;
            return Ok(old.clone());
        }
        let mut now = old.clone();
        now.birth_place = wanted.birth_place.clone();
        now.address = wanted.address.clone();
        now.relationship = wanted.relationship;
        now.marital_status = wanted.marital_status;
        now.religion = wanted.religion;
        now.education = wanted.education;
        now.mother_name = wanted.mother_name.clone();
        now.occupation = wanted.occupation.clone();
        now.worker_category = category(&now, &mut self.categories);
        let applied = field_diff(old, &now);
        let held = field_diff(&now, &wanted);
        let stored = if applied.is_empty() {
            old.clone()
        } else {
            out.counts.updated += 1;
            let reason = format!("import #{} baris/line {line}", origin.import_id);
            for (field, before, after) in &applied {
                out.audit.push(AuditEntry {
                    actor: origin.actor.to_string(),
                    action: "person.update".into(),
                    entity: "person".into(),
                    entity_id: Some(old.id.0),
                    village_code: Some(old.village.to_string()),
                    person_id: Some(old.id.0),
                    before: Some(serde_json::json!({ *field: before }).to_string()),
                    after: Some(serde_json::json!({ *field: after }).to_string()),
                    reason: Some(reason.clone()),
                });
            }
            crate::registry::update_person(tx, &now)?
        };
        if held.is_empty() {
            if applied.is_empty() {
                out.counts.unchanged += 1;
            }
        } else {
            out.held.push(Held {
                line,
                person: stored.clone(),
                wanted,
                fields: held,
            });
        }
        Ok(stored)
    }

    /// Finds or creates the household of every KK number in the batch.
    fn households(
        &mut self,
        tx: &mut Conn,
        batch: &[&RegistryRecord],
        origin: &WriteOrigin<'_>,
        audit: &mut Vec<AuditEntry>,
    ) -> Result<HashMap<u64, HouseholdId>> {
        let now = tx.now();
        let mut map = HashMap::new();
        let mut new_households = Vec::new();
        let mut new_kk = Vec::new();
        for r in batch {
            let Some(kk) = r.no_kk else { continue };
            let id = match self.households.get(&kk.as_number()) {
                Some((id, _)) => *id,
                None => {
                    let id = HouseholdId(self.next_household);
                    self.next_household += 1;
                    self.households.insert(kk.as_number(), (id, r.village));
                    audit.push(AuditEntry {
                        actor: origin.actor.to_string(),
                        action: "household.insert".into(),
                        entity: "household".into(),
                        entity_id: Some(id.0),
                        village_code: Some(r.village.to_string()),
                        person_id: None,
                        before: None,
                        after: Some(
                            serde_json::json!({
                                "no_kk": kk.to_string(),
                                "village_code": r.village.to_string(),
                                "address": r.address,
                            })
                            .to_string(),
                        ),
                        reason: Some(format!("import #{}", origin.import_id)),
                    });
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

/// Stored persons without a NIK of the batch's households, by household, folded name and birth date.
fn existing_without_nik(
    tx: &mut Conn,
    batch: &[&RegistryRecord],
    households: &HashMap<u64, HouseholdId>,
) -> Result<HashMap<MemberKey, Person>> {
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
    Ok(by_household)
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
    if r.religion.is_some() {
        p.religion = r.religion;
    }
    if r.education.is_some() {
        p.education = r.education;
    }
    if let Some(v) = &r.mother_name {
        p.mother_name = v.clone();
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
    p.worker_category = category(p, categories);
}

/// A person's worker category from their civil-servant status, occupation and decile.
fn category(p: &Person, categories: &mut Categories) -> jaring_domain::WorkerCategory {
    if p.civil_servant.excludes_household() && p.civil_servant != CivilServantStatus::Pensioner {
        jaring_domain::WorkerCategory::CivilServant
    } else {
        categories.of(&p.occupation, p.desil.map(|d| d.get()))
    }
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

/// Where a batch comes from, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct WriteOrigin<'a> {
    /// The import's journal id.
    pub import_id: i64,
    /// Who imports.
    pub actor: &'a str,
    /// The file line of each row of the batch, in the batch's order.
    pub lines: &'a [u64],
}

/// Why a row was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The NIK belongs to a person of a region outside the importer's scope; `to` is the village the
    /// row names and `household` the row's family card's household when that lies inside the scope.
    PersonOutsideScope {
        /// The person.
        person: PersonId,
        /// Where they are registered.
        from: RegionCode,
        /// Where the row puts them.
        to: RegionCode,
        /// The household the row puts them in, if it exists inside the scope.
        household: Option<HouseholdId>,
    },
    /// The family card belongs to a household outside the importer's scope.
    HouseholdOutsideScope,
}

/// A change to a known person that waits for review.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// File line.
    pub line: u64,
    /// The person as stored now.
    pub person: Person,
    /// The person as the row would have them.
    pub wanted: Person,
    /// Field, stored value, value the row asks for.
    pub fields: Vec<FieldChange>,
}

/// One field's change: name, before, after (canonical text, as proposals hold them).
pub type FieldChange = (&'static str, Option<String>, Option<String>);

/// What one batch did.
#[derive(Debug, Default)]
pub struct WriteOutcome {
    /// Counts of the rows written (refused and held rows are the caller's to count).
    pub counts: ImportCounts,
    /// Rows not written, by their index in the batch.
    pub refused: Vec<(usize, Refusal)>,
    /// Changes for review.
    pub held: Vec<Held>,
    /// Audit entries for what was written, to append in the same transaction.
    pub audit: Vec<AuditEntry>,
}

/// The fields in which two versions of a person differ (id and row version aside).
pub fn field_diff(a: &Person, b: &Person) -> Vec<FieldChange> {
    let (va, vb) = (person_values(a), person_values(b));
    PERSON_COLUMNS
        .iter()
        .zip(va.iter().zip(vb.iter()))
        .filter(|(c, _)| **c != "id" && **c != "row_version")
        .filter_map(|(c, (x, y))| {
            let (x, y) = (crate::review::canonical(x), crate::review::canonical(y));
            (x != y).then_some((*c, x, y))
        })
        .collect()
}

/// The audit entry of a new person: every field that has a value.
fn insert_entry(p: &Person, values: &[Value], origin: &WriteOrigin<'_>) -> AuditEntry {
    /// The fields with a value, as one JSON object, written straight from the row's values.
    struct Fields<'a>(&'a [Value]);
    impl serde::Serialize for Fields<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_map(
                PERSON_COLUMNS
                    .iter()
                    .zip(self.0)
                    .filter(|(c, _)| **c != "id" && **c != "row_version")
                    .filter_map(|(c, v)| {
                        crate::review::canonical(v)
                            .filter(|s| !s.is_empty())
                            .map(|s| (*c, s))
                    }),
            )
        }
    }
    AuditEntry {
        actor: origin.actor.to_string(),
        action: "person.insert".into(),
        entity: "person".into(),
        entity_id: Some(p.id.0),
        village_code: Some(p.village.to_string()),
        person_id: Some(p.id.0),
        before: None,
        after: serde_json::to_string(&Fields(values)).ok(),
        reason: Some(format!("import #{}", origin.import_id)),
    }
}
