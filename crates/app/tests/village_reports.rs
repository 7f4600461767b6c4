//! The village's daily work (#20) through the app, on every backend: deaths, births, moves,
//! appointments, corrections and objections reported by a village operator become proposals on the
//! one write path, a hand-reported death waits for a second person, a move for the other village, and
//! a submission posted twice acts once.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use std::path::Path;

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::accounts::Principal;
use jaring_app::events::{
    self, Appointment, Arrival, Birth, CorrectedField, Correction, Death, DeathDocument,
    Destination, MoveOut, Objection, Outcome, Report, SubmissionId, Waits,
};
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_app::review;
use jaring_app::AppError;
use jaring_domain::access::{Grant, Role};
use jaring_domain::review::{Intent, ProposalKind};
use jaring_domain::{CivilServantStatus, ListKind, Nik, Relationship, Sex};
use jaring_store::review::ProposalFilter;
use jaring_store::Database;

use support::{code, ctx, today, FULUR, KEWAR, MARIA, REGISTRY_HEADER as HEADER, YOHANES};

const KK: &str = "5304010101200001";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn principal(role: Role, scope: &str, name: &str) -> Principal {
    Principal {
        user_id: 0,
        username: name.into(),
        full_name: name.into(),
        grant: Grant::new(role, code(scope)).unwrap(),
        must_change_password: false,
    }
}

fn kewar() -> Principal {
    principal(Role::OperatorDesa, KEWAR, "op-kewar")
}

fn fulur() -> Principal {
    principal(Role::OperatorDesa, FULUR, "op-fulur")
}

fn kecamatan() -> Principal {
    principal(Role::OperatorKecamatan, "53.04.01", "op-lamaknen")
}

fn admin() -> Principal {
    principal(Role::AdminKabupaten, "53.04", "admin")
}

fn import(db: &Database, dir: &Path, name: &str, kind: ListKind, text: &str) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let req = ImportRequest {
        path,
        file_name: None,
        kind,
        mapping: None,
        sheet: None,
        village: None,
        error_file: Some(dir.join(format!("{name}.kesalahan.csv"))),
        today: today(),
    };
    let r = import_file(db, &admin(), &req, &NoProgress).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
}

fn person_id(db: &Database, nik: &str) -> i64 {
    let nik = Nik::parse(nik).unwrap();
    jaring_store::registry::find_person_by_nik(&mut db.conn().unwrap(), nik)
        .unwrap()
        .unwrap()
        .id
        .0
}

/// Maria and Yohanes of Kewar, one family card; Maria holds a subsidised membership paid through
/// October 2026 (covered through January with the grace months).
fn seed(db: &Database, dir: &Path) -> i64 {
    import(
        db,
        dir,
        "seed.csv",
        ListKind::Registry,
        &format!(
            "{HEADER}{MARIA},{KK},Maria Luruk,P,Kewar,1990-05-12,Dusun 1,{KEWAR},Istri,Kawin,Petani/Pekebun,Hidup,\n\
             {YOHANES},{KK},Yohanes Mau,L,Kewar,1985-03-12,Dusun 1,{KEWAR},Kepala Keluarga,Kawin,Petani/Pekebun,Hidup,\n"
        ),
    );
    let maria = person_id(db, MARIA);
    let id = review::propose(
        db,
        &admin(),
        ProposalKind::Membership,
        Intent::Membership {
            person_id: maria,
            kpj: "26001234567".into(),
            programme: Some("bpu_apbd_kab".into()),
            start: NaiveDate::from_ymd_opt(2026, 1, 1),
            paid_through: NaiveDate::from_ymd_opt(2026, 10, 1),
            end: None,
            end_reason: None,
        },
        "seed membership",
        &ctx(),
    )
    .unwrap();
    review::approve(db, &admin(), id, None, &ctx()).unwrap();
    maria
}

fn submit(db: &Database, who: &Principal, report: Report) -> Result<Outcome, AppError> {
    events::submit(db, who, &SubmissionId::fresh(), report, &ctx())
}

