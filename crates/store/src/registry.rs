//! Households and persons: bulk loading, reading, and updates under optimistic locking.

use chrono::{NaiveDate, Utc};
use jaring_domain::{
    CivilServantStatus, Desil, Education, Household, HouseholdId, LifeStatus, MaritalStatus, Nik,
    Person, PersonId, RegionCode, Relationship, Religion, Sex, WorkerCategory,
};

use crate::{Backend, Conn, Database, Result, Row, StoreError, Value};

pub(crate) const PERSON_COLUMNS: &[&str] = &[
    "id",
    "nik",
    "household_id",
    "village_code",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "address",
    "relationship",
    "marital_status",
    "occupation",
    "worker_category",
    "life_status",
    "death_date",
    "civil_servant_status",
    "civil_servant_since",
    "dtsen_desil",
    "religion",
    "education",
    "mother_name",
    "row_version",
];

/// Columns of a new `households` row, in the order of [`household_values`].
pub(crate) const HOUSEHOLD_COLUMNS: &[&str] = &[
    "id",
    "village_code",
    "address",
    "created_at",
    "updated_at",
    "row_version",
];

/// A new household row: its id, village, address, and the same instant as created and updated time.
pub(crate) fn household_values(
    id: HouseholdId,
    village: RegionCode,
    address: &str,
    now: &Value,
) -> Vec<Value> {
    vec![
        Value::Int(id.0),
        Value::Text(village.to_string()),
        Value::Text(address.to_string()),
        now.clone(),
        now.clone(),
        Value::Int(1),
    ]
}

/// Parses a stored region code.
pub(crate) fn decode_region(code: &str) -> Result<RegionCode> {
    RegionCode::parse(code).map_err(|e| StoreError::Decode(format!("region code '{code}': {e}")))
}

fn decode_code<T>(value: &str, what: &str, f: fn(&str) -> Option<T>) -> Result<T> {
    f(value).ok_or_else(|| StoreError::Decode(format!("unknown {what} '{value}'")))
}

pub(crate) fn person_values(p: &Person) -> Vec<Value> {
    vec![
        Value::Int(p.id.0),
        Value::from(p.nik.map(|n| n.to_string())),
        Value::from(p.household.map(|h| h.0)),
        Value::Text(p.village.to_string()),
        Value::Text(p.name.clone()),
        Value::from(p.sex.as_code()),
        Value::Text(p.birth_place.clone()),
        Value::from(p.birth_date),
        Value::Text(p.address.clone()),
        Value::from(p.relationship.as_code()),
        Value::from(p.marital_status.as_code()),
        Value::Text(p.occupation.clone()),
        Value::from(p.worker_category.as_code()),
        Value::from(p.life_status.as_code()),
        Value::from(p.death_date),
        Value::from(p.civil_servant.as_code()),
        Value::from(p.civil_servant_since),
        Value::from(p.desil.map(|d| i64::from(d.get()))),
        Value::from(p.religion.map(|v| v.as_code())),
        Value::from(p.education.map(|v| v.as_code())),
        Value::Text(p.mother_name.clone()),
        Value::Int(p.row_version),
    ]
}

