//! The review workflow: proposals are made (from synchronised lists, or by operators), approved or
//! rejected by a person, applied atomically with an audit entry per change, and reverted by a new
//! proposal that restores the state before.

mod expand;
mod generate;
mod merge;

use jaring_domain::review::{Band, Change, Entity, Intent, ProposalKind, ProposalStatus};
use jaring_store::audit::{self, AuditEntry};
use jaring_store::review::{self as store, NewProposal, ProposalFilter, ProposalRow};
use jaring_store::{Conn, Database, StoreError};

pub use expand::{expand, grace_months, set_grace_months, Context, SETTING_GRACE_MONTHS};
pub use generate::{generate_proposals, programme_for, GenerateSummary};
pub use merge::{propose_merges, MergeSummary};

use crate::AppError;

/// Bulk decisions are applied in this order, so that effects that depend on each other come out the
/// same whatever order the proposals were made in: memberships before the deaths that end them.
const KIND_ORDER: &[ProposalKind] = &[
    ProposalKind::NewPerson,
    ProposalKind::Correction,
    ProposalKind::Edit,
    ProposalKind::Merge,
    ProposalKind::Membership,
    ProposalKind::DesilUpdate,
    ProposalKind::CivilServant,
    ProposalKind::MarkDeceased,
    ProposalKind::Revert,
];

fn audit_entries(
    row: &ProposalRow,
    changes: &[Change],
    actor: &str,
    action: &str,
) -> Vec<AuditEntry> {
    let reason = Some(format!("proposal #{}: {}", row.id, row.summary));
    let mut out = vec![AuditEntry {
        actor: actor.to_string(),
        action: format!("proposal.{action}"),
        entity: "proposal".into(),
        entity_id: Some(row.id),
        village_code: row.village_code.clone(),
        person_id: row.person_id,
        before: Some(serde_json::json!({"status": "pending"}).to_string()),
        after: Some(serde_json::json!({"status": row.status}).to_string()),
        reason: row.reason.clone().or_else(|| reason.clone()),
    }];
    for c in changes {
        let (entity, id) = c.target();
        let (op, before, after, person) = match c {
            Change::Update {
                field,
                before,
                after,
                ..
            } => (
                "update",
                Some(serde_json::json!({ field: before }).to_string()),
                Some(serde_json::json!({ field: after }).to_string()),
                None,
            ),
            Change::Insert { values, .. } => (
                "insert",
                None,
                serde_json::to_string(values).ok(),
                values.get("person_id").cloned().flatten(),
            ),
            Change::Delete { values, .. } => (
                "delete",
                serde_json::to_string(values).ok(),
                None,
                values.get("person_id").cloned().flatten(),
            ),
        };
        let person_id = match entity {
            Entity::Person => id,
            _ => person.and_then(|p| p.parse().ok()).or(row.person_id),
        };
        out.push(AuditEntry {
            actor: actor.to_string(),
            action: format!("{}.{op}", entity.as_code()),
            entity: entity.as_code().into(),
            entity_id: id,
            village_code: row.village_code.clone(),
            person_id,
            before,
            after,
            reason: reason.clone(),
        });
    }
    out
}

fn parse_intent(row: &ProposalRow) -> Result<Intent, AppError> {
    serde_json::from_str(&row.intent).map_err(|e| {
        AppError::Input(format!(
            "proposal {}: stored intent unreadable: {e}",
            row.id
        ))
    })
}

/// Approves and applies one proposal inside the caller's transaction (the audit lock already held).
fn approve_in(
    tx: &mut Conn,
    id: i64,
    expected_version: Option<i64>,
    actor: &str,
    ctx: &Context,
) -> Result<ProposalRow, AppError> {
    let row = store::decide(
        tx,
        id,
        expected_version,
        ProposalStatus::Applied.as_code(),
        actor,
        None,
    )?;
    let intent = parse_intent(&row)?;
    let mut changes = expand(tx, &intent, ctx)?;
    if let Intent::Revert { proposal_id } = intent {
        store::mark_reverted(tx, proposal_id)?;
    }
    store::apply_changes(tx, &mut changes)?;
    let json = serde_json::to_string(&changes)
        .map_err(|e| AppError::Input(format!("cannot record changes: {e}")))?;
    store::set_changes(tx, id, &json)?;
    audit::append(tx, &audit_entries(&row, &changes, actor, "approve"))?;
    Ok(store::get_proposal(tx, id)?)
}