fn death(person_id: i64) -> Report {
    Report::Death(Death {
        person_id,
        date: d("2026-11-20"),
        place: "Kewar".into(),
        document: DeathDocument::VillageLetter("474.3/12/KWR/2026".into()),
        photo: None,
    })
}

fn one(db: &Database, sql: &str, id: i64) -> Vec<Option<String>> {
    let row = db.conn().unwrap().query_opt(sql, &[id.into()]).unwrap();
    row.map(|r| {
        r.0.iter()
            .map(jaring_store::review::canonical)
            .collect::<Vec<_>>()
    })
    .unwrap_or_default()
}

/// A PDF's text, read back with poppler's `pdftotext` (`./scripts/test` installs it).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("surat.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused<T: std::fmt::Debug>(r: Result<T, AppError>) -> bool {
    matches!(r, Err(AppError::Denied(_) | AppError::NotFound))
}

fn covered_in_kewar(db: &Database) -> i64 {
    let report = jaring_app::coverage::coverage(db, Some(code(KEWAR)), today(), false).unwrap();
    report
        .rows
        .iter()
        .find(|r| r.code == KEWAR)
        .map(|r| r.rate.numerator)
        .unwrap()
}

#[test]
fn a_reported_death_confirmed_by_a_second_person_ends_cover_opens_the_claim_reaches_bpjs_and_lowers_coverage(
) {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let covered_before = covered_in_kewar(db);
        assert!(covered_before >= 1, "{l}: Maria is covered in December");

        let out = submit(db, &kewar(), death(maria)).unwrap();
        assert!(
            !out.applied,
            "{l}: a hand-reported death is not applied by its reporter"
        );
        assert_eq!(out.waits, Waits::SecondPerson, "{l}");
        // Neither the reporter, nor another village, nor the regency's admin as its own reporter.
        assert!(
            refused(review::approve(db, &kewar(), out.proposal_id, None, &ctx())),
            "{l}"
        );
        assert!(
            refused(review::approve(db, &fulur(), out.proposal_id, None, &ctx())),
            "{l}"
        );
        let own = submit(db, &admin(), death(person_id(db, YOHANES))).unwrap();
        assert_eq!(own.waits, Waits::SecondPerson, "{l}");
        assert!(
            refused(review::approve(db, &admin(), own.proposal_id, None, &ctx())),
            "{l}"
        );
        assert_eq!(
            one(db, "SELECT life_status FROM persons WHERE id = $1", maria),
            vec![Some("alive".into())],
            "{l}: nothing changed before the confirmation"
        );

        // The dashboard tells each whom it waits for.
        let waiting = |who: &Principal| jaring_app::events::waiting_for(db, who).unwrap();
        assert_eq!(
            waiting(&kecamatan()).deaths_to_confirm,
            2,
            "{l}: Maria's and the admin's report of Yohanes"
        );
        assert_eq!(
            waiting(&admin()).deaths_to_confirm,
            1,
            "{l}: Maria's, not its own report"
        );
        assert_eq!(waiting(&kewar()).own_reports_pending, 1, "{l}");
        // The kecamatan may turn a report down as well as confirm one.
        review::reject(db, &kecamatan(), own.proposal_id, None, "masih hidup").unwrap();
        // The kecamatan confirms.
        review::approve(db, &kecamatan(), out.proposal_id, None, &ctx()).unwrap();
        assert_eq!(
            waiting(&kecamatan()).deaths_to_confirm,
            0,
            "{l}: Yohanes' was turned down"
        );
        assert_eq!(waiting(&kewar()).own_reports_pending, 0, "{l}");
        assert_eq!(
            one(
                db,
                "SELECT life_status, death_date FROM persons WHERE id = $1",
                maria
            ),
            vec![Some("deceased".into()), Some("2026-11-20".into())],
            "{l}"
        );
        assert_eq!(
            one(
                db,
                "SELECT end_date, end_reason FROM enrolments WHERE person_id = $1",
                maria
            ),
            vec![Some("2026-11-30".into()), Some("deceased".into())],
            "{l}: the membership ends with the month of death"
        );
        assert_eq!(
            one(
                db,
                "SELECT kind, status, event_date FROM claims WHERE person_id = $1",
                maria
            ),
            vec![
                Some("jkm".into()),
                Some("candidate".into()),
                Some("2026-11-20".into())
            ],
            "{l}: the JKM claim candidate is open"
        );
        let sheet = jaring_app::export::terminations(db, &admin(), d("2026-11-01"), None).unwrap();
        assert!(
            sheet
                .rows
                .iter()
                .any(|r| r.iter().any(|c| c == MARIA) && r.iter().any(|c| c == "MENINGGAL")),
            "{l}: November's terminations file lists her: {:?}",
            sheet.rows
        );
        assert_eq!(covered_in_kewar(db), covered_before - 1, "{l}: coverage -1");
        // The village prints the death letter and, once the heirs are recorded, their statement.
        let letter = pdf_text(&jaring_app::letters::death_letter_pdf(db, &kewar(), maria).unwrap());
        for want in [
            "SURAT KETERANGAN KEMATIAN",
            "Maria Luruk",
            MARIA,
            "20-11-2026",
            "Kewar",
            "474.3/12/KWR/2026",
        ] {
            assert!(letter.contains(want), "{l}: {want} in {letter}");
        }
        assert!(
            matches!(
                jaring_app::letters::death_letter_pdf(db, &kewar(), person_id(db, YOHANES)),
                Err(AppError::Input(_))
            ),
            "{l}: no death letter for the living"
        );
        assert!(
            refused(jaring_app::letters::death_letter_pdf(db, &fulur(), maria)),
            "{l}"
        );
        let claim = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT id FROM claims WHERE person_id = $1",
                &[maria.into()],
            )
            .unwrap();
        jaring_app::claims::update_details(
            db,
            &kewar(),
            claim,
            &jaring_app::claims::ClaimDetails {
                heirs: vec![jaring_store::claims::Heir {
                    name: "Yohanes Mau".into(),
                    nik: Some(YOHANES.into()),
                    relationship: "spouse".into(),
                }],
                documents: vec!["kartu_bpjs".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let heirs = pdf_text(&jaring_app::letters::heirs_letter_pdf(db, &kewar(), claim).unwrap());
        for want in [
            "SURAT KETERANGAN AHLI WARIS",
            "Yohanes Mau",
            YOHANES,
            "Suami/Istri",
            "26001234567",
            "Akta kematian / surat keterangan kematian",
        ] {
            assert!(heirs.contains(want), "{l}: {want} in {heirs}");
        }
        assert!(
            !heirs.contains("Kartu peserta BPJS"),
            "{l}: a received document is not listed as missing"
        );
        // Every field change of the confirmation is in the audit log, with the confirming actor.
        let audit = jaring_store::audit::list(
            &mut db.conn().unwrap(),
            &jaring_store::audit::AuditFilter {
                person_id: Some(maria),
                limit: 1_000,
                ..Default::default()
            },
        )
        .unwrap();
        for action in ["person.update", "enrolment.update", "claim.insert"] {
            assert!(
                audit
                    .iter()
                    .any(|e| e.entry.action == action && e.entry.actor == "op-lamaknen"),
                "{l}: {action} audited"
            );
        }
    }
}

#[test]
fn a_death_the_civil_registry_already_lists_is_applied_by_the_village_and_the_page_can_say_so() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        import(
            db,
            dir.path(),
            "deaths.csv",
            ListKind::Deaths,
            &format!(
                "NO,NIK,NAMA LENGKAP,JENIS KELAMIN,TANGGAL LAHIR,TANGGAL KEMATIAN,NO AKTA KEMATIAN,KECAMATAN,DESA/KELURAHAN\n\
                 1,{MARIA},MARIA LURUK,PEREMPUAN,12-05-1990,21-11-2026,5304-KM-21112026-0001,LAMAKNEN,KEWAR\n"
            ),
        );
        jaring_app::sync::sync(
            db,
            &jaring_app::accounts::Principal::job(code("53.04"), "sync"),
            &[ListKind::Deaths],
            &Default::default(),
        )
        .unwrap();
        // The regency sees the death the village has not reported yet.
        let kewar_row = |db: &Database| {
            jaring_app::upkeep::villages(
                db,
                &admin(),
                today(),
                jaring_app::upkeep::SortBy::RegistryDeaths,
            )
            .unwrap()
            .into_iter()
            .find(|v| v.code == KEWAR)
            .unwrap()
        };
        let before = kewar_row(db);
        assert_eq!(before.registry_deaths_unreported, 1, "{l}");
        assert_eq!(before.alive, 2, "{l}");
        assert_eq!(before.trend.len(), jaring_app::upkeep::TREND_MONTHS, "{l}");
        assert!(before.last_change.is_some(), "{l}");
        let sheet = jaring_app::upkeep::sheet(&[before]);
        assert_eq!(sheet.headings.len(), sheet.rows[0].len(), "{l}");
        // Reported a day apart from the registry's date: still the same death.
        let out = submit(db, &kewar(), death(maria)).unwrap();
        assert!(out.applied, "{l}: {out:?}");
        assert_eq!(out.waits, Waits::Nobody, "{l}");
        let row =
            jaring_store::review::get_proposal(&mut db.conn().unwrap(), out.proposal_id).unwrap();
        assert!(
            matches!(review::death_check(db, &row).unwrap(), Some(review::DeathCheck::Registry { file_name, .. }) if file_name == "deaths.csv"),
            "{l}"
        );
        assert_eq!(
            one(db, "SELECT life_status FROM persons WHERE id = $1", maria),
            vec![Some("deceased".into())],
            "{l}"
        );
        assert_eq!(
            kewar_row(db).registry_deaths_unreported,
            0,
            "{l}: reported now"
        );
    }
}