pub(crate) fn person_from_row(r: &Row) -> Result<Person> {
    let nik = r
        .opt_text(1)?
        .map(|s| Nik::parse(&s).map_err(|e| StoreError::Decode(format!("stored NIK {s}: {e}"))))
        .transpose()?;
    Ok(Person {
        id: PersonId(r.i64(0)?),
        nik,
        household: r.opt_i64(2)?.map(HouseholdId),
        village: decode_region(&r.text(3)?)?,
        name: r.text(4)?,
        sex: decode_code(&r.text(5)?, "sex", Sex::from_code)?,
        birth_place: r.text(6)?,
        birth_date: r.opt_date(7)?,
        address: r.text(8)?,
        relationship: decode_code(&r.text(9)?, "relationship", Relationship::from_code)?,
        marital_status: decode_code(&r.text(10)?, "marital status", MaritalStatus::from_code)?,
        occupation: r.text(11)?,
        worker_category: decode_code(&r.text(12)?, "worker category", WorkerCategory::from_code)?,
        life_status: decode_code(&r.text(13)?, "life status", LifeStatus::from_code)?,
        death_date: r.opt_date(14)?,
        civil_servant: decode_code(
            &r.text(15)?,
            "civil-servant status",
            CivilServantStatus::from_code,
        )?,
        civil_servant_since: r.opt_date(16)?,
        desil: r
            .opt_i64(17)?
            .map(|d| Desil::new(d).map_err(|e| StoreError::Decode(e.to_string())))
            .transpose()?,
        religion: r
            .opt_text(18)?
            .map(|v| decode_code(&v, "religion", Religion::from_code))
            .transpose()?,
        education: r
            .opt_text(19)?
            .map(|v| decode_code(&v, "education", Education::from_code))
            .transpose()?,
        mother_name: r.text(20)?,
        row_version: r.i64(21)?,
    })
}

/// Loads households and persons that carry their own ids (a generated population, a restore) in one
/// transaction. Ids must not exist yet.
pub fn bulk_load(db: &Database, households: &[Household], persons: &[Person]) -> Result<()> {
    db.transaction(|tx| {
        let now = tx.now();
        tx.insert_rows(
            "households",
            HOUSEHOLD_COLUMNS,
            households
                .iter()
                .map(|h| household_values(h.id, h.village, &h.address, &now)),
        )?;
        tx.insert_rows(
            "household_kk",
            &["household_id", "no_kk", "valid_from", "valid_to"],
            households.iter().filter_map(|h| {
                h.no_kk.map(|kk| {
                    vec![
                        Value::Int(h.id.0),
                        Value::Text(kk.to_string()),
                        Value::Null,
                        Value::Null,
                    ]
                })
            }),
        )?;
        let mut columns = PERSON_COLUMNS.to_vec();
        columns.extend(["created_at", "updated_at"]);
        tx.insert_rows(
            "persons",
            &columns,
            persons.iter().map(|p| {
                let mut v = person_values(p);
                v.extend([now.clone(), now.clone()]);
                v
            }),
        )?;
        sync_identity(tx, "households")?;
        sync_identity(tx, "persons")
    })?;
    refresh_statistics(db, &["households", "household_kk", "persons"])
}

/// After a bulk load on PostgreSQL, does now what autovacuum would do later: planner statistics, and the
/// visibility map that lets the coverage roll-up count from its covering indexes without reading rows.
/// (SQLite needs neither.)
pub fn refresh_statistics(db: &Database, tables: &[&str]) -> Result<()> {
    if db.backend() == Backend::Postgres {
        let mut conn = db.conn()?;
        for t in tables {
            conn.batch(&format!("VACUUM (ANALYZE) {t}"))?;
        }
    }
    Ok(())
}

/// After inserting explicit ids, moves PostgreSQL's identity sequence past them (SQLite does this itself).
pub(crate) fn sync_identity(tx: &mut Conn, table: &str) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        tx.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            ),
            &[],
        )?;
    }
    Ok(())
}

/// Inserts one new person; the id in `person` is ignored and the stored id returned.
pub fn insert_person(tx: &mut Conn, person: &Person) -> Result<PersonId> {
    let now = Value::Timestamp(Utc::now());
    let columns = &PERSON_COLUMNS[1..PERSON_COLUMNS.len() - 1];
    let marks: Vec<String> = (1..=columns.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO persons ({}, created_at, updated_at) VALUES ({}) RETURNING id",
        columns.join(", "),
        marks.join(", ")
    );
    let mut params = person_values(person)[1..PERSON_COLUMNS.len() - 1].to_vec();
    params.extend([now.clone(), now]);
    tx.query_i64(&sql, &params).map(PersonId)
}

/// Reads one person.
pub fn get_person(conn: &mut Conn, id: PersonId) -> Result<Person> {
    let sql = format!(
        "SELECT {} FROM persons WHERE id = $1",
        PERSON_COLUMNS.join(", ")
    );
    let row = conn
        .query_opt(&sql, &[Value::Int(id.0)])?
        .ok_or(StoreError::NotFound {
            entity: "person",
            id: id.0,
        })?;
    person_from_row(&row)
}

