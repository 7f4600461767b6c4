//! The dashboard: coverage (UCJ) of the user's region with its parts, the monthly trend, the ranking of
//! the regions under it (lowest coverage first, where help is needed), and what reaching 100 % costs.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use jaring_app::{AppError, Overview};
use jaring_domain::programme::Rate;
use jaring_domain::{RegionCode, RegionLevel, Rupiah};
use jaring_store::stats::RegionCounts;
use maud::html;

use crate::auth::Auth;
use crate::ui::{number, rate_cell, rate_parts, rate_text, respond, trend_chart, Frame, Lang};
use crate::{blocking, AppState, WebError};

use super::budget::BUDGET_PROGRAMME;

struct Dashboard {
    overview: std::sync::Arc<Overview>,
    coverage: HashMap<String, Rate>,
    trend: Vec<(String, Rate)>,
    monthly_premium: i64,
}

fn load(
    db: &jaring_store::Database,
    overview: std::sync::Arc<Overview>,
    region: RegionCode,
) -> Result<Dashboard, AppError> {
    let report = jaring_app::coverage::coverage(db, Some(region), jaring_domain::today(), true)?;
    let coverage = report.rows.into_iter().map(|r| (r.code, r.rate)).collect();
    let trend = jaring_app::coverage::trend(db, region)?;
    let monthly_premium = jaring_app::coverage::programme(db, BUDGET_PROGRAMME)
        .map(|p| p.premium.monthly().0)
        .unwrap_or(16_800);
    Ok(Dashboard {
        overview,
        coverage,
        trend,
        monthly_premium,
    })
}

fn counts_table(
    lang: Lang,
    first_heading: (&str, &str),
    rows: &[&RegionCounts],
    link: bool,
    coverage: &HashMap<String, Rate>,
) -> maud::Markup {
    html! {
        table {
            thead { tr {
                // A break opportunity after the slash lets "Desa/Kelurahan" wrap on a phone.
                th { (lang.both(&first_heading.0.replace('/', "/\u{200b}"), first_heading.1)) }
                th.n { (lang.both("KK", "households")) }
                th.n.opt { (lang.both("Penduduk", "persons")) }
                th.n.opt { (lang.both("Hidup", "alive")) }
                th.n { (lang.both("UCJ", "coverage")) }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td {
                            @if link { a href={ "/wilayah/" (r.region.code) } { (r.region.name) } }
                            @else { (r.region.name) }
                            " " span.en { (r.region.code) }
                        }
                        td.n { (number(r.households)) }
                        td.n.opt { (number(r.persons)) }
                        td.n.opt { (number(r.alive)) }
                        td.n { (rate_cell(coverage.get(&r.region.code.to_string()))) }
                    }
                }
            }
        }
    }
}

fn empty_database(auth: &Auth, demo: bool) -> Response {
    let body = html! {
        p { "Basis data masih kosong. Jalankan " code { "jaring demo" } " untuk data contoh Kabupaten Belu, atau impor data desa." }
        p.en { "The database is empty. Run " code { "jaring demo" } " for sample data of Belu regency, or import village data." }
    };
    respond(&Frame::of(auth, demo), "Selamat datang", body)
}

/// `GET /`: the dashboard of the user's own region.
pub(crate) async fn home(State(state): State<AppState>, auth: Auth) -> Result<Response, WebError> {
    let scope = auth.who.grant.scope;
    render(state, auth, scope).await
}

/// `GET /wilayah/{code}`: the dashboard of a region inside the user's.
pub(crate) async fn region(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let Ok(code) = RegionCode::parse(&code) else {
        return Err(WebError(AppError::NotFound));
    };
    if !auth.who.grant.covers(code) {
        return Err(WebError(AppError::NotFound));
    }
    render(state, auth, code).await
}

