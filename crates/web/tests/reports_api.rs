//! The village's reports over the JSON API, on every backend: a death reported with an
//! Idempotency-Key twice makes one proposal, waits for a second person and is confirmed by the
//! kecamatan; births, moves, arrivals, appointments, corrections and objections answer as
//! documented; bad input gets the JSON error shape; another village's resident is not found.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use jaring_app::accounts::{self, Principal};
use jaring_domain::access::Role;
use jaring_domain::RegionCode;
use jaring_store::Database;
use serde_json::{json, Value};
use support::{agent, start, status_of};

struct Api {
    url: String,
}

impl Api {
    fn post(&self, token: &str, path: &str, key: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = agent()
            .post(&format!("{}{path}", self.url))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/json");
        if let Some(k) = key {
            req = req.set("Idempotency-Key", k);
        }
        let (s, b) = status_of(req.send_string(&body.to_string()));
        (s, serde_json::from_str(&b).unwrap_or(Value::Null))
    }

    fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let (s, b) = status_of(
            agent()
                .get(&format!("{}{path}", self.url))
                .set("Authorization", &format!("Bearer {token}"))
                .call(),
        );
        (s, serde_json::from_str(&b).unwrap_or(Value::Null))
    }
}

fn token(db: &Database, regency: RegionCode, user: &str) -> String {
    accounts::create_token(db, &Principal::cli(regency, "uji"), user, "uji").unwrap()
}

/// Living residents of `village` that no death proposal names, oldest id first.
fn residents(db: &Database, village: &str) -> Vec<i64> {
    db.conn()
        .unwrap()
        .query(
            "SELECT id FROM persons p WHERE village_code = $1 AND life_status = 'alive' \
             AND household_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM proposals r WHERE r.person_id = p.id AND r.kind = 'mark_deceased') \
             ORDER BY id LIMIT 6",
            &[village.into()],
        )
        .unwrap()
        .iter()
        .map(|r| r.i64(0).unwrap())
        .collect()
}

