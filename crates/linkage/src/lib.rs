//! Record linkage for lists of persons: deciding which record of one list is about which record of
//! another (or of the same list), even with mistyped or Excel-damaged NIKs and names spelled another way,
//! without confusing two different people.
//!
//! The engine knows nothing of jaring's tables: it takes [`LinkRecord`]s (NIK, name, birth date, sex,
//! village) built from any two lists, blocks them into candidate pairs, compares each field to a level,
//! scores pairs with a Fellegi–Sunter model whose m is estimated by EM on the data and u from random
//! pairs, and explains every score field by field.

pub mod bands;
pub mod blocking;
pub mod compare;
pub mod model;
pub mod names;
pub mod policy;
pub mod record;

use std::collections::HashMap;

use rayon::prelude::*;

pub use bands::{decide, Band, BandRules, Decision};
pub use blocking::BlockingReport;
pub use compare::{Field, Gamma};
pub use model::{Contribution, Model};
pub use policy::{AutoRules, CompiledRules, PairFacts, PolicyError, Reason};
pub use record::{LinkRecord, Sex};

/// A scored candidate pair.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    /// Index in the left list.
    pub left: u32,
    /// Index in the right list.
    pub right: u32,
    /// Levels reached per field.
    pub gamma: Gamma,
    /// Match weight (bits).
    pub weight: f64,
    /// Probability of being one person.
    pub probability: f64,
}

/// Tuning of a linkage run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Blocks with more right records than this are skipped (and reported).
    pub max_block: usize,
    /// Random pairs sampled to estimate u.
    pub random_pairs: usize,
    /// EM iterations at most.
    pub em_iterations: usize,
    /// Pairs below this probability are dropped from the result.
    pub keep_above: f64,
    /// Term-frequency adjustment: an exact name match counts for less when the name is common in the
    /// right list ("Maria" in Belu) and more when it is rare, in place of the average u of the exact
    /// level (as Splink does). Off by default: on generated Belu, whose names come from small pools, it
    /// lowers recall (deaths at p ≥ 0.9: 0.9921 → 0.9877, precision unchanged); real lists with a long
    /// tail of rare names are where it helps.
    pub term_frequency: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_block: 2_000,
            random_pairs: 200_000,
            em_iterations: 50,
            keep_above: 0.01,
            term_frequency: false,
        }
    }
}

/// The outcome of linking two lists.
#[derive(Debug, Clone)]
pub struct Linkage {
    /// Kept pairs, best first.
    pub pairs: Vec<ScoredPair>,
    /// The trained model.
    pub model: Model,
    /// Blocking figures.
    pub blocking: BlockingReport,
}

/// Comparison vectors of pseudo-random pairs (deterministic), for u.
fn random_gammas(left: &[LinkRecord], right: &[LinkRecord], n: usize) -> Vec<Gamma> {
    if left.is_empty() || right.is_empty() {
        return Vec::new();
    }
    (0..n as u64)
        .into_par_iter()
        .map(|k| {
            let mut x = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
            x ^= x >> 29;
            let i = (x % left.len() as u64) as usize;
            let j = ((x >> 32).wrapping_mul(2_654_435_761) % right.len() as u64) as usize;
            compare::compare(&left[i], &right[j])
        })
        .collect()
}

