//! The synthetic registry: households and persons of every village of a regency.
//!
//! Proportions follow what is known of Belu (DOMAIN.md §3.3, §7, §8): ~4.4 persons per household,
//! farming the main occupation, most households in the lowest DTSEN deciles, a few percent civil
//! servants (many TNI in a border regency), 8–12 village officials per desa.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use jaring_domain::{
    CivilServantStatus, Desil, Education, Household, HouseholdId, LifeStatus, MaritalStatus, Nik,
    NoKk, Person, PersonId, RegionCode, RegionLevel, Regions, Relationship, Religion, Sex,
    WorkerCategory,
};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{FAMILY, FEMALE_GIVEN, FEMALE_TRADITIONAL, MALE_GIVEN, MALE_TRADITIONAL};
use crate::SynthError;

/// The generated registry.
#[derive(Debug, Clone, Default)]
pub struct Population {
    /// Households, ids 1..=n.
    pub households: Vec<Household>,
    /// Persons, ids 1..=n, grouped by household.
    pub persons: Vec<Person>,
}

/// Picks from weighted choices.
pub(crate) fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1].0
}

/// Allocates unique serials for NIK and KK numbers (per region + date prefix, from 0001).
#[derive(Default)]
pub(crate) struct Serials {
    next: HashMap<u64, u32>,
}

impl Serials {
    pub(crate) fn nik(
        &mut self,
        district: RegionCode,
        born: NaiveDate,
        sex: Sex,
    ) -> Result<Nik, SynthError> {
        let day = born.day() + if sex == Sex::Female { 40 } else { 0 };
        let key = district.as_number() * 1_000_000
            + u64::from(day) * 10_000
            + u64::from(born.month()) * 100
            + born.year().rem_euclid(100) as u64;
        let serial = self.bump(key)?;
        Ok(Nik::from_parts(district, born, sex, serial)?)
    }

    pub(crate) fn kk(
        &mut self,
        district: RegionCode,
        recorded: NaiveDate,
    ) -> Result<NoKk, SynthError> {
        // Offset so KK keys never collide with NIK keys (which have a different prefix shape anyway).
        let key = 1 << 62
            | (district.as_number() * 1_000_000
                + u64::from(recorded.ordinal()) * 1_000
                + (recorded.year() as u64 % 100));
        let serial = self.bump(key)?;
        Ok(NoKk::from_parts(district, recorded, serial)?)
    }

    fn bump(&mut self, key: u64) -> Result<u32, SynthError> {
        let n = self.next.entry(key).or_insert(0);
        *n += 1;
        if *n > 9_999 {
            return Err(SynthError::SerialsExhausted);
        }
        Ok(*n)
    }
}

/// What a synthetic person does for a living, with its Dukcapil wording.
/// A well-spread number in 0..1000 from an id, so religion and schooling are drawn without taking
/// numbers from the generator's stream (which would change every other generated value).
fn spread(id: i64, salt: u64) -> u64 {
    ((id as u64) ^ salt)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
        % 1000
}

/// The household's religion, in Belu's proportions (Badan Pusat Statistik, Belu dalam Angka: mostly
/// Catholic, then Protestant and Muslim).
fn religion(household: i64) -> Religion {
    match spread(household, 0x5eed) {
        0..=884 => Religion::Catholic,
        885..=954 => Religion::Protestant,
        955..=994 => Religion::Islam,
        _ => Religion::Hindu,
    }
}

/// Schooling completed by a person of `age` (none for small children, more for the young).
fn education(person: i64, age: u32) -> Option<Education> {
    let r = spread(person, 0xed);
    Some(match age {
        0..=6 => Education::None,
        7..=12 => Education::PrimaryIncomplete,
        13..=15 => Education::Primary,
        _ => match (age < 40, r) {
            (_, 0..=119) => Education::None,
            (true, 120..=299) | (false, 120..=449) => Education::Primary,
            (true, 300..=549) | (false, 450..=699) => Education::JuniorSecondary,
            (_, 550..=879) => Education::SeniorSecondary,
            (_, 880..=929) => Education::Diploma3,
            (_, 930..=989) => Education::Bachelor,
            _ => Education::Master,
        },
    })
}

