//! Who is asking: session cookies for browsers, bearer tokens for machine clients, CSRF tokens for
//! forms, and a limit on failed sign-ins.
//!
//! Sessions and tokens are looked up in the database and kept in memory for at most [`CACHE_SECONDS`],
//! so a busy dashboard does not cost a query per request. Every write (any method that is not safe)
//! asks the database again, so a disabled account, a changed password or a revoked token — done here
//! or by `jaring user` in another process — stops writes at once and reads within a second.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
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
/// How long an address a user signed in from stays known to pass that user's lock.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Known addresses kept per user.
const KNOWN_PER_USER: usize = 8;

type Cached = (Principal, String, Instant);

/// In-memory parts of authentication.
#[derive(Default)]
pub(crate) struct AuthState {
    sessions: Mutex<HashMap<String, Cached>>,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    /// Addresses each user name last signed in from, with when.
    known: Mutex<HashMap<String, Vec<(IpAddr, Instant)>>>,
}

/// A sign-in attempt: the user name asked for and the client's address.
///
/// The limits, chosen so that no one can lock out someone else:
/// - an address with [`MAX_FAILURES_PER_ADDRESS`] failures waits out [`LOCKOUT`] — the client's own
///   address, which behind a trusted proxy is read from `X-Forwarded-For`, so one attacker does not
///   lock out everyone behind the proxy;
/// - a user name with [`MAX_FAILURES_PER_USER`] failures is locked for [`LOCKOUT`], but only for
///   addresses that user has not signed in from in the last 30 days: guessing a secretary's password
///   from elsewhere does not keep the secretary out of their own office's connection.
pub(crate) struct Attempt {
    user: String,
    addr: Option<IpAddr>,
}

impl Attempt {
    pub(crate) fn new(username: &str, addr: Option<IpAddr>) -> Attempt {
        Attempt {
            user: format!("u:{}", username.trim().to_lowercase()),
            addr,
        }
    }

    fn address_key(&self) -> Option<String> {
        self.addr.map(|a| format!("a:{a}"))
    }
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

    /// Seconds until `attempt` may be tried, when its address or its user failed too often.
    pub(crate) fn wait(&self, attempt: &Attempt) -> Option<u64> {
        let map = self.failures.lock().ok()?;
        let locked = |key: &str, max: u32| {
            let (n, since) = map.get(key)?;
            (*n >= max && since.elapsed() < LOCKOUT)
                .then(|| (LOCKOUT - since.elapsed()).as_secs() + 1)
        };
        let by_address = attempt
            .address_key()
            .and_then(|k| locked(&k, MAX_FAILURES_PER_ADDRESS));
        let by_user = if self.known(attempt) {
            None
        } else {
            locked(&attempt.user, MAX_FAILURES_PER_USER)
        };
        by_address.max(by_user)
    }

    /// Whether the attempt comes from an address its user signed in from lately.
    fn known(&self, attempt: &Attempt) -> bool {
        let (Some(addr), Ok(known)) = (attempt.addr, self.known.lock()) else {
            return false;
        };
        known.get(&attempt.user).is_some_and(|list| {
            list.iter()
                .any(|(a, at)| *a == addr && at.elapsed() < KNOWN_FOR)
        })
    }

    pub(crate) fn failed(&self, attempt: &Attempt) {
        if let Ok(mut map) = self.failures.lock() {
            // Guessing many user names must not grow this without bound: old windows are dropped.
            if map.len() > 10_000 {
                map.retain(|_, (_, since)| since.elapsed() < LOCKOUT);
            }
            for key in std::iter::once(attempt.user.clone()).chain(attempt.address_key()) {
                let e = map.entry(key).or_insert((0, Instant::now()));
                if e.1.elapsed() >= LOCKOUT {
                    *e = (0, Instant::now());
                }
                e.0 += 1;
            }
        }
    }

    /// A right password: the user's failures are forgotten and the address is known for them.
    pub(crate) fn succeeded(&self, attempt: &Attempt) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&attempt.user);
        }
        let (Some(addr), Ok(mut known)) = (attempt.addr, self.known.lock()) else {
            return;
        };
        if known.len() > 10_000 {
            known.retain(|_, list| list.iter().any(|(_, at)| at.elapsed() < KNOWN_FOR));
        }
        let list = known.entry(attempt.user.clone()).or_default();
        list.retain(|(a, at)| *a != addr && at.elapsed() < KNOWN_FOR);
        list.push((addr, Instant::now()));
        if list.len() > KNOWN_PER_USER {
            list.remove(0);
        }
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy (proxies append, so entries further left
/// were written by the client and may be anything).
pub(crate) fn client_ip(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.into_iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return Some(ip),
            // Proxies write addresses; anything else was written by the client.
            Err(_) => break,
        }
    }
    Some(peer)
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
/// The form token as a page writes it: a fresh random mask and the token XOR that mask, both in hex,
/// so no two pages carry the same bytes for it. Pages are compressed and some reflect what was asked
/// (a search); with a fixed token beside the reflection, the compressed size would leak the token a
/// character at a time (BREACH).
pub(crate) fn masked_token(token: &str) -> String {
    use rand::RngCore;
    let mut mask = vec![0u8; token.len()];
    rand::thread_rng().fill_bytes(&mut mask);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let xored: Vec<u8> = token.bytes().zip(&mask).map(|(t, m)| t ^ m).collect();
    format!("{}.{}", hex(&mask), hex(&xored))
}

/// Whether `given` is `token`, masked by [`masked_token`] (forms) or as it is (the `X-CSRF-Token`
/// header of scripts and tests).
pub(crate) fn token_matches(token: &str, given: &str) -> bool {
    let Some((mask, xored)) = given.split_once('.') else {
        return same_secret(token, given);
    };
    let unhex = |s: &str| -> Option<Vec<u8>> {
        s.len()
            .is_multiple_of(2)
            .then(|| {
                (0..s.len())
                    .step_by(2)
                    .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten()
    };
    match (unhex(mask), unhex(xored)) {
        (Some(m), Some(x)) if m.len() == x.len() => {
            let plain: Vec<u8> = m.iter().zip(&x).map(|(a, b)| a ^ b).collect();
            String::from_utf8(plain).is_ok_and(|p| same_secret(token, &p))
        }
        _ => false,
    }
}

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
        if self.bearer || (!self.csrf.is_empty() && token_matches(&self.csrf, given)) {
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
        if who.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_differs_each_time_and_still_matches_only_its_token() {
        let token = "c2VjcmV0LXRva2VuLWZvci1jc3Jm";
        let (a, b) = (masked_token(token), masked_token(token));
        assert_ne!(a, b, "a fresh mask per page");
        assert!(!a.contains(token));
        assert!(token_matches(token, &a) && token_matches(token, &b));
        assert!(token_matches(token, token), "the raw token of a header");
        assert!(!token_matches("another-token-of-same-len", &a));
        assert!(!token_matches(token, "00.zz"));
        assert!(!token_matches(token, "ab.cd"));
        assert!(!token_matches(token, ""));
    }
}
