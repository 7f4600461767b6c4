//! The authorisation matrix: every route the server declares × every role × a thing in the role's own
//! region and one outside it, on every backend. The expectations are written here, independently of
//! the code's own permission table, and a route without an expectation fails the test, so no route
//! can be added without deciding who may use it.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use std::path::Path;

use axum::http::Method;
use jaring_app::accounts::{self, Principal, UserSpec};
use jaring_domain::access::Role;
use jaring_domain::RegionCode;
use jaring_store::review::ProposalFilter;
use jaring_store::Database;
use support::{agent, start, status_of};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Allowed,
    Denied,
}
use Expect::{Allowed, Denied};

/// Who may use which route on something in their own region. Outside it, everything with a region or
/// an entity in the path is denied (403 or 404).
fn expected(method: &Method, path: &str, role: Role) -> Expect {
    use Role::*;
    let any = Allowed;
    let only = |roles: &[Role]| {
        if roles.contains(&role) {
            Allowed
        } else {
            Denied
        }
    };
    match (method.as_str(), path) {
        ("GET", "/") | ("GET", "/wilayah/{code}") => any,
        ("GET", "/penduduk") | ("GET", "/penduduk/{id}") => any,
        ("GET", "/penduduk/{id}/ubah") | ("POST", "/penduduk/{id}/ubah") => {
            only(&[OperatorDesa, AdminKabupaten])
        }
        // The village's reports: whoever edits residents there reports; an objection is lodged on a
        // resident's behalf by the same.
        ("GET" | "POST", "/penduduk/datang")
        | ("GET" | "POST", "/penduduk/{id}/meninggal")
        | ("GET" | "POST", "/penduduk/{id}/kelahiran")
        | ("GET" | "POST", "/penduduk/{id}/pindah")
        | ("GET" | "POST", "/penduduk/{id}/pengangkatan")
        | ("GET" | "POST", "/penduduk/{id}/koreksi")
        | ("GET" | "POST", "/penduduk/{id}/pecah-kk")
        | ("GET" | "POST", "/tinjau/{id}/keberatan") => only(&[OperatorDesa, AdminKabupaten]),
        ("POST", "/tinjau/setujui-otomatis") => only(&[OperatorDesa, AdminKabupaten]),
        // Letters are read from what every role may read (NIKs masked for the auditor); a living
        // resident's death letter or a claim that is no death is refused as invalid (422).
        ("GET", "/penduduk/{id}/surat-kematian.pdf")
        | ("GET", "/klaim/{id}/surat-ahli-waris.pdf") => any,
        ("POST", "/api/v1/persons/{id}/death")
        | ("POST", "/api/v1/persons/{id}/births")
        | ("POST", "/api/v1/persons/{id}/move")
        | ("POST", "/api/v1/persons/{id}/appointment")
        | ("POST", "/api/v1/persons/{id}/corrections")
        | ("POST", "/api/v1/persons/{id}/split")
        | ("POST", "/api/v1/arrivals")
        | ("POST", "/api/v1/proposals/{id}/objection") => only(&[OperatorDesa, AdminKabupaten]),
        ("GET", "/impor") => any,
        ("POST", "/impor") | ("POST", "/api/v1/imports") => {
            only(&[OperatorDesa, AdminKabupaten, PetugasBpjs])
        }
        // Village and district operators read the reports of their own imports; a district operator
        // imports nothing, so has none.
        ("GET", "/impor/{id}/galat") => only(&[OperatorDesa, AdminKabupaten, PetugasBpjs, Auditor]),
        ("GET", "/tinjau") | ("GET", "/tinjau/{id}") => any,
        ("POST", "/tinjau/{id}/setujui")
        | ("POST", "/tinjau/{id}/tolak")
        | ("POST", "/api/v1/proposals/{id}/approve")
        | ("POST", "/api/v1/proposals/{id}/reject") => only(&[OperatorDesa, AdminKabupaten]),
        ("GET", "/program") | ("GET", "/klaim") | ("GET", "/klaim/{id}") | ("GET", "/audit") => any,
        // The village gathers a claim and submits it; BPJS verifies, pays or rejects.
        ("POST", "/klaim/{id}/data")
        | ("POST", "/klaim/{id}/ajukan")
        | ("GET", "/penduduk/{id}/klaim")
        | ("POST", "/penduduk/{id}/klaim") => only(&[OperatorDesa, AdminKabupaten]),
        ("POST", "/klaim/{id}/verifikasi")
        | ("POST", "/klaim/{id}/bayar")
        | ("POST", "/klaim/{id}/tolak") => only(&[PetugasBpjs, AdminKabupaten]),
        // Exports are bounded by the region and masked by role, so every role may download its own.
        ("GET", "/ekspor") | ("GET", "/ekspor/{file}") => any,
        // The budget projection of the user's own region.
        ("GET", "/anggaran") => any,
        // The photo sent with a report, wherever its proposal may be read.
        ("GET", "/tinjau/{id}/foto") => any,
        // Which villages keep their data current, within the reader's region.
        ("GET", "/desa-terkini") => any,
        ("POST", "/program/{code}/aturan") => only(&[AdminKabupaten]),
        ("GET", "/pengguna")
        | ("POST", "/pengguna")
        | ("POST", "/pengguna/{username}/nonaktif")
        | ("GET", "/api/v1/users") => only(&[AdminKabupaten]),
        ("POST", "/keluar") | ("GET", "/akun/sandi") | ("POST", "/akun/sandi") => any,
        ("GET", "/api/v1/me")
        | ("GET", "/api/v1/overview")
        | ("GET", "/api/v1/coverage")
        | ("GET", "/api/v1/persons")
        | ("GET", "/api/v1/persons/{id}")
        | ("GET", "/api/v1/proposals")
        | ("GET", "/api/v1/proposals/{id}")
        | ("GET", "/api/v1/programmes")
        | ("GET", "/api/v1/imports")
        | ("GET", "/api/v1/audit") => any,
        // Regency-wide jobs, their schedules and the intake's state: the regency's admin.
        ("GET", "/tugas")
        | ("POST", "/tugas")
        | ("POST", "/tugas/jadwal")
        | ("GET", "/tugas/{job}")
        | ("GET", "/tugas/{job}/berkas")
        | ("GET", "/api/v1/jobs")
        | ("POST", "/api/v1/jobs")
        | ("GET", "/api/v1/jobs/{job}") => only(&[AdminKabupaten]),
        (m, p) => panic!("route {m} {p} has no expectation in the authorisation matrix"),
    }
}