#[test]
fn the_same_submission_posted_twice_applies_once() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        seed(db, dir.path());
        let yohanes = person_id(db, YOHANES);
        let id = SubmissionId::parse("3f1c9a7e-5b2d-4c8e-9f10-aa55bb66cc77").unwrap();
        let birth = Report::Birth(Birth {
            parent_id: yohanes,
            name: "Agustinus Mau".into(),
            sex: Sex::Male,
            birth_date: d("2026-11-28"),
            birth_place: "Kewar".into(),
            nik: None,
        });
        let count = || {
            db.conn()
                .unwrap()
                .query_i64(
                    "SELECT COUNT(*) FROM persons WHERE name = 'Agustinus Mau'",
                    &[],
                )
                .unwrap()
        };
        let first = events::submit(db, &kewar(), &id, birth.clone(), &ctx()).unwrap();
        assert!(first.applied && !first.repeated, "{l}: {first:?}");
        let again = events::submit(db, &kewar(), &id, birth.clone(), &ctx()).unwrap();
        assert!(again.repeated, "{l}");
        assert_eq!(again.proposal_id, first.proposal_id, "{l}");
        assert_eq!(count(), 1, "{l}: one newborn, not two");
        // Two posts at once: still one.
        let id2 = SubmissionId::parse("second-submission-0002").unwrap();
        let other = Report::Birth(Birth {
            name: "Yosefina Mau".into(),
            sex: Sex::Female,
            ..match birth {
                Report::Birth(b) => b,
                _ => unreachable!(),
            }
        });
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| events::submit(db, &kewar(), &id2, other.clone(), &ctx()));
            let b = s.spawn(|| events::submit(db, &kewar(), &id2, other.clone(), &ctx()));
            (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
        });
        assert_eq!(a.proposal_id, b.proposal_id, "{l}");
        assert!(a.repeated != b.repeated, "{l}: one of them acted");
        let n = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT COUNT(*) FROM persons WHERE name = 'Yosefina Mau'",
                &[],
            )
            .unwrap();
        assert_eq!(n, 1, "{l}");
        // Someone else's id is not theirs to repeat.
        assert!(
            matches!(
                events::submit(
                    db,
                    &fulur(),
                    &id,
                    Report::Occupation {
                        person_id: yohanes,
                        occupation: "Nelayan".into()
                    },
                    &ctx()
                ),
                Err(AppError::Input(_))
            ),
            "{l}"
        );
        // The newborn is a child of the household, without NIK, not working.
        let child = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT household_id, relationship, nik, worker_category, village_code FROM persons WHERE name = 'Agustinus Mau'",
                &[],
            )
            .unwrap()
            .unwrap();
        let parent_household = one(
            db,
            "SELECT household_id FROM persons WHERE id = $1",
            yohanes,
        );
        assert_eq!(
            jaring_store::review::canonical(&child.0[0]),
            parent_household[0],
            "{l}"
        );
        assert_eq!(child.text(1).unwrap(), "child", "{l}");
        assert_eq!(child.opt_text(2).unwrap(), None, "{l}");
        assert_eq!(child.text(3).unwrap(), "not_working", "{l}");
        assert_eq!(child.text(4).unwrap(), KEWAR, "{l}");
    }
}

