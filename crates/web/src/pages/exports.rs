//! Downloads of the files jaring sends out (docs/EXPORTS.md), bounded by the user's region and with
//! NIKs masked for roles that must not read them.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use jaring_app::export::{self, Format};
use jaring_app::AppError;
use maud::html;
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{respond, Frame};
use crate::{blocking, AppState, WebError};

/// The files, as (code, Indonesian label, English label).
const FILES: &[(&str, &str, &str)] = &[
    (
        "pemberhentian",
        "Pemberhentian kepesertaan BPJS TK",
        "BPJS TK terminations",
    ),
    (
        "pendaftaran",
        "Pendaftaran baru BPJS TK (kuota)",
        "BPJS TK new enrolments (quota)",
    ),
    (
        "dtsen",
        "Usulan perubahan DTSEN/SIKS-NG",
        "DTSEN/SIKS-NG updates",
    ),
    ("cakupan", "Cakupan per wilayah", "coverage per region"),
    ("klaim", "Klaim dibayar", "claims paid"),
    ("laporan", "Laporan cakupan (PDF)", "coverage report (PDF)"),
];

/// `GET /ekspor?bulan=YYYY-MM`: the files of a month (this month by default). A month that does not
/// parse falls back to this one, and the form says which month the links are for.
pub(crate) async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Response {
    let l = auth.lang;
    let month = jaring_app::coverage::month_key(
        q.bulan
            .as_deref()
            .and_then(jaring_app::coverage::parse_month)
            .unwrap_or_else(jaring_domain::today),
    );
    let body = html! {
        p.en { (l.t("Berkas mengikuti tata letak tetap (docs/EXPORTS.md). NIK disamarkan untuk peran yang tidak memerlukannya.",
            "Files follow fixed layouts (docs/EXPORTS.md). NIKs are masked for roles that do not need them.")) }
        form method="get" action="/ekspor" {
            label for="bulan" { (l.t("Bulan", "Month")) " " }
            input type="month" id="bulan" name="bulan" value=(month) pattern="[0-9]{4}-[0-9]{2}" required;
            " "
            button type="submit" { (l.t("Tampilkan", "Show")) }
        }
        p { (l.t("Pemberhentian sebuah bulan memuat juga kematian yang disetujui pada bulan itu walau tanggal meninggalnya lebih awal.",
            "A month's terminations also list deaths approved in that month whose date of death is earlier.")) }
        table {
            tbody {
                @for (code, id, en) in FILES {
                    tr {
                        td { (l.t(id, en)) }
                        @if *code == "laporan" {
                            td { a href={ "/ekspor/laporan.pdf?bulan=" (month) } { "PDF" } }
                            td {}
                        } @else {
                            td { a href={ "/ekspor/" (code) ".xlsx?bulan=" (month) } { "XLSX" } }
                            td { a href={ "/ekspor/" (code) ".csv?bulan=" (month) } { "CSV" } }
                        }
                    }
                }
            }
        }
    };
    respond(
        &Frame::of(&auth, state.demo),
        l.t("Ekspor", "Exports"),
        body,
    )
}

/// Query of a download.
#[derive(Deserialize, Default)]
pub(crate) struct ExportQuery {
    bulan: Option<String>,
    program: Option<String>,
}

/// `GET /ekspor/{file}`: `pemberhentian.xlsx`, `dtsen.csv`, `laporan.pdf`, …
pub(crate) async fn download(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    auth: Auth,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let (code, ext) = file.rsplit_once('.').ok_or(WebError(AppError::NotFound))?;
    if !FILES.iter().any(|(c, ..)| *c == code) || !["csv", "xlsx", "pdf"].contains(&ext) {
        return Err(WebError(AppError::NotFound));
    }
    let month = match q.bulan.as_deref() {
        Some(m) => jaring_app::coverage::parse_month(m).ok_or_else(|| {
            WebError(AppError::Input(
                "bulan harus YYYY-MM / month must be YYYY-MM".into(),
            ))
        })?,
        None => jaring_domain::today(),
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let code = code.to_string();
    let ext = ext.to_string();
    let programme = q.program.unwrap_or_else(|| "bpu_apbd_kab".into());
    let name = format!("{code}-{}.{ext}", jaring_app::coverage::month_key(month));
    let spool = crate::uploads::spool_dir(&state.config.data_dir);
    let bytes = blocking(move || {
        if code == "laporan" {
            if ext != "pdf" {
                return Err(AppError::NotFound);
            }
            return jaring_app::report::coverage_pdf(&db, &who, month);
        }
        let sheet = match code.as_str() {
            "pemberhentian" => export::terminations(&db, &who, month, None)?,
            "pendaftaran" => export::enrolments(&db, &who, &programme, month)?,
            "dtsen" => export::dtsen_updates(&db, &who, month)?,
            "cakupan" => export::coverage(&db, &who, month)?,
            _ => export::claims_paid(&db, &who)?,
        };
        let format = if ext == "xlsx" {
            Format::Xlsx
        } else {
            Format::Csv
        };
        // Personal data: written inside the data directory, like uploads, never the system's temp.
        let tmp = crate::uploads::spool_file(&spool, &format!(".{ext}"))?;
        export::write(&sheet, tmp.path(), format)?;
        std::fs::read(tmp.path()).map_err(|e| AppError::Io("export".into(), e))
    })
    .await?;
    Ok(crate::ui::attachment(&name, bytes))
}
