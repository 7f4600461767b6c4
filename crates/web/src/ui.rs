//! The page shell, language choice and small view helpers shared by every page.
//!
//! Pages are plain HTML with one inline stylesheet: no script, no web font, no image, so a page is a
//! few kilobytes and works on a cheap phone over a weak connection.

use axum::http::{HeaderMap, StatusCode};
use jaring_app::accounts::Principal;
use jaring_domain::access::Action;
use jaring_domain::programme::Rate;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::auth::Auth;

/// Language of the pages: Bahasa Indonesia first (with English in small type), or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Bahasa Indonesia.
    Id,
    /// English.
    En,
}

impl Lang {
    /// From the `lang` cookie.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        match crate::auth::cookie(headers, "lang").as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Id,
        }
    }

    /// The text in this language.
    pub(crate) fn t<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// The main text, and in Indonesian the English under it in small type.
    pub(crate) fn both(self, id: &str, en: &str) -> Markup {
        match self {
            Lang::Id => html! { (id) " " span.en { (en) } },
            Lang::En => html! { (en) },
        }
    }
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f5}\
header{background:#0b5d3b;color:#fff;padding:.6rem 1rem}header a{color:#fff;text-decoration:none}\
h1{font-size:1.2rem;margin:0}main{padding:1rem;max-width:60rem;margin:auto}\
nav{display:flex;flex-wrap:wrap;gap:.2rem .8rem;font-size:.92rem;margin-top:.35rem}nav a{color:#d9f2e6}\
nav form{display:inline;margin:0}nav button{background:none;border:0;color:#d9f2e6;padding:0;font:inherit;cursor:pointer;text-decoration:underline}\
.en{color:#667;font-size:.85em}table{border-collapse:collapse;width:100%;background:#fff}\
th,td{padding:.45rem .5rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem;margin:.8rem 0}\
.card{background:#fff;padding:.7rem;border-radius:.4rem;border:1px solid #e3e3e3}\
.card b{display:block;font-size:1.4rem;overflow-wrap:anywhere}svg{max-width:100%;height:auto}.demo{background:#fff4d6;padding:.5rem 1rem;font-size:.9rem}\
.ok{background:#e5f5ea;border:1px solid #9fd3ae;padding:.6rem;border-radius:.3rem}\
.err{background:#fde8e8;border:1px solid #f0a3a3;padding:.6rem;border-radius:.3rem}\
input,select,textarea,button{font:inherit;padding:.45rem;max-width:100%;box-sizing:border-box}.wide{width:100%}\
label{display:block;margin:.5rem 0 .2rem}.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}\
button{background:#0b5d3b;color:#fff;border:0;border-radius:.3rem;padding:.5rem .9rem}\
button.no{background:#9b2c2c}.pager{margin:.8rem 0;display:flex;flex-wrap:wrap;gap:.4rem 1rem}\
.bar{fill:#0b5d3b}.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}\
@media(max-width:420px){.opt{display:none}th,td{padding:.4rem .25rem}main{padding:.6rem}table{font-size:.92rem}.card b{font-size:1.15rem}.evidence td{overflow-wrap:anywhere}.pair{grid-template-columns:1fr}}";

/// What every page needs to draw its frame.
pub(crate) struct Frame<'a> {
    pub lang: Lang,
    pub who: Option<&'a Principal>,
    pub csrf: &'a str,
    pub demo: bool,
}

impl<'a> Frame<'a> {
    /// The frame of a signed-in page.
    pub(crate) fn of(auth: &'a Auth, demo: bool) -> Frame<'a> {
        Frame {
            lang: auth.lang,
            who: Some(&auth.who),
            csrf: &auth.csrf,
            demo,
        }
    }
}

/// A whole page.
pub(crate) fn page(frame: &Frame<'_>, title: &str, body: Markup) -> Markup {
    let l = frame.lang;
    let may = |a: Action| frame.who.is_some_and(|w| w.grant.role.may(a));
    html! {
        (DOCTYPE)
        html lang=(l.t("id", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · jaring" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { a href="/" { "jaring" } " · " (title) }
                    @if let Some(w) = frame.who {
                        nav {
                            a href="/" { (l.t("Beranda", "Home")) }
                            a href="/penduduk" { (l.t("Penduduk", "Residents")) }
                            a href="/tinjau" { (l.t("Tinjauan", "Review")) }
                            @if w.grant.scope.level() != jaring_domain::RegionLevel::Village {
                                a href="/desa-terkini" { (l.t("Desa", "Villages")) }
                            }
                            @if may(Action::ImportRegistry) || may(Action::ImportMembership) {
                                a href="/impor" { (l.t("Impor", "Import")) }
                            }
                            a href="/program" { (l.t("Program", "Programmes")) }
                            a href="/klaim" { (l.t("Klaim", "Claims")) }
                            a href="/ekspor" { (l.t("Ekspor", "Exports")) }
                            a href="/audit" { (l.t("Audit", "Audit")) }
                            @if may(Action::Synchronise) {
                                a href="/tugas" { (l.t("Tugas", "Jobs")) }
                            }
                            @if may(Action::ManageUsers) {
                                a href="/pengguna" { (l.t("Pengguna", "Users")) }
                            }
                            a href=(format!("/bahasa/{}", l.t("en", "id"))) { (l.t("English", "Indonesia")) }
                            form method="post" action="/keluar" {
                                input type="hidden" name="csrf" value=(crate::auth::masked_token(frame.csrf));
                                button type="submit" { (l.t("Keluar", "Sign out")) " (" (w.username) ")" }
                            }
                        }
                    }
                }
                @if frame.demo {
                    div.demo { (l.both("Data demo sintetis — bukan data penduduk sebenarnya.",
                        "Synthetic demo data, not real residents.")) }
                }
                main { (body) }
            }
        }
    }
}

/// A whole page as a response.
pub(crate) fn respond(frame: &Frame<'_>, title: &str, body: Markup) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::response::Html(page(frame, title, body).into_string()).into_response()
}

/// The outcome of the last action, above a form: green when it worked, red (read out) when not.
pub(crate) fn notice(message: Option<(bool, &str)>) -> Markup {
    html! {
        @if let Some((ok, m)) = message {
            @if ok { p.ok role="status" { (m) } } @else { p.err role="alert" { (m) } }
        }
    }
}

/// A file to download.
pub(crate) fn attachment(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let content_type = match name.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "text/csv; charset=utf-8",
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A page for an error status.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Markup {
    let frame = Frame {
        lang: Lang::Id,
        who: None,
        csrf: "",
        demo: false,
    };
    page(
        &frame,
        &status.as_u16().to_string(),
        html! {
            p.err { (message) }
            p { a href="/" { "← Beranda / home" } }
        },
    )
}

/// A form that carries only its CSRF token (sign out, disable a user).
#[derive(serde::Deserialize)]
pub(crate) struct CsrfForm {
    /// The session's token.
    pub csrf: String,
}

/// The hidden CSRF field of a form.
pub(crate) fn csrf_field(frame: &Frame<'_>) -> Markup {
    html! { input type="hidden" name="csrf" value=(crate::auth::masked_token(frame.csrf)); }
}

/// The page number asked for (`halaman`), from 1 and bounded so offsets cannot overflow.
pub(crate) fn page_number(asked: Option<i64>) -> i64 {
    asked.unwrap_or(1).clamp(1, MAX_PAGE)
}

/// The last page anyone can ask for (100,000 pages of 200 rows is more than a province).
pub(crate) const MAX_PAGE: i64 = 100_000;

/// A count with Indonesian thousands separators (`12.345`).
pub(crate) fn number(n: i64) -> String {
    jaring_domain::money::group_thousands(n)
}

/// A rate as `22,9 %` (one decimal, as read on a phone).
pub(crate) fn rate_text(rate: Option<&Rate>) -> String {
    match rate.and_then(|r| r.basis_points()) {
        Some(bp) => format!("{},{} %", bp / 100, (bp % 100) / 10),
        None => "–".into(),
    }
}

/// Its parts, never left out: `2.145 / 9.328`.
pub(crate) fn rate_parts(rate: Option<&Rate>) -> Markup {
    html! {
        @if let Some(r) = rate {
            span.en { (number(r.numerator)) " / " (number(r.denominator)) }
        }
    }
}

/// A rate as a table cell: the rate over its parts.
pub(crate) fn rate_cell(rate: Option<&Rate>) -> Markup {
    html! { (rate_text(rate)) br; (rate_parts(rate)) }
}

/// A bar chart of monthly rates as inline SVG (no script, a few hundred bytes).
pub(crate) fn trend_chart(points: &[(String, Rate)], lang: Lang) -> Markup {
    let bars: Vec<(String, i64)> = points
        .iter()
        .filter_map(|(m, r)| r.basis_points().map(|bp| (m.clone(), bp)))
        .collect();
    if bars.is_empty() {
        return html! {};
    }
    let max = bars.iter().map(|(_, bp)| *bp).max().unwrap_or(1).max(1);
    let w = 40 * bars.len() as i64 + 10;
    html! {
        svg width=(w) height="130" viewBox=(format!("0 0 {w} 130")) role="img"
            aria-label=(lang.t("Tren cakupan UCJ per bulan", "UCJ coverage per month")) {
            @for (i, (month, bp)) in bars.iter().enumerate() {
                // Bars stand on y = 105 and are at most 90 high, so the tallest one's value (drawn
                // above it) stays inside the picture; the picture shrinks to a phone's width.
                @let h = (bp * 90 / max).max(1);
                @let x = 10 + 40 * i as i64;
                rect.bar x=(x) y=(105 - h) width="28" height=(h) {}
                text x=(x) y=(102 - h) font-size="10" { (format!("{},{}", bp / 100, (bp % 100) / 10)) }
                text x=(x) y="120" font-size="9" { (month.get(2..).unwrap_or(month)) }
            }
        }
    }
}

/// Previous/next links of a paged list.
pub(crate) fn pager(lang: Lang, base: &str, page: i64, more: bool) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        div.pager {
            @if page > 1 {
                a href=(format!("{base}{sep}halaman={}", page - 1)) { "← " (lang.t("Sebelumnya", "Previous")) }
            }
            @if more {
                a href=(format!("{base}{sep}halaman={}", page + 1)) { (lang.t("Berikutnya", "Next")) " →" }
            }
        }
    }
}

/// Escapes a value for a query string.
pub(crate) fn q(s: &str) -> String {
    crate::auth::urlencode(s)
}
