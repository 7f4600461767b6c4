//! Reading the audit log as a user: bounded by region, NIKs masked for roles that must not read them.

use jaring_domain::access::{mask_numbers_in, Action};
use jaring_domain::{RegionCode, RegionLevel};
use jaring_store::audit::{self, AuditFilter, AuditRow};
use jaring_store::Database;

use crate::accounts::Principal;
use crate::AppError;

/// Entries newest first, older than `before_seq` when given. Regency-wide roles read every entry;
/// others read the entries of villages in their region.
pub fn entries(
    db: &Database,
    who: &Principal,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, AppError> {
    search(
        db,
        who,
        &AuditQuery {
            before_seq,
            limit,
            ..Default::default()
        },
    )
    .map(|lines| lines.into_iter().map(|l| l.row).collect())
}

/// What a reader narrows the log to.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Older than this sequence number (the next page).
    pub before_seq: Option<i64>,
    /// At most this many (1–500).
    pub limit: i64,
    /// Only this user's (or job's) entries.
    pub actor: Option<String>,
    /// Only actions starting with this (`person.`, `proposal.approve`, `sync.`).
    pub action: Option<String>,
    /// Only a region inside the reader's (a village, a kecamatan).
    pub region: Option<RegionCode>,
}

/// An entry with the name of the resident it is about, when the reader may see it.
#[derive(Debug, Clone)]
pub struct AuditLine {
    /// The entry (NIKs masked for roles that must not read them).
    pub row: AuditRow,
    /// The resident's name (`None`: no resident, or not in the reader's region).
    pub person: Option<String>,
}

/// Entries matching `q` in the reader's region, newest first, with residents' names. A region outside
/// the reader's is refused (as not found: it does not exist for them).
pub fn search(db: &Database, who: &Principal, q: &AuditQuery) -> Result<Vec<AuditLine>, AppError> {
    who.require_any(Action::ViewAudit)?;
    if let Some(r) = q.region {
        if !who.grant.covers(r) {
            return Err(AppError::NotFound);
        }
    }
    let region_prefix = match q.region {
        Some(r) if r.level() != RegionLevel::Regency => Some(r.to_string()),
        _ => (who.grant.scope.level() != RegionLevel::Regency).then(|| who.grant.scope.to_string()),
    };
    let mut conn = db.conn()?;
    let mut rows = audit::list(
        &mut conn,
        &AuditFilter {
            region_prefix,
            before_seq: q.before_seq,
            actor: q.actor.clone().filter(|a| !a.trim().is_empty()),
            action_prefix: q.action.clone().filter(|a| !a.trim().is_empty()),
            limit: q.limit.clamp(1, 500),
            ..Default::default()
        },
    )?;
    if !who.grant.role.sees_full_nik() {
        for r in &mut rows {
            for text in [&mut r.entry.before, &mut r.entry.after, &mut r.entry.reason]
                .into_iter()
                .flatten()
            {
                *text = mask_numbers_in(text);
            }
        }
    }
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.entry.person_id).collect();
    let names = crate::residents::names_in_scope(&mut conn, who, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let person = row.entry.person_id.and_then(|p| names.get(&p).cloned());
            AuditLine { row, person }
        })
        .collect())
}

/// Records that the database was restored from `file` by `who`, with the row counts it holds now:
/// the first entry after a restore says where the data came from.
pub fn record_restore(
    db: &Database,
    who: &Principal,
    file: &str,
    counts: &[(String, i64)],
) -> Result<(), AppError> {
    who.require_any(Action::ManageUsers)?;
    let after: serde_json::Map<String, serde_json::Value> = counts
        .iter()
        .map(|(table, n)| (table.clone(), (*n).into()))
        .collect();
    db.transaction(|tx| -> Result<(), AppError> {
        audit::lock(tx)?;
        audit::append(
            tx,
            &[audit::AuditEntry {
                actor: who.username.clone(),
                action: "database.restore".into(),
                entity: "database".into(),
                after: Some(serde_json::Value::Object(after).to_string()),
                reason: Some(format!("dari cadangan / from backup {file}")),
                ..Default::default()
            }],
        )?;
        Ok(())
    })
}
