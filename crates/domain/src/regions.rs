//! The national Kemendagri region list that ships inside jaring (data: cahyadsn/wilayah, MIT).
//!
//! Embedded in the binary so validation never depends on a file next to it, and parsed once on first use
//! into a sorted vector: a lookup is a binary search over 91,599 codes.

use std::sync::OnceLock;

use crate::region::{RegionCode, RegionLevel, VillageKind};

const NATIONAL_CSV: &str = include_str!("../data/wilayah_all.csv");
const ARCHIVED_CSV: &str = include_str!("../data/wilayah_archived.csv");

/// One named region of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Its code.
    pub code: RegionCode,
    /// Its official name (`Kabupaten Belu`, `Lamaknen`, `Kewar`).
    pub name: String,
    /// True for codes that no longer exist but survive in old NIK/KK prefixes.
    pub archived: bool,
}

impl Region {
    /// Level of the region.
    pub fn level(&self) -> RegionLevel {
        self.code.level()
    }
}

/// A set of regions, sorted by code.
#[derive(Debug, Clone, Default)]
pub struct Regions {
    sorted: Vec<Region>,
}

impl Regions {
    /// The national list (current codes plus archived NIK prefixes), parsed once per process.
    pub fn national() -> &'static Regions {
        static NATIONAL: OnceLock<Regions> = OnceLock::new();
        NATIONAL.get_or_init(|| {
            let mut sorted = parse_csv(NATIONAL_CSV, false);
            sorted.extend(parse_csv(ARCHIVED_CSV, true));
            Regions::from_regions(sorted)
        })
    }

    /// A list from arbitrary regions (duplicates keep the first).
    pub fn from_regions(mut regions: Vec<Region>) -> Regions {
        regions.sort_by_key(|r| r.code);
        regions.dedup_by_key(|r| r.code);
        Regions { sorted: regions }
    }

    /// The region with this code, archived ones included.
    pub fn get(&self, code: RegionCode) -> Option<&Region> {
        self.sorted
            .binary_search_by_key(&code, |r| r.code)
            .ok()
            .map(|i| &self.sorted[i])
    }

    /// Whether the code names a current (not archived) region.
    pub fn is_current(&self, code: RegionCode) -> bool {
        self.get(code).is_some_and(|r| !r.archived)
    }

    /// Number of regions held, archived ones included.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// All current regions inside `ancestor` (itself included), in code order.
    pub fn within(&self, ancestor: RegionCode) -> impl Iterator<Item = &Region> {
        // Codes of a subtree are not contiguous in numeric order (53 < 5304 < 530401 ...), so filter.
        self.sorted
            .iter()
            .filter(move |r| !r.archived && ancestor.contains(r.code))
    }

    /// Current children of a region, in code order.
    pub fn children(&self, parent: RegionCode) -> impl Iterator<Item = &Region> {
        self.within(parent)
            .filter(move |r| r.code.parent() == Some(parent))
    }

    /// All regions of one level, current only.
    pub fn at_level(&self, level: RegionLevel) -> impl Iterator<Item = &Region> {
        self.sorted
            .iter()
            .filter(move |r| !r.archived && r.level() == level)
    }

    /// Counts of villages by kind inside a region: (desa, kelurahan, desa adat).
    pub fn village_kinds(&self, ancestor: RegionCode) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for r in self.within(ancestor) {
            match r.code.village_kind() {
                Some(VillageKind::Desa) => counts.0 += 1,
                Some(VillageKind::Kelurahan) => counts.1 += 1,
                Some(VillageKind::DesaAdat) => counts.2 += 1,
                None => {}
            }
        }
        counts
    }
}

/// Reads `code,name` lines; names may be RFC-4180 quoted. Lines that do not parse are skipped: the data
/// is ours and checked by the tests below, so a bad line is a packaging bug caught there.
fn parse_csv(text: &str, archived: bool) -> Vec<Region> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let (code, name) = line.split_once(',')?;
            let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => name.to_string(),
            };
            Some(Region {
                code: RegionCode::parse(code).ok()?,
                name,
                archived,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_list_is_complete() {
        let all = Regions::national();
        let count = |l| all.at_level(l).count();
        assert_eq!(count(RegionLevel::Province), 38);
        assert_eq!(count(RegionLevel::Regency), 514);
        assert_eq!(count(RegionLevel::District), 7_285);
        assert_eq!(count(RegionLevel::Village), 83_762);
        // every data line parsed: 91,599 current + the archived prefixes
        assert_eq!(NATIONAL_CSV.lines().count() - 1, 91_599);
        assert_eq!(all.len(), 91_599 + ARCHIVED_CSV.lines().count() - 1);
    }

    #[test]
    fn belu_has_12_kecamatan_69_desa_12_kelurahan() {
        let all = Regions::national();
        let belu = RegionCode::parse("53.04").unwrap();
        assert_eq!(all.get(belu).unwrap().name, "Kabupaten Belu");
        assert_eq!(all.children(belu).count(), 12);
        assert_eq!(all.village_kinds(belu), (69, 12, 0));
        assert_eq!(
            all.get(RegionCode::parse("53.04.02.2006").unwrap())
                .unwrap()
                .name,
            "Fatuba'a"
        );
        assert_eq!(
            all.get(RegionCode::parse("14.02.09.2010").unwrap())
                .unwrap()
                .name,
            "Lambang Sari I, II, III"
        );
    }

    #[test]
    fn archived_prefixes_are_known_but_not_current() {
        let all = Regions::national();
        let old = RegionCode::parse("53.04.08").unwrap();
        assert!(all.get(old).unwrap().archived);
        assert!(!all.is_current(old));
        assert!(all
            .within(RegionCode::parse("53.04").unwrap())
            .all(|r| !r.archived));
    }
}