/// Whether the route names something that belongs to a region (so "other region" applies).
fn regional(path: &str) -> bool {
    ["{code}", "{id}", "{username}"]
        .iter()
        .any(|p| path.contains(p))
        && !path.starts_with("/program/")
}

struct Fixture {
    url: String,
    db: Database,
    village: RegionCode,
    other_village: RegionCode,
    own_person: i64,
    other_person: i64,
    pending_own: std::cell::RefCell<Vec<i64>>,
    other_proposal: i64,
    /// A death reported with a photo in the own village (its photo route answers).
    photo_proposal: i64,
    own_claim: i64,
    other_claim: i64,
    imports: std::collections::HashMap<String, i64>,
    other_import: i64,
    /// A finished job that wrote a file (the terminations export).
    job: i64,
    counter: std::cell::Cell<usize>,
}

/// The principal of an account, as a signed-in session would carry it.
fn principal(db: &Database, username: &str) -> Principal {
    let u = accounts::user(
        db,
        &Principal::system(RegionCode::parse("53.04").unwrap()),
        username,
    )
    .unwrap();
    Principal {
        user_id: u.id,
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        grant: jaring_domain::access::Grant {
            role: Role::from_code(&u.role).unwrap(),
            scope: RegionCode::parse(&u.region_code).unwrap(),
        },
        must_change_password: false,
    }
}

/// A fresh session secret for a user (each request gets its own, so signing out ends only that one).
fn session_for(db: &Database, username: &str) -> String {
    accounts::start_session(db, &principal(db, username))
        .unwrap()
        .0
}

const BAD_REGISTRY: &str = "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan\n\
123,5304012411140001,Orang Salah,L,Kewar,1978-11-16,Dusun 1,VILLAGE,Kepala Keluarga,Kawin,Petani/Pekebun\n";

