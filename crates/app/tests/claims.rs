//! Benefit claims end to end on generated Belu, on every backend: a death approved in review opens a
//! JKM candidate; heirs and documents are recorded; verification computes the amount by the
//! regulation's table (hand-computed here); payment is totalled per month and village. Also JKK with a
//! reported income, a claim outside the 5-year window, a claim without active membership, and who may
//! do what.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use backends::{backends, label};
use chrono::{Datelike, NaiveDate};
use jaring_app::accounts::Principal;
use jaring_app::claims::{self, ClaimDetails};
use jaring_domain::access::{Grant, Role};
use jaring_domain::benefits::{ClaimCase, SchoolLevel};
use jaring_domain::{RegionCode, Rupiah};
use jaring_store::claims::Heir;
use jaring_store::Database;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn as_role(role: Role, scope: &str) -> Principal {
    Principal {
        user_id: 0,
        username: format!("{}-uji", role.as_code()),
        full_name: "uji".into(),
        grant: Grant {
            role,
            scope: RegionCode::parse(scope).unwrap(),
        },
        must_change_password: false,
    }
}

/// Gives a person's first enrolment known dates: started `start`, paid through `paid` (first of month).
fn set_enrolment(db: &Database, person: i64, start: NaiveDate, paid: NaiveDate) {
    let mut c = db.conn().unwrap();
    let n = c
        .execute(
            "UPDATE enrolments SET start_date = $1, paid_through = $2, end_date = NULL WHERE person_id = $3",
            &[start.into(), paid.into(), person.into()],
        )
        .unwrap();
    assert!(n >= 1, "person {person} has an enrolment");
}

fn all_documents(case: ClaimCase) -> Vec<String> {
    case.documents()
        .iter()
        .map(|(c, _)| c.to_string())
        .collect()
}

fn heir(name: &str, rel: &str) -> Heir {
    Heir {
        name: name.into(),
        nik: None,
        relationship: rel.into(),
    }
}

