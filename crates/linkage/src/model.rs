//! Fellegi–Sunter scoring: for every field level, m = P(level | same person) and u = P(level | different
//! persons); a pair's match weight is the sum of log2(m/u) over its fields, and its probability follows
//! from the weight and the prior share of matches among candidate pairs. u is estimated from random pairs
//! (which are almost all non-matches); m and the prior by expectation–maximisation on the candidate pairs.

use crate::compare::{Field, Gamma};

/// Parameters of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// m per field, per level.
    pub m: Vec<Vec<f64>>,
    /// u per field, per level.
    pub u: Vec<Vec<f64>>,
    /// Share of matches among candidate pairs.
    pub prior: f64,
    /// EM iterations run.
    pub iterations: usize,
}

/// One field's contribution to a pair's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The field.
    pub field: Field,
    /// The level reached, or `None` when a value was missing.
    pub level: Option<&'static str>,
    /// Weight added (log2 m/u), 0 when missing.
    pub weight: f64,
}

fn levels(f: Field) -> usize {
    f.levels().len()
}

/// Frequencies of each level, smoothed so that no probability is 0.
fn frequencies<'a>(gammas: impl Iterator<Item = (&'a Gamma, f64)>) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = Field::ALL.iter().map(|f| vec![0.0; levels(*f)]).collect();
    for (g, w) in gammas {
        for (i, level) in g.iter().enumerate() {
            if let Some(l) = level {
                counts[i][*l as usize] += w;
            }
        }
    }
    counts
        .into_iter()
        .map(|c| {
            let total: f64 = c.iter().sum::<f64>() + 0.01 * c.len() as f64;
            c.iter().map(|x| (x + 0.01) / total).collect()
        })
        .collect()
}

/// The distinct comparison vectors with how often each occurs. Millions of candidate pairs reach only a
/// few thousand distinct vectors, so every EM pass runs over these instead of over the pairs.
fn patterns(gammas: &[Gamma]) -> Vec<(Gamma, f64)> {
    let mut counts: std::collections::HashMap<Gamma, f64> = std::collections::HashMap::new();
    for g in gammas {
        *counts.entry(*g).or_insert(0.0) += 1.0;
    }
    let mut out: Vec<(Gamma, f64)> = counts.into_iter().collect();
    // A fixed order keeps the floating-point sums (and so the trained model) the same run after run.
    out.sort_by_key(|p| p.0);
    out
}

/// Estimates u from the comparison vectors of random pairs.
pub fn estimate_u(random_pairs: &[Gamma]) -> Vec<Vec<f64>> {
    frequencies(random_pairs.iter().map(|g| (g, 1.0)))
}

impl Model {
    /// A model with the given u and starting m (most mass on full agreement).
    pub fn new(u: Vec<Vec<f64>>) -> Model {
        let m = Field::ALL
            .iter()
            .map(|f| {
                let n = levels(*f);
                (0..n)
                    .map(|l| if l == 0 { 0.8 } else { 0.2 / (n - 1) as f64 })
                    .collect()
            })
            .collect();
        Model {
            m,
            u,
            prior: 0.1,
            iterations: 0,
        }
    }

    fn log2_likelihood_ratio(&self, g: &Gamma) -> f64 {
        g.iter()
            .enumerate()
            .filter_map(|(i, l)| l.map(|l| (self.m[i][l as usize] / self.u[i][l as usize]).log2()))
            .sum()
    }

    /// Match weight: sum of log2(m/u) over the fields present.
    pub fn weight(&self, g: &Gamma) -> f64 {
        self.log2_likelihood_ratio(g)
    }

    /// Probability that the pair is one person.
    pub fn probability(&self, g: &Gamma) -> f64 {
        let prior_odds = (self.prior / (1.0 - self.prior)).log2();
        let w = self.weight(g) + prior_odds;
        1.0 / (1.0 + (-w).exp2())
    }

    /// Weight and probability with the exact-name level's u replaced by the name's own frequency
    /// (term-frequency adjustment); `frequency` is clamped away from 0.
    pub fn weight_and_probability_with_name_u(&self, g: &Gamma, frequency: f64) -> (f64, f64) {
        let i = Field::ALL
            .iter()
            .position(|f| *f == Field::Name)
            .unwrap_or(1);
        let mut w = self.weight(g);
        if g[i] == Some(0) {
            w += (self.u[i][0] / frequency.max(1e-9)).log2();
        }
        let prior_odds = (self.prior / (1.0 - self.prior)).log2();
        (w, 1.0 / (1.0 + (-(w + prior_odds)).exp2()))
    }

