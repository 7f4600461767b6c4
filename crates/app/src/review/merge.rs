//! Duplicate persons in the registry: the same resident registered twice (a NIK typed wrong the second
//! time, a name spelled another way). Found by de-duplicating the registry with the linkage engine;
//! always for a person to review, since merging two different people would be far worse than leaving
//! a duplicate.

use jaring_domain::review::{Band, Intent, ProposalKind, ProposalStatus};
use jaring_linkage::{dedupe, Field, LinkRecord, Options};
use jaring_store::matches;
use jaring_store::review::ProposalFilter;
use jaring_store::Database;

use super::expand::Context;
use crate::accounts::Principal;
use crate::AppError;
use jaring_domain::access::Action;

/// What a duplicate search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeSummary {
    /// Pairs scored by the linkage engine.
    pub candidate_pairs: u64,
    /// Pairs above the threshold.
    pub found: usize,
    /// Of which proposed now (the others were proposed before).
    pub proposed: usize,
}

/// Proposes merging each pair of registry persons at or above `min_probability`. Two valid NIKs that
/// differ in more than a single typo mean two people, whatever the names say (namesakes in one family
/// are common), so such pairs are never proposed. The older record (lower id) is kept.
pub fn propose_merges(
    db: &Database,
    who: &Principal,
    min_probability: f64,
    ctx: &Context,
) -> Result<MergeSummary, AppError> {
    who.require_any(Action::Synchronise)?;
    let identities = matches::registry_identities(&mut db.conn()?)?;
    let registry: Vec<LinkRecord> = identities.iter().map(crate::sync::link_record).collect();
    let linkage = dedupe(
        &registry,
        &Options {
            keep_above: min_probability,
            ..Options::default()
        },
    );
    let nik = Field::ALL
        .iter()
        .position(|f| *f == Field::Nik)
        .unwrap_or(0);
    let mut summary = MergeSummary {
        candidate_pairs: linkage.blocking.candidate_pairs,
        ..MergeSummary::default()
    };
    for p in &linkage.pairs {
        if p.probability < min_probability || p.gamma[nik] == Some(4) {
            continue;
        }
        summary.found += 1;
        let (a, b) = (&identities[p.left as usize], &identities[p.right as usize]);
        let (x, y) = (a.id, b.id);
        let (keep, duplicate) = (x.min(y), x.max(y));
        let existing = super::list(
            db,
            who,
            &ProposalFilter {
                kinds: vec![ProposalKind::Merge.as_code().into()],
                person_id: Some(duplicate),
                ..Default::default()
            },
        )?;
        if existing.iter().any(|e| {
            e.status == ProposalStatus::Pending.as_code()
                || e.status == ProposalStatus::Applied.as_code()
        }) {
            continue;
        }
        let why = crate::sync::explanation(&linkage.model, &p.gamma);
        let draft = super::Draft {
            kind: ProposalKind::Merge,
            intent: Intent::Merge { keep, duplicate },
            summary: format!(
                "Data ganda: #{duplicate} sama dengan #{keep} (p = {:.3}) / duplicate of #{keep}",
                p.probability
            ),
            evidence: serde_json::json!({
                "source": "registry_dedupe",
                "probability": p.probability,
                "weight": p.weight,
                "explanation": serde_json::from_str::<serde_json::Value>(&why).unwrap_or_default(),
                "keep": {"id": keep, "name": if keep == x { &a.name } else { &b.name }},
                "duplicate": {"id": duplicate, "name": if duplicate == x { &a.name } else { &b.name }},
            }),
            band: Band::Review,
            actor: &who.username,
            village: None,
            village_to: None,
        };
        super::propose_draft(db, who, &draft, ctx)?;
        summary.proposed += 1;
    }
    Ok(summary)
}