#[test]
fn claims_from_death_to_payment_with_hand_computed_amounts() {
    for t in backends() {
        let db = &t.db;
        let config = jaring_synth::Config {
            persons: 3_000,
            seed: 5,
            ..jaring_synth::Config::default()
        };
        jaring_app::prepare_demo(db, &config).unwrap();
        let admin = as_role(Role::AdminKabupaten, "53.04");
        let bpjs = as_role(Role::PetugasBpjs, "53.04");
        // Approve every death: covered members get a JKM claim candidate.
        support::approve_deaths(db, config.as_of);
        let candidates = claims::list(db, &admin, Some("candidate")).unwrap();
        assert!(
            candidates.len() >= 2,
            "{}: {} candidates",
            label(db),
            candidates.len()
        );

        // 1. JKM with the scholarship: 41 months of contributions, children at SD and SMA.
        let a = &candidates[0];
        let event = a.event_date.unwrap();
        let month = |months_back: u32| {
            let first = NaiveDate::from_ymd_opt(event.year(), event.month(), 1).unwrap();
            first
                .checked_sub_months(chrono::Months::new(months_back))
                .unwrap()
        };
        set_enrolment(db, a.person_id, month(40), month(0));
        // Submitting an incomplete claim is refused, naming what is missing.
        let err = claims::submit(db, &admin, a.id, d(2026, 11, 2)).unwrap_err();
        assert!(err.to_string().contains("akta_kematian"), "{err}");
        claims::update_details(
            db,
            &admin,
            a.id,
            &ClaimDetails {
                heirs: vec![heir("Maria Hoar", "spouse"), heir("Yosef Bere", "child")],
                documents: all_documents(ClaimCase::Death),
                children: Some(vec![Some(SchoolLevel::Sd), Some(SchoolLevel::Sma)]),
                ..Default::default()
            },
        )
        .unwrap();
        claims::submit(db, &admin, a.id, d(2026, 11, 2)).unwrap();
        // A village operator may not verify; an auditor neither.
        let village = a.village_code.clone();
        let desa = as_role(Role::OperatorDesa, &village);
        assert!(matches!(
            claims::verify(db, &desa, a.id, d(2026, 11, 3)),
            Err(jaring_app::AppError::Denied(_))
        ));
        let verified = claims::verify(db, &bpjs, a.id, d(2026, 11, 3)).unwrap();
        // 20 jt + 12 jt + 10 jt + SD 1,5 jt + SMA 3 jt.
        assert_eq!(verified.amount, Some(46_500_000), "{}", label(db));
        assert_eq!(verified.contribution_months, Some(41));
        claims::pay(db, &bpjs, a.id, d(2026, 11, 5)).unwrap();

        // 2. JKM without the scholarship: 12 months of contributions.
        let b = &candidates[1];
        let event_b = b.event_date.unwrap();
        let first_b = NaiveDate::from_ymd_opt(event_b.year(), event_b.month(), 1).unwrap();
        set_enrolment(
            db,
            b.person_id,
            first_b.checked_sub_months(chrono::Months::new(11)).unwrap(),
            first_b,
        );
        claims::update_details(
            db,
            &admin,
            b.id,
            &ClaimDetails {
                heirs: vec![heir("Anselmus Mau", "child")],
                documents: all_documents(ClaimCase::Death),
                children: Some(vec![Some(SchoolLevel::Smp)]),
                ..Default::default()
            },
        )
        .unwrap();
        claims::submit(db, &admin, b.id, d(2026, 11, 2)).unwrap();
        let verified = claims::verify(db, &bpjs, b.id, d(2026, 11, 3)).unwrap();
        assert_eq!(verified.amount, Some(42_000_000));
        claims::pay(db, &bpjs, b.id, d(2026, 11, 20)).unwrap();

        // 3. JKK death with a reported income of Rp 1.000.000: 48 × 1 jt + 12 jt + 10 jt.
        let jkk = claims::open(
            db,
            &admin,
            a.person_id,
            ClaimCase::WorkDeath,
            event,
            Some(Rupiah(1_000_000)),
            None,
        )
        .unwrap();
        claims::update_details(
            db,
            &admin,
            jkk,
            &ClaimDetails {
                heirs: vec![heir("Maria Hoar", "spouse")],
                documents: all_documents(ClaimCase::WorkDeath),
                ..Default::default()
            },
        )
        .unwrap();
        claims::submit(db, &admin, jkk, d(2026, 11, 2)).unwrap();
        let verified = claims::verify(db, &bpjs, jkk, d(2026, 11, 3)).unwrap();
        assert_eq!(verified.amount, Some(70_000_000));

        // 4. A work accident six years ago: outside the 5-year window, refused with the deadline.
        let living: i64 = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT MIN(p.id) FROM persons p JOIN enrolments e ON e.person_id = p.id \
                 WHERE p.life_status = 'alive'",
                &[],
            )
            .unwrap();
        set_enrolment(db, living, d(2019, 1, 1), d(2020, 12, 1));
        let old = claims::open(
            db,
            &admin,
            living,
            ClaimCase::TemporaryIncapacity,
            d(2020, 6, 15),
            Some(Rupiah(1_500_000)),
            Some(400),
        )
        .unwrap();
        claims::update_details(
            db,
            &admin,
            old,
            &ClaimDetails {
                documents: all_documents(ClaimCase::TemporaryIncapacity),
                ..Default::default()
            },
        )
        .unwrap();
        claims::submit(db, &admin, old, d(2026, 11, 2)).unwrap();
        let err = claims::verify(db, &bpjs, old, d(2026, 11, 3)).unwrap_err();
        assert!(
            err.to_string().contains("5 tahun") && err.to_string().contains("2025-06-15"),
            "{err}"
        );
        let rejected = claims::reject(db, &bpjs, old, d(2026, 11, 3), "lewat batas waktu").unwrap();
        assert_eq!(rejected.status, "rejected");
        assert_eq!(rejected.reason.as_deref(), Some("lewat batas waktu"));

        // 5. A death without active membership on the day: not payable, said why.
        let uncovered: i64 = db
            .conn()
            .unwrap()
            .query_i64(
                "SELECT MIN(id) FROM persons WHERE life_status = 'deceased' \
                 AND id NOT IN (SELECT person_id FROM enrolments)",
                &[],
            )
            .unwrap();
        let death_date: NaiveDate = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT death_date FROM persons WHERE id = $1",
                &[uncovered.into()],
            )
            .unwrap()
            .unwrap()
            .opt_date(0)
            .unwrap()
            .unwrap_or(d(2026, 1, 1));
        let none = claims::open(
            db,
            &admin,
            uncovered,
            ClaimCase::Death,
            death_date,
            None,
            None,
        )
        .unwrap();
        claims::update_details(
            db,
            &admin,
            none,
            &ClaimDetails {
                heirs: vec![heir("Ahli Waris", "child")],
                documents: all_documents(ClaimCase::Death),
                ..Default::default()
            },
        )
        .unwrap();
        claims::submit(db, &admin, none, d(2026, 11, 2)).unwrap();
        let err = claims::verify(db, &bpjs, none, d(2026, 11, 3)).unwrap_err();
        assert!(err.to_string().contains("tidak aktif"), "{err}");

        // Another village's operator cannot see the claims of this one.
        let other = as_role(Role::OperatorDesa, "53.04.99.2099");
        assert!(matches!(
            claims::get(db, &other, a.id),
            Err(jaring_app::AppError::NotFound)
        ));

        // Totals: two JKM claims paid in November 2026.
        let totals = claims::paid_totals(db, &admin).unwrap();
        let november: Vec<_> = totals.iter().filter(|t| t.0 == "2026-11").collect();
        assert_eq!(november.iter().map(|t| t.2).sum::<i64>(), 2);
        assert_eq!(
            november.iter().map(|t| t.3 .0).sum::<i64>(),
            46_500_000 + 42_000_000
        );
        // Every step is in the audit chain, which still verifies.
        let log = jaring_store::audit::list(
            &mut db.conn().unwrap(),
            &jaring_store::audit::AuditFilter {
                actor: Some("petugas_bpjs-uji".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(log.iter().any(|e| e.entry.action == "claim.paid"));
        assert!(jaring_store::audit::verify(&mut db.conn().unwrap())
            .unwrap()
            .breaks
            .is_empty());
    }
}
