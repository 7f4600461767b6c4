//! Kemendagri region codes (`kode wilayah`): `PP`, `PP.KK`, `PP.KK.CC`, `PP.KK.CC.DDDD`.
//!
//! A code is held as the number its digits spell (`53.04.01.2001` → `5304012001`). Province codes start
//! at 11, so the digit count alone tells the level and no two levels can collide.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::message::Bilingual;

/// Level of a region in the hierarchy provinsi → kabupaten/kota → kecamatan → desa/kelurahan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// Provinsi (2 digits).
    Province,
    /// Kabupaten or kota (4 digits).
    Regency,
    /// Kecamatan (6 digits).
    District,
    /// Desa or kelurahan (10 digits).
    Village,
}

impl RegionLevel {
    /// Number of digits a code of this level has.
    pub const fn digits(self) -> u32 {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::Regency => 4,
            RegionLevel::District => 6,
            RegionLevel::Village => 10,
        }
    }

    /// Stable lower-case name used in storage and APIs.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "provinsi",
            RegionLevel::Regency => "kabupaten",
            RegionLevel::District => "kecamatan",
            RegionLevel::Village => "desa",
        }
    }
}

/// Kind of a village-level unit, read from the first digit of its 4-digit part (Permendagri 58/2021).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VillageKind {
    /// Kelurahan (urban, headed by a civil servant; first digit 1).
    Kelurahan,
    /// Desa (village with its own government and budget; first digit 2).
    Desa,
    /// Desa adat (customary village; first digit 3).
    DesaAdat,
}

/// A structurally valid Kemendagri region code. Whether it exists is a question for [`crate::Regions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u64);

/// Why a text is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// Nothing was given.
    #[error("{}", self.both())]
    Empty,
    /// A character other than digits and dots.
    #[error("{}", self.both())]
    InvalidCharacter(char),
    /// The parts do not have 2, 2, 2 and 4 digits.
    #[error("{}", self.both())]
    Shape(String),
    /// A part is all zeros or the province is below 11.
    #[error("{}", self.both())]
    ZeroPart(String),
}

impl Bilingual for RegionCodeError {
    fn id(&self) -> String {
        match self {
            RegionCodeError::Empty => "kode wilayah kosong".into(),
            RegionCodeError::InvalidCharacter(c) => {
                format!("kode wilayah hanya boleh berisi angka dan titik, ditemukan '{c}'")
            }
            RegionCodeError::Shape(s) => {
                format!("kode wilayah '{s}' tidak berbentuk PP, PP.KK, PP.KK.CC atau PP.KK.CC.DDDD")
            }
            RegionCodeError::ZeroPart(s) => {
                format!("kode wilayah '{s}' memuat bagian 00 atau provinsi di bawah 11")
            }
        }
    }
    fn en(&self) -> String {
        match self {
            RegionCodeError::Empty => "region code is empty".into(),
            RegionCodeError::InvalidCharacter(c) => {
                format!("a region code holds only digits and dots, found '{c}'")
            }
            RegionCodeError::Shape(s) => {
                format!("region code '{s}' is not shaped PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD")
            }
            RegionCodeError::ZeroPart(s) => {
                format!("region code '{s}' has an all-zero part or a province below 11")
            }
        }
    }
}

