//! `GET /desa-terkini`: which villages keep their data current, for the kecamatan and the regency;
//! sortable by any figure (links, no script) and downloadable as CSV or XLSX.

use axum::extract::{Query, State};
use axum::response::Response;
use jaring_app::upkeep::{self, SortBy};
use maud::html;
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{respond, Frame};
use crate::{blocking, AppState, WebError};

/// Query of the page.
#[derive(Deserialize, Default)]
pub(crate) struct UpkeepQuery {
    /// Sort key (`menunggu`, `umur`, `tanpa-nik`, `tanpa-lahir`, `kematian`, `terakhir`).
    urut: Option<String>,
    /// `csv` or `xlsx` to download the table.
    unduh: Option<String>,
}

/// `GET /desa-terkini`
pub(crate) async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<UpkeepQuery>,
) -> Result<Response, WebError> {
    let sort_key = q.urut.clone().unwrap_or_default();
    let sort = SortBy::parse(&sort_key);
    let db = auth.db.clone();
    let who = auth.who.clone();
    let rows = blocking(move || upkeep::villages(&db, &who, jaring_domain::today(), sort)).await?;
    if let Some(ext) = q.unduh.as_deref().filter(|e| ["csv", "xlsx"].contains(e)) {
        let sheet = upkeep::sheet(&rows);
        let spool = state.config.data_dir.clone();
        let ext = ext.to_string();
        let name = format!("pemutakhiran-desa.{ext}");
        let bytes = blocking(move || {
            let tmp = crate::uploads::spool_file(&spool, &format!(".{ext}"))?;
            let format = if ext == "xlsx" {
                jaring_app::export::Format::Xlsx
            } else {
                jaring_app::export::Format::Csv
            };
            jaring_app::export::write(&sheet, tmp.path(), format)?;
            std::fs::read(tmp.path()).map_err(|e| jaring_app::AppError::Io("export".into(), e))
        })
        .await?;
        return Ok(crate::ui::attachment(&name, bytes));
    }
    let l = auth.lang;
    let head = |key: &str, id: &str, en: &str| {
        html! { a href={ "/desa-terkini?urut=" (key) } { (l.t(id, en)) @if key == sort_key { " ▾" } } }
    };
    let body = html! {
        p.en { (l.t("Apa yang diminta kabupaten dari desa: data yang selalu mutakhir. Klik judul kolom untuk mengurutkan.",
            "What the regency asks of its villages: data kept current. Click a heading to sort.")) }
        p.en { (l.t("Hari: umur usulan tertua yang menunggu. Mati*: penduduk yang tercatat meninggal di data Dukcapil tetapi belum dilaporkan desa.",
            "Days: age of the oldest pending proposal. Died*: residents the civil registry lists as dead whom the village has not reported.")) }
        p.pager {
            a href={ "/desa-terkini?unduh=csv&urut=" (sort_key) } { "CSV" }
            a href={ "/desa-terkini?unduh=xlsx&urut=" (sort_key) } { "XLSX" }
        }
        table {
            thead { tr {
                th { (head("", "Desa", "village")) }
                th.n { (head("menunggu", "Menunggu", "pending")) }
                th.n { (head("umur", "Hari", "Days")) }
                th.n { (head("kematian", "Mati*", "Died*")) }
                th.n.opt { (head("tanpa-nik", "Tanpa NIK", "no NIK")) }
                th.n.opt { (head("tanpa-lahir", "Tanpa tgl lahir", "no birth date")) }
                th.n.opt { (l.both("Data ganda", "duplicates")) }
                th.opt { (head("terakhir", "Perubahan terakhir", "last change")) }
                th.opt { (l.both("Menunggu per bulan", "pending by month")) }
            } }
            tbody {
                @for v in &rows {
                    tr {
                        td { a href={ "/wilayah/" (v.code) } { (v.name) } br; span.en { (v.code) " · " (v.alive) " " (l.t("jiwa", "residents")) } }
                        td.n { a href={ "/tinjau?status=pending" } { (v.pending) } }
                        td.n { (v.oldest_pending_days.map(|d| d.to_string()).unwrap_or_else(|| "-".into())) }
                        td.n { (v.registry_deaths_unreported) }
                        td.n.opt { (v.without_nik) }
                        td.n.opt { (v.without_birth_date) }
                        td.n.opt { (v.duplicates_suspected) }
                        td.opt { (v.last_change.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_else(|| "-".into())) }
                        td.opt { (v.trend.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" · ")) }
                    }
                }
            }
        }
    };
    Ok(respond(
        &Frame::of(&auth, state.demo),
        l.t("Pemutakhiran data desa", "Villages keeping data current"),
        body,
    ))
}
