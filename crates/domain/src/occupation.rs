//! From an occupation as written (Dukcapil/OpenSID wording) to the categories jaring's programmes use.
//!
//! Matching is on a folded form (lower-case, letters only) and on keywords, because villages write the
//! same occupation many ways (`PETANI/PEKEBUN`, `Petani`, `Pekebun`, `PNS`, `Pegawai Negeri Sipil (PNS)`).

use crate::{fold, CivilServantStatus, WorkerCategory};

/// The civil-servant status an occupation implies, if any.
pub fn civil_servant_status(occupation: &str) -> CivilServantStatus {
    let f = fold(occupation);
    if f.contains("pensiun") || f.contains("purnawirawan") {
        CivilServantStatus::Pensioner
    } else if f.contains("pppk") || f.contains("p3k") || f.contains("perjanjiankerja") {
        CivilServantStatus::Pppk
    } else if f.contains("pns") || f.contains("pegawainegeri") || f.contains("cpns") {
        CivilServantStatus::Pns
    } else if f.contains("tni") || f.contains("tentara") {
        CivilServantStatus::Tni
    } else if f.contains("polri") || f.contains("kepolisian") || f == "polisi" {
        CivilServantStatus::Polri
    } else {
        CivilServantStatus::None
    }
}

/// The worker category of a person with this occupation in a household of DTSEN decile `desil`
/// (poor informal workers — decile 1–5 — are *pekerja rentan*).
pub fn worker_category(occupation: &str, desil: Option<u8>) -> WorkerCategory {
    let f = fold(occupation);
    match civil_servant_status(occupation) {
        CivilServantStatus::None => {}
        CivilServantStatus::Pensioner => return WorkerCategory::NotWorking,
        _ => return WorkerCategory::CivilServant,
    }
    if f.contains("perangkatdesa") || f.contains("kepaladesa") || f == "kades" || f.contains("bpd")
    {
        return WorkerCategory::PerangkatDesa;
    }
    let not_working = [
        "belum",
        "tidakbekerja",
        "mengurusrumahtangga",
        "pelajar",
        "mahasiswa",
        "irt",
    ];
    if f.is_empty() || not_working.iter().any(|k| f.contains(k)) {
        return WorkerCategory::NotWorking;
    }
    if f.contains("karyawan") || f.contains("honorer") || f.contains("bumn") || f.contains("bumd") {
        return WorkerCategory::Formal;
    }
    if desil.is_some_and(|d| d <= 5) {
        WorkerCategory::Rentan
    } else {
        WorkerCategory::Informal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_ways_villages_write_occupations() {
        assert_eq!(
            worker_category("PETANI/PEKEBUN", Some(2)),
            WorkerCategory::Rentan
        );
        assert_eq!(
            worker_category("Petani/Pekebun", Some(8)),
            WorkerCategory::Informal
        );
        assert_eq!(worker_category("Petani", None), WorkerCategory::Informal);
        assert_eq!(
            worker_category("Pegawai Negeri Sipil (PNS)", Some(3)),
            WorkerCategory::CivilServant
        );
        assert_eq!(civil_servant_status("PPPK"), CivilServantStatus::Pppk);
        assert_eq!(
            civil_servant_status("Tentara Nasional Indonesia (TNI)"),
            CivilServantStatus::Tni
        );
        assert_eq!(
            civil_servant_status("Kepolisian RI (POLRI)"),
            CivilServantStatus::Polri
        );
        assert_eq!(
            worker_category("Pensiunan", Some(1)),
            WorkerCategory::NotWorking
        );
        assert_eq!(
            worker_category("Perangkat Desa", Some(4)),
            WorkerCategory::PerangkatDesa
        );
        assert_eq!(
            worker_category("Karyawan Honorer", Some(4)),
            WorkerCategory::Formal
        );
        assert_eq!(
            worker_category("MENGURUS RUMAH TANGGA", Some(1)),
            WorkerCategory::NotWorking
        );
        assert_eq!(worker_category("", Some(1)), WorkerCategory::NotWorking);
    }
}
