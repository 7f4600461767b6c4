//! Signing in and out, changing one's password, choosing the language.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::accounts;
use jaring_app::AppError;
use maud::html;
use serde::Deserialize;

use crate::auth::{self, Auth, PRE_COOKIE};
use crate::ui::{csrf_field, notice, respond, Frame, Lang};
use crate::{blocking, AppState, WebError};

/// Query of the sign-in page.
#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    lanjut: Option<String>,
}

/// Only paths on this site are followed after sign-in (no open redirect).
/// Where to go after signing in: a path of this site, or the home page. Browsers drop tabs and
/// newlines inside a URL and read `\\` as `/`, so `/\t/evil` or `/\\evil` would leave the site; only
/// printable ASCII without a backslash, starting with one `/`, is taken.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2048
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn login_page(
    lang: Lang,
    demo: bool,
    no_users: bool,
    pre: &str,
    next: &str,
    message: Option<&str>,
    status: StatusCode,
    set_pre: Option<String>,
) -> Response {
    let frame = Frame {
        lang,
        who: None,
        csrf: pre,
        demo,
    };
    let body = html! {
        @if let Some(m) = message { p.err role="alert" { (m) } }
        @if no_users {
            p { "Basis data masih kosong. Jalankan " code { "jaring demo" } " untuk data contoh Kabupaten Belu, atau buat akun admin dengan "
                code { "jaring user add admin --role admin_kabupaten --region 53.04" } " lalu impor data desa." }
            p.en { "The database is empty. Run " code { "jaring demo" } " for sample data of Belu regency, or create an administrator with "
                code { "jaring user add admin --role admin_kabupaten --region 53.04" } " and import village data." }
        }
        form method="post" action="/masuk" {
            (csrf_field(&frame))
            input type="hidden" name="lanjut" value=(next);
            label for="username" { (lang.both("Nama pengguna", "username")) }
            input #username name="username" autocomplete="username" required autofocus;
            label for="password" { (lang.both("Kata sandi", "password")) }
            input #password type="password" name="password" autocomplete="current-password" required;
            p { button type="submit" { (lang.t("Masuk", "Sign in")) } }
        }
        @if demo {
            p.en { (lang.t("Akun demo: admin, kecamatan, desa, bpjs, auditor — kata sandi ",
                "Demo accounts: admin, kecamatan, desa, bpjs, auditor — password "))
                code { (jaring_app::demo::DEMO_PASSWORD) } }
        }
        p { a href=(format!("/bahasa/{}", lang.t("en", "id"))) { (lang.t("English", "Bahasa Indonesia")) } }
    };
    let mut response = respond(&frame, lang.t("Masuk", "Sign in"), body);
    *response.status_mut() = status;
    if let Some(c) = set_pre.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// `GET /masuk`
pub(crate) async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let (pre, set) = match auth::cookie(&headers, PRE_COOKIE) {
        Some(p) if p.len() == 64 => (p, None),
        _ => {
            let p = accounts::random_secret();
            let c = auth::set_cookie(PRE_COOKIE, &p, 3600, auth::secure(&state, &headers));
            (p, Some(c))
        }
    };
    let db = state.db.clone();
    let no_users = tokio::task::spawn_blocking(move || {
        db.conn()
            .and_then(|mut c| jaring_store::accounts::any_user(&mut c))
            .map(|any| !any)
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    login_page(
        Lang::of(&headers),
        state.demo,
        no_users,
        &pre,
        &safe_next(q.lanjut.as_deref()),
        None,
        StatusCode::OK,
        set,
    )
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    lanjut: Option<String>,
}

/// `POST /masuk`
pub(crate) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    request_ext: axum::http::Extensions,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let lang = Lang::of(&headers);
    let next = safe_next(f.lanjut.as_deref());
    let pre = auth::cookie(&headers, PRE_COOKIE).unwrap_or_default();
    let again = |message: &str, status: StatusCode| {
        login_page(
            lang,
            state.demo,
            false,
            &pre,
            &next,
            Some(message),
            status,
            None,
        )
    };
    if pre.is_empty() || !auth::token_matches(&pre, &f.csrf) {
        return Ok(again(
            lang.t(
                "Sesi formulir kedaluwarsa; silakan coba lagi.",
                "The form expired; please try again.",
            ),
            StatusCode::FORBIDDEN,
        ));
    }
    let attempt = auth::Attempt::new(
        &f.username,
        auth::client_ip(&request_ext, &headers, &state.config.trusted_proxies),
    );
    if let Some(wait) = state.auth.wait(&attempt) {
        let minutes = wait.div_ceil(60);
        return Ok(again(
            &format!(
                "{} {minutes} {}",
                lang.t(
                    "Terlalu banyak percobaan gagal; coba lagi dalam",
                    "Too many failed attempts; try again in"
                ),
                lang.t("menit.", "minutes.")
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let db = state.db.clone();
    let (username, password) = (f.username.clone(), f.password.clone());
    let result = blocking(move || {
        let who = accounts::authenticate(&db, &username, &password)?;
        let (secret, _csrf) = accounts::start_session(&db, &who)?;
        Ok((who, secret))
    })
    .await;
    match result {
        Ok((who, secret)) => {
            state.auth.succeeded(&attempt);
            tracing::info!(user = %who.username, "signed in");
            let target = if who.must_change_password {
                "/akun/sandi".to_string()
            } else {
                next
            };
            let secure = auth::secure(&state, &headers);
            let mut response = Redirect::to(&target).into_response();
            for c in [
                auth::set_cookie(
                    auth::SESSION_COOKIE,
                    &secret,
                    accounts::SESSION_SECONDS,
                    secure,
                ),
                auth::set_cookie(PRE_COOKIE, "", 0, secure),
            ] {
                if let Ok(v) = c.parse() {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(response)
        }
        Err(WebError(AppError::BadCredentials)) => {
            state.auth.failed(&attempt);
            tracing::info!(user = %f.username, "sign-in failed");
            Ok(again(
                lang.t(
                    "Nama pengguna atau kata sandi salah.",
                    "Wrong username or password.",
                ),
                StatusCode::UNAUTHORIZED,
            ))
        }
        Err(e) => Err(e),
    }
}

/// `POST /keluar`
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    Form(f): Form<crate::ui::CsrfForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    if let Some(secret) = auth.session_secret.clone() {
        state.auth.forget(&format!("s:{secret}"));
        let db = auth.db.clone();
        blocking(move || accounts::end_session(&db, &secret)).await?;
    }
    let mut response = Redirect::to("/masuk").into_response();
    if let Ok(v) =
        auth::set_cookie(auth::SESSION_COOKIE, "", 0, auth::secure(&state, &headers)).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// `GET /bahasa/{lang}`: remembers the language and goes back.
pub(crate) async fn language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(lang): Path<String>,
) -> Response {
    let value = if lang == "en" { "en" } else { "id" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(&safe_next(Some(&back))).into_response();
    let cookie = format!(
        "lang={value}; Path=/; SameSite=Lax; Max-Age=31536000{}",
        if auth::secure(&state, &headers) {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn password_page(auth: &Auth, demo: bool, message: Option<(bool, &str)>) -> Response {
    let frame = Frame::of(auth, demo);
    let l = auth.lang;
    let body = html! {
        @if auth.who.must_change_password {
            p.err { (l.both("Kata sandi awal harus diganti sebelum melanjutkan.",
                "The initial password must be changed before you continue.")) }
        }
        (notice(message))
        form method="post" action="/akun/sandi" {
            (csrf_field(&frame))
            label for="old" { (l.both("Kata sandi sekarang", "current password")) }
            input #old type="password" name="old" autocomplete="current-password" required;
            label for="new" { (l.both("Kata sandi baru (min. 10 karakter)", "new password (10 characters or more)")) }
            input #new type="password" name="new" autocomplete="new-password" required minlength="10";
            label for="again" { (l.both("Ulangi kata sandi baru", "new password again")) }
            input #again type="password" name="again" autocomplete="new-password" required minlength="10";
            p { button type="submit" { (l.t("Simpan", "Save")) } }
        }
    };
    respond(&frame, l.t("Ganti kata sandi", "Change password"), body)
}

/// `GET /akun/sandi`
pub(crate) async fn password_form(State(state): State<AppState>, auth: Auth) -> Response {
    password_page(&auth, state.demo, None)
}

/// The password form.
#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    csrf: String,
    old: String,
    new: String,
    again: String,
}

/// `POST /akun/sandi`
pub(crate) async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    if f.new != f.again {
        let m = auth.lang.t(
            "Kedua kata sandi baru tidak sama.",
            "The two new passwords differ.",
        );
        return Ok(password_page(&auth, state.demo, Some((false, m))));
    }
    let db = auth.db.clone();
    let who = auth.who.clone();
    match blocking(move || accounts::change_password(&db, &who, &f.old, &f.new)).await {
        Ok(()) => {
            if let Some(s) = &auth.session_secret {
                state.auth.forget(&format!("s:{s}"));
            }
            // Changing the password ends every session, this one too: sign in with the new one.
            Ok(Redirect::to("/masuk").into_response())
        }
        Err(WebError(AppError::Input(m))) => {
            Ok(password_page(&auth, state.demo, Some((false, &m))))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_of_this_site_is_followed_after_sign_in() {
        for ok in ["/", "/penduduk?q=maria", "/tinjau/12"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "/\n/evil",
            "/a\r\nSet-Cookie: x=1",
            "https://evil.example",
            "evil",
            "/ spasi",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
