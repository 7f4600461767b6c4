//! Synchronisation: each staged external list is linked to the registry, and every staged record gets a
//! match candidate with a band — `auto` (ready for an approvable proposal), `review` (a person decides),
//! `no_match` (not in the registry). Re-running replaces the previous result.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jaring_domain::ListKind;
use jaring_linkage::{decide, link, AutoRules, Band, BandRules, LinkRecord, Options, Reason, Sex};
use jaring_store::audit;
use jaring_store::matches::{self, Identity, MatchCandidate};
use jaring_store::Database;
use serde::Deserialize;

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

/// The policy of a synchronisation: per list kind, the thresholds and the rules a pair must pass to
/// enter the auto band. Written as TOML (`jaring sync --policy FILE`):
///
/// ```toml
/// [deaths]
/// upper = 0.9
/// lower = 0.2
/// [deaths.auto]
/// nik = "exact"        # only an exact NIK, not a typo
/// common_name = 3
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncPolicy {
    /// Thresholds per list; missing lists use [`Thresholds::default_for`].
    pub thresholds: HashMap<ListKind, Thresholds>,
    /// Auto-band rules per list; missing lists use [`SyncPolicy::default_rules`].
    pub rules: HashMap<ListKind, AutoRules>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSection {
    upper: Option<f64>,
    lower: Option<f64>,
    auto: Option<AutoRules>,
}

impl From<HashMap<ListKind, Thresholds>> for SyncPolicy {
    fn from(thresholds: HashMap<ListKind, Thresholds>) -> Self {
        SyncPolicy {
            thresholds,
            rules: HashMap::new(),
        }
    }
}

impl SyncPolicy {
    /// The rules a list kind gets by default: a death or an appointment changes a person's status and
    /// their household's cover, so those lists are guarded; the others are decided by probability.
    pub fn default_rules(kind: ListKind) -> AutoRules {
        match kind {
            ListKind::Deaths | ListKind::Asn => AutoRules::default(),
            _ => AutoRules::unguarded(),
        }
    }

    /// Reads a policy file's text; every error names the list and the setting.
    pub fn from_toml(text: &str) -> Result<SyncPolicy, AppError> {
        let sections: HashMap<String, ListSection> = toml::from_str(text)
            .map_err(|e| AppError::Input(format!("kebijakan / policy: {e}")))?;
        let mut policy = SyncPolicy::default();
        for (name, section) in sections {
            let kind = ListKind::from_code(&name)
                .filter(|k| *k != ListKind::Registry)
                .ok_or_else(|| {
                    AppError::Input(format!(
                        "kebijakan / policy: daftar '{name}' tidak dikenal / unknown list '{name}' (deaths, asn, bpjs, dtsen)"
                    ))
                })?;
            let base = Thresholds::default_for(kind);
            let t = Thresholds {
                upper: section.upper.unwrap_or(base.upper),
                lower: section.lower.unwrap_or(base.lower),
            };
            t.check()
                .map_err(|e| AppError::Input(format!("kebijakan / policy [{name}]: {e}")))?;
            policy.thresholds.insert(kind, t);
            if let Some(rules) = section.auto {
                rules.compile().map_err(|e| {
                    AppError::Input(format!("kebijakan / policy [{name}.auto]: {e}"))
                })?;
                policy.rules.insert(kind, rules);
            }
        }
        Ok(policy)
    }

    fn for_kind(&self, kind: ListKind) -> Result<BandRules, AppError> {
        let t = self
            .thresholds
            .get(&kind)
            .copied()
            .unwrap_or_else(|| Thresholds::default_for(kind));
        let rules = self
            .rules
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| SyncPolicy::default_rules(kind));
        Ok(BandRules {
            upper: t.upper,
            lower: t.lower,
            rules: rules
                .compile()
                .map_err(|e| AppError::Input(format!("{}: {e}", kind.as_code())))?,
        })
    }
}

