//! From a raw row to a typed record, with every problem found named by column, value and reason.
//!
//! Registry rows must be clean: a broken NIK, an unknown village or a contradiction rejects the row.
//! External lists are read to be *matched*, so a mistyped or Excel-damaged NIK there is a warning and the
//! record is kept for the linkage engine; only rows that can never be matched or that lack their key
//! facts (a death list row without a date of death) are rejected.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use jaring_domain::{
    Bilingual, CivilServantStatus, Desil, ExternalRecord, LifeStatus, ListKind, Nik, NikError,
    NoKk, RegionCode, RegionLevel, Regions, RegistryRecord,
};

use crate::fields::Field;
use crate::mapping::ColumnMap;
use crate::table::{Cell, RawRow};
use crate::values::{self, fold, DateEvidence, DateOrder};

/// Longest text accepted in one cell; longer is a pasted blob, not a value.
pub const MAX_CELL_CHARS: usize = 500;

/// A problem with one cell or row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Heading of the column, when the problem is in one cell.
    pub column: Option<String>,
    /// The field, when known.
    pub field: Option<Field>,
    /// The value as read (shortened when long).
    pub value: String,
    /// Reason in Bahasa Indonesia.
    pub id: String,
    /// Reason in English.
    pub en: String,
    /// Whether the row is rejected for it.
    pub fatal: bool,
}

impl Issue {
    /// `kolom: alasan / column: reason` for one-line reports.
    pub fn one_line(&self) -> String {
        match &self.column {
            Some(c) => format!("{c}: {} / {}", self.id, self.en),
            None => format!("{} / {}", self.id, self.en),
        }
    }
}

/// The outcome of reading one row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowResult {
    /// A registry person.
    Registry(Box<RegistryRecord>),
    /// An external record.
    External(Box<ExternalRecord>),
}

/// Reads rows of one file.
pub struct RowReader {
    kind: ListKind,
    columns: ColumnMap,
    headers: Vec<String>,
    date_orders: BTreeMap<Field, DateOrder>,
    today: NaiveDate,
    default_village: Option<RegionCode>,
    within: Option<RegionCode>,
}

/// Collects per-column date evidence in a first pass over the rows.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    dates: BTreeMap<Field, DateEvidence>,
}

impl Evidence {
    /// Looks at the date cells of one row.
    pub fn observe(&mut self, columns: &ColumnMap, row: &RawRow) {
        for (field, i) in columns.iter().filter(|(f, _)| f.is_date()) {
            if let Some(Cell::Text(s)) = row.cells.get(i) {
                self.dates.entry(field).or_default().observe(s);
            }
        }
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}

fn nik_issue_code(e: &NikError) -> &'static str {
    match e {
        NikError::Empty => "empty",
        NikError::ExcelScientific(_) => "excel_scientific",
        NikError::ExcelPrecisionLost(_) => "excel_precision_lost",
        NikError::NotDigits(_) => "not_digits",
        NikError::Length(_) => "length",
        NikError::TemporaryOpenSid(_) => "temporary_opensid",
        NikError::UnknownProvince(_)
        | NikError::UnknownRegency(_)
        | NikError::UnknownDistrict(_) => "region",
        NikError::Day(_) | NikError::Month(_) | NikError::NotACalendarDate { .. } => "date",
    }
}

/// Builder for the issues of one row.
struct RowIssues<'a> {
    reader: &'a RowReader,
    issues: Vec<Issue>,
}

impl RowIssues<'_> {
    fn push(&mut self, field: Option<Field>, value: &str, id: String, en: String, fatal: bool) {
        let column = field
            .and_then(|f| self.reader.columns.get(f))
            .and_then(|i| self.reader.headers.get(i))
            .cloned();
        self.issues.push(Issue {
            column,
            field,
            value: short(value),
            id,
            en,
            fatal,
        });
    }

    fn fatal(&self) -> bool {
        self.issues.iter().any(|i| i.fatal)
    }
}

