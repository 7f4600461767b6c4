//! The files jaring sends out, with stable, documented layouts (docs/EXPORTS.md): BPJS TK new
//! enrolments and terminations per sponsor and month, and claims paid. Written as CSV or XLSX; NIKs
//! masked for roles that must not read them.

use std::path::Path;

use chrono::NaiveDate;
use jaring_domain::access::Action;

use crate::accounts::Principal;
use crate::AppError;

/// A table to write: headings and rows of text (numbers kept as text so leading zeros survive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Sheet name (XLSX).
    pub name: String,
    /// Column headings.
    pub headings: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
    /// Columns that hold quantities (row numbers, counts, amounts, rates): XLSX writes them as numbers
    /// so that a spreadsheet sums them. Every other column is text, so NIK, KK and KPJ keep their digits.
    pub numeric: &'static [usize],
}

/// A quantity as written in a cell (`1234`, `-35000`, `47,30` with the Indonesian decimal comma).
fn quantity(v: &str) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() || v.len() > 20 {
        return None;
    }
    v.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, UTF-8 with BOM (Excel opens it with the right characters).
    Csv,
    /// Excel workbook.
    Xlsx,
}

impl Format {
    /// From a file name's extension.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
}

/// Writes a sheet. In XLSX identifiers are text, so NIKs, KK and KPJ numbers are never turned into
/// `5.30401E+15` by Excel, and the sheet's quantity columns are numbers, so that Excel sums them.
pub fn write(sheet: &Sheet, path: &Path, format: Format) -> Result<(), AppError> {
    let io = |e: std::io::Error| AppError::Io(path.display().to_string(), e);
    match format {
        Format::Csv => {
            let mut file = std::fs::File::create(path).map_err(io)?;
            std::io::Write::write_all(&mut file, "\u{feff}".as_bytes()).map_err(io)?;
            let mut w = csv::Writer::from_writer(file);
            let fail = |e: csv::Error| AppError::Input(format!("CSV {}: {e}", path.display()));
            w.write_record(&sheet.headings).map_err(fail)?;
            for r in &sheet.rows {
                let safe = jaring_formats::csv_safe_record(r.iter().map(String::as_str));
                w.write_record(safe.iter().map(|c| c.as_bytes()))
                    .map_err(fail)?;
            }
            w.flush().map_err(io)?;
        }
        Format::Xlsx => {
            let fail = |e: rust_xlsxwriter::XlsxError| {
                AppError::Input(format!("XLSX {}: {e}", path.display()))
            };
            let mut book = rust_xlsxwriter::Workbook::new();
            let ws = book.add_worksheet();
            ws.set_name(&sheet.name).map_err(fail)?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in sheet.headings.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, h, &bold)
                    .map_err(fail)?;
            }
            for (r, row) in sheet.rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let (r, c) = (r as u32 + 1, c as u16);
                    match quantity(v).filter(|_| sheet.numeric.contains(&(c as usize))) {
                        Some(n) => ws.write_number(r, c, n),
                        None => ws.write_string(r, c, v),
                    }
                    .map_err(fail)?;
                }
            }
            ws.set_freeze_panes(1, 0).map_err(fail)?;
            book.save(path).map_err(fail)?;
        }
    }
    Ok(())
}

fn show_nik(who: &Principal, nik: Option<&str>) -> String {
    nik.map(|n| who.grant.show_nik(n)).unwrap_or_default()
}

fn month_bounds(month: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = crate::coverage::parse_month(&crate::coverage::month_key(month)).unwrap_or(month);
    (first, jaring_domain::review::end_of_month(first))
}

/// Headings of the terminations file (docs/EXPORTS.md).
pub const TERMINATION_HEADINGS: &[&str] = &[
    "NO",
    "KPJ",
    "NIK",
    "NAMA PESERTA",
    "TGL LAHIR",
    "PROGRAM",
    "PEMBAYAR",
    "TGL BERHENTI",
    "ALASAN",
    "KODE DESA",
];

