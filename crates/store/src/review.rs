//! Proposals and the generic field-level changes they apply.
//!
//! Changes name their columns as text; only the columns listed here can be touched, each with its type,
//! so a stored proposal can never become arbitrary SQL. Every update checks the value it expects to
//! replace (`IS NOT DISTINCT FROM before`): a proposal made against data that has changed since fails
//! with [`StoreError::Stale`] instead of overwriting someone else's work.

use jaring_domain::review::{parse_new_row_ref, Change, Entity, FieldValues};

use crate::{Conn, Result, Row, StoreError, Value};

#[derive(Clone, Copy)]
enum Ty {
    Text,
    Int,
    Date,
}

fn table(entity: Entity) -> &'static str {
    match entity {
        Entity::Person => "persons",
        Entity::Enrolment => "enrolments",
        Entity::Claim => "claims",
        Entity::Household => "households",
        Entity::FamilyCard => "household_kk",
    }
}

fn columns(entity: Entity) -> &'static [(&'static str, Ty)] {
    use Ty::*;
    match entity {
        Entity::Person => &[
            ("nik", Text),
            ("household_id", Int),
            ("village_code", Text),
            ("name", Text),
            ("sex", Text),
            ("birth_place", Text),
            ("birth_date", Date),
            ("address", Text),
            ("relationship", Text),
            ("marital_status", Text),
            ("occupation", Text),
            ("worker_category", Text),
            ("life_status", Text),
            ("death_date", Date),
            ("civil_servant_status", Text),
            ("civil_servant_since", Date),
            ("dtsen_desil", Int),
            ("religion", Text),
            ("education", Text),
            ("mother_name", Text),
            ("merged_into", Int),
        ],
        Entity::Enrolment => &[
            ("person_id", Int),
            ("programme_code", Text),
            ("kpj", Text),
            ("start_date", Date),
            ("end_date", Date),
            ("end_reason", Text),
            ("paid_through", Date),
        ],
        Entity::Claim => &[
            ("person_id", Int),
            ("enrolment_id", Int),
            ("kind", Text),
            ("event_date", Date),
            ("status", Text),
        ],
        Entity::Household => &[("village_code", Text), ("address", Text)],
        Entity::FamilyCard => &[
            ("household_id", Int),
            ("no_kk", Text),
            ("valid_from", Date),
            ("valid_to", Date),
        ],
    }
}

fn column(entity: Entity, field: &str) -> Result<Ty> {
    columns(entity)
        .iter()
        .find(|(c, _)| *c == field)
        .map(|(_, t)| *t)
        .ok_or_else(|| StoreError::Decode(format!("{} has no field '{field}'", entity.as_code())))
}

/// Whether `field` is a column a change may touch.
pub fn is_field(entity: Entity, field: &str) -> bool {
    column(entity, field).is_ok()
}

fn bind(entity: Entity, field: &str, v: &Option<String>) -> Result<Value> {
    let ty = column(entity, field)?;
    let Some(s) = v else {
        return Ok(Value::Null);
    };
    Ok(match ty {
        Ty::Text => Value::Text(s.clone()),
        Ty::Int => Value::Int(
            s.parse()
                .map_err(|_| StoreError::Decode(format!("{field}: '{s}' is not an integer")))?,
        ),
        Ty::Date => Value::Date(s.parse().map_err(|_| {
            StoreError::Decode(format!("{field}: '{s}' is not a date (YYYY-MM-DD)"))
        })?),
    })
}

