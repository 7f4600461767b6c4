//! Synchronisation: each staged external list is linked to the registry, and every staged record gets a
//! match candidate with a band — `auto` (ready for an approvable proposal), `review` (a person decides),
//! `no_match` (not in the registry). Re-running replaces the previous result.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jaring_domain::ListKind;
use jaring_linkage::{link, one_to_one_within, Field, LinkRecord, Options, Sex};
use jaring_store::audit;
use jaring_store::matches::{self, Identity, MatchCandidate};
use jaring_store::Database;

use crate::AppError;

/// Probability thresholds of the bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: `auto`.
    pub upper: f64,
    /// At or above (and below `upper`): `review`.
    pub lower: f64,
}

impl Thresholds {
    /// Defaults per list, chosen on generated Belu data (docs/BENCHMARKS.md): at 0.9 every list's auto
    /// band has precision ≥ 0.996 and recall ≥ 0.99. A death or an appointment changes a person's status,
    /// so those lists also send weaker pairs (down to 0.2) to review rather than dropping them.
    pub fn default_for(kind: ListKind) -> Thresholds {
        match kind {
            ListKind::Deaths | ListKind::Asn => Thresholds {
                upper: 0.9,
                lower: 0.2,
            },
            _ => Thresholds {
                upper: 0.9,
                lower: 0.5,
            },
        }
    }
}

/// What one list's synchronisation found.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncSummary {
    /// The list.
    pub kind: ListKind,
    /// Staged records linked.
    pub records: usize,
    /// Auto band.
    pub auto: usize,
    /// Review band.
    pub review: usize,
    /// No match.
    pub no_match: usize,
    /// Exact-NIK pairs sent to review because name and birth date both disagreed.
    pub nik_conflicts: usize,
    /// Time spent linking.
    pub elapsed: Duration,
}

pub(crate) fn link_record(i: &Identity) -> LinkRecord {
    let sex = match i.sex.as_deref() {
        Some("m") => Some(Sex::Male),
        Some("f") => Some(Sex::Female),
        _ => None,
    };
    LinkRecord::new(
        i.id.to_string(),
        &i.nik,
        &i.name,
        i.birth_date,
        sex,
        i.village.as_deref(),
    )
}