/// The content type of [`multipart`]'s bodies.
const MULTIPART: &str = "multipart/form-data; boundary=----jaringtest";

/// The import form's body: its CSRF token, the kind of list and one CSV file.
fn multipart(csrf: &str, kind: &str, body: &str) -> String {
    let boundary = "----jaringtest";
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\nContent-Type: text/csv\r\n\r\n{body}\r\n\
         --{boundary}--\r\n"
    )
}

fn bpjs_file() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import/34_bpjs.csv"),
    )
    .unwrap()
}

impl Fixture {
    fn new(db: Database, data: &Path) -> Fixture {
        let config = jaring_synth::Config {
            persons: 3_000,
            seed: 3,
            ..jaring_synth::Config::default()
        };
        let summary = jaring_app::prepare_demo(&db, &config).unwrap();
        let village = RegionCode::parse(
            &summary
                .accounts
                .iter()
                .find(|a| a.1 == Role::OperatorDesa)
                .unwrap()
                .2,
        )
        .unwrap();
        let district = village.parent().unwrap();
        let mut conn = db.conn().unwrap();
        let other_village = RegionCode::parse(
            &conn
                .query_opt(
                    "SELECT code FROM regions WHERE level = 'desa' AND code NOT LIKE $1 ORDER BY code LIMIT 1",
                    &[format!("{district}.%").into()],
                )
                .unwrap()
                .unwrap()
                .text(0)
                .unwrap(),
        )
        .unwrap();
        let person_in = |conn: &mut jaring_store::Conn, v: RegionCode| {
            conn.query_i64(
                "SELECT MIN(id) FROM persons WHERE village_code = $1",
                &[v.to_string().into()],
            )
            .unwrap()
        };
        let own_person = person_in(&mut conn, village);
        let other_person = person_in(&mut conn, other_village);
        let pending = |prefix: RegionCode| {
            jaring_app::review::list(
                &db,
                &job("test"),
                &ProposalFilter {
                    status: Some("pending".into()),
                    region_prefix: Some(prefix.to_string()),
                    ..Default::default()
                },
            )
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
        };
        let mut pending_own = pending(village);
        // Not enough pending proposals in the village: make edits to decide on.
        let ctx = jaring_app::review::Context::load(&mut conn, config.as_of).unwrap();
        let mut n = 0;
        while pending_own.len() < 30 {
            n += 1;
            let mut values = jaring_domain::review::FieldValues::new();
            values.insert("occupation".into(), Some(format!("Petani {n}")));
            pending_own.push(
                jaring_app::review::propose(
                    &db,
                    &job("test"),
                    jaring_domain::review::ProposalKind::Edit,
                    jaring_domain::review::Intent::SetFields {
                        person_id: own_person,
                        values,
                    },
                    "test",
                    &ctx,
                )
                .unwrap(),
            );
        }
        let other_proposal = {
            let mut values = jaring_domain::review::FieldValues::new();
            values.insert("occupation".into(), Some("Nelayan".into()));
            jaring_app::review::propose(
                &db,
                &job("test"),
                jaring_domain::review::ProposalKind::Edit,
                jaring_domain::review::Intent::SetFields {
                    person_id: other_person,
                    values,
                },
                "test",
                &ctx,
            )
            .unwrap()
        };
        drop(conn);
        accounts::add_user(
            &db,
            &jaring_app::accounts::Principal::cli(
                jaring_domain::RegionCode::parse("53.04").unwrap(),
                "test",
            ),
            &UserSpec {
                username: "desa2".into(),
                full_name: "Operator desa lain".into(),
                role: Role::OperatorDesa,
                region: other_village,
                password: "kata-sandi-panjang".into(),
                must_change_password: false,
            },
        )
        .unwrap();
        let errors = data.join("errors");
        let upload = |user: &str, kind: jaring_domain::ListKind, body: &str, name: &str| {
            let file = data.join(name);
            std::fs::write(&file, body).unwrap();
            let who = principal(&db, user);
            jaring_app::import::import_as(&db, &who, kind, &file, name, &errors)
                .unwrap()
                .import_id
        };
        let registry = |v: RegionCode| BAD_REGISTRY.replace("VILLAGE", &v.to_string());
        let mut imports = std::collections::HashMap::new();
        imports.insert(
            "desa".to_string(),
            upload(
                "desa",
                jaring_domain::ListKind::Registry,
                &registry(village),
                "desa.csv",
            ),
        );
        let admin_import = upload(
            "admin",
            jaring_domain::ListKind::Registry,
            &registry(village),
            "admin.csv",
        );
        for u in ["admin", "auditor", "kecamatan"] {
            imports.insert(u.to_string(), admin_import);
        }
        imports.insert(
            "bpjs".to_string(),
            upload(
                "bpjs",
                jaring_domain::ListKind::Bpjs,
                &format!("{}\nrusak,,,\n", bpjs_file().trim_end()),
                "bpjs.csv",
            ),
        );
        let other_import = upload(
            "desa2",
            jaring_domain::ListKind::Registry,
            &registry(other_village),
            "lain.csv",
        );
        // A work-accident claim in each village (a death claim needs a recorded death first).
        let admin = principal(&db, "admin");
        let claim_for = |person: i64| {
            jaring_app::claims::open(
                &db,
                &admin,
                person,
                jaring_domain::benefits::ClaimCase::TemporaryIncapacity,
                config.as_of,
                Some(jaring_domain::Rupiah(1_500_000)),
                Some(20),
            )
            .unwrap()
        };
        let own_claim = claim_for(own_person);
        let other_claim = claim_for(other_person);
        let photo_proposal = {
            let living = db
                .conn()
                .unwrap()
                .query_i64(
                    "SELECT MIN(id) FROM persons WHERE village_code = $1 AND life_status = 'alive'",
                    &[village.to_string().into()],
                )
                .unwrap();
            let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[1u8; 64][..]].concat();
            let report = jaring_app::events::Report::Death(jaring_app::events::Death {
                person_id: living,
                date: config.as_of,
                place: "Rumah".into(),
                document: jaring_app::events::DeathDocument::VillageLetter("1/2026".into()),
                photo: Some(jaring_app::events::Photo::sniff(jpeg).unwrap()),
            });
            jaring_app::events::submit(
                &db,
                &admin,
                &jaring_app::events::SubmissionId::fresh(),
                report,
                &ctx,
            )
            .unwrap()
            .proposal_id
        };
        let job = jaring_app::jobs::run_now(
            &db,
            &jaring_app::jobs::JobEnv::in_data_dir(data),
            &Principal::system(RegionCode::parse("53.04").unwrap()),
            jaring_app::jobs::JobKind::ExportTerminations,
            &jaring_app::jobs::Silent,
        )
        .unwrap()
        .id;
        let url = start(db.clone(), data);
        Fixture {
            url,
            db,
            village,
            other_village,
            own_person,
            other_person,
            pending_own: std::cell::RefCell::new(pending_own),
            other_proposal,
            photo_proposal,
            own_claim,
            other_claim,
            imports,
            other_import,
            job,
            counter: std::cell::Cell::new(0),
        }
    }

    /// The concrete path for a route pattern, for `user` and own/other region.
    fn path(&self, method: &Method, pattern: &str, user: &str, role: Role, own: bool) -> String {
        let mut p = pattern.to_string();
        let region = if own {
            // Something in every scope: the demo's village lies in the kecamatan and the regency.
            self.village
        } else {
            match role {
                // Regency-wide roles have no other region in this database: a regency elsewhere.
                Role::AdminKabupaten | Role::PetugasBpjs | Role::Auditor => {
                    RegionCode::parse("53.01").unwrap()
                }
                _ => self.other_village,
            }
        };
        p = p.replace("{code}", &region.to_string());
        if p.starts_with("/program/") {
            p = p.replace(&region.to_string(), "bpu_apbd_kab");
        }
        p = p.replace("{file}", "pemberhentian.xlsx");
        p = p.replace("{job}", &self.job.to_string());
        if p.contains("{username}") {
            let target = if own {
                self.counter.set(self.counter.get() + 1);
                let name = format!("korban{}", self.counter.get());
                accounts::add_user(
                    &self.db,
                    &jaring_app::accounts::Principal::cli(
                        jaring_domain::RegionCode::parse("53.04").unwrap(),
                        "test",
                    ),
                    &UserSpec {
                        username: name.clone(),
                        full_name: name.clone(),
                        role: Role::OperatorDesa,
                        region: self.village,
                        password: "kata-sandi-panjang".into(),
                        must_change_password: false,
                    },
                )
                .unwrap();
                name
            } else if matches!(role, Role::AdminKabupaten) {
                "tidak-ada".to_string()
            } else {
                "desa2".to_string()
            };
            p = p.replace("{username}", &target);
        }
        if p.contains("{id}") {
            let id = if pattern.contains("galat") {
                if own {
                    self.imports.get(user).copied().unwrap_or(self.other_import)
                } else if matches!(role, Role::OperatorDesa | Role::OperatorKecamatan) {
                    self.other_import
                } else {
                    99_999_999
                }
            } else if pattern.starts_with("/klaim/") {
                if own {
                    self.own_claim
                } else if matches!(role, Role::OperatorDesa | Role::OperatorKecamatan) {
                    self.other_claim
                } else {
                    99_999_999
                }
            } else if pattern.contains("penduduk") || pattern.contains("persons") {
                if own {
                    self.own_person
                } else if matches!(role, Role::OperatorDesa | Role::OperatorKecamatan) {
                    self.other_person
                } else {
                    99_999_999
                }
            } else if pattern.ends_with("/foto") && own {
                self.photo_proposal
            } else if own {
                // An objection to a pending proposal is refused (422) and decides nothing.
                let decides = method == Method::POST
                    && !pattern.contains("keberatan")
                    && !pattern.contains("objection");
                if decides {
                    self.pending_own
                        .borrow_mut()
                        .pop()
                        .expect("enough pending proposals")
                } else {
                    *self.pending_own.borrow().first().unwrap()
                }
            } else if matches!(role, Role::OperatorDesa | Role::OperatorKecamatan) {
                self.other_proposal
            } else {
                99_999_999
            };
            p = p.replace("{id}", &id.to_string());
        }
        p
    }

    /// Sends the request as `user` with a fresh session; returns the status.
    fn send(
        &self,
        method: &Method,
        path: &str,
        pattern: &str,
        user: &str,
        role: Role,
    ) -> (u16, String) {
        let secret = session_for(&self.db, user);
        let (_, csrf) = accounts::session(&self.db, &secret).unwrap().unwrap();
        let url = format!("{}{path}", self.url);
        let cookie = format!("jaring_session={secret}");
        let a = agent();
        if method == Method::GET {
            return status_of(a.get(&url).set("Cookie", &cookie).call());
        }
        let req = a
            .post(&url)
            .set("Cookie", &cookie)
            .set("X-CSRF-Token", &csrf);
        match pattern {
            "/impor" => {
                let (kind, body) = match role {
                    Role::PetugasBpjs => ("bpjs", bpjs_file()),
                    _ => (
                        "registry",
                        BAD_REGISTRY.replace("VILLAGE", &self.village.to_string()),
                    ),
                };
                status_of(
                    req.set("Content-Type", MULTIPART)
                        .send_string(&multipart(&csrf, kind, &body)),
                )
            }
            "/api/v1/imports" => {
                let (kind, body) = match role {
                    Role::PetugasBpjs => ("bpjs", bpjs_file()),
                    _ => (
                        "registry",
                        BAD_REGISTRY.replace("VILLAGE", &self.village.to_string()),
                    ),
                };
                let url = format!("{url}?kind={kind}&file_name=f.csv");
                status_of(
                    a.post(&url)
                        .set("Cookie", &cookie)
                        .set("X-CSRF-Token", &csrf)
                        .send_string(&body),
                )
            }
            p if p.starts_with("/api/") => status_of(
                req.set("Content-Type", "application/json")
                    .send_string(r#"{"reason": "uji matriks"}"#),
            ),
            _ => {
                let fields: Vec<(&str, String)> = match pattern {
                    "/akun/sandi" => vec![
                        ("old", "salah-sekali-123".into()),
                        ("new", "baru-sekali-12345".into()),
                        ("again", "baru-sekali-12345".into()),
                    ],
                    "/penduduk/{id}/ubah" => vec![
                        ("name", "Nama Uji Matriks".into()),
                        ("occupation", "Petani".into()),
                        ("reason", "uji".into()),
                    ],
                    "/tinjau/{id}/tolak" => vec![("reason", "uji matriks".into())],
                    // A kind with no auto-band proposals: the bulk approval runs and applies none,
                    // so the fixture's pending proposals stay for the routes after it.
                    "/tinjau/setujui-otomatis" => vec![("jenis", "merge".into())],
                    "/klaim/{id}/tolak" => vec![("alasan", "uji matriks".into())],
                    "/klaim/{id}/data" => vec![("dokumen", "kartu_bpjs".into())],
                    "/penduduk/{id}/klaim" => vec![
                        ("kasus", "jkk_stmb".into()),
                        ("tanggal", "2026-10-01".into()),
                        ("upah", "1.500.000".into()),
                        ("hari", "10".into()),
                    ],
                    "/program/{code}/aturan" => {
                        vec![("rule", "usia: age >= 18 && age <= 65\nhidup: alive".into())]
                    }
                    "/pengguna" => vec![
                        ("username", format!("baru{}", self.counter.get() + 1000)),
                        ("full_name", "Baru".into()),
                        ("role", "operator_desa".into()),
                        ("region", self.village.to_string()),
                        ("password", "kata-sandi-panjang".into()),
                    ],
                    _ => vec![],
                };
                self.counter.set(self.counter.get() + 1);
                let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                status_of(req.send_form(&all))
            }
        }
    }
}

