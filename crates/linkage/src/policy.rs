//! What a matched pair must show, beyond its probability, before a change it asks for may be approved
//! in bulk (the auto band). Probability alone is not enough for deaths and appointments: in villages that
//! share a small pool of names, a namesake born a few days apart scores as high as the person, and
//! marking a living resident dead ends their family's cover. The rules are data (a TOML table per list
//! kind, with defaults) and every rule a pair fails becomes a reason shown to the reviewer.

use serde::{Deserialize, Serialize};

use crate::compare::{Field, Gamma};

/// The rules as written in configuration: levels by their names (see [`Field::levels`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoRules {
    /// Whether the rules below apply at all; when `false`, the probability alone decides (plus the
    /// same-NIK-other-person check, which always applies).
    pub guarded: bool,
    /// The weakest NIK agreement that may enter the auto band: `exact`, `one digit different` or
    /// `two digits swapped`. A NIK on both sides that is `different` never may, whatever the name.
    pub nik: String,
    /// With an exactly agreeing NIK: the weakest name agreement.
    pub name_with_nik: String,
    /// With a NIK a digit off or two digits swapped: the weakest name agreement. Stricter than with an
    /// exact NIK, because a sibling registered right after (a twin) or someone from the next kecamatan
    /// born the same day holds a NIK one digit away.
    pub name_with_nik_typo: String,
    /// With an agreeing NIK that is not exact: the weakest birth-date agreement (a missing birth date
    /// then sends the pair to review, since a NIK a digit off may be a namesake's).
    pub birth_date_with_nik: String,
    /// Whether a record without a usable NIK (empty, Excel-damaged, or the resident has none) may enter
    /// the auto band at all.
    pub without_nik: bool,
    /// Without a usable NIK: the weakest name agreement.
    pub name_without_nik: String,
    /// Without a usable NIK: the weakest birth-date agreement (required).
    pub birth_date_without_nik: String,
    /// Without a usable NIK: the weakest region agreement, when the list names a village.
    pub region_without_nik: String,
    /// A name shared by at least this many residents of the village (the regency, when the list names
    /// no village) is common: then only an exact NIK or the same No. KK lets the pair into the auto band.
    pub common_name: u32,
    /// Another resident whose match weight is within this many bits of the chosen one makes the pair
    /// ambiguous (review), unless the NIK agrees exactly.
    pub ambiguity_bits: f64,
}

impl Default for AutoRules {
    fn default() -> Self {
        AutoRules {
            guarded: true,
            nik: "two digits swapped".into(),
            name_with_nik: "similar".into(),
            name_with_nik_typo: "same sound".into(),
            birth_date_with_nik: "year off by one".into(),
            without_nik: true,
            name_without_nik: "same sound".into(),
            birth_date_without_nik: "exact".into(),
            region_without_nik: "same kecamatan".into(),
            common_name: 2,
            ambiguity_bits: 6.0,
        }
    }
}

impl AutoRules {
    /// Rules that leave the decision to the probability (lists that change no one's status).
    pub fn unguarded() -> AutoRules {
        AutoRules {
            guarded: false,
            ..AutoRules::default()
        }
    }

    /// Resolves the level names; an unknown name is an error naming the levels that exist.
    pub fn compile(&self) -> Result<CompiledRules, PolicyError> {
        let level = |field: Field, key: &'static str, name: &str| {
            field
                .levels()
                .iter()
                .position(|l| *l == name)
                .map(|i| i as u8)
                .ok_or_else(|| PolicyError::UnknownLevel {
                    key,
                    value: name.to_string(),
                    levels: field.levels().join(", "),
                })
        };
        let nik = level(Field::Nik, "nik", &self.nik)?;
        if nik > 2 {
            return Err(PolicyError::NikTooWeak(self.nik.clone()));
        }
        if !self.ambiguity_bits.is_finite() || self.ambiguity_bits < 0.0 {
            return Err(PolicyError::Ambiguity(self.ambiguity_bits));
        }
        Ok(CompiledRules {
            guarded: self.guarded,
            nik,
            name_with_nik: level(Field::Name, "name_with_nik", &self.name_with_nik)?,
            name_with_nik_typo: level(Field::Name, "name_with_nik_typo", &self.name_with_nik_typo)?,
            birth_date_with_nik: level(
                Field::BirthDate,
                "birth_date_with_nik",
                &self.birth_date_with_nik,
            )?,
            without_nik: self.without_nik,
            name_without_nik: level(Field::Name, "name_without_nik", &self.name_without_nik)?,
            birth_date_without_nik: level(
                Field::BirthDate,
                "birth_date_without_nik",
                &self.birth_date_without_nik,
            )?,
            region_without_nik: level(
                Field::Region,
                "region_without_nik",
                &self.region_without_nik,
            )?,
            common_name: self.common_name.max(2),
            ambiguity_bits: self.ambiguity_bits,
        })
    }
}