/// u for the NIK among pairs that share a birth date but not a name: near-certain non-matches in the very
/// situation where NIKs look alike. A NIK encodes its holder's birth date, so two strangers born the same
/// day in neighbouring kecamatan have NIKs one digit apart; u from unconditioned random pairs would call
/// that near-impossible and count the shared birthday twice (once in the birth date, once in the NIK).
fn nik_u_given_same_birth_date(
    left: &[LinkRecord],
    right: &[LinkRecord],
    n: usize,
) -> Option<Vec<f64>> {
    let mut by_date: std::collections::HashMap<chrono::NaiveDate, Vec<u32>> =
        std::collections::HashMap::new();
    for (j, r) in right.iter().enumerate() {
        if let (Some(d), Some(_)) = (r.birth_date, &r.nik) {
            by_date.entry(d).or_default().push(j as u32);
        }
    }
    let gammas: Vec<Gamma> = (0..(n * 4) as u64)
        .into_par_iter()
        .filter_map(|k| {
            let mut x = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x94D0_49BB_1331_11EB;
            x ^= x >> 31;
            let l = &left[(x % left.len() as u64) as usize];
            let bucket = by_date.get(&l.birth_date?)?;
            let r = &right[bucket[((x >> 33) % bucket.len() as u64) as usize] as usize];
            (l.nik.is_some() && compare::name(l, r) == Some(4)).then(|| compare::compare(l, r))
        })
        .take_any(n)
        .collect();
    (gammas.len() >= 1_000).then(|| model::estimate_u(&gammas)[0].clone())
}

/// Links `left` to `right`: blocking, comparison, EM training, scoring.
pub fn link(left: &[LinkRecord], right: &[LinkRecord], options: &Options) -> Linkage {
    let (candidates, blocking) = blocking::candidates(left, right, options.max_block);
    score(left, right, candidates, blocking, options)
}

/// Finds the same person twice in one list: pairs `(i, j)` with `i < j` (a record is never compared with
/// itself, so the model is trained on real pairs only).
pub fn dedupe(records: &[LinkRecord], options: &Options) -> Linkage {
    let (mut candidates, mut blocking) = blocking::candidates(records, records, options.max_block);
    candidates.retain(|(i, j)| i < j);
    blocking.candidate_pairs = candidates.len() as u64;
    score(records, records, candidates, blocking, options)
}

fn score(
    left: &[LinkRecord],
    right: &[LinkRecord],
    candidates: Vec<(u32, u32)>,
    blocking: BlockingReport,
    options: &Options,
) -> Linkage {
    let gammas: Vec<Gamma> = candidates
        .par_iter()
        .map(|&(i, j)| compare::compare(&left[i as usize], &right[j as usize]))
        .collect();
    let mut u = model::estimate_u(&random_gammas(left, right, options.random_pairs));
    if let Some(nik_u) = nik_u_given_same_birth_date(left, right, options.random_pairs / 4) {
        u[0] = nik_u;
    }
    let all_pairs = left.len() as f64 * right.len() as f64;
    let model = Model::new(u).train_anchored(&gammas, all_pairs, options.em_iterations);
    let name_frequency: HashMap<u64, f64> = if options.term_frequency {
        let mut counts: HashMap<u64, f64> = HashMap::new();
        for r in right {
            *counts.entry(r.fast.joined).or_insert(0.0) += 1.0;
        }
        let n = right.len().max(1) as f64;
        counts.into_iter().map(|(k, c)| (k, c / n)).collect()
    } else {
        HashMap::new()
    };
    let name_field = Field::ALL
        .iter()
        .position(|f| *f == Field::Name)
        .unwrap_or(1);
    let mut pairs: Vec<ScoredPair> = candidates
        .par_iter()
        .zip(gammas.par_iter())
        .filter_map(|(&(left, right_index), g)| {
            let tf = (g[name_field] == Some(0))
                .then(|| name_frequency.get(&right[right_index as usize].fast.joined))
                .flatten()
                .copied();
            let (weight, probability) = match tf {
                Some(tf) => model.weight_and_probability_with_name_u(g, tf),
                None => (model.weight(g), model.probability(g)),
            };
            let right = right_index;
            // Pairs sharing a NIK are always kept, however weak the rest: a shared NIK on two different
            // people is a data error someone has to see.
            (probability >= options.keep_above || g[0] == Some(0)).then_some(ScoredPair {
                left,
                right,
                gamma: *g,
                weight,
                probability,
            })
        })
        .collect();
    pairs.par_sort_unstable_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    Linkage {
        pairs,
        model,
        blocking,
    }
}