#[test]
fn a_move_between_villages_is_one_proposal_both_see_and_the_other_village_decides() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        seed(db, dir.path());
        let yohanes = person_id(db, YOHANES);
        let out = submit(
            db,
            &kewar(),
            Report::MoveOut(MoveOut {
                person_id: yohanes,
                to: Destination::Village(code(FULUR), None),
                on: d("2026-11-15"),
            }),
        )
        .unwrap();
        assert!(!out.applied, "{l}");
        assert_eq!(out.waits, Waits::OtherVillage, "{l}");
        let seen = |who: &Principal| {
            review::list(
                db,
                who,
                &ProposalFilter {
                    kinds: vec!["move".into()],
                    ..Default::default()
                },
            )
            .unwrap()
            .iter()
            .any(|p| p.id == out.proposal_id)
        };
        assert!(
            seen(&kewar()) && seen(&fulur()),
            "{l}: both villages see it"
        );
        assert!(review::show(db, &fulur(), out.proposal_id).is_ok(), "{l}");
        let fulur_row = jaring_app::upkeep::villages(
            db,
            &admin(),
            today(),
            jaring_app::upkeep::SortBy::Pending,
        )
        .unwrap()
        .into_iter()
        .find(|v| v.code == FULUR)
        .unwrap();
        assert_eq!(
            (fulur_row.pending, fulur_row.oldest_pending_days),
            (1, Some(0)),
            "{l}: waits in the destination"
        );
        assert!(
            refused(review::approve(db, &kewar(), out.proposal_id, None, &ctx())),
            "{l}: the origin cannot take its own move through"
        );
        // The destination may also turn a move down (and the origin withdraw one).
        let turned_down = submit(
            db,
            &kewar(),
            Report::MoveOut(MoveOut {
                person_id: person_id(db, MARIA),
                to: Destination::Village(code(FULUR), None),
                on: d("2026-11-16"),
            }),
        )
        .unwrap();
        review::reject(db, &fulur(), turned_down.proposal_id, None, "belum datang").unwrap();
        review::approve(db, &fulur(), out.proposal_id, None, &ctx()).unwrap();
        assert_eq!(
            one(
                db,
                "SELECT village_code, household_id, life_status FROM persons WHERE id = $1",
                yohanes
            ),
            vec![Some(FULUR.into()), None, Some("alive".into())],
            "{l}: in Fulur, out of the old household"
        );

        // Pindah datang: Fulur enters Maria's NIK; Kewar lets her go.
        let maria = person_id(db, MARIA);
        let arrival = submit(
            db,
            &fulur(),
            Report::Arrival(Arrival {
                village: code(FULUR),
                nik: Nik::parse(MARIA).unwrap(),
                name: "Maria Luruk".into(),
                sex: Sex::Female,
                birth_date: Some(d("1990-05-12")),
                birth_place: "Kewar".into(),
                no_kk: None,
                relationship: Relationship::Wife,
                occupation: String::new(),
                origin: "Kewar".into(),
                on: d("2026-11-20"),
            }),
        )
        .unwrap();
        assert_eq!(arrival.waits, Waits::OtherVillage, "{l}");
        assert!(
            refused(review::approve(
                db,
                &fulur(),
                arrival.proposal_id,
                None,
                &ctx()
            )),
            "{l}"
        );
        review::approve(db, &kewar(), arrival.proposal_id, None, &ctx()).unwrap();
        assert_eq!(
            one(db, "SELECT village_code FROM persons WHERE id = $1", maria),
            vec![Some(FULUR.into())],
            "{l}"
        );
        // A village's operator cannot push someone of another village around.
        assert!(
            refused(submit(
                db,
                &kewar(),
                Report::MoveOut(MoveOut {
                    person_id: maria,
                    to: Destination::Away("Kupang".into()),
                    on: d("2026-11-25"),
                })
            )),
            "{l}"
        );
        // Out of the regency: moved out, the regency's subsidised cover ends with the month.
        let away = submit(
            db,
            &fulur(),
            Report::MoveOut(MoveOut {
                person_id: maria,
                to: Destination::Away("Kota Kupang".into()),
                on: d("2026-11-25"),
            }),
        )
        .unwrap();
        assert!(away.applied, "{l}");
        assert_eq!(
            one(db, "SELECT life_status FROM persons WHERE id = $1", maria),
            vec![Some("moved_out".into())],
            "{l}"
        );
        assert_eq!(
            one(
                db,
                "SELECT end_date, end_reason FROM enrolments WHERE person_id = $1",
                maria
            ),
            vec![Some("2026-11-30".into()), Some("moved_out".into())],
            "{l}"
        );
    }
}