/// Why a policy cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// A level name that the field does not have.
    #[error("{key} = '{value}': tingkat tidak dikenal / unknown level; levels: {levels}")]
    UnknownLevel {
        /// The setting.
        key: &'static str,
        /// What was written.
        value: String,
        /// The levels that exist.
        levels: String,
    },
    /// A NIK level weaker than a typo would let a namesake's NIK into the auto band.
    #[error("nik = '{0}': hanya exact, one digit different atau two digits swapped / only exact, one digit different or two digits swapped")]
    NikTooWeak(String),
    /// A negative or non-finite ambiguity margin.
    #[error("ambiguity_bits = {0}: harus ≥ 0 / must be ≥ 0")]
    Ambiguity(f64),
}

/// [`AutoRules`] with their levels resolved, ready to judge pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompiledRules {
    guarded: bool,
    nik: u8,
    name_with_nik: u8,
    name_with_nik_typo: u8,
    birth_date_with_nik: u8,
    without_nik: bool,
    name_without_nik: u8,
    birth_date_without_nik: u8,
    region_without_nik: u8,
    common_name: u32,
    ambiguity_bits: f64,
}

impl Default for CompiledRules {
    fn default() -> Self {
        // The defaults name existing levels; compiling them cannot fail.
        AutoRules::default()
            .compile()
            .unwrap_or_else(|e| unreachable!("default rules compile: {e}"))
    }
}

/// Why a pair was kept out of the auto band (or moved), shown to the reviewer in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Below the auto threshold.
    BelowThreshold,
    /// Both have a NIK and they differ.
    NikDiffers,
    /// The same NIK, but another name or birth date: the NIK may be written on the wrong person.
    NikHolderDiffers,
    /// The record's NIK belongs to another member of this resident's household.
    NikOfHouseholdMember,
    /// The names are too far apart for the NIK's level.
    NameWeak,
    /// The birth dates are too far apart (or one is missing) for the NIK's level.
    BirthDateWeak,
    /// The sexes differ.
    SexDiffers,
    /// No usable NIK and the other fields are not strong enough (or the policy wants a NIK).
    NoUsableNik,
    /// The villages are too far apart for a record without a NIK.
    RegionWeak,
    /// The name is common in the village and neither an exact NIK nor the No. KK settles it.
    CommonName,
    /// Another resident fits almost as well.
    Ambiguous,
}

