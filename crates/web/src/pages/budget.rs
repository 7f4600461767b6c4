//! `GET /anggaran`: what reaching 100 % coverage costs the regency's own programme, and why that is
//! less than paying for every uncovered worker (the dashboard's figure): only the workers the
//! programme's rule admits (pekerja rentan on the gap list) can be enrolled on it; the others need
//! another road (their employer, self-paid membership).

use axum::extract::State;
use axum::response::Response;
use jaring_app::coverage::{BudgetReport, Target};
use jaring_domain::access::Action;
use jaring_domain::Rupiah;
use maud::html;

use crate::auth::Auth;
use crate::ui::{number, rate_text, respond, Frame};
use crate::{AppState, WebError};

/// Programme whose premium prices the gap (the regency's own budget line), here and on the dashboard.
pub(crate) const BUDGET_PROGRAMME: &str = "bpu_apbd_kab";

/// `GET /anggaran`
pub(crate) async fn page(State(state): State<AppState>, auth: Auth) -> Result<Response, WebError> {
    auth.who.require_any(Action::ViewCoverage)?;
    let scope = auth.who.grant.scope;
    let db = auth.db.clone();
    let kept = state
        .budget(scope, move || {
            let report = jaring_app::coverage::budget(
                &db,
                Some(scope),
                BUDGET_PROGRAMME,
                Target::Rate(100),
                jaring_domain::today(),
            )?;
            let at =
                (chrono::Utc::now() + chrono::Duration::hours(8)).format("%d-%m-%Y %H:%M WITA");
            Ok((at.to_string(), report))
        })
        .await?;
    let (computed, r) = (&kept.0, &kept.1);
    let l = auth.lang;
    let uncovered = r.added + r.shortfall;
    let everyone: Rupiah = r.monthly_premium * (uncovered * 12);
    let mut lines: Vec<_> = r.lines.iter().filter(|v| v.needed > 0).collect();
    lines.sort_by_key(|v| (v.coverage.basis_points().unwrap_or(0), v.village.clone()));
    let body = html! {
        div.cards {
            div.card { b { (number(uncovered)) } (l.both("pekerja belum terlindungi", "workers not yet covered")) }
            div.card { b { (r.yearly.to_string()) } (l.both("per tahun untuk yang layak", "a year for the eligible"))
                br; span.en { (number(r.added)) " " (l.t("orang", "people")) " · " (r.programme) } }
            div.card { b { (rate_text(Some(&r.coverage_after))) } (l.both("cakupan setelahnya", "coverage after")) }
        }
        p { (l.t(
            &format!("Mengiur semua {} pekerja yang belum terlindungi akan menelan {} per tahun (angka di dasbor). Program {} hanya menerima yang memenuhi aturannya (pekerja rentan di daftar layak): {} orang, {} per tahun.",
                number(uncovered), everyone, r.programme, number(r.added), r.yearly),
            &format!("Paying for all {} uncovered workers would cost {} a year (the dashboard's figure). Programme {} only takes those its rule admits (vulnerable workers on the eligible list): {} people, {} a year.",
                number(uncovered), everyone, r.programme, number(r.added), r.yearly),
        )) }
        @if r.shortfall > 0 {
            p { (l.t(
                &format!("{} lainnya tidak memenuhi syarat program ini (misalnya pekerja penerima upah, yang didaftarkan pemberi kerja, atau yang mampu mendaftar mandiri): mereka perlu jalur lain.", number(r.shortfall)),
                &format!("The other {} do not meet this programme's rule (wage earners, whom their employer enrols, or those who can pay their own membership): they need another road.", number(r.shortfall)),
            )) }
        }
        p.en { (l.t("Dihitung ", "Computed ")) (computed) " · " (l.t("iuran ", "premium ")) (r.monthly_premium.to_string()) "/" (l.t("bulan", "month")) }
        @if !lines.is_empty() {
            h3 { (l.both("Per desa, cakupan terendah dahulu", "per village, lowest coverage first")) }
            table {
                thead { tr {
                    th { (l.both("Desa", "village")) }
                    th.n { (l.both("UCJ", "coverage")) }
                    th.n { (l.both("Layak", "eligible")) }
                    th.n { (l.both("Per tahun", "a year")) }
                } }
                tbody {
                    @for v in &lines {
                        tr {
                            td { a href={ "/wilayah/" (v.village) } { (v.name) } }
                            td.n { (rate_text(Some(&v.coverage))) }
                            td.n { (number(v.added)) " / " (number(v.needed)) }
                            td.n { (v.yearly.to_string()) }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(
        &Frame::of(&auth, state.demo),
        l.t("Anggaran", "Budget"),
        body,
    ))
}

/// The projection with the time it was computed (WITA), as the cache keeps it.
pub(crate) type Kept = (String, BudgetReport);