impl RowReader {
    /// A reader for `kind` rows with these columns. `evidence` settles ambiguous date columns unless the
    /// mapping fixed the order; `default_village` is used when the file has no village column (an OpenSID
    /// export of one village); `within` is the regency rows must belong to (registry only).
    pub fn new(
        kind: ListKind,
        columns: ColumnMap,
        headers: Vec<String>,
        evidence: &Evidence,
        today: NaiveDate,
        default_village: Option<RegionCode>,
        within: Option<RegionCode>,
    ) -> RowReader {
        // A column that cannot settle its own order takes the file's: the date columns of one file
        // come from one system, so one unambiguous birth date settles the appointment dates too.
        let mut file_wide = DateEvidence::default();
        for e in evidence.dates.values() {
            file_wide.merge(e);
        }
        let date_orders = columns
            .iter()
            .filter(|(f, _)| f.is_date())
            .map(|(f, _)| {
                let own = evidence
                    .dates
                    .get(&f)
                    .map(DateEvidence::order)
                    .unwrap_or_default();
                let order = columns.date_order.unwrap_or(match own {
                    DateOrder::Unknown => file_wide.order(),
                    settled => settled,
                });
                (f, order)
            })
            .collect();
        RowReader {
            kind,
            columns,
            headers,
            date_orders,
            today,
            default_village,
            within,
        }
    }

    /// The list kind.
    pub fn kind(&self) -> ListKind {
        self.kind
    }

