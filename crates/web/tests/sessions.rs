//! Signing in as a browser does: the form's CSRF cookie, the session cookie's flags, the forced password
//! change outside demo mode, the limit on failed attempts, signing out, and bearer tokens.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::net::SocketAddr;

use jaring_app::accounts::{self, UserSpec};
use jaring_domain::access::Role;
use jaring_domain::RegionCode;
use jaring_store::Database;

fn start(db: Database) -> String {
    start_with(db, jaring_web::ServerConfig::default())
}

/// Starts the server as `jaring serve` does (its own connection loop, with timeouts).
fn start_with(db: Database, config: jaring_web::ServerConfig) -> String {
    let state = jaring_web::AppState::with_config(db, config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                jaring_web::serve(state, tokio::net::TcpListener::from_std(listener).unwrap())
                    .await
                    .unwrap();
            });
    });
    format!("http://{addr}")
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

fn call(r: Result<ureq::Response, ureq::Error>) -> ureq::Response {
    match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    }
}

/// The value of a cookie set by a response.
fn set_cookie(r: &ureq::Response, name: &str) -> Option<(String, String)> {
    r.all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            let value = c[name.len() + 1..].split(';').next().unwrap().to_string();
            (value, c.to_string())
        })
}

/// Signs in through the form; returns the response to the POST.
fn sign_in(url: &str, username: &str, password: &str) -> ureq::Response {
    sign_in_to(url, username, password, "/penduduk")
}

/// Signs in through the form asking to continue to `next`.
fn sign_in_to(url: &str, username: &str, password: &str, next: &str) -> ureq::Response {
    sign_in_via(url, username, password, next, None)
}

/// Signs in as a client the proxy in front of the server says is `forwarded_for`.
fn sign_in_via(
    url: &str,
    username: &str,
    password: &str,
    next: &str,
    forwarded_for: Option<&str>,
) -> ureq::Response {
    let form = call(agent().get(&format!("{url}/masuk")).call());
    let (pre, _) = set_cookie(&form, "jaring_pre").expect("the form sets its CSRF cookie");
    let mut post = agent()
        .post(&format!("{url}/masuk"))
        .set("Cookie", &format!("jaring_pre={pre}"));
    if let Some(xff) = forwarded_for {
        post = post.set("X-Forwarded-For", xff);
    }
    call(post.send_form(&[
        ("csrf", &pre),
        ("username", username),
        ("password", password),
        ("lanjut", next),
    ]))
}

fn seeded() -> Vec<backends::TestDb> {
    let dbs = backends::backends();
    for t in &dbs {
        jaring_store::regions::seed_regions(&t.db, RegionCode::parse("53.04").unwrap()).unwrap();
        for (name, must_change) in [("maria", true), ("yosef", false)] {
            accounts::add_user(
                &t.db,
                &jaring_app::accounts::Principal::cli(
                    jaring_domain::RegionCode::parse("53.04").unwrap(),
                    "test",
                ),
                &UserSpec {
                    username: name.into(),
                    full_name: name.into(),
                    role: Role::OperatorDesa,
                    region: RegionCode::parse("53.04.01.2001").unwrap(),
                    password: "kopi-pagi-atambua".into(),
                    must_change_password: must_change,
                },
            )
            .unwrap();
        }
    }
    dbs
}

