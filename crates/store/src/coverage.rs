//! Coverage counts per village (the rest rolls up by summing), snapshots, official denominators,
//! programmes, and the per-person facts eligibility rules are evaluated on.
//!
//! Definitions (DOMAIN.md §3.4, PRODUCT.md §6), for a month M:
//! - **active member**: an enrolment that started by the end of M, had not ended before M began, and is
//!   paid through M or within the grace period before it (paid through M − grace);
//! - **default denominator**: residents alive during M (not moved out, not merged duplicates), aged
//!   15–64 at the end of M, who are not ASN/PPPK/TNI/Polri or pensioners.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};

use crate::{Conn, Result, Row, Value};

/// One village's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageCount {
    /// Village code.
    pub code: String,
    /// Active members living in the village.
    pub numerator: i64,
    /// Default denominator.
    pub denominator: i64,
}

fn month_bounds(month: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(month.year(), month.month(), 1).unwrap_or(month);
    let end = start
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start);
    (start, end)
}

/// The month's bounds and the cut-offs the counts use.
struct Window {
    start: NaiveDate,
    end: NaiveDate,
    paid_since: NaiveDate,
    oldest: NaiveDate,
    youngest: NaiveDate,
}

fn window(month: NaiveDate, grace_months: u32) -> Window {
    let (start, end) = month_bounds(month);
    Window {
        start,
        end,
        paid_since: start
            .checked_sub_months(Months::new(grace_months))
            .unwrap_or(start),
        oldest: end.checked_sub_months(Months::new(65 * 12)).unwrap_or(end),
        youngest: end.checked_sub_months(Months::new(15 * 12)).unwrap_or(end),
    }
}

fn counts_by_village(rows: Vec<Row>) -> Result<HashMap<String, i64>> {
    rows.iter().map(|r| Ok((r.text(0)?, r.i64(1)?))).collect()
}

/// Default denominator per village under `prefix` (an index-only scan of `persons_coverage`).
pub fn village_denominators(
    conn: &mut Conn,
    prefix: &str,
    month: NaiveDate,
) -> Result<HashMap<String, i64>> {
    let w = window(month, 0);
    counts_by_village(conn.query(
        "SELECT village_code, COUNT(*) FROM persons \
         WHERE village_code LIKE $1 AND merged_into IS NULL \
           AND (life_status = 'alive' OR (life_status = 'deceased' AND death_date > $2)) \
           AND birth_date <= $3 AND birth_date > $4 \
           AND civil_servant_status NOT IN ('pns', 'pppk', 'tni', 'polri', 'pensioner') \
         GROUP BY village_code",
        &[
            Value::Text(format!("{prefix}%")),
            Value::Date(w.end),
            Value::Date(w.youngest),
            Value::Date(w.oldest),
        ],
    )?)
}

/// Active members per village under `prefix`: the distinct members first (in person order, from the
/// covering index `enrolments_active`), then their villages.
pub fn village_numerators(
    conn: &mut Conn,
    prefix: &str,
    month: NaiveDate,
    grace_months: u32,
) -> Result<HashMap<String, i64>> {
    let w = window(month, grace_months);
    counts_by_village(conn.query(
        "SELECT p.village_code, COUNT(*) FROM \
           (SELECT DISTINCT person_id FROM enrolments \
             WHERE paid_through >= $2 AND (end_date IS NULL OR end_date >= $3) \
               AND (start_date IS NULL OR start_date <= $4)) a \
         JOIN persons p ON p.id = a.person_id \
         WHERE p.village_code LIKE $1 AND p.merged_into IS NULL \
         GROUP BY p.village_code",
        &[
            Value::Text(format!("{prefix}%")),
            Value::Date(w.paid_since),
            Value::Date(w.start),
            Value::Date(w.end),
        ],
    )?)
}