impl RegionCode {
    /// Parses `53`, `53.04`, `5304`, `53.04.01`, `530401`, `53.04.01.2001` or `5304012001`.
    pub fn parse(input: &str) -> Result<Self, RegionCodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(RegionCodeError::Empty);
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
            return Err(RegionCodeError::InvalidCharacter(c));
        }
        let digits: String = if s.contains('.') {
            let parts: Vec<&str> = s.split('.').collect();
            let widths = [2usize, 2, 2, 4];
            if parts.len() > 4 || parts.iter().zip(widths).any(|(p, w)| p.len() != w) {
                return Err(RegionCodeError::Shape(s.to_string()));
            }
            parts.concat()
        } else {
            s.to_string()
        };
        if ![2, 4, 6, 10].contains(&digits.len()) {
            return Err(RegionCodeError::Shape(s.to_string()));
        }
        let zero_part = digits.starts_with('0')
            || digits[..2].parse::<u64>().unwrap_or(0) < 11
            || [(2, 4), (4, 6), (6, 10)]
                .iter()
                .any(|&(a, b)| digits.len() >= b && digits[a..b].bytes().all(|d| d == b'0'));
        if zero_part {
            return Err(RegionCodeError::ZeroPart(s.to_string()));
        }
        // Only digits remain and at most 10 of them, so the number fits a u64.
        digits
            .parse::<u64>()
            .map(RegionCode)
            .map_err(|_| RegionCodeError::Shape(s.to_string()))
    }

    /// Builds a code from its numeric form; `None` unless it has 2, 4, 6 or 10 digits with valid parts.
    pub fn from_number(n: u64) -> Option<Self> {
        Self::parse(&n.to_string()).ok()
    }

    /// Wraps a number the caller has already validated (a prefix of a parsed NIK or KK).
    pub(crate) const fn from_trusted(n: u64) -> Self {
        RegionCode(n)
    }

    /// The code as the number its digits spell (`5304012001`).
    pub const fn as_number(self) -> u64 {
        self.0
    }

    /// Level of the region this code names.
    pub fn level(self) -> RegionLevel {
        match self.0 {
            0..=99 => RegionLevel::Province,
            100..=9_999 => RegionLevel::Regency,
            10_000..=999_999 => RegionLevel::District,
            _ => RegionLevel::Village,
        }
    }

    /// The enclosing region, `None` for a province.
    pub fn parent(self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::Regency | RegionLevel::District => Some(RegionCode(self.0 / 100)),
            RegionLevel::Village => Some(RegionCode(self.0 / 10_000)),
        }
    }

    /// This code truncated to `level`, or `None` if `level` is finer than this code.
    pub fn at_level(self, level: RegionLevel) -> Option<RegionCode> {
        let own = self.level().digits();
        let want = level.digits();
        (want <= own).then(|| RegionCode(self.0 / 10u64.pow(own - want)))
    }

    /// Whether `other` lies inside this region (a region contains itself).
    pub fn contains(self, other: RegionCode) -> bool {
        other.at_level(self.level()) == Some(self)
    }

    /// The smallest region containing both codes (`None` across provinces). A decision about two
    /// villages belongs to whoever's scope covers both, e.g. a move-in between villages.
    pub fn common_ancestor(self, other: RegionCode) -> Option<RegionCode> {
        [
            RegionLevel::Village,
            RegionLevel::District,
            RegionLevel::Regency,
            RegionLevel::Province,
        ]
        .into_iter()
        .find_map(|level| {
            let a = self.at_level(level)?;
            (other.at_level(level) == Some(a)).then_some(a)
        })
    }

    /// Desa, kelurahan or desa adat, for village-level codes.
    pub fn village_kind(self) -> Option<VillageKind> {
        if self.level() != RegionLevel::Village {
            return None;
        }
        match (self.0 % 10_000) / 1_000 {
            1 => Some(VillageKind::Kelurahan),
            2 => Some(VillageKind::Desa),
            3 => Some(VillageKind::DesaAdat),
            _ => None,
        }
    }

    /// Undotted digits (`5304012001`), the form used inside NIKs and KK numbers.
    pub fn digits(self) -> String {
        self.0.to_string()
    }
}

impl fmt::Display for RegionCode {
    /// The official dotted form `PP.KK.CC.DDDD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        let cuts: &[usize] = match self.level() {
            RegionLevel::Province => &[],
            RegionLevel::Regency => &[2],
            RegionLevel::District => &[2, 4],
            RegionLevel::Village => &[2, 4, 6],
        };
        let mut start = 0;
        for &c in cuts {
            write!(f, "{}.", &d[start..c])?;
            start = c;
        }
        f.write_str(&d[start..])
    }
}