#[test]
fn sign_in_sets_a_safe_cookie_and_forces_a_password_change_outside_demo_mode() {
    for t in seeded() {
        let url = start(t.db.clone());
        // Without the form's token, nothing happens.
        let r = call(agent().post(&format!("{url}/masuk")).send_form(&[
            ("csrf", "x"),
            ("username", "maria"),
            ("password", "kopi-pagi-atambua"),
        ]));
        assert_eq!(r.status(), 403);

        let r = sign_in(&url, "maria", "kopi-pagi-atambua");
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.header("location"),
            Some("/akun/sandi"),
            "must change first"
        );
        let (session, raw) = set_cookie(&r, "jaring_session").unwrap();
        assert!(
            raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
            "{raw}"
        );
        assert!(!raw.contains("Secure"), "plain HTTP: no Secure flag");
        let cookie = format!("jaring_session={session}");
        // Every other page sends them back to the password form.
        let r = call(
            agent()
                .get(&format!("{url}/penduduk"))
                .set("Cookie", &cookie)
                .call(),
        );
        assert_eq!(r.status(), 303);
        assert_eq!(r.header("location"), Some("/akun/sandi"));
        let r = call(
            agent()
                .get(&format!("{url}/api/v1/me"))
                .set("Cookie", &cookie)
                .call(),
        );
        assert_eq!(r.status(), 403);

        // Change it: the form needs the session's CSRF token.
        let page = call(
            agent()
                .get(&format!("{url}/akun/sandi"))
                .set("Cookie", &cookie)
                .call(),
        )
        .into_string()
        .unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = call(
            agent()
                .post(&format!("{url}/akun/sandi"))
                .set("Cookie", &cookie)
                .send_form(&[
                    ("csrf", "salah"),
                    ("old", "kopi-pagi-atambua"),
                    ("new", "teh-sore-di-haliwen"),
                    ("again", "teh-sore-di-haliwen"),
                ]),
        );
        assert_eq!(r.status(), 403, "wrong CSRF token");
        let r = call(
            agent()
                .post(&format!("{url}/akun/sandi"))
                .set("Cookie", &cookie)
                .send_form(&[
                    ("csrf", &csrf),
                    ("old", "kopi-pagi-atambua"),
                    ("new", "teh-sore-di-haliwen"),
                    ("again", "teh-sore-di-haliwen"),
                ]),
        );
        assert_eq!(r.status(), 303);
        assert_eq!(r.header("location"), Some("/masuk"));
        // The new password works and leads where the user was going; the old one does not.
        assert_eq!(sign_in(&url, "maria", "kopi-pagi-atambua").status(), 401);
        let r = sign_in(&url, "maria", "teh-sore-di-haliwen");
        assert_eq!(r.header("location"), Some("/penduduk"));
        let (session, _) = set_cookie(&r, "jaring_session").unwrap();
        let me = call(
            agent()
                .get(&format!("{url}/api/v1/me"))
                .set("Cookie", &format!("jaring_session={session}"))
                .call(),
        );
        assert_eq!(me.status(), 200);
        let me: serde_json::Value = serde_json::from_str(&me.into_string().unwrap()).unwrap();
        assert_eq!(me["role"], "operator_desa");
        assert_eq!(me["region"], "53.04.01.2001");
        // The password change is in the audit log, without the password.
        let log = jaring_store::audit::list(
            &mut t.db.conn().unwrap(),
            &jaring_store::audit::AuditFilter {
                actor: Some("maria".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(log.iter().any(|e| e.entry.action == "user.password"));
        assert!(log
            .iter()
            .all(|e| !format!("{e:?}").contains("teh-sore-di-haliwen")));
    }
}

/// A demo database does not excuse an account the admin created from changing its initial password
/// (the demo's own accounts, whose passwords are published, go straight in).
#[test]
fn in_a_demo_database_a_new_account_still_changes_its_password_first() {
    for t in seeded() {
        jaring_store::settings::set(
            &mut t.db.conn().unwrap(),
            jaring_app::SETTING_DEMO,
            "seed=1 persons=10",
        )
        .unwrap();
        let url = start(t.db.clone());
        let r = sign_in(&url, "maria", "kopi-pagi-atambua");
        assert_eq!(
            r.header("location"),
            Some("/akun/sandi"),
            "{}",
            backends::label(&t.db)
        );
        let (session, _) = set_cookie(&r, "jaring_session").unwrap();
        let r = call(
            agent()
                .get(&format!("{url}/penduduk"))
                .set("Cookie", &format!("jaring_session={session}"))
                .call(),
        );
        assert_eq!(
            r.header("location"),
            Some("/akun/sandi"),
            "{}",
            backends::label(&t.db)
        );
        let r = sign_in(&url, "yosef", "kopi-pagi-atambua");
        assert_eq!(
            r.header("location"),
            Some("/penduduk"),
            "{}",
            backends::label(&t.db)
        );
    }
}

#[test]
fn failed_sign_ins_are_limited_and_sign_out_ends_the_session() {
    for t in seeded() {
        let url = start(t.db.clone());
        for _ in 0..5 {
            assert_eq!(sign_in(&url, "yosef", "bukan-sandinya").status(), 401);
        }
        // Locked now, even with the right password.
        let r = sign_in(&url, "yosef", "kopi-pagi-atambua");
        assert_eq!(r.status(), 429);
        assert!(r
            .into_string()
            .unwrap()
            .contains("Terlalu banyak percobaan"));
        // Another account is not locked by yosef's failures.
        let r = sign_in(&url, "maria", "kopi-pagi-atambua");
        assert_eq!(r.status(), 303);

        // Sign-out: the session stops working at once.
        let who = accounts::authenticate(&t.db, "maria", "kopi-pagi-atambua").unwrap();
        let (secret, csrf) = accounts::start_session(&t.db, &who).unwrap();
        let cookie = format!("jaring_session={secret}");
        let r = call(
            agent()
                .post(&format!("{url}/keluar"))
                .set("Cookie", &cookie)
                .send_form(&[("csrf", &csrf)]),
        );
        assert_eq!(r.status(), 303);
        let r = call(
            agent()
                .get(&format!("{url}/api/v1/me"))
                .set("Cookie", &cookie)
                .call(),
        );
        assert_eq!(r.status(), 401);

        // Bearer tokens work until the account is disabled.
        let token = accounts::create_token(
            &t.db,
            &jaring_app::accounts::Principal::cli(
                jaring_domain::RegionCode::parse("53.04").unwrap(),
                "test",
            ),
            "yosef",
            "uji",
        )
        .unwrap();
        let me = |token: &str| {
            call(
                agent()
                    .get(&format!("{url}/api/v1/me"))
                    .set("Authorization", &format!("Bearer {token}"))
                    .call(),
            )
            .status()
        };
        assert_eq!(me(&token), 200);
        assert_eq!(me("jrg_bukan-token"), 401);
        // Disabled behind the server's back (as `jaring user disable` in another process does): the
        // very next write is refused, and reads within a second.
        accounts::set_disabled(
            &t.db,
            &jaring_app::accounts::Principal::cli(
                jaring_domain::RegionCode::parse("53.04").unwrap(),
                "test",
            ),
            "yosef",
            true,
        )
        .unwrap();
        let write = call(
            agent()
                .post(&format!("{url}/api/v1/proposals/999999/reject"))
                .set("Authorization", &format!("Bearer {token}"))
                .set("Content-Type", "application/json")
                .send_string(r#"{"version": 1, "reason": "uji"}"#),
        );
        assert_eq!(write.status(), 401);
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        assert_eq!(me(&token), 401);
    }
}

/// Behind a trusted proxy, failures count per client as `X-Forwarded-For` names it, so one attacker
/// locks out only themselves; a user name under attack stays open to its owner's known address.
/// Before: 30 failures from anyone behind the proxy gave everyone 429 for 15 minutes.
#[test]
fn sign_in_limits_hold_one_client_behind_the_proxy_and_never_lock_out_the_owner() {
    for t in seeded() {
        let config = jaring_web::ServerConfig {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            ..Default::default()
        };
        let url = start_with(t.db.clone(), config);
        let via = |user: &str, pass: &str, xff: &str| {
            sign_in_via(&url, user, pass, "/penduduk", Some(xff)).status()
        };
        // Yosef works from his office's address; the proxy appends what it saw to what came in.
        assert_eq!(via("yosef", "kopi-pagi-atambua", "198.51.100.7"), 303);
        // An attacker guesses names from one address, writing a fake first entry of their own.
        for i in 0..30 {
            let status = via(&format!("tebak{i}"), "salah", "10.9.9.9, 203.0.113.9");
            assert_eq!(status, 401, "attempt {i}");
        }
        assert_eq!(via("tebak99", "salah", "203.0.113.9"), 429);
        assert_eq!(
            via("maria", "kopi-pagi-atambua", "10.9.9.9, 203.0.113.9"),
            429,
            "the attacker's address is held, whatever it writes before it"
        );
        // Everyone else behind the same proxy signs in.
        assert_eq!(via("maria", "kopi-pagi-atambua", "198.51.100.20"), 303);
        // Guessing yosef's password from other addresses locks his name for strangers only.
        for i in 0..5 {
            assert_eq!(via("yosef", "salah", &format!("203.0.113.{}", 50 + i)), 401);
        }
        assert_eq!(via("yosef", "kopi-pagi-atambua", "203.0.113.60"), 429);
        assert_eq!(
            via("yosef", "kopi-pagi-atambua", "198.51.100.7"),
            303,
            "his own address still passes"
        );
    }
    // Without a trusted proxy the header is the client's word and is not believed: failures count
    // against the peer whatever it claims.
    for t in seeded() {
        let url = start(t.db.clone());
        for i in 0..30 {
            let xff = format!("203.0.113.{i}");
            let status = sign_in_via(&url, &format!("tebak{i}"), "salah", "/", Some(&xff)).status();
            assert_eq!(status, 401);
        }
        let r = sign_in_via(
            &url,
            "maria",
            "kopi-pagi-atambua",
            "/",
            Some("198.51.100.1"),
        );
        assert_eq!(r.status(), 429);
    }
}

#[test]
fn the_openapi_document_lists_every_api_route() {
    let t = seeded().remove(0);
    let url = start(t.db.clone());
    let doc: serde_json::Value = serde_json::from_str(
        &call(agent().get(&format!("{url}/api/v1/openapi.json")).call())
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let paths = doc["paths"].as_object().unwrap();
    for route in jaring_web::route_table() {
        if !route.path.starts_with("/api/v1/") || route.path.ends_with("openapi.json") {
            continue;
        }
        let op = paths
            .get(route.path)
            .and_then(|p| p.get(route.method.as_str().to_lowercase()))
            .unwrap_or_else(|| panic!("{} {} missing from OpenAPI", route.method, route.path));
        // A success answer is documented: 200, or 202 for what is queued or accepted for later.
        assert!(
            op["responses"].get("200").is_some() || op["responses"].get("202").is_some(),
            "{} {}",
            route.method,
            route.path
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// Issue #18 item 3: every answer carries the security headers, and after signing in only a path
/// of this site is followed.
#[test]
fn security_headers_and_only_same_site_redirects_after_sign_in() {
    for t in seeded() {
        let url = start(t.db.clone());
        for path in ["/masuk", "/api/v1/me", "/tidak-ada", "/healthz"] {
            let r = call(agent().get(&format!("{url}{path}")).call());
            let csp = r.header("content-security-policy").unwrap_or_default();
            assert!(
                csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
                "{path}: {csp}"
            );
            assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(
                r.header("x-content-type-options"),
                Some("nosniff"),
                "{path}"
            );
            assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{path}");
            assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        }
        for (next, want) in [
            ("/penduduk?q=maria", "/penduduk?q=maria"),
            ("/\t/evil.example", "/"),
            ("//evil.example", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example/", "/"),
            ("/a\r\nSet-Cookie: x=1", "/"),
        ] {
            let r = sign_in_to(&url, "yosef", "kopi-pagi-atambua", next);
            assert_eq!(r.status(), 303, "{next:?}");
            assert_eq!(r.header("location"), Some(want), "{next:?}");
        }
    }
}
