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

/// The civil registry's occupation codes (SIAK's list of 89, which OpenSID writes as `pekerjaan_id`),
/// with their labels as Dukcapil prints them.
pub const DUKCAPIL_CODES: &[(u8, &str)] = &[
    (1, "BELUM/TIDAK BEKERJA"),
    (2, "MENGURUS RUMAH TANGGA"),
    (3, "PELAJAR/MAHASISWA"),
    (4, "PENSIUNAN"),
    (5, "PEGAWAI NEGERI SIPIL (PNS)"),
    (6, "TENTARA NASIONAL INDONESIA (TNI)"),
    (7, "KEPOLISIAN RI (POLRI)"),
    (8, "PERDAGANGAN"),
    (9, "PETANI/PEKEBUN"),
    (10, "PETERNAK"),
    (11, "NELAYAN/PERIKANAN"),
    (12, "INDUSTRI"),
    (13, "KONSTRUKSI"),
    (14, "TRANSPORTASI"),
    (15, "KARYAWAN SWASTA"),
    (16, "KARYAWAN BUMN"),
    (17, "KARYAWAN BUMD"),
    (18, "KARYAWAN HONORER"),
    (19, "BURUH HARIAN LEPAS"),
    (20, "BURUH TANI/PERKEBUNAN"),
    (21, "BURUH NELAYAN/PERIKANAN"),
    (22, "BURUH PETERNAKAN"),
    (23, "PEMBANTU RUMAH TANGGA"),
    (24, "TUKANG CUKUR"),
    (25, "TUKANG LISTRIK"),
    (26, "TUKANG BATU"),
    (27, "TUKANG KAYU"),
    (28, "TUKANG SOL SEPATU"),
    (29, "TUKANG LAS/PANDAI BESI"),
    (30, "TUKANG JAHIT"),
    (31, "TUKANG GIGI"),
    (32, "PENATA RIAS"),
    (33, "PENATA BUSANA"),
    (34, "PENATA RAMBUT"),
    (35, "MEKANIK"),
    (36, "SENIMAN"),
    (37, "TABIB"),
    (38, "PARAJI"),
    (39, "PERANCANG BUSANA"),
    (40, "PENTERJEMAH"),
    (41, "IMAM MASJID"),
    (42, "PENDETA"),
    (43, "PASTOR"),
    (44, "WARTAWAN"),
    (45, "USTADZ/MUBALIGH"),
    (46, "JURU MASAK"),
    (47, "PROMOTOR ACARA"),
    (48, "ANGGOTA DPR-RI"),
    (49, "ANGGOTA DPD"),
    (50, "ANGGOTA BPK"),
    (51, "PRESIDEN"),
    (52, "WAKIL PRESIDEN"),
    (53, "ANGGOTA MAHKAMAH KONSTITUSI"),
    (54, "ANGGOTA KABINET KEMENTERIAN"),
    (55, "DUTA BESAR"),
    (56, "GUBERNUR"),
    (57, "WAKIL GUBERNUR"),
    (58, "BUPATI"),
    (59, "WAKIL BUPATI"),
    (60, "WALIKOTA"),
    (61, "WAKIL WALIKOTA"),
    (62, "ANGGOTA DPRD PROVINSI"),
    (63, "ANGGOTA DPRD KABUPATEN/KOTA"),
    (64, "DOSEN"),
    (65, "GURU"),
    (66, "PILOT"),
    (67, "PENGACARA"),
    (68, "NOTARIS"),
    (69, "ARSITEK"),
    (70, "AKUNTAN"),
    (71, "KONSULTAN"),
    (72, "DOKTER"),
    (73, "BIDAN"),
    (74, "PERAWAT"),
    (75, "APOTEKER"),
    (76, "PSIKIATER/PSIKOLOG"),
    (77, "PENYIAR TELEVISI"),
    (78, "PENYIAR RADIO"),
    (79, "PELAUT"),
    (80, "PENELITI"),
    (81, "SOPIR"),
    (82, "PIALANG"),
    (83, "PARANORMAL"),
    (84, "PEDAGANG"),
    (85, "PERANGKAT DESA"),
    (86, "KEPALA DESA"),
    (87, "BIARAWATI"),
    (88, "WIRASWASTA"),
    (89, "LAINNYA"),
];

/// The occupation a Dukcapil/OpenSID code stands for.
pub fn label_of_code(code: u8) -> Option<&'static str> {
    DUKCAPIL_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dukcapil_codes_name_the_occupations_categories_follow() {
        assert_eq!(DUKCAPIL_CODES.len(), 89);
        assert_eq!(label_of_code(9), Some("PETANI/PEKEBUN"));
        assert_eq!(label_of_code(5), Some("PEGAWAI NEGERI SIPIL (PNS)"));
        assert_eq!(label_of_code(90), None);
        assert_eq!(
            worker_category(label_of_code(9).unwrap(), Some(3)),
            WorkerCategory::Rentan
        );
        assert_eq!(
            worker_category(label_of_code(1).unwrap(), None),
            WorkerCategory::NotWorking
        );
        assert_eq!(
            civil_servant_status(label_of_code(7).unwrap()),
            CivilServantStatus::Polri
        );
    }

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