/// A stored value in the canonical text form changes use.
pub fn canonical(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(i.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Real(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Date(d) => Some(crate::value::iso_date(*d)),
        Value::Timestamp(t) => Some(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
    }
}

fn field_values(entity: Entity, row: &Row, offset: usize) -> FieldValues {
    columns(entity)
        .iter()
        .enumerate()
        .map(|(i, (c, _))| ((*c).to_string(), row.0.get(offset + i).and_then(canonical)))
        .collect()
}

fn select_list(entity: Entity) -> String {
    columns(entity)
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row's changeable fields.
pub fn fields(conn: &mut Conn, entity: Entity, id: i64) -> Result<FieldValues> {
    let row = conn
        .query_opt(
            &format!(
                "SELECT {} FROM {} WHERE id = $1",
                select_list(entity),
                table(entity)
            ),
            &[Value::Int(id)],
        )?
        .ok_or(StoreError::NotFound {
            entity: entity.as_code(),
            id,
        })?;
    Ok(field_values(entity, &row, 0))
}

/// Rows whose integer column `by` equals `value` (a person's enrolments, claims), by id.
pub fn rows_by(
    conn: &mut Conn,
    entity: Entity,
    by: &str,
    value: i64,
) -> Result<Vec<(i64, FieldValues)>> {
    column(entity, by)?;
    conn.query(
        &format!(
            "SELECT id, {} FROM {} WHERE {by} = $1 ORDER BY id",
            select_list(entity),
            table(entity)
        ),
        &[Value::Int(value)],
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, field_values(entity, r, 1))))
    .collect()
}

/// The enrolment holding a KPJ number, if any.
pub fn enrolment_by_kpj(conn: &mut Conn, kpj: &str) -> Result<Option<(i64, FieldValues)>> {
    conn.query_opt(
        &format!(
            "SELECT id, {} FROM enrolments WHERE kpj = $1",
            select_list(Entity::Enrolment)
        ),
        &[Value::from(kpj)],
    )?
    .map(|r| Ok((r.i64(0)?, field_values(Entity::Enrolment, &r, 1))))
    .transpose()
}

/// Whether a programme is subsidised (paid by a government sponsor), by code.
pub fn programme_subsidised(conn: &mut Conn, code: &str) -> Result<Option<bool>> {
    Ok(conn
        .query_opt(
            "SELECT subsidised FROM programmes WHERE code = $1",
            &[Value::from(code)],
        )?
        .map(|r| r.opt_i64(0))
        .transpose()?
        .flatten()
        .map(|v| v != 0))
}

/// Whether writing `field` of `entity` also stamps `end_recorded_on`: the day a membership's end was
/// written, so that the terminations file of that month lists it however long ago the end date is.
/// Bookkeeping of the write itself, like `updated_at`, so it rides in the same statement.
fn stamps_end(entity: Entity, field: &str) -> bool {
    entity == Entity::Enrolment && field == "end_date"
}

/// `value` with a reference to an earlier insert's row ([`jaring_domain::review::new_row_ref`])
/// replaced by that row's id.
fn resolve(done: &[Change], value: &mut Option<String>) -> Result<()> {
    let Some(index) = value.as_deref().and_then(parse_new_row_ref) else {
        return Ok(());
    };
    match done.get(index) {
        Some(Change::Insert { id: Some(id), .. }) => {
            *value = Some(id.to_string());
            Ok(())
        }
        _ => Err(StoreError::Decode(format!(
            "change refers to row {index}, which is not an earlier insert"
        ))),
    }
}

/// Applies changes in order inside the caller's transaction, filling in the ids of inserted rows
/// (and the references to them, so the stored changes name real ids and revert exactly).
pub fn apply_changes(tx: &mut Conn, changes: &mut [Change]) -> Result<()> {
    let now = tx.now();
    for i in 0..changes.len() {
        let (done, rest) = changes.split_at_mut(i);
        let change = &mut rest[0];
        match change {
            Change::Update { after, .. } => resolve(done, after)?,
            Change::Insert { values, .. } => {
                for v in values.values_mut() {
                    resolve(done, v)?;
                }
            }
            Change::Delete { .. } => {}
        }
        match change {
            Change::Update {
                entity,
                id,
                field,
                before,
                after,
            } => {
                let stamp = if stamps_end(*entity, field) {
                    ", end_recorded_on = $5"
                } else {
                    ""
                };
                let mut params = vec![
                    bind(*entity, field, after)?,
                    now.clone(),
                    Value::Int(*id),
                    bind(*entity, field, before)?,
                ];
                if !stamp.is_empty() {
                    params.push(Value::Date(jaring_domain::today()));
                }
                let n = tx.execute(
                    &format!(
                        "UPDATE {} SET {field} = $1, updated_at = $2, row_version = row_version + 1{stamp} \
                         WHERE id = $3 AND {field} IS NOT DISTINCT FROM $4",
                        table(*entity)
                    ),
                    &params,
                )?;
                if n != 1 {
                    return Err(StoreError::Stale {
                        entity: entity.as_code(),
                        id: *id,
                        field: field.clone(),
                    });
                }
            }
            Change::Insert { entity, id, values } => {
                let mut cols = Vec::new();
                let mut params = Vec::new();
                if let Some(id) = id {
                    cols.push("id".to_string());
                    params.push(Value::Int(*id));
                }
                for (k, v) in values.iter() {
                    cols.push(k.clone());
                    params.push(bind(*entity, k, v)?);
                }
                cols.push("created_at".into());
                params.push(now.clone());
                cols.push("updated_at".into());
                params.push(now.clone());
                if values.get("end_date").is_some_and(Option::is_some)
                    && stamps_end(*entity, "end_date")
                {
                    cols.push("end_recorded_on".into());
                    params.push(Value::Date(jaring_domain::today()));
                }
                let placeholders: Vec<String> =
                    (1..=params.len()).map(|i| format!("${i}")).collect();
                let new_id = tx.query_i64(
                    &format!(
                        "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
                        table(*entity),
                        cols.join(", "),
                        placeholders.join(", ")
                    ),
                    &params,
                )?;
                *id = Some(new_id);
            }
            Change::Delete { entity, id, values } => {
                let current = fields(tx, *entity, *id)?;
                if let Some(field) = values
                    .iter()
                    .find(|(k, v)| current.get(*k).is_some_and(|c| c != *v))
                    .map(|(k, _)| k.clone())
                {
                    return Err(StoreError::Stale {
                        entity: entity.as_code(),
                        id: *id,
                        field,
                    });
                }
                tx.execute(
                    &format!("DELETE FROM {} WHERE id = $1", table(*entity)),
                    &[Value::Int(*id)],
                )?;
            }
        }
    }
    Ok(())
}

/// A proposal as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRow {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Status code.
    pub status: String,
    /// Band code.
    pub band: String,
    /// Village it belongs to.
    pub village_code: Option<String>,
    /// Person concerned.
    pub person_id: Option<i64>,
    /// Staged record it came from.
    pub staged_id: Option<i64>,
    /// Proposal it reverts.
    pub reverts_id: Option<i64>,
    /// One line for lists.
    pub summary: String,
    /// Intent JSON.
    pub intent: String,
    /// Changes JSON (as proposed, or as applied).
    pub changes: String,
    /// Evidence JSON.
    pub evidence: String,
    /// Who made it.
    pub created_by: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When decided.
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Reason given with the decision.
    pub reason: Option<String>,
    /// Optimistic-lock version.
    pub row_version: i64,
    /// The village a move goes to, which sees and decides the proposal too.
    pub village_to: Option<String>,
    /// When it was made.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

const PROPOSAL_COLUMNS: &str =
    "id, kind, status, band, village_code, person_id, staged_id, reverts_id, summary, \
     intent, changes, evidence, created_by, decided_by, decided_at, reason, row_version, village_to, created_at";

fn proposal_row(r: &Row) -> Result<ProposalRow> {
    Ok(ProposalRow {
        id: r.i64(0)?,
        kind: r.text(1)?,
        status: r.text(2)?,
        band: r.text(3)?,
        village_code: r.opt_text(4)?,
        person_id: r.opt_i64(5)?,
        staged_id: r.opt_i64(6)?,
        reverts_id: r.opt_i64(7)?,
        summary: r.text(8)?,
        intent: r.text(9)?,
        changes: r.text(10)?,
        evidence: r.text(11)?,
        created_by: r.text(12)?,
        decided_by: r.opt_text(13)?,
        decided_at: r.opt_timestamp(14)?,
        reason: r.opt_text(15)?,
        row_version: r.i64(16)?,
        village_to: r.opt_text(17)?,
        created_at: r.opt_timestamp(18)?,
    })
}

/// A proposal to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    /// Kind code.
    pub kind: &'static str,
    /// Band code.
    pub band: &'static str,
    /// Village.
    pub village_code: Option<String>,
    /// Person.
    pub person_id: Option<i64>,
    /// Staged record (at most one proposal per record).
    pub staged_id: Option<i64>,
    /// Reverted proposal.
    pub reverts_id: Option<i64>,
    /// One line.
    pub summary: String,
    /// Intent JSON.
    pub intent: String,
    /// Changes JSON.
    pub changes: String,
    /// Evidence JSON.
    pub evidence: String,
    /// Author.
    pub created_by: String,
    /// The village a move goes to.
    pub village_to: Option<String>,
}