impl Thresholds {
    /// Whether `0 ≤ lower ≤ upper ≤ 1`.
    pub fn check(&self) -> Result<(), String> {
        if (0.0..=1.0).contains(&self.lower) && self.lower <= self.upper && self.upper <= 1.0 {
            Ok(())
        } else {
            Err("perlu 0 ≤ lower ≤ upper ≤ 1 / need 0 ≤ lower ≤ upper ≤ 1".into())
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
    /// Exact-NIK pairs sent to review because the name or birth date is another person's.
    pub nik_conflicts: usize,
    /// Pairs kept out of the auto band by the list's rules although their probability reached it,
    /// per reason.
    pub held_back: Vec<(Reason, usize)>,
    /// Time spent linking.
    pub elapsed: Duration,
}

/// A registry person or staged record as linkage reads it.
pub fn link_record(i: &Identity) -> LinkRecord {
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
    .with_details(i.no_kk.as_deref(), i.birth_place.as_deref(), i.household)
}

pub(crate) fn explanation(model: &jaring_linkage::Model, gamma: &jaring_linkage::Gamma) -> String {
    let items: Vec<serde_json::Value> = model
        .explain(gamma)
        .into_iter()
        .map(|c| serde_json::json!({"field": c.field.name(), "level": c.level, "weight": (c.weight * 100.0).round() / 100.0}))
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// Links the staged records of each kind to the registry and stores the candidates, each with its band
/// and the reasons it is not in the auto band.
pub fn sync(
    db: &Database,
    who: &crate::accounts::Principal,
    kinds: &[ListKind],
    policy: &SyncPolicy,
) -> Result<Vec<SyncSummary>, AppError> {
    sync_reporting(db, who, kinds, policy, &crate::jobs::Silent)
}

/// The lists that have staged records, in the order a synchronisation takes them.
pub fn staged_kinds(db: &Database) -> Result<Vec<ListKind>, AppError> {
    let mut conn = db.conn()?;
    let mut found = Vec::new();
    for k in [
        ListKind::Dtsen,
        ListKind::Deaths,
        ListKind::Asn,
        ListKind::Bpjs,
    ] {
        if jaring_store::imports::staged_count(&mut conn, k.as_code())? > 0 {
            found.push(k);
        }
    }
    Ok(found)
}

/// [`sync`], telling `progress` how many staged records are linked so far.
pub fn sync_reporting(
    db: &Database,
    who: &crate::accounts::Principal,
    kinds: &[ListKind],
    policy: &SyncPolicy,
    progress: &dyn crate::jobs::Progress,
) -> Result<Vec<SyncSummary>, AppError> {
    who.require_any(jaring_domain::access::Action::Synchronise)?;
    let mut total = 0u64;
    {
        let mut conn = db.conn()?;
        for k in kinds {
            total += jaring_store::imports::staged_count(&mut conn, k.as_code())?.max(0) as u64;
        }
    }
    let mut done = 0u64;
    progress.step("membaca register / reading the registry", done, total);
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
        let rules = policy.for_kind(kind)?;
        let staged: Vec<LinkRecord> = matches::staged_identities(&mut db.conn()?, kind.as_code())?
            .iter()
            .map(link_record)
            .collect();
        progress.step(
            &format!("menautkan / linking {}", kind.as_code()),
            done,
            total,
        );
        let linkage = link(
            &registry,
            &staged,
            &Options {
                keep_above: rules.lower.min(0.01),
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
        let decisions = decide(
            &registry,
            &staged,
            &linkage,
            |right| file_of.get(right as usize).copied().unwrap_or_default(),
            &rules,
        );
        let mut summary = SyncSummary {
            kind,
            records: staged.len(),
            auto: 0,
            review: 0,
            no_match: 0,
            nik_conflicts: 0,
            held_back: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let mut held: HashMap<Reason, usize> = HashMap::new();
        let candidates: Vec<MatchCandidate> = decisions
            .iter()
            .map(|d| {
                let staged_id = staged[d.right as usize]
                    .id
                    .parse::<i64>()
                    .unwrap_or_default();
                match d.band {
                    Band::Auto => summary.auto += 1,
                    Band::Review => summary.review += 1,
                    Band::NoMatch => summary.no_match += 1,
                }
                if d.reasons.contains(&Reason::NikHolderDiffers) {
                    summary.nik_conflicts += 1;
                }
                if d.band == Band::Review && !d.reasons.contains(&Reason::BelowThreshold) {
                    for r in &d.reasons {
                        *held.entry(*r).or_insert(0) += 1;
                    }
                }
                let codes: Vec<&str> = d.reasons.iter().map(|r| r.as_code()).collect();
                MatchCandidate {
                    staged_id,
                    person_id: match d.band {
                        Band::NoMatch => None,
                        _ => d
                            .pair
                            .as_ref()
                            .and_then(|p| registry[p.left as usize].id.parse().ok()),
                    },
                    probability: d.pair.as_ref().map_or(0.0, |p| p.probability),
                    weight: d.pair.as_ref().map_or(0.0, |p| p.weight),
                    band: d.band.as_code(),
                    explanation: match (d.band, &d.pair) {
                        (Band::NoMatch, _) | (_, None) => "[]".into(),
                        (_, Some(p)) => explanation(&linkage.model, &p.gamma),
                    },
                    reasons: serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into()),
                }
            })
            .collect();
        summary.held_back = Reason::ALL
            .iter()
            .filter_map(|r| held.get(r).map(|n| (*r, *n)))
            .collect();
        // The bands decide which proposals may be approved in bulk, so the policy a run used is a
        // decision of record.
        let entry = audit::AuditEntry {
            actor: who.username.clone(),
            action: "sync.run".into(),
            entity: "list".into(),
            after: Some(
                serde_json::json!({
                    "list": kind.as_code(),
                    "upper": rules.upper,
                    "lower": rules.lower,
                    "auto_rules": policy.rules.get(&kind).cloned().unwrap_or_else(|| SyncPolicy::default_rules(kind)),
                    "records": summary.records,
                    "auto": summary.auto,
                    "review": summary.review,
                    "no_match": summary.no_match,
                    "held_back": summary.held_back.iter().map(|(r, n)| (r.as_code(), *n)).collect::<HashMap<_, _>>(),
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
        done += summary.records as u64;
        progress.step(&format!("{} tertaut / linked", kind.as_code()), done, total);
        summaries.push(summary);
    }
    Ok(summaries)
}
