//! The external lists a regency receives each month, drawn from the synthetic registry with noise:
//! a DTSEN extract (Kemensos/BPS), a civil-registry death list (Dukcapil), an ASN/PPPK appointment list
//! (BKPSDM) and a BPJS Ketenagakerjaan membership export. Each keeps its agency's own layout and date
//! style, as real files do.

use chrono::{Datelike, Duration, NaiveDate};
use jaring_domain::{
    CivilServantStatus, LifeStatus, Person, RegionCode, RegionLevel, Sex, WorkerCategory,
};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::noise::{self, NoiseRates};
use crate::population::{Builder, Population};
use crate::SynthError;

/// One generated file: its name, header and rows, all as text exactly as written.
#[derive(Debug, Clone)]
pub struct ListFile {
    /// File name, e.g. `deaths.csv`.
    pub file_name: &'static str,
    /// Column headings.
    pub headers: Vec<&'static str>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

/// Which registry person a list record is about, and what damage it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRow {
    /// The list (`dtsen`, `deaths`, `asn`, `bpjs`).
    pub list: &'static str,
    /// The record's id in that list.
    pub record_id: String,
    /// The registry person, or `None` when the record is about someone not in the registry.
    pub person_id: Option<i64>,
    /// What happened to the person that the list reports (`died`, `appointed_pppk`, …), if anything.
    pub event: &'static str,
    /// Damage tags separated by `|` (`nik_substitution|name_variant`), empty when clean.
    pub noise: String,
}

/// Everything the lists step produces.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    /// The four files.
    pub files: Vec<ListFile>,
    /// Ground truth for every record of every list.
    pub truth: Vec<TruthRow>,
}

fn dmy(d: NaiveDate, sep: char) -> String {
    format!("{:02}{sep}{:02}{sep}{}", d.day(), d.month(), d.year())
}

/// Noisy identity fields of a person, shared by every list.
struct Identity {
    nik: String,
    name: String,
    birth_date: Option<NaiveDate>,
    village: RegionCode,
    tags: Vec<&'static str>,
}

fn identity(
    rng: &mut ChaCha8Rng,
    p: &Person,
    rates: &NoiseRates,
    villages: &[RegionCode],
) -> Identity {
    let (nik, t1) = noise::nik(rng, p.nik, rates);
    let (name, t2) = noise::name(rng, &p.name, rates);
    let (birth_date, t3) = noise::birth_date(rng, p.birth_date, rates);
    let mut village = p.village;
    let mut tags: Vec<&'static str> = [t1, t2, t3].into_iter().flatten().collect();
    if noise::moved(rng, rates) {
        let district = p.village.at_level(RegionLevel::District);
        let nearby: Vec<&RegionCode> = villages
            .iter()
            .filter(|v| v.at_level(RegionLevel::District) == district && **v != p.village)
            .collect();
        if let Some(v) = nearby.choose(rng) {
            village = **v;
            tags.push("moved_village");
        }
    }
    Identity {
        nik,
        name,
        birth_date,
        village,
        tags,
    }
}

/// A person who is not in the registry (from a neighbouring regency, or never registered).
fn outsider(b: &mut Builder<'_>, villages: &[RegionCode]) -> Result<Person, SynthError> {
    let village = *villages.choose(&mut b.rng).ok_or(SynthError::NoVillages)?;
    let age = b.rng.gen_range(18..90);
    let sex = if b.rng.gen_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    };
    let born = b.as_of - Duration::days(age * 365 + b.rng.gen_range(0..365));
    let district = b.registration_district(village, born);
    let nik = b.serials.nik(district, born, sex)?;
    let given = if sex == Sex::Male {
        crate::names::MALE_GIVEN
    } else {
        crate::names::FEMALE_GIVEN
    };
    let g = given.choose(&mut b.rng).map(|s| s[0]).unwrap_or("Maria");
    let f = crate::names::FAMILY
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("Bere");
    let mut person = Person::new(jaring_domain::PersonId(0), village, format!("{g} {f}"), sex);
    person.nik = Some(nik);
    person.birth_place = "Atambua".into();
    person.birth_date = Some(born);
    person.relationship = jaring_domain::Relationship::Head;
    person.marital_status = jaring_domain::MaritalStatus::Married;
    person.occupation = "Petani/Pekebun".into();
    person.worker_category = WorkerCategory::Rentan;
    Ok(person)
}

/// Annual probability of death by age (rough Indonesian life table).
fn mortality(age: u32) -> f64 {
    match age {
        0 => 0.02,
        1..=39 => 0.0015,
        40..=59 => 0.006,
        60..=69 => 0.02,
        70..=79 => 0.05,
        _ => 0.12,
    }
}

