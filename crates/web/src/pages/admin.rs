//! Programmes and their eligibility rules, claims, the audit log and user accounts.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::accounts::{self, UserSpec};
use jaring_app::AppError;
use jaring_domain::access::{Action, Role};
use jaring_domain::RegionCode;
use maud::html;
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{csrf_field, notice, number, respond, Frame};
use crate::{blocking, AppState, WebError};

/// `GET /program`
pub(crate) async fn programmes(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Response, WebError> {
    auth.who.require_any(Action::ViewProgrammes)?;
    let list = load_programmes(&state).await?;
    Ok(programmes_page(&state, &auth, &list, None))
}

/// Every programme with its rule's clauses and whether the rule is the built-in default.
async fn load_programmes(state: &AppState) -> Result<Vec<ProgrammeView>, WebError> {
    let db = state.db.clone();
    blocking(move || {
        jaring_app::coverage::programmes(&db)?
            .into_iter()
            .map(|row| {
                let p = jaring_app::coverage::programme(&db, &row.code)?;
                Ok((row, p.rule.clauses().cloned().collect(), p.default_rule))
            })
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await
}

type ProgrammeView = (
    jaring_store::coverage::ProgrammeRow,
    Vec<jaring_rules::Clause>,
    bool,
);

fn programmes_page(
    state: &AppState,
    auth: &Auth,
    list: &[ProgrammeView],
    message: Option<(bool, String)>,
) -> Response {
    let frame = Frame::of(auth, state.demo);
    let l = auth.lang;
    let manage = auth.who.grant.role.may(Action::ManageProgrammes);
    let body = html! {
        (notice(message.as_ref().map(|(ok, m)| (*ok, m.as_str()))))
        @for (row, clauses, default_rule) in list {
            section {
                h3 { (row.name) " " span.en { (row.code) } }
                p { (l.t("Iuran", "Premium")) " " (jaring_domain::Rupiah(row.monthly_premium).to_string()) "/" (l.t("bulan", "month"))
                    @if let Some(q) = row.quota_per_village { " · " (l.t("kuota per desa", "quota per village")) " " (number(q)) } }
                p.en { (l.t("Aturan kelayakan", "Eligibility rule")) @if *default_rule { " (" (l.t("bawaan", "default")) ")" } }
                table {
                    tbody {
                        @for c in clauses { tr { td { (c.name) } td { code { (c.expr) } } } }
                    }
                }
                @if manage {
                    form method="post" action={ "/program/" (row.code) "/aturan" } {
                        (csrf_field(&frame))
                        label for={ "rule-" (row.code) } { (l.both("Ubah aturan: satu syarat per baris, nama: ekspresi", "edit the rule: one clause per line, name: expression")) }
                        textarea id={ "rule-" (row.code) } name="rule" rows="4" class="wide" {
                            @for c in clauses { (c.name) ": " (c.expr) "\n" }
                        }
                        button type="submit" { (l.t("Simpan aturan", "Save rule")) }
                    }
                }
            }
        }
    };
    respond(&frame, l.t("Program", "Programmes"), body)
}

/// The rule form.
#[derive(Deserialize)]
pub(crate) struct RuleForm {
    csrf: String,
    rule: String,
}

/// `POST /program/{code}/aturan`
pub(crate) async fn set_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Form(f): Form<RuleForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    auth.who.require_any(Action::ManageProgrammes)?;
    let clauses: Vec<jaring_rules::Clause> = f
        .rule
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| match line.split_once(':') {
            Some((n, e)) => jaring_rules::Clause::new(n.trim(), e.trim()),
            None => jaring_rules::Clause::new(line.trim(), line.trim()),
        })
        .collect();
    let db = auth.db.clone();
    let who = auth.who.clone();
    let c = code.clone();
    let saved = blocking(move || jaring_app::coverage::set_rule(&db, &who, &c, &clauses)).await;
    let message = match saved {
        Ok(()) => (
            true,
            auth.lang.t("Aturan disimpan.", "Rule saved.").to_string(),
        ),
        Err(WebError(AppError::Input(m))) => (false, m),
        Err(e) => return Err(e),
    };
    let list = load_programmes(&state).await?;
    Ok(programmes_page(&state, &auth, &list, Some(message)))
}

async fn users_page(
    state: &AppState,
    auth: &Auth,
    message: Option<(bool, String)>,
) -> Result<Response, WebError> {
    auth.who.require_any(Action::ManageUsers)?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let users = blocking(move || accounts::users(&db, &who)).await?;
    let frame = Frame::of(auth, state.demo);
    let l = auth.lang;
    let body = html! {
        (notice(message.as_ref().map(|(ok, m)| (*ok, m.as_str()))))
        table {
            thead { tr { th { (l.both("Pengguna", "user")) } th { (l.both("Peran", "role")) } th.opt { (l.both("Wilayah", "region")) } th {} } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.username) br; span.en { (u.full_name) } }
                        td { (Role::from_code(&u.role).map(|r| l.t(r.label_id(), r.label_en())).unwrap_or(&u.role)) }
                        td.opt { (u.region_code) }
                        td {
                            @if u.disabled { (l.t("nonaktif", "disabled")) }
                            @else if u.username != auth.who.username {
                                form method="post" action={ "/pengguna/" (u.username) "/nonaktif" } {
                                    (csrf_field(&frame))
                                    button.no type="submit" { (l.t("Nonaktifkan", "Disable")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { (l.both("Tambah pengguna", "add a user")) }
        form method="post" action="/pengguna" {
            (csrf_field(&frame))
            label for="nu" { (l.both("Nama pengguna", "username")) }
            input #nu name="username" required pattern="[A-Za-z0-9._-]+";
            label for="nf" { (l.both("Nama lengkap", "full name")) }
            input #nf name="full_name" required;
            label for="nr" { (l.both("Peran", "role")) }
            select #nr name="role" {
                @for r in Role::ALL { option value=(r.as_code()) { (l.t(r.label_id(), r.label_en())) } }
            }
            label for="ng" { (l.both("Kode wilayah (desa, kecamatan atau kabupaten sesuai peran)", "region code (village, district or regency, by role)")) }
            input #ng name="region" required placeholder="53.04.01.2001";
            label for="np" { (l.both("Kata sandi awal (wajib diganti saat masuk)", "initial password (must be changed at sign-in)")) }
            input #np type="password" name="password" required minlength="10" autocomplete="new-password";
            p { button type="submit" { (l.t("Tambah", "Add")) } }
        }
    };
    Ok(respond(&frame, l.t("Pengguna", "Users"), body))
}

/// `GET /pengguna`
pub(crate) async fn users(State(state): State<AppState>, auth: Auth) -> Result<Response, WebError> {
    users_page(&state, &auth, None).await
}

/// The new-user form.
#[derive(Deserialize)]
pub(crate) struct UserForm {
    csrf: String,
    username: String,
    full_name: String,
    role: String,
    region: String,
    password: String,
}

/// `POST /pengguna`
pub(crate) async fn add_user(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    auth.who.require_any(Action::ManageUsers)?;
    let l = auth.lang;
    let (Some(role), Ok(region)) = (Role::from_code(&f.role), RegionCode::parse(&f.region)) else {
        return users_page(
            &state,
            &auth,
            Some((
                false,
                l.t(
                    "Peran atau kode wilayah tidak sah.",
                    "Invalid role or region code.",
                )
                .into(),
            )),
        )
        .await;
    };
    let db = auth.db.clone();
    let actor = auth.who.clone();
    let spec = UserSpec {
        username: f.username.clone(),
        full_name: f.full_name.clone(),
        role,
        region,
        password: f.password.clone(),
        must_change_password: true,
    };
    match blocking(move || accounts::add_user(&db, &actor, &spec)).await {
        Ok(_) => Ok(Redirect::to("/pengguna").into_response()),
        Err(WebError(AppError::Denied(_))) => {
            users_page(
                &state,
                &auth,
                Some((
                    false,
                    l.t(
                        "Wilayah di luar wewenang Anda.",
                        "Region outside your scope.",
                    )
                    .into(),
                )),
            )
            .await
        }
        Err(WebError(e @ (AppError::Input(_) | AppError::UnknownRegion(_)))) => {
            users_page(&state, &auth, Some((false, e.to_string()))).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /pengguna/{username}/nonaktif`
pub(crate) async fn disable_user(
    auth: Auth,
    Path(username): Path<String>,
    Form(f): Form<crate::ui::CsrfForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    auth.who.require_any(Action::ManageUsers)?;
    let db = auth.db.clone();
    let actor = auth.who.clone();
    blocking(move || accounts::set_disabled(&db, &actor, &username, true)).await?;
    Ok(Redirect::to("/pengguna").into_response())
}
