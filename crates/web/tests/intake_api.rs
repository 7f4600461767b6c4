//! The civil-registry death intake over HTTP, on every backend: a signed DCI event becomes a death
//! proposal within the request; delivered again it changes nothing; a bad signature gets 401 and
//! stores nothing; a payload that is no death notification gets 422 in the JSON error shape and is
//! kept; a server without a key answers 404.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use jaring_store::{Database, Value};
use serde_json::{json, Value as Json};
use support::{agent, start, start_with, status_of};

const KEY: &str = "kunci-rahasia-dukcapil-uji";

fn count(db: &Database, sql: &str) -> i64 {
    db.conn().unwrap().query_i64(sql, &[]).unwrap()
}

fn post(url: &str, path: &str, body: &[u8], signature: Option<String>) -> (u16, Json) {
    let mut req = agent()
        .post(&format!("{url}{path}"))
        .set("Content-Type", "application/json");
    if let Some(s) = signature {
        req = req.set("X-Jaring-Signature", &s);
    }
    let (s, b) = status_of(req.send_bytes(body));
    (s, serde_json::from_str(&b).unwrap_or(Json::Null))
}

#[test]
fn a_signed_death_event_over_http_makes_one_proposal_and_a_forged_one_nothing() {
    for t in backends::backends() {
        let db = t.db.clone();
        let l = backends::label(&db);
        let data = tempfile::tempdir().unwrap();
        let config = jaring_synth::Config {
            persons: 1_500,
            seed: 5,
            ..jaring_synth::Config::default()
        };
        jaring_app::prepare_demo(&db, &config).unwrap();
        let url = start_with(
            db.clone(),
            jaring_web::ServerConfig {
                data_dir: data.path().to_path_buf(),
                intake_key: Some(jaring_web::Secret::new(KEY)),
                ..Default::default()
            },
        );
        let rows = db
            .conn()
            .unwrap()
            .query(
                "SELECT id, nik, name, birth_date FROM persons p WHERE life_status = 'alive' \
                 AND nik IS NOT NULL AND NOT EXISTS (SELECT 1 FROM proposals r \
                 WHERE r.person_id = p.id AND r.kind = 'mark_deceased') ORDER BY id LIMIT 1",
                &[],
            )
            .unwrap();
        let person = rows[0].i64(0).unwrap();
        let body = json!({
            "header": {"message_id": "m-1", "action": "notify", "sender_id": "dukcapil-belu"},
            "message": {"transaction_id": "t-1", "notify_event": [{
                "reference_id": "akta-http-0001",
                "data": {"event_type": "death", "reg_records": {
                    "identifier": [{"identifier_type": "NIK", "identifier_value": rows[0].text(1).unwrap()}],
                    "name": rows[0].text(2).unwrap(),
                    "birth_date": rows[0].opt_date(3).unwrap().map(|d| d.to_string()),
                    "death_date": "2026-11-30"
                }}
            }]}
        })
        .to_string()
        .into_bytes();
        let of_person = || {
            db.conn()
                .unwrap()
                .query_i64(
                    "SELECT COUNT(*) FROM proposals WHERE person_id = $1 AND kind = 'mark_deceased'",
                    &[Value::Int(person)],
                )
                .unwrap()
        };

        // Forged: 401, nothing stored.
        let (s, b) = post(
            &url,
            "/api/v1/intake/dci",
            &body,
            Some("sha256=00ff".into()),
        );
        assert_eq!(s, 401, "{l}: {b}");
        assert_eq!(b["error"]["code"], "unauthenticated", "{l}: {b}");
        let (s, _) = post(&url, "/api/v1/intake/dci", &body, None);
        assert_eq!(s, 401, "{l}");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM intake_events"), 0, "{l}");
        assert_eq!(of_person(), 0, "{l}");

        // Signed: the proposal exists when the answer comes.
        let sign = |b: &[u8]| Some(jaring_app::intake::sign(KEY.as_bytes(), b));
        let (s, b) = post(&url, "/api/v1/intake/dci", &body, sign(&body));
        assert_eq!(s, 200, "{l}: {b}");
        assert_eq!(b["events"][0]["status"], "processed", "{l}: {b}");
        assert_eq!(b["events"][0]["proposals"], 1, "{l}: {b}");
        assert_eq!(of_person(), 1, "{l}");

        // Retried by the sender: the same answer's effect, nothing new.
        let (s, b) = post(&url, "/api/v1/intake/dci", &body, sign(&body));
        assert_eq!(s, 200, "{l}: {b}");
        assert_eq!(b["events"][0]["status"], "duplicate", "{l}: {b}");
        assert_eq!(of_person(), 1, "{l}");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM intake_events"), 1, "{l}");

        // Signed but no death notification: 422 in the error shape, kept for inspection.
        let junk = br#"{"message": {"notify_event": [{"reference_id": "x"}]}}"#;
        let (s, b) = post(&url, "/api/v1/intake/dci", junk, sign(junk));
        assert_eq!(s, 422, "{l}: {b}");
        assert!(b["error"]["message"].as_str().is_some(), "{l}: {b}");
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM intake_events WHERE status = 'rejected'"
            ),
            1,
            "{l}"
        );

        // A server with no key configured has no intake.
        let plain = start(db.clone(), data.path());
        let (s, b) = post(&plain, "/api/v1/intake/opencrvs", &body, sign(&body));
        assert_eq!(s, 404, "{l}: {b}");
    }
}
