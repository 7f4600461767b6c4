//! The cases that make a linkage engine mark a living person dead, with ground truth: a namesake in
//! the same village born days apart with a NIK of their own, an unregistered twin whose NIK is a digit
//! off, a son of the same name, a death record carrying a relative's NIK, a namesake from another
//! regency, and namesakes appointed civil servants. Drawn from a generated regency so that every case
//! stands among the regency's real namesakes.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use jaring_domain::{LifeStatus, Nik, Person, Sex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::lists::{ListFile, TruthRow};
use crate::Generated;

/// The hard cases: a death list and an appointment list in the layouts of the generated ones.
#[derive(Debug, Clone)]
pub struct HardCases {
    /// Dukcapil layout (`hard_deaths.csv`).
    pub deaths: ListFile,
    /// BKPSDM layout (`hard_asn.csv`).
    pub asn: ListFile,
    /// Who each record is about (`person_id` `None`: nobody in the registry).
    pub truth: Vec<TruthRow>,
}

fn dmy(d: NaiveDate, sep: char) -> String {
    format!("{:02}{sep}{:02}{sep}{}", d.day(), d.month(), d.year())
}

/// A valid NIK for someone born `born` of `sex`, registered in the kecamatan `district6`, held by
/// nobody in `taken`.
fn fresh_nik(
    rng: &mut ChaCha8Rng,
    district6: &str,
    born: NaiveDate,
    sex: Sex,
    as_of: NaiveDate,
    taken: &mut HashSet<String>,
) -> Option<String> {
    let day = born.day() + if sex == Sex::Female { 40 } else { 0 };
    for _ in 0..50 {
        let s = format!(
            "{district6}{day:02}{:02}{:02}{:04}",
            born.month(),
            born.year() % 100,
            rng.gen_range(1..40)
        );
        if Nik::parse_on(&s, as_of).is_ok() && taken.insert(s.clone()) {
            return Some(s);
        }
    }
    None
}

/// The kecamatan part (first six digits) of a person's NIK, where a namesake would be registered too.
fn kecamatan_of(p: &Person) -> String {
    p.nik
        .map(|n| n.to_string()[..6].to_string())
        .unwrap_or_default()
}

/// The same NIK with its serial one higher (a twin registered right after): one digit different.
fn next_serial(nik: &str, taken: &HashSet<String>) -> Option<String> {
    let serial: u32 = nik.get(12..)?.parse().ok()?;
    let s = format!("{}{:04}", &nik[..12], serial + 1);
    let one_digit = s.bytes().zip(nik.bytes()).filter(|(a, b)| a != b).count() == 1;
    (one_digit && !taken.contains(&s)).then_some(s)
}

