//! Residents: search by name or NIK, one person with their household, and editing with validation.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::residents::{self, SearchMode, EDITABLE};
use jaring_app::AppError;
use jaring_domain::access::Action;
use jaring_domain::review::FieldValues;
use jaring_domain::RegionCode;
use maud::html;
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{csrf_field, page_number, pager, q as enc, respond, Frame};
use crate::{blocking, AppState, WebError};

/// Query of the search page.
#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    q: Option<String>,
    halaman: Option<i64>,
}

fn sex_label(code: &str) -> &'static str {
    match code {
        "m" => "L",
        "f" => "P",
        _ => "?",
    }
}

fn life_label(code: &str) -> &str {
    jaring_domain::LifeStatus::from_code(code)
        .map(|s| s.label_id())
        .unwrap_or(code)
}

/// `GET /penduduk?q=…`
pub(crate) async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let query = sq.q.clone().unwrap_or_default();
    let page_no = page_number(sq.halaman);
    let db = auth.db.clone();
    let who = auth.who.clone();
    let qq = query.clone();
    let index = state.names().await?;
    let turn = state.search_turn().await;
    let hits = blocking(move || {
        let _turn = turn;
        residents::find(&index, &who, &qq, page_no, 25)
    })
    .await?;
    let (mode, found) = blocking(move || residents::read_hits(&db, hits)).await?;
    let l = auth.lang;
    let g = auth.who.grant;
    let body = html! {
        form method="get" action="/penduduk" {
            label for="q" { (l.both("Cari nama atau NIK", "search by name or NIK")) }
            div.row {
                input #q name="q" value=(query) inputmode="search" autofocus;
                button type="submit" { (l.t("Cari", "Search")) }
            }
        }
        @if g.role.may(Action::EditResidents) {
            p { a href="/penduduk/datang" { (l.t("Lapor pindah datang", "Report an arrival")) } }
        }
        @if mode == SearchMode::Fuzzy && !found.items.is_empty() {
            p.en { (l.t("Tidak ada yang sama persis; ini ejaan yang mirip.", "No exact match; these are similar spellings.")) }
        }
        @if found.items.is_empty() {
            p { (l.both("Tidak ditemukan.", "nobody found")) }
        } @else {
            table {
                thead { tr {
                    th { (l.both("Nama", "name")) }
                    th { "NIK" }
                    th.opt { (l.both("Lahir", "born")) }
                    th.opt { (l.both("Status", "status")) }
                } }
                tbody {
                    @for p in &found.items {
                        tr {
                            td { a href={ "/penduduk/" (p.id) } { (p.name) } " " span.en { (sex_label(&p.sex)) } }
                            td { (p.nik.as_deref().map(|n| g.show_nik(n)).unwrap_or_default()) }
                            td.opt { (p.birth_date.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_default()) }
                            td.opt { (life_label(&p.life_status)) }
                        }
                    }
                }
            }
            (pager(l, &format!("/penduduk?q={}", enc(&query)), found.page, found.more))
        }
    };
    Ok(respond(
        &Frame::of(&auth, state.demo),
        l.t("Penduduk", "Residents"),
        body,
    ))
}