    /// Each field's level and weight for one pair.
    pub fn explain(&self, g: &Gamma) -> Vec<Contribution> {
        Field::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| Contribution {
                field: *f,
                level: g[i].map(|l| f.levels()[l as usize]),
                weight: g[i].map_or(0.0, |l| {
                    (self.m[i][l as usize] / self.u[i][l as usize]).log2()
                }),
            })
            .collect()
    }

    /// Estimates m from self-anchored pairs, then the prior by EM with m and u fixed.
    ///
    /// Unconstrained EM on blocked candidates can settle on "everything matches": blocking makes
    /// candidates agree on the blocked fields, so agreement stops telling matches apart. Each field's m is
    /// therefore measured on pairs that an *independent* field already identifies: pairs with the same
    /// NIK give m for name, birth date, sex and village; pairs with the same name sound, birth date and sex
    /// give m for the NIK. Where there are fewer than `MIN_ANCHORS` such pairs (a list against itself has no
    /// shared NIKs), that part of m keeps its default.
    ///
    /// The prior is finally stated per *pair of records* (expected matches ÷ all pairs), not per candidate:
    /// u comes from random pairs, so only a population-level prior is consistent with it, and the
    /// probabilities then do not depend on how tight the blocking rules are.
    pub fn train_anchored(
        mut self,
        candidates: &[Gamma],
        all_pairs: f64,
        max_iterations: usize,
    ) -> Model {
        const MIN_ANCHORS: usize = 50;
        let by_nik: Vec<&Gamma> = candidates.iter().filter(|g| g[0] == Some(0)).collect();
        let by_person: Vec<&Gamma> = candidates
            .iter()
            .filter(|g| matches!(g[1], Some(0) | Some(1)) && g[2] == Some(0) && g[3] != Some(1))
            .collect();
        if by_nik.len() >= MIN_ANCHORS {
            let from_nik = frequencies(by_nik.iter().map(|g| (*g, 1.0)));
            let n = self.m.len();
            self.m[1..].clone_from_slice(&from_nik[1..n]);
        }
        if by_person.len() >= MIN_ANCHORS {
            self.m[0] = frequencies(by_person.iter().map(|g| (*g, 1.0)))[0].clone();
        }
        let patterns = patterns(candidates);
        for it in 0..max_iterations {
            let posteriors: f64 = patterns.iter().map(|(g, n)| n * self.probability(g)).sum();
            let new_prior = (posteriors / candidates.len() as f64).clamp(1e-6, 1.0 - 1e-6);
            let change = (new_prior - self.prior).abs();
            self.prior = new_prior;
            self.iterations = it + 1;
            if change < 1e-7 {
                break;
            }
        }
        let expected_matches = self.prior * candidates.len() as f64;
        self.prior = (expected_matches / all_pairs.max(1.0)).clamp(1e-15, 0.5);
        self
    }

    /// Re-estimates m and the prior by EM on candidate pairs (u stays as estimated from random pairs).
    pub fn train(mut self, candidates: &[Gamma], max_iterations: usize) -> Model {
        if candidates.is_empty() {
            return self;
        }
        let patterns = patterns(candidates);
        for it in 0..max_iterations {
            let posteriors: Vec<f64> = patterns
                .iter()
                .map(|(g, n)| n * self.probability(g))
                .collect();
            let new_m = frequencies(
                patterns
                    .iter()
                    .map(|(g, _)| g)
                    .zip(posteriors.iter().copied()),
            );
            let new_prior =
                (posteriors.iter().sum::<f64>() / candidates.len() as f64).clamp(1e-6, 1.0 - 1e-6);
            let change = (new_prior - self.prior).abs()
                + new_m
                    .iter()
                    .zip(&self.m)
                    .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
                    .sum::<f64>();
            self.m = new_m;
            self.prior = new_prior;
            self.iterations = it + 1;
            if change < 1e-6 {
                break;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws a level from a distribution with a deterministic stream.
    fn draw(dist: &[f64], r: f64) -> u8 {
        let mut acc = 0.0;
        for (i, p) in dist.iter().enumerate() {
            acc += p;
            if r < acc {
                return i as u8;
            }
        }
        (dist.len() - 1) as u8
    }

    #[test]
    fn em_recovers_known_m_and_prior() {
        let true_m: Vec<Vec<f64>> = vec![
            vec![0.85, 0.05, 0.03, 0.02, 0.05],
            vec![0.6, 0.2, 0.1, 0.05, 0.05],
            vec![0.9, 0.03, 0.03, 0.02, 0.02],
            vec![0.98, 0.02],
            vec![0.8, 0.1, 0.05, 0.05],
        ];
        let true_u: Vec<Vec<f64>> = vec![
            vec![0.0001, 0.001, 0.0005, 0.01, 0.9884],
            vec![0.001, 0.01, 0.03, 0.1, 0.859],
            vec![0.002, 0.001, 0.002, 0.05, 0.945],
            vec![0.5, 0.5],
            vec![0.02, 0.1, 0.5, 0.38],
        ];
        let prior = 0.2;
        let mut state: u64 = 42;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut candidates = Vec::new();
        for _ in 0..50_000 {
            let is_match = next() < prior;
            let dist = if is_match { &true_m } else { &true_u };
            let mut g: Gamma = [None; Field::ALL.len()];
            for (i, d) in dist.iter().enumerate() {
                g[i] = Some(draw(d, next()));
            }
            candidates.push(g);
        }
        let random: Vec<Gamma> = (0..50_000)
            .map(|_| {
                let mut g: Gamma = [None; Field::ALL.len()];
                for (i, d) in true_u.iter().enumerate() {
                    g[i] = Some(draw(d, next()));
                }
                g
            })
            .collect();
        let model = Model::new(estimate_u(&random)).train(&candidates, 100);
        assert!((model.prior - prior).abs() < 0.01, "prior {}", model.prior);
        for (f, (got, want)) in model.m.iter().zip(&true_m).enumerate() {
            for (l, (g, w)) in got.iter().zip(want).enumerate() {
                assert!(
                    (g - w).abs() < 0.03,
                    "field {f} level {l}: m {g:.3} vs {w:.3}"
                );
            }
        }
        // a full agreement is a near-certain match, a full disagreement near-certain not
        assert!(
            model.probability(&[Some(0), Some(0), Some(0), Some(0), Some(0), None, None]) > 0.999
        );
        assert!(
            model.probability(&[Some(4), Some(4), Some(4), Some(1), Some(3), None, None]) < 0.001
        );
        let why = model.explain(&[Some(0), None, Some(4), Some(0), Some(1), None, None]);
        assert_eq!(why[0].level, Some("exact"));
        assert!(why[0].weight > 10.0);
        assert_eq!(why[1].level, None);
        assert_eq!(why[1].weight, 0.0);
        assert!(why[2].weight < 0.0);
    }
}