    /// The header cells.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    fn cell<'r>(&self, row: &'r RawRow, field: Field) -> Option<&'r Cell> {
        self.columns
            .get(field)
            .and_then(|i| row.cells.get(i))
            .filter(|c| !c.is_blank())
    }

    /// Text of a field, checking Excel errors, formulas without values and over-long cells.
    fn text(&self, row: &RawRow, field: Field, out: &mut RowIssues<'_>) -> Option<String> {
        let cell = self.cell(row, field)?;
        match cell {
            Cell::Error(e) => {
                out.push(
                    Some(field),
                    e,
                    format!("sel berisi kesalahan Excel {e}"),
                    format!("cell holds the Excel error {e}"),
                    true,
                );
                None
            }
            Cell::FormulaWithoutValue(f) => {
                out.push(
                    Some(field),
                    &format!("={f}"),
                    "sel berisi rumus tanpa nilai tersimpan; buka di Excel, simpan ulang, atau tempel sebagai nilai".into(),
                    "cell holds a formula with no saved value; open and re-save in Excel, or paste as values".into(),
                    true,
                );
                None
            }
            other => {
                let t = other.text().trim().to_string();
                if t.chars().count() > MAX_CELL_CHARS {
                    out.push(
                        Some(field),
                        &t,
                        format!(
                            "isi sel terlalu panjang ({} karakter, maksimal {MAX_CELL_CHARS})",
                            t.chars().count()
                        ),
                        format!(
                            "cell too long ({} characters, at most {MAX_CELL_CHARS})",
                            t.chars().count()
                        ),
                        true,
                    );
                    return None;
                }
                Some(t)
            }
        }
    }

    fn date(
        &self,
        row: &RawRow,
        field: Field,
        out: &mut RowIssues<'_>,
        fatal: bool,
    ) -> Option<NaiveDate> {
        self.date_in_order(row, field, out, fatal, None)
    }

    /// The birth date, its day/month order settled by the row's own NIK when the date alone could be
    /// read either way (`04/05/1980` with a NIK born on 5 April is 5 April, whatever the column says).
    fn birth_date(
        &self,
        row: &RawRow,
        nik: Option<Nik>,
        out: &mut RowIssues<'_>,
        fatal: bool,
    ) -> Option<NaiveDate> {
        let order = nik.and_then(|n| {
            let cell = self.cell(row, Field::BirthDate)?;
            values::order_by_nik(&cell.text_ref(), n.birth_date())
        });
        self.date_in_order(row, Field::BirthDate, out, fatal, order)
    }

    fn date_in_order(
        &self,
        row: &RawRow,
        field: Field,
        out: &mut RowIssues<'_>,
        fatal: bool,
        forced: Option<values::DateOrder>,
    ) -> Option<NaiveDate> {
        let cell = self.cell(row, field)?;
        // Events have happened by now; only the end of a membership is announced ahead (the end of the
        // month of a death is often still to come when the terminations file is sent).
        let latest = if field == Field::MembershipEnd {
            self.today + chrono::Months::new(12)
        } else {
            self.today
        };
        let result = match cell {
            Cell::DateSerial(f) | Cell::Number(f) => values::excel_serial(*f)
                .filter(|d| *d <= latest)
                .ok_or(values::DateProblem::Unreadable),
            _ => {
                let text = self.text(row, field, out)?;
                let order = forced
                    .or_else(|| self.date_orders.get(&field).copied())
                    .unwrap_or_default();
                values::parse_date(&text, order, latest)
            }
        };
        match result {
            Ok(d) => Some(d),
            Err(problem) => {
                let raw = cell.text();
                let (id, en) = problem.messages(&raw);
                out.push(Some(field), &raw, id, en, fatal);
                None
            }
        }
    }

    /// Reads the NIK cell. Excel numbers of 16 digits are always damaged: Excel keeps 15 significant digits.
    fn nik(
        &self,
        row: &RawRow,
        out: &mut RowIssues<'_>,
        fatal: bool,
    ) -> (String, Result<Option<Nik>, NikError>) {
        let Some(cell) = self.cell(row, Field::Nik) else {
            return (String::new(), Ok(None));
        };
        if let Cell::Number(f) = cell {
            let digits = format!("{f:.0}");
            if *f >= 1e15 {
                let e = NikError::ExcelPrecisionLost(digits.clone());
                out.push(Some(Field::Nik), &digits, e.id(), e.en(), fatal);
                return (digits, Err(e));
            }
        }
        let Some(text) = self.text(row, Field::Nik, out) else {
            return (cell.text(), Err(NikError::Empty));
        };
        match Nik::parse_on(&text, self.today) {
            Ok(n) => (text, Ok(Some(n))),
            Err(e) => (text, Err(e)),
        }
    }

    /// A row that gives both a village code and the village's (or kecamatan's) name: a name that is
    /// not the code's is a warning naming both, since one of them is wrong (a code copied from the
    /// row above, a village renamed). Only checked when the code came from its own column.
    fn names_agree(&self, row: &RawRow, village: RegionCode, out: &mut RowIssues<'_>) {
        if self.columns.get(Field::VillageCode).is_none()
            && crate::mapping::VILLAGE_PARTS
                .iter()
                .any(|(f, _)| self.columns.get(*f).is_none())
        {
            return;
        }
        let regions = Regions::national();
        for (field, level, id, en) in [
            (Field::VillageName, RegionLevel::Village, "desa", "village"),
            (
                Field::DistrictName,
                RegionLevel::District,
                "kecamatan",
                "kecamatan",
            ),
        ] {
            if self.columns.get(field).is_none() {
                continue;
            }
            let (Some(written), Some(region)) = (
                self.text(row, field, out),
                village.at_level(level).and_then(|c| regions.get(c)),
            ) else {
                continue;
            };
            if fold(&written) != fold(&region.name) {
                out.push(
                    Some(field),
                    &written,
                    format!(
                        "nama {id} '{written}' tidak sesuai kode {}, yaitu {}; periksa salah satunya",
                        region.code, region.name
                    ),
                    format!(
                        "{en} name '{written}' does not match code {}, which is {}; check one of them",
                        region.code, region.name
                    ),
                    false,
                );
            }
        }
    }

    /// A village code SIAK gives in four columns; a part that is not a number rejects the row.
    fn village_code_from_parts(&self, row: &RawRow, out: &mut RowIssues<'_>) -> Option<String> {
        let parts = crate::mapping::VILLAGE_PARTS;
        if parts.iter().any(|(f, _)| self.columns.get(*f).is_none()) {
            return None;
        }
        let code = self.columns.village_code_in(&row.cells);
        if code.is_none() {
            let shown: Vec<String> = parts
                .iter()
                .map(|(f, _)| self.text(row, *f, out).unwrap_or_default())
                .collect();
            out.push(
                Some(Field::VillageCode),
                &shown.join(" "),
                "bagian kode wilayah (NO_PROP, NO_KAB, NO_KEC, NO_KEL) harus angka".into(),
                "the parts of the region code (NO_PROP, NO_KAB, NO_KEC, NO_KEL) must be numbers"
                    .into(),
                true,
            );
        }
        code
    }

    fn village_from_columns(
        &self,
        row: &RawRow,
        out: &mut RowIssues<'_>,
        fatal: bool,
    ) -> Option<RegionCode> {
        let regions = Regions::national();
        let text = match self.columns.get(Field::VillageCode) {
            Some(_) => self.text(row, Field::VillageCode, out),
            None => self.village_code_from_parts(row, out),
        };
        if let Some(text) = text {
            return match RegionCode::parse(&text) {
                Ok(code) if code.level() == RegionLevel::Village && regions.is_current(code) => {
                    Some(code)
                }
                Ok(code) => {
                    out.push(
                        Some(Field::VillageCode),
                        &text,
                        format!("kode desa {code} tidak ada dalam daftar wilayah Kemendagri"),
                        format!("village code {code} is not in the Kemendagri region list"),
                        fatal,
                    );
                    None
                }
                Err(e) => {
                    out.push(Some(Field::VillageCode), &text, e.id(), e.en(), fatal);
                    None
                }
            };
        }
        // By name inside the regency (Dukcapil lists name villages instead of coding them).
        let name = self.text(row, Field::VillageName, out)?;
        let district = self.text(row, Field::DistrictName, out).map(|d| fold(&d));
        let within = self.within?;
        regions
            .within(within)
            .filter(|r| r.level() == RegionLevel::Village && fold(&r.name) == fold(&name))
            .find(|r| {
                district.as_ref().is_none_or(|d| {
                    r.code
                        .at_level(RegionLevel::District)
                        .and_then(|c| regions.get(c))
                        .is_some_and(|k| fold(&k.name) == *d)
                })
            })
            .map(|r| r.code)
    }

    /// Reads one row: the record when no fatal problem was found, and every problem.
    pub fn read(&self, row: &RawRow) -> (Option<RowResult>, Vec<Issue>) {
        let mut out = RowIssues {
            reader: self,
            issues: Vec::new(),
        };
        let width = self
            .headers
            .iter()
            .rposition(|h| !h.is_empty())
            .map_or(0, |i| i + 1);
        let used = row
            .cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        if used > width {
            out.push(
                None,
                &row.cells.iter().map(Cell::text).collect::<Vec<_>>().join(" | "),
                format!("baris berisi {used} kolom sedangkan judul {width}; mungkin ada pemisah di dalam nilai (misalnya koma dalam nama tanpa tanda kutip)"),
                format!("row has {used} columns but the header has {width}; a delimiter inside a value (e.g. an unquoted comma in a name)?"),
                true,
            );
            return (None, out.issues);
        }
        // A row shorter than a mapped column was cut off (or lost its delimiters): its last cells
        // cannot be told apart from empty ones, so it is not read at all.
        let required_missing = self.columns.iter().find(|(_, i)| *i >= row.cells.len());
        if let Some((field, _)) = required_missing {
            out.push(
                Some(field),
                "",
                format!(
                    "baris terpotong: hanya {} kolom dari {width}",
                    row.cells.len()
                ),
                format!("truncated row: only {} of {width} columns", row.cells.len()),
                true,
            );
            return (None, out.issues);
        }
        let result = match self.kind {
            ListKind::Registry => self
                .registry(row, &mut out)
                .map(|r| RowResult::Registry(Box::new(r))),
            _ => self
                .external(row, &mut out)
                .map(|r| RowResult::External(Box::new(r))),
        };
        if out.fatal() {
            return (None, out.issues);
        }
        (result, out.issues)
    }

    fn registry(&self, row: &RawRow, out: &mut RowIssues<'_>) -> Option<RegistryRecord> {
        let (nik_text, nik) = self.nik(row, out, true);
        let nik = match nik {
            Ok(n) => n,
            Err(e @ NikError::TemporaryOpenSid(_)) => {
                out.push(
                    Some(Field::Nik),
                    &nik_text,
                    format!(
                        "{}; disimpan tanpa NIK sampai NIK Dukcapil diketahui",
                        e.id()
                    ),
                    format!(
                        "{}; stored without a NIK until the civil-registry NIK is known",
                        e.en()
                    ),
                    false,
                );
                None
            }
            Err(e) => {
                if !out.issues.iter().any(|i| i.field == Some(Field::Nik)) {
                    out.push(Some(Field::Nik), &nik_text, e.id(), e.en(), true);
                }
                None
            }
        };
        let no_kk =
            self.text(row, Field::NoKk, out)
                .and_then(|t| match NoKk::parse_on(&t, self.today) {
                    Ok(k) => Some(k),
                    Err(e) => {
                        out.push(Some(Field::NoKk), &t, e.id(), e.en(), true);
                        None
                    }
                });
        let name = self.required_name(row, out);
        let sex = match self.text(row, Field::Sex, out) {
            Some(t) => match values::parse_sex(&t) {
                Some(s) => Some(s),
                None => {
                    out.push(
                        Some(Field::Sex),
                        &t,
                        format!("jenis kelamin '{t}' tidak dikenal (L/P)"),
                        format!("unknown sex '{t}' (L/P)"),
                        true,
                    );
                    None
                }
            },
            None => nik.map(|n| n.sex()),
        };
        if let (Some(s), Some(n)) = (sex, nik) {
            if s != n.sex() {
                out.push(
                    Some(Field::Sex),
                    s.label_id(),
                    format!(
                        "jenis kelamin {} tidak sesuai NIK (NIK menunjukkan {})",
                        s.label_id(),
                        n.sex().label_id()
                    ),
                    format!(
                        "sex {} contradicts the NIK (the NIK says {})",
                        s.label_id(),
                        n.sex().label_id()
                    ),
                    // A warning, as for the birth date: one of the two is wrong, the row is kept
                    // with the column's value for someone to check.
                    false,
                );
            }
        }
        if sex.is_none() && self.cell(row, Field::Sex).is_none() {
            out.push(
                Some(Field::Sex),
                "",
                "jenis kelamin wajib diisi bila tidak ada NIK".into(),
                "sex is required when there is no NIK".into(),
                true,
            );
        }
        let read = self.birth_date(row, nik, out, true);
        if let (Some(d), Some(n)) = (read, nik) {
            let from_nik = n.birth_date();
            use chrono::Datelike;
            if (d.day(), d.month(), d.year() % 100)
                != (from_nik.day(), from_nik.month(), from_nik.year() % 100)
            {
                out.push(
                    Some(Field::BirthDate),
                    &d.format("%d-%m-%Y").to_string(),
                    format!(
                        "tanggal lahir {} berbeda dengan tanggal dalam NIK ({}); periksa salah satunya",
                        d.format("%d-%m-%Y"),
                        from_nik.format("%d-%m-%y")
                    ),
                    format!(
                        "birth date {} differs from the date in the NIK ({}); check one of them",
                        d.format("%d-%m-%Y"),
                        from_nik.format("%d-%m-%y")
                    ),
                    false,
                );
            }
        }
        let birth_date = read.or_else(|| nik.map(|n| n.birth_date()));
        let village = if self.columns.names_village() {
            self.village_from_columns(row, out, true)
        } else {
            self.default_village
        };
        match (village, self.within) {
            (None, _) if !out.fatal() => out.push(
                Some(Field::VillageCode),
                "",
                "desa tidak diketahui: isi kolom Kode Desa atau pilih desa saat impor (--village)".into(),
                "village unknown: fill the village-code column or choose the village when importing (--village)".into(),
                true,
            ),
            (Some(v), Some(w)) if !w.contains(v) => {
                let (id, en) = if w.level() == jaring_domain::RegionLevel::Regency {
                    ("kabupaten", "regency")
                } else {
                    ("wilayah Anda", "your region")
                };
                out.push(
                    Some(Field::VillageCode),
                    &v.to_string(),
                    format!("desa {v} berada di luar {id} {w}"),
                    format!("village {v} is outside {en} {w}"),
                    true,
                )
            }
            _ => {}
        }
        if let Some(v) = village {
            self.names_agree(row, v, out);
            foreign_issue(
                out,
                v,
                nik.map(|n| n.registration_district()),
                Field::Nik,
                "NIK",
            );
            foreign_issue(out, v, no_kk.map(|k| k.district()), Field::NoKk, "No. KK");
        }
        let relationship = self.label(
            row,
            Field::Relationship,
            out,
            values::parse_relationship,
            "hubungan keluarga",
            "relationship",
        );
        let marital_status = self.label(
            row,
            Field::MaritalStatus,
            out,
            values::parse_marital,
            "status perkawinan",
            "marital status",
        );
        let religion = self.note(
            row,
            Field::Religion,
            out,
            values::parse_religion,
            ("agama", "religion"),
        );
        let education = self.note(
            row,
            Field::Education,
            out,
            values::parse_education,
            ("pendidikan", "education"),
        );
        let mut life_status = self.label(
            row,
            Field::LifeStatus,
            out,
            values::parse_life_status,
            "status hidup",
            "life status",
        );
        let death_date = self.date(row, Field::DeathDate, out, true);
        if death_date.is_some() {
            match life_status {
                None => life_status = Some(LifeStatus::Deceased),
                Some(LifeStatus::Deceased) => {}
                Some(other) => out.push(
                    Some(Field::DeathDate),
                    &death_date.map(|d| d.to_string()).unwrap_or_default(),
                    format!("ada tanggal meninggal tetapi status {}", other.label_id()),
                    format!(
                        "a date of death is given but the status is {}",
                        other.as_code()
                    ),
                    true,
                ),
            }
        }
        if let (Some(d), Some(b)) = (death_date, birth_date) {
            if d < b {
                out.push(
                    Some(Field::DeathDate),
                    &d.to_string(),
                    "tanggal meninggal sebelum tanggal lahir".into(),
                    "date of death before date of birth".into(),
                    true,
                );
            }
        }
        let occupation = self
            .text(row, Field::Occupation, out)
            .and_then(|o| occupation(&o, out));
        let civil_servant = self
            .text(row, Field::CivilServantStatus, out)
            .map(|t| employee_kind(&t).unwrap_or(CivilServantStatus::None))
            .or_else(|| {
                occupation
                    .as_deref()
                    .map(jaring_domain::occupation::civil_servant_status)
            });
        let civil_servant_since = self.date(row, Field::CivilServantSince, out, true);
        let desil = self.desil(row, out, true);
        if out.fatal() {
            return None;
        }
        Some(RegistryRecord {
            nik,
            no_kk,
            name: name?,
            sex: sex?,
            birth_place: self
                .text(row, Field::BirthPlace, out)
                .map(|t| values::normalize_text(&t)),
            birth_date,
            address: self.address(row, out),
            village: village?,
            relationship,
            marital_status,
            religion,
            education,
            // OpenSID writes `-` for a mother it does not know.
            mother_name: self
                .text(row, Field::MotherName, out)
                .filter(|t| !t.chars().all(|c| c == '-' || c == '.'))
                .map(|t| values::normalize_name(&t)),
            occupation,
            life_status,
            death_date,
            civil_servant,
            civil_servant_since,
            desil,
        })
    }

    /// The address with its hamlet, RW and RT (`Jl. Melati, Dusun Satu, RT 001 RW 002`), as OpenSID
    /// and Dukcapil keep them in columns of their own; a `-` is no value.
    fn address(&self, row: &RawRow, out: &mut RowIssues<'_>) -> Option<String> {
        let part = |field, out: &mut RowIssues<'_>| {
            self.text(row, field, out)
                .map(|t| values::normalize_text(&t))
                .filter(|t| !t.is_empty() && t != "-")
        };
        let street = part(Field::Address, out);
        let hamlet = part(Field::Hamlet, out).map(|h| {
            if jaring_domain::fold(&h).starts_with("dusun") {
                h
            } else {
                format!("Dusun {h}")
            }
        });
        let rt = part(Field::Rt, out).map(|v| format!("RT {v}"));
        let rw = part(Field::Rw, out).map(|v| format!("RW {v}"));
        let rt_rw = [rt, rw].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let parts: Vec<String> = [street, hamlet, Some(rt_rw).filter(|s| !s.is_empty())]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// The normalised name; a missing one rejects the row (unless it is already rejected).
    fn required_name(&self, row: &RawRow, out: &mut RowIssues<'_>) -> Option<String> {
        let name = self
            .text(row, Field::Name, out)
            .map(|n| values::normalize_name(&n));
        if name.is_none() && !out.fatal() {
            out.push(
                Some(Field::Name),
                "",
                "nama wajib diisi".into(),
                "name is required".into(),
                true,
            );
        }
        name
    }

    /// A coded field: a value `parse` does not know rejects the row.
    fn label<T>(
        &self,
        row: &RawRow,
        field: Field,
        out: &mut RowIssues<'_>,
        parse: fn(&str) -> Option<T>,
        what_id: &str,
        what_en: &str,
    ) -> Option<T> {
        self.coded(row, field, out, parse, (what_id, what_en), true)
    }

    /// Like `label`, for a field no decision rests on: a value it does not know is a warning, and
    /// the rest of the row is kept.
    fn note<T>(
        &self,
        row: &RawRow,
        field: Field,
        out: &mut RowIssues<'_>,
        parse: fn(&str) -> Option<T>,
        what: (&str, &str),
    ) -> Option<T> {
        self.coded(row, field, out, parse, what, false)
    }

    fn coded<T>(
        &self,
        row: &RawRow,
        field: Field,
        out: &mut RowIssues<'_>,
        parse: fn(&str) -> Option<T>,
        (what_id, what_en): (&str, &str),
        fatal: bool,
    ) -> Option<T> {
        let t = self.text(row, field, out)?;
        let v = parse(&t);
        if v.is_none() {
            let (id, en) = if fatal {
                ("", "")
            } else {
                ("; kolom ini dikosongkan", "; left empty")
            };
            out.push(
                Some(field),
                &t,
                format!("{what_id} '{t}' tidak dikenal{id}"),
                format!("unknown {what_en} '{t}'{en}"),
                fatal,
            );
        }
        v
    }

    fn desil(&self, row: &RawRow, out: &mut RowIssues<'_>, fatal: bool) -> Option<Desil> {
        let t = self.text(row, Field::Desil, out)?;
        match t.parse::<i64>().ok().and_then(|n| Desil::new(n).ok()) {
            Some(d) => Some(d),
            None => {
                out.push(
                    Some(Field::Desil),
                    &t,
                    format!("desil '{t}' harus angka 1–10"),
                    format!("decile '{t}' must be a number 1–10"),
                    fatal,
                );
                None
            }
        }
    }

    fn external(&self, row: &RawRow, out: &mut RowIssues<'_>) -> Option<ExternalRecord> {
        let (nik_raw, nik) = self.nik(row, out, false);
        let (nik, nik_issue) = match nik {
            Ok(n) => (n, None),
            Err(e) => {
                if !out.issues.iter().any(|i| i.field == Some(Field::Nik)) {
                    out.push(
                        Some(Field::Nik),
                        &nik_raw,
                        format!(
                            "{}; baris tetap disimpan dan dicocokkan dengan nama dan tanggal lahir",
                            e.id()
                        ),
                        format!(
                            "{}; the row is kept and matched on name and birth date",
                            e.en()
                        ),
                        false,
                    );
                } else if let Some(i) = out.issues.iter_mut().find(|i| i.field == Some(Field::Nik))
                {
                    i.fatal = false;
                }
                (None, Some(nik_issue_code(&e).to_string()))
            }
        };
        let name = self.required_name(row, out);
        let sex = self.text(row, Field::Sex, out).and_then(|t| {
            let s = values::parse_sex(&t);
            if s.is_none() {
                out.push(
                    Some(Field::Sex),
                    &t,
                    format!("jenis kelamin '{t}' tidak dikenal"),
                    format!("unknown sex '{t}'"),
                    false,
                );
            }
            s
        });
        let birth_date = self.birth_date(row, nik, out, false);
        let village = self.village_from_columns(row, out, false);
        let no_kk = self
            .text(row, Field::NoKk, out)
            .and_then(|t| NoKk::parse_on(&t, self.today).ok());
        let record_key = self.text(row, Field::RecordKey, out);
        let event_date = match self.kind {
            ListKind::Deaths => {
                let d = self.date(row, Field::DeathDate, out, true);
                if d.is_none() && !out.fatal() {
                    out.push(
                        Some(Field::DeathDate),
                        "",
                        "tanggal kematian wajib diisi".into(),
                        "date of death is required".into(),
                        true,
                    );
                }
                d
            }
            ListKind::Asn => {
                let d = self.date(row, Field::AppointmentDate, out, true);
                if d.is_none() && !out.fatal() {
                    out.push(
                        Some(Field::AppointmentDate),
                        "",
                        "TMT wajib diisi".into(),
                        "appointment date (TMT) is required".into(),
                        true,
                    );
                }
                d
            }
            ListKind::Bpjs => {
                if record_key.is_none() && !out.fatal() {
                    out.push(
                        Some(Field::RecordKey),
                        "",
                        "nomor KPJ wajib diisi".into(),
                        "KPJ number is required".into(),
                        true,
                    );
                }
                self.text(row, Field::PaidThrough, out).and_then(|t| {
                    let m = values::parse_month(&t, self.today);
                    if m.is_none() {
                        out.push(
                            Some(Field::PaidThrough),
                            &t,
                            format!("bulan iuran '{t}' tidak terbaca (BB-TTTT)"),
                            format!("paid-through month '{t}' unreadable (MM-YYYY)"),
                            false,
                        );
                    }
                    m
                })
            }
            ListKind::Dtsen | ListKind::Registry => None,
        };
        let mut attributes = BTreeMap::new();
        if self.kind == ListKind::Dtsen {
            let desil = self.desil(row, out, true);
            if desil.is_none() && !out.fatal() {
                out.push(
                    Some(Field::Desil),
                    "",
                    "desil wajib diisi".into(),
                    "decile is required".into(),
                    true,
                );
            }
            if let Some(d) = desil {
                attributes.insert("desil".into(), d.get().to_string());
            }
        }
        if self.kind == ListKind::Asn {
            if let Some(t) = self.text(row, Field::EmployeeKind, out) {
                match employee_kind(&t) {
                    Some(k) if k != CivilServantStatus::None => {
                        attributes.insert("employee_kind".into(), k.as_code().to_string());
                    }
                    _ => out.push(
                        Some(Field::EmployeeKind),
                        &t,
                        format!("jenis pegawai '{t}' tidak dikenal (PNS, CPNS, PPPK, TNI, POLRI)"),
                        format!("unknown employee kind '{t}' (PNS, CPNS, PPPK, TNI, POLRI)"),
                        true,
                    ),
                }
            }
        }
        if let Some(d) = self.date(row, Field::MembershipStart, out, false) {
            attributes.insert("membership_start".into(), d.to_string());
        }
        if let Some(d) = self.date(row, Field::MembershipEnd, out, false) {
            attributes.insert("membership_end".into(), d.to_string());
        }
        for field in [
            Field::HouseholdKey,
            Field::DeedNumber,
            Field::Position,
            Field::Unit,
            Field::Segment,
            Field::Program,
            Field::MembershipStatus,
            Field::EndReason,
            Field::Payer,
            Field::BirthPlace,
            Field::Relationship,
            Field::DistrictName,
            Field::VillageName,
        ] {
            if let Some(t) = self.text(row, field, out) {
                attributes.insert(field.key().into(), values::normalize_text(&t));
            }
        }
        if out.fatal() {
            return None;
        }
        Some(ExternalRecord {
            kind: self.kind,
            record_key,
            nik_raw,
            nik,
            nik_issue,
            no_kk,
            name: name?,
            sex,
            birth_date,
            village,
            event_date,
            attributes,
        })
    }
}

