//! The letters a village prints for a death: a draft *surat keterangan kematian* and the heirs'
//! statement (*surat keterangan ahli waris*) a JKM claim needs, as PDF from the data in jaring — the
//! resident, the reported death, the heirs and the claim's checklist — for the village head to sign
//! and stamp. Drafts: jaring fills in what it knows and leaves lines for what it cannot.

use jaring_domain::access::Action;
use jaring_domain::review::{Entity, FieldValues};
use jaring_domain::RegionCode;
use printpdf::{BuiltinFont, Mm, PdfDocument, PdfDocumentReference};

use crate::accounts::Principal;
use crate::report::Pen;
use crate::AppError;

fn get(values: &FieldValues, key: &str) -> String {
    values.get(key).cloned().flatten().unwrap_or_default()
}

fn dmy(iso: &str) -> String {
    iso.parse::<chrono::NaiveDate>()
        .map(|d| d.format("%d-%m-%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

/// The names of a village, its kecamatan and its regency.
fn places(conn: &mut jaring_store::Conn, village: RegionCode) -> Result<[String; 3], AppError> {
    let name = |conn: &mut jaring_store::Conn, c: Option<RegionCode>| -> Result<String, AppError> {
        Ok(match c {
            Some(c) => jaring_store::regions::name_of(conn, c)?.unwrap_or_else(|| c.to_string()),
            None => String::new(),
        })
    };
    let district = village.parent();
    let regency = district.and_then(|d| d.parent());
    Ok([
        name(conn, Some(village))?,
        name(conn, district)?,
        name(conn, regency)?,
    ])
}

fn document(title: &str) -> Result<(PdfDocumentReference, Pen), AppError> {
    let (doc, page, layer) = PdfDocument::new(title, Mm(210.0), Mm(297.0), "isi");
    let font = |f| {
        doc.add_builtin_font(f)
            .map_err(|e| AppError::Input(format!("PDF font: {e}")))
    };
    let pen = Pen {
        layer: doc.get_page(page).get_layer(layer),
        regular: font(BuiltinFont::Helvetica)?,
        bold: font(BuiltinFont::HelveticaBold)?,
    };
    Ok((doc, pen))
}

/// Label and value rows, from `y` down; returns the next free line.
fn rows(pen: &Pen, rows: &[(&str, String)], mut y: f32) -> f32 {
    for (label, value) in rows {
        pen.text(label, 10.0, 30.0, y, false);
        pen.text(&format!(": {value}"), 10.0, 80.0, y, false);
        y -= 6.5;
    }
    y
}

fn letterhead(pen: &Pen, [village, district, regency]: &[String; 3], title: &str) {
    pen.text(
        &format!("PEMERINTAH {}", regency.to_uppercase()),
        11.0,
        20.0,
        280.0,
        true,
    );
    pen.text(
        &format!("KECAMATAN {}", district.to_uppercase()),
        11.0,
        20.0,
        274.0,
        true,
    );
    pen.text(
        &format!("DESA {}", village.to_uppercase()),
        13.0,
        20.0,
        267.0,
        true,
    );
    pen.fill(0.0, 0.0, 0.0);
    pen.rect(20.0, 263.0, 170.0, 0.6);
    pen.text(title, 13.0, 20.0, 252.0, true);
    pen.text(
        "Nomor: ......................................",
        10.0,
        20.0,
        245.0,
        false,
    );
}

fn footer(pen: &Pen) {
    pen.text(
        &format!(
            "DRAF dibuat oleh jaring pada {} dari data registri; diperiksa, ditandatangani dan dicap oleh Kepala Desa.",
            jaring_domain::today().format("%d-%m-%Y")
        ),
        7.0,
        20.0,
        10.0,
        false,
    );
}

/// The person `id` inside `who`'s region with every stored field, or `NotFound`.
fn resident(
    db: &jaring_store::Database,
    who: &Principal,
    id: i64,
) -> Result<(crate::residents::PersonView, FieldValues), AppError> {
    let view = crate::residents::person(db, who, id)?;
    let fields = jaring_store::review::fields(&mut db.conn()?, Entity::Person, id)?;
    Ok((view, fields))
}

/// A draft *surat keterangan kematian* for a resident recorded deceased, with the place and the
/// document of the death as reported.
pub fn death_letter_pdf(
    db: &jaring_store::Database,
    who: &Principal,
    person_id: i64,
) -> Result<Vec<u8>, AppError> {
    who.require_any(Action::ViewResidents)?;
    let (view, p) = resident(db, who, person_id)?;
    if get(&p, "life_status") != jaring_domain::LifeStatus::Deceased.as_code() {
        return Err(AppError::Input(
            "penduduk ini tidak tercatat meninggal / this resident is not recorded as deceased"
                .into(),
        ));
    }
    let mut conn = db.conn()?;
    let village =
        RegionCode::parse(&view.person.village_code).map_err(|e| AppError::Input(e.to_string()))?;
    let names = places(&mut conn, village)?;
    let report = jaring_store::review::list_proposals(
        &mut conn,
        &jaring_store::review::ProposalFilter {
            status: Some("applied".into()),
            kinds: vec!["mark_deceased".into()],
            person_id: Some(person_id),
            ..Default::default()
        },
    )?
    .pop()
    .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.evidence).ok())
    .unwrap_or_default();
    let said = |k: &str| {
        report
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let g = who.grant;
    let (doc, pen) = document("Surat Keterangan Kematian")?;
    letterhead(&pen, &names, "SURAT KETERANGAN KEMATIAN");
    pen.text(
        &format!(
            "Yang bertanda tangan di bawah ini, Kepala Desa {}, menerangkan bahwa:",
            names[0]
        ),
        10.0,
        20.0,
        234.0,
        false,
    );
    let sex = match get(&p, "sex").as_str() {
        "m" => "Laki-laki",
        "f" => "Perempuan",
        _ => "",
    };
    let y = rows(
        &pen,
        &[
            ("Nama", view.person.name.clone()),
            (
                "NIK",
                view.person
                    .nik
                    .as_deref()
                    .map(|n| g.show_nik(n))
                    .unwrap_or_default(),
            ),
            (
                "No. KK",
                view.no_kk
                    .as_deref()
                    .map(|n| g.show_nik(n))
                    .unwrap_or_default(),
            ),
            ("Jenis kelamin", sex.into()),
            (
                "Tempat, tanggal lahir",
                format!(
                    "{}, {}",
                    get(&p, "birth_place"),
                    dmy(&get(&p, "birth_date"))
                ),
            ),
            (
                "Alamat",
                format!("{} Desa {}", get(&p, "address"), names[0]),
            ),
        ],
        224.0,
    );
    pen.text("telah meninggal dunia pada:", 10.0, 20.0, y - 2.0, false);
    let y = rows(
        &pen,
        &[
            ("Tanggal", dmy(&get(&p, "death_date"))),
            ("Tempat", said("place")),
            (
                "Sebab",
                "..............................................".into(),
            ),
            (
                "Dasar",
                match said("document").as_str() {
                    "akta_kematian" => format!("Akta kematian {}", said("document_number")),
                    "surat_desa" => format!("Laporan desa {}", said("document_number")),
                    _ => "..............................................".into(),
                },
            ),
        ],
        y - 10.0,
    );
    pen.text(
        "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya.",
        10.0,
        20.0,
        y - 4.0,
        false,
    );
    pen.text(
        &format!("{}, ....................", names[0]),
        10.0,
        125.0,
        y - 20.0,
        false,
    );
    pen.text(
        &format!("Kepala Desa {}", names[0]),
        10.0,
        125.0,
        y - 27.0,
        false,
    );
    pen.text(
        "( .................................... )",
        10.0,
        125.0,
        y - 55.0,
        false,
    );
    footer(&pen);
    doc.save_to_bytes()
        .map_err(|e| AppError::Input(format!("PDF: {e}")))
}

/// A draft *surat keterangan ahli waris* for a death claim: the deceased, the heirs recorded on the
/// claim, the documents the checklist still lacks, and the signature lines of heirs, witnesses, the
/// village head and the camat.
pub fn heirs_letter_pdf(
    db: &jaring_store::Database,
    who: &Principal,
    claim_id: i64,
) -> Result<Vec<u8>, AppError> {
    let (claim, heirs) = crate::claims::get(db, who, claim_id)?;
    let case = jaring_domain::benefits::ClaimCase::from_code(&claim.case);
    if !matches!(
        case,
        Some(
            jaring_domain::benefits::ClaimCase::Death
                | jaring_domain::benefits::ClaimCase::WorkDeath
        )
    ) {
        return Err(AppError::Input(
            "surat ahli waris hanya untuk klaim kematian / an heirs' statement is for a death claim"
                .into(),
        ));
    }
    let (view, p) = resident(db, who, claim.person_id)?;
    let village =
        RegionCode::parse(&view.person.village_code).map_err(|e| AppError::Input(e.to_string()))?;
    let names = places(&mut db.conn()?, village)?;
    let g = who.grant;
    let (doc, pen) = document("Surat Keterangan Ahli Waris")?;
    letterhead(&pen, &names, "SURAT KETERANGAN AHLI WARIS");
    pen.text(
        "Kami yang bertanda tangan di bawah ini, ahli waris dari almarhum/almarhumah:",
        10.0,
        20.0,
        234.0,
        false,
    );
    let kpj = view
        .enrolments
        .iter()
        .find_map(|e| e.kpj.clone())
        .unwrap_or_default();
    let y = rows(
        &pen,
        &[
            ("Nama", view.person.name.clone()),
            (
                "NIK",
                view.person
                    .nik
                    .as_deref()
                    .map(|n| g.show_nik(n))
                    .unwrap_or_default(),
            ),
            ("Nomor peserta (KPJ)", kpj),
            ("Meninggal pada", dmy(&get(&p, "death_date"))),
            ("Klaim", format!("#{} {}", claim.id, claim.case)),
        ],
        224.0,
    );
    pen.text(
        "menerangkan dengan sebenarnya bahwa ahli waris yang sah adalah:",
        10.0,
        20.0,
        y - 2.0,
        false,
    );
    let mut y = y - 10.0;
    pen.text("No", 9.0, 20.0, y, true);
    pen.text("NAMA", 9.0, 30.0, y, true);
    pen.text("NIK", 9.0, 95.0, y, true);
    pen.text("HUBUNGAN", 9.0, 140.0, y, true);
    pen.text("TANDA TANGAN", 9.0, 170.0, y, true);
    y -= 7.0;
    let relationship = |r: &str| match r {
        "spouse" => "Suami/Istri",
        "child" => "Anak",
        "parent" => "Orang tua",
        _ => "Lainnya",
    };
    let listed = heirs.len().max(3);
    for i in 0..listed {
        let h = heirs.get(i);
        pen.text(&format!("{}.", i + 1), 9.0, 20.0, y, false);
        pen.text(
            h.map(|h| h.name.as_str()).unwrap_or("...................."),
            9.0,
            30.0,
            y,
            false,
        );
        pen.text(
            &h.and_then(|h| h.nik.as_deref().map(|n| g.show_nik(n)))
                .unwrap_or_else(|| "....................".into()),
            9.0,
            95.0,
            y,
            false,
        );
        pen.text(
            h.map(|h| relationship(&h.relationship)).unwrap_or(""),
            9.0,
            140.0,
            y,
            false,
        );
        pen.text(".............", 9.0, 170.0, y, false);
        y -= 7.0;
    }
    let missing = crate::claims::missing_documents(&claim);
    if !missing.is_empty() {
        pen.text(
            "Dokumen klaim yang belum lengkap:",
            9.0,
            20.0,
            y - 2.0,
            true,
        );
        y -= 8.0;
        let labels = case.map(|c| c.documents()).unwrap_or(&[]);
        for m in missing {
            let label = labels.iter().find(|(c, _)| *c == m).map_or(m, |(_, l)| l);
            pen.text(&format!("- {label}"), 9.0, 24.0, y, false);
            y -= 5.0;
        }
    }
    let y = y - 8.0;
    pen.text("Saksi 1: ....................", 10.0, 20.0, y, false);
    pen.text("Saksi 2: ....................", 10.0, 110.0, y, false);
    pen.text(
        &format!("Mengetahui, Kepala Desa {}", names[0]),
        10.0,
        20.0,
        y - 18.0,
        false,
    );
    pen.text(&format!("Camat {}", names[1]), 10.0, 125.0, y - 18.0, false);
    pen.text(
        "( .................................... )",
        10.0,
        20.0,
        y - 42.0,
        false,
    );
    pen.text(
        "( .................................... )",
        10.0,
        125.0,
        y - 42.0,
        false,
    );
    footer(&pen);
    doc.save_to_bytes()
        .map_err(|e| AppError::Input(format!("PDF: {e}")))
}
