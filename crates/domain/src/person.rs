//! What the registry knows about a person besides identifiers (PRODUCT.md §3.1).
//!
//! Every enum has a stable lower-case code used in storage, files and the API (`as_code`/`from_code`),
//! so renaming a Rust variant never changes stored data.

use serde::{Deserialize, Serialize};

coded_enum! {
    /// Sex as recorded on the KTP (and in the NIK's day part).
    Sex {
        /// Laki-laki.
        Male = "m", "Laki-laki";
        /// Perempuan.
        Female = "f", "Perempuan";
    }
}

coded_enum! {
    /// Life status; a death is a status change with a date, never a deletion.
    LifeStatus {
        /// Hidup.
        Alive = "alive", "Hidup";
        /// Meninggal, with a date of death on the person.
        Deceased = "deceased", "Meninggal";
        /// Pindah keluar (moved out of the regency).
        MovedOut = "moved_out", "Pindah";
        /// Hilang (missing).
        Missing = "missing", "Hilang";
    }
}

coded_enum! {
    /// Civil-servant status: ASN (PNS, PPPK), TNI and Polri are covered by other schemes, and their
    /// whole household leaves subsidised lists (DOMAIN.md §4.4).
    CivilServantStatus {
        /// Not a civil servant.
        None = "none", "Bukan ASN";
        /// Pegawai Negeri Sipil (incl. CPNS).
        Pns = "pns", "PNS";
        /// Pegawai Pemerintah dengan Perjanjian Kerja (P3K).
        Pppk = "pppk", "PPPK";
        /// Tentara Nasional Indonesia.
        Tni = "tni", "TNI";
        /// Kepolisian.
        Polri = "polri", "Polri";
        /// Pensioner of any of the above.
        Pensioner = "pensioner", "Pensiunan";
    }
}

impl CivilServantStatus {
    /// Whether this status takes a household off subsidised programmes.
    pub fn excludes_household(self) -> bool {
        !matches!(self, CivilServantStatus::None)
    }
}

coded_enum! {
    /// Worker category used for BPJS TK programmes.
    WorkerCategory {
        /// Pekerja rentan: poor informal worker (farmer, fisher, day labourer), BPU.
        Rentan = "rentan", "Pekerja rentan";
        /// Other informal/self-employed worker (BPU), not poor.
        Informal = "informal", "Pekerja informal";
        /// Wage earner in the private sector (PU).
        Formal = "formal", "Pekerja formal";
        /// Perangkat desa / BPD / LPMD: village officials covered as PU from the village budget.
        PerangkatDesa = "perangkat_desa", "Perangkat desa";
        /// ASN/TNI/Polri, covered by Taspen/Asabri, not by BPJS TK BPU.
        CivilServant = "civil_servant", "ASN/TNI/Polri";
        /// Not working: children, students, homemakers, the elderly.
        NotWorking = "not_working", "Tidak bekerja";
    }
}

coded_enum! {
    /// Relationship to the head of the family card (OpenSID `kk_level`).
    Relationship {
        /// Kepala keluarga.
        Head = "head", "Kepala Keluarga";
        /// Suami.
        Husband = "husband", "Suami";
        /// Istri.
        Wife = "wife", "Istri";
        /// Anak.
        Child = "child", "Anak";
        /// Menantu.
        ChildInLaw = "child_in_law", "Menantu";
        /// Cucu.
        Grandchild = "grandchild", "Cucu";
        /// Orang tua.
        Parent = "parent", "Orang Tua";
        /// Mertua.
        ParentInLaw = "parent_in_law", "Mertua";
        /// Famili lain.
        OtherRelative = "other_relative", "Famili Lain";
        /// Pembantu.
        Helper = "helper", "Pembantu";
        /// Lainnya.
        Other = "other", "Lainnya";
    }
}

coded_enum! {
    /// Marital status (status perkawinan).
    MaritalStatus {
        /// Belum kawin.
        Single = "single", "Belum Kawin";
        /// Kawin.
        Married = "married", "Kawin";
        /// Cerai hidup.
        Divorced = "divorced", "Cerai Hidup";
        /// Cerai mati.
        Widowed = "widowed", "Cerai Mati";
    }
}