/// A warning when a NIK or family card was issued outside the regency of the village the row puts
/// the person in: people move, so the row is kept, but a file of another region imported into the
/// wrong village shows at once.
fn foreign_issue(
    out: &mut RowIssues<'_>,
    village: jaring_domain::RegionCode,
    issued_in: Option<jaring_domain::RegionCode>,
    field: Field,
    what: &str,
) {
    use jaring_domain::RegionLevel;
    let (Some(issued), Some(regency)) = (issued_in, village.at_level(RegionLevel::Regency)) else {
        return;
    };
    if regency.contains(issued) {
        return;
    }
    let (id, en) =
        if village.at_level(RegionLevel::Province) == issued.at_level(RegionLevel::Province) {
            ("kabupaten lain", "another regency")
        } else {
            ("provinsi lain", "another province")
        };
    out.push(
        Some(field),
        &issued.to_string(),
        format!("{what} diterbitkan di {id} ({issued}), bukan di {regency}: penduduk pindahan, atau berkas desa lain?"),
        format!("{what} issued in {en} ({issued}), not in {regency}: a newcomer, or another village's file?"),
        false,
    );
}

/// An occupation as written, or the Dukcapil/OpenSID code of one (`9` is PETANI/PEKEBUN); an unknown
/// code is a warning and no occupation, never a resident whose job is "9".
fn occupation(raw: &str, out: &mut RowIssues<'_>) -> Option<String> {
    let text = values::normalize_text(raw);
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return Some(text).filter(|t| !t.is_empty());
    }
    match text
        .parse()
        .ok()
        .and_then(jaring_domain::occupation::label_of_code)
    {
        Some(label) => Some(label.to_string()),
        None => {
            out.push(
                Some(Field::Occupation),
                &text,
                format!("kode pekerjaan '{text}' tidak dikenal (1–89); pekerjaan dikosongkan"),
                format!("unknown occupation code '{text}' (1–89); occupation left empty"),
                false,
            );
            None
        }
    }
}

/// Reads PNS / CPNS / PPPK / P3K / TNI / POLRI.
fn employee_kind(raw: &str) -> Option<CivilServantStatus> {
    Some(match fold(raw).as_str() {
        "pns" | "cpns" | "pegawainegerisipil" => CivilServantStatus::Pns,
        "pppk" | "p3k" => CivilServantStatus::Pppk,
        "tni" => CivilServantStatus::Tni,
        "polri" | "polisi" => CivilServantStatus::Polri,
        "pensiunan" => CivilServantStatus::Pensioner,
        "none" | "bukanasn" | "tidak" | "" => CivilServantStatus::None,
        _ => return None,
    })
}
