//! The review queue: proposals of the user's region, one proposal with its evidence beside the
//! registry's values, and approving or rejecting it.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::review;
use jaring_domain::access::{mask_numbers_in, Action};
use jaring_store::review::ProposalFilter;
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{csrf_field, notice, page_number, pager, q as enc, respond, Frame, Lang};
use crate::{blocking, AppState, WebError};

const PER_PAGE: i64 = 30;

/// Query of the queue.
#[derive(Deserialize, Default)]
pub(crate) struct QueueQuery {
    status: Option<String>,
    jenis: Option<String>,
    /// Band: `auto`, `review`, `manual`.
    pita: Option<String>,
    /// Hamlet (`Dusun 2`), for a village's queue.
    dusun: Option<String>,
    halaman: Option<i64>,
    /// How many a bulk approval just applied, and how many it left.
    disetujui: Option<usize>,
    gagal: Option<usize>,
}

/// A proposal kind in the reader's language.
fn kind_label(l: Lang, code: &str) -> String {
    match jaring_domain::review::ProposalKind::from_code(code) {
        Some(k) => l
            .t(k.label_id(), &k.as_code().replace('_', " "))
            .to_string(),
        None => code.to_string(),
    }
}

/// A band in the reader's language.
fn band_label(l: Lang, code: &str) -> &'static str {
    match code {
        "auto" => l.t("otomatis", "auto"),
        "review" => l.t("perlu diperiksa", "to review"),
        "manual" => l.t("manual", "manual"),
        _ => "?",
    }
}

/// Pending proposals by kind and band with totals; every number opens the queue filtered to it.
fn counts_table(
    l: Lang,
    counts: &std::collections::BTreeMap<String, review::queue::KindCounts>,
) -> Markup {
    let cell = |kind: &str, band: &str, n: i64| {
        html! { td.n { @if n > 0 { a href={ "/tinjau?jenis=" (enc(kind)) "&pita=" (band) } { (n) } } @else { "0" } } }
    };
    let sum = |f: fn(&review::queue::KindCounts) -> i64| counts.values().map(f).sum::<i64>();
    html! {
        table.counts {
            thead { tr {
                th { (l.both("Menunggu", "pending")) }
                th.n { (band_label(l, "auto")) }
                th.n { (band_label(l, "review")) }
                th.n.opt { (band_label(l, "manual")) }
                th.n { (l.t("jumlah", "total")) }
            } }
            tbody {
                @for (kind, c) in counts {
                    tr {
                        td { (kind_label(l, kind)) }
                        (cell(kind, "auto", c.auto))
                        (cell(kind, "review", c.review))
                        td.n.opt { (c.manual) }
                        td.n { a href={ "/tinjau?jenis=" (enc(kind)) } { (c.total()) } }
                    }
                }
                tr {
                    th { (l.t("Jumlah", "Total")) }
                    th.n { (sum(|c| c.auto)) }
                    th.n { (sum(|c| c.review)) }
                    th.n.opt { (sum(|c| c.manual)) }
                    th.n { (sum(review::queue::KindCounts::total)) }
                }
            }
        }
    }
}

fn status_label(l: Lang, code: &str) -> &'static str {
    match code {
        "pending" => l.t("menunggu", "pending"),
        "applied" => l.t("diterapkan", "applied"),
        "rejected" => l.t("ditolak", "rejected"),
        "reverted" => l.t("dibatalkan", "reverted"),
        _ => "?",
    }
}

