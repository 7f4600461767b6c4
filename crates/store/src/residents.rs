//! Reading residents for people: search by NIK or name inside a region, a person with their household.
//! Every query takes the region scope, so callers cannot forget it.

use chrono::NaiveDate;

use crate::{Conn, Result, Row, Value};

/// One resident as shown in lists.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonSummary {
    /// Id.
    pub id: i64,
    /// NIK (unmasked: the caller masks it for roles that must not see it).
    pub nik: Option<String>,
    /// Name.
    pub name: String,
    /// `m` or `f`.
    pub sex: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Village code.
    pub village_code: String,
    /// Life status code.
    pub life_status: String,
    /// Household.
    pub household_id: Option<i64>,
    /// Relationship code.
    pub relationship: String,
    /// Occupation.
    pub occupation: String,
    /// Optimistic-lock version.
    pub row_version: i64,
}

const COLUMNS: &str = "id, nik, name, sex, birth_date, village_code, life_status, household_id, \
                       relationship, occupation, row_version";

fn summary(r: &Row) -> Result<PersonSummary> {
    Ok(PersonSummary {
        id: r.i64(0)?,
        nik: r.opt_text(1)?,
        name: r.text(2)?,
        sex: r.text(3)?,
        birth_date: r.opt_date(4)?,
        village_code: r.text(5)?,
        life_status: r.text(6)?,
        household_id: r.opt_i64(7)?,
        relationship: r.text(8)?,
        occupation: r.text(9)?,
        row_version: r.i64(10)?,
    })
}

/// Every resident's id, village, name and NIK, by village then name: what the in-memory search index
/// is built from.
pub fn search_rows(conn: &mut Conn) -> Result<Vec<SearchRow>> {
    conn.query(
        "SELECT id, village_code, name, nik FROM persons WHERE merged_into IS NULL \
         ORDER BY village_code, name, id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(SearchRow {
            id: r.i64(0)?,
            village_code: r.text(1)?,
            name: r.text(2)?,
            nik: r.opt_text(3)?,
        })
    })
    .collect()
}

/// What the search index keeps of a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRow {
    /// Id.
    pub id: i64,
    /// Village code.
    pub village_code: String,
    /// Name as stored.
    pub name: String,
    /// NIK.
    pub nik: Option<String>,
}

/// These residents (any order), if in scope. Looked up by primary key and filtered here: with a
/// region condition in SQL the planner may walk the village's rows instead of the ids.
pub fn by_ids(conn: &mut Conn, scope: &str, ids: &[i64]) -> Result<Vec<PersonSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Integers, written in: the query needs no parameters and takes one round trip.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let below = format!("{scope}.");
    conn.query_literal(&format!(
        "SELECT {COLUMNS} FROM persons WHERE id IN ({list})"
    ))?
    .iter()
    .map(summary)
    .filter(|p| {
        p.as_ref().map_or(true, |p| {
            p.village_code == scope || p.village_code.starts_with(&below)
        })
    })
    .collect()
}

/// One resident, if in scope.
pub fn get(conn: &mut Conn, scope: &str, id: i64) -> Result<Option<PersonSummary>> {
    Ok(by_ids(conn, scope, &[id])?.pop())
}

/// Members of a household (merged duplicates left out), head first.
pub fn household_members(conn: &mut Conn, household_id: i64) -> Result<Vec<PersonSummary>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM persons WHERE household_id = $1 AND merged_into IS NULL \
             ORDER BY CASE relationship WHEN 'head' THEN 0 WHEN 'husband' THEN 1 WHEN 'wife' THEN 1 ELSE 2 END, \
             birth_date, id"
        ),
        &[household_id.into()],
    )?
    .iter()
    .map(summary)
    .collect()
}

/// Name and village of each person among `ids` (one query; ids not found are left out), for lists
/// that show who an entry is about.
pub fn names(conn: &mut Conn, ids: &[i64]) -> Result<Vec<(i64, String, Option<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let params: Vec<Value> = ids.iter().map(|i| Value::Int(*i)).collect();
    conn.query(
        &format!(
            "SELECT id, name, village_code FROM persons WHERE id IN ({})",
            list.join(", ")
        ),
        &params,
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, r.text(1)?, r.opt_text(2)?)))
    .collect()
}

/// The current family-card number of a household.
pub fn current_kk(conn: &mut Conn, household_id: i64) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT no_kk FROM household_kk WHERE household_id = $1 AND valid_to IS NULL",
        &[household_id.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// A person's enrolment as shown: programme, KPJ, start, paid through, end.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolmentSummary {
    /// Programme code.
    pub programme: String,
    /// KPJ number.
    pub kpj: Option<String>,
    /// Start.
    pub start_date: Option<NaiveDate>,
    /// Last month paid.
    pub paid_through: Option<NaiveDate>,
    /// End.
    pub end_date: Option<NaiveDate>,
}

/// A person's enrolments, newest first.
pub fn enrolments(conn: &mut Conn, person_id: i64) -> Result<Vec<EnrolmentSummary>> {
    conn.query(
        "SELECT programme_code, kpj, start_date, paid_through, end_date FROM enrolments \
         WHERE person_id = $1 ORDER BY start_date DESC",
        &[person_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok(EnrolmentSummary {
            programme: r.text(0)?,
            kpj: r.opt_text(1)?,
            start_date: r.opt_date(2)?,
            paid_through: r.opt_date(3)?,
            end_date: r.opt_date(4)?,
        })
    })
    .collect()
}

/// The distinct addresses of a village's living residents (to list its hamlets).
pub fn addresses(conn: &mut Conn, village: &str) -> Result<Vec<String>> {
    conn.query(
        "SELECT DISTINCT address FROM persons WHERE village_code = $1 AND life_status = 'alive' \
         AND address <> ''",
        &[Value::from(village)],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