coded_enum! {
    /// Religion as on the KTP (*agama*), in the order of Dukcapil's code table (1–7), which OpenSID's
    /// `agama_id` and SIAK exports use.
    Religion {
        /// Islam (1).
        Islam = "islam", "Islam";
        /// Kristen (2).
        Protestant = "protestant", "Kristen";
        /// Katholik (3).
        Catholic = "catholic", "Katholik";
        /// Hindu (4).
        Hindu = "hindu", "Hindu";
        /// Budha (5).
        Buddhist = "buddhist", "Budha";
        /// Khonghucu (6).
        Confucian = "confucian", "Khonghucu";
        /// Kepercayaan terhadap Tuhan YME (7).
        Belief = "belief", "Kepercayaan terhadap Tuhan YME";
    }
}

impl Religion {
    /// The value of Dukcapil's code (1–7).
    pub fn from_dukcapil(code: u8) -> Option<Religion> {
        Religion::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

coded_enum! {
    /// Highest education completed (*pendidikan terakhir*, Dukcapil's code table 1–10, OpenSID's
    /// `pendidikan_kk_id`). Kept because programmes and DTSEN verification ask for it.
    Education {
        /// Tidak/belum sekolah (1).
        None = "none", "Tidak/Belum Sekolah";
        /// Belum tamat SD/sederajat (2).
        PrimaryIncomplete = "primary_incomplete", "Belum Tamat SD/Sederajat";
        /// Tamat SD/sederajat (3).
        Primary = "primary", "Tamat SD/Sederajat";
        /// SLTP/sederajat (4).
        JuniorSecondary = "junior_secondary", "SLTP/Sederajat";
        /// SLTA/sederajat (5).
        SeniorSecondary = "senior_secondary", "SLTA/Sederajat";
        /// Diploma I/II (6).
        Diploma2 = "diploma_2", "Diploma I/II";
        /// Akademi/Diploma III/Sarjana Muda (7).
        Diploma3 = "diploma_3", "Akademi/Diploma III/S. Muda";
        /// Diploma IV/Strata I (8).
        Bachelor = "bachelor", "Diploma IV/Strata I";
        /// Strata II (9).
        Master = "master", "Strata II";
        /// Strata III (10).
        Doctorate = "doctorate", "Strata III";
    }
}

impl Education {
    /// The value of Dukcapil's code (1–10).
    pub fn from_dukcapil(code: u8) -> Option<Education> {
        Education::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

/// DTSEN welfare decile (*desil*), 1 = poorest tenth of the nation, 10 = richest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Desil(u8);

/// A decile outside 1–10.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("desil harus 1–10, ditemukan {0} / decile must be 1–10, found {0}")]
pub struct DesilError(pub i64);

impl Desil {
    /// A decile from 1 to 10.
    pub fn new(value: i64) -> Result<Desil, DesilError> {
        match value {
            1..=10 => Ok(Desil(value as u8)),
            _ => Err(DesilError(value)),
        }
    }

    /// The decile as a number 1–10.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Desil {
    type Error = DesilError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Desil::new(i64::from(v))
    }
}

impl From<Desil> for u8 {
    fn from(d: Desil) -> u8 {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for r in Relationship::ALL {
            assert_eq!(Relationship::from_code(r.as_code()), Some(*r));
        }
        for w in WorkerCategory::ALL {
            assert_eq!(WorkerCategory::from_code(w.as_code()), Some(*w));
        }
        assert_eq!(LifeStatus::from_code("zombie"), None);
        assert_eq!(Sex::Female.label_id(), "Perempuan");
    }

    #[test]
    fn desil_bounds() {
        assert!(Desil::new(0).is_err());
        assert_eq!(Desil::new(10).unwrap().get(), 10);
        assert_eq!(Desil::new(11), Err(DesilError(11)));
    }

    #[test]
    fn civil_servants_exclude_household() {
        assert!(CivilServantStatus::Pppk.excludes_household());
        assert!(!CivilServantStatus::None.excludes_household());
    }
}