/// Stores a proposal; `None` when one already exists for the same staged record (idempotent sync).
pub fn insert_proposal(tx: &mut Conn, p: &NewProposal, status: &str) -> Result<Option<i64>> {
    let now = tx.now();
    tx
        .query_opt(
            "INSERT INTO proposals (kind, status, band, village_code, person_id, staged_id, reverts_id, summary, \
             intent, changes, evidence, created_by, created_at, village_to) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (staged_id, kind) DO NOTHING RETURNING id",
            &[
                Value::from(p.kind),
                Value::from(status),
                Value::from(p.band),
                Value::from(p.village_code.clone()),
                Value::from(p.person_id),
                Value::from(p.staged_id),
                Value::from(p.reverts_id),
                Value::Text(p.summary.clone()),
                Value::Text(p.intent.clone()),
                Value::Text(p.changes.clone()),
                Value::Text(p.evidence.clone()),
                Value::Text(p.created_by.clone()),
                now,
                Value::from(p.village_to.clone()),
            ],
        )?
        .map(|r| r.i64(0))
        .transpose()
}

/// The pending proposal of `kind` about `person_id` with exactly this intent, if one exists: the same
/// file imported twice proposes nothing new.
pub fn pending_with_intent(
    conn: &mut Conn,
    kind: &str,
    person_id: Option<i64>,
    intent: &str,
) -> Result<Option<i64>> {
    conn.query_opt(
        "SELECT id FROM proposals WHERE status = 'pending' AND kind = $1 \
         AND person_id IS NOT DISTINCT FROM $2 AND intent = $3 ORDER BY id LIMIT 1",
        &[
            Value::from(kind),
            Value::from(person_id),
            Value::from(intent),
        ],
    )?
    .map(|r| r.i64(0))
    .transpose()
}