/// Draws `per_case` records of each kind of hard case from `g` (seeded, deterministic).
pub fn hard_cases(g: &Generated, seed: u64, per_case: usize) -> HardCases {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4A41_5249_4E47);
    let as_of = g.config.as_of;
    let mut taken: HashSet<String> = g
        .population
        .persons
        .iter()
        .filter_map(|p| p.nik.map(|n| n.to_string()))
        .collect();
    let alive: Vec<&Person> = g
        .population
        .persons
        .iter()
        .filter(|p| {
            p.life_status == LifeStatus::Alive
                && p.nik.is_some()
                && p.birth_date.is_some()
                && p.age_on(as_of).is_some_and(|a| a >= 20)
        })
        .collect();
    let mut households: HashMap<i64, Vec<&Person>> = HashMap::new();
    for p in &alive {
        if let Some(h) = p.household {
            households.entry(h.0).or_default().push(p);
        }
    }
    let kk_of = |p: &Person| {
        p.household
            .and_then(|h| g.population.households.get((h.0 - 1) as usize))
            .and_then(|h| h.no_kk)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let mut deaths = ListFile {
        file_name: "hard_deaths.csv",
        headers: vec![
            "NO",
            "NIK",
            "NO KK",
            "NAMA LENGKAP",
            "JENIS KELAMIN",
            "TEMPAT LAHIR",
            "TANGGAL LAHIR",
            "TANGGAL KEMATIAN",
            "NO AKTA KEMATIAN",
            "KODE DESA",
        ],
        rows: Vec::new(),
    };
    let mut asn = ListFile {
        file_name: "hard_asn.csv",
        headers: vec![
            "No",
            "NIK",
            "Nama",
            "Tempat Lahir",
            "Tanggal Lahir",
            "Jenis Kelamin",
            "Jenis Pegawai",
            "TMT",
        ],
        rows: Vec::new(),
    };
    let mut truth = Vec::new();
    let mut asn_truth = Vec::new();
    let sex_text = |s: Sex| {
        if s == Sex::Male {
            "LAKI-LAKI"
        } else {
            "PEREMPUAN"
        }
    };
    let mut death = |rng: &mut ChaCha8Rng,
                     p: &Person,
                     nik: String,
                     kk: String,
                     born: NaiveDate,
                     who: Option<i64>,
                     tag: &'static str| {
        let n = deaths.rows.len() + 1;
        let died = as_of - Duration::days(rng.gen_range(1..200));
        deaths.rows.push(vec![
            n.to_string(),
            nik,
            kk,
            p.name.to_uppercase(),
            sex_text(p.sex).into(),
            p.birth_place.to_uppercase(),
            dmy(born, '-'),
            dmy(died, '-'),
            format!("5304-KM-{}-H{n:04}", died.format("%d%m%Y")),
            p.village.to_string(),
        ]);
        truth.push(TruthRow {
            list: "deaths",
            record_id: n.to_string(),
            person_id: who,
            event: "died",
            noise: tag.into(),
        });
    };
    let mut picks = alive.clone();
    picks.shuffle(&mut rng);
    let mut it = picks.into_iter();
    for _ in 0..per_case {
        // 1. A namesake of the same village, born a few days apart, with a NIK of their own.
        if let Some(p) = it.next() {
            let born = p.birth_date.unwrap_or(as_of) + Duration::days(rng.gen_range(2..9));
            let district = kecamatan_of(p);
            if let Some(nik) = fresh_nik(&mut rng, &district, born, p.sex, as_of, &mut taken) {
                death(
                    &mut rng,
                    p,
                    nik,
                    String::new(),
                    born,
                    None,
                    "namesake_same_village",
                );
            }
        }
        // 2. An unregistered twin: same birth date, same family, the next serial, another given name.
        if let Some(p) = it.next() {
            let nik = p.nik.map(|n| n.to_string()).unwrap_or_default();
            if let Some(twin_nik) = next_serial(&nik, &taken) {
                taken.insert(twin_nik.clone());
                let family = p.name.split_whitespace().last().unwrap_or("Bere");
                let given = if p.sex == Sex::Male {
                    "Kosmas"
                } else {
                    "Damiana"
                };
                let mut twin = p.clone();
                twin.name = format!("{given} {family}");
                let born = p.birth_date.unwrap_or(as_of);
                death(&mut rng, &twin, twin_nik, kk_of(p), born, None, "twin");
            }
        }
        // 3. A son of the same name, a generation younger, not in the registry.
        if let Some(p) = it
            .next()
            .filter(|p| p.age_on(as_of).is_some_and(|a| a >= 45))
        {
            let born =
                p.birth_date.unwrap_or(as_of) + Duration::days(365 * 25 + rng.gen_range(0..300));
            let district = kecamatan_of(p);
            if let Some(nik) = fresh_nik(&mut rng, &district, born, p.sex, as_of, &mut taken) {
                death(&mut rng, p, nik, String::new(), born, None, "same_name_son");
            }
        }
        // 4. The death of a resident recorded with a relative's NIK (the informant, the head).
        if let Some(p) = it.next() {
            let relative = p
                .household
                .and_then(|h| households.get(&h.0))
                .and_then(|m| m.iter().find(|q| q.id != p.id).copied());
            if let Some(r) = relative {
                let nik = r.nik.map(|n| n.to_string()).unwrap_or_default();
                death(
                    &mut rng,
                    p,
                    nik,
                    kk_of(p),
                    p.birth_date.unwrap_or(as_of),
                    Some(p.id.0),
                    "nik_of_relative",
                );
            }
        }
        // 5. A namesake from the neighbouring regency (Malaka, 53.21) with its own NIK.
        if let Some(p) = it.next() {
            let born = p.birth_date.unwrap_or(as_of) + Duration::days(rng.gen_range(-20..20));
            if let Some(nik) = fresh_nik(&mut rng, "532101", born, p.sex, as_of, &mut taken) {
                death(
                    &mut rng,
                    p,
                    nik,
                    String::new(),
                    born,
                    None,
                    "namesake_other_regency",
                );
            }
        }
        // 6. A namesake appointed PPPK: same name and birth month, their own NIK.
        if let Some(p) = it.next() {
            let born = p.birth_date.unwrap_or(as_of) + Duration::days(rng.gen_range(2..9));
            let district = kecamatan_of(p);
            if let Some(nik) = fresh_nik(&mut rng, &district, born, p.sex, as_of, &mut taken) {
                let n = asn.rows.len() + 1;
                asn.rows.push(vec![
                    n.to_string(),
                    nik,
                    p.name.clone(),
                    p.birth_place.clone(),
                    dmy(born, '/'),
                    if p.sex == Sex::Male { "L" } else { "P" }.into(),
                    "PPPK".into(),
                    format!("01/03/{}", as_of.year()),
                ]);
                asn_truth.push(TruthRow {
                    list: "asn",
                    record_id: n.to_string(),
                    person_id: None,
                    event: "appointed_pppk",
                    noise: "namesake_appointed".into(),
                });
            }
        }
    }
    truth.extend(asn_truth);
    HardCases { deaths, asn, truth }
}

/// Writes a hard-case list as CSV.
pub fn write_list(file: &ListFile, dir: &std::path::Path) -> Result<(), crate::SynthError> {
    let path = dir.join(file.file_name);
    let err = |source| crate::SynthError::Csv {
        path: path.display().to_string(),
        source,
    };
    let mut w = csv::Writer::from_path(&path).map_err(err)?;
    w.write_record(&file.headers).map_err(err)?;
    for r in &file.rows {
        w.write_record(r).map_err(err)?;
    }
    w.flush().map_err(|source| crate::SynthError::Io {
        path: path.display().to_string(),
        source,
    })
}