crate::text_identifier!(RegionCode, RegionCodeError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_level_with_and_without_dots() {
        for (text, level) in [
            ("53", RegionLevel::Province),
            ("53.04", RegionLevel::Regency),
            ("5304", RegionLevel::Regency),
            ("53.04.01", RegionLevel::District),
            ("53.04.01.2001", RegionLevel::Village),
            ("5304012001", RegionLevel::Village),
        ] {
            let code = RegionCode::parse(text).unwrap();
            assert_eq!(code.level(), level, "{text}");
        }
        assert_eq!(
            RegionCode::parse("5304012001").unwrap().to_string(),
            "53.04.01.2001"
        );
    }

    #[test]
    fn hierarchy_and_kind() {
        let village = RegionCode::parse("53.04.12.1001").unwrap();
        let district = RegionCode::parse("53.04.12").unwrap();
        assert_eq!(village.parent(), Some(district));
        assert_eq!(district.parent().unwrap().to_string(), "53.04");
        assert!(RegionCode::parse("53").unwrap().contains(village));
        assert!(!RegionCode::parse("53.05").unwrap().contains(village));
        assert_eq!(village.village_kind(), Some(VillageKind::Kelurahan));
        assert_eq!(
            RegionCode::parse("53.04.01.2001").unwrap().village_kind(),
            Some(VillageKind::Desa)
        );
        assert_eq!(district.village_kind(), None);
        assert_eq!(
            village.at_level(RegionLevel::Regency).unwrap().to_string(),
            "53.04"
        );
        assert_eq!(district.at_level(RegionLevel::Village), None);
    }

    #[test]
    fn rejects_bad_shapes_with_reasons() {
        assert_eq!(RegionCode::parse(" "), Err(RegionCodeError::Empty));
        assert_eq!(
            RegionCode::parse("53-04"),
            Err(RegionCodeError::InvalidCharacter('-'))
        );
        assert!(matches!(
            RegionCode::parse("53.4"),
            Err(RegionCodeError::Shape(_))
        ));
        assert!(matches!(
            RegionCode::parse("53040"),
            Err(RegionCodeError::Shape(_))
        ));
        assert!(matches!(
            RegionCode::parse("53.04.00"),
            Err(RegionCodeError::ZeroPart(_))
        ));
        assert!(matches!(
            RegionCode::parse("05"),
            Err(RegionCodeError::ZeroPart(_))
        ));
        assert!(RegionCode::parse("53.04.01.2001.1").is_err());
    }

    proptest! {
        #[test]
        fn any_valid_code_round_trips(p in 11u64..=99, k in 1u64..=99, c in 1u64..=99, d in 1u64..=9999, depth in 0usize..4) {
            let parts = [format!("{p:02}"), format!("{k:02}"), format!("{c:02}"), format!("{d:04}")];
            let dotted = parts[..=depth].join(".");
            let code = RegionCode::parse(&dotted).unwrap();
            prop_assert_eq!(code.to_string(), dotted.clone());
            prop_assert_eq!(RegionCode::parse(&code.digits()).unwrap(), code);
            prop_assert_eq!(RegionCode::from_number(code.as_number()), Some(code));
        }

        #[test]
        fn no_input_panics(s in "\\PC{0,20}") {
            let _ = RegionCode::parse(&s);
        }

        #[test]
        fn digit_strings_never_panic(s in "[0-9.]{0,16}") {
            if let Ok(code) = RegionCode::parse(&s) {
                prop_assert_eq!(RegionCode::parse(&code.to_string()).unwrap(), code);
            }
        }
    }

    #[test]
    fn common_ancestor_is_the_smallest_region_holding_both() {
        let c = |s: &str| RegionCode::parse(s).unwrap();
        assert_eq!(
            c("53.04.01.2001").common_ancestor(c("53.04.01.2002")),
            Some(c("53.04.01"))
        );
        assert_eq!(
            c("53.04.01.2001").common_ancestor(c("53.04.02.2001")),
            Some(c("53.04"))
        );
        assert_eq!(
            c("53.04.01.2001").common_ancestor(c("53.04.01.2001")),
            Some(c("53.04.01.2001"))
        );
        assert_eq!(
            c("53.04.01").common_ancestor(c("53.04.01.2003")),
            Some(c("53.04.01"))
        );
        assert_eq!(c("53.04").common_ancestor(c("52.01")), None);
    }
}