#[test]
fn every_route_every_role_own_and_other_region() {
    for t in backends::backends() {
        let data = tempfile::tempdir().unwrap();
        let fx = Fixture::new(t.db.clone(), data.path());
        let users = [
            ("desa", Role::OperatorDesa),
            ("kecamatan", Role::OperatorKecamatan),
            ("admin", Role::AdminKabupaten),
            ("bpjs", Role::PetugasBpjs),
            ("auditor", Role::Auditor),
        ];
        let mut checked = 0;
        let mut failures = Vec::new();
        for route in jaring_web::route_table() {
            let pattern = route.path;
            if route.public {
                // Public routes answer without a session and never fail on the server.
                let path = pattern.replace("{lang}", "en");
                if route.method == Method::GET {
                    let (s, _) = status_of(agent().get(&format!("{}{path}", fx.url)).call());
                    assert!(s < 500 && s != 401 && s != 403, "public {pattern}: {s}");
                }
                continue;
            }
            // Without a session: the API says 401, pages send to the sign-in page.
            let anon = pattern
                .replace("{code}", &fx.village.to_string())
                .replace("{id}", &fx.own_person.to_string())
                .replace("{username}", "desa")
                .replace("{file}", "pemberhentian.csv")
                .replace("{job}", &fx.job.to_string());
            let r = if route.method == Method::GET {
                agent().get(&format!("{}{anon}", fx.url)).call()
            } else {
                agent().post(&format!("{}{anon}", fx.url)).send_string("")
            };
            let (s, _) = status_of(r);
            if pattern.starts_with("/api/") {
                assert_eq!(s, 401, "anonymous {} {pattern}", route.method);
            } else {
                assert_eq!(
                    s, 303,
                    "anonymous {} {pattern} goes to sign-in",
                    route.method
                );
            }
            for (user, role) in users {
                for own in [true, false] {
                    if !own && !regional(pattern) {
                        continue;
                    }
                    // Every request has its own session, so signing out ends only that one.
                    let want = if own {
                        expected(&route.method, pattern, role)
                    } else {
                        Denied
                    };
                    let path = fx.path(&route.method, pattern, user, role, own);
                    let (status, body) = fx.send(&route.method, &path, pattern, user, role);
                    checked += 1;
                    let ok = match want {
                        Allowed => status < 400 || status == 409 || status == 422,
                        Denied => status == 403 || status == 404,
                    };
                    if !ok || status >= 500 {
                        failures.push(format!(
                            "{} {path} as {user} ({}) expected {want:?}, got {status}: {}",
                            route.method,
                            if own { "own region" } else { "other region" },
                            body.chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            backends::label(&t.db),
            failures.join("\n")
        );
        assert!(checked > 200, "only {checked} requests checked");
    }
}

#[test]
fn nik_is_masked_for_the_auditor_in_pages_and_api() {
    for t in backends::backends() {
        let data = tempfile::tempdir().unwrap();
        let fx = Fixture::new(t.db.clone(), data.path());
        let nik: String = fx
            .db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT nik FROM persons WHERE id = $1",
                &[fx.own_person.into()],
            )
            .unwrap()
            .unwrap()
            .text(0)
            .unwrap();
        let masked = format!("{}********{}", &nik[..4], &nik[12..]);
        // The downloaded error report of an import: whole for the admin, masked for the auditor.
        let report = format!("/impor/{}/galat", fx.imports["admin"]);
        let (s, admin_csv) = fx.send(
            &Method::GET,
            &report,
            "/impor/{id}/galat",
            "admin",
            Role::AdminKabupaten,
        );
        assert_eq!(s, 200);
        let (s, auditor_csv) = fx.send(
            &Method::GET,
            &report,
            "/impor/{id}/galat",
            "auditor",
            Role::Auditor,
        );
        assert_eq!(s, 200);
        assert!(admin_csv.contains("5304012411140001"), "{admin_csv}");
        assert!(!auditor_csv.contains("5304012411140001"));
        assert!(auditor_csv.contains("5304********0001"), "{auditor_csv}");
        for (user, role, full) in [
            ("auditor", Role::Auditor, false),
            ("desa", Role::OperatorDesa, true),
        ] {
            let page = format!("/penduduk/{}", fx.own_person);
            let (s, html) = fx.send(&Method::GET, &page, "/penduduk/{id}", user, role);
            assert_eq!(s, 200);
            let api = format!("/api/v1/persons/{}", fx.own_person);
            let (s, json) = fx.send(&Method::GET, &api, "/api/v1/persons/{id}", user, role);
            assert_eq!(s, 200);
            for body in [&html, &json] {
                assert_eq!(body.contains(&nik), full, "{user} full NIK");
                assert_eq!(body.contains(&masked), !full, "{user} masked NIK");
            }
        }
    }
}

/// The other village's persons, households, family cards, memberships and claims, row for row.
fn other_village_rows(db: &Database, village: RegionCode) -> Vec<String> {
    let mut conn = db.conn().unwrap();
    let v = village.to_string();
    let mut out = Vec::new();
    for sql in [
        "SELECT * FROM persons WHERE village_code = $1 ORDER BY id",
        "SELECT * FROM households WHERE village_code = $1 ORDER BY id",
        "SELECT k.* FROM household_kk k JOIN households h ON h.id = k.household_id \
         WHERE h.village_code = $1 ORDER BY k.household_id, k.no_kk",
        "SELECT e.* FROM enrolments e JOIN persons p ON p.id = e.person_id \
         WHERE p.village_code = $1 ORDER BY e.id",
        "SELECT c.* FROM claims c JOIN persons p ON p.id = c.person_id \
         WHERE p.village_code = $1 ORDER BY c.id",
    ] {
        for row in conn.query(sql, &[v.clone().into()]).unwrap() {
            out.push(format!("{:?}", row.0));
        }
    }
    out
}

/// `fixture`'s header and first row, with the NIK column set to `nik`.
fn list_naming(fixture: &str, nik: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/import")
            .join(fixture),
    )
    .unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let column = header.split(',').position(|h| h == "NIK").unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(lines.next().unwrap().as_bytes());
    let mut row: Vec<String> = reader
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    row[column] = nik.to_string();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.split(',')).unwrap();
    w.write_record(&row).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Issue #17, must show: a village operator tries every write route and every import kind, over
/// the web form and the API, on another village's resident, household and family card. Nothing of
/// that village changes, row for row, and no answer names the resident.
#[test]
fn a_village_operator_changes_nothing_of_another_village_over_http() {
    for t in backends::backends() {
        let l = backends::label(&t.db);
        let data = tempfile::tempdir().unwrap();
        let fx = Fixture::new(t.db.clone(), data.path());
        let (nik, kk, name) = {
            let row = fx
                .db
                .conn()
                .unwrap()
                .query_opt(
                    "SELECT p.nik, k.no_kk, p.name FROM persons p \
                     JOIN household_kk k ON k.household_id = p.household_id \
                     WHERE p.id = $1 AND p.nik IS NOT NULL",
                    &[fx.other_person.into()],
                )
                .unwrap()
                .expect("the other village's resident has a NIK and a family card");
            (
                row.text(0).unwrap(),
                row.text(1).unwrap(),
                row.text(2).unwrap(),
            )
        };
        let before = other_village_rows(&fx.db, fx.other_village);
        assert!(!before.is_empty(), "{l}");
        let mut answers = Vec::new();
        for route in jaring_web::route_table() {
            if route.public || route.method != Method::POST || !regional(route.path) {
                continue;
            }
            let path = fx.path(&route.method, route.path, "desa", Role::OperatorDesa, false);
            let (status, body) =
                fx.send(&route.method, &path, route.path, "desa", Role::OperatorDesa);
            assert!(status == 403 || status == 404, "{l}: POST {path}: {status}");
            answers.push((format!("POST {path}"), body));
        }
        // Every import kind, naming the other village's resident (and, for the registry, claiming
        // them for the operator's village, renamed and dead, plus a newcomer on their family card).
        let registry = format!(
            "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan,Status Hidup,Tanggal Meninggal\n\
             {nik},{kk},Nama Palsu,L,Kewar,1980-01-01,Dusun 9,{v},Kepala Keluarga,Kawin,Petani/Pekebun,Meninggal,2026-10-01\n\
             5304016007950003,{kk},Anak Baru,P,Kewar,1995-07-20,Dusun 9,{v},Anak,Belum Kawin,Pelajar,Hidup,\n",
            v = fx.village
        );
        let files = [
            ("registry", registry),
            ("deaths", list_naming("32_deaths.csv", &nik)),
            ("dtsen", list_naming("33_dtsen.csv", &nik)),
            ("bpjs", list_naming("34_bpjs.csv", &nik)),
            ("asn", list_naming("35_asn.csv", &nik)),
        ];
        let secret = session_for(&fx.db, "desa");
        let (_, csrf) = accounts::session(&fx.db, &secret).unwrap().unwrap();
        let cookie = format!("jaring_session={secret}");
        for (kind, body) in &files {
            let api = agent()
                .post(&format!(
                    "{}/api/v1/imports?kind={kind}&file_name=f.csv",
                    fx.url
                ))
                .set("Cookie", &cookie)
                .set("X-CSRF-Token", &csrf)
                .send_string(body);
            answers.push((format!("API import {kind}"), status_of(api).1));
            let web = agent()
                .post(&format!("{}/impor", fx.url))
                .set("Cookie", &cookie)
                .set("Content-Type", MULTIPART)
                .send_string(&multipart(&csrf, kind, body));
            answers.push((format!("web import {kind}"), status_of(web).1));
        }
        // And the operator's reads of what those imports left behind.
        for path in ["/impor", "/api/v1/imports", "/tinjau", "/api/v1/proposals"] {
            let r = agent()
                .get(&format!("{}{path}", fx.url))
                .set("Cookie", &cookie)
                .call();
            answers.push((format!("GET {path}"), status_of(r).1));
        }
        assert_eq!(
            other_village_rows(&fx.db, fx.other_village),
            before,
            "{l}: the other village changed"
        );
        // An import's report may echo what the importer sent (the NIK, the family card); never
        // whose they are or where that person lives.
        let village = fx.other_village.to_string();
        for (what, body) in &answers {
            let sent_by_them = what.contains("import");
            let mut secrets = vec![&name, &village];
            if !sent_by_them {
                secrets.extend([&nik, &kk]);
            }
            for secret in secrets {
                assert!(
                    !body.contains(secret.as_str()),
                    "{l}: {what} reveals {secret}: {}",
                    body.chars().take(300).collect::<String>()
                );
            }
        }
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}