impl Reason {
    /// Code stored with the candidate.
    pub fn as_code(self) -> &'static str {
        match self {
            Reason::BelowThreshold => "below_threshold",
            Reason::NikDiffers => "nik_differs",
            Reason::NikHolderDiffers => "nik_holder_differs",
            Reason::NikOfHouseholdMember => "nik_of_household_member",
            Reason::NameWeak => "name_weak",
            Reason::BirthDateWeak => "birth_date_weak",
            Reason::SexDiffers => "sex_differs",
            Reason::NoUsableNik => "no_usable_nik",
            Reason::RegionWeak => "region_weak",
            Reason::CommonName => "common_name",
            Reason::Ambiguous => "ambiguous",
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_code() == code)
    }

    /// Every reason.
    pub const ALL: [Reason; 11] = [
        Reason::BelowThreshold,
        Reason::NikDiffers,
        Reason::NikHolderDiffers,
        Reason::NikOfHouseholdMember,
        Reason::NameWeak,
        Reason::BirthDateWeak,
        Reason::SexDiffers,
        Reason::NoUsableNik,
        Reason::RegionWeak,
        Reason::CommonName,
        Reason::Ambiguous,
    ];

    /// In Bahasa Indonesia, as the reviewer reads it.
    pub fn label_id(self) -> &'static str {
        match self {
            Reason::BelowThreshold => "ditinjau karena peluang di bawah ambang otomatis",
            Reason::NikDiffers => "ditinjau karena NIK berbeda",
            Reason::NikHolderDiffers => "ditinjau karena NIK sama tetapi nama atau tanggal lahir berbeda",
            Reason::NikOfHouseholdMember => "NIK di catatan milik anggota keluarga lain; dicocokkan ke anggota keluarga yang namanya sesuai",
            Reason::NameWeak => "ditinjau karena nama kurang mirip",
            Reason::BirthDateWeak => "ditinjau karena tanggal lahir berbeda atau kosong",
            Reason::SexDiffers => "ditinjau karena jenis kelamin berbeda",
            Reason::NoUsableNik => "ditinjau karena tidak ada NIK yang dapat dipakai dan bukti lain kurang kuat",
            Reason::RegionWeak => "ditinjau karena desa/kecamatan berbeda",
            Reason::CommonName => "ditinjau karena nama ini umum di desa; perlu NIK yang sama persis, No. KK yang sama, atau tanggal lahir yang sama (bukan 1 Januari, 1 Juli, 31 Desember)",
            Reason::Ambiguous => "ditinjau karena ada penduduk lain yang hampir sama cocoknya",
        }
    }

    /// In English.
    pub fn label_en(self) -> &'static str {
        match self {
            Reason::BelowThreshold => "reviewed because the probability is below the auto threshold",
            Reason::NikDiffers => "reviewed because the NIKs differ",
            Reason::NikHolderDiffers => "reviewed because the NIK is the same but the name or birth date differs",
            Reason::NikOfHouseholdMember => "the record's NIK belongs to another household member; matched to the member whose name fits",
            Reason::NameWeak => "reviewed because the names are too far apart",
            Reason::BirthDateWeak => "reviewed because the birth dates differ or one is missing",
            Reason::SexDiffers => "reviewed because the sexes differ",
            Reason::NoUsableNik => "reviewed because there is no usable NIK and the other fields are not strong enough",
            Reason::RegionWeak => "reviewed because the village or kecamatan differs",
            Reason::CommonName => "reviewed because the name is common in the village; an exact NIK, the same No. KK or the same birth date (not 1 January, 1 July, 31 December) is needed",
            Reason::Ambiguous => "reviewed because another resident fits almost as well",
        }
    }
}

/// What is known about a pair besides its comparison vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFacts {
    /// The pair's levels.
    pub gamma: Gamma,
    /// Its probability.
    pub probability: f64,
    /// Residents of the chosen resident's village (the regency, when the record names no village)
    /// whose name sounds the same, the resident included.
    pub namesakes: u32,
    /// How many bits the best other resident's weight is below this pair's (`None`: no other).
    pub runner_up_gap: Option<f64>,
    /// Whether the resident's birth date is one registrars write when the day is unknown
    /// (1 January, 1 July, 31 December): agreeing on it tells namesakes apart no better than the year.
    pub placeholder_birth_date: bool,
}

/// Whether a birth date is one written when the real day is unknown (see [`PairFacts`]).
pub fn is_placeholder_date(date: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    matches!((date.month(), date.day()), (1, 1) | (7, 1) | (12, 31))
}

impl CompiledRules {
    /// Whether the rules apply beyond the probability.
    pub fn guarded(&self) -> bool {
        self.guarded
    }

