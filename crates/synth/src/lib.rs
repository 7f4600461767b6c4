//! A deterministic synthetic regency: the registry a village operator would keep, the external lists
//! the regency receives (DTSEN, deaths, ASN/PPPK, BPJS membership) with realistic damage, and the ground
//! truth that says which record is about whom.
//!
//! Same seed, same `as_of`, same size → byte-identical files. Used for the demo, for tests, and to
//! measure the linkage engine's precision and recall.

pub mod hard;
pub mod hostile;
mod lists;
mod names;
pub mod noise;
mod population;
mod write;

use chrono::NaiveDate;
use jaring_domain::{RegionCode, RegionLevel, Regions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use lists::{ListFile, Lists, TruthRow};
pub use noise::NoiseRates;
pub use population::Population;
pub use write::{write_dir, Manifest, REGISTRY_HEADERS};

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The region has no villages in the national list.
    #[error("region has no villages to populate / wilayah tidak memiliki desa")]
    NoVillages,
    /// More than 9,999 persons share a NIK prefix (region + birth date); only at absurd sizes.
    #[error("NIK serials exhausted for one region and date; generate fewer persons")]
    SerialsExhausted,
    /// A generated identifier failed its own parser (a bug).
    #[error("generated an invalid NIK: {0}")]
    Nik(#[from] jaring_domain::NikError),
    /// A generated family-card number failed its parser (a bug).
    #[error("generated an invalid KK number: {0}")]
    Kk(#[from] jaring_domain::NoKkError),
    /// Writing the files failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Writing CSV failed.
    #[error("cannot write CSV {path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// Why.
        source: csv::Error,
    },
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of registry persons (Belu: ~233,000).
    pub persons: usize,
    /// Random seed; the same seed gives the same population.
    pub seed: u64,
    /// The regency (or any region) to populate.
    pub region: RegionCode,
    /// The date the data describes ("today" in the synthetic world).
    pub as_of: NaiveDate,
    /// Damage rates of the external lists.
    pub noise: NoiseRates,
}

/// Kabupaten Belu, jaring's first user.
pub fn belu() -> RegionCode {
    // 53.04 is a well-formed regency code; parse cannot fail on it.
    RegionCode::from_number(5304).unwrap_or_else(|| unreachable!("53.04 is a valid region code"))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            persons: 233_000,
            seed: 1,
            region: belu(),
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
            noise: NoiseRates::default(),
        }
    }
}

/// A generated regency.
#[derive(Debug, Clone)]
pub struct Generated {
    /// What it was generated from.
    pub config: Config,
    /// The registry.
    pub population: Population,
    /// External lists and ground truth.
    pub lists: Lists,
}

/// Relative size of a village: kelurahan (towns) are larger, desa vary.
fn village_weight(rng: &mut ChaCha8Rng, code: RegionCode) -> f64 {
    let base = match code.village_kind() {
        Some(jaring_domain::VillageKind::Kelurahan) => 3.0,
        _ => 1.0,
    };
    base * rng.gen_range(0.5..1.5)
}