/// Approves one proposal and applies it, atomically. `expected_version` is the version the reviewer
/// saw; if someone acted on the proposal since, nothing happens and the error says who did what.
pub fn approve(
    db: &Database,
    id: i64,
    expected_version: Option<i64>,
    actor: &str,
    ctx: &Context,
) -> Result<ProposalRow, AppError> {
    db.transaction(|tx| {
        audit::lock(tx)?;
        approve_in(tx, id, expected_version, actor, ctx)
    })
}

/// Rejects one proposal; a reason is required (it goes to the audit log and back to the operator).
pub fn reject(
    db: &Database,
    id: i64,
    expected_version: Option<i64>,
    actor: &str,
    reason: &str,
) -> Result<ProposalRow, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::Input(
            "alasan penolakan wajib diisi / a reason is required to reject".into(),
        ));
    }
    db.transaction(|tx| {
        audit::lock(tx)?;
        let row = store::decide(
            tx,
            id,
            expected_version,
            ProposalStatus::Rejected.as_code(),
            actor,
            Some(reason.trim()),
        )?;
        audit::append(tx, &audit_entries(&row, &[], actor, "reject"))?;
        Ok(row)
    })
}

/// Makes a pending proposal by hand (an operator's edit, a merge, a revert).
pub fn propose(
    db: &Database,
    kind: ProposalKind,
    intent: Intent,
    summary: &str,
    actor: &str,
    ctx: &Context,
) -> Result<i64, AppError> {
    let evidence = serde_json::json!({"source": "operator", "actor": actor});
    propose_with_evidence(
        db,
        kind,
        intent,
        summary,
        evidence,
        Band::Manual,
        actor,
        ctx,
    )
}

/// Makes a pending proposal with the given evidence.
#[allow(clippy::too_many_arguments)]
fn propose_with_evidence(
    db: &Database,
    kind: ProposalKind,
    intent: Intent,
    summary: &str,
    evidence: serde_json::Value,
    band: Band,
    actor: &str,
    ctx: &Context,
) -> Result<i64, AppError> {
    let draft = Draft {
        kind,
        intent,
        summary: summary.to_string(),
        evidence,
        band,
        actor,
        village: None,
    };
    db.transaction(|tx| {
        audit::lock(tx)?;
        match propose_in(tx, &draft, ctx)? {
            Proposed::New(id) => Ok(id),
            Proposed::AlreadyPending(id) => Err(AppError::Input(format!(
                "usulan yang sama sudah menunggu keputusan (#{id}) / the same proposal is already pending (#{id})"
            ))),
        }
    })
}

/// A proposal about to be made.
pub(crate) struct Draft<'a> {
    pub kind: ProposalKind,
    pub intent: Intent,
    pub summary: String,
    pub evidence: serde_json::Value,
    pub band: Band,
    pub actor: &'a str,
    /// The region whose reviewers decide; `None` is the person's village. A move between villages is
    /// decided by a scope covering both.
    pub village: Option<String>,
}

/// What [`propose_in`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proposed {
    /// A new pending proposal.
    New(i64),
    /// The same intent is already pending for the same person (an import read twice).
    AlreadyPending(i64),
}

