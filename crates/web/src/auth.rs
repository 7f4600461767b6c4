//! Who is asking: session cookies for browsers, bearer tokens for machine clients, CSRF tokens for
//! forms, and a limit on failed sign-ins.
//!
//! Sessions and tokens are looked up in the database and kept in memory for at most [`CACHE_SECONDS`],
//! so a busy dashboard does not cost a query per request. Every write (any method that is not safe)
//! asks the database again, so a disabled account, a changed password or a revoked token — done here
//! or by `jaring user` in another process — stops writes at once and reads within a second.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jaring_app::accounts::{self, Principal};
use jaring_app::AppError;

use crate::ui::Lang;
use crate::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "jaring_session";
/// Name of the sign-in form's CSRF cookie (before a session exists).
pub(crate) const PRE_COOKIE: &str = "jaring_pre";
/// Header carrying the CSRF token on cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a looked-up session or token is trusted for reads without asking the database again.
pub(crate) const CACHE_SECONDS: u64 = 1;
/// Failed sign-ins allowed per user name, and per client address, in [`LOCKOUT`].
const MAX_FAILURES_PER_USER: u32 = 5;
const MAX_FAILURES_PER_ADDRESS: u32 = 30;
const LOCKOUT: Duration = Duration::from_secs(15 * 60);

type Cached = (Principal, String, Instant);

/// In-memory parts of authentication.
#[derive(Default)]
pub(crate) struct AuthState {
    sessions: Mutex<HashMap<String, Cached>>,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl AuthState {
    fn cached(&self, key: &str) -> Option<(Principal, String)> {
        let map = self.sessions.lock().ok()?;
        let (p, csrf, at) = map.get(key)?;
        (at.elapsed() < Duration::from_secs(CACHE_SECONDS)).then(|| (p.clone(), csrf.clone()))
    }

    fn remember(&self, key: String, p: &Principal, csrf: &str) {
        if let Ok(mut map) = self.sessions.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, _, at)| at.elapsed() < Duration::from_secs(CACHE_SECONDS));
            }
            map.insert(key, (p.clone(), csrf.to_string(), Instant::now()));
        }
    }

    pub(crate) fn forget(&self, key: &str) {
        if let Ok(mut map) = self.sessions.lock() {
            map.remove(key);
        }
    }

    /// Seconds until `keys` may try again, when any of them failed too often.
    pub(crate) fn locked_for(&self, keys: &[(String, u32)]) -> Option<u64> {
        let map = self.failures.lock().ok()?;
        keys.iter()
            .filter_map(|(k, max)| {
                let (n, since) = map.get(k)?;
                (*n >= *max && since.elapsed() < LOCKOUT)
                    .then(|| (LOCKOUT - since.elapsed()).as_secs() + 1)
            })
            .max()
    }

    pub(crate) fn failed(&self, keys: &[(String, u32)]) {
        if let Ok(mut map) = self.failures.lock() {
            // Guessing many user names must not grow this without bound: old windows are dropped.
            if map.len() > 10_000 {
                map.retain(|_, (_, since)| since.elapsed() < LOCKOUT);
            }
            for (k, _) in keys {
                let e = map.entry(k.clone()).or_insert((0, Instant::now()));
                if e.1.elapsed() >= LOCKOUT {
                    *e = (0, Instant::now());
                }
                e.0 += 1;
            }
        }
    }

    pub(crate) fn succeeded(&self, user_key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(user_key);
        }
    }
}

/// The keys a sign-in attempt is counted under, with their limits.
pub(crate) fn login_keys(username: &str, addr: Option<SocketAddr>) -> Vec<(String, u32)> {
    let mut keys = vec![(
        format!("u:{}", username.trim().to_lowercase()),
        MAX_FAILURES_PER_USER,
    )];
    if let Some(a) = addr {
        keys.push((format!("a:{}", a.ip()), MAX_FAILURES_PER_ADDRESS));
    }
    keys
}