#[test]
fn an_appointment_takes_the_household_out_of_subsidised_cover_and_occupation_text_cannot() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let yohanes = person_id(db, YOHANES);
        assert!(
            matches!(
                submit(db, &kewar(), Report::Occupation { person_id: yohanes, occupation: "PNS".into() }),
                Err(AppError::Input(m)) if m.contains("TMT")
            ),
            "{l}"
        );
        let ok = submit(
            db,
            &kewar(),
            Report::Occupation {
                person_id: yohanes,
                occupation: "Nelayan".into(),
            },
        )
        .unwrap();
        assert!(ok.applied, "{l}");
        let out = submit(
            db,
            &kewar(),
            Report::Appointment(Appointment {
                person_id: yohanes,
                status: CivilServantStatus::Pppk,
                since: d("2026-09-01"),
                decree: "800/123/BKPSDM/2026".into(),
            }),
        )
        .unwrap();
        assert!(out.applied, "{l}");
        assert_eq!(
            one(
                db,
                "SELECT end_date, end_reason FROM enrolments WHERE person_id = $1",
                maria
            ),
            vec![
                Some("2026-09-30".into()),
                Some("household_civil_servant".into())
            ],
            "{l}: the wife's subsidised membership ends with the month of the TMT"
        );
        assert_eq!(
            one(db, "SELECT civil_servant_status, civil_servant_since, worker_category FROM persons WHERE id = $1", yohanes),
            vec![Some("pppk".into()), Some("2026-09-01".into()), Some("civil_servant".into())],
            "{l}"
        );
    }
}