/// Every village code under `prefix`.
pub fn villages_under(conn: &mut Conn, prefix: &str) -> Result<Vec<String>> {
    conn.query(
        "SELECT code FROM regions WHERE level = 'desa' AND code LIKE $1 ORDER BY code",
        &[Value::Text(format!("{prefix}%"))],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Puts numerators and denominators together for every village (zero where a village has none).
pub fn combine(
    villages: Vec<String>,
    numerators: &HashMap<String, i64>,
    denominators: &HashMap<String, i64>,
) -> Vec<VillageCount> {
    villages
        .into_iter()
        .map(|code| VillageCount {
            numerator: numerators.get(&code).copied().unwrap_or(0),
            denominator: denominators.get(&code).copied().unwrap_or(0),
            code,
        })
        .collect()
}

/// A stored snapshot row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Region (any level).
    pub region_code: String,
    /// Active members.
    pub numerator: i64,
    /// Denominator used.
    pub denominator: i64,
    /// `registry` or the official source's name.
    pub denominator_source: String,
}

/// Replaces a month's snapshot.
pub fn save_snapshot(tx: &mut Conn, month: &str, rows: &[SnapshotRow]) -> Result<()> {
    tx.execute(
        "DELETE FROM coverage_snapshots WHERE month = $1",
        &[Value::from(month)],
    )?;
    let now = tx.now();
    let now = match now {
        Value::Timestamp(t) => Value::Text(t.to_rfc3339()),
        other => other,
    };
    tx.insert_rows(
        "coverage_snapshots",
        &[
            "month",
            "region_code",
            "numerator",
            "denominator",
            "denominator_source",
            "computed_at",
        ],
        rows.iter().map(|r| {
            vec![
                Value::from(r.month.as_str()),
                Value::from(r.region_code.as_str()),
                Value::Int(r.numerator),
                Value::Int(r.denominator),
                Value::from(r.denominator_source.as_str()),
                now.clone(),
            ]
        }),
    )?;
    Ok(())
}

fn snapshot_row(r: &Row) -> Result<SnapshotRow> {
    Ok(SnapshotRow {
        month: r.text(0)?,
        region_code: r.text(1)?,
        numerator: r.i64(2)?,
        denominator: r.i64(3)?,
        denominator_source: r.text(4)?,
    })
}

/// A month's snapshot rows under a region prefix (empty if none was taken).
pub fn snapshot(conn: &mut Conn, month: &str, prefix: &str) -> Result<Vec<SnapshotRow>> {
    conn.query(
        "SELECT month, region_code, numerator, denominator, denominator_source FROM coverage_snapshots \
         WHERE month = $1 AND region_code LIKE $2 ORDER BY region_code",
        &[Value::from(month), Value::Text(format!("{prefix}%"))],
    )?
    .iter()
    .map(snapshot_row)
    .collect()
}

/// One region's snapshots over time, oldest first (for trend charts).
pub fn trend(conn: &mut Conn, region: &str) -> Result<Vec<SnapshotRow>> {
    conn.query(
        "SELECT month, region_code, numerator, denominator, denominator_source FROM coverage_snapshots \
         WHERE region_code = $1 ORDER BY month",
        &[Value::from(region)],
    )?
    .iter()
    .map(snapshot_row)
    .collect()
}

/// Official denominators for a year: region → (value, source).
pub fn official_denominators(conn: &mut Conn, year: i32) -> Result<HashMap<String, (i64, String)>> {
    conn.query(
        "SELECT region_code, value, source FROM coverage_denominators WHERE year = $1",
        &[Value::Int(year.into())],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, (r.i64(1)?, r.text(2)?))))
    .collect()
}

/// Sets (or replaces) an official denominator.
pub fn set_official_denominator(
    conn: &mut Conn,
    region: &str,
    year: i32,
    value: i64,
    source: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO coverage_denominators (region_code, year, value, source) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (region_code, year) DO UPDATE SET value = excluded.value, source = excluded.source",
        &[
            Value::from(region),
            Value::Int(year.into()),
            Value::Int(value),
            Value::from(source),
        ],
    )?;
    Ok(())
}

/// A programme as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `bpu` or `pu`.
    pub segment: String,
    /// Sponsor code.
    pub sponsor: String,
    /// Paid by a government sponsor for poor workers.
    pub subsidised: bool,
    /// Flat monthly premium (also the computed one for wage shares).
    pub monthly_premium: i64,
    /// Wage share in basis points, if the premium is a share of a wage.
    pub premium_basis_points: Option<i64>,
    /// The wage the share applies to.
    pub premium_wage: Option<i64>,
    /// Minimum members per village the sponsor sets.
    pub quota_per_village: Option<i64>,
    /// Eligibility rule (JSON array of clauses), if set.
    pub rule: Option<String>,
}

const PROGRAMME_COLUMNS: &str =
    "code, name, segment, sponsor, subsidised, monthly_premium, premium_basis_points, \
     premium_wage, quota_per_village, rule";

fn programme_row(r: &Row) -> Result<ProgrammeRow> {
    Ok(ProgrammeRow {
        code: r.text(0)?,
        name: r.text(1)?,
        segment: r.text(2)?,
        sponsor: r.text(3)?,
        subsidised: r.opt_i64(4)?.unwrap_or(0) != 0,
        monthly_premium: r.i64(5)?,
        premium_basis_points: r.opt_i64(6)?,
        premium_wage: r.opt_i64(7)?,
        quota_per_village: r.opt_i64(8)?,
        rule: r.opt_text(9)?,
    })
}

/// Every programme.
pub fn programmes(conn: &mut Conn) -> Result<Vec<ProgrammeRow>> {
    conn.query(
        &format!("SELECT {PROGRAMME_COLUMNS} FROM programmes ORDER BY code"),
        &[],
    )?
    .iter()
    .map(programme_row)
    .collect()
}

/// One programme.
pub fn programme(conn: &mut Conn, code: &str) -> Result<Option<ProgrammeRow>> {
    conn.query_opt(
        &format!("SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE code = $1"),
        &[Value::from(code)],
    )?
    .map(|r| programme_row(&r))
    .transpose()
}