/// The client's address, when the server was started with connection info.
pub(crate) fn client_addr(parts_ext: &axum::http::Extensions) -> Option<SocketAddr> {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// A cookie's value.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether the request came over TLS (directly configured, or said by the proxy in front).
pub(crate) fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure behind TLS.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in request.
pub(crate) struct Auth {
    /// Who.
    pub who: Principal,
    /// The session's CSRF token (empty for bearer tokens, which are not sent by browsers).
    pub csrf: String,
    /// Language of the pages.
    pub lang: Lang,
    /// Signed in with a bearer token.
    pub bearer: bool,
    /// The raw session secret (to sign out).
    pub session_secret: Option<String>,
    /// The database as this request may use it: confined to the user's region by PostgreSQL row-level
    /// security when the request only reads (GET, HEAD), so a handler that forgets a filter still
    /// cannot show another village's rows. Writes use the unconfined pool and the app's own checks.
    pub db: jaring_store::Database,
}

impl Auth {
    /// Fails with 403 unless `given` is this session's CSRF token.
    pub(crate) fn check_csrf(&self, given: &str) -> Result<(), crate::WebError> {
        if self.bearer || same_secret(&self.csrf, given) {
            Ok(())
        } else {
            Err(crate::WebError(AppError::Denied(
                "token formulir tidak sah; muat ulang halaman / invalid form token; reload the page"
                    .into(),
            )))
        }
    }
}

/// Paths a user who must change their password may still reach.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/akun/sandi", "/keluar"];

fn unauthenticated(api: bool, parts: &Parts) -> Response {
    if api {
        crate::api::error_body(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "masuk dulu atau kirim token / sign in or send a bearer token",
        )
    } else {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = if next == "/" {
            "/masuk".to_string()
        } else {
            format!("/masuk?lanjut={}", urlencode(next))
        };
        Redirect::to(&target).into_response()
    }
}

/// Percent-encodes a path for a query parameter.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let api = parts.uri.path().starts_with("/api/");
        let lang = Lang::of(&parts.headers);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let (secret, cache_key, is_bearer) = match bearer {
            Some(t) => (t.clone(), format!("t:{t}"), true),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(s) => (s.clone(), format!("s:{s}"), false),
                None => return Err(unauthenticated(api, parts)),
            },
        };
        // A write never trusts the cache: revocation must stop it at once.
        let cached = if parts.method.is_safe() {
            state.auth.cached(&cache_key)
        } else {
            None
        };
        let found = match cached {
            Some(hit) => Some(hit),
            None => {
                let db = state.db.clone();
                let s = secret.clone();
                let looked = tokio::task::spawn_blocking(move || {
                    if is_bearer {
                        Ok(accounts::token_principal(&db, &s)?.map(|p| (p, String::new())))
                    } else {
                        accounts::session(&db, &s)
                    }
                })
                .await;
                match looked {
                    Ok(Ok(Some((p, csrf)))) => {
                        state.auth.remember(cache_key, &p, &csrf);
                        Some((p, csrf))
                    }
                    Ok(Ok(None)) => None,
                    Ok(Err(e)) => return Err(error_response(api, e)),
                    Err(e) => return Err(error_response(api, AppError::Input(e.to_string()))),
                }
            }
        };
        let Some((who, csrf)) = found else {
            return Err(unauthenticated(api, parts));
        };
        if who.must_change_password
            && !state.demo
            && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path())
        {
            return Err(if api {
                crate::api::error_body(
                    StatusCode::FORBIDDEN,
                    "password_change_required",
                    "ganti kata sandi dulu / change your password first",
                )
            } else {
                Redirect::to("/akun/sandi").into_response()
            });
        }
        // Cookie-authenticated API writes need the CSRF token in a header (forms carry it in a field).
        if api && !is_bearer && !parts.method.is_safe() {
            let given = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(&csrf, given) {
                return Err(crate::api::error_body(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "header X-CSRF-Token wajib / the X-CSRF-Token header is required",
                ));
            }
        }
        let db = if parts.method.is_safe() {
            state.db.scoped(who.grant.scope)
        } else {
            state.db.clone()
        };
        Ok(Auth {
            db,
            who,
            csrf,
            lang,
            bearer: is_bearer,
            session_secret: (!is_bearer).then_some(secret),
        })
    }
}

fn error_response(api: bool, e: AppError) -> Response {
    if api {
        crate::api::ApiError(e).into_response()
    } else {
        crate::WebError(e).into_response()
    }
}