    /// Every rule the pair fails; empty means it may enter the auto band at `upper`.
    pub fn reasons(&self, facts: &PairFacts, upper: f64) -> Vec<Reason> {
        let g = &facts.gamma;
        let at = |f: Field| g[f.index()];
        let mut out = Vec::new();
        if facts.probability < upper {
            out.push(Reason::BelowThreshold);
        }
        if holder_differs(g) {
            out.push(Reason::NikHolderDiffers);
        }
        if !self.guarded {
            return out;
        }
        let within = |f: Field, max: u8| at(f).is_some_and(|l| l <= max);
        let nik = at(Field::Nik);
        // Level 3 (a damaged prefix agrees) is all an Excel-damaged NIK can show: no usable NIK.
        match nik {
            Some(4) => out.push(Reason::NikDiffers),
            Some(l) if l <= self.nik => {
                let name = if l == 0 {
                    self.name_with_nik
                } else {
                    self.name_with_nik_typo
                };
                if !within(Field::Name, name) {
                    out.push(Reason::NameWeak);
                }
                if l > 0 && !within(Field::BirthDate, self.birth_date_with_nik) {
                    out.push(Reason::BirthDateWeak);
                }
            }
            Some(l) if l <= 2 => out.push(Reason::NikDiffers),
            _ => {
                if !self.without_nik {
                    out.push(Reason::NoUsableNik);
                } else {
                    if !within(Field::Name, self.name_without_nik) {
                        out.push(Reason::NameWeak);
                    }
                    if !within(Field::BirthDate, self.birth_date_without_nik) {
                        out.push(Reason::BirthDateWeak);
                    }
                    if at(Field::Region).is_some_and(|l| l > self.region_without_nik) {
                        out.push(Reason::RegionWeak);
                    }
                }
            }
        }
        if at(Field::Sex) == Some(1) {
            out.push(Reason::SexDiffers);
        }
        // A common name needs one more identifier that agrees exactly: the NIK, the No. KK, or a
        // birth date that is a real day rather than a registrar's placeholder.
        let settled = nik == Some(0)
            || at(Field::NoKk) == Some(0)
            || (at(Field::BirthDate) == Some(0) && !facts.placeholder_birth_date);
        if facts.namesakes >= self.common_name && !settled {
            out.push(Reason::CommonName);
        }
        if nik != Some(0)
            && facts
                .runner_up_gap
                .is_some_and(|gap| gap < self.ambiguity_bits)
        {
            out.push(Reason::Ambiguous);
        }
        out
    }
}

