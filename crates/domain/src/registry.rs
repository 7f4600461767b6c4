//! Registry records: households and the persons in them, as the store holds them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    CivilServantStatus, Desil, Education, LifeStatus, MaritalStatus, Nik, NoKk, RegionCode,
    Relationship, Religion, Sex, WorkerCategory,
};

/// Stable internal id of a person; survives NIK corrections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(pub i64);

/// Stable internal id of a household; survives KK-number changes (moves, splits, head's death).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HouseholdId(pub i64);

/// A household (the people on one family card) and the card number it holds now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// Stable id.
    pub id: HouseholdId,
    /// Current family-card number, if known.
    pub no_kk: Option<NoKk>,
    /// Village of residence.
    pub village: RegionCode,
    /// Street address / dusun / RT-RW as written.
    pub address: String,
}

/// A resident of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Stable id.
    pub id: PersonId,
    /// NIK; absent for residents not yet recorded by Dukcapil (newborns, returning migrants).
    pub nik: Option<Nik>,
    /// Household, if the person is on a family card known to the registry.
    pub household: Option<HouseholdId>,
    /// Village of residence.
    pub village: RegionCode,
    /// Full name as on the KTP.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Place of birth as written.
    pub birth_place: String,
    /// Date of birth (from the civil registry; may differ from the NIK's date part).
    pub birth_date: Option<NaiveDate>,
    /// Address as written.
    pub address: String,
    /// Relationship to the head of the family card.
    pub relationship: Relationship,
    /// Marital status.
    pub marital_status: MaritalStatus,
    /// Religion, when a source says.
    pub religion: Option<Religion>,
    /// Highest education completed, when a source says.
    pub education: Option<Education>,
    /// Mother's name as written (*nama ibu kandung*), evidence for telling namesakes apart.
    pub mother_name: String,
    /// Occupation as written (Dukcapil list wording, e.g. `Petani/Pekebun`).
    pub occupation: String,
    /// Worker category for BPJS TK programmes.
    pub worker_category: WorkerCategory,
    /// Life status.
    pub life_status: LifeStatus,
    /// Date of death, when deceased.
    pub death_date: Option<NaiveDate>,
    /// Civil-servant status.
    pub civil_servant: CivilServantStatus,
    /// Appointment date (TMT) of the civil-servant status.
    pub civil_servant_since: Option<NaiveDate>,
    /// DTSEN welfare decile of the household, when known.
    pub desil: Option<Desil>,
    /// Row version for optimistic locking: an update names the version it read.
    pub row_version: i64,
}

impl Person {
    /// A living person known only by name, sex and village; every other field is empty or its default
    /// (relationship "other", single, not working, no civil-servant status) until a source says more.
    pub fn new(id: PersonId, village: RegionCode, name: impl Into<String>, sex: Sex) -> Person {
        Person {
            id,
            nik: None,
            household: None,
            village,
            name: name.into(),
            sex,
            birth_place: String::new(),
            birth_date: None,
            address: String::new(),
            relationship: Relationship::Other,
            marital_status: MaritalStatus::Single,
            religion: None,
            education: None,
            mother_name: String::new(),
            occupation: String::new(),
            worker_category: WorkerCategory::NotWorking,
            life_status: LifeStatus::Alive,
            death_date: None,
            civil_servant: CivilServantStatus::None,
            civil_servant_since: None,
            desil: None,
            row_version: 1,
        }
    }

    /// Age in whole years on `on`, if the birth date is known.
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        self.birth_date.and_then(|b| on.years_since(b))
    }
}