/// Finds a person by NIK.
pub fn find_person_by_nik(conn: &mut Conn, nik: Nik) -> Result<Option<Person>> {
    let sql = format!(
        "SELECT {} FROM persons WHERE nik = $1",
        PERSON_COLUMNS.join(", ")
    );
    conn.query_opt(&sql, &[Value::Text(nik.to_string())])?
        .map(|r| person_from_row(&r))
        .transpose()
}

/// Persons of one village, ordered by household then id.
pub fn persons_in_village(conn: &mut Conn, village: RegionCode) -> Result<Vec<Person>> {
    let sql = format!(
        "SELECT {} FROM persons WHERE village_code = $1 ORDER BY household_id, id",
        PERSON_COLUMNS.join(", ")
    );
    conn.query(&sql, &[Value::Text(village.to_string())])?
        .iter()
        .map(person_from_row)
        .collect()
}

/// Writes `person` over the stored row if and only if the stored version is still
/// `person.row_version`; returns the person with its new version. Two writers that read the same
/// version cannot both succeed: the second gets [`StoreError::Conflict`].
pub fn update_person(tx: &mut Conn, person: &Person) -> Result<Person> {
    let assignments: Vec<String> = PERSON_COLUMNS[1..PERSON_COLUMNS.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 2))
        .collect();
    let n = PERSON_COLUMNS.len();
    let sql = format!(
        "UPDATE persons SET {}, updated_at = ${}, row_version = row_version + 1 \
         WHERE id = $1 AND row_version = ${}",
        assignments.join(", "),
        n,
        n + 1
    );
    let values = person_values(person);
    let mut params = values[..n - 1].to_vec();
    params.push(Value::Timestamp(Utc::now()));
    params.push(Value::Int(person.row_version));
    if tx.execute(&sql, &params)? == 0 {
        let actual = tx
            .query_opt(
                "SELECT row_version FROM persons WHERE id = $1",
                &[Value::Int(person.id.0)],
            )?
            .ok_or(StoreError::NotFound {
                entity: "person",
                id: person.id.0,
            })?
            .i64(0)?;
        return Err(StoreError::Conflict {
            entity: "person",
            id: person.id.0,
            expected: person.row_version,
            actual,
        });
    }
    get_person(tx, person.id)
}

/// The current family-card number and the history of a household, oldest first.
pub fn kk_history(
    conn: &mut Conn,
    household: HouseholdId,
) -> Result<Vec<(String, Option<NaiveDate>)>> {
    conn.query(
        "SELECT no_kk, valid_to FROM household_kk WHERE household_id = $1 \
         ORDER BY valid_to IS NULL, valid_to",
        &[Value::Int(household.0)],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.opt_date(1)?)))
    .collect()
}

/// Gives a household a new family-card number (move, split, head's death); the old one is kept as
/// history with the date it stopped being valid.
pub fn change_kk(
    tx: &mut Conn,
    household: HouseholdId,
    new_kk: jaring_domain::NoKk,
    on: NaiveDate,
) -> Result<()> {
    // Touch the household first so a missing one is reported as such, not as a foreign-key error.
    let n = tx.execute(
        "UPDATE households SET row_version = row_version + 1, updated_at = $2 WHERE id = $1",
        &[Value::Int(household.0), Value::Timestamp(Utc::now())],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            entity: "household",
            id: household.0,
        });
    }
    tx.execute(
        "UPDATE household_kk SET valid_to = $2 WHERE household_id = $1 AND valid_to IS NULL",
        &[Value::Int(household.0), Value::Date(on)],
    )?;
    tx.execute(
        "INSERT INTO household_kk (household_id, no_kk, valid_from, valid_to) VALUES ($1, $2, $3, NULL)",
        &[Value::Int(household.0), Value::Text(new_kk.to_string()), Value::Date(on)],
    )?;
    Ok(())
}