/// `GET /penduduk/{id}`
pub(crate) async fn person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let v = blocking(move || residents::person(&db, &who, id)).await?;
    let l = auth.lang;
    let g = auth.who.grant;
    let p = &v.person;
    let d = &v.details;
    let can_edit = RegionCode::parse(&p.village_code)
        .map(|c| g.allows(Action::EditResidents, c))
        .unwrap_or(false);
    let can_claim = RegionCode::parse(&p.village_code)
        .map(|c| g.allows(Action::ReportClaims, c))
        .unwrap_or(false);
    let body = html! {
        h2 { (p.name) }
        table {
            tbody {
                tr { th { "NIK" } td { (p.nik.as_deref().map(|n| g.show_nik(n)).unwrap_or_default()) } }
                tr { th { (l.both("No. KK", "family card")) } td { (v.no_kk.as_deref().map(|n| g.show_nik(n)).unwrap_or_default()) } }
                tr { th { (l.both("Jenis kelamin", "sex")) } td { (sex_label(&p.sex)) } }
                tr { th { (l.both("Tanggal lahir", "birth date")) } td { (p.birth_date.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_default()) } }
                tr { th { (l.both("Tempat lahir", "birth place")) } td { (d.birth_place) } }
                tr { th { (l.both("Nama ibu kandung", "mother's name")) } td { (d.mother_name.as_deref().unwrap_or_else(|| l.t("(disembunyikan)", "(hidden)"))) } }
                tr { th { (l.both("Alamat", "address")) } td { (d.address) } }
                tr { th { (l.both("Hubungan dalam keluarga", "relationship")) } td { (d.relationship.label_id()) } }
                tr { th { (l.both("Status perkawinan", "marital status")) } td { (d.marital_status.label_id()) } }
                tr { th { (l.both("Agama", "religion")) } td { (d.religion.map(|r| r.label_id()).unwrap_or("-")) } }
                tr { th { (l.both("Pendidikan terakhir", "education")) } td { (d.education.map(|e| e.label_id()).unwrap_or("-")) } }
                tr { th { (l.both("Pekerjaan", "occupation")) } td { (p.occupation) } }
                tr { th { (l.both("Kategori pekerja", "worker category")) } td { (d.worker_category.label_id()) } }
                tr { th { (l.both("Status", "status")) } td { (life_label(&p.life_status)) } }
                tr { th { (l.both("Desa", "village")) } td { a href={ "/wilayah/" (p.village_code) } { (p.village_code) } } }
            }
        }
        @if can_edit || can_claim {
            p.pager {
                @if can_edit { a href={ "/penduduk/" (p.id) "/ubah" } { (l.t("Ubah data", "Edit")) } }
                @if can_claim { a href={ "/penduduk/" (p.id) "/klaim" } { (l.t("Buka klaim", "Open a claim")) } }
            }
        }
        @if can_edit { (crate::pages::reports::links(l, p.id, p.life_status == "alive")) }
        @if p.life_status == "deceased" {
            p { a href={ "/penduduk/" (p.id) "/surat-kematian.pdf" } { (l.t("Cetak surat keterangan kematian (PDF)", "Print the death letter (PDF)")) } }
        }
        h3 { (l.both("Kepesertaan BPJS", "BPJS membership")) }
        @if v.enrolments.is_empty() {
            p { (l.both("Belum terdaftar.", "not a member")) }
        } @else {
            table {
                thead { tr { th { (l.both("Program", "programme")) } th { "KPJ" } th { (l.both("Dibayar s.d.", "paid through")) } th.opt { (l.both("Berakhir", "ended")) } } }
                tbody {
                    @for e in &v.enrolments {
                        tr {
                            td { (e.programme) }
                            td { (e.kpj.clone().unwrap_or_default()) }
                            td { (e.paid_through.map(|d| d.format("%m-%Y").to_string()).unwrap_or_default()) }
                            td.opt { (e.end_date.map(|d| d.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        h3 { (l.both("Keluarga", "household")) }
        table {
            tbody {
                @for m in &v.household {
                    tr {
                        td { @if m.id == p.id { b { (m.name) } } @else { a href={ "/penduduk/" (m.id) } { (m.name) } } }
                        td { (jaring_domain::Relationship::from_code(&m.relationship).map(|r| r.label_id()).unwrap_or(&m.relationship)) }
                        td.opt { (life_label(&m.life_status)) }
                    }
                }
                @if v.members_elsewhere > 0 {
                    tr { td colspan="3" { (v.members_elsewhere) " " (l.both("anggota di wilayah lain", "member(s) in another region")) } }
                }
            }
        }
    };
    Ok(respond(&Frame::of(&auth, state.demo), &p.name, body))
}

fn edit_page(
    auth: &Auth,
    demo: bool,
    v: &jaring_app::residents::PersonView,
    message: Option<&str>,
) -> Response {
    let frame = Frame::of(auth, demo);
    let l = auth.lang;
    let p = &v.person;
    let body = html! {
        @if let Some(m) = message { p.err role="alert" { (m) } }
        form method="post" action={ "/penduduk/" (p.id) "/ubah" } {
            (csrf_field(&frame))
            label for="name" { (l.both("Nama", "name")) }
            input #name name="name" value=(p.name) required;
            label for="birth_date" { (l.both("Tanggal lahir (TTTT-BB-HH)", "birth date (YYYY-MM-DD)")) }
            input #birth_date name="birth_date" type="date" value=(p.birth_date.map(|d| d.to_string()).unwrap_or_default());
            label for="occupation" { (l.both("Pekerjaan", "occupation")) }
            input #occupation name="occupation" value=(p.occupation);
            label for="reason" { (l.both("Alasan perubahan", "reason")) }
            input #reason name="reason" required;
            p { button type="submit" { (l.t("Simpan", "Save")) } " " a href={ "/penduduk/" (p.id) } { (l.t("Batal", "Cancel")) } }
        }
    };
    respond(&frame, &p.name, body)
}

/// `GET /penduduk/{id}/ubah`
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let v = blocking(move || residents::person(&db, &who, id)).await?;
    let village = RegionCode::parse(&v.person.village_code)
        .map_err(|e| WebError(AppError::Input(e.to_string())))?;
    auth.who.require(Action::EditResidents, village)?;
    Ok(edit_page(&auth, state.demo, &v, None))
}

/// The edit form.
#[derive(Deserialize)]
pub(crate) struct EditForm {
    csrf: String,
    name: String,
    birth_date: Option<String>,
    occupation: Option<String>,
    reason: String,
}

/// `POST /penduduk/{id}/ubah`: a correction, proposed and applied at once by roles that decide.
pub(crate) async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    let mut values = FieldValues::new();
    values.insert("name".into(), Some(f.name.trim().to_string()));
    if let Some(b) = f
        .birth_date
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        values.insert("birth_date".into(), Some(b.to_string()));
    }
    if let Some(o) = f.occupation.as_deref() {
        values.insert("occupation".into(), Some(o.trim().to_string()));
    }
    debug_assert!(values.keys().all(|k| EDITABLE.contains(&k.as_str())));
    let db = auth.db.clone();
    let who = auth.who.clone();
    let reason = f.reason.clone();
    let result = blocking(move || {
        let ctx = jaring_app::review::Context::load(&mut db.conn()?, jaring_domain::today())?;
        residents::edit(&db, &who, id, values, &reason, &ctx)
    })
    .await;
    match result {
        Ok(_) => {
            state.refresh_coverage();
            Ok(Redirect::to(&format!("/penduduk/{id}")).into_response())
        }
        Err(WebError(AppError::Input(m))) => {
            let db = auth.db.clone();
            let who = auth.who.clone();
            let v = blocking(move || residents::person(&db, &who, id)).await?;
            Ok(edit_page(&auth, state.demo, &v, Some(&m)))
        }
        Err(e) => Err(e),
    }
}
