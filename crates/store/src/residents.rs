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

/// `(village_code = $a OR village_code LIKE $b)` and its two parameters, numbered from `first`.
pub fn scope_condition(scope: &str, first: usize) -> (String, Vec<Value>) {
    (
        format!(
            "(village_code = ${} OR village_code LIKE ${})",
            first,
            first + 1
        ),
        vec![scope.into(), format!("{scope}.%").into()],
    )
}

/// Residents in scope whose NIK starts with `digits`, by NIK.
pub fn by_nik_prefix(
    conn: &mut Conn,
    scope: &str,
    digits: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<PersonSummary>> {
    let (cond, mut params) = scope_condition(scope, 1);
    params.push(format!("{digits}%").into());
    params.push(limit.into());
    params.push(offset.into());
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM persons WHERE {cond} AND merged_into IS NULL AND nik LIKE $3 \
             ORDER BY nik LIMIT $4 OFFSET $5"
        ),
        &params,
    )?
    .iter()
    .map(summary)
    .collect()
}

/// Residents in scope whose lower-cased name contains every one of `words`, by name.
pub fn by_name_words(
    conn: &mut Conn,
    scope: &str,
    words: &[String],
    limit: i64,
    offset: i64,
) -> Result<Vec<PersonSummary>> {
    let (cond, mut params) = scope_condition(scope, 1);
    let mut sql = format!("SELECT {COLUMNS} FROM persons WHERE {cond} AND merged_into IS NULL");
    for w in words {
        params.push(format!("%{w}%").into());
        sql.push_str(&format!(" AND LOWER(name) LIKE ${}", params.len()));
    }
    params.push(limit.into());
    sql.push_str(&format!(" ORDER BY name, id LIMIT ${}", params.len()));
    params.push(offset.into());
    sql.push_str(&format!(" OFFSET ${}", params.len()));
    conn.query(&sql, &params)?.iter().map(summary).collect()
}

/// Every (id, name) in scope, for fuzzy matching in memory when the exact search finds too little.
pub fn names_in_scope(conn: &mut Conn, scope: &str) -> Result<Vec<(i64, String)>> {
    let (cond, params) = scope_condition(scope, 1);
    conn.query(
        &format!("SELECT id, name FROM persons WHERE {cond} AND merged_into IS NULL"),
        &params,
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, r.text(1)?)))
    .collect()
}

/// These residents (any order), if in scope.
pub fn by_ids(conn: &mut Conn, scope: &str, ids: &[i64]) -> Result<Vec<PersonSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, params) = scope_condition(scope, 1);
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    conn.query(
        &format!("SELECT {COLUMNS} FROM persons WHERE {cond} AND id IN ({list})"),
        &params,
    )?
    .iter()
    .map(summary)
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

/// A benefit claim as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimSummary {
    /// Claim id.
    pub id: i64,
    /// Person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Their village.
    pub village_code: String,
    /// `jkm` or `jkk`.
    pub kind: String,
    /// Date of death or accident.
    pub event_date: Option<NaiveDate>,
    /// Status code.
    pub status: String,
}

/// Claims of persons in scope, newest event first.
pub fn claims(conn: &mut Conn, scope: &str, limit: i64, offset: i64) -> Result<Vec<ClaimSummary>> {
    let (cond, mut params) = scope_condition(scope, 1);
    let cond = cond.replace("village_code", "p.village_code");
    params.push(limit.into());
    params.push(offset.into());
    conn.query(
        &format!(
            "SELECT c.id, c.person_id, p.name, p.village_code, c.kind, c.event_date, c.status \
             FROM claims c JOIN persons p ON p.id = c.person_id WHERE {cond} \
             ORDER BY c.event_date DESC, c.id DESC LIMIT $3 OFFSET $4"
        ),
        &params,
    )?
    .iter()
    .map(|r| {
        Ok(ClaimSummary {
            id: r.i64(0)?,
            person_id: r.i64(1)?,
            name: r.text(2)?,
            village_code: r.text(3)?,
            kind: r.text(4)?,
            event_date: r.opt_date(5)?,
            status: r.text(6)?,
        })
    })
    .collect()
}