/// The first pending proposal of `kind` about `person_id`, whatever its intent.
pub fn pending_of_kind(conn: &mut Conn, kind: &str, person_id: i64) -> Result<Option<i64>> {
    conn.query_opt(
        "SELECT id FROM proposals WHERE status = 'pending' AND kind = $1 AND person_id = $2 \
         ORDER BY id LIMIT 1",
        &[Value::from(kind), Value::Int(person_id)],
    )?
    .map(|r| r.i64(0))
    .transpose()
}

/// One proposal.
pub fn get_proposal(conn: &mut Conn, id: i64) -> Result<ProposalRow> {
    conn.query_opt(
        &format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = $1"),
        &[Value::Int(id)],
    )?
    .map(|r| proposal_row(&r))
    .transpose()?
    .ok_or(StoreError::NotFound {
        entity: "proposal",
        id,
    })
}

/// Which proposals to list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    /// Status code.
    pub status: Option<String>,
    /// Band code.
    pub band: Option<String>,
    /// Kind codes (any of).
    pub kinds: Vec<String>,
    /// Village-code prefix (a village, a kecamatan, a regency).
    pub region_prefix: Option<String>,
    /// Person.
    pub person_id: Option<i64>,
    /// Only proposals about residents whose address names this hamlet (`Dusun 2`), as a whole word.
    pub hamlet: Option<String>,
    /// Page size (0 = no limit).
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

fn filter_sql(f: &ProposalFilter) -> (String, Vec<Value>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut params = Vec::new();
    let mut push = |sql: &mut String, cond: &str, v: Value| {
        params.push(v);
        sql.push_str(&cond.replace('?', &format!("${}", params.len())));
    };
    if let Some(s) = &f.status {
        push(&mut sql, " AND status = ?", Value::Text(s.clone()));
    }
    if let Some(b) = &f.band {
        push(&mut sql, " AND band = ?", Value::Text(b.clone()));
    }
    if let Some(r) = &f.region_prefix {
        // Both `?` become the same parameter: a move is listed in both villages.
        push(
            &mut sql,
            " AND (village_code LIKE ? OR (village_to IS NOT NULL AND village_to LIKE ?))",
            Value::Text(format!("{r}%")),
        );
    }
    if let Some(p) = f.person_id {
        push(&mut sql, " AND person_id = ?", Value::Int(p));
    }
    if let Some(h) = &f.hamlet {
        // The hamlet followed by a comma, a space or nothing: `Dusun 1` is not `Dusun 12`.
        let h = h
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        for pattern in [format!("%{h},%"), format!("%{h} %"), format!("%{h}")] {
            params.push(Value::Text(pattern));
        }
        let n = params.len();
        sql.push_str(&format!(
            " AND person_id IN (SELECT id FROM persons WHERE address LIKE ${} ESCAPE '\\' \
             OR address LIKE ${} ESCAPE '\\' OR address LIKE ${n} ESCAPE '\\')",
            n - 2,
            n - 1
        ));
    }
    if !f.kinds.is_empty() {
        let mut parts = Vec::new();
        for k in &f.kinds {
            params.push(Value::Text(k.clone()));
            parts.push(format!("${}", params.len()));
        }
        sql.push_str(&format!(" AND kind IN ({})", parts.join(", ")));
    }
    (sql, params)
}