fn occupation(rng: &mut ChaCha8Rng, age: u32, sex: Sex, coastal: bool) -> &'static str {
    if age < 5 {
        return "Belum/Tidak Bekerja";
    }
    if age < 15 || (age < 18 && rng.gen_bool(0.9)) || (age < 23 && rng.gen_bool(0.45)) {
        return "Pelajar/Mahasiswa";
    }
    let fisher = if coastal { 16 } else { 2 };
    let choice = match sex {
        Sex::Male => *weighted(
            rng,
            &[
                ("Petani/Pekebun", 560),
                ("Buruh Harian Lepas", 80),
                ("Wiraswasta", 60),
                ("Nelayan/Perikanan", fisher * 10),
                ("Pedagang", 30),
                ("Sopir", 30),
                ("Karyawan Swasta", 30),
                ("Peternak", 30),
                ("Tukang Kayu", 20),
                ("Karyawan Honorer", 20),
                ("Pegawai Negeri Sipil (PNS)", 35),
                ("Tentara Nasional Indonesia (TNI)", 15),
                ("Kepolisian RI (POLRI)", 8),
                ("Belum/Tidak Bekerja", 40),
            ],
        ),
        Sex::Female => *weighted(
            rng,
            &[
                ("Mengurus Rumah Tangga", 330),
                ("Petani/Pekebun", 400),
                ("Pedagang", 50),
                ("Wiraswasta", 40),
                ("Buruh Harian Lepas", 40),
                ("Karyawan Honorer", 30),
                ("Karyawan Swasta", 20),
                ("Pegawai Negeri Sipil (PNS)", 30),
                ("Belum/Tidak Bekerja", 40),
            ],
        ),
    };
    if age >= 60 {
        if choice.contains("PNS") || choice.contains("TNI") || choice.contains("POLRI") {
            return "Pensiunan";
        }
        if rng.gen_bool(0.5) {
            return "Belum/Tidak Bekerja";
        }
    }
    choice
}

/// Worker category and civil-servant status implied by an occupation and the household's decile.
pub(crate) fn classify(occupation: &str, desil: u8) -> (WorkerCategory, CivilServantStatus) {
    (
        jaring_domain::occupation::worker_category(occupation, Some(desil)),
        jaring_domain::occupation::civil_servant_status(occupation),
    )
}

/// Shared state while building the population.
pub(crate) struct Builder<'a> {
    pub(crate) rng: ChaCha8Rng,
    pub(crate) serials: Serials,
    pub(crate) as_of: NaiveDate,
    regions: &'a Regions,
    other_districts: Vec<RegionCode>,
    archived_districts: Vec<RegionCode>,
    regency_districts: Vec<RegionCode>,
    pop: Population,
}