/// `GET /tinjau`
pub(crate) async fn queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(qq): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let status = qq.status.clone().unwrap_or_else(|| "pending".into());
    let page_no = page_number(qq.halaman);
    let band = qq
        .pita
        .clone()
        .filter(|b| ["auto", "review", "manual"].contains(&b.as_str()));
    let filter = ProposalFilter {
        status: (status != "all").then(|| status.clone()),
        band: band.clone(),
        kinds: qq.jenis.iter().filter(|k| !k.is_empty()).cloned().collect(),
        hamlet: qq.dusun.clone().filter(|d| !d.trim().is_empty()),
        limit: PER_PAGE + 1,
        offset: (page_no - 1) * PER_PAGE,
        ..Default::default()
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let (mut rows, counts, hamlets) = blocking(move || {
        Ok((
            review::queue::items(&db, &who, &filter)?,
            review::queue::pending_counts(&db, &who)?,
            review::queue::hamlets(&db, &who)?,
        ))
    })
    .await?;
    let hamlet = qq.dusun.clone().unwrap_or_default();
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let l = auth.lang;
    let masked = !auth.who.grant.role.sees_full_nik();
    let kind = qq.jenis.clone().unwrap_or_default();
    let band = band.unwrap_or_default();
    let auto_pending: i64 = counts
        .iter()
        .filter(|(k, _)| kind.is_empty() || **k == kind)
        .map(|(_, c)| c.auto)
        .sum();
    let may_bulk = auth.who.grant.role.may(Action::DecideProposals);
    let now = chrono::Utc::now();
    let bulk_message = qq.disetujui.map(|n| {
        format!(
            "{n} {}{}",
            l.t("usulan otomatis disetujui", "auto-band proposals approved"),
            qq.gagal
                .filter(|f| *f > 0)
                .map(|f| format!(
                    "; {f} {}",
                    l.t(
                        "tidak dapat diterapkan dan tetap menunggu",
                        "could not be applied and stay pending"
                    )
                ))
                .unwrap_or_default()
        )
    });
    let frame = Frame::of(&auth, state.demo);
    let body = html! {
        (notice(bulk_message.as_deref().map(|m| (true, m))))
        @if !counts.is_empty() { (counts_table(l, &counts)) }
        @if may_bulk && band == "auto" && status == "pending" && auto_pending > 0 {
            form method="post" action="/tinjau/setujui-otomatis" {
                (csrf_field(&frame))
                input type="hidden" name="jenis" value=(kind);
                p { button type="submit" {
                    (l.t("Setujui semua", "Approve all")) " " (auto_pending) " " (l.t("usulan otomatis", "auto-band proposals"))
                    @if !kind.is_empty() { " · " (kind_label(l, &kind)) }
                } }
            }
        }
        form method="get" action="/tinjau" {
            div.row {
                select name="status" aria-label="status" {
                    @for s in ["pending", "applied", "rejected", "reverted", "all"] {
                        option value=(s) selected[s == status] { (if s == "all" { l.t("semua", "all") } else { status_label(l, s) }) }
                    }
                }
                select name="jenis" aria-label=(l.t("jenis", "kind")) {
                    option value="" { (l.t("semua jenis", "all kinds")) }
                    @for k in jaring_domain::review::ProposalKind::ALL {
                        option value=(k.as_code()) selected[k.as_code() == kind] { (kind_label(l, k.as_code())) }
                    }
                }
                select name="pita" aria-label=(l.t("pita", "band")) {
                    option value="" { (l.t("semua pita", "all bands")) }
                    @for b in ["auto", "review", "manual"] {
                        option value=(b) selected[b == band] { (band_label(l, b)) }
                    }
                }
                @if !hamlets.is_empty() {
                    select name="dusun" aria-label=(l.t("dusun", "hamlet")) {
                        option value="" { (l.t("semua dusun", "all hamlets")) }
                        @for h in &hamlets {
                            option value=(h) selected[*h == hamlet] { (h) }
                        }
                    }
                }
                button type="submit" { (l.t("Tampilkan", "Show")) }
            }
        }
        @if rows.is_empty() {
            p { (l.both("Tidak ada usulan.", "no proposals")) }
        } @else {
            table {
                thead { tr { th { "#" } th { (l.both("Usulan", "proposal")) } th.opt { (l.both("Jenis", "kind")) } th { (l.both("Status", "status")) } } }
                tbody {
                    @for item in &rows {
                        @let r = &item.row;
                        tr {
                            td { a href={ "/tinjau/" (r.id) } { (r.id) } }
                            td {
                                @if let Some(name) = &item.person { b { (name) } " · " }
                                a href={ "/tinjau/" (r.id) } { (if masked { mask_numbers_in(&r.summary) } else { r.summary.clone() }) }
                                @if let Some(v) = &r.village_code { br; span.en { (l.t("desa ", "village ")) (v)
                                    @if let Some(to) = &r.village_to { " → " (to) }
                                    @if let Some(at) = r.created_at.filter(|_| r.status == "pending") { " · " ((now - at).num_days()) " " (l.t("hari", "days")) } } }
                            }
                            td.opt { (kind_label(l, &r.kind)) " " span.en { (band_label(l, &r.band)) } }
                            td { (status_label(l, &r.status)) }
                        }
                    }
                }
            }
        }
        (pager(l, &format!("/tinjau?status={}&jenis={}&pita={}&dusun={}", enc(&status), enc(&kind), enc(&band), enc(&hamlet)), page_no, more))
    };
    Ok(respond(&frame, l.t("Tinjauan", "Review"), body))
}