/// Draws every list from the population. Mutates nothing in the registry: the lists report events
/// (deaths, appointments) that the registry does not know yet, which is the point of synchronising.
pub(crate) fn generate(
    b: &mut Builder<'_>,
    pop: &Population,
    rates: &NoiseRates,
) -> Result<Lists, SynthError> {
    let as_of = b.as_of;
    let villages: Vec<RegionCode> = {
        let mut v: Vec<RegionCode> = pop.households.iter().map(|h| h.village).collect();
        v.dedup();
        v
    };
    let kecamatan_name = |b: &Builder<'_>, code: RegionCode| {
        code.at_level(RegionLevel::District)
            .and_then(|d| b.regions().get(d))
            .map(|r| r.name.to_uppercase())
            .unwrap_or_default()
    };
    let village_name = |b: &Builder<'_>, code: RegionCode| {
        b.regions()
            .get(code)
            .map(|r| r.name.to_uppercase())
            .unwrap_or_default()
    };
    let mut lists = Lists::default();
    let alive: Vec<&Person> = pop
        .persons
        .iter()
        .filter(|p| p.life_status == LifeStatus::Alive)
        .collect();

    // --- deaths in the last 12 months (Dukcapil) ---
    let mut died: Vec<(&Person, NaiveDate)> = Vec::new();
    for p in &alive {
        let age = p.age_on(as_of).unwrap_or(30);
        if b.rng.gen_bool(mortality(age)) {
            let birth = p.birth_date.unwrap_or(as_of - Duration::days(365));
            let death = (as_of - Duration::days(b.rng.gen_range(1..365))).max(birth);
            died.push((p, death));
        }
    }
    let mut deaths = ListFile {
        file_name: "deaths.csv",
        headers: vec![
            "NO",
            "NIK",
            "NAMA LENGKAP",
            "JENIS KELAMIN",
            "TEMPAT LAHIR",
            "TANGGAL LAHIR",
            "TANGGAL KEMATIAN",
            "NO AKTA KEMATIAN",
            "KECAMATAN",
            "DESA/KELURAHAN",
        ],
        rows: Vec::new(),
    };
    let n_outsiders = died.len() / 25;
    let mut outsiders = Vec::new();
    for _ in 0..n_outsiders {
        let o = outsider(b, &villages)?;
        let death = as_of - Duration::days(b.rng.gen_range(1..365));
        outsiders.push((o, death));
    }
    let mut entries: Vec<(Option<&Person>, Person, NaiveDate)> = died
        .iter()
        .map(|(p, d)| (Some(*p), (*p).clone(), *d))
        .chain(outsiders.into_iter().map(|(o, d)| (None, o, d)))
        .collect();
    entries.sort_by_key(|(_, _, d)| *d);
    for (i, (registry, p, death)) in entries.into_iter().enumerate() {
        let id = identity(&mut b.rng, &p, rates, &villages);
        let record_id = format!("{}", i + 1);
        deaths.rows.push(vec![
            record_id.clone(),
            id.nik,
            id.name.to_uppercase(),
            if p.sex == Sex::Male {
                "LAKI-LAKI"
            } else {
                "PEREMPUAN"
            }
            .into(),
            p.birth_place.to_uppercase(),
            id.birth_date.map(|d| dmy(d, '-')).unwrap_or_default(),
            dmy(death, '-'),
            format!("5304-KM-{}-{:04}", death.format("%d%m%Y"), i + 1),
            kecamatan_name(b, id.village),
            village_name(b, id.village),
        ]);
        lists.truth.push(TruthRow {
            list: "deaths",
            record_id,
            person_id: registry.map(|p| p.id.0),
            event: "died",
            noise: id.tags.join("|"),
        });
    }
    lists.files.push(deaths);

    // --- ASN/PPPK appointments (BKPSDM) ---
    let mut asn = ListFile {
        file_name: "asn_pppk.csv",
        headers: vec![
            "No",
            "NIP",
            "NIK",
            "Nama",
            "Tempat Lahir",
            "Tanggal Lahir",
            "Jenis Kelamin",
            "Jenis Pegawai",
            "TMT",
            "Jabatan",
            "Unit Kerja",
        ],
        rows: Vec::new(),
    };
    let mut appointed: Vec<(
        Option<&Person>,
        Person,
        &'static str,
        NaiveDate,
        &'static str,
    )> = Vec::new();
    let tmts = [
        NaiveDate::from_ymd_opt(as_of.year() - 1, 3, 1),
        NaiveDate::from_ymd_opt(as_of.year() - 1, 10, 1),
        NaiveDate::from_ymd_opt(as_of.year(), 3, 1),
        NaiveDate::from_ymd_opt(as_of.year(), 6, 1),
    ];
    let tmts: Vec<NaiveDate> = tmts.into_iter().flatten().filter(|d| *d <= as_of).collect();
    for p in &alive {
        let age = p.age_on(as_of).unwrap_or(0);
        let new = (21..=50).contains(&age)
            && p.civil_servant == CivilServantStatus::None
            && p.worker_category != WorkerCategory::PerangkatDesa
            && b.rng.gen_bool(0.009);
        let known = p.civil_servant.excludes_household()
            && p.civil_servant != CivilServantStatus::Pensioner
            && matches!(p.civil_servant, CivilServantStatus::Pns)
            && b.rng.gen_bool(0.15);
        if new {
            let pppk = b.rng.gen_bool(0.7);
            let tmt = *tmts.choose(&mut b.rng).unwrap_or(&as_of);
            appointed.push((
                Some(*p),
                (*p).clone(),
                if pppk { "PPPK" } else { "PNS" },
                tmt,
                if pppk {
                    "appointed_pppk"
                } else {
                    "appointed_pns"
                },
            ));
        } else if known {
            let tmt = p.civil_servant_since.unwrap_or(as_of);
            appointed.push((Some(*p), (*p).clone(), "PNS", tmt, "already_pns"));
        }
    }
    for _ in 0..appointed.len() / 20 {
        let o = outsider(b, &villages)?;
        let tmt = *tmts.choose(&mut b.rng).unwrap_or(&as_of);
        appointed.push((None, o, "PPPK", tmt, "appointed_pppk"));
    }
    let positions = [
        ("Guru Ahli Pertama", ", S.Pd."),
        ("Perawat Terampil", ", A.Md.Kep."),
        ("Bidan Terampil", ", A.Md.Keb."),
        ("Penata Layanan Operasional", ", S.E."),
        ("Pengelola Umum Operasional", ""),
        ("Penyuluh Pertanian Ahli Pertama", ", S.P."),
        ("Dokter Ahli Pertama", ""),
    ];
    let units = [
        "Dinas Pendidikan dan Kebudayaan",
        "Dinas Kesehatan",
        "RSUD Mgr. Gabriel Manek, SVD Atambua",
        "Dinas Pertanian",
        "Sekretariat Daerah",
        "Puskesmas Atapupu",
    ];
    for (i, (registry, p, kind, tmt, event)) in appointed.into_iter().enumerate() {
        let id = identity(&mut b.rng, &p, rates, &villages);
        let (position, title) = *positions.choose(&mut b.rng).unwrap_or(&positions[0]);
        let name = if position.starts_with("Dokter") {
            format!("dr. {}", id.name)
        } else {
            format!("{}{title}", id.name)
        };
        let born = p.birth_date.unwrap_or(as_of);
        let nip = format!(
            "{}{}{}{:03}",
            born.format("%Y%m%d"),
            tmt.format("%Y%m"),
            if p.sex == Sex::Male { 1 } else { 2 },
            (i % 999) + 1
        );
        let record_id = format!("{}", i + 1);
        asn.rows.push(vec![
            record_id.clone(),
            nip,
            id.nik,
            name,
            p.birth_place.clone(),
            id.birth_date.map(|d| dmy(d, '/')).unwrap_or_default(),
            if p.sex == Sex::Male { "L" } else { "P" }.into(),
            kind.into(),
            dmy(tmt, '/'),
            position.into(),
            units.choose(&mut b.rng).copied().unwrap_or(units[0]).into(),
        ]);
        lists.truth.push(TruthRow {
            list: "asn",
            record_id,
            person_id: registry.map(|p| p.id.0),
            event,
            noise: id.tags.join("|"),
        });
    }
    lists.files.push(asn);

    // --- BPJS Ketenagakerjaan membership export ---
    let mut bpjs = ListFile {
        file_name: "bpjs_membership.csv",
        headers: vec![
            "KPJ",
            "NIK",
            "NAMA PESERTA",
            "TGL LAHIR",
            "JENIS KELAMIN",
            "SEGMEN",
            "PROGRAM",
            "TGL KEPESERTAAN",
            "BLTH IURAN TERAKHIR",
            "STATUS",
            "PEMBAYAR",
            "KODE DESA",
        ],
        rows: Vec::new(),
    };
    let died_ids: std::collections::HashMap<i64, NaiveDate> =
        died.iter().map(|(p, d)| (p.id.0, *d)).collect();
    let current_month = NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1).unwrap_or(as_of);
    let mut kpj = 23_000_000_000u64 + b.rng.gen_range(0..1_000_000);
    for p in &alive {
        let age = p.age_on(as_of).unwrap_or(0);
        if !(15..=65).contains(&age) {
            continue;
        }
        let (chance, segment, payer) = match p.worker_category {
            WorkerCategory::PerangkatDesa => (0.95, "PU", "APBDes"),
            WorkerCategory::Rentan => (
                0.45,
                "BPU",
                *["APBD Kabupaten Belu", "APBDes", "APBD Provinsi NTT"]
                    .choose(&mut b.rng)
                    .unwrap_or(&"APBDes"),
            ),
            WorkerCategory::Informal => (0.25, "BPU", "Mandiri"),
            WorkerCategory::Formal => (0.6, "PU", "Pemberi Kerja"),
            WorkerCategory::CivilServant | WorkerCategory::NotWorking => continue,
        };
        if !b.rng.gen_bool(chance) {
            continue;
        }
        let start = as_of - Duration::days(b.rng.gen_range(60..2_500));
        // Most are paid up; some lapsed. Nobody told BPJS about this year's deaths, so those stay paid.
        let lapsed = !died_ids.contains_key(&p.id.0) && b.rng.gen_bool(0.12);
        let months_behind: i64 = if lapsed {
            b.rng.gen_range(4..18)
        } else {
            b.rng.gen_range(0..2)
        };
        let paid_through = current_month - Duration::days(months_behind * 30);
        let paid_through = NaiveDate::from_ymd_opt(paid_through.year(), paid_through.month(), 1)
            .unwrap_or(paid_through);
        let id = identity(&mut b.rng, p, rates, &villages);
        kpj += b.rng.gen_range(1..500);
        let record_id = format!("{kpj}");
        bpjs.rows.push(vec![
            record_id.clone(),
            id.nik,
            id.name.to_uppercase(),
            id.birth_date.map(|d| dmy(d, '-')).unwrap_or_default(),
            if p.sex == Sex::Male { "L" } else { "P" }.into(),
            segment.into(),
            "JKK, JKM".into(),
            dmy(start, '-'),
            format!("{:02}-{}", paid_through.month(), paid_through.year()),
            if months_behind > 3 {
                "NON AKTIF"
            } else {
                "AKTIF"
            }
            .into(),
            payer.into(),
            id.village.to_string(),
        ]);
        lists.truth.push(TruthRow {
            list: "bpjs",
            record_id,
            person_id: Some(p.id.0),
            event: if died_ids.contains_key(&p.id.0) {
                "member_died"
            } else {
                "member"
            },
            noise: id.tags.join("|"),
        });
    }
    lists.files.push(bpjs);

    // --- DTSEN extract (households with desil; deaths lag behind, so this year's dead are still in) ---
    let mut dtsen = ListFile {
        file_name: "dtsen.csv",
        headers: vec![
            "ID_DTSEN",
            "ID_KELUARGA",
            "NO_KK",
            "NIK",
            "NAMA",
            "JENIS_KELAMIN",
            "TANGGAL_LAHIR",
            "HUBUNGAN_KELUARGA",
            "KODE_WILAYAH",
            "DESIL",
        ],
        rows: Vec::new(),
    };
    let mut by_household: std::collections::BTreeMap<i64, Vec<&Person>> =
        std::collections::BTreeMap::new();
    for p in pop
        .persons
        .iter()
        .filter(|p| p.life_status == LifeStatus::Alive)
    {
        if let Some(h) = p.household {
            by_household.entry(h.0).or_default().push(p);
        }
    }
    let mut row_no = 0usize;
    for (hid, members) in by_household {
        if !b.rng.gen_bool(0.9) {
            continue; // not (yet) enumerated by BPS
        }
        let household = &pop.households[(hid - 1) as usize];
        let kk = household.no_kk.map(|k| k.to_string()).unwrap_or_default();
        let registry_desil = members
            .first()
            .and_then(|p| p.desil)
            .map(|d| d.get())
            .unwrap_or(5);
        // BPS re-ranks quarterly: a few households move a decile or two.
        let desil = if b.rng.gen_bool(0.1) {
            (i32::from(registry_desil) + *[-2, -1, 1, 2].choose(&mut b.rng).unwrap_or(&1))
                .clamp(1, 10)
        } else {
            i32::from(registry_desil)
        };
        for p in members {
            row_no += 1;
            let id = identity(&mut b.rng, p, rates, &villages);
            let record_id = format!("A{row_no:07}");
            dtsen.rows.push(vec![
                record_id.clone(),
                format!("DTSEN-{hid:07}"),
                kk.clone(),
                id.nik,
                id.name.to_uppercase(),
                if p.sex == Sex::Male { "1" } else { "2" }.into(),
                id.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                p.relationship.label_id().to_uppercase(),
                id.village.digits(),
                desil.to_string(),
            ]);
            lists.truth.push(TruthRow {
                list: "dtsen",
                record_id,
                person_id: Some(p.id.0),
                event: if died_ids.contains_key(&p.id.0) {
                    "listed_but_died"
                } else {
                    "listed"
                },
                noise: id.tags.join("|"),
            });
        }
    }
    lists.files.push(dtsen);
    Ok(lists)
}
