//! What the server holds back, on every backend: imports at most `max_imports` at a time (one more
//! waits briefly, then gets 429 with `Retry-After`), bodies over their limit answered 413 in the API's
//! JSON shape (uploads and JSON alike) or as a page, a stalled body cut off, and no spooled upload
//! left behind on any of these paths. Each failed before: 413 was plain text, 64 MiB bodies were
//! accepted by every route, imports ran without limit and uploads stayed in the system temp dir.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use jaring_app::accounts::{self, Principal, UserSpec};
use jaring_domain::access::Role;
use jaring_domain::RegionCode;
use jaring_store::Database;

fn start(db: Database, config: jaring_web::ServerConfig) -> String {
    let state = jaring_web::AppState::with_config(db, config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                jaring_web::serve(state, listener).await.unwrap();
            });
    });
    format!("http://{addr}")
}

/// An admin's bearer token.
fn admin_token(db: &Database) -> String {
    let regency = RegionCode::parse("53.04").unwrap();
    jaring_store::regions::seed_regions(db, regency).unwrap();
    let cli = Principal::cli(regency, "test");
    accounts::add_user(
        db,
        &cli,
        &UserSpec {
            username: "admin".into(),
            full_name: "Admin".into(),
            role: Role::AdminKabupaten,
            region: regency,
            password: "kopi-pagi-atambua".into(),
            must_change_password: false,
        },
    )
    .unwrap();
    accounts::create_token(db, &cli, "admin", "test").unwrap()
}

/// Posts `body` as an upload through the API; returns status, `Retry-After` and the JSON body.
fn upload(url: &str, token: &str, name: &str, body: &[u8]) -> (u16, Option<String>, String) {
    let r = ureq::post(&format!("{url}/api/v1/imports"))
        .query("kind", "registry")
        .query("file_name", name)
        .set("Authorization", &format!("Bearer {token}"))
        .send_bytes(body);
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let retry = r.header("retry-after").map(str::to_string);
    (r.status(), retry, r.into_string().unwrap())
}

fn spooled(data: &Path) -> usize {
    std::fs::read_dir(data.join("uploads"))
        .map(|d| d.count())
        .unwrap_or(0)
}

const SMALL: &[u8] = b"NIK,Nama,Kode Desa\n5304015205900001,Maria Bere,53.04.01.2001\n";

#[test]
fn a_second_import_waits_then_is_told_when_to_come_back() {
    for t in backends::backends() {
        let token = admin_token(&t.db);
        let data = tempfile::tempdir().unwrap();
        let timeouts = jaring_web::Timeouts {
            import_wait: Duration::from_millis(300),
            ..Default::default()
        };
        let url = start(
            t.db.clone(),
            jaring_web::ServerConfig {
                data_dir: data.path().to_path_buf(),
                max_imports: 1,
                timeouts,
                ..Default::default()
            },
        );
        // A long import: a workbook of 150,000 rejected rows.
        let big = data.path().join("sampah.xlsx");
        jaring_synth::hostile::junk_rows(&big, 150_000).unwrap();
        let body = std::fs::read(&big).unwrap();
        let long = {
            let (url, token) = (url.clone(), token.clone());
            std::thread::spawn(move || upload(&url, &token, "sampah.xlsx", &body))
        };
        std::thread::sleep(Duration::from_millis(1500));
        let (status, retry, body) = upload(&url, &token, "desa.csv", SMALL);
        assert_eq!(status, 429, "{body}");
        assert_eq!(retry.as_deref(), Some("30"));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "busy");
        assert!(json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("coba lagi dalam 30 detik / the server is busy"));
        let (status, _, body) = long.join().unwrap();
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["import"]["rejected"], 150_000);
        // The place is free again.
        assert_eq!(upload(&url, &token, "desa.csv", SMALL).0, 200);
        assert_eq!(spooled(data.path()), 0, "no upload left in the spool");
    }
}

#[test]
fn bodies_over_their_limit_are_answered_413_in_the_callers_shape_and_stalled_ones_cut_off() {
    for t in backends::backends() {
        let token = admin_token(&t.db);
        let data = tempfile::tempdir().unwrap();
        let timeouts = jaring_web::Timeouts {
            body_idle: Duration::from_secs(1),
            ..Default::default()
        };
        let url = start(
            t.db.clone(),
            jaring_web::ServerConfig {
                data_dir: data.path().to_path_buf(),
                max_upload: 1 << 20,
                timeouts,
                ..Default::default()
            },
        );
        let two_mib = vec![b'a'; 2 << 20];
        let (status, _, body) = upload(&url, &token, "besar.csv", &two_mib);
        assert_eq!(status, 413, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "too_large");
        assert!(json["error"]["message"].as_str().unwrap().contains("1 MiB"));
        // A JSON route takes a form-sized body only, answered in the same shape.
        let r = ureq::post(&format!("{url}/api/v1/proposals/1/reject"))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/json")
            .send_bytes(&vec![b' '; (jaring_web::MAX_FORM_BODY) + 10]);
        let r = match r {
            Err(ureq::Error::Status(_, r)) => r,
            other => panic!("{:?}", other.map(|r| r.status())),
        };
        assert_eq!(r.status(), 413);
        let json: serde_json::Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
        assert_eq!(json["error"]["code"], "too_large");

        // A body that stops half-way is cut off after the idle timeout, not held.
        let addr = url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST /api/v1/imports?kind=registry&file_name=lambat.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 10000\r\n\r\nNIK,Nama"
        )
        .unwrap();
        let started = Instant::now();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "held for {:?}",
            started.elapsed()
        );
        assert!(answer.starts_with("HTTP/1.1 4"), "answered: {answer:.200}");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(spooled(data.path()), 0, "no upload left in the spool");
    }
}
