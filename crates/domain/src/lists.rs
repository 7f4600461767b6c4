//! The kinds of list a regency exchanges, and the records jaring reads from them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    CivilServantStatus, Desil, Education, LifeStatus, MaritalStatus, Nik, NoKk, RegionCode,
    Relationship, Religion, Sex,
};

/// A kind of list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// The village registry (jaring's template or an OpenSID resident export).
    Registry,
    /// A DTSEN extract (Kemensos/BPS): persons with their household's welfare decile.
    Dtsen,
    /// A civil-registry (Dukcapil) death list.
    Deaths,
    /// An ASN/PPPK appointment list (BKPSDM).
    Asn,
    /// A BPJS Ketenagakerjaan membership export.
    Bpjs,
}

impl ListKind {
    /// Every kind.
    pub const ALL: [ListKind; 5] = [
        ListKind::Registry,
        ListKind::Dtsen,
        ListKind::Deaths,
        ListKind::Asn,
        ListKind::Bpjs,
    ];

    /// Stable code (`registry`, `dtsen`, `deaths`, `asn`, `bpjs`).
    pub const fn as_code(self) -> &'static str {
        match self {
            ListKind::Registry => "registry",
            ListKind::Dtsen => "dtsen",
            ListKind::Deaths => "deaths",
            ListKind::Asn => "asn",
            ListKind::Bpjs => "bpjs",
        }
    }

    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.as_code() == code)
    }

    /// Indonesian name.
    pub const fn label_id(self) -> &'static str {
        match self {
            ListKind::Registry => "Data penduduk desa",
            ListKind::Dtsen => "Ekstrak DTSEN",
            ListKind::Deaths => "Daftar kematian Dukcapil",
            ListKind::Asn => "Daftar pengangkatan ASN/PPPK",
            ListKind::Bpjs => "Data kepesertaan BPJS Ketenagakerjaan",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_code())
    }
}

/// A registry row. `None` means the file did not say (the column is absent or the cell empty), so an
/// existing person keeps what the database has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRecord {
    /// NIK, absent for residents without one (and for OpenSID temporary NIKs).
    pub nik: Option<Nik>,
    /// Family-card number.
    pub no_kk: Option<NoKk>,
    /// Name, normalised.
    pub name: String,
    /// Sex (from the column, or from the NIK).
    pub sex: Sex,
    /// Place of birth.
    pub birth_place: Option<String>,
    /// Date of birth (from the column, or from the NIK).
    pub birth_date: Option<NaiveDate>,
    /// Address.
    pub address: Option<String>,
    /// Village of residence.
    pub village: RegionCode,
    /// Relationship to the head.
    pub relationship: Option<Relationship>,
    /// Marital status.
    pub marital_status: Option<MaritalStatus>,
    /// Religion.
    pub religion: Option<Religion>,
    /// Highest education completed.
    pub education: Option<Education>,
    /// Mother's name.
    pub mother_name: Option<String>,
    /// Occupation as written.
    pub occupation: Option<String>,
    /// Life status.
    pub life_status: Option<LifeStatus>,
    /// Date of death.
    pub death_date: Option<NaiveDate>,
    /// Civil-servant status.
    pub civil_servant: Option<CivilServantStatus>,
    /// Appointment date.
    pub civil_servant_since: Option<NaiveDate>,
    /// DTSEN decile.
    pub desil: Option<Desil>,
}

/// A record of an external list, staged for matching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalRecord {
    /// The list it comes from.
    pub kind: ListKind,
    /// Its own id in the source (ID DTSEN, NIP, KPJ, akta number).
    pub record_key: Option<String>,
    /// NIK exactly as written (may be damaged).
    pub nik_raw: String,
    /// The NIK, when it is valid.
    pub nik: Option<Nik>,
    /// Why the NIK is not usable (`excel_scientific`, `length`, …), when it is not.
    pub nik_issue: Option<String>,
    /// Family-card number, when valid.
    pub no_kk: Option<NoKk>,
    /// Name, normalised.
    pub name: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Village, when known.
    pub village: Option<RegionCode>,
    /// The date of what the list reports: death, appointment (TMT), last month paid.
    pub event_date: Option<NaiveDate>,
    /// Every other mapped field, normalised, by field key.
    pub attributes: BTreeMap<String, String>,
}