#[test]
fn corrections_need_a_reason_and_a_free_nik_and_objections_wait_for_a_decision() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let yohanes = person_id(db, YOHANES);
        let correct = |field, value: &str, reason: &str| {
            submit(
                db,
                &kewar(),
                Report::Correction(Correction {
                    person_id: yohanes,
                    field,
                    value: value.into(),
                    reason: reason.into(),
                }),
            )
        };
        assert!(
            matches!(
                correct(CorrectedField::Name, "Yohanis Mau", ""),
                Err(AppError::Input(_))
            ),
            "{l}"
        );
        assert!(
            matches!(correct(CorrectedField::Nik, MARIA, "salah ketik"), Err(AppError::Input(m)) if m.contains("merge")),
            "{l}: a NIK held by someone else"
        );
        assert!(
            matches!(
                correct(CorrectedField::BirthDate, "2030-01-01", "akta"),
                Err(AppError::Input(_))
            ),
            "{l}"
        );
        let ok = correct(CorrectedField::Name, "Yohanis Mau", "sesuai KTP").unwrap();
        assert!(ok.applied, "{l}");
        assert_eq!(
            one(db, "SELECT name FROM persons WHERE id = $1", yohanes),
            vec![Some("Yohanis Mau".into())],
            "{l}"
        );

        // A death applied by the regency; the family objects through the village.
        let dead = submit(db, &kewar(), death(maria)).unwrap();
        review::approve(db, &admin(), dead.proposal_id, None, &ctx()).unwrap();
        let objection = submit(
            db,
            &kewar(),
            Report::Objection(Objection {
                proposal_id: dead.proposal_id,
                objector: "Yohanis Mau (suami)".into(),
                reason: "Maria masih hidup, salah orang".into(),
            }),
        )
        .unwrap();
        assert!(
            !objection.applied,
            "{l}: an objection is decided, never applied by the objector"
        );
        let pending = review::list(
            db,
            &kewar(),
            &ProposalFilter {
                status: Some("pending".into()),
                kinds: vec!["revert".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            pending
                .iter()
                .any(|p| p.id == objection.proposal_id && p.created_at.is_some()),
            "{l}"
        );
        review::approve(db, &admin(), objection.proposal_id, None, &ctx()).unwrap();
        assert_eq!(
            one(
                db,
                "SELECT life_status, death_date FROM persons WHERE id = $1",
                maria
            ),
            vec![Some("alive".into()), None],
            "{l}"
        );
        assert_eq!(
            one(
                db,
                "SELECT end_date FROM enrolments WHERE person_id = $1",
                maria
            ),
            vec![None],
            "{l}: cover restored"
        );
        // Only applied decisions can be objected to.
        let waiting = submit(db, &kewar(), death(yohanes)).unwrap();
        assert!(
            matches!(
                submit(db, &kewar(), Report::Objection(Objection { proposal_id: waiting.proposal_id, objector: "x".into(), reason: "y".into() })),
                Err(AppError::Input(m)) if m.contains("applied")
            ),
            "{l}"
        );
    }
}