/// Makes a pending proposal inside the caller's transaction (the audit lock already held): expanded
/// now, so the reviewer sees every effect, and recorded in the audit log.
pub(crate) fn propose_in(
    tx: &mut Conn,
    d: &Draft<'_>,
    ctx: &Context,
) -> Result<Proposed, AppError> {
    let changes = expand(tx, &d.intent, ctx)?;
    if changes.is_empty() {
        return Err(AppError::Input(
            "usulan ini tidak mengubah apa pun / this proposal changes nothing".into(),
        ));
    }
    let intent_json = serde_json::to_string(&d.intent)
        .map_err(|e| AppError::Input(format!("cannot record intent: {e}")))?;
    let (person_id, reverts_id) = match &d.intent {
        Intent::Revert { proposal_id } => {
            let original = store::get_proposal(tx, *proposal_id)?;
            (original.person_id, Some(*proposal_id))
        }
        other => (other.person_id(), None),
    };
    if let Some(id) = store::pending_with_intent(tx, d.kind.as_code(), person_id, &intent_json)? {
        return Ok(Proposed::AlreadyPending(id));
    }
    let village = match (&d.village, person_id, &d.intent) {
        (Some(v), _, _) => Some(v.clone()),
        (None, _, Intent::NewPerson { values }) => values.get("village_code").cloned().flatten(),
        (None, Some(p), _) => store::fields(tx, Entity::Person, p)?
            .get("village_code")
            .cloned()
            .flatten(),
        _ => None,
    };
    let new = NewProposal {
        kind: d.kind.as_code(),
        band: d.band.as_code(),
        village_code: village.clone(),
        person_id,
        staged_id: None,
        reverts_id,
        summary: d.summary.clone(),
        intent: intent_json,
        changes: serde_json::to_string(&changes).unwrap_or_default(),
        evidence: d.evidence.to_string(),
        created_by: d.actor.to_string(),
    };
    let id = store::insert_proposal(tx, &new, ProposalStatus::Pending.as_code())?
        .ok_or_else(|| AppError::Input("proposal not stored".into()))?;
    audit::append(
        tx,
        &[AuditEntry {
            actor: d.actor.to_string(),
            action: "proposal.create".into(),
            entity: "proposal".into(),
            entity_id: Some(id),
            village_code: village,
            person_id,
            before: None,
            after: Some(new.intent),
            reason: Some(d.summary.clone()),
        }],
    )?;
    Ok(Proposed::New(id))
}

/// Proposes undoing an applied proposal (pending until approved, like any other change).
pub fn propose_revert(
    db: &Database,
    id: i64,
    actor: &str,
    reason: &str,
    ctx: &Context,
) -> Result<i64, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::Input(
            "alasan pembatalan wajib diisi / a reason is required to revert".into(),
        ));
    }
    propose(
        db,
        ProposalKind::Revert,
        Intent::Revert { proposal_id: id },
        &format!("Batalkan usulan #{id}: {reason} / revert proposal #{id}"),
        actor,
        ctx,
    )
}

/// What a bulk approval did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkResult {
    /// Proposals approved and applied by this call.
    pub applied: usize,
    /// Proposals someone else decided first.
    pub already_decided: usize,
    /// Proposals that could not be applied (data changed since), each with the reason; left pending.
    pub failed: Vec<(i64, String)>,
}

/// Approves every pending proposal matching `filter`, each atomically: a proposal that cannot be
/// applied is left pending with its reason and the rest go on. Proposals are taken in [`KIND_ORDER`];
/// transactions hold at most `CHUNK` proposals so other reviewers are never blocked for long.
pub fn approve_all(
    db: &Database,
    filter: &ProposalFilter,
    actor: &str,
    ctx: &Context,
) -> Result<BulkResult, AppError> {
    const CHUNK: usize = 250;
    let mut pending = filter.clone();
    pending.status = Some(ProposalStatus::Pending.as_code().into());
    pending.limit = 0;
    let mut result = BulkResult::default();
    for kind in KIND_ORDER {
        if !pending.kinds.is_empty() && !pending.kinds.iter().any(|k| k == kind.as_code()) {
            continue;
        }
        let mut one = pending.clone();
        one.kinds = vec![kind.as_code().into()];
        let ids = store::proposal_ids(&mut db.conn()?, &one)?;
        for chunk in ids.chunks(CHUNK) {
            db.transaction(|tx| -> Result<(), AppError> {
                audit::lock(tx)?;
                for &id in chunk {
                    tx.batch("SAVEPOINT approve_one")?;
                    match approve_in(tx, id, None, actor, ctx) {
                        Ok(_) => {
                            tx.batch("RELEASE SAVEPOINT approve_one")?;
                            result.applied += 1;
                        }
                        Err(e) => {
                            tx.batch("ROLLBACK TO SAVEPOINT approve_one")?;
                            tx.batch("RELEASE SAVEPOINT approve_one")?;
                            match e {
                                AppError::Store(StoreError::Decided { .. }) => {
                                    result.already_decided += 1
                                }
                                other => result.failed.push((id, other.to_string())),
                            }
                        }
                    }
                }
                Ok(())
            })?;
        }
    }
    Ok(result)
}

