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
    /// Family-card number (registry: the household's current one).
    pub no_kk: Option<String>,
    /// Place of birth.
    pub birth_place: Option<String>,
    /// Household (registry persons only).
    pub household: Option<i64>,
}

/// Every registry person (merged duplicates excluded: their survivor stands for them), with their
/// household and its current family-card number.
pub fn registry_identities(conn: &mut Conn) -> Result<Vec<Identity>> {
    conn.query(
        "SELECT p.id, p.nik, p.name, p.birth_date, p.sex, p.village_code, p.birth_place, p.household_id, k.no_kk \
         FROM persons p LEFT JOIN household_kk k ON k.household_id = p.household_id AND k.valid_to IS NULL \
         WHERE p.merged_into IS NULL ORDER BY p.id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(Identity {
            id: r.i64(0)?,
            nik: r.opt_text(1)?.unwrap_or_default(),
            name: r.text(2)?,
            birth_date: r.opt_date(3)?,
            sex: r.opt_text(4)?,
            village: r.opt_text(5)?,
            birth_place: r.opt_text(6)?.filter(|p| !p.is_empty()),
            household: r.opt_i64(7)?,
            no_kk: r.opt_text(8)?,
        })
    })
    .collect()
}

/// Every staged record of a kind (NIK as written, so damaged NIKs keep their prefix), with the No. KK
/// and place of birth the list carried.
pub fn staged_identities(conn: &mut Conn, kind: &str) -> Result<Vec<Identity>> {
    conn.query(
        "SELECT id, nik_raw, name, birth_date, sex, village_code, no_kk, attributes \
         FROM staged_records WHERE kind = $1 ORDER BY id",
        &[Value::from(kind)],
    )?
    .iter()
    .map(|r| {
        let attributes: std::collections::HashMap<String, String> =
            serde_json::from_str(&r.text(7)?).unwrap_or_default();
        Ok(Identity {
            id: r.i64(0)?,
            nik: r.opt_text(1)?.unwrap_or_default(),
            name: r.text(2)?,
            birth_date: r.opt_date(3)?,
            sex: r.opt_text(4)?,
            village: r.opt_text(5)?,
            no_kk: r.opt_text(6)?,
            birth_place: attributes.get("birth_place").cloned(),
            household: None,
        })
    })
    .collect()
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
    /// JSON array of reason codes: why the pair is not in the auto band.
    pub reasons: String,
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
            "reasons",
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
                Value::Text(c.reasons.clone()),
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

/// A death the civil registry reported, linked to a registry person by the last synchronisation.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryDeath {
    /// The staged record of the deaths list.
    pub staged_id: i64,
    /// Date of death as the list says.
    pub death_date: Option<chrono::NaiveDate>,
    /// The list's file name.
    pub file_name: String,
}

/// The civil-registry death linked to `person_id` in the auto band, or carrying the person's own NIK,
/// if any: a village's own report of that death needs no second person to confirm it.
pub fn registry_death(conn: &mut Conn, person_id: i64) -> Result<Option<RegistryDeath>> {
    conn.query_opt(
        "SELECT s.id, s.event_date, i.file_name FROM match_candidates m \
         JOIN staged_records s ON s.id = m.staged_id JOIN imports i ON i.id = s.import_id \
         JOIN persons p ON p.id = m.person_id \
         WHERE m.kind = 'deaths' AND m.person_id = $1 AND (m.band = 'auto' OR s.nik = p.nik) \
         ORDER BY m.probability DESC, s.id LIMIT 1",
        &[Value::Int(person_id)],
    )?
    .map(|r| {
        Ok(RegistryDeath {
            staged_id: r.i64(0)?,
            death_date: r.opt_date(1)?,
            file_name: r.text(2)?,
        })
    })
    .transpose()
}
