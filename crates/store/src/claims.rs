//! Benefit claims: the row, its heirs, status changes under optimistic locking, and totals of what was
//! paid. The rules (who may, what is owed) live in the app and domain crates.

use chrono::NaiveDate;

use crate::{Conn, Result, Row, StoreError, Value};

/// A claim with the person it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRow {
    /// Id.
    pub id: i64,
    /// Person.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Their village.
    pub village_code: String,
    /// The enrolment that covered the event, when known.
    pub enrolment_id: Option<i64>,
    /// `jkm` or `jkk`.
    pub kind: String,
    /// Benefit case code (`jkm_death`, `jkk_death`, `jkk_stmb`).
    pub case: String,
    /// Date of death or accident.
    pub event_date: Option<NaiveDate>,
    /// `candidate`, `submitted`, `verified`, `paid`, `rejected`.
    pub status: String,
    /// Reported wage.
    pub wage: Option<i64>,
    /// Days unable to work.
    pub days_off: Option<i64>,
    /// Months of contributions before the event.
    pub contribution_months: Option<i64>,
    /// JSON list of children's school levels.
    pub children: Option<String>,
    /// JSON list of document codes received.
    pub documents: Option<String>,
    /// JSON of the computed benefit.
    pub benefit: Option<String>,
    /// Amount owed (when verified).
    pub amount: Option<i64>,
    /// Dates of the steps.
    pub submitted_on: Option<NaiveDate>,
    /// Verified.
    pub verified_on: Option<NaiveDate>,
    /// Paid.
    pub paid_on: Option<NaiveDate>,
    /// Rejected.
    pub rejected_on: Option<NaiveDate>,
    /// Why rejected.
    pub reason: Option<String>,
    /// Optimistic-lock version.
    pub row_version: i64,
}

const COLUMNS: &str = "c.id, c.person_id, p.name, p.village_code, c.enrolment_id, c.kind, \
     c.benefit_case, c.event_date, c.status, c.wage, c.days_off, c.contribution_months, c.children, \
     c.documents, c.benefit, c.amount, c.submitted_on, c.verified_on, c.paid_on, c.rejected_on, \
     c.reason, c.row_version";

fn claim(r: &Row) -> Result<ClaimRow> {
    Ok(ClaimRow {
        id: r.i64(0)?,
        person_id: r.i64(1)?,
        person_name: r.text(2)?,
        village_code: r.text(3)?,
        enrolment_id: r.opt_i64(4)?,
        kind: r.text(5)?,
        case: r.opt_text(6)?.unwrap_or_else(|| "jkm_death".into()),
        event_date: r.opt_date(7)?,
        status: r.text(8)?,
        wage: r.opt_i64(9)?,
        days_off: r.opt_i64(10)?,
        contribution_months: r.opt_i64(11)?,
        children: r.opt_text(12)?,
        documents: r.opt_text(13)?,
        benefit: r.opt_text(14)?,
        amount: r.opt_i64(15)?,
        submitted_on: r.opt_date(16)?,
        verified_on: r.opt_date(17)?,
        paid_on: r.opt_date(18)?,
        rejected_on: r.opt_date(19)?,
        reason: r.opt_text(20)?,
        row_version: r.i64(21)?,
    })
}

/// One claim.
pub fn get(conn: &mut Conn, id: i64) -> Result<Option<ClaimRow>> {
    conn.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM claims c JOIN persons p ON p.id = c.person_id WHERE c.id = $1"
        ),
        &[id.into()],
    )?
    .map(|r| claim(&r))
    .transpose()
}

/// Claims of villages whose code starts with `village_prefix` (all when empty), newest event first.
pub fn list(conn: &mut Conn, village_prefix: &str, status: Option<&str>) -> Result<Vec<ClaimRow>> {
    let mut params: Vec<Value> = vec![format!("{village_prefix}%").into()];
    let mut sql = format!(
        "SELECT {COLUMNS} FROM claims c JOIN persons p ON p.id = c.person_id WHERE p.village_code LIKE $1"
    );
    if let Some(s) = status {
        params.push(s.into());
        sql.push_str(" AND c.status = $2");
    }
    sql.push_str(" ORDER BY c.event_date DESC, c.id DESC");
    conn.query(&sql, &params)?.iter().map(claim).collect()
}

