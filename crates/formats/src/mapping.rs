//! Which column holds which field: built-in headings for each kind of list, matched case- and
//! space-insensitively with common synonyms, or a TOML mapping for anything else.
//!
//! ```toml
//! # mapping.toml
//! date_order = "dmy"          # optional: how to read 05/04/1980 in this file
//! sheet = "Data"              # optional: which sheet of a workbook
//! [columns]
//! nik = "Nomor KTP"
//! name = "Nama Warga"
//! birth_date = "Tgl. Lahir"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::fields::{Field, KindFields};
use crate::values::{fold, DateOrder};
use crate::FormatError;
use jaring_domain::ListKind;

/// The parts of a region code SIAK writes in columns of their own, with their widths.
pub(crate) const VILLAGE_PARTS: [(Field, usize); 4] = [
    (Field::ProvinceNumber, 2),
    (Field::RegencyNumber, 2),
    (Field::DistrictNumber, 2),
    (Field::VillageNumber, 4),
];

/// A mapping file as written by a user.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// Field key → heading in the file.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Day/month order of the file's dates.
    #[serde(default)]
    pub date_order: Option<DateOrder>,
    /// Sheet of a workbook to read.
    #[serde(default)]
    pub sheet: Option<String>,
}

impl MappingFile {
    /// Reads and checks a TOML mapping.
    pub fn load(path: &Path) -> Result<MappingFile, FormatError> {
        let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
        toml::from_str(&text).map_err(|e| FormatError::Mapping(format!("{}: {e}", path.display())))
    }
}

/// Resolved columns of one file.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    columns: BTreeMap<Field, usize>,
    /// Date order forced by the mapping, if any.
    pub date_order: Option<DateOrder>,
}

fn field_for_heading(kind: ListKind, heading: &str) -> Option<Field> {
    let folded = fold(heading);
    if folded.is_empty() {
        return None;
    }
    kind.fields()
        .iter()
        .map(|(f, _)| *f)
        .find(|f| f.synonyms(kind).contains(&folded.as_str()))
}

/// Scores a candidate header row: how many of its cells name a field of `kind` (or a mapped heading).
pub fn heading_score(
    kind: ListKind,
    mapping: Option<&MappingFile>,
) -> impl Fn(&[String]) -> usize + '_ {
    move |cells: &[String]| {
        cells
            .iter()
            .filter(|c| {
                field_for_heading(kind, c).is_some()
                    || mapping.is_some_and(|m| {
                        m.columns
                            .values()
                            .any(|h| fold(h) == fold(c) && !fold(c).is_empty())
                    })
            })
            .count()
    }
}

impl ColumnMap {
    /// Finds each field's column in `headers`; a missing required field is an error naming it.
    pub fn resolve(
        kind: ListKind,
        headers: &[String],
        mapping: Option<&MappingFile>,
    ) -> Result<ColumnMap, FormatError> {
        let mut columns = BTreeMap::new();
        if let Some(m) = mapping {
            for (key, heading) in &m.columns {
                let field = kind
                    .fields()
                    .iter()
                    .map(|(f, _)| *f)
                    .find(|f| f.key() == key)
                    .ok_or_else(|| {
                        let valid: Vec<&str> = kind.fields().iter().map(|(f, _)| f.key()).collect();
                        FormatError::Mapping(format!(
                            "kolom '{key}' tidak dikenal untuk {kind} / unknown field '{key}' for {kind}; valid: {}",
                            valid.join(", ")
                        ))
                    })?;
                let index = headers.iter().position(|h| fold(h) == fold(heading)).ok_or_else(|| {
                    FormatError::Mapping(format!(
                        "judul kolom '{heading}' tidak ada di berkas / heading '{heading}' not in the file; headings: {}",
                        headers.join(" | ")
                    ))
                })?;
                columns.insert(field, index);
            }
        }
        for (i, h) in headers.iter().enumerate() {
            if let Some(field) = field_for_heading(kind, h) {
                if !columns.values().any(|&c| c == i) {
                    columns.entry(field).or_insert(i);
                }
            }
        }
        let missing: Vec<&str> = kind
            .fields()
            .iter()
            .filter(|(f, required)| *required && !columns.contains_key(f))
            .map(|(f, _)| f.key())
            .collect();
        if !missing.is_empty() {
            return Err(FormatError::MissingColumns {
                kind: kind.as_code(),
                missing: missing.join(", "),
                headers: headers.join(" | "),
            });
        }
        Ok(ColumnMap {
            columns,
            date_order: mapping.and_then(|m| m.date_order),
        })
    }

