//! Benefit claims in the browser: the region's claims by status with the amounts paid per month and
//! village, one claim with its checklist, heirs and the benefit the regulation gives (computed as the
//! claim stands, so the operator sees what is missing before submitting), and each step of the
//! workflow for the role that takes it: the village gathers and submits, BPJS verifies, pays or
//! rejects.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::claims::{self, ClaimDetails};
use jaring_app::AppError;
use jaring_domain::access::Action;
use jaring_domain::benefits::{Benefit, ClaimCase, SchoolLevel};
use jaring_domain::{RegionCode, Rupiah};
use jaring_store::claims::{ClaimRow, Heir};
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{csrf_field, notice, number, page_number, pager, q as enc, respond, Frame, Lang};
use crate::{blocking, AppState, WebError};

const PER_PAGE: usize = 50;

/// The workflow's statuses, in order.
const STATUSES: &[&str] = &["candidate", "submitted", "verified", "paid", "rejected"];

fn status_label(l: Lang, code: &str) -> &'static str {
    match code {
        "candidate" => l.t("kandidat", "candidate"),
        "submitted" => l.t("diajukan", "submitted"),
        "verified" => l.t("diverifikasi", "verified"),
        "paid" => l.t("dibayar", "paid"),
        "rejected" => l.t("ditolak", "rejected"),
        _ => "?",
    }
}

fn case_label(code: &str) -> &str {
    ClaimCase::from_code(code)
        .map(|k| k.label_id())
        .unwrap_or(code)
}

fn relationship_label(l: Lang, code: &str) -> &'static str {
    match code {
        "spouse" => l.t("suami/istri", "spouse"),
        "child" => l.t("anak", "child"),
        "parent" => l.t("orang tua", "parent"),
        _ => l.t("lainnya", "other"),
    }
}

/// Query of the claims list.
#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    status: Option<String>,
    halaman: Option<i64>,
}