/// The bulk approval form.
#[derive(Deserialize)]
pub(crate) struct BulkForm {
    csrf: String,
    jenis: Option<String>,
}

/// `POST /tinjau/setujui-otomatis`: approves every pending proposal of the auto band in the reader's
/// region (of one kind, if given), each on its own, and returns to the queue saying how many.
pub(crate) async fn approve_auto(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<BulkForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    let kind = f.jenis.clone().unwrap_or_default();
    let filter = ProposalFilter {
        band: Some("auto".into()),
        kinds: Some(kind.clone())
            .filter(|k| !k.is_empty())
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let result = blocking(move || {
        let ctx = review::Context::load(&mut db.conn()?, jaring_domain::today())?;
        review::approve_all(&db, &who, &filter, &ctx)
    })
    .await?;
    if result.applied > 0 {
        state.refresh_coverage();
    }
    Ok(Redirect::to(&format!(
        "/tinjau?pita=auto&jenis={}&disetujui={}&gagal={}",
        enc(&kind),
        result.applied,
        result.failed.len()
    ))
    .into_response())
}

/// A match level (linkage names them in English) in the reader's language.
fn level_label(l: Lang, level: &str) -> String {
    if level.is_empty() {
        return l.t("tidak ada nilai", "missing").to_string();
    }
    let id = match level {
        "exact" => "sama persis",
        "one digit different" => "beda satu angka",
        "two digits swapped" => "dua angka tertukar",
        "damaged prefix agrees" => "awalan rusak, sisanya sama",
        "different" => "berbeda",
        "same sound" => "bunyi sama",
        "similar" => "mirip",
        "partly similar" => "sebagian mirip",
        "day and month swapped" => "hari dan bulan tertukar",
        "year off by one" => "tahun selisih satu",
        "within a month" => "selisih kurang dari sebulan",
        "same" => "sama",
        "same village" => "desa sama",
        "same kecamatan" => "kecamatan sama",
        "same regency" => "kabupaten sama",
        other => other,
    };
    l.t(id, level).to_string()
}

/// A compared field in the reader's language.
fn field_label(l: Lang, field: &str) -> String {
    let (id, en) = match field {
        "nik" => ("NIK", "NIK"),
        "name" => ("Nama", "name"),
        "birth_date" => ("Tanggal lahir", "birth date"),
        "sex" => ("Jenis kelamin", "sex"),
        "region" => ("Wilayah", "region"),
        "no_kk" => ("No. KK", "family card"),
        "birth_place" => ("Tempat lahir", "birth place"),
        other => (other, other),
    };
    l.t(id, en).to_string()
}

/// A value of the evidence JSON as text.
fn text(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The source record beside the registry's values, and the field-by-field match weights.
fn evidence_view(l: Lang, evidence: &serde_json::Value, show: &dyn Fn(&str) -> String) -> Markup {
    let record = evidence.get("record");
    let registry = evidence.get("registry");
    let fields = [
        ("nik", "NIK", "NIK"),
        ("name", "Nama", "name"),
        ("sex", "Jenis kelamin", "sex"),
        ("birth_date", "Tanggal lahir", "birth date"),
        ("village_code", "Desa", "village"),
        ("no_kk", "No. KK", "family card"),
        ("birth_place", "Tempat lahir", "birth place"),
    ];
    let reasons = evidence
        .get("reasons")
        .and_then(|e| e.as_array())
        .cloned()
        .unwrap_or_default();
    let explanation = evidence
        .get("explanation")
        .and_then(|e| e.as_array())
        .cloned()
        .unwrap_or_default();
    html! {
        @if record.is_some() {
            h3 { (l.both("Bukti", "evidence")) }
            p.en { (text(evidence.get("source"))) " · " (text(evidence.get("file"))) " " (l.t("baris", "line")) " " (text(evidence.get("line")))
                @if let Some(p) = evidence.get("probability").and_then(|p| p.as_f64()) {
                    " · " (l.t("peluang cocok", "match probability")) " " (format!("{:.3}", p))
                } }
            @if !reasons.is_empty() {
                ul.reasons {
                    @for r in &reasons {
                        li { strong { (l.t(&text(r.get("id")), &text(r.get("en")))) } }
                    }
                }
            }
            table.evidence {
                thead { tr { th {} th { (l.both("Daftar sumber", "source list")) } th { (l.both("Registri", "registry")) } } }
                tbody {
                    @for (key, id, en) in fields {
                        @let a = text(record.and_then(|r| r.get(key)));
                        @let b = text(registry.and_then(|r| r.get(key)));
                        @let (a, b) = if key == "nik" { (show(&a), show(&b)) } else { (a, b) };
                        tr {
                            th { (l.both(id, en)) }
                            td { (a) }
                            td { @if !b.is_empty() && a != b { mark { (b) } } @else { (b) } }
                        }
                    }
                    @if let Some(ev) = record.and_then(|r| r.get("event_date")).filter(|v| !v.is_null()) {
                        tr { th { (l.both("Tanggal kejadian", "event date")) } td { (text(Some(ev))) } td {} }
                    }
                }
            }
            @if !explanation.is_empty() {
                h3 { (l.both("Penjelasan kecocokan", "why they match")) }
                table {
                    thead { tr { th { (l.both("Kolom", "field")) } th { (l.both("Tingkat", "level")) } th.n { (l.both("Bobot", "weight")) } } }
                    tbody {
                        @for c in &explanation {
                            tr {
                                td { (field_label(l, &text(c.get("field")))) }
                                td { (level_label(l, &text(c.get("level")))) }
                                td.n { (text(c.get("weight"))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Query of a proposal's page: the proposal decided just before, when the reviewer was sent on here.
#[derive(Deserialize, Default)]
pub(crate) struct DetailQuery {
    diputuskan: Option<i64>,
    /// What became of a report just sent (`diterapkan`, `konfirmasi`, `desa-lain`, `tinjau`, `ulang`).
    laporan: Option<String>,
}

/// `GET /tinjau/{id}`
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(dq): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let reported = dq.laporan.clone();
    let (row, decided) = blocking(move || {
        let row = review::show(&db, &who, id)?;
        // The previous proposal's outcome, if it is the reader's to see.
        let decided = dq.diputuskan.and_then(|d| review::show(&db, &who, d).ok());
        Ok((row, decided))
    })
    .await?;
    let l = auth.lang;
    if let Some(m) = reported
        .as_deref()
        .and_then(|c| crate::pages::reports::outcome_message(l, c))
    {
        return Ok(detail_page(&state, &auth, &row, Some((true, m))).await);
    }
    let message = decided.map(|d| {
        (
            true,
            format!(
                "{} #{} {}. {}",
                l.t("Usulan", "Proposal"),
                d.id,
                status_label(l, &d.status),
                l.t("Berikutnya:", "Next:")
            ),
        )
    });
    Ok(detail_page(&state, &auth, &row, message).await)
}

/// What a village wrote with its report, as the reviewer reads it.
fn report_view(l: Lang, evidence: &serde_json::Value) -> Markup {
    let fields = [
        ("place", "Tempat", "place"),
        ("document", "Dokumen", "document"),
        ("document_number", "Nomor dokumen", "document number"),
        ("destination", "Tujuan", "destination"),
        ("origin", "Asal", "origin"),
        ("decree", "Nomor SK", "decree"),
        ("objector", "Yang berkeberatan", "objector"),
        ("reason", "Alasan", "reason"),
        ("actor", "Dilaporkan oleh", "reported by"),
    ];
    let source = text(evidence.get("source"));
    html! {
        @if source == jaring_app::events::REPORT_SOURCE || source == jaring_app::events::OBJECTION_SOURCE {
            h3 { (l.both("Laporan desa", "village report")) }
            table.evidence { tbody {
                @for (key, id, en) in fields {
                    @let v = text(evidence.get(key));
                    @if !v.is_empty() { tr { th { (l.both(id, en)) } td { (v) } } }
                }
            } }
        }
    }
}

async fn detail_page(
    state: &AppState,
    auth: &Auth,
    row: &jaring_store::review::ProposalRow,
    message: Option<(bool, String)>,
) -> Response {
    let db = auth.db.clone();
    let checked = row.clone();
    let id = row.id;
    let (check, has_photo) = blocking(move || {
        Ok((
            review::death_check(&db, &checked)?,
            jaring_app::events::has_photo(&db, id)?,
        ))
    })
    .await
    .unwrap_or((None, false));
    detail_markup(state, auth, row, message, check, has_photo)
}

fn detail_markup(
    state: &AppState,
    auth: &Auth,
    row: &jaring_store::review::ProposalRow,
    message: Option<(bool, String)>,
    check: Option<review::DeathCheck>,
    has_photo: bool,
) -> Response {
    let frame = Frame::of(auth, state.demo);
    let l = auth.lang;
    let g = auth.who.grant;
    let show = |n: &str| {
        if n.len() == 16 {
            g.show_nik(n)
        } else {
            n.to_string()
        }
    };
    let evidence: serde_json::Value =
        serde_json::from_str(&row.evidence).unwrap_or(serde_json::Value::Null);
    let changes: serde_json::Value =
        serde_json::from_str(&row.changes).unwrap_or(serde_json::Value::Null);
    let second = check == Some(review::DeathCheck::SecondPerson);
    let may_decide = if second {
        g.role.may(Action::ConfirmReportedDeaths) && row.created_by != auth.who.username
    } else {
        g.role.may(Action::DecideProposals)
    };
    // A village may withdraw the death it reported, though someone else confirms it.
    let may_reject = may_decide
        || (second
            && (g.role.may(Action::DecideProposals) || g.role.may(Action::ConfirmReportedDeaths)));
    let may_object = row.status == "applied"
        && row
            .village_code
            .as_deref()
            .and_then(|v| jaring_domain::RegionCode::parse(v).ok())
            .is_some_and(|v| g.allows(Action::EditResidents, v));
    let age = row
        .created_at
        .filter(|_| row.status == "pending")
        .map(|at| (chrono::Utc::now() - at).num_days());
    let masked = !g.role.sees_full_nik();
    let summary = if masked {
        mask_numbers_in(&row.summary)
    } else {
        row.summary.clone()
    };
    let body = html! {
        p { a href="/tinjau" { "← " (l.t("Antrean tinjauan", "review queue")) } }
        (notice(message.as_ref().map(|(ok, m)| (*ok, m.as_str()))))
        h2 { "#" (row.id) " " (summary) }
        p { (kind_label(l, &row.kind)) " · " (status_label(l, &row.status)) " · " span.en { (band_label(l, &row.band)) }
            @if let Some(p) = row.person_id { " · " a href={ "/penduduk/" (p) } { (l.t("lihat penduduk", "see resident")) } } }
        @if let Some(by) = &row.decided_by {
            p.en { (l.t("diputuskan oleh", "decided by")) " " (by)
                @if let Some(at) = row.decided_at { " · " (at.format("%Y-%m-%d %H:%M")) }
                @if let Some(r) = &row.reason { " · " (r) } }
        }
        @if let Some(days) = age { p.en { (l.t("menunggu sejak", "waiting for")) " " (days) " " (l.t("hari", "days")) } }
        @match &check {
            Some(review::DeathCheck::SecondPerson) if row.status == "pending" => {
                p.err { (l.both("Kematian ini dilaporkan desa tanpa data Dukcapil: dikonfirmasi oleh orang kedua dari kecamatan atau kabupaten.",
                    "reported by the village without a civil-registry record: a second person of the district or regency confirms it")) }
            }
            Some(review::DeathCheck::Registry { file_name, .. }) => {
                p.ok { (l.t("Dukcapil mencatat kematian ini", "The civil registry lists this death")) ": " (file_name) }
            }
            _ => {}
        }
        (report_view(l, &evidence))
        @if has_photo { p { a href={ "/tinjau/" (row.id) "/foto" } { (l.t("Lihat foto dokumen", "See the photo of the document")) } } }
        (evidence_view(l, &evidence, &show))
        h3 { (l.both("Perubahan", "changes")) }
        table {
            tbody {
                @for c in changes.as_array().cloned().unwrap_or_default() {
                    @let field = text(c.get("field"));
                    tr {
                        td { (text(c.get("entity"))) " " (field) }
                        td { (if masked { mask_numbers_in(&text(c.get("before"))) } else { text(c.get("before")) }) }
                        @let after = text(c.get("after"));
                        @let after = if jaring_domain::review::parse_new_row_ref(&after).is_some() { l.t("(baru)", "(new)").to_string() } else { after };
                        td { "→ " (if masked { mask_numbers_in(&after) } else { after }) }
                    }
                }
            }
        }
        @if may_object {
            p { a href={ "/tinjau/" (row.id) "/keberatan" } { (l.t("Ajukan keberatan atas keputusan ini", "Lodge an objection to this decision")) } }
        }
        @if row.status == "pending" && may_reject {
            div.pair {
                @if may_decide {
                    form method="post" action={ "/tinjau/" (row.id) "/setujui" } {
                        (csrf_field(&frame))
                        input type="hidden" name="version" value=(row.row_version);
                        button type="submit" { (l.t("Setujui", "Approve")) }
                    }
                }
                form method="post" action={ "/tinjau/" (row.id) "/tolak" } {
                    (csrf_field(&frame))
                    input type="hidden" name="version" value=(row.row_version);
                    label for="reason" { (l.both("Alasan penolakan", "reason")) }
                    input #reason name="reason" required;
                    button.no type="submit" { (l.t("Tolak", "Reject")) }
                }
            }
        }
    };
    respond(&frame, &format!("#{}", row.id), body)
}

/// A decision form.
#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    csrf: String,
    version: Option<i64>,
    reason: Option<String>,
}

async fn decide(
    state: AppState,
    auth: Auth,
    id: i64,
    f: DecisionForm,
    approve: bool,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let reason = f.reason.clone().unwrap_or_default();
    let result = blocking(move || {
        if approve {
            let ctx = review::Context::load(&mut db.conn()?, jaring_domain::today())?;
            review::approve(&db, &who, id, f.version, &ctx)
        } else {
            review::reject(&db, &who, id, f.version, &reason)
        }
    })
    .await;
    match result {
        Ok(decided) => {
            state.refresh_coverage();
            // On to the oldest pending proposal of the same kind, saying what became of this one.
            let db = auth.db.clone();
            let who = auth.who.clone();
            let kind = decided.kind.clone();
            let next = blocking(move || review::queue::next_pending(&db, &who, &kind, id)).await?;
            Ok(match next {
                Some(n) => Redirect::to(&format!("/tinjau/{n}?diputuskan={id}")),
                None => Redirect::to(&format!("/tinjau/{id}")),
            }
            .into_response())
        }
        // A conflict or a missing reason: show the proposal again with what went wrong.
        Err(WebError(e)) if matches!(crate::status_of(&e).as_u16(), 409 | 422) => {
            let db = auth.db.clone();
            let who = auth.who.clone();
            let row = blocking(move || review::show(&db, &who, id)).await?;
            Ok(detail_page(&state, &auth, &row, Some((false, e.to_string()))).await)
        }
        Err(e) => Err(e),
    }
}

/// `POST /tinjau/{id}/setujui`
pub(crate) async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    decide(state, auth, id, f, true).await
}

/// `POST /tinjau/{id}/tolak`
pub(crate) async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    decide(state, auth, id, f, false).await
}