/// Proposals matching the filter, oldest first.
pub fn list_proposals(conn: &mut Conn, f: &ProposalFilter) -> Result<Vec<ProposalRow>> {
    let (mut sql, mut params) = filter_sql(f);
    sql = format!("SELECT {PROPOSAL_COLUMNS} FROM proposals{sql} ORDER BY id");
    if f.limit > 0 {
        params.push(Value::Int(f.limit));
        sql.push_str(&format!(" LIMIT ${}", params.len()));
        params.push(Value::Int(f.offset));
        sql.push_str(&format!(" OFFSET ${}", params.len()));
    }
    conn.query(&sql, &params)?
        .iter()
        .map(proposal_row)
        .collect()
}

/// Ids of proposals matching the filter, oldest first (for bulk decisions).
pub fn proposal_ids(conn: &mut Conn, f: &ProposalFilter) -> Result<Vec<i64>> {
    let (sql, params) = filter_sql(f);
    conn.query(
        &format!("SELECT id FROM proposals{sql} ORDER BY id"),
        &params,
    )?
    .iter()
    .map(|r| r.i64(0))
    .collect()
}

/// Counts per (kind, band, status).
pub fn proposal_counts(
    conn: &mut Conn,
    f: &ProposalFilter,
) -> Result<Vec<(String, String, String, i64)>> {
    let (sql, params) = filter_sql(f);
    conn.query(
        &format!("SELECT kind, band, status, COUNT(*) FROM proposals{sql} GROUP BY kind, band, status ORDER BY kind, band, status"),
        &params,
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.i64(3)?)))
    .collect()
}

/// Moves a pending proposal to `status`, once: if someone else decided first (or the caller's version
/// is old), nothing changes and the caller gets [`StoreError::Decided`] or [`StoreError::Conflict`].
pub fn decide(
    tx: &mut Conn,
    id: i64,
    expected_version: Option<i64>,
    status: &str,
    actor: &str,
    reason: Option<&str>,
) -> Result<ProposalRow> {
    let now = tx.now();
    let n = tx.execute(
        "UPDATE proposals SET status = $1, decided_by = $2, decided_at = $3, reason = $4, \
         row_version = row_version + 1 WHERE id = $5 AND status = 'pending'",
        &[
            Value::from(status),
            Value::from(actor),
            now,
            Value::from(reason),
            Value::Int(id),
        ],
    )?;
    let row = get_proposal(tx, id)?;
    if n != 1 {
        return Err(StoreError::Decided {
            id,
            status: row.status,
            by: row.decided_by.unwrap_or_default(),
        });
    }
    if let Some(v) = expected_version {
        // The update bumped the version by one; anything else means the caller read an older state.
        if row.row_version != v + 1 {
            return Err(StoreError::Conflict {
                entity: "proposal",
                id,
                expected: v,
                actual: row.row_version - 1,
            });
        }
    }
    Ok(row)
}

/// Records the changes a proposal applied (ids filled in), so it can be reverted exactly.
pub fn set_changes(tx: &mut Conn, id: i64, changes: &str) -> Result<()> {
    tx.execute(
        "UPDATE proposals SET changes = $1 WHERE id = $2",
        &[Value::from(changes), Value::Int(id)],
    )?;
    Ok(())
}

/// Marks an applied proposal reverted; fails if it is not (or no longer) applied.
pub fn mark_reverted(tx: &mut Conn, id: i64) -> Result<()> {
    let n = tx.execute(
        "UPDATE proposals SET status = 'reverted', row_version = row_version + 1 WHERE id = $1 AND status = 'applied'",
        &[Value::Int(id)],
    )?;
    if n != 1 {
        let row = get_proposal(tx, id)?;
        return Err(StoreError::Decided {
            id,
            status: row.status,
            by: row.decided_by.unwrap_or_default(),
        });
    }
    Ok(())
}

/// Whether a family-card number is or was held by any household.
pub fn kk_known(conn: &mut Conn, no_kk: &str) -> Result<bool> {
    Ok(conn.query_i64(
        "SELECT COUNT(*) FROM household_kk WHERE no_kk = $1",
        &[Value::from(no_kk)],
    )? > 0)
}