/// `GET /klaim`: the region's claims (optionally of one status) and the amounts paid.
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(lq): Query<ListQuery>,
) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let status = lq.status.clone().filter(|s| STATUSES.contains(&s.as_str()));
    let page_no = page_number(lq.halaman);
    let (all, totals) = blocking(move || {
        Ok((
            claims::list(&db, &who, None)?,
            claims::paid_totals(&db, &who)?,
        ))
    })
    .await?;
    let l = auth.lang;
    let count = |s: &str| all.iter().filter(|c| c.status == s).count();
    let chosen: Vec<&ClaimRow> = all
        .iter()
        .filter(|c| status.as_deref().is_none_or(|s| c.status == s))
        .collect();
    let start = (page_no as usize - 1) * PER_PAGE;
    let shown: Vec<&&ClaimRow> = chosen.iter().skip(start).take(PER_PAGE).collect();
    let more = chosen.len() > start + PER_PAGE;
    let paid_count: i64 = totals.iter().map(|t| t.2).sum();
    let paid_sum = Rupiah(totals.iter().map(|t| t.3 .0).sum());
    let base = match &status {
        Some(s) => format!("/klaim?status={}", enc(s)),
        None => "/klaim?status=".to_string(),
    };
    let body = html! {
        p.en { (l.t("Klaim dibuka otomatis saat kematian peserta yang terlindungi disetujui, atau dari halaman penduduk (Buka klaim).",
            "Claims open when the death of a covered member is approved, or from a resident's page (open a claim).")) }
        nav.pager {
            a href="/klaim" { (l.t("semua", "all")) " (" (all.len()) ")" }
            @for s in STATUSES {
                a href={ "/klaim?status=" (s) } { (status_label(l, s)) " (" (count(s)) ")" }
            }
        }
        @if shown.is_empty() {
            p { (l.both("Belum ada klaim.", "no claims yet")) }
        } @else {
            table {
                thead { tr { th { "#" } th { (l.both("Nama", "name")) } th.opt { (l.both("Kasus", "case")) } th.opt { (l.both("Tanggal", "date")) } th { (l.both("Status", "status")) } th.n { (l.both("Santunan", "benefit")) } } }
                tbody {
                    @for c in &shown {
                        tr {
                            td { a href={ "/klaim/" (c.id) } { (c.id) } }
                            td { a href={ "/klaim/" (c.id) } { (c.person_name) } }
                            td.opt { (case_label(&c.case)) }
                            td.opt { (c.event_date.map(|d| d.to_string()).unwrap_or_default()) }
                            td { (status_label(l, &c.status)) }
                            td.n { (c.amount.map(|a| Rupiah(a).to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
            (pager(l, &base, page_no, more))
        }
        h3 { (l.both("Santunan dibayar", "benefits paid")) }
        @if totals.is_empty() {
            p { (l.both("Belum ada pembayaran.", "nothing paid yet")) }
        } @else {
            p { (number(paid_count)) " " (l.t("klaim", "claims")) ", " (paid_sum) }
            table {
                thead { tr { th { (l.both("Bulan", "month")) } th { (l.both("Desa", "village")) } th.n { (l.both("Klaim", "claims")) } th.n { "Rp" } } }
                tbody {
                    @for (month, village, n, sum) in &totals {
                        tr { td { (month) } td { a href={ "/wilayah/" (village) } { (village) } } td.n { (n) } td.n { (sum) } }
                    }
                }
            }
        }
    };
    Ok(respond(
        &Frame::of(&auth, state.demo),
        l.t("Klaim", "Claims"),
        body,
    ))
}

/// What the detail page shows: the claim, its heirs and the benefit as it stands (or why none).
struct ClaimView {
    row: ClaimRow,
    heirs: Vec<Heir>,
    benefit: Result<Benefit, String>,
}

async fn load(auth: &Auth, id: i64) -> Result<ClaimView, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    blocking(move || {
        let (row, heirs) = claims::get(&db, &who, id)?;
        // A verified or paid claim keeps the benefit computed then; earlier, compute it now.
        let stored: Option<Benefit> = row
            .benefit
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        let benefit = match stored {
            Some(b) => Ok(b),
            None => claims::assess(&db, &row)
                .map(|(b, _)| b)
                .map_err(|e| e.to_string()),
        };
        Ok(ClaimView {
            row,
            heirs,
            benefit,
        })
    })
    .await
}

/// `GET /klaim/{id}`
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let view = load(&auth, id).await?;
    Ok(detail_page(&state, &auth, &view, None))
}

fn detail_page(
    state: &AppState,
    auth: &Auth,
    v: &ClaimView,
    message: Option<(bool, String)>,
) -> Response {
    let frame = Frame::of(auth, state.demo);
    let l = auth.lang;
    let g = auth.who.grant;
    let c = &v.row;
    let village = RegionCode::parse(&c.village_code).ok();
    let may = |a: Action| village.is_some_and(|v| g.allows(a, v));
    let case = ClaimCase::from_code(&c.case);
    let have: Vec<String> = c
        .documents
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let children: Vec<Option<SchoolLevel>> = c
        .children
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let editable = c.status == "candidate" && may(Action::ReportClaims);
    let processing = may(Action::ProcessClaims);
    let today = jaring_domain::today().to_string();
    let dates = [
        (l.t("diajukan", "submitted"), c.submitted_on),
        (l.t("diverifikasi", "verified"), c.verified_on),
        (l.t("dibayar", "paid"), c.paid_on),
        (l.t("ditolak", "rejected"), c.rejected_on),
    ];
    let body = html! {
        p { a href="/klaim" { "← " (l.t("Semua klaim", "all claims")) } }
        (notice(message.as_ref().map(|(ok, m)| (*ok, m.as_str()))))
        h2 { "#" (c.id) " " (c.person_name) }
        table {
            tbody {
                tr { th { (l.both("Kasus", "case")) } td { (case_label(&c.case)) } }
                tr { th { (l.both("Tanggal kejadian", "event date")) } td { (c.event_date.map(|d| d.to_string()).unwrap_or_default()) } }
                tr { th { (l.both("Status", "status")) } td { strong { (status_label(l, &c.status)) } } }
                @for (label, date) in dates {
                    @if let Some(d) = date { tr { th { (label) } td { (d) } } }
                }
                @if let Some(r) = &c.reason { tr { th { (l.both("Alasan", "reason")) } td { (r) } } }
                tr { th { (l.both("Penduduk", "resident")) } td { a href={ "/penduduk/" (c.person_id) } { (c.person_name) } " · " (c.village_code) } }
                @if let Some(w) = c.wage { tr { th { (l.both("Upah dilaporkan", "reported wage")) } td { (Rupiah(w)) } } }
                @if let Some(d) = c.days_off { tr { th { (l.both("Hari tidak bekerja", "days off work")) } td { (d) } } }
                @if let Some(m) = c.contribution_months { tr { th { (l.both("Bulan iuran", "contribution months")) } td { (m) } } }
            }
        }
        h3 { (l.both("Santunan", "benefit")) }
        @match &v.benefit {
            Ok(b) => {
                @if c.amount.is_none() {
                    p.en { (l.t("Perkiraan menurut tabel manfaat saat ini; ditetapkan saat verifikasi.",
                        "Estimate by the current benefit table; fixed when verified.")) }
                }
                table {
                    tbody {
                        @for line in &b.lines {
                            tr { td { (line.label) br; span.en { (line.basis) } } td.n { (line.amount) } }
                        }
                        tr { th { (l.both("Jumlah", "total")) } th.n { (b.total()) } }
                    }
                }
            }
            Err(why) => { p.err { (why) } }
        }
        h3 { (l.both("Dokumen", "documents")) }
        @if let Some(case) = case {
            @if editable {
                form method="post" action={ "/klaim/" (c.id) "/data" } {
                    (csrf_field(&frame))
                    @for (code, label) in case.documents() {
                        label { input type="checkbox" name="dokumen" value=(code) checked[have.iter().any(|h| h == code)]; " " (label) }
                    }
                    @if case == ClaimCase::TemporaryIncapacity || case == ClaimCase::WorkDeath {
                        label for="upah" { (l.both("Upah/penghasilan sebulan (Rp)", "monthly wage")) }
                        input #upah name="upah" inputmode="numeric" value=(c.wage.map(|w| w.to_string()).unwrap_or_default());
                    }
                    @if case == ClaimCase::TemporaryIncapacity {
                        label for="hari" { (l.both("Hari tidak mampu bekerja", "days unable to work")) }
                        input #hari name="hari" inputmode="numeric" value=(c.days_off.map(|d| d.to_string()).unwrap_or_default());
                    }
                    @if case.has_heirs() {
                        p.en { (l.t("Anak untuk beasiswa (paling banyak dua, urut surat ahli waris)", "children for the scholarship (two at most)")) }
                        div.pair {
                            @for i in 0..2 {
                                @let current = children.get(i).copied().flatten();
                                select name="anak" aria-label={ (l.t("Anak", "Child")) " " (i + 1) } {
                                    option value="" selected[children.len() <= i] { (l.t("— tidak ada —", "— none —")) }
                                    option value="-" selected[children.len() > i && current.is_none()] { (l.t("belum sekolah", "not in school")) }
                                    @for level in SchoolLevel::ALL {
                                        option value=(level.as_code()) selected[current == Some(*level)] { (level.label_id()) }
                                    }
                                }
                            }
                        }
                        h4 { (l.both("Tambah ahli waris", "add an heir")) }
                        div.row {
                            div { label for="waris" { (l.t("Nama", "Name")) } input #waris name="waris_nama"; }
                            div { label for="waris_nik" { "NIK" } input #waris_nik name="waris_nik" inputmode="numeric" maxlength="16"; }
                            div { label for="waris_hub" { (l.t("Hubungan", "Relationship")) }
                                select #waris_hub name="waris_hubungan" {
                                    @for r in ["spouse", "child", "parent", "other"] { option value=(r) { (relationship_label(l, r)) } }
                                } }
                        }
                    }
                    p { button type="submit" { (l.t("Simpan", "Save")) } }
                }
            } @else {
                ul {
                    @for (code, label) in case.documents() {
                        li { (if have.iter().any(|h| h == code) { "✓ " } else { "✗ " }) (label) }
                    }
                }
            }
        }
        @if case.is_some_and(|k| k.has_heirs()) {
            h3 { (l.both("Ahli waris", "heirs")) }
            p { a href={ "/klaim/" (c.id) "/surat-ahli-waris.pdf" } { (l.t("Cetak surat keterangan ahli waris (PDF)", "Print the heirs' statement (PDF)")) } }
            @if v.heirs.is_empty() {
                p { (l.both("Belum dicatat.", "none recorded")) }
            } @else {
                table {
                    tbody {
                        @for h in &v.heirs {
                            tr { td { (h.name) } td { (relationship_label(l, &h.relationship)) } td { (h.nik.as_deref().map(|n| g.show_nik(n)).unwrap_or_default()) } }
                        }
                    }
                }
            }
        }
        @if editable {
            form method="post" action={ "/klaim/" (c.id) "/ajukan" } {
                (csrf_field(&frame))
                input type="hidden" name="tanggal" value=(today);
                button type="submit" { (l.t("Ajukan ke BPJS", "Submit to BPJS")) }
            }
        }
        @if processing && c.status == "submitted" {
            form method="post" action={ "/klaim/" (c.id) "/verifikasi" } {
                (csrf_field(&frame))
                input type="hidden" name="tanggal" value=(today);
                button type="submit" { (l.t("Verifikasi", "Verify")) }
            }
        }
        @if processing && c.status == "verified" {
            form method="post" action={ "/klaim/" (c.id) "/bayar" } {
                (csrf_field(&frame))
                label for="tgl_bayar" { (l.both("Tanggal bayar", "paid on")) }
                input #tgl_bayar type="date" name="tanggal" value=(today) required;
                button type="submit" { (l.t("Catat pembayaran", "Record payment")) }
            }
        }
        @if processing && !matches!(c.status.as_str(), "paid" | "rejected") {
            form method="post" action={ "/klaim/" (c.id) "/tolak" } {
                (csrf_field(&frame))
                label for="alasan" { (l.both("Alasan penolakan", "reason")) }
                input #alasan name="alasan" required;
                button.no type="submit" { (l.t("Tolak", "Reject")) }
            }
        }
    };
    respond(
        &frame,
        &format!("{} #{}", l.t("Klaim", "Claim"), c.id),
        body,
    )
}

/// Reads a form with repeated keys (checkboxes) as pairs.
fn values<'a>(form: &'a [(String, String)], key: &str) -> impl Iterator<Item = &'a str> {
    let key = key.to_string();
    form.iter()
        .filter(move |(k, _)| *k == key)
        .map(|(_, v)| v.trim())
}

fn first<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    values(form, key).next().filter(|v| !v.is_empty())
}

fn csrf_of(form: &[(String, String)]) -> &str {
    first(form, "csrf").unwrap_or_default()
}

fn whole_number<T: std::str::FromStr>(
    raw: Option<&str>,
    what: &str,
) -> Result<Option<T>, AppError> {
    raw.map(|v| {
        v.replace(['.', ' '], "").parse::<T>().map_err(|_| {
            AppError::Input(format!(
                "{what}: '{v}' bukan bilangan bulat / not a whole number"
            ))
        })
    })
    .transpose()
}

/// The details form as the app wants them.
fn details_of(form: &[(String, String)]) -> Result<ClaimDetails, AppError> {
    let mut heirs = Vec::new();
    if let Some(name) = first(form, "waris_nama") {
        heirs.push(Heir {
            name: name.to_string(),
            nik: first(form, "waris_nik").map(str::to_string),
            relationship: first(form, "waris_hubungan").unwrap_or("other").to_string(),
        });
    }
    let chosen: Vec<&str> = values(form, "anak").collect();
    let children = if chosen.is_empty() {
        None
    } else {
        Some(
            chosen
                .iter()
                .filter(|c| !c.is_empty())
                .map(|c| {
                    if *c == "-" {
                        Ok(None)
                    } else {
                        SchoolLevel::from_code(c).map(Some).ok_or_else(|| {
                            AppError::Input(format!(
                                "jenjang '{c}' tidak dikenal / unknown school level"
                            ))
                        })
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    Ok(ClaimDetails {
        heirs,
        documents: values(form, "dokumen").map(str::to_string).collect(),
        children,
        wage: whole_number::<i64>(first(form, "upah"), "upah / wage")?.map(Rupiah),
        days_off: whole_number::<u32>(first(form, "hari"), "hari / days")?,
    })
}

/// One step of the workflow from a form.
enum Step {
    Details,
    Submit,
    Verify,
    Pay,
    Reject,
}

async fn act(
    state: AppState,
    auth: Auth,
    id: i64,
    form: Vec<(String, String)>,
    step: Step,
) -> Result<Response, WebError> {
    auth.check_csrf(csrf_of(&form))?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let result = blocking(move || {
        let on = match first(&form, "tanggal") {
            Some(d) => d.parse().map_err(|_| {
                AppError::Input(format!(
                    "tanggal '{d}' tidak terbaca (TTTT-BB-HH) / unreadable date"
                ))
            })?,
            None => jaring_domain::today(),
        };
        match step {
            Step::Details => claims::update_details(&db, &who, id, &details_of(&form)?),
            Step::Submit => claims::submit(&db, &who, id, on),
            Step::Verify => claims::verify(&db, &who, id, on),
            Step::Pay => claims::pay(&db, &who, id, on),
            Step::Reject => claims::reject(
                &db,
                &who,
                id,
                on,
                first(&form, "alasan").unwrap_or_default(),
            ),
        }
    })
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/klaim/{id}")).into_response()),
        // A missing document, a wrong state, an ineligible claim: the claim again, with the reason.
        Err(WebError(e)) if matches!(crate::status_of(&e).as_u16(), 409 | 422) => {
            let view = load(&auth, id).await?;
            let mut response = detail_page(&state, &auth, &view, Some((false, e.to_string())));
            *response.status_mut() = crate::status_of(&e);
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

/// `POST /klaim/{id}/data`: documents, heirs, children, wage, days.
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    act(state, auth, id, form, Step::Details).await
}

/// `POST /klaim/{id}/ajukan`
pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    act(state, auth, id, form, Step::Submit).await
}

/// `POST /klaim/{id}/verifikasi`
pub(crate) async fn verify(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    act(state, auth, id, form, Step::Verify).await
}

/// `POST /klaim/{id}/bayar`
pub(crate) async fn pay(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    act(state, auth, id, form, Step::Pay).await
}

/// `POST /klaim/{id}/tolak`
pub(crate) async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    act(state, auth, id, form, Step::Reject).await
}

fn open_form(
    state: &AppState,
    auth: &Auth,
    person: &jaring_store::residents::PersonSummary,
    message: Option<String>,
) -> Markup {
    let frame = Frame::of(auth, state.demo);
    let l = auth.lang;
    html! {
        p { a href={ "/penduduk/" (person.id) } { "← " (person.name) } }
        (notice(message.as_deref().map(|m| (false, m))))
        form method="post" action={ "/penduduk/" (person.id) "/klaim" } {
            (csrf_field(&frame))
            label for="kasus" { (l.both("Kasus", "case")) }
            select #kasus name="kasus" {
                @for case in ClaimCase::ALL {
                    option value=(case.as_code()) { (case.label_id()) }
                }
            }
            label for="tanggal" { (l.both("Tanggal kejadian", "event date")) }
            input #tanggal type="date" name="tanggal" required;
            label for="upah" { (l.both("Upah/penghasilan sebulan (Rp, untuk JKK)", "monthly wage, for JKK")) }
            input #upah name="upah" inputmode="numeric";
            label for="hari" { (l.both("Hari tidak mampu bekerja (STMB)", "days unable to work")) }
            input #hari name="hari" inputmode="numeric";
            p { button type="submit" { (l.t("Buka klaim", "Open claim")) } }
        }
    }
}

async fn person_for_claim(
    auth: &Auth,
    id: i64,
) -> Result<jaring_store::residents::PersonSummary, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let person = blocking(move || Ok(jaring_app::residents::person(&db, &who, id)?.person)).await?;
    let village = RegionCode::parse(&person.village_code)
        .map_err(|e| WebError(AppError::Input(e.to_string())))?;
    auth.who.require(Action::ReportClaims, village)?;
    Ok(person)
}

/// `GET /penduduk/{id}/klaim`: the form to open a claim by hand.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let person = person_for_claim(&auth, id).await?;
    let l = auth.lang;
    Ok(respond(
        &Frame::of(&auth, state.demo),
        l.t("Buka klaim", "Open a claim"),
        open_form(&state, &auth, &person, None),
    ))
}

/// `POST /penduduk/{id}/klaim`
pub(crate) async fn open(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    auth.check_csrf(csrf_of(&form))?;
    let person = person_for_claim(&auth, id).await?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let result = blocking(move || {
        let case = first(&form, "kasus")
            .and_then(ClaimCase::from_code)
            .ok_or_else(|| AppError::Input("pilih kasus / choose a case".into()))?;
        let event = first(&form, "tanggal")
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| {
                AppError::Input("tanggal kejadian wajib (TTTT-BB-HH) / event date required".into())
            })?;
        let wage = whole_number::<i64>(first(&form, "upah"), "upah / wage")?.map(Rupiah);
        let days = whole_number::<u32>(first(&form, "hari"), "hari / days")?;
        claims::open(&db, &who, id, case, event, wage, days)
    })
    .await;
    match result {
        Ok(claim) => Ok(Redirect::to(&format!("/klaim/{claim}")).into_response()),
        Err(WebError(e)) if crate::status_of(&e).as_u16() == 422 => {
            let l = auth.lang;
            let mut response = respond(
                &Frame::of(&auth, state.demo),
                l.t("Buka klaim", "Open a claim"),
                open_form(&state, &auth, &person, Some(e.to_string())),
            );
            *response.status_mut() = crate::status_of(&e);
            Ok(response)
        }
        Err(e) => Err(e),
    }
}