#[test]
fn reports_over_the_api_act_once_and_wait_for_whom_they_should() {
    for t in backends::backends() {
        let db = t.db.clone();
        let l = backends::label(&db);
        let data = tempfile::tempdir().unwrap();
        let config = jaring_synth::Config {
            persons: 1_500,
            seed: 5,
            ..jaring_synth::Config::default()
        };
        let summary = jaring_app::prepare_demo(&db, &config).unwrap();
        let account = |role: Role| summary.accounts.iter().find(|a| a.1 == role).unwrap();
        let village = account(Role::OperatorDesa).2.clone();
        let regency = RegionCode::parse(&account(Role::AdminKabupaten).2).unwrap();
        let desa = token(&db, regency, &account(Role::OperatorDesa).0);
        let kecamatan = token(&db, regency, &account(Role::OperatorKecamatan).0);
        let api = Api {
            url: start(db.clone(), data.path()),
        };
        // Every page is compressed for a weak mobile link (gzip or brotli, as the phone asks).
        // (A raw request: an HTTP client library would decompress and drop the header.)
        for encoding in ["gzip", "br"] {
            use std::io::{Read, Write};
            let mut stream =
                std::net::TcpStream::connect(api.url.trim_start_matches("http://")).unwrap();
            write!(
                stream,
                "GET /masuk HTTP/1.1\r\nHost: jaring\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut response = Vec::new();
            stream.read_to_end(&mut response).unwrap();
            let head = String::from_utf8_lossy(&response).to_ascii_lowercase();
            let head = head
                .split("\r\n\r\n")
                .next()
                .unwrap_or_default()
                .to_string();
            assert!(
                head.contains(&format!("content-encoding: {encoding}")),
                "{l}: {head}"
            );
        }
        let people = residents(&db, &village);
        assert!(people.len() >= 6, "{l}: {people:?}");

        // A death, sent twice with one key (a retry after a timeout): one proposal.
        let death = json!({"date": "2026-11-20", "place": "Rumah", "document": "village_letter",
            "document_number": "474.3/9/2026"});
        let path = format!("/api/v1/persons/{}/death", people[0]);
        let (s1, first) = api.post(&desa, &path, Some("kunci-uji-0001"), death.clone());
        let (s2, again) = api.post(&desa, &path, Some("kunci-uji-0001"), death.clone());
        assert_eq!((s1, s2), (201, 200), "{l}: {first} {again}");
        assert_eq!(first["proposal_id"], again["proposal_id"], "{l}");
        assert_eq!(first["waits"], "second_person", "{l}");
        assert_eq!(again["repeated"], true, "{l}");
        let n = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT COUNT(*) FROM proposals WHERE person_id = $1 AND kind = 'mark_deceased'",
                &[people[0].into()],
            )
            .unwrap();
        assert_eq!(n, 1, "{l}");
        let pid = first["proposal_id"].as_i64().unwrap();
        let (s, _) = api.post(
            &desa,
            &format!("/api/v1/proposals/{pid}/approve"),
            None,
            json!({}),
        );
        assert_eq!(s, 403, "{l}: the reporter does not confirm its own report");
        let (s, decided) = api.post(
            &kecamatan,
            &format!("/api/v1/proposals/{pid}/approve"),
            None,
            json!({}),
        );
        assert_eq!(s, 200, "{l}: {decided}");
        let (_, person) = api.get(&desa, &format!("/api/v1/persons/{}", people[0]));
        assert_eq!(person["person"]["life_status"], "deceased", "{l}");

        // The other reports.
        let (s, birth) = api.post(
            &desa,
            &format!("/api/v1/persons/{}/births", people[1]),
            Some("kunci-uji-0002"),
            json!({"name": "Bayi Api", "sex": "m", "birth_date": "2026-11-29"}),
        );
        assert_eq!(
            (s, &birth["waits"]),
            (201, &json!("nobody")),
            "{l}: {birth}"
        );
        let other_village: String = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT code FROM regions WHERE level = 'desa' AND code <> $1 ORDER BY code LIMIT 1",
                &[village.clone().into()],
            )
            .unwrap()
            .unwrap()
            .text(0)
            .unwrap();
        let (s, moved) = api.post(
            &desa,
            &format!("/api/v1/persons/{}/move", people[2]),
            None,
            json!({"to": other_village, "on": "2026-11-15"}),
        );
        assert_eq!(
            (s, &moved["waits"]),
            (201, &json!("other_village")),
            "{l}: {moved}"
        );
        let (s, appointed) = api.post(
            &desa,
            &format!("/api/v1/persons/{}/appointment", people[3]),
            None,
            json!({"status": "pns", "since": "2026-10-01", "decree": "SK-1"}),
        );
        assert_eq!(
            (s, &appointed["applied"]),
            (201, &json!(true)),
            "{l}: {appointed}"
        );
        let (s, corrected) = api.post(
            &desa,
            &format!("/api/v1/persons/{}/corrections", people[4]),
            None,
            json!({"field": "name", "value": "Nama Koreksi Api", "reason": "KTP-el"}),
        );
        assert_eq!(
            (s, &corrected["applied"]),
            (201, &json!(true)),
            "{l}: {corrected}"
        );
        let (s, objected) = api.post(
            &desa,
            &format!("/api/v1/proposals/{}/objection", corrected["proposal_id"]),
            None,
            json!({"objector": "Yang bersangkutan", "reason": "nama lama benar"}),
        );
        assert_eq!(
            (s, &objected["waits"]),
            (201, &json!("reviewer")),
            "{l}: {objected}"
        );
        let (s, arrived) = api.post(
            &desa,
            "/api/v1/arrivals",
            None,
            json!({"nik": "5371014507950003", "name": "Pendatang Api", "sex": "f",
                "relationship": "other", "origin": "Kupang", "on": "2026-11-10"}),
        );
        assert_eq!(
            (s, &arrived["applied"]),
            (201, &json!(true)),
            "{l}: {arrived}"
        );

        // Pecah KK: a resident of a household of several leaves under a new card.
        let head = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT MIN(p.id) FROM persons p WHERE p.village_code = $1 AND p.life_status = 'alive' \
                 AND p.id NOT IN ($2, $3, $4, $5, $6) AND (SELECT COUNT(*) FROM persons o \
                 WHERE o.household_id = p.household_id AND o.life_status = 'alive') >= 2",
                &[
                    village.clone().into(),
                    people[0].into(),
                    people[1].into(),
                    people[2].into(),
                    people[3].into(),
                    people[4].into(),
                ],
            )
            .unwrap();
        let (s, split) = api.post(
            &desa,
            &format!("/api/v1/persons/{head}/split"),
            None,
            json!({"no_kk": "5304012611260001", "on": "2026-11-01"}),
        );
        assert_eq!((s, &split["applied"]), (201, &json!(true)), "{l}: {split}");
        let (s, _) = api.post(
            &desa,
            &format!("/api/v1/persons/{head}/split"),
            None,
            json!({"no_kk": "5304012611260001", "on": "2026-11-01"}),
        );
        assert_eq!(s, 422, "{l}: the number is taken now");
        // Bad input: the JSON error shape, nothing stored.
        let (s, bad) = api.post(
            &desa,
            &format!("/api/v1/persons/{}/death", people[5]),
            None,
            json!({"date": "kemarin", "document_number": "1"}),
        );
        assert_eq!(
            (s, &bad["error"]["code"]),
            (422, &json!("invalid")),
            "{l}: {bad}"
        );
        let (s, _) = api.post(
            &desa,
            &format!("/api/v1/persons/{}/death", people[5]),
            Some("bad key!"),
            death.clone(),
        );
        assert_eq!(s, 422, "{l}");
        // Another village's resident is not found, whatever the body.
        let elsewhere = residents(&db, &other_village)[0];
        let (s, _) = api.post(
            &desa,
            &format!("/api/v1/persons/{elsewhere}/death"),
            None,
            json!({}),
        );
        assert_eq!(s, 404, "{l}");
    }
}
