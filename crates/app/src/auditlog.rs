//! Reading the audit log as a user: bounded by region, NIKs masked for roles that must not read them.

use jaring_domain::access::{mask_numbers_in, Action};
use jaring_domain::RegionLevel;
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
    who.require_any(Action::ViewAudit)?;
    let region_prefix =
        (who.grant.scope.level() != RegionLevel::Regency).then(|| who.grant.scope.to_string());
    let mut rows = audit::list(
        &mut db.conn()?,
        &AuditFilter {
            region_prefix,
            before_seq,
            limit: limit.clamp(1, 500),
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
    Ok(rows)
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
