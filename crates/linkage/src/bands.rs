//! From a linkage to one decision per list record: which resident it is about (if any), and whether
//! what it asks may be approved in bulk (`Auto`), needs a person (`Review`), or concerns no resident
//! (`NoMatch`). Shared by synchronisation and the benchmarks, so what is measured is what runs.

use std::collections::HashMap;

use crate::compare::{self, Field};
use crate::policy::{holder_differs, CompiledRules, PairFacts, Reason};
use crate::record::LinkRecord;
use crate::{one_to_one_within, Linkage, ScoredPair};

/// A record's band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Band {
    /// Approvable in bulk.
    Auto,
    /// For a person to decide.
    Review,
    /// Not about a resident.
    NoMatch,
}

impl Band {
    /// Stored code.
    pub fn as_code(self) -> &'static str {
        match self {
            Band::Auto => "auto",
            Band::Review => "review",
            Band::NoMatch => "no_match",
        }
    }
}

/// The decision on one list record.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Index of the record in the list.
    pub right: u32,
    /// The resident and the pair's scores, when there is a candidate (for `NoMatch`, the best pair
    /// below the lower threshold, if any, for its figures).
    pub pair: Option<ScoredPair>,
    /// The band.
    pub band: Band,
    /// Why the pair is not in the auto band (or how it was chosen), empty for `Auto` and `NoMatch`.
    pub reasons: Vec<Reason>,
}

/// Probability thresholds and the rules for the auto band.
#[derive(Debug, Clone, Copy)]
pub struct BandRules {
    /// At or above (and passing the rules): auto.
    pub upper: f64,
    /// At or above: review.
    pub lower: f64,
    /// The rules.
    pub rules: CompiledRules,
}

/// Residents per name sound, per village and in all.
struct Namesakes {
    by_village: HashMap<(u64, u64), u32>,
    total: HashMap<u64, u32>,
}

fn village_key(r: &LinkRecord) -> u64 {
    r.region
        .as_deref()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
}

impl Namesakes {
    fn count(registry: &[LinkRecord]) -> Namesakes {
        let mut by_village = HashMap::new();
        let mut total = HashMap::new();
        for r in registry.iter().filter(|r| !r.name.tokens.is_empty()) {
            *by_village
                .entry((village_key(r), r.name_key()))
                .or_insert(0) += 1;
            *total.entry(r.name_key()).or_insert(0) += 1;
        }
        Namesakes { by_village, total }
    }

    /// Residents sharing `person`'s name sound in their village, or in the whole registry when the
    /// list record names no village (an appointment list: the namesake may live anywhere).
    fn of(&self, person: &LinkRecord, record: &LinkRecord) -> u32 {
        let key = person.name_key();
        if record.region.is_some() {
            self.by_village
                .get(&(village_key(person), key))
                .copied()
                .unwrap_or(1)
        } else {
            self.total.get(&key).copied().unwrap_or(1)
        }
    }
}

/// Decides every record of `list` linked against `registry`. `file_of` groups list records by the file
/// they came from (a resident appears once per file, but on every month's file).
pub fn decide(
    registry: &[LinkRecord],
    list: &[LinkRecord],
    linkage: &Linkage,
    file_of: impl Fn(u32) -> i64,
    rules: &BandRules,
) -> Vec<Decision> {
    let chosen = one_to_one_within(&linkage.pairs, &file_of);
    let mut by_right: HashMap<u32, ScoredPair> = HashMap::with_capacity(chosen.len());
    for p in chosen {
        by_right.insert(p.right, p);
    }
    // The two best residents of each record (pairs are sorted best first).
    let mut top: HashMap<u32, [(u32, f64); 2]> = HashMap::new();
    for p in &linkage.pairs {
        let e = top
            .entry(p.right)
            .or_insert([(p.left, p.weight), (u32::MAX, f64::NEG_INFINITY)]);
        if e[1].0 == u32::MAX && e[0].0 != p.left {
            e[1] = (p.left, p.weight);
        }
    }
    let namesakes = Namesakes::count(registry);
    let mut households: HashMap<i64, Vec<u32>> = HashMap::new();
    for (i, r) in registry.iter().enumerate() {
        if let Some(h) = r.household {
            households.entry(h).or_default().push(i as u32);
        }
    }
    (0..list.len() as u32)
        .map(|j| {
            let record = &list[j as usize];
            let Some(mut pair) = by_right.get(&j).cloned() else {
                return Decision {
                    right: j,
                    pair: None,
                    band: Band::NoMatch,
                    reasons: Vec::new(),
                };
            };
            let mut reasons = Vec::new();
            if holder_differs(&pair.gamma) {
                if let Some(member) =
                    household_member(registry, &households, record, &pair, linkage)
                {
                    pair = member;
                    reasons.push(Reason::NikOfHouseholdMember);
                }
            }
            if pair.probability < rules.lower && !holder_differs(&pair.gamma) && reasons.is_empty()
            {
                return Decision {
                    right: j,
                    pair: Some(pair),
                    band: Band::NoMatch,
                    reasons: Vec::new(),
                };
            }
            let runner_up_gap = top.get(&j).and_then(|t| {
                let other = if t[0].0 == pair.left { t[1] } else { t[0] };
                (other.0 != u32::MAX).then_some(pair.weight - other.1)
            });
            let facts = PairFacts {
                gamma: pair.gamma,
                probability: pair.probability,
                namesakes: namesakes.of(&registry[pair.left as usize], record),
                runner_up_gap,
                placeholder_birth_date: registry[pair.left as usize]
                    .birth_date
                    .is_some_and(crate::policy::is_placeholder_date),
            };
            reasons.extend(rules.rules.reasons(&facts, rules.upper));
            let band = if reasons.is_empty() {
                Band::Auto
            } else {
                Band::Review
            };
            Decision {
                right: j,
                pair: Some(pair),
                band,
                reasons,
            }
        })
        .collect()
}

/// The record carries a resident's NIK but another name: a death record often carries the informant's
/// or the head of family's NIK. The member of that resident's household whose name and birth date fit
/// is the one the record is about — never the NIK holder.
fn household_member(
    registry: &[LinkRecord],
    households: &HashMap<i64, Vec<u32>>,
    record: &LinkRecord,
    holder: &ScoredPair,
    linkage: &Linkage,
) -> Option<ScoredPair> {
    let members = households.get(&registry[holder.left as usize].household?)?;
    members
        .iter()
        .filter(|&&i| i != holder.left)
        .filter_map(|&i| {
            let gamma = compare::compare(&registry[i as usize], record);
            let name = gamma[Field::Name.index()]?;
            let born = gamma[Field::BirthDate.index()].unwrap_or(0);
            (name <= 2 && born <= 3).then(|| ScoredPair {
                left: i,
                right: holder.right,
                weight: linkage.model.weight(&gamma),
                probability: linkage.model.probability(&gamma),
                gamma,
            })
        })
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
}
