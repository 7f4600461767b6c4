//! What synchronisation reads (registry persons and staged records, in the light form linkage needs) and
//! writes (match candidates with their band and explanation).

use chrono::NaiveDate;

use crate::{Conn, Result, Value};

/// The identifying fields of one registry person or staged record.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// Person id or staged-record id.
    pub id: i64,
    /// NIK as stored (staged records: as written, possibly damaged).
    pub nik: String,
    /// Name.
    pub name: String,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Sex code (`m`/`f`).
    pub sex: Option<String>,
    /// Village code, dotted.
    pub village: Option<String>,
}

fn identities(conn: &mut Conn, sql: &str, params: &[Value]) -> Result<Vec<Identity>> {
    conn.query(sql, params)?
        .iter()
        .map(|r| {
            Ok(Identity {
                id: r.i64(0)?,
                nik: r.opt_text(1)?.unwrap_or_default(),
                name: r.text(2)?,
                birth_date: r.opt_date(3)?,
                sex: r.opt_text(4)?,
                village: r.opt_text(5)?,
            })
        })
        .collect()
}

/// Every registry person (merged duplicates excluded: their survivor stands for them).
pub fn registry_identities(conn: &mut Conn) -> Result<Vec<Identity>> {
    identities(
        conn,
        "SELECT id, nik, name, birth_date, sex, village_code FROM persons WHERE merged_into IS NULL ORDER BY id",
        &[],
    )
}

/// Every staged record of a kind (NIK as written, so damaged NIKs keep their prefix).
pub fn staged_identities(conn: &mut Conn, kind: &str) -> Result<Vec<Identity>> {
    identities(
        conn,
        "SELECT id, nik_raw, name, birth_date, sex, village_code FROM staged_records WHERE kind = $1 ORDER BY id",
        &[Value::from(kind)],
    )
}

/// The import each staged record of a kind came from: a person is on each file once, but may be on
/// every month's file.
pub fn staged_imports(conn: &mut Conn, kind: &str) -> Result<std::collections::HashMap<i64, i64>> {
    conn.query(
        "SELECT id, import_id FROM staged_records WHERE kind = $1",
        &[Value::from(kind)],
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, r.i64(1)?)))
    .collect()
}

/// One synchronisation result.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchCandidate {
    /// Staged record.
    pub staged_id: i64,
    /// Registry person, or `None` when nothing matched.
    pub person_id: Option<i64>,
    /// Probability of being one person.
    pub probability: f64,
    /// Match weight.
    pub weight: f64,
    /// `auto`, `review` or `no_match`.
    pub band: &'static str,
    /// JSON array of `{field, level, weight}`.
    pub explanation: String,
}

/// Replaces the candidates of one kind.
pub fn replace_candidates(tx: &mut Conn, kind: &str, candidates: &[MatchCandidate]) -> Result<()> {
    tx.execute(
        "DELETE FROM match_candidates WHERE kind = $1",
        &[Value::from(kind)],
    )?;
    let now = tx.now();
    tx.insert_rows(
        "match_candidates",
        &[
            "staged_id",
            "kind",
            "person_id",
            "probability",
            "weight",
            "band",
            "explanation",
            "synced_at",
        ],
        candidates.iter().map(|c| {
            vec![
                Value::Int(c.staged_id),
                Value::from(kind),
                Value::from(c.person_id),
                Value::Real(c.probability),
                Value::Real(c.weight),
                Value::from(c.band),
                Value::Text(c.explanation.clone()),
                now.clone(),
            ]
        }),
    )?;
    Ok(())
}

/// Candidates per band for a kind: (auto, review, no_match).
pub fn band_counts(conn: &mut Conn, kind: &str) -> Result<(i64, i64, i64)> {
    let count = |conn: &mut Conn, band: &str| {
        conn.query_i64(
            "SELECT COUNT(*) FROM match_candidates WHERE kind = $1 AND band = $2",
            &[Value::from(kind), Value::from(band)],
        )
    };
    Ok((
        count(conn, "auto")?,
        count(conn, "review")?,
        count(conn, "no_match")?,
    ))
}

/// A candidate with its staged record's position, for evaluation and review lists.
#[derive(Debug, Clone, PartialEq)]
pub struct BandEntry {
    /// The record's id in its source list.
    pub record_key: Option<String>,
    /// Line of the record in the imported file.
    pub source_line: i64,
    /// Matched person.
    pub person_id: Option<i64>,
    /// Probability.
    pub probability: f64,
}

/// Every candidate of a kind in a band.
pub fn candidates_in_band(conn: &mut Conn, kind: &str, band: &str) -> Result<Vec<BandEntry>> {
    conn.query(
        "SELECT s.record_key, s.source_line, m.person_id, m.probability FROM match_candidates m \
         JOIN staged_records s ON s.id = m.staged_id WHERE m.kind = $1 AND m.band = $2 ORDER BY m.id",
        &[Value::from(kind), Value::from(band)],
    )?
    .iter()
    .map(|r| {
        Ok(BandEntry { record_key: r.opt_text(0)?, source_line: r.i64(1)?, person_id: r.opt_i64(2)?, probability: r.f64(3)? })
    })
    .collect()
}