    /// The column index of a field, if the file has it.
    pub fn get(&self, field: Field) -> Option<usize> {
        self.columns.get(&field).copied()
    }

    /// Whether the file says where each row lives: a village code, a village name, or a code in
    /// the four parts SIAK exports (`NO_PROP`, `NO_KAB`, `NO_KEC`, `NO_KEL`).
    pub fn names_village(&self) -> bool {
        self.get(Field::VillageCode).is_some()
            || self.get(Field::VillageName).is_some()
            || VILLAGE_PARTS.iter().all(|(f, _)| self.get(*f).is_some())
    }

    /// The row's village code as text: its code column, or the code put together from its parts
    /// (`53`, `4`, `1`, `2001` → `53.04.01.2001`). `None` when neither is there or a part is not a
    /// number (the row reader names which).
    pub fn village_code_in(&self, cells: &[crate::table::Cell]) -> Option<String> {
        if let Some(i) = self.get(Field::VillageCode) {
            return cells.get(i).map(|c| c.text_ref().trim().to_string());
        }
        let mut code = String::with_capacity(13);
        for (n, (field, width)) in VILLAGE_PARTS.iter().enumerate() {
            let text = cells.get(self.get(*field)?)?.text_ref();
            let number: u32 = text.trim().parse().ok()?;
            if n > 0 {
                code.push('.');
            }
            code.push_str(&format!("{number:0width$}", width = *width));
        }
        Some(code)
    }

    /// Every mapped field and its column.
    pub fn iter(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        self.columns.iter().map(|(f, i)| (*f, *i))
    }