/// Generates the registry and the external lists.
pub fn generate(config: &Config) -> Result<Generated, SynthError> {
    let regions = Regions::national();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let villages: Vec<(RegionCode, String)> = regions
        .within(config.region)
        .filter(|r| r.level() == RegionLevel::Village)
        .map(|r| (r.code, r.name.clone()))
        .collect();
    if villages.is_empty() {
        return Err(SynthError::NoVillages);
    }
    let weights: Vec<f64> = villages
        .iter()
        .map(|(c, _)| village_weight(&mut rng, *c))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut targets: Vec<usize> = weights
        .iter()
        .map(|w| ((w / total) * config.persons as f64).floor() as usize)
        .collect();
    let assigned: usize = targets.iter().sum();
    if let Some(first) = targets.first_mut() {
        *first += config.persons - assigned;
    }

    let mut b = population::Builder::new(rng, config.as_of, config.region, regions);
    for ((code, name), target) in villages.iter().zip(targets) {
        let first = b.persons_len();
        let mut placed = 0;
        while placed < target {
            placed += b.household(*code, name, target - placed)?;
        }
        b.appoint_village_officials(*code, first);
        b.record_past_deaths(first);
    }
    let (population, rng, serials) = b.finish();
    let mut b = population::Builder::resume(rng, serials, config.as_of, config.region, regions);
    let lists = lists::generate(&mut b, &population, &config.noise)?;
    Ok(Generated {
        config: config.clone(),
        population,
        lists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jaring_domain::{LifeStatus, Nik, NoKk, Relationship, WorkerCategory};
    use std::collections::HashSet;

    fn small() -> Generated {
        generate(&Config {
            persons: 6_000,
            ..Config::default()
        })
        .unwrap()
    }

    #[test]
    fn exact_size_every_village_and_unique_identifiers() {
        let g = small();
        assert_eq!(g.population.persons.len(), 6_000);
        let villages: HashSet<_> = g.population.persons.iter().map(|p| p.village).collect();
        assert_eq!(villages.len(), 81);
        let niks: Vec<_> = g.population.persons.iter().filter_map(|p| p.nik).collect();
        assert_eq!(
            niks.iter().collect::<HashSet<_>>().len(),
            niks.len(),
            "NIKs are unique"
        );
        let kks: Vec<_> = g
            .population
            .households
            .iter()
            .filter_map(|h| h.no_kk)
            .collect();
        assert_eq!(
            kks.iter().collect::<HashSet<_>>().len(),
            kks.len(),
            "KK numbers are unique"
        );
    }

    #[test]
    fn niks_agree_with_sex_and_birth_date_and_reparse() {
        let g = small();
        for p in &g.population.persons {
            if let Some(nik) = p.nik {
                assert_eq!(nik.sex(), p.sex, "{}", p.name);
                assert_eq!(Some(nik.birth_date()), p.birth_date);
                assert_eq!(
                    Nik::parse_on(&nik.to_string(), g.config.as_of).unwrap(),
                    nik
                );
            }
        }
        for h in &g.population.households {
            let kk = h.no_kk.unwrap();
            assert_eq!(NoKk::parse_on(&kk.to_string(), g.config.as_of).unwrap(), kk);
        }
    }

    #[test]
    fn households_have_one_head_and_realistic_shape() {
        let g = small();
        let heads = g
            .population
            .persons
            .iter()
            .filter(|p| p.relationship == Relationship::Head)
            .count();
        assert_eq!(heads, g.population.households.len());
        let per_household = 6_000.0 / g.population.households.len() as f64;
        assert!((3.0..6.0).contains(&per_household), "{per_household}");
        let farmers = g
            .population
            .persons
            .iter()
            .filter(|p| p.occupation == "Petani/Pekebun")
            .count();
        let working_age = g
            .population
            .persons
            .iter()
            .filter(|p| {
                p.age_on(g.config.as_of)
                    .is_some_and(|a| (18..65).contains(&a))
            })
            .count();
        assert!(
            farmers * 3 > working_age,
            "farming is the main occupation: {farmers} of {working_age}"
        );
        let officials = g
            .population
            .persons
            .iter()
            .filter(|p| p.worker_category == WorkerCategory::PerangkatDesa)
            .count();
        assert!(officials >= 69 * 8, "{officials} village officials");
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = small();
        let b = small();
        assert_eq!(a.population.persons, b.population.persons);
        assert_eq!(a.lists.truth, b.lists.truth);
        let c = generate(&Config {
            persons: 6_000,
            seed: 2,
            ..Config::default()
        })
        .unwrap();
        assert_ne!(a.population.persons, c.population.persons);
    }

    #[test]
    fn lists_report_events_the_registry_does_not_know() {
        let g = small();
        let by_id: std::collections::HashMap<i64, &jaring_domain::Person> =
            g.population.persons.iter().map(|p| (p.id.0, p)).collect();
        let deaths: Vec<_> = g
            .lists
            .truth
            .iter()
            .filter(|t| t.list == "deaths")
            .collect();
        assert!(deaths.len() > 20, "{} deaths", deaths.len());
        assert!(
            deaths.iter().any(|t| t.person_id.is_none()),
            "some deaths are of outsiders"
        );
        for t in deaths.iter().filter_map(|t| t.person_id) {
            assert_eq!(
                by_id[&t].life_status,
                LifeStatus::Alive,
                "registry not yet updated"
            );
        }
        let appointed = g
            .lists
            .truth
            .iter()
            .filter(|t| t.list == "asn" && t.event.starts_with("appointed"))
            .count();
        assert!(appointed > 10);
        for list in ["dtsen", "deaths", "asn", "bpjs"] {
            assert!(
                g.lists
                    .truth
                    .iter()
                    .any(|t| t.list == list && !t.noise.is_empty()),
                "{list} has noise"
            );
        }
        for f in &g.lists.files {
            let n = g
                .lists
                .truth
                .iter()
                .filter(|t| {
                    f.file_name.starts_with(t.list)
                        || (t.list == "asn" && f.file_name == "asn_pppk.csv")
                        || (t.list == "bpjs" && f.file_name == "bpjs_membership.csv")
                })
                .count();
            assert_eq!(n, f.rows.len(), "{} truth rows", f.file_name);
        }
    }
}