async fn render(state: AppState, auth: Auth, code: RegionCode) -> Result<Response, WebError> {
    let overview = match state.overview().await {
        Ok(o) => o,
        Err(WebError(AppError::NoRegency)) => return Ok(empty_database(&auth, state.demo)),
        Err(e) => return Err(e),
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let waiting = if code == auth.who.grant.scope {
        blocking(move || jaring_app::events::waiting_for(&db, &who))
            .await
            .ok()
    } else {
        None
    };
    let db = auth.db.clone();
    let d = match blocking(move || load(&db, overview, code)).await {
        Ok(d) => d,
        Err(WebError(AppError::NoRegency)) => return Ok(empty_database(&auth, state.demo)),
        Err(e) => return Err(e),
    };
    let l = auth.lang;
    let o = &d.overview;
    let all: Vec<&RegionCounts> = std::iter::once(&o.regency)
        .chain(&o.districts)
        .chain(&o.villages)
        .collect();
    let Some(here) = all.iter().find(|r| r.region.code == code).copied() else {
        return Err(WebError(AppError::NotFound));
    };
    let children: Vec<&RegionCounts> = match code.level() {
        RegionLevel::Regency => o.districts.iter().collect(),
        RegionLevel::District => o.villages_of(code).collect(),
        _ => Vec::new(),
    };
    let rate = d.coverage.get(&code.to_string());
    let gap = rate
        .map(|r| (r.denominator - r.numerator).max(0))
        .unwrap_or(0);
    let yearly = Rupiah(gap * d.monthly_premium * 12);
    // Lowest coverage first: where the regency's help is most needed.
    let mut ranking: Vec<(&RegionCounts, Option<i64>)> = o
        .villages
        .iter()
        .filter(|v| code.contains(v.region.code))
        .map(|v| {
            (
                v,
                d.coverage
                    .get(&v.region.code.to_string())
                    .and_then(|r| r.basis_points()),
            )
        })
        .collect();
    ranking.sort_by_key(|(v, bp)| (bp.unwrap_or(i64::MAX), v.region.code));
    let level_name = match code.level() {
        RegionLevel::Regency => "",
        RegionLevel::District => "Kecamatan ",
        _ => "Desa ",
    };
    let parent_link = code
        .parent()
        .filter(|p| auth.who.grant.covers(*p))
        .and_then(|p| all.iter().find(|r| r.region.code == p).copied());
    let body = html! {
        @if let Some(p) = parent_link {
            p { a href={ "/wilayah/" (p.region.code) } { "← " (p.region.name) } }
        }
        h2 { (level_name) (here.region.name) " " span.en { (here.region.code) } }
        @if let Some(w) = waiting.filter(|w| *w != jaring_app::events::Waiting::default()) {
            h3 { (l.both("Menunggu Anda", "waiting for you")) }
            ul #menunggu {
                @if w.deaths_to_confirm > 0 {
                    li { a href="/tinjau?jenis=mark_deceased&pita=manual" { b { (w.deaths_to_confirm) } " " (l.t("laporan kematian desa untuk dikonfirmasi", "village death reports to confirm")) } }
                }
                @if w.to_decide > 0 {
                    li { a href="/tinjau" { b { (number(w.to_decide)) } " " (l.t("usulan untuk diputuskan", "proposals to decide")) } }
                }
                @if w.own_reports_pending > 0 {
                    li { a href="/tinjau?pita=manual" { b { (w.own_reports_pending) } " " (l.t("laporan Anda masih menunggu", "of your reports still pending")) } }
                }
                @if w.claims_to_verify > 0 {
                    li { a href="/klaim" { b { (w.claims_to_verify) } " " (l.t("klaim untuk diverifikasi", "claims to verify")) } }
                }
                @if w.failed_jobs > 0 {
                    li { a href="/tugas" { b { (w.failed_jobs) } " " (l.t("tugas gagal atau terhenti", "jobs failed or interrupted")) } }
                }
            }
        }
        div.cards {
            div.card #ucj {
                b { (rate_text(rate)) }
                (l.t("cakupan UCJ bulan ini", "UCJ coverage this month")) " " (rate_parts(rate))
                br; span.en { (l.t("peserta aktif / penduduk usia kerja", "active members / working-age residents")) }
            }
            div.card { b { (number(gap)) } (l.both("pekerja belum terlindungi", "workers not yet covered")) }
            div.card { b { (yearly.to_string()) } (l.both("per tahun bila semuanya diiur", "a year if all were paid for"))
                br; span.en { (BUDGET_PROGRAMME) " · " (Rupiah(d.monthly_premium).to_string()) "/" (l.t("bulan", "month")) }
                br; a href="/anggaran" { (l.t("Hanya yang layak dapat diiur: anggaran", "Only the eligible can be: budget")) } }
            div.card { b { (number(here.households)) } (l.both("keluarga (KK)", "households")) }
            div.card { b { (number(here.alive)) } (l.both("penduduk hidup", "living residents")) }
        }
        @if !d.trend.is_empty() {
            h3 { (l.both("Tren cakupan", "coverage trend")) }
            (trend_chart(&d.trend, l))
        }
        @if !children.is_empty() {
            @let heading = if code.level() == RegionLevel::Regency { ("Kecamatan", "district") } else { ("Desa/Kelurahan", "village") };
            h3 { (l.both("Rincian", "breakdown")) }
            (counts_table(l, heading, &children, true, &d.coverage))
        }
        @if ranking.len() > 1 {
            h3 { (l.both("Desa dengan cakupan terendah", "villages with the lowest coverage")) }
            table {
                tbody {
                    @for (i, (v, _)) in ranking.iter().take(10).enumerate() {
                        tr {
                            td.n { (i + 1) "." }
                            td { a href={ "/wilayah/" (v.region.code) } { (v.region.name) } }
                            td.n { (rate_cell(d.coverage.get(&v.region.code.to_string()))) }
                        }
                    }
                }
            }
        }
        @if code.level() == RegionLevel::Regency && !o.lists.is_empty() {
            h3 { (l.both("Sinkronisasi daftar luar", "external lists, last sync")) }
            table {
                thead { tr {
                    th { (l.both("Daftar", "list")) }
                    th.n { (l.both("Catatan", "records")) }
                    th.n { (l.both("Otomatis", "auto")) }
                    th.n { (l.both("Tinjau", "review")) }
                    th.n.opt { (l.both("Tidak cocok", "no match")) }
                } }
                tbody {
                    @for li in &o.lists {
                        tr {
                            td { (li.kind.label_id()) }
                            td.n { (number(li.staged)) }
                            td.n { (number(li.auto)) }
                            td.n { (number(li.review)) }
                            td.n.opt { (number(li.no_match)) }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(&Frame::of(&auth, o.demo), &here.region.name, body))
}