/// Memberships ending in `month` (deceased, household member appointed ASN/PPPK, …) in the principal's
/// region, for BPJS TK to stop the premium; one sponsor or all. A death or appointment recorded in
/// `month` with an earlier end date is listed too: that month's file has been sent already, and a
/// late-reported death must not leave premiums running. (A membership BPJS itself reported inactive is
/// not sent back to it.)
pub fn terminations(
    db: &jaring_store::Database,
    who: &Principal,
    month: NaiveDate,
    sponsor: Option<&str>,
) -> Result<Sheet, AppError> {
    who.require_any(Action::ViewCoverage)?;
    let (first, last) = month_bounds(month);
    let rows = db.conn()?.query(
        "SELECT e.kpj, p.nik, p.name, p.birth_date, g.name, g.sponsor, e.end_date, e.end_reason, p.village_code \
         FROM enrolments e JOIN persons p ON p.id = e.person_id JOIN programmes g ON g.code = e.programme_code \
         WHERE ((e.end_date >= $1 AND e.end_date <= $2) \
                OR (e.end_date < $1 AND e.end_recorded_on >= $1 AND e.end_recorded_on <= $2 \
                    AND e.end_reason IN ('deceased', 'civil_servant', 'household_civil_servant', 'moved_out'))) \
           AND p.village_code LIKE $3 \
         ORDER BY p.village_code, p.name, e.id",
        &[first.into(), last.into(), format!("{}%", who.grant.scope).into()],
    )?;
    let mut out = Vec::new();
    for r in rows {
        if sponsor.is_some_and(|s| r.text(5).map(|v| v != s).unwrap_or(true)) {
            continue;
        }
        let reason = r.opt_text(7)?.unwrap_or_default();
        out.push(vec![
            (out.len() + 1).to_string(),
            r.opt_text(0)?.unwrap_or_default(),
            show_nik(who, r.opt_text(1)?.as_deref()),
            r.text(2)?,
            r.opt_date(3)?
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_default(),
            r.text(4)?,
            r.text(5)?,
            r.opt_date(6)?
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_default(),
            match reason.as_str() {
                "deceased" => "MENINGGAL".to_string(),
                "civil_servant" | "household_civil_servant" => "ASN/PPPK DALAM KK".to_string(),
                "moved_out" => "PINDAH KELUAR DAERAH".to_string(),
                other => other.to_uppercase(),
            },
            r.text(8)?,
        ]);
    }
    Ok(Sheet {
        name: "Pemberhentian".into(),
        headings: TERMINATION_HEADINGS.iter().map(|h| h.to_string()).collect(),
        rows: out,
        numeric: &[0],
    })
}

/// Headings of the new-enrolments file (docs/EXPORTS.md).
pub const ENROLMENT_HEADINGS: &[&str] = &[
    "NO",
    "NIK",
    "NAMA",
    "TGL LAHIR",
    "JENIS KELAMIN",
    "PEKERJAAN",
    "DESIL DTSEN",
    "PROGRAM",
    "KODE DESA",
];

/// Eligible uncovered workers chosen for a programme's quota in `month`: per village, poorest first,
/// up to the programme's quota per village (all eligible when it has none).
pub fn enrolments(
    db: &jaring_store::Database,
    who: &Principal,
    programme: &str,
    month: NaiveDate,
) -> Result<Sheet, AppError> {
    who.require_any(Action::ViewCoverage)?;
    let p = crate::coverage::programme(db, programme)?;
    let quota = p.row.quota_per_village;
    let gap = crate::coverage::gap(db, who.grant.scope, programme, month)?;
    let mut per_village: std::collections::HashMap<String, i64> = Default::default();
    let mut rows = Vec::new();
    for g in gap {
        let n = per_village
            .entry(g.person.village_code.clone())
            .or_default();
        if quota.is_some_and(|q| *n >= q) {
            continue;
        }
        *n += 1;
        rows.push(vec![
            (rows.len() + 1).to_string(),
            show_nik(who, g.person.nik.as_deref()),
            g.person.name.clone(),
            g.person
                .birth_date
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_default(),
            if g.person.sex == "f" { "P" } else { "L" }.to_string(),
            g.person.occupation.clone(),
            g.person.desil.map(|d| d.to_string()).unwrap_or_default(),
            programme.to_string(),
            g.person.village_code.clone(),
        ]);
    }
    Ok(Sheet {
        name: "Pendaftaran".into(),
        headings: ENROLMENT_HEADINGS.iter().map(|h| h.to_string()).collect(),
        rows,
        numeric: &[0, 6],
    })
}

/// Headings of the claims-paid report.
pub const CLAIMS_HEADINGS: &[&str] = &["BULAN", "KODE DESA", "JUMLAH KLAIM", "DIBAYAR (RP)"];

/// Claims paid per month and village.
pub fn claims_paid(db: &jaring_store::Database, who: &Principal) -> Result<Sheet, AppError> {
    Ok(Sheet {
        name: "Klaim dibayar".into(),
        headings: CLAIMS_HEADINGS.iter().map(|h| h.to_string()).collect(),
        numeric: &[2, 3],
        rows: crate::claims::paid_totals(db, who)?
            .into_iter()
            .map(|(m, v, n, sum)| vec![m, v, n.to_string(), sum.0.to_string()])
            .collect(),
    })
}

/// Headings of the coverage report.
pub const COVERAGE_HEADINGS: &[&str] = &[
    "KODE",
    "WILAYAH",
    "TINGKAT",
    "PESERTA AKTIF",
    "PENYEBUT",
    "CAKUPAN (%)",
    "SUMBER PENYEBUT",
];