/// The same NIK on a record whose name or birth date is another person's: the NIK may have been written
/// on a relative's record (informant, head of family) or mistyped into someone else's.
pub fn holder_differs(g: &Gamma) -> bool {
    g[Field::Nik.index()] == Some(0)
        && (g[Field::Name.index()].is_some_and(|l| l >= 3)
            || g[Field::BirthDate.index()].is_some_and(|l| l >= 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(levels: [Option<u8>; 7]) -> PairFacts {
        PairFacts {
            gamma: levels,
            probability: 0.999,
            namesakes: 1,
            runner_up_gap: None,
            placeholder_birth_date: false,
        }
    }

    const S: Option<u8> = Some(0);

    #[test]
    fn a_valid_nik_that_differs_never_enters_the_auto_band() {
        let rules = CompiledRules::default();
        // A namesake in the same village born days apart: everything but the NIK agrees.
        let f = facts([Some(4), S, Some(3), S, S, None, S]);
        assert_eq!(rules.reasons(&f, 0.9), vec![Reason::NikDiffers]);
        // Even a perfect name and birth date.
        let f = facts([Some(4), S, S, S, S, None, S]);
        assert_eq!(rules.reasons(&f, 0.9), vec![Reason::NikDiffers]);
    }

    #[test]
    fn a_typo_in_the_nik_needs_the_name_and_birth_date() {
        let rules = CompiledRules::default();
        assert!(rules
            .reasons(&facts([Some(1), Some(1), S, S, S, None, None]), 0.9)
            .is_empty());
        // Twins: one serial digit apart, another given name.
        assert_eq!(
            rules.reasons(&facts([Some(1), Some(3), S, S, S, None, None]), 0.9),
            vec![Reason::NameWeak]
        );
        // A sister registered next with the same given name and another family name: a name that is
        // merely similar is enough with an exact NIK, not with one a digit off.
        assert_eq!(
            rules.reasons(&facts([Some(1), Some(2), S, S, S, None, None]), 0.9),
            vec![Reason::NameWeak]
        );
        assert!(rules
            .reasons(&facts([S, Some(2), S, S, S, None, None]), 0.9)
            .is_empty());
        // A namesake a digit off, born days apart.
        assert_eq!(
            rules.reasons(&facts([Some(1), S, Some(3), S, S, None, None]), 0.9),
            vec![Reason::BirthDateWeak]
        );
        assert_eq!(
            rules.reasons(&facts([Some(2), S, None, S, S, None, None]), 0.9),
            vec![Reason::BirthDateWeak],
            "without a birth date a near NIK is not enough"
        );
    }

    #[test]
    fn without_a_nik_every_other_field_must_agree_and_a_common_name_needs_a_real_day() {
        let rules = CompiledRules::default();
        let strong = [None, Some(1), S, S, Some(1), None, None];
        assert!(rules.reasons(&facts(strong), 0.9).is_empty());
        let mut common = facts(strong);
        common.namesakes = 2;
        assert!(
            rules.reasons(&common, 0.9).is_empty(),
            "a real birth date that agrees tells namesakes apart"
        );
        common.placeholder_birth_date = true;
        assert_eq!(rules.reasons(&common, 0.9), vec![Reason::CommonName]);
        let no_date = facts([None, Some(1), None, S, Some(1), None, None]);
        assert_eq!(
            rules.reasons(
                &PairFacts {
                    namesakes: 3,
                    ..no_date
                },
                0.9
            ),
            vec![Reason::BirthDateWeak, Reason::CommonName]
        );
        // The same family card settles a common name.
        let mut with_kk = facts([None, Some(1), S, S, Some(1), S, None]);
        with_kk.namesakes = 5;
        assert!(rules.reasons(&with_kk, 0.9).is_empty());
        assert_eq!(
            rules.reasons(&facts([Some(3), Some(2), S, S, S, None, None]), 0.9),
            vec![Reason::NameWeak],
            "an Excel-damaged NIK is no NIK"
        );
        assert_eq!(
            rules.reasons(&facts([None, S, Some(2), S, S, None, None]), 0.9),
            vec![Reason::BirthDateWeak]
        );
        assert_eq!(
            rules.reasons(&facts([None, S, S, S, Some(2), None, None]), 0.9),
            vec![Reason::RegionWeak]
        );
        let mut close = facts(strong);
        close.runner_up_gap = Some(2.0);
        assert_eq!(rules.reasons(&close, 0.9), vec![Reason::Ambiguous]);
    }

    #[test]
    fn the_nik_holder_with_another_name_or_birth_date_is_reviewed_on_every_list() {
        let open = AutoRules::unguarded().compile().unwrap();
        assert_eq!(
            open.reasons(&facts([S, Some(4), Some(4), S, S, None, None]), 0.9),
            vec![Reason::NikHolderDiffers]
        );
        // Father and son of the same name: the son's NIK on the father's death record.
        assert_eq!(
            CompiledRules::default().reasons(&facts([S, S, Some(4), S, S, None, None]), 0.9),
            vec![Reason::NikHolderDiffers]
        );
        assert!(open
            .reasons(&facts([Some(4), S, S, S, S, None, None]), 0.9)
            .is_empty());
        let mut low = facts([S, S, S, S, S, None, None]);
        low.probability = 0.5;
        assert_eq!(open.reasons(&low, 0.9), vec![Reason::BelowThreshold]);
    }

    #[test]
    fn rules_are_configuration_with_named_levels() {
        let rules: AutoRules = toml::from_str("nik = \"exact\"\ncommon_name = 3\n").unwrap();
        assert_eq!(rules.common_name, 3);
        let compiled = rules.compile().unwrap();
        assert_eq!(
            compiled.reasons(&facts([Some(1), S, S, S, S, None, None]), 0.9),
            vec![Reason::NikDiffers]
        );
        let bad = AutoRules {
            name_with_nik: "close enough".into(),
            ..AutoRules::default()
        };
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("same sound") && e.contains("name_with_nik"),
            "{e}"
        );
        assert!(AutoRules {
            nik: "different".into(),
            ..AutoRules::default()
        }
        .compile()
        .is_err());
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.as_code()), Some(r));
        }
    }
}