/// A person's name parts, kept so that children can inherit the father's traditional name.
struct NameParts {
    full: String,
    traditional: Option<&'static str>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(
        rng: ChaCha8Rng,
        as_of: NaiveDate,
        regency: RegionCode,
        regions: &'a Regions,
    ) -> Self {
        Self::resume(rng, Serials::default(), as_of, regency, regions)
    }

    /// A builder that continues with the random stream and serials of an earlier one.
    pub(crate) fn resume(
        rng: ChaCha8Rng,
        serials: Serials,
        as_of: NaiveDate,
        regency: RegionCode,
        regions: &'a Regions,
    ) -> Self {
        let province = regency.parent().unwrap_or(regency);
        let other_districts = regions
            .within(province)
            .filter(|r| r.level() == RegionLevel::District && !regency.contains(r.code))
            .map(|r| r.code)
            .collect();
        let regency_districts = regions
            .within(regency)
            .filter(|r| r.level() == RegionLevel::District)
            .map(|r| r.code)
            .collect();
        let archived_districts = (1..=99)
            .filter_map(|k| RegionCode::from_number(regency.as_number() * 100 + k))
            .filter(|c| regions.get(*c).is_some_and(|r| r.archived))
            .collect();
        Builder {
            rng,
            serials,
            as_of,
            regions,
            other_districts,
            archived_districts,
            regency_districts,
            pop: Population::default(),
        }
    }

    pub(crate) fn finish(self) -> (Population, ChaCha8Rng, Serials) {
        (self.pop, self.rng, self.serials)
    }

    fn birth_date(&mut self, age: u32) -> NaiveDate {
        let days_back = i64::from(age) * 365 + self.rng.gen_range(0..365);
        (self.as_of - Duration::days(days_back))
            .max(NaiveDate::from_ymd_opt(1901, 1, 1).unwrap_or_default())
    }

    /// Where a NIK was first issued: mostly the home kecamatan, sometimes elsewhere in the regency,
    /// before the Malaka split (archived codes), or in another regency of the province.
    pub(crate) fn registration_district(
        &mut self,
        home: RegionCode,
        born: NaiveDate,
    ) -> RegionCode {
        let roll = self.rng.gen_range(0..100);
        if roll < 3 && born.year() < 2010 && !self.archived_districts.is_empty() {
            *self
                .archived_districts
                .choose(&mut self.rng)
                .unwrap_or(&home)
        } else if roll < 11 && !self.regency_districts.is_empty() {
            *self
                .regency_districts
                .choose(&mut self.rng)
                .unwrap_or(&home)
        } else if roll < 14 && !self.other_districts.is_empty() {
            *self.other_districts.choose(&mut self.rng).unwrap_or(&home)
        } else {
            home.at_level(RegionLevel::District).unwrap_or(home)
        }
    }

    fn name(&mut self, sex: Sex, family: &str, traditional_chance: f64) -> NameParts {
        let given_sets = if sex == Sex::Male {
            MALE_GIVEN
        } else {
            FEMALE_GIVEN
        };
        let set = given_sets
            .choose(&mut self.rng)
            .copied()
            .unwrap_or(&["Maria"]);
        // The first spelling is the most common one.
        let given = if self.rng.gen_bool(0.6) {
            set[0]
        } else {
            set.choose(&mut self.rng).copied().unwrap_or(set[0])
        };
        let mut full = given.to_string();
        if sex == Sex::Female && given == "Maria" && self.rng.gen_bool(0.5) {
            let second = FEMALE_GIVEN
                .choose(&mut self.rng)
                .map(|s| s[0])
                .unwrap_or("Goreti");
            full = format!("Maria {second}");
        }
        let traditional = if self.rng.gen_bool(traditional_chance) {
            let pool = if sex == Sex::Male {
                MALE_TRADITIONAL
            } else {
                FEMALE_TRADITIONAL
            };
            pool.choose(&mut self.rng).copied()
        } else {
            None
        };
        if let Some(t) = traditional {
            full.push(' ');
            full.push_str(t);
        }
        if !family.is_empty() && traditional != Some(family) {
            full.push(' ');
            full.push_str(family);
        }
        NameParts { full, traditional }
    }

    /// Builds one household of at most `room` persons in `village`.
    pub(crate) fn household(
        &mut self,
        village: RegionCode,
        village_name: &str,
        room: usize,
    ) -> Result<usize, SynthError> {
        let hid = HouseholdId(self.pop.households.len() as i64 + 1);
        let district = village.at_level(RegionLevel::District).unwrap_or(village);
        let coastal = district.as_number() % 100 == 5; // Kakuluk Mesak (Atapupu) is Belu's fishing coast
        let desil = *weighted(
            &mut self.rng,
            &[
                (1u8, 25),
                (2, 18),
                (3, 14),
                (4, 11),
                (5, 9),
                (6, 7),
                (7, 6),
                (8, 4),
                (9, 3),
                (10, 3),
            ],
        );
        let fehan = self.rng.gen_bool(0.25);
        let family = *FAMILY.choose(&mut self.rng).unwrap_or(&"Bere");
        let (lo, hi) = *weighted(
            &mut self.rng,
            &[
                ((22u32, 30u32), 15),
                ((30, 45), 40),
                ((45, 60), 30),
                ((60, 85), 15),
            ],
        );
        let head_age = self.rng.gen_range(lo..hi);
        let head_sex = if self.rng.gen_bool(0.87) {
            Sex::Male
        } else {
            Sex::Female
        };
        let head_name = self.name(
            head_sex,
            family,
            if head_sex == Sex::Male { 0.5 } else { 0.4 },
        );
        let married = head_sex == Sex::Male && self.rng.gen_bool(0.84);
        let mut members: Vec<(Sex, u32, Relationship, String, MaritalStatus)> = vec![(
            head_sex,
            head_age,
            Relationship::Head,
            head_name.full,
            if married {
                MaritalStatus::Married
            } else if head_sex == Sex::Female || head_age > 55 {
                MaritalStatus::Widowed
            } else {
                *[MaritalStatus::Single, MaritalStatus::Divorced]
                    .choose(&mut self.rng)
                    .unwrap_or(&MaritalStatus::Single)
            },
        )];
        let mother_age = if married {
            let age = (head_age as i32 + self.rng.gen_range(-9..3)).max(18) as u32;
            let wife_family = *FAMILY.choose(&mut self.rng).unwrap_or(&"Hoar");
            let wife = self.name(Sex::Female, wife_family, 0.4);
            members.push((
                Sex::Female,
                age,
                Relationship::Wife,
                wife.full,
                MaritalStatus::Married,
            ));
            Some(age)
        } else if head_sex == Sex::Female {
            Some(head_age)
        } else {
            None
        };
        if let Some(mother_age) = mother_age {
            let fertile_years = mother_age.saturating_sub(18).min(25);
            let n_children = (self.rng.gen_range(0..=fertile_years / 4 + 2)).min(7);
            let child_family = match (fehan, head_name.traditional) {
                (true, Some(t)) => t,
                _ => family,
            };
            for _ in 0..n_children {
                let age = self.rng.gen_range(0..=fertile_years.max(1));
                let sex = if self.rng.gen_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let name = self.name(sex, child_family, 0.3);
                members.push((
                    sex,
                    age,
                    Relationship::Child,
                    name.full,
                    MaritalStatus::Single,
                ));
            }
        }
        if head_age < 55 && self.rng.gen_bool(0.12) {
            let age = (head_age + self.rng.gen_range(22..32)).min(98);
            let sex = if self.rng.gen_bool(0.6) {
                Sex::Female
            } else {
                Sex::Male
            };
            let name = self.name(sex, if sex == Sex::Male { family } else { "" }, 0.7);
            members.push((
                sex,
                age,
                Relationship::Parent,
                name.full,
                MaritalStatus::Widowed,
            ));
        }
        if head_age >= 50 && self.rng.gen_bool(0.15) {
            let sex = if self.rng.gen_bool(0.5) {
                Sex::Male
            } else {
                Sex::Female
            };
            let name = self.name(sex, family, 0.3);
            let age = self.rng.gen_range(0..12);
            members.push((
                sex,
                age,
                Relationship::Grandchild,
                name.full,
                MaritalStatus::Single,
            ));
        }
        members.truncate(room.max(1));

        let head_born = self.birth_date(head_age);
        let recorded_from = (head_born + Duration::days(17 * 365))
            .max(NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default());
        let span = (self.as_of - recorded_from).num_days().max(1);
        let recorded = recorded_from + Duration::days(self.rng.gen_range(0..span));
        let no_kk = self.serials.kk(district, recorded)?;
        let dusun = self.rng.gen_range(1..=4);
        let rt = self.rng.gen_range(1..=12);
        let address = format!(
            "Dusun {dusun}, RT {rt:03}/RW {:03}, {village_name}",
            (rt + 1) / 2
        );
        self.pop.households.push(Household {
            id: hid,
            no_kk: Some(no_kk),
            village,
            address: address.clone(),
        });

        let mut birth_places = vec![
            (village_name.to_string(), 60u32),
            ("Atambua".to_string(), 30),
            ("Kupang".to_string(), 5),
            ("Betun".to_string(), 5),
        ];
        if village_name == "Atambua" {
            birth_places.truncate(2);
        }
        let n = members.len();
        // Children carry their mother's name where the card has her (the head's wife, or the head).
        let mother = members
            .iter()
            .find(|m| m.2 == Relationship::Wife)
            .or_else(|| members.first().filter(|m| m.0 == Sex::Female))
            .map(|m| m.3.clone())
            .unwrap_or_default();
        for (i, (sex, age, relationship, name, marital)) in members.into_iter().enumerate() {
            let born = if i == 0 {
                head_born
            } else {
                self.birth_date(age)
            };
            let occupation = occupation(&mut self.rng, age, sex, coastal);
            let (worker_category, civil_servant) = classify(occupation, desil);
            let civil_servant_since = (civil_servant != CivilServantStatus::None).then(|| {
                let years = age.saturating_sub(22).max(1);
                self.as_of - Duration::days(i64::from(self.rng.gen_range(1..=years)) * 365)
            });
            let nik = if age == 0 && self.rng.gen_bool(0.3) {
                None // newborn not yet recorded by Dukcapil
            } else {
                let reg = self.registration_district(village, born);
                Some(self.serials.nik(reg, born, sex)?)
            };
            let birth_place = weighted(&mut self.rng, &birth_places).clone();
            let id = self.pop.persons.len() as i64 + 1;
            self.pop.persons.push(Person {
                id: PersonId(id),
                nik,
                household: Some(hid),
                village,
                name,
                sex,
                birth_place,
                birth_date: Some(born),
                address: address.clone(),
                relationship,
                marital_status: marital,
                religion: Some(religion(hid.0)),
                education: education(id, age),
                mother_name: if relationship == Relationship::Child {
                    mother.clone()
                } else {
                    String::new()
                },
                occupation: occupation.to_string(),
                worker_category,
                life_status: LifeStatus::Alive,
                death_date: None,
                civil_servant,
                civil_servant_since,
                desil: Desil::new(i64::from(desil)).ok(),
                row_version: 1,
            });
        }
        Ok(n)
    }

    /// Appoints village officials (8–12 per desa: kepala desa and perangkat) among working-age adults.
    pub(crate) fn appoint_village_officials(&mut self, village: RegionCode, first_person: usize) {
        if village.village_kind() != Some(jaring_domain::VillageKind::Desa) {
            return; // kelurahan are run by civil servants
        }
        let as_of = self.as_of;
        let mut candidates: Vec<usize> = (first_person..self.pop.persons.len())
            .filter(|&i| {
                let p = &self.pop.persons[i];
                p.age_on(as_of).is_some_and(|a| (25..=55).contains(&a))
                    && p.civil_servant == CivilServantStatus::None
            })
            .collect();
        candidates.shuffle(&mut self.rng);
        let n = self.rng.gen_range(8..=12).min(candidates.len());
        for (k, &i) in candidates[..n].iter().enumerate() {
            let p = &mut self.pop.persons[i];
            p.occupation = if k == 0 {
                "Kepala Desa"
            } else {
                "Perangkat Desa"
            }
            .to_string();
            p.worker_category = WorkerCategory::PerangkatDesa;
        }
    }

    /// Marks a few persons as already recorded dead in past years (registries keep them, with status).
    pub(crate) fn record_past_deaths(&mut self, first_person: usize) {
        let as_of = self.as_of;
        for i in first_person..self.pop.persons.len() {
            let age = self.pop.persons[i].age_on(as_of).unwrap_or(0);
            let p_dead = if age >= 70 { 0.03 } else { 0.002 };
            if self.rng.gen_bool(p_dead) {
                let days = self.rng.gen_range(400..3_000);
                let birth = self.pop.persons[i].birth_date.unwrap_or(as_of);
                let p = &mut self.pop.persons[i];
                p.life_status = LifeStatus::Deceased;
                p.death_date = Some((as_of - Duration::days(days)).max(birth));
            }
        }
    }

    pub(crate) fn regions(&self) -> &Regions {
        self.regions
    }

    pub(crate) fn persons_len(&self) -> usize {
        self.pop.persons.len()
    }
}
