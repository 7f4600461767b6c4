//! The review workflow: proposals are made (from synchronised lists, or by operators), approved or
//! rejected by a person, applied atomically with an audit entry per change, and reverted by a new
//! proposal that restores the state before.

mod expand;
mod generate;
mod merge;
pub mod queue;

use jaring_domain::review::{Band, Change, Entity, Intent, ProposalKind, ProposalStatus};
use jaring_store::audit::{self, AuditEntry};
use jaring_store::review::{self as store, NewProposal, ProposalFilter, ProposalRow};
use jaring_store::{Conn, Database, StoreError};

pub use expand::{expand, grace_months, set_grace_months, Context, SETTING_GRACE_MONTHS};
pub use generate::{generate_proposals, programme_for, GenerateSummary};
pub use merge::{propose_merges, MergeSummary};

use crate::accounts::Principal;
use crate::AppError;
use jaring_domain::access::Action;
use jaring_domain::{RegionCode, RegionLevel};

/// Bulk decisions are applied in this order, so that effects that depend on each other come out the
/// same whatever order the proposals were made in: memberships before the deaths that end them.
const KIND_ORDER: &[ProposalKind] = &[
    ProposalKind::NewPerson,
    ProposalKind::Correction,
    ProposalKind::Edit,
    ProposalKind::Merge,
    ProposalKind::Move,
    ProposalKind::SplitHousehold,
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

/// The villages a change touches: where its person lives now (both persons of a merge), and where
/// it would move them. Whoever proposes or decides it must hold the right in every one, so a village
/// operator can neither pull a resident in nor push one out.
fn touched_villages(tx: &mut Conn, intent: &Intent) -> Result<Vec<RegionCode>, AppError> {
    let mut villages: Vec<Option<String>> = Vec::new();
    let village_of = |tx: &mut Conn, p: i64| -> Result<Option<String>, AppError> {
        Ok(store::fields(tx, Entity::Person, p)?
            .get("village_code")
            .cloned()
            .flatten())
    };
    match intent {
        Intent::NewPerson { values } => {
            villages.push(values.get("village_code").cloned().flatten())
        }
        Intent::Merge { keep, duplicate } => {
            villages.push(village_of(tx, *keep)?);
            villages.push(village_of(tx, *duplicate)?);
        }
        Intent::SetFields { person_id, values } => {
            villages.push(village_of(tx, *person_id)?);
            if let Some(to) = values.get("village_code") {
                villages.push(to.clone());
            }
        }
        Intent::Move { person_id, to, .. } => {
            villages.push(village_of(tx, *person_id)?);
            villages.push(to.clone());
        }
        Intent::Revert { proposal_id } => {
            let original = store::get_proposal(tx, *proposal_id)?;
            villages.push(original.village_code.clone());
            let mut inner = touched_villages(tx, &parse_intent(&original)?)?;
            villages.extend(inner.drain(..).map(|v| Some(v.to_string())));
        }
        other => {
            if let Some(p) = other.person_id() {
                villages.push(village_of(tx, p)?);
            }
        }
    }
    let mut out = Vec::new();
    for v in villages.into_iter().flatten() {
        let code = RegionCode::parse(&v).map_err(|e| AppError::Input(e.to_string()))?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// Fails unless `who` may take `action` in every touched village; a change that names no village
/// belongs to the regency.
fn require_everywhere(
    who: &Principal,
    action: Action,
    villages: &[RegionCode],
) -> Result<(), AppError> {
    if villages.is_empty() {
        if who.grant.scope.level() != RegionLevel::Regency {
            return Err(AppError::NotFound);
        }
        return who.require_any(action);
    }
    villages.iter().try_for_each(|v| who.require(action, *v))
}

/// The proposal `id` if `who` may decide it: `NotFound` outside their region (nothing about it is
/// revealed), `Denied` for a role that does not decide or a change reaching outside their region.
/// Approving a death a village reported by hand needs a second person (see [`death_check`]); a move
/// between villages is decided by the side that did not propose it.
fn decidable(
    tx: &mut Conn,
    who: &Principal,
    id: i64,
    approving: bool,
) -> Result<ProposalRow, AppError> {
    let row = match store::get_proposal(tx, id) {
        Err(StoreError::NotFound { .. }) => return Err(AppError::NotFound),
        other => other?,
    };
    if !in_scope(who, &row) {
        return Err(AppError::NotFound);
    }
    let intent = parse_intent(&row)?;
    let villages = touched_villages(tx, &intent)?;
    let second = death_check_in(tx, &row)? == Some(DeathCheck::SecondPerson);
    if second && approving {
        if who.username == row.created_by {
            return Err(AppError::Denied(
                "kematian yang Anda laporkan sendiri dikonfirmasi oleh orang lain (kecamatan atau kabupaten) / a death you reported is confirmed by someone else (district or regency)"
                    .into(),
            ));
        }
        if !who.grant.role.may(Action::ConfirmReportedDeaths) {
            return Err(AppError::Denied(
                "kematian yang dilaporkan desa tanpa data Dukcapil dikonfirmasi oleh kecamatan atau kabupaten / a death reported by the village without a civil-registry record is confirmed by the district or regency"
                    .into(),
            ));
        }
        require_everywhere(who, Action::ConfirmReportedDeaths, &villages)?;
        return Ok(row);
    }
    if second && who.grant.role.may(Action::ConfirmReportedDeaths) {
        // Whoever may confirm a reported death may also turn it down.
        require_everywhere(who, Action::ConfirmReportedDeaths, &villages)?;
        return Ok(row);
    }
    require_decide(who, &row)?;
    if let (Some(other), Some(to)) = (other_side(&row), row.village_to.as_deref()) {
        if approving {
            require_everywhere(who, Action::DecideProposals, &[other])?;
        } else {
            // Either village may turn a move down: the origin withdraws it, the destination refuses.
            let sides = [row.village_code.as_deref(), Some(to)];
            let mine = sides
                .into_iter()
                .flatten()
                .filter_map(|v| RegionCode::parse(v).ok())
                .any(|v| who.grant.allows(Action::DecideProposals, v));
            if !mine {
                return Err(AppError::Denied(format!(
                    "{} tidak berwenang memutuskan usulan #{} / may not decide proposal #{}",
                    who.grant.role.label_id(),
                    row.id,
                    row.id
                )));
            }
        }
        return Ok(row);
    }
    require_everywhere(who, Action::DecideProposals, &villages)?;
    Ok(row)
}

/// Whether `who` may approve proposal `id` now (a report applied at once by whoever may decide it).
pub(crate) fn may_approve(tx: &mut Conn, who: &Principal, id: i64) -> Result<bool, AppError> {
    match decidable(tx, who, id, true) {
        Ok(_) => Ok(true),
        Err(AppError::Denied(_) | AppError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The village that must agree to a move between two villages: the one that did not propose it (the
/// origin lets a resident go, the destination takes them in).
fn other_side(row: &ProposalRow) -> Option<RegionCode> {
    let to = row.village_to.as_deref()?;
    let evidence: serde_json::Value = serde_json::from_str(&row.evidence).ok()?;
    let proposed_in = evidence.get("proposed_in")?.as_str()?;
    let other = if proposed_in == to {
        row.village_code.as_deref()?
    } else {
        to
    };
    RegionCode::parse(other).ok()
}

/// Who may confirm a death reported by hand.
#[derive(Debug, Clone, PartialEq)]
pub enum DeathCheck {
    /// A civil-registry (Dukcapil) death list, synchronised, names the same person (in the auto band,
    /// or by their own NIK) with a date of death within three days: the village's deciders may
    /// approve it.
    Registry {
        /// The list's file name.
        file_name: String,
        /// Its date of death.
        death_date: Option<chrono::NaiveDate>,
    },
    /// Nothing backs it: a second person, of the district or the regency, confirms it.
    SecondPerson,
}

/// For a death a village reported by hand, whether a civil-registry record backs it; `None` for every
/// other proposal.
pub fn death_check(db: &Database, row: &ProposalRow) -> Result<Option<DeathCheck>, AppError> {
    death_check_in(&mut db.conn()?, row)
}

pub(crate) fn death_check_in(
    tx: &mut Conn,
    row: &ProposalRow,
) -> Result<Option<DeathCheck>, AppError> {
    if row.kind != ProposalKind::MarkDeceased.as_code() || row.band != Band::Manual.as_code() {
        return Ok(None);
    }
    let Ok(Intent::MarkDeceased {
        person_id,
        death_date,
        ..
    }) = parse_intent(row)
    else {
        return Ok(None);
    };
    let reported = serde_json::from_str::<serde_json::Value>(&row.evidence)
        .ok()
        .and_then(|e| e.get("source").and_then(|s| s.as_str()).map(str::to_owned));
    if reported.as_deref() != Some(crate::events::REPORT_SOURCE) {
        return Ok(None);
    }
    Ok(Some(
        match jaring_store::matches::registry_death(tx, person_id)? {
            Some(r)
                if r.death_date
                    .is_some_and(|d| (d - death_date).num_days().abs() <= 3) =>
            {
                DeathCheck::Registry {
                    file_name: r.file_name,
                    death_date: r.death_date,
                }
            }
            _ => DeathCheck::SecondPerson,
        },
    ))
}

/// Approves and applies one proposal as `who` inside the caller's transaction (the audit lock
/// already held); the check and the write see the same data.
pub(crate) fn approve_in(
    tx: &mut Conn,
    who: &Principal,
    id: i64,
    expected_version: Option<i64>,
    ctx: &Context,
) -> Result<ProposalRow, AppError> {
    decidable(tx, who, id, true)?;
    let actor = who.username.as_str();
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

/// Approves one proposal as `who` and applies it, atomically. `expected_version` is the version the
/// reviewer saw; if someone acted on the proposal since, nothing happens and the error says who did
/// what.
pub fn approve(
    db: &Database,
    who: &Principal,
    id: i64,
    expected_version: Option<i64>,
    ctx: &Context,
) -> Result<ProposalRow, AppError> {
    db.transaction(|tx| {
        audit::lock(tx)?;
        approve_in(tx, who, id, expected_version, ctx)
    })
}

/// Rejects one proposal as `who`; a reason is required (it goes to the audit log and back to the
/// operator).
pub fn reject(
    db: &Database,
    who: &Principal,
    id: i64,
    expected_version: Option<i64>,
    reason: &str,
) -> Result<ProposalRow, AppError> {
    let reason = crate::text::reason(reason)?;
    if reason.is_empty() {
        return Err(AppError::Input(
            "alasan penolakan wajib diisi / a reason is required to reject".into(),
        ));
    }
    db.transaction(|tx| {
        audit::lock(tx)?;
        decidable(tx, who, id, false)?;
        let row = store::decide(
            tx,
            id,
            expected_version,
            ProposalStatus::Rejected.as_code(),
            &who.username,
            Some(reason.trim()),
        )?;
        audit::append(tx, &audit_entries(&row, &[], &who.username, "reject"))?;
        Ok(row)
    })
}

/// Makes a pending proposal by hand as `who` (an operator's edit, a merge, a revert): they must be
/// allowed to edit residents in every village the change touches.
pub fn propose(
    db: &Database,
    who: &Principal,
    kind: ProposalKind,
    intent: Intent,
    summary: &str,
    ctx: &Context,
) -> Result<i64, AppError> {
    let summary = crate::text::checked(
        ("ringkasan", "the summary"),
        summary,
        2 * crate::text::MAX_REASON,
    )?;
    let draft = Draft {
        kind,
        intent,
        summary: summary.to_string(),
        evidence: serde_json::json!({"source": "operator", "actor": who.username}),
        band: Band::Manual,
        actor: &who.username,
        village: None,
        village_to: None,
    };
    propose_draft(db, who, &draft, ctx)
}

/// Makes the pending proposal `draft` as `who`, checked like [`propose`].
fn propose_draft(
    db: &Database,
    who: &Principal,
    draft: &Draft<'_>,
    ctx: &Context,
) -> Result<i64, AppError> {
    db.transaction(|tx| {
        audit::lock(tx)?;
        let villages = touched_villages(tx, &draft.intent)?;
        require_everywhere(who, Action::EditResidents, &villages)?;
        match propose_in(tx, draft, ctx)? {
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
    /// The village a move goes to: it sees the proposal too, and agrees to it when the origin proposed.
    pub village_to: Option<String>,
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
        village_to: d.village_to.clone(),
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
    who: &Principal,
    id: i64,
    reason: &str,
    ctx: &Context,
) -> Result<i64, AppError> {
    let reason = crate::text::reason(reason)?;
    if reason.is_empty() {
        return Err(AppError::Input(
            "alasan pembatalan wajib diisi / a reason is required to revert".into(),
        ));
    }
    show(db, who, id)?;
    propose(
        db,
        who,
        ProposalKind::Revert,
        Intent::Revert { proposal_id: id },
        &format!("Batalkan usulan #{id}: {reason} / revert proposal #{id}"),
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
    who: &Principal,
    filter: &ProposalFilter,
    ctx: &Context,
) -> Result<BulkResult, AppError> {
    const CHUNK: usize = 250;
    who.require_any(Action::DecideProposals)?;
    let Some(mut pending) = scoped_filter(who, filter) else {
        return Ok(BulkResult::default());
    };
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
                    match approve_in(tx, who, id, None, ctx) {
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
                                AppError::Denied(_) | AppError::NotFound => result.failed.push((
                                    id,
                                    "di luar wewenang Anda / outside your authority".into(),
                                )),
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

/// `filter` narrowed to the principal's region; `None` when it asks only for regions outside it
/// (or names no region at all).
fn scoped_filter(who: &Principal, filter: &ProposalFilter) -> Option<ProposalFilter> {
    let mut f = filter.clone();
    if who.grant.scope.level() == RegionLevel::Regency {
        return Some(f);
    }
    let scope = who.grant.scope;
    match filter.region_prefix.as_deref().map(RegionCode::parse) {
        None => f.region_prefix = Some(scope.to_string()),
        Some(Ok(asked)) if scope.contains(asked) => {}
        Some(Ok(asked)) if asked.contains(scope) => f.region_prefix = Some(scope.to_string()),
        Some(_) => return None,
    }
    Some(f)
}

/// Proposals matching `filter` inside the principal's region.
pub fn list(
    db: &Database,
    who: &Principal,
    filter: &ProposalFilter,
) -> Result<Vec<ProposalRow>, AppError> {
    who.require_any(Action::ViewProposals)?;
    match scoped_filter(who, filter) {
        Some(f) => Ok(store::list_proposals(&mut db.conn()?, &f)?),
        None => Ok(Vec::new()),
    }
}

/// Counts per kind, band and status inside the principal's region.
pub fn counts(
    db: &Database,
    who: &Principal,
    filter: &ProposalFilter,
) -> Result<Vec<(String, String, String, i64)>, AppError> {
    who.require_any(Action::ViewProposals)?;
    match scoped_filter(who, filter) {
        Some(f) => Ok(store::proposal_counts(&mut db.conn()?, &f)?),
        None => Ok(Vec::new()),
    }
}

/// Whether a proposal lies inside the principal's region. Proposals without a village (a list row
/// that names none) belong to the regency, so only regency-wide roles see them. A move is seen in
/// the village it goes to as well.
fn in_scope(who: &Principal, row: &ProposalRow) -> bool {
    if row
        .village_to
        .as_deref()
        .and_then(|v| RegionCode::parse(v).ok())
        .is_some_and(|v| who.grant.covers(v))
    {
        return true;
    }
    match row
        .village_code
        .as_deref()
        .and_then(|v| RegionCode::parse(v).ok())
    {
        Some(v) => who.grant.covers(v),
        None => who.grant.scope.level() == RegionLevel::Regency,
    }
}

/// One proposal, or `NotFound` outside the principal's region.
pub fn show(db: &Database, who: &Principal, id: i64) -> Result<ProposalRow, AppError> {
    who.require_any(Action::ViewProposals)?;
    let row = match store::get_proposal(&mut db.conn()?, id) {
        Err(StoreError::NotFound { .. }) => return Err(AppError::NotFound),
        other => other?,
    };
    if in_scope(who, &row) {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

fn require_decide(who: &Principal, row: &ProposalRow) -> Result<(), AppError> {
    let allowed = who.grant.role.may(Action::DecideProposals);
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