/// Stores a programme's premium, quota and rule (already validated by the caller).
pub fn update_programme(tx: &mut Conn, p: &ProgrammeRow) -> Result<u64> {
    let now = tx.now();
    tx.execute(
        "UPDATE programmes SET name = $2, monthly_premium = $3, premium_basis_points = $4, premium_wage = $5, \
         quota_per_village = $6, rule = $7, updated_at = $8, row_version = row_version + 1 WHERE code = $1",
        &[
            Value::from(p.code.as_str()),
            Value::from(p.name.as_str()),
            Value::Int(p.monthly_premium),
            Value::from(p.premium_basis_points),
            Value::from(p.premium_wage),
            Value::from(p.quota_per_village),
            Value::from(p.rule.clone()),
            now,
        ],
    )
}

/// Active members of a programme per village, for the month containing `month`.
pub fn programme_members(
    conn: &mut Conn,
    programme: &str,
    prefix: &str,
    month: NaiveDate,
    grace_months: u32,
) -> Result<HashMap<String, i64>> {
    let (start, end) = month_bounds(month);
    let cutoff = start
        .checked_sub_months(Months::new(grace_months))
        .unwrap_or(start);
    conn.query(
        "SELECT p.village_code, COUNT(DISTINCT e.person_id) FROM enrolments e \
         JOIN persons p ON p.id = e.person_id \
         WHERE e.programme_code = $1 AND p.village_code LIKE $2 AND p.merged_into IS NULL \
           AND (e.start_date IS NULL OR e.start_date <= $3) AND (e.end_date IS NULL OR e.end_date >= $4) \
           AND e.paid_through >= $5 \
         GROUP BY p.village_code",
        &[
            Value::from(programme),
            Value::Text(format!("{prefix}%")),
            Value::Date(end),
            Value::Date(start),
            Value::Date(cutoff),
        ],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?)))
    .collect()
}

/// What an eligibility rule needs to know about one person, plus what a gap list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    /// Person id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// NIK.
    pub nik: Option<String>,
    /// Village code.
    pub village_code: String,
    /// Sex code.
    pub sex: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Life status code.
    pub life_status: String,
    /// DTSEN decile.
    pub desil: Option<i64>,
    /// Worker-category code.
    pub worker_category: String,
    /// Occupation.
    pub occupation: String,
    /// Civil-servant status code.
    pub civil_servant_status: String,
    /// Household has an ASN/TNI/Polri member.
    pub household_civil_servant: bool,
    /// Household has a village official.
    pub household_official: bool,
    /// An active member in the month.
    pub covered: bool,
}

/// Facts for every (non-merged) person under `prefix`, for the month containing `month`.
pub fn person_facts(
    conn: &mut Conn,
    prefix: &str,
    month: NaiveDate,
    grace_months: u32,
) -> Result<Vec<PersonFacts>> {
    let (start, end) = month_bounds(month);
    let cutoff = start
        .checked_sub_months(Months::new(grace_months))
        .unwrap_or(start);
    conn.query(
        "SELECT p.id, p.name, p.nik, p.village_code, p.sex, p.birth_date, p.life_status, p.dtsen_desil, \
                p.worker_category, p.occupation, p.civil_servant_status, \
                COALESCE(h.civil_servants, 0), COALESCE(h.officials, 0), \
                CASE WHEN a.person_id IS NULL THEN 0 ELSE 1 END \
         FROM persons p \
         LEFT JOIN (SELECT household_id, \
                      SUM(CASE WHEN civil_servant_status IN ('pns', 'pppk', 'tni', 'polri') THEN 1 ELSE 0 END) AS civil_servants, \
                      SUM(CASE WHEN worker_category = 'perangkat_desa' THEN 1 ELSE 0 END) AS officials \
                    FROM persons WHERE household_id IS NOT NULL AND merged_into IS NULL GROUP BY household_id) h \
                ON h.household_id = p.household_id \
         LEFT JOIN (SELECT DISTINCT person_id FROM enrolments \
                    WHERE (start_date IS NULL OR start_date <= $2) AND (end_date IS NULL OR end_date >= $3) \
                      AND paid_through >= $4) a ON a.person_id = p.id \
         WHERE p.village_code LIKE $1 AND p.merged_into IS NULL \
         ORDER BY p.id",
        &[
            Value::Text(format!("{prefix}%")),
            Value::Date(end),
            Value::Date(start),
            Value::Date(cutoff),
        ],
    )?
    .iter()
    .map(|r| {
        Ok(PersonFacts {
            id: r.i64(0)?,
            name: r.text(1)?,
            nik: r.opt_text(2)?,
            village_code: r.text(3)?,
            sex: r.text(4)?,
            birth_date: r.opt_date(5)?,
            life_status: r.text(6)?,
            desil: r.opt_i64(7)?,
            worker_category: r.text(8)?,
            occupation: r.text(9)?,
            civil_servant_status: r.text(10)?,
            household_civil_servant: r.i64(11)? > 0,
            household_official: r.i64(12)? > 0,
            covered: r.i64(13)? > 0,
        })
    })
    .collect()
}
