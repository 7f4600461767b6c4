//! Reading any list of persons (CSV or Excel) into linkage records: the columns that hold NIK, name,
//! date of birth, sex and village are found by their headings (the same synonyms as imports) or named
//! by the caller.

use std::path::Path;

use chrono::NaiveDate;
use jaring_domain::{ListKind, RegionCode};
use jaring_linkage::{LinkRecord, Sex};

use crate::fields::{Field, KindFields};
use crate::table::{Cell, Table};
use crate::values::{self, fold, DateEvidence};
use crate::FormatError;

/// Headings of the columns to use; `None` finds them by synonym.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// Record id column.
    pub id: Option<String>,
    /// NIK column.
    pub nik: Option<String>,
    /// Name column.
    pub name: Option<String>,
    /// Date-of-birth column.
    pub birth_date: Option<String>,
    /// Sex column.
    pub sex: Option<String>,
    /// Village-code column.
    pub region: Option<String>,
}

/// A list read for linkage.
#[derive(Debug, Clone)]
pub struct People {
    /// The records, in file order.
    pub records: Vec<LinkRecord>,
    /// Which heading each role was read from.
    pub columns: Vec<(&'static str, String)>,
}

fn synonyms_of(field: Field) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = ListKind::ALL
        .iter()
        .filter(|k| k.fields().iter().any(|(f, _)| *f == field))
        .flat_map(|k| field.synonyms(*k).iter().copied())
        .collect();
    if field == Field::RecordKey {
        all.extend(["id", "no", "nomor", "recordid"]);
    }
    all
}

fn find(
    headers: &[String],
    wanted: &Option<String>,
    field: Field,
) -> Result<Option<usize>, FormatError> {
    if let Some(h) = wanted {
        return headers
            .iter()
            .position(|x| fold(x) == fold(h))
            .map(Some)
            .ok_or_else(|| {
                FormatError::Mapping(format!(
                    "kolom '{h}' tidak ada / column '{h}' not found; headings: {}",
                    headers.join(" | ")
                ))
            });
    }
    let syn = synonyms_of(field);
    Ok(headers.iter().position(|x| syn.contains(&fold(x).as_str())))
}

/// Reads a list file into linkage records.
pub fn load_people(path: &Path, roles: &Roles, today: NaiveDate) -> Result<People, FormatError> {
    let wanted = [
        Field::Nik,
        Field::Name,
        Field::BirthDate,
        Field::Sex,
        Field::VillageCode,
    ];
    // Headings the caller named count as much as recognised synonyms when finding the header row.
    let named: Vec<String> = [
        &roles.id,
        &roles.nik,
        &roles.name,
        &roles.birth_date,
        &roles.sex,
        &roles.region,
    ]
    .into_iter()
    .flatten()
    .map(|h| fold(h))
    .collect();
    let score = |cells: &[String]| {
        cells
            .iter()
            .filter(|c| {
                let c = fold(c);
                named.contains(&c) || wanted.iter().any(|f| synonyms_of(*f).contains(&c.as_str()))
            })
            .count()
    };
    let table = Table::open(path, None, &score)?;
    let h = table.headers().to_vec();
    let id = find(&h, &roles.id, Field::RecordKey)?;
    let nik = find(&h, &roles.nik, Field::Nik)?;
    let name = find(&h, &roles.name, Field::Name)?.ok_or(FormatError::MissingColumns {
        kind: "link",
        missing: "name".into(),
        headers: h.join(" | "),
    })?;
    let birth = find(&h, &roles.birth_date, Field::BirthDate)?;
    let sex = find(&h, &roles.sex, Field::Sex)?;
    let region = find(&h, &roles.region, Field::VillageCode)?;
    let mut evidence = DateEvidence::default();
    let mut rows = Vec::new();
    for row in table.rows()? {
        let row = row?;
        if let Some(Cell::Text(t)) = birth.and_then(|i| row.cells.get(i)) {
            evidence.observe(t);
        }
        rows.push(row);
    }
    let order = evidence.order();
    let text = |cells: &[Cell], i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .map(Cell::text)
            .unwrap_or_default()
    };
    let records = rows
        .iter()
        .map(|row| {
            let birth_date = birth.and_then(|i| row.cells.get(i)).and_then(|c| match c {
                Cell::DateSerial(f) | Cell::Number(f) => values::excel_serial(*f),
                other => values::parse_date(&other.text(), order, today).ok(),
            });
            let sex = values::parse_sex(&text(&row.cells, sex)).map(|s| match s {
                jaring_domain::Sex::Male => Sex::Male,
                jaring_domain::Sex::Female => Sex::Female,
            });
            let region = RegionCode::parse(&text(&row.cells, region))
                .ok()
                .map(|c| c.digits());
            let id = match id {
                Some(_) => text(&row.cells, id),
                None => row.line.to_string(),
            };
            LinkRecord::new(
                id,
                &text(&row.cells, nik),
                &text(&row.cells, Some(name)),
                birth_date,
                sex,
                region.as_deref(),
            )
        })
        .collect();
    let mut columns = vec![("name", h[name].clone())];
    for (role, i) in [
        ("id", id),
        ("nik", nik),
        ("birth_date", birth),
        ("sex", sex),
        ("region", region),
    ] {
        if let Some(i) = i {
            columns.push((role, h[i].clone()));
        }
    }
    Ok(People { records, columns })
}