/// Keeps each left and each right record in at most one pair, best weight first (for lists where a
/// person appears once, such as a death list against the registry).
pub fn one_to_one(pairs: &[ScoredPair]) -> Vec<ScoredPair> {
    one_to_one_within(pairs, |_| 0)
}

/// [`one_to_one`] within each group of right records (`group` of a right index, such as the file it
/// came from): a person appears once on each month's list, but on every month's list.
pub fn one_to_one_within(pairs: &[ScoredPair], group: impl Fn(u32) -> i64) -> Vec<ScoredPair> {
    let mut used_left = std::collections::HashSet::new();
    let mut used_right = std::collections::HashSet::new();
    pairs
        .iter()
        .filter(|p| {
            let left = (group(p.right), p.left);
            if used_left.contains(&left) || used_right.contains(&p.right) {
                return false;
            }
            used_left.insert(left);
            used_right.insert(p.right);
            true
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn r(
        id: &str,
        nik: &str,
        name: &str,
        (y, m, d): (i32, u32, u32),
        sex: Sex,
        v: &str,
    ) -> LinkRecord {
        LinkRecord::new(
            id,
            nik,
            name,
            NaiveDate::from_ymd_opt(y, m, d),
            Some(sex),
            Some(v),
        )
    }

    #[test]
    fn term_frequency_makes_common_names_weigh_less() {
        // The right list: one "Kornelis Asa" and forty women called "Maria Bere" born on other days.
        let mut right = vec![r(
            "k",
            "",
            "Kornelis Asa",
            (1970, 1, 1),
            Sex::Male,
            "5304012001",
        )];
        for i in 0..40u32 {
            right.push(r(
                &format!("m{i}"),
                "",
                "Maria Bere",
                (1960 + i as i32, 2, 3),
                Sex::Female,
                "5304012001",
            ));
        }
        for i in 0..200u32 {
            right.push(r(
                &format!("x{i}"),
                "",
                &format!("Orang {i} Lain"),
                (1950 + (i % 50) as i32, 5, 5),
                Sex::Male,
                "5304022001",
            ));
        }
        // Two left records that each match one right record exactly on everything but the NIK.
        let left = vec![
            r(
                "a",
                "",
                "Kornelis Asa",
                (1970, 1, 1),
                Sex::Male,
                "5304012001",
            ),
            r(
                "b",
                "",
                "Maria Bere",
                (1960, 2, 3),
                Sex::Female,
                "5304012001",
            ),
        ];
        let weight_of = |tf: bool, l: u32, rid: &str| {
            let linkage = link(
                &left,
                &right,
                &Options {
                    term_frequency: tf,
                    keep_above: 0.0,
                    ..Options::default()
                },
            );
            linkage
                .pairs
                .iter()
                .find(|p| p.left == l && right[p.right as usize].id == rid)
                .map(|p| p.weight)
                .unwrap()
        };
        let (rare, common) = (weight_of(false, 0, "k"), weight_of(false, 1, "m0"));
        assert!(
            (rare - common).abs() < 1e-9,
            "without the adjustment an exact name is an exact name"
        );
        let (rare_tf, common_tf) = (weight_of(true, 0, "k"), weight_of(true, 1, "m0"));
        assert!(
            rare_tf > rare && common_tf < common,
            "{rare_tf} {rare} {common_tf} {common}"
        );
        // The difference is the log-ratio of the two names' frequencies (1 vs 40 in 241).
        assert!((rare_tf - common_tf - 40f64.log2()).abs() < 1e-9);
    }

    fn registry() -> Vec<LinkRecord> {
        let names = [
            "Yohanes Bere",
            "Maria Hoar",
            "Petrus Seran",
            "Agustinus Kolo",
            "Yasinta Luruk",
            "Fransiskus Mau",
            "Katarina Rika",
            "Simon Taek",
            "Lusia Asa",
            "Marianus Manek",
            "Yosef Nahak",
            "Emilia Bouk",
        ];
        let mut out = Vec::new();
        for k in 0..600 {
            let name = format!(
                "{} {}",
                names[k % names.len()],
                names[(k / 12) % names.len()].split(' ').nth(1).unwrap()
            );
            let sex = if k % 2 == 0 { Sex::Male } else { Sex::Female };
            let day = (k % 28) as u32 + 1;
            let month = (k % 12) as u32 + 1;
            let year = 1950 + (k % 50) as i32;
            let dd = if sex == Sex::Female { day + 40 } else { day };
            let nik = format!("530401{dd:02}{month:02}{:02}{:04}", year % 100, k + 1);
            out.push(r(
                &format!("P{k}"),
                &nik,
                &name,
                (year, month, day),
                sex,
                "5304012001",
            ));
        }
        out
    }

    #[test]
    fn finds_the_same_people_despite_damage_and_never_pairs_strangers() {
        let reg = registry();
        // a "death list": 40 registry persons with typical damage, plus 10 strangers
        let mut deaths = Vec::new();
        for (n, p) in reg.iter().step_by(15).enumerate() {
            let nik = p.nik.clone().unwrap();
            let nik = match n % 4 {
                0 => nik,
                1 => format!("{}{}", &nik[..15], (nik.as_bytes()[15] - b'0' + 1) % 10),
                2 => "5.30401E+15".to_string(),
                _ => String::new(),
            };
            let name = p
                .name
                .joined()
                .replace("yohanes", "johanes")
                .replace("yosef", "josef");
            deaths.push(LinkRecord::new(
                format!("D{n}"),
                &nik,
                &name,
                p.birth_date,
                p.sex,
                p.region.as_deref(),
            ));
        }
        for s in 0..10 {
            deaths.push(r(
                &format!("S{s}"),
                "",
                "Ambrosius Klau",
                (1930 + s, 1, 1),
                Sex::Male,
                "5304022001",
            ));
        }
        let linkage = link(&reg, &deaths, &Options::default());
        let matched = one_to_one(
            &linkage
                .pairs
                .iter()
                .filter(|p| p.probability > 0.9)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let truth = |p: &ScoredPair| {
            reg[p.left as usize].id
                == format!(
                    "P{}",
                    deaths[p.right as usize].id[1..]
                        .parse::<usize>()
                        .unwrap_or(9999)
                        * 15
                )
        };
        let correct = matched
            .iter()
            .filter(|p| deaths[p.right as usize].id.starts_with('D') && truth(p))
            .count();
        assert_eq!(correct, 40, "all 40 found: {:?}", linkage.blocking);
        assert_eq!(matched.len(), 40, "no stranger matched");
        assert!(linkage.blocking.candidate_pairs > 40);
        assert!(linkage.model.iterations > 0);
    }

    fn pair(left: u32, right: u32, weight: f64) -> ScoredPair {
        ScoredPair {
            left,
            right,
            gamma: [None; Field::ALL.len()],
            weight,
            probability: 0.9,
        }
    }

    #[test]
    fn one_to_one_within_lets_each_file_name_a_person_once() {
        let p = pair;
        // Right 0 and 1 are two months' lists naming left 0; right 2 is another entry of month 1.
        let pairs = [p(0, 0, 10.0), p(0, 1, 9.0), p(0, 2, 8.0)];
        let kept = one_to_one_within(&pairs, |r| if r == 0 { 1 } else { 2 });
        let kept: Vec<(u32, u32)> = kept.iter().map(|p| (p.left, p.right)).collect();
        assert_eq!(kept, vec![(0, 0), (0, 1)]);
        assert_eq!(one_to_one(&pairs).len(), 1);
    }

    #[test]
    fn one_to_one_keeps_the_best_pair_per_record() {
        let p = pair;
        let kept = one_to_one(&[p(0, 0, 10.0), p(0, 1, 9.0), p(1, 0, 8.0), p(1, 1, 7.0)]);
        assert_eq!(
            kept.iter().map(|k| (k.left, k.right)).collect::<Vec<_>>(),
            vec![(0, 0), (1, 1)]
        );
    }
}