#[test]
fn a_household_split_takes_part_of_it_under_a_new_card_and_an_objection_undoes_it() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let yohanes = person_id(db, YOHANES);
        let old = one(db, "SELECT household_id FROM persons WHERE id = $1", maria);
        let split = |no_kk: &str, with: Vec<i64>| {
            submit(
                db,
                &kewar(),
                Report::Split(events::Split {
                    head: maria,
                    with,
                    no_kk: jaring_domain::NoKk::parse(no_kk).unwrap(),
                    on: d("2026-11-01"),
                }),
            )
        };
        assert!(
            matches!(split(KK, vec![]), Err(AppError::Input(m)) if m.contains("already registered")),
            "{l}: the old card's number"
        );
        assert!(
            matches!(split("5304010101200002", vec![yohanes]), Err(AppError::Input(m)) if m.contains("not a split")),
            "{l}: everyone leaving is a new number, not a split"
        );
        let out = split("5304010101200002", vec![]).unwrap();
        assert!(out.applied, "{l}");
        let new = one(
            db,
            "SELECT household_id, relationship FROM persons WHERE id = $1",
            maria,
        );
        assert_ne!(new[0], old[0], "{l}: Maria is in a new household");
        assert_eq!(new[1], Some("head".into()), "{l}: as its head");
        assert_eq!(
            one(
                db,
                "SELECT household_id FROM persons WHERE id = $1",
                yohanes
            ),
            old,
            "{l}: Yohanes stays"
        );
        let new_id: i64 = new[0].as_deref().unwrap().parse().unwrap();
        assert_eq!(
            one(
                db,
                "SELECT no_kk, valid_from FROM household_kk WHERE household_id = $1",
                new_id
            ),
            vec![Some("5304010101200002".into()), Some("2026-11-01".into())],
            "{l}"
        );
        assert_eq!(
            one(
                db,
                "SELECT village_code FROM households WHERE id = $1",
                new_id
            ),
            vec![Some(KEWAR.into())],
            "{l}"
        );
        let old_id: i64 = old[0].as_deref().unwrap().parse().unwrap();
        assert_eq!(
            one(
                db,
                "SELECT no_kk FROM household_kk WHERE household_id = $1",
                old_id
            ),
            vec![Some(KK.into())],
            "{l}: the old card stays"
        );
        // Undone on objection: Maria back, the new household and card gone.
        let objection = submit(
            db,
            &kewar(),
            Report::Objection(Objection {
                proposal_id: out.proposal_id,
                objector: "Maria Luruk".into(),
                reason: "KK belum diterbitkan Dukcapil".into(),
            }),
        )
        .unwrap();
        review::approve(db, &admin(), objection.proposal_id, None, &ctx()).unwrap();
        assert_eq!(
            one(
                db,
                "SELECT household_id, relationship FROM persons WHERE id = $1",
                maria
            ),
            vec![old[0].clone(), Some("wife".into())],
            "{l}"
        );
        let left = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT COUNT(*) FROM households WHERE id = $1",
                &[new_id.into()],
            )
            .unwrap();
        assert_eq!(left, 0, "{l}");
        assert!(
            !jaring_store::review::kk_known(&mut db.conn().unwrap(), "5304010101200002").unwrap(),
            "{l}"
        );
    }
}