pub(crate) fn explanation(model: &jaring_linkage::Model, gamma: &jaring_linkage::Gamma) -> String {
    let items: Vec<serde_json::Value> = model
        .explain(gamma)
        .into_iter()
        .map(|c| serde_json::json!({"field": c.field.name(), "level": c.level, "weight": (c.weight * 100.0).round() / 100.0}))
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// Links the staged records of each kind to the registry and stores the candidates.
pub fn sync(
    db: &Database,
    who: &crate::accounts::Principal,
    kinds: &[ListKind],
    thresholds: &HashMap<ListKind, Thresholds>,
) -> Result<Vec<SyncSummary>, AppError> {
    who.require_any(jaring_domain::access::Action::Synchronise)?;
    let registry: Vec<LinkRecord> = {
        let mut conn = db.conn()?;
        matches::registry_identities(&mut conn)?
            .iter()
            .map(link_record)
            .collect()
    };
    let mut summaries = Vec::new();
    for &kind in kinds {
        let started = Instant::now();
        let staged: Vec<LinkRecord> = matches::staged_identities(&mut db.conn()?, kind.as_code())?
            .iter()
            .map(link_record)
            .collect();
        let t = thresholds
            .get(&kind)
            .copied()
            .unwrap_or_else(|| Thresholds::default_for(kind));
        let linkage = link(
            &registry,
            &staged,
            &Options {
                keep_above: t.lower.min(0.01),
                ..Options::default()
            },
        );
        // Every list record is one person and a registry person is on each file at most once.
        let import_of = matches::staged_imports(&mut db.conn()?, kind.as_code())?;
        let file_of: Vec<i64> = staged
            .iter()
            .map(|r| {
                r.id.parse::<i64>()
                    .ok()
                    .and_then(|id| import_of.get(&id).copied())
                    .unwrap_or_default()
            })
            .collect();
        let chosen = one_to_one_within(&linkage.pairs, |right| {
            file_of.get(right as usize).copied().unwrap_or_default()
        });
        let mut by_staged: HashMap<u32, &jaring_linkage::ScoredPair> = HashMap::new();
        for p in &chosen {
            by_staged.insert(p.right, p);
        }
        let mut summary = SyncSummary {
            kind,
            records: staged.len(),
            auto: 0,
            review: 0,
            no_match: 0,
            nik_conflicts: 0,
            elapsed: Duration::ZERO,
        };
        let nik = Field::ALL
            .iter()
            .position(|f| *f == Field::Nik)
            .unwrap_or(0);
        let name = Field::ALL
            .iter()
            .position(|f| *f == Field::Name)
            .unwrap_or(1);
        let birth = Field::ALL
            .iter()
            .position(|f| *f == Field::BirthDate)
            .unwrap_or(2);
        let candidates: Vec<MatchCandidate> = staged
            .iter()
            .enumerate()
            .map(|(j, record)| {
                let staged_id = record.id.parse::<i64>().unwrap_or_default();
                // The same NIK on two people with nothing else in common is a data error a person must
                // look at, however strong or weak the rest of the evidence: always review, never auto.
                let conflict_of = |p: &jaring_linkage::ScoredPair| {
                    p.gamma[nik] == Some(0) && p.gamma[name] == Some(4) && p.gamma[birth] == Some(4)
                };
                match by_staged
                    .get(&(j as u32))
                    .filter(|p| p.probability >= t.lower || conflict_of(p))
                {
                    Some(p) => {
                        let conflict = conflict_of(p);
                        let band = if p.probability >= t.upper && !conflict {
                            "auto"
                        } else {
                            "review"
                        };
                        if conflict {
                            summary.nik_conflicts += 1;
                        }
                        MatchCandidate {
                            staged_id,
                            person_id: registry[p.left as usize].id.parse().ok(),
                            probability: p.probability,
                            weight: p.weight,
                            band,
                            explanation: explanation(&linkage.model, &p.gamma),
                        }
                    }
                    None => MatchCandidate {
                        staged_id,
                        person_id: None,
                        probability: by_staged.get(&(j as u32)).map_or(0.0, |p| p.probability),
                        weight: by_staged.get(&(j as u32)).map_or(0.0, |p| p.weight),
                        band: "no_match",
                        explanation: "[]".into(),
                    },
                }
            })
            .collect();
        for c in &candidates {
            match c.band {
                "auto" => summary.auto += 1,
                "review" => summary.review += 1,
                _ => summary.no_match += 1,
            }
        }
        // The bands decide which proposals may be approved in bulk, so the thresholds a run used
        // are a decision of record.
        let entry = audit::AuditEntry {
            actor: who.username.clone(),
            action: "sync.run".into(),
            entity: "list".into(),
            after: Some(
                serde_json::json!({
                    "list": kind.as_code(),
                    "upper": t.upper,
                    "lower": t.lower,
                    "records": summary.records,
                    "auto": summary.auto,
                    "review": summary.review,
                    "no_match": summary.no_match,
                })
                .to_string(),
            ),
            reason: Some(format!(
                "sinkronisasi / synchronisation of {}",
                kind.as_code()
            )),
            ..Default::default()
        };
        db.transaction(|tx| -> Result<(), AppError> {
            audit::lock(tx)?;
            matches::replace_candidates(tx, kind.as_code(), &candidates)?;
            audit::append(tx, std::slice::from_ref(&entry))?;
            Ok(())
        })?;
        summary.elapsed = started.elapsed();
        summaries.push(summary);
    }
    Ok(summaries)
}