/// Proposals matching a filter.
pub fn list(db: &Database, filter: &ProposalFilter) -> Result<Vec<ProposalRow>, AppError> {
    Ok(store::list_proposals(&mut db.conn()?, filter)?)
}

/// One proposal.
pub fn show(db: &Database, id: i64) -> Result<ProposalRow, AppError> {
    Ok(store::get_proposal(&mut db.conn()?, id)?)
}

/// Counts per kind, band and status.
pub fn counts(
    db: &Database,
    filter: &ProposalFilter,
) -> Result<Vec<(String, String, String, i64)>, AppError> {
    Ok(store::proposal_counts(&mut db.conn()?, filter)?)
}

/// Whether a proposal lies inside the principal's region. Proposals without a village (a list row
/// that names none) belong to the regency, so only regency-wide roles see them.
fn in_scope(who: &crate::accounts::Principal, row: &ProposalRow) -> bool {
    match row
        .village_code
        .as_deref()
        .and_then(|v| jaring_domain::RegionCode::parse(v).ok())
    {
        Some(v) => who.grant.covers(v),
        None => who.grant.scope.level() == jaring_domain::RegionLevel::Regency,
    }
}

/// Proposals matching `filter` inside the principal's region.
pub fn list_for(
    db: &Database,
    who: &crate::accounts::Principal,
    filter: &ProposalFilter,
) -> Result<Vec<ProposalRow>, AppError> {
    who.require_any(jaring_domain::access::Action::ViewProposals)?;
    let mut f = filter.clone();
    if who.grant.scope.level() != jaring_domain::RegionLevel::Regency {
        f.region_prefix = Some(who.grant.scope.to_string());
    }
    list(db, &f)
}

/// One proposal, or `NotFound` outside the principal's region.
pub fn show_for(
    db: &Database,
    who: &crate::accounts::Principal,
    id: i64,
) -> Result<ProposalRow, AppError> {
    who.require_any(jaring_domain::access::Action::ViewProposals)?;
    let row = match show(db, id) {
        Err(AppError::Store(StoreError::NotFound { .. })) => return Err(AppError::NotFound),
        other => other?,
    };
    if in_scope(who, &row) {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

fn require_decide(who: &crate::accounts::Principal, row: &ProposalRow) -> Result<(), AppError> {
    let allowed = who
        .grant
        .role
        .may(jaring_domain::access::Action::DecideProposals);
    if allowed {
        Ok(())
    } else {
        Err(AppError::Denied(format!(
            "{} tidak berwenang memutuskan usulan #{} / may not decide proposals",
            who.grant.role.label_id(),
            row.id
        )))
    }
}

/// Approves a proposal as `who` (their region and role checked first).
pub fn approve_as(
    db: &Database,
    who: &crate::accounts::Principal,
    id: i64,
    expected_version: Option<i64>,
    ctx: &Context,
) -> Result<ProposalRow, AppError> {
    let row = show_for(db, who, id)?;
    require_decide(who, &row)?;
    approve(db, id, expected_version, &who.username, ctx)
}

/// Rejects a proposal as `who` (their region and role checked first).
pub fn reject_as(
    db: &Database,
    who: &crate::accounts::Principal,
    id: i64,
    expected_version: Option<i64>,
    reason: &str,
) -> Result<ProposalRow, AppError> {
    let row = show_for(db, who, id)?;
    require_decide(who, &row)?;
    reject(db, id, expected_version, &who.username, reason)
}
