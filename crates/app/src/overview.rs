//! The regency at a glance: households and persons per kecamatan and village.

use jaring_domain::{ListKind, RegionCode, RegionLevel, Regions};
use jaring_store::regions::{at_level, StoredRegion};
use jaring_store::stats::{roll_up, village_counts, RegionCounts};
use jaring_store::{settings, Database};

use crate::{AppError, SETTING_DEMO, SETTING_REGENCY};

/// Counts for the regency, each kecamatan and each village.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The regency.
    pub regency: RegionCounts,
    /// Its kecamatan, by code.
    pub districts: Vec<RegionCounts>,
    /// Its villages, by code.
    pub villages: Vec<RegionCounts>,
    /// Whether the data is synthetic demo data.
    pub demo: bool,
    /// The external lists staged and their latest synchronisation.
    pub lists: Vec<ListStatus>,
}

/// One external list: records staged and how the last sync banded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListStatus {
    /// The list.
    pub kind: ListKind,
    /// Records staged.
    pub staged: i64,
    /// Auto band.
    pub auto: i64,
    /// Review band.
    pub review: i64,
    /// No match.
    pub no_match: i64,
}

impl Overview {
    /// Villages of one kecamatan.
    pub fn villages_of(&self, district: RegionCode) -> impl Iterator<Item = &RegionCounts> {
        self.villages
            .iter()
            .filter(move |v| district.contains(v.region.code))
    }
}

/// The regency this database serves, from its settings.
pub fn regency(db: &Database) -> Result<RegionCode, AppError> {
    let mut conn = db.conn()?;
    let code = settings::get(&mut conn, SETTING_REGENCY)?.ok_or(AppError::NoRegency)?;
    RegionCode::parse(&code).map_err(|_| AppError::UnknownRegion(code))
}

/// Counts for the regency this database serves.
pub fn overview(db: &Database) -> Result<Overview, AppError> {
    let regency_code = regency(db)?;
    let mut conn = db.conn()?;
    let demo = settings::get(&mut conn, SETTING_DEMO)?.is_some();
    let villages = village_counts(&mut conn, regency_code)?;
    let districts: Vec<StoredRegion> = at_level(&mut conn, RegionLevel::District)?
        .into_iter()
        .filter(|d| regency_code.contains(d.code))
        .collect();
    let name = Regions::national()
        .get(regency_code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| regency_code.to_string());
    let regency_region = StoredRegion {
        code: regency_code,
        name,
    };
    let district_counts = roll_up(&villages, &districts);
    let regency = roll_up(&villages, std::slice::from_ref(&regency_region))
        .pop()
        .unwrap_or(RegionCounts {
            region: regency_region,
            households: 0,
            persons: 0,
            alive: 0,
        });
    let mut lists = Vec::new();
    for kind in [
        ListKind::Dtsen,
        ListKind::Deaths,
        ListKind::Asn,
        ListKind::Bpjs,
    ] {
        let staged = jaring_store::imports::staged_count(&mut conn, kind.as_code())?;
        if staged > 0 {
            let (auto, review, no_match) =
                jaring_store::matches::band_counts(&mut conn, kind.as_code())?;
            lists.push(ListStatus {
                kind,
                staged,
                auto,
                review,
                no_match,
            });
        }
    }
    Ok(Overview {
        regency,
        districts: district_counts,
        villages,
        demo,
        lists,
    })
}