/// The village a household lives in.
pub fn household_village(conn: &mut Conn, household_id: i64) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT village_code FROM households WHERE id = $1",
        &[Value::Int(household_id)],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Person ids in a household.
pub fn household_members(conn: &mut Conn, household_id: i64) -> Result<Vec<i64>> {
    conn.query(
        "SELECT id FROM persons WHERE household_id = $1 ORDER BY id",
        &[Value::Int(household_id)],
    )?
    .iter()
    .map(|r| r.i64(0))
    .collect()
}

/// A synchronised staged record that may become a proposal, with what linkage said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateSource {
    /// Staged record.
    pub staged_id: i64,
    /// Band code.
    pub band: String,
    /// Matched person.
    pub person_id: Option<i64>,
    /// Probability.
    pub probability: f64,
    /// Weight.
    pub weight: f64,
    /// Explanation JSON.
    pub explanation: String,
    /// Reason codes (JSON array): why the pair is not in the auto band.
    pub reasons: String,
    /// Record id in its source.
    pub record_key: Option<String>,
    /// Line in the imported file.
    pub source_line: i64,
    /// NIK as written.
    pub nik_raw: String,
    /// NIK when valid.
    pub nik: Option<String>,
    /// No. KK.
    pub no_kk: Option<String>,
    /// Name.
    pub name: String,
    /// Sex code.
    pub sex: Option<String>,
    /// Birth date.
    pub birth_date: Option<chrono::NaiveDate>,
    /// Village code.
    pub village_code: Option<String>,
    /// Death date, TMT or paid-through month.
    pub event_date: Option<chrono::NaiveDate>,
    /// Attributes JSON.
    pub attributes: String,
    /// Imported file's name.
    pub file_name: String,
}

/// Every synchronised record of a kind that has no proposal of `proposal_kind` yet.
pub fn candidate_sources(
    conn: &mut Conn,
    list_kind: &str,
    proposal_kind: &str,
) -> Result<Vec<CandidateSource>> {
    conn.query(
        "SELECT m.staged_id, m.band, m.person_id, m.probability, m.weight, m.explanation, s.record_key, \
         s.source_line, s.nik_raw, s.nik, s.no_kk, s.name, s.sex, s.birth_date, s.village_code, s.event_date, \
         s.attributes, i.file_name, m.reasons \
         FROM match_candidates m JOIN staged_records s ON s.id = m.staged_id JOIN imports i ON i.id = s.import_id \
         WHERE m.kind = $1 AND NOT EXISTS \
           (SELECT 1 FROM proposals p WHERE p.staged_id = m.staged_id AND p.kind = $2) \
         ORDER BY m.staged_id",
        &[Value::from(list_kind), Value::from(proposal_kind)],
    )?
    .iter()
    .map(|r| {
        Ok(CandidateSource {
            staged_id: r.i64(0)?,
            band: r.text(1)?,
            person_id: r.opt_i64(2)?,
            probability: r.f64(3)?,
            weight: r.f64(4)?,
            explanation: r.text(5)?,
            record_key: r.opt_text(6)?,
            source_line: r.i64(7)?,
            nik_raw: r.text(8)?,
            nik: r.opt_text(9)?,
            no_kk: r.opt_text(10)?,
            name: r.text(11)?,
            sex: r.opt_text(12)?,
            birth_date: r.opt_date(13)?,
            village_code: r.opt_text(14)?,
            event_date: r.opt_date(15)?,
            attributes: r.text(16)?,
            file_name: r.text(17)?,
            reasons: r.text(18)?,
        })
    })
    .collect()
}

/// Every person's changeable fields, by id (one query for proposal generation over a whole list).
pub fn all_person_fields(conn: &mut Conn) -> Result<std::collections::HashMap<i64, FieldValues>> {
    conn.query(
        &format!("SELECT id, {} FROM persons", select_list(Entity::Person)),
        &[],
    )?
    .iter()
    .map(|r| Ok((r.i64(0)?, field_values(Entity::Person, r, 1))))
    .collect()
}

/// The household currently holding a family-card number.
pub fn household_by_kk(conn: &mut Conn, no_kk: &str) -> Result<Option<i64>> {
    conn.query_opt(
        "SELECT household_id FROM household_kk WHERE no_kk = $1 AND valid_to IS NULL",
        &[Value::from(no_kk)],
    )?
    .map(|r| r.i64(0))
    .transpose()
}