    /// The headings of `headers` no field reads, in file order: the import report lists them as
    /// "kolom tidak dipakai / column not used", so nothing a file carries is dropped unsaid.
    pub fn unused(&self, headers: &[String]) -> Vec<String> {
        headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.trim().is_empty() && !self.columns.values().any(|c| c == i))
            .map(|(_, h)| h.trim().to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(s: &[&str]) -> Vec<String> {
        s.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn opensid_headings_resolve() {
        let h = headers(&[
            "No",
            "NIK",
            "No KK",
            "Nama",
            "Jenis Kelamin",
            "Tempat Lahir",
            "Tanggal Lahir",
            "Alamat",
            "Pekerjaan",
            "Status Perkawinan",
            "Hubungan dalam Keluarga",
        ]);
        let m = ColumnMap::resolve(ListKind::Registry, &h, None).unwrap();
        assert_eq!(m.get(Field::Nik), Some(1));
        assert_eq!(m.get(Field::NoKk), Some(2));
        assert_eq!(m.get(Field::BirthDate), Some(6));
        assert_eq!(m.get(Field::Relationship), Some(10));
        assert_eq!(m.get(Field::VillageCode), None);
    }

    /// Dukcapil's SIAK export abbreviates its headings; every one that jaring keeps resolves, and the
    /// rest are named as not used.
    #[test]
    fn siak_headings_resolve() {
        let h = headers(&[
            "NO_KK",
            "NIK",
            "NAMA_LGKP",
            "JENIS_KLMIN",
            "TMPT_LHR",
            "TGL_LHR",
            "AGAMA",
            "PDDK_AKH",
            "JENIS_PKRJN",
            "STAT_KWN",
            "STAT_HBKEL",
            "NAMA_LGKP_IBU",
            "ALAMAT",
            "NO_RT",
            "NO_RW",
            "DUSUN",
            "KODE_DESA",
            "NAMA_LGKP_AYAH",
        ]);
        let m = ColumnMap::resolve(ListKind::Registry, &h, None).unwrap();
        let expect = [
            (Field::NoKk, 0),
            (Field::Nik, 1),
            (Field::Name, 2),
            (Field::Sex, 3),
            (Field::BirthPlace, 4),
            (Field::BirthDate, 5),
            (Field::Religion, 6),
            (Field::Education, 7),
            (Field::Occupation, 8),
            (Field::MaritalStatus, 9),
            (Field::Relationship, 10),
            (Field::MotherName, 11),
            (Field::Address, 12),
            (Field::Rt, 13),
            (Field::Rw, 14),
            (Field::Hamlet, 15),
            (Field::VillageCode, 16),
        ];
        for (field, at) in expect {
            assert_eq!(m.get(field), Some(at), "{field:?}");
        }
        assert_eq!(m.unused(&h), vec!["NAMA_LGKP_AYAH".to_string()]);
    }

    /// SIASN (BKPSDM), BPJS Ketenagakerjaan and DTSEN headings.
    #[test]
    fn agency_headings_resolve() {
        let asn = headers(&[
            "NIP BARU",
            "NIP LAMA",
            "NAMA",
            "NIK",
            "STATUS CPNS/PNS",
            "TMT PNS",
            "UNOR",
        ]);
        let m = ColumnMap::resolve(ListKind::Asn, &asn, None).unwrap();
        assert_eq!(m.get(Field::RecordKey), Some(0));
        assert_eq!(m.get(Field::EmployeeKind), Some(4));
        assert_eq!(m.get(Field::AppointmentDate), Some(5));
        assert_eq!(m.get(Field::Unit), Some(6));
        assert_eq!(m.unused(&asn), vec!["NIP LAMA".to_string()]);
        let bpjs = headers(&["KPJ", "NIK TK", "NAMA TK", "TGL LAHIR", "TGL KEPESERTAAN"]);
        let m = ColumnMap::resolve(ListKind::Bpjs, &bpjs, None).unwrap();
        assert_eq!((m.get(Field::Nik), m.get(Field::Name)), (Some(1), Some(2)));
        assert!(m.unused(&bpjs).is_empty());
        let dtsen = headers(&[
            "ID DTSEN",
            "ID KELUARGA",
            "NIK ART",
            "NAMA ART",
            "HUB KRT",
            "DESIL",
        ]);
        let m = ColumnMap::resolve(ListKind::Dtsen, &dtsen, None).unwrap();
        assert_eq!(m.get(Field::Relationship), Some(4));
        assert!(m.unused(&dtsen).is_empty());
    }

    #[test]
    fn an_asn_list_may_head_its_kind_column_jenis_and_unread_columns_are_named() {
        let h = headers(&["NIP", "NAMA", "NIK", "JENIS", "TMT", "KETERANGAN"]);
        let m = ColumnMap::resolve(ListKind::Asn, &h, None).unwrap();
        assert_eq!(m.get(Field::EmployeeKind), Some(3));
        assert_eq!(m.unused(&h), vec!["KETERANGAN".to_string()]);
    }

    #[test]
    fn headings_match_regardless_of_case_spacing_and_punctuation() {
        let h = headers(&["  N I K ", "NAMA_LENGKAP", "tgl. lahir", "JENIS-KELAMIN"]);
        let m = ColumnMap::resolve(ListKind::Registry, &h, None).unwrap();
        assert_eq!(
            (
                m.get(Field::Nik),
                m.get(Field::Name),
                m.get(Field::BirthDate),
                m.get(Field::Sex)
            ),
            (Some(0), Some(1), Some(2), Some(3))
        );
    }

    #[test]
    fn missing_required_column_is_named() {
        let err =
            ColumnMap::resolve(ListKind::Deaths, &headers(&["NIK", "NAMA"]), None).unwrap_err();
        assert!(err.to_string().contains("death_date"), "{err}");
    }

    #[test]
    fn toml_mapping_overrides_and_checks() {
        let m: MappingFile = toml::from_str(
            "date_order = \"dmy\"\n[columns]\nnik = \"Nomor KTP\"\nname = \"Nama Warga\"\n",
        )
        .unwrap();
        let h = headers(&["Nomor KTP", "Nama Warga"]);
        let map = ColumnMap::resolve(ListKind::Registry, &h, Some(&m)).unwrap();
        assert_eq!(
            (map.get(Field::Nik), map.get(Field::Name)),
            (Some(0), Some(1))
        );
        assert_eq!(map.date_order, Some(DateOrder::Dmy));
        let bad: MappingFile = toml::from_str("[columns]\nnikk = \"Nomor KTP\"\n").unwrap();
        assert!(ColumnMap::resolve(ListKind::Registry, &h, Some(&bad))
            .unwrap_err()
            .to_string()
            .contains("nikk"));
        let absent: MappingFile = toml::from_str("[columns]\nnik = \"KTP\"\n").unwrap();
        assert!(ColumnMap::resolve(ListKind::Registry, &h, Some(&absent))
            .unwrap_err()
            .to_string()
            .contains("KTP"));
        assert!(toml::from_str::<MappingFile>("colums = 1").is_err());
    }
}