/// Coverage of the principal's region and everything under it in `month`.
pub fn coverage(
    db: &jaring_store::Database,
    who: &Principal,
    month: NaiveDate,
) -> Result<Sheet, AppError> {
    who.require_any(Action::ViewCoverage)?;
    let report = crate::coverage::coverage(db, Some(who.grant.scope), month, true)?;
    Ok(Sheet {
        name: format!("Cakupan {}", crate::coverage::month_key(report.month)),
        headings: COVERAGE_HEADINGS.iter().map(|h| h.to_string()).collect(),
        numeric: &[3, 4, 5],
        rows: report
            .rows
            .into_iter()
            .map(|r| {
                vec![
                    r.code,
                    r.name,
                    r.level,
                    r.rate.numerator.to_string(),
                    r.rate.denominator.to_string(),
                    r.rate
                        .basis_points()
                        .map(|bp| format!("{},{:02}", bp / 100, bp % 100))
                        .unwrap_or_default(),
                    r.source,
                ]
            })
            .collect(),
    })
}

/// Headings of the DTSEN/SIKS-NG update file (docs/EXPORTS.md).
pub const DTSEN_HEADINGS: &[&str] = &[
    "NO",
    "NIK",
    "NAMA",
    "KODE DESA",
    "USULAN",
    "ALASAN",
    "TGL KEJADIAN",
    "NO USULAN JARING",
];

/// Removals (deaths, households with an ASN/PPPK member) and corrections applied in `month`, for the
/// social-affairs office to send through SIKS-NG.
pub fn dtsen_updates(
    db: &jaring_store::Database,
    who: &Principal,
    month: NaiveDate,
) -> Result<Sheet, AppError> {
    who.require_any(Action::ViewProposals)?;
    let (first, last) = month_bounds(month);
    let applied = crate::review::list(
        db,
        who,
        &jaring_store::review::ProposalFilter {
            status: Some("applied".into()),
            kinds: vec![
                "mark_deceased".into(),
                "civil_servant".into(),
                "correction".into(),
                "edit".into(),
            ],
            ..Default::default()
        },
    )?;
    let applied: Vec<_> = applied
        .into_iter()
        .filter(|p| {
            p.decided_at
                .map(|d| (first..=last).contains(&d.date_naive()))
                .unwrap_or(false)
        })
        .collect();
    let ids: Vec<i64> = applied.iter().filter_map(|p| p.person_id).collect();
    let persons: std::collections::HashMap<i64, jaring_store::residents::PersonSummary> =
        jaring_store::residents::by_ids(&mut db.conn()?, &who.grant.scope.to_string(), &ids)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let mut rows = Vec::new();
    for p in &applied {
        let Some(person) = p.person_id.and_then(|id| persons.get(&id)) else {
            continue;
        };
        let intent: serde_json::Value = serde_json::from_str(&p.intent).unwrap_or_default();
        let (action, reason, date) = match p.kind.as_str() {
            "mark_deceased" => (
                "HAPUS",
                "MENINGGAL".to_string(),
                intent["death_date"].as_str().map(str::to_string),
            ),
            "civil_servant" => (
                "HAPUS",
                "ANGGOTA KELUARGA MENJADI ASN/PPPK".to_string(),
                intent["since"].as_str().map(str::to_string),
            ),
            _ => ("PERBAIKI", p.summary.clone(), None),
        };
        rows.push(vec![
            (rows.len() + 1).to_string(),
            show_nik(who, person.nik.as_deref()),
            person.name.clone(),
            person.village_code.clone(),
            action.to_string(),
            reason,
            date.unwrap_or_default(),
            p.id.to_string(),
        ]);
    }
    Ok(Sheet {
        name: "Usulan DTSEN".into(),
        headings: DTSEN_HEADINGS.iter().map(|h| h.to_string()).collect(),
        rows,
        numeric: &[0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_exports_write_formula_cells_as_text() {
        let sheet = Sheet {
            name: "uji".into(),
            headings: vec!["NAMA".into(), "SELISIH".into()],
            rows: vec![vec!["=cmd|' /C calc'!A0".into(), "-35000".into()]],
            numeric: &[1],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("uji.csv");
        write(&sheet, &path, Format::Csv).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("'=cmd|' /C calc'!A0,-35000"), "{text}");
    }

    #[test]
    fn xlsx_exports_write_quantities_as_numbers_and_identifiers_as_text() {
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let sheet = Sheet {
            name: "uji".into(),
            headings: vec![
                "NO".into(),
                "NIK".into(),
                "CAKUPAN (%)".into(),
                "CATATAN".into(),
            ],
            rows: vec![vec![
                "1".into(),
                "5304015205900001".into(),
                "47,30".into(),
                "12".into(),
            ]],
            numeric: &[0, 2],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("uji.xlsx");
        write(&sheet, &path, Format::Xlsx).unwrap();
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let row: Vec<Data> = range.rows().nth(1).unwrap().to_vec();
        assert_eq!(row[0], Data::Float(1.0));
        assert_eq!(row[1], Data::String("5304015205900001".into()));
        assert_eq!(row[2], Data::Float(47.3));
        assert_eq!(row[3], Data::String("12".into()), "not a quantity column");
    }
}
