//! Server-rendered pages: small, readable on a 360 px phone, no JavaScript needed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jaring_app::{overview, Overview};
use std::collections::HashMap;

use jaring_domain::programme::Rate;
use jaring_domain::RegionCode;
use jaring_store::stats::RegionCounts;
use maud::{html, Markup, DOCTYPE};

use crate::{blocking, AppState, WebError};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f5}\
header{background:#0b5d3b;color:#fff;padding:.8rem 1rem}header a{color:#fff;text-decoration:none}\
h1{font-size:1.25rem;margin:0}main{padding:1rem;max-width:60rem;margin:auto}\
.en{color:#667;font-size:.85em}table{border-collapse:collapse;width:100%;background:#fff}\
th,td{padding:.45rem .5rem;border-bottom:1px solid #e3e3e3;text-align:left}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem;margin:.8rem 0}\
.card{background:#fff;padding:.7rem;border-radius:.4rem;border:1px solid #e3e3e3}\
.card b{display:block;font-size:1.4rem}.demo{background:#fff4d6;padding:.5rem 1rem;font-size:.9rem}\
@media(max-width:420px){.opt{display:none}th,td{padding:.4rem .25rem}main{padding:.6rem}table{font-size:.92rem}}";

fn page(title: &str, demo: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="id" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · jaring" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header { h1 { a href="/" { "jaring" } " · " (title) } }
                @if demo {
                    div.demo { "Data demo sintetis — bukan data penduduk sebenarnya. "
                        span.en { "Synthetic demo data, not real residents." } }
                }
                main { (body) }
            }
        }
    }
}

fn number(n: i64) -> String {
    jaring_domain::Rupiah(n)
        .to_string()
        .trim_start_matches("Rp ")
        .to_string()
}

/// This month's coverage per region code (from the month's snapshot when taken, else computed).
fn coverage_map(
    db: &jaring_store::Database,
) -> Result<HashMap<String, Rate>, jaring_app::AppError> {
    let report = jaring_app::coverage::coverage(db, None, jaring_domain::today(), true)?;
    Ok(report.rows.into_iter().map(|r| (r.code, r.rate)).collect())
}

/// A rate as `22,9 %` (one decimal, as read on a phone).
fn rate_text(rate: Option<&Rate>) -> String {
    match rate.and_then(|r| r.basis_points()) {
        Some(bp) => format!("{},{} %", bp / 100, (bp % 100) / 10),
        None => "–".into(),
    }
}

/// Its parts, never left out: `2.145 / 9.328`.
fn rate_parts(rate: Option<&Rate>) -> Markup {
    html! {
        @if let Some(r) = rate {
            span.en { (number(r.numerator)) " / " (number(r.denominator)) }
        }
    }
}

/// A rate as a table cell: the rate over its parts.
fn rate_cell(rate: Option<&Rate>) -> Markup {
    html! { (rate_text(rate)) br; (rate_parts(rate)) }
}

fn counts_table(
    first_heading: &str,
    rows: &[&RegionCounts],
    link: bool,
    coverage: &HashMap<String, Rate>,
) -> Markup {
    html! {
        table {
            thead { tr {
                // A break opportunity after the slash lets "Desa/Kelurahan" wrap on a phone.
                th { (first_heading.replace('/', "/\u{200b}")) }
                th.n { "KK" br; span.en { "households" } }
                th.n.opt { "Penduduk" br; span.en { "persons" } }
                th.n.opt { "Hidup" br; span.en { "alive" } }
                th.n { "UCJ" br; span.en { "coverage" } }
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

fn empty_database() -> Response {
    let body = html! {
        p { "Basis data masih kosong. Jalankan " code { "jaring demo" } " untuk data contoh Kabupaten Belu, atau impor data desa." }
        p.en { "The database is empty. Run " code { "jaring demo" } " for sample data of Belu regency, or import village data." }
    };
    (
        StatusCode::OK,
        Html(page("Selamat datang", false, body).into_string()),
    )
        .into_response()
}

/// The regency dashboard: totals and a row per kecamatan.
pub(crate) async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    let db = state.db.clone();
    let found = blocking(move || Ok((overview(&db)?, coverage_map(&db)?))).await;
    let (o, coverage): (Overview, HashMap<String, Rate>) = match found {
        Ok(o) => o,
        Err(WebError(jaring_app::AppError::NoRegency)) => return Ok(empty_database()),
        Err(e) => return Err(e),
    };
    let districts: Vec<&RegionCounts> = o.districts.iter().collect();
    let n_villages = o.villages.len();
    let body = html! {
        h2 { (o.regency.region.name) " " span.en { (o.regency.region.code) } }
        div.cards {
            div.card { b { (number(o.districts.len() as i64)) } "kecamatan" }
            div.card { b { (number(n_villages as i64)) } "desa/kelurahan" }
            div.card { b { (number(o.regency.households)) } "keluarga (KK)" br; span.en { "households" } }
            div.card { b { (number(o.regency.alive)) } "penduduk hidup" br; span.en { "living residents" } }
            div.card {
                b { (rate_text(coverage.get(&o.regency.region.code.to_string()))) }
                "cakupan UCJ bulan ini " (rate_parts(coverage.get(&o.regency.region.code.to_string())))
                br; span.en { "coverage this month (active members / working-age residents)" }
            }
        }
        (counts_table("Kecamatan", &districts, true, &coverage))
        @if !o.lists.is_empty() {
            h3 { "Sinkronisasi daftar luar " span.en { "external lists, last sync" } }
            table {
                thead { tr {
                    th { "Daftar" br; span.en { "list" } }
                    th.n { "Catatan" br; span.en { "records" } }
                    th.n { "Otomatis" br; span.en { "auto" } }
                    th.n { "Tinjau" br; span.en { "review" } }
                    th.n.opt { "Tidak cocok" br; span.en { "no match" } }
                } }
                tbody {
                    @for l in &o.lists {
                        tr {
                            td { (l.kind.label_id()) }
                            td.n { (number(l.staged)) }
                            td.n { (number(l.auto)) }
                            td.n { (number(l.review)) }
                            td.n.opt { (number(l.no_match)) }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(page(&o.regency.region.name, o.demo, body).into_string()).into_response())
}

/// One kecamatan: a row per village.
pub(crate) async fn district(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let Ok(district) = RegionCode::parse(&code) else {
        return Ok((
            StatusCode::NOT_FOUND,
            "kode wilayah tidak dikenal / unknown region code",
        )
            .into_response());
    };
    let db = state.db.clone();
    let (o, coverage) = blocking(move || Ok((overview(&db)?, coverage_map(&db)?))).await?;
    let Some(d) = o.districts.iter().find(|d| d.region.code == district) else {
        return Ok((
            StatusCode::NOT_FOUND,
            "wilayah tidak ditemukan / region not found",
        )
            .into_response());
    };
    let villages: Vec<&RegionCounts> = o.villages_of(district).collect();
    let body = html! {
        p { a href="/" { "← " (o.regency.region.name) } }
        h2 { "Kecamatan " (d.region.name) " " span.en { (d.region.code) } }
        div.cards {
            div.card { b { (number(villages.len() as i64)) } "desa/kelurahan" }
            div.card { b { (number(d.households)) } "keluarga (KK)" }
            div.card { b { (number(d.alive)) } "penduduk hidup" }
            div.card {
                b { (rate_text(coverage.get(&d.region.code.to_string()))) }
                "cakupan UCJ " (rate_parts(coverage.get(&d.region.code.to_string())))
            }
        }
        (counts_table("Desa/Kelurahan", &villages, false, &coverage))
    };
    Ok(Html(page(&d.region.name, o.demo, body).into_string()).into_response())
}