#[test]
fn a_photo_of_the_letter_is_kept_with_the_report_and_only_images_or_pdfs_are_taken() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 5000][..]].concat();
        assert!(
            matches!(
                events::Photo::sniff(b"<html>".to_vec()),
                Err(AppError::Input(_))
            ),
            "{l}"
        );
        assert!(
            matches!(events::Photo::sniff(vec![0xFF; events::Photo::MAX_BYTES + 1]), Err(AppError::Input(m)) if m.contains("MB")),
            "{l}"
        );
        let mut report = death(maria);
        if let Report::Death(d) = &mut report {
            d.photo = Some(events::Photo::sniff(jpeg.clone()).unwrap());
        }
        let out = submit(db, &kewar(), report).unwrap();
        assert!(events::has_photo(db, out.proposal_id).unwrap(), "{l}");
        let photo = events::photo(db, &kewar(), out.proposal_id).unwrap();
        assert_eq!(photo.content_type(), "image/jpeg", "{l}");
        assert_eq!(photo.into_bytes(), jpeg, "{l}: the same bytes back");
        assert!(
            refused(events::photo(db, &fulur(), out.proposal_id)),
            "{l}: not another village's"
        );
    }
}

#[test]
fn a_village_filters_its_queue_by_hamlet_and_dusun_1_is_not_dusun_12() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        import(
            db,
            dir.path(),
            "dusun12.csv",
            ListKind::Registry,
            &format!("{HEADER}5304014107920003,5304010101200009,Theresia Abuk,P,Kewar,1992-07-01,\"Dusun 12, RT 002/RW 001\",{KEWAR},Kepala Keluarga,Kawin,Petani/Pekebun,Hidup,\n"),
        );
        let theresia = person_id(db, "5304014107920003");
        let a = submit(db, &kewar(), death(maria)).unwrap();
        let b = submit(db, &kewar(), death(theresia)).unwrap();
        assert_eq!(
            review::queue::hamlets(db, &kewar()).unwrap(),
            vec!["Dusun 1".to_string(), "Dusun 12".to_string()],
            "{l}"
        );
        let in_hamlet = |h: &str| {
            review::list(
                db,
                &kewar(),
                &ProposalFilter {
                    status: Some("pending".into()),
                    hamlet: Some(h.into()),
                    ..Default::default()
                },
            )
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
        };
        assert_eq!(in_hamlet("Dusun 1"), vec![a.proposal_id], "{l}");
        assert_eq!(in_hamlet("Dusun 12"), vec![b.proposal_id], "{l}");
        assert!(
            in_hamlet("Dusun %").is_empty(),
            "{l}: a wildcard is a character"
        );
        assert!(
            review::queue::hamlets(db, &admin()).unwrap().is_empty(),
            "{l}: villages first"
        );
    }
}