/// A new claim.
#[derive(Debug, Clone)]
pub struct NewClaim {
    /// Person.
    pub person_id: i64,
    /// Covering enrolment.
    pub enrolment_id: Option<i64>,
    /// `jkm` or `jkk`.
    pub kind: String,
    /// Case code.
    pub case: String,
    /// Event date.
    pub event_date: NaiveDate,
    /// Reported wage.
    pub wage: Option<i64>,
    /// Days off.
    pub days_off: Option<i64>,
}

/// Stores a candidate claim.
pub fn insert(tx: &mut Conn, c: &NewClaim) -> Result<i64> {
    let now = tx.now();
    let rows = tx.query(
        "INSERT INTO claims (person_id, enrolment_id, kind, benefit_case, event_date, status, wage, \
         days_off, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'candidate', $6, $7, $8, $8) \
         RETURNING id",
        &[
            c.person_id.into(),
            c.enrolment_id.into(),
            c.kind.as_str().into(),
            c.case.as_str().into(),
            c.event_date.into(),
            c.wage.into(),
            c.days_off.into(),
            now,
        ],
    )?;
    rows.first()
        .ok_or_else(|| StoreError::Decode("insert returned no id".into()))?
        .i64(0)
}

/// Sets columns of a claim if it still has `expected_version`; returns the row after.
pub fn update(
    tx: &mut Conn,
    id: i64,
    expected_version: i64,
    set: &[(&str, Value)],
) -> Result<ClaimRow> {
    let mut params: Vec<Value> = Vec::new();
    let mut assignments = Vec::new();
    for (column, value) in set {
        params.push(value.clone());
        assignments.push(format!("{column} = ${}", params.len()));
    }
    params.push(tx.now());
    assignments.push(format!("updated_at = ${}", params.len()));
    params.push(id.into());
    let id_param = params.len();
    params.push(expected_version.into());
    let n = tx.execute(
        &format!(
            "UPDATE claims SET {}, row_version = row_version + 1 WHERE id = ${id_param} \
             AND row_version = ${}",
            assignments.join(", "),
            params.len()
        ),
        &params,
    )?;
    let row = get(tx, id)?.ok_or(StoreError::NotFound {
        entity: "claim",
        id,
    })?;
    if n == 0 {
        return Err(StoreError::Conflict {
            entity: "claim",
            id,
            expected: expected_version,
            actual: row.row_version,
        });
    }
    Ok(row)
}

/// An heir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heir {
    /// Name.
    pub name: String,
    /// NIK.
    pub nik: Option<String>,
    /// `spouse`, `child`, `parent` or `other`.
    pub relationship: String,
}

/// Adds an heir.
pub fn add_heir(tx: &mut Conn, claim_id: i64, h: &Heir) -> Result<()> {
    tx.execute(
        "INSERT INTO claim_heirs (claim_id, name, nik, relationship) VALUES ($1, $2, $3, $4)",
        &[
            claim_id.into(),
            h.name.as_str().into(),
            h.nik.clone().into(),
            h.relationship.as_str().into(),
        ],
    )?;
    Ok(())
}

/// A claim's heirs in the order added.
pub fn heirs(conn: &mut Conn, claim_id: i64) -> Result<Vec<Heir>> {
    conn.query(
        "SELECT name, nik, relationship FROM claim_heirs WHERE claim_id = $1 ORDER BY id",
        &[claim_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok(Heir {
            name: r.text(0)?,
            nik: r.opt_text(1)?,
            relationship: r.text(2)?,
        })
    })
    .collect()
}

/// Paid claims per month of payment and village: (month `YYYY-MM`, village, count, Rupiah).
pub fn paid_totals(
    conn: &mut Conn,
    village_prefix: &str,
) -> Result<Vec<(String, String, i64, i64)>> {
    let rows = conn.query(
        "SELECT c.paid_on, p.village_code, c.amount FROM claims c JOIN persons p ON p.id = c.person_id \
         WHERE c.status = 'paid' AND p.village_code LIKE $1",
        &[format!("{village_prefix}%").into()],
    )?;
    let mut totals: std::collections::BTreeMap<(String, String), (i64, i64)> = Default::default();
    for r in rows {
        let month = r
            .opt_date(0)?
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_default();
        let e = totals.entry((month, r.text(1)?)).or_default();
        e.0 += 1;
        e.1 += r.opt_i64(2)?.unwrap_or(0);
    }
    Ok(totals
        .into_iter()
        .map(|((m, v), (n, sum))| (m, v, n, sum))
        .collect())
}
