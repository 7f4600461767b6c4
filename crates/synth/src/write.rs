//! Writes a generated regency to a directory of CSV files plus a manifest.

use std::fs;
use std::path::Path;

use jaring_domain::{Person, RegionLevel, Regions};
use serde::Serialize;

use crate::{Generated, SynthError};

/// Registry headings: OpenSID's resident export columns, then the fields jaring adds.
pub const REGISTRY_HEADERS: &[&str] = &[
    "ID",
    "ID Keluarga",
    "NIK",
    "No KK",
    "Nama",
    "Jenis Kelamin",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Status Perkawinan",
    "Hubungan dalam Keluarga",
    "Pekerjaan",
    "Alamat",
    "Kode Desa",
    "Desa",
    "Kecamatan",
    "Status Hidup",
    "Tanggal Meninggal",
    "Status ASN",
    "TMT ASN",
    "Kategori Pekerja",
    "Desil",
    "Agama",
    "Pendidikan",
    "Nama Ibu Kandung",
];

/// What was written, for people and scripts.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Seed used.
    pub seed: u64,
    /// Region code populated.
    pub region: String,
    /// Date the data describes.
    pub as_of: String,
    /// Registry persons.
    pub persons: usize,
    /// Registry households.
    pub households: usize,
    /// Rows per file.
    pub files: Vec<(String, usize)>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> SynthError + '_ {
    move |source| SynthError::Csv {
        path: path.display().to_string(),
        source,
    }
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn registry_row(p: &Person, kk: &str, regions: &Regions) -> Vec<String> {
    let name_of = |level| {
        p.village
            .at_level(level)
            .and_then(|c| regions.get(c))
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    vec![
        p.id.0.to_string(),
        p.household.map(|h| h.0.to_string()).unwrap_or_default(),
        p.nik.map(|n| n.to_string()).unwrap_or_default(),
        kk.to_string(),
        p.name.clone(),
        p.sex.label_id().to_uppercase(),
        p.birth_place.clone(),
        date(p.birth_date),
        p.marital_status.label_id().to_uppercase(),
        p.relationship.label_id().to_uppercase(),
        p.occupation.clone(),
        p.address.clone(),
        p.village.to_string(),
        name_of(RegionLevel::Village),
        name_of(RegionLevel::District),
        p.life_status.label_id().to_uppercase(),
        date(p.death_date),
        p.civil_servant.as_code().to_uppercase(),
        date(p.civil_servant_since),
        p.worker_category.as_code().to_string(),
        p.desil.map(|d| d.get().to_string()).unwrap_or_default(),
        p.religion
            .map(|r| r.label_id().to_uppercase())
            .unwrap_or_default(),
        p.education
            .map(|e| e.label_id().to_uppercase())
            .unwrap_or_default(),
        p.mother_name.to_uppercase(),
    ]
}

/// Writes `registry.csv`, the four list files, `ground_truth.csv` and `manifest.json` into `dir`.
pub fn write_dir(g: &Generated, dir: &Path) -> Result<Manifest, SynthError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let regions = Regions::national();
    let mut files = Vec::new();

    let path = dir.join("registry.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    w.write_record(REGISTRY_HEADERS).map_err(csv_err(&path))?;
    for p in &g.population.persons {
        let kk = p
            .household
            .and_then(|h| g.population.households.get((h.0 - 1) as usize))
            .and_then(|h| h.no_kk)
            .map(|k| k.to_string())
            .unwrap_or_default();
        w.write_record(registry_row(p, &kk, regions))
            .map_err(csv_err(&path))?;
    }
    w.flush().map_err(io_err(&path))?;
    files.push(("registry.csv".to_string(), g.population.persons.len()));

    for f in &g.lists.files {
        let path = dir.join(f.file_name);
        let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
        w.write_record(&f.headers).map_err(csv_err(&path))?;
        for r in &f.rows {
            w.write_record(r).map_err(csv_err(&path))?;
        }
        w.flush().map_err(io_err(&path))?;
        files.push((f.file_name.to_string(), f.rows.len()));
    }

    let path = dir.join("ground_truth.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    w.write_record(["list", "record_id", "person_id", "event", "noise"])
        .map_err(csv_err(&path))?;
    for t in &g.lists.truth {
        let person = t.person_id.map(|p| p.to_string()).unwrap_or_default();
        w.write_record([t.list, &t.record_id, &person, t.event, &t.noise])
            .map_err(csv_err(&path))?;
    }
    w.flush().map_err(io_err(&path))?;
    files.push(("ground_truth.csv".to_string(), g.lists.truth.len()));

    let manifest = Manifest {
        seed: g.config.seed,
        region: g.config.region.to_string(),
        as_of: g.config.as_of.to_string(),
        persons: g.population.persons.len(),
        households: g.population.households.len(),
        files,
    };
    let path = dir.join("manifest.json");
    let json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    fs::write(&path, json + "\n").map_err(io_err(&path))?;
    Ok(manifest)
}
