//! `GET /audit`: the audit log of the user's region, newest first, narrowed by who, what and where,
//! with the resident each entry is about named (and linked) instead of a bare id.

use axum::extract::{Query, State};
use axum::response::Response;
use jaring_app::auditlog::{AuditLine, AuditQuery};
use jaring_app::AppError;
use jaring_domain::RegionCode;
use maud::html;
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{respond, Frame, Lang};
use crate::{blocking, AppState, WebError};

/// Entries per page.
const PAGE: i64 = 50;

/// Kinds of action a reader picks from, as (prefix, Indonesian, English).
const ACTIONS: &[(&str, &str, &str)] = &[
    ("person.", "Penduduk diubah", "resident changed"),
    ("household.", "Keluarga diubah", "household changed"),
    ("enrolment.", "Kepesertaan diubah", "membership changed"),
    ("proposal.", "Usulan", "proposals"),
    ("claim.", "Klaim", "claims"),
    ("import.", "Impor", "imports"),
    ("sync.", "Sinkronisasi", "synchronisation"),
    ("user.", "Pengguna", "users"),
];

/// The filters and the page, from the query string (empty fields mean "any").
#[derive(Deserialize, Default)]
pub(crate) struct AuditParams {
    sebelum: Option<i64>,
    oleh: Option<String>,
    tindakan: Option<String>,
    wilayah: Option<String>,
}

impl AuditParams {
    /// The query string of these filters (for the next page's link).
    fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("oleh", &self.oleh),
            ("tindakan", &self.tindakan),
            ("wilayah", &self.wilayah),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                q.append_pair(k, v.trim());
            }
        }
        q.finish()
    }
}

fn line(l: Lang, r: &AuditLine) -> maud::Markup {
    let e = &r.row.entry;
    html! {
        tr {
            td { (r.row.seq) }
            td { (r.row.at.get(..16).unwrap_or(&r.row.at).replace('T', " ")) }
            td { (e.actor) }
            td {
                (e.action)
                @if let (Some(name), Some(id)) = (&r.person, e.person_id) {
                    br; a href={ "/penduduk/" (id) } { (name) }
                } @else {
                    " " span.en { (e.entity) " " (e.entity_id.map(|i| i.to_string()).unwrap_or_default()) }
                }
                @if let Some(v) = &e.village_code { br; span.en { (l.t("desa ", "village ")) (v) } }
            }
            td.opt { (e.after.clone().or(e.reason.clone()).unwrap_or_default().chars().take(160).collect::<String>()) }
        }
    }
}

/// `GET /audit?oleh=&tindakan=&wilayah=&sebelum=`
pub(crate) async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<AuditParams>,
) -> Result<Response, WebError> {
    let l = auth.lang;
    let region = match p
        .wilayah
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(w) => Some(RegionCode::parse(w).map_err(|_| {
            WebError(AppError::Input(
                "kode wilayah tidak sah / invalid region code".into(),
            ))
        })?),
        None => None,
    };
    let q = AuditQuery {
        before_seq: p.sebelum,
        limit: PAGE,
        actor: p.oleh.clone(),
        action: p.tindakan.clone(),
        region,
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let rows = blocking(move || jaring_app::auditlog::search(&db, &who, &q)).await?;
    let chosen = p.tindakan.clone().unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/audit" {
            label for="oleh" { (l.t("Oleh", "By")) }
            input #oleh name="oleh" value=(p.oleh.clone().unwrap_or_default()) placeholder="desa, sync";
            label for="tindakan" { (l.t("Tindakan", "Action")) }
            select #tindakan name="tindakan" {
                option value="" { (l.t("semua", "all")) }
                @for (code, id, en) in ACTIONS {
                    option value=(code) selected[chosen == *code] { (l.t(id, en)) }
                }
            }
            label for="wilayah" { (l.t("Wilayah", "Region")) }
            input #wilayah name="wilayah" value=(p.wilayah.clone().unwrap_or_default()) placeholder="53.04.01.2001";
            " "
            button type="submit" { (l.t("Saring", "Filter")) }
        }
        @if rows.is_empty() {
            p { (l.t("Tidak ada entri yang cocok.", "No matching entries.")) }
        } @else {
            table {
                thead { tr { th { "#" } th { (l.both("Waktu", "when")) } th { (l.both("Oleh", "by")) } th { (l.both("Tindakan", "action")) } th.opt { (l.both("Rincian", "details")) } } }
                tbody { @for r in &rows { (line(l, r)) } }
            }
        }
        @if let Some(last) = rows.last() {
            @if rows.len() as i64 == PAGE {
                p { a href={ "/audit?" (p.query()) "&sebelum=" (last.row.seq) } { (l.t("Lebih lama", "Older")) " →" } }
            }
        }
    };
    Ok(respond(
        &Frame::of(&auth, state.demo),
        l.t("Log audit", "Audit log"),
        body,
    ))
}
