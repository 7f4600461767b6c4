//! Storage suite, run on every backend (see `backends.rs`).

mod backends;

use std::sync::{Arc, Barrier};

use backends::{backends, label, postgres_requested};
use chrono::NaiveDate;
use jaring_domain::{
    HouseholdId, LifeStatus, NoKk, Person, PersonId, RegionCode, RegionLevel, Regions,
};
use jaring_store::regions::{children, seed_regions};
use jaring_store::registry::{
    bulk_load, change_kk, find_person_by_nik, get_person, insert_person, kk_history,
    persons_in_village, update_person,
};
use jaring_store::stats::{roll_up, village_counts};
use jaring_store::{migrate, Backend, StoreError, Value};
use jaring_synth::{generate, Config, Generated};

fn belu() -> RegionCode {
    RegionCode::parse("53.04").unwrap()
}

fn small_population(persons: usize) -> Generated {
    generate(&Config {
        persons,
        ..Config::default()
    })
    .unwrap()
}

fn loaded(db: &jaring_store::Database, g: &Generated) {
    seed_regions(db, belu()).unwrap();
    bulk_load(db, &g.population.households, &g.population.persons).unwrap();
}

#[test]
fn both_backends_are_exercised_when_requested() {
    let dbs = backends();
    let kinds: Vec<Backend> = dbs.iter().map(|t| t.db.backend()).collect();
    assert_eq!(kinds[0], Backend::Sqlite);
    assert_eq!(kinds.contains(&Backend::Postgres), postgres_requested());
}

#[test]
fn migrations_apply_once_and_reopen_is_a_no_op() {
    for t in backends() {
        let db = &t.db;
        assert_eq!(
            migrate::current_version(db).unwrap(),
            migrate::latest_version()
        );
        migrate::run(db).unwrap();
        let n = db
            .conn()
            .unwrap()
            .query_i64("SELECT COUNT(*) FROM schema_migrations", &[])
            .unwrap();
        assert_eq!(n, migrate::latest_version(), "{}", label(db));
    }
}

#[test]
fn seeding_regions_is_idempotent_and_builds_the_tree() {
    for t in backends() {
        let db = &t.db;
        let first = seed_regions(db, belu()).unwrap();
        // province + regency + 12 kecamatan + 81 villages
        assert_eq!(first, 1 + 1 + 12 + 81, "{}", label(db));
        assert_eq!(seed_regions(db, belu()).unwrap(), 0, "{}", label(db));
        let mut conn = db.conn().unwrap();
        let kec = children(&mut conn, Some(belu())).unwrap();
        assert_eq!(kec.len(), 12);
        assert_eq!(kec[0].name, "Lamaknen");
        let top = children(&mut conn, None).unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].name, "Nusa Tenggara Timur");
    }
}

#[test]
fn bulk_loaded_persons_read_back_field_for_field() {
    let g = small_population(3_000);
    for t in backends() {
        let db = &t.db;
        loaded(db, &g);
        let mut conn = db.conn().unwrap();
        let n = conn.query_i64("SELECT COUNT(*) FROM persons", &[]).unwrap();
        assert_eq!(n, 3_000, "{}", label(db));
        for p in g.population.persons.iter().step_by(97) {
            assert_eq!(&get_person(&mut conn, p.id).unwrap(), p, "{}", label(db));
        }
        let with_nik = g
            .population
            .persons
            .iter()
            .find(|p| p.nik.is_some())
            .unwrap();
        let found = find_person_by_nik(&mut conn, with_nik.nik.unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(found.id, with_nik.id);
        let village = g.population.persons[0].village;
        let in_village = persons_in_village(&mut conn, village).unwrap();
        let expected = g
            .population
            .persons
            .iter()
            .filter(|p| p.village == village)
            .count();
        assert_eq!(in_village.len(), expected);
        assert!(matches!(
            get_person(&mut conn, PersonId(999_999)),
            Err(StoreError::NotFound {
                entity: "person",
                id: 999_999
            })
        ));
    }
}

#[test]
fn counts_per_village_roll_up_to_kecamatan_and_regency() {
    let g = small_population(4_000);
    for t in backends() {
        let db = &t.db;
        loaded(db, &g);
        let mut conn = db.conn().unwrap();
        let villages = village_counts(&mut conn, belu()).unwrap();
        assert_eq!(villages.len(), 81, "{}", label(db));
        let persons: i64 = villages.iter().map(|v| v.persons).sum();
        assert_eq!(persons, 4_000);
        let alive = g
            .population
            .persons
            .iter()
            .filter(|p| p.life_status == LifeStatus::Alive)
            .count();
        assert_eq!(villages.iter().map(|v| v.alive).sum::<i64>(), alive as i64);
        assert_eq!(
            villages.iter().map(|v| v.households).sum::<i64>(),
            g.population.households.len() as i64
        );
        let kec = jaring_store::regions::at_level(&mut conn, RegionLevel::District).unwrap();
        let rolled = roll_up(&villages, &kec);
        assert_eq!(rolled.len(), 12);
        assert_eq!(rolled.iter().map(|k| k.persons).sum::<i64>(), 4_000);
        let atambua = rolled
            .iter()
            .find(|k| k.region.name == "Kota Atambua")
            .unwrap();
        let expected = g
            .population
            .persons
            .iter()
            .filter(|p| RegionCode::parse("53.04.12").unwrap().contains(p.village))
            .count();
        assert_eq!(atambua.persons, expected as i64);
    }
}

#[test]
fn optimistic_locking_rejects_a_stale_write() {
    let g = small_population(500);
    for t in backends() {
        let db = &t.db;
        loaded(db, &g);
        let mut conn = db.conn().unwrap();
        let original = get_person(&mut conn, PersonId(1)).unwrap();
        let mut first = original.clone();
        first.occupation = "Nelayan/Perikanan".into();
        let saved = update_person(&mut conn, &first).unwrap();
        assert_eq!(saved.row_version, original.row_version + 1);
        assert_eq!(saved.occupation, "Nelayan/Perikanan");
        let mut stale = original.clone();
        stale.occupation = "Pedagang".into();
        match update_person(&mut conn, &stale) {
            Err(StoreError::Conflict {
                entity: "person",
                id: 1,
                expected,
                actual,
            }) => {
                assert_eq!(
                    (expected, actual),
                    (original.row_version, original.row_version + 1)
                );
            }
            other => panic!("{}: expected conflict, got {other:?}", label(db)),
        }
        assert_eq!(
            get_person(&mut conn, PersonId(1)).unwrap().occupation,
            "Nelayan/Perikanan"
        );
    }
}

#[test]
fn two_concurrent_writers_of_one_version_exactly_one_wins() {
    let g = small_population(500);
    for t in backends() {
        let db = t.db.clone();
        loaded(&db, &g);
        let person = get_person(&mut db.conn().unwrap(), PersonId(2)).unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = ["Pedagang", "Sopir"]
            .into_iter()
            .map(|occupation| {
                let (db, barrier, mut p) = (db.clone(), barrier.clone(), person.clone());
                std::thread::spawn(move || {
                    p.occupation = occupation.into();
                    barrier.wait();
                    db.transaction(|tx| update_person(tx, &p))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
            .count();
        assert_eq!((wins, conflicts), (1, 1), "{}: {results:?}", label(&db));
        let stored = get_person(&mut db.conn().unwrap(), PersonId(2)).unwrap();
        assert_eq!(stored.row_version, person.row_version + 1);
    }
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let g = small_population(500);
    for t in backends() {
        let db = &t.db;
        loaded(db, &g);
        let before = db
            .conn()
            .unwrap()
            .query_i64("SELECT COUNT(*) FROM persons", &[])
            .unwrap();
        let mut newcomer: Person = g.population.persons[0].clone();
        newcomer.nik = None;
        newcomer.name = "Petrus Baru".into();
        let duplicate = g.population.persons[1].clone(); // NIK already stored
        let result: Result<(), StoreError> = db.transaction(|tx| {
            insert_person(tx, &newcomer)?;
            insert_person(tx, &duplicate)?;
            Ok(())
        });
        let err = result.unwrap_err();
        assert!(err.is_unique_violation(), "{}: {err}", label(db));
        let after = db
            .conn()
            .unwrap()
            .query_i64("SELECT COUNT(*) FROM persons", &[])
            .unwrap();
        assert_eq!(
            after,
            before,
            "{}: the first insert was rolled back too",
            label(db)
        );
        // the pool hands out a usable connection afterwards
        let id = db.transaction(|tx| insert_person(tx, &newcomer)).unwrap();
        assert_eq!(
            get_person(&mut db.conn().unwrap(), id).unwrap().name,
            "Petrus Baru"
        );
    }
}

#[test]
fn a_panicking_transaction_is_rolled_back() {
    let g = small_population(300);
    for t in backends() {
        let db = t.db.clone();
        loaded(&db, &g);
        let db2 = db.clone();
        let mut newcomer = g.population.persons[0].clone();
        newcomer.nik = None;
        let joined = std::thread::spawn(move || {
            let _: Result<(), StoreError> = db2.transaction(|tx| {
                insert_person(tx, &newcomer)?;
                panic!("crash inside a transaction");
            });
        })
        .join();
        assert!(joined.is_err());
        let n = db
            .conn()
            .unwrap()
            .query_i64("SELECT COUNT(*) FROM persons", &[])
            .unwrap();
        assert_eq!(n, 300, "{}", label(&db));
    }
}

#[test]
fn schema_refuses_impossible_rows() {
    let g = small_population(300);
    for t in backends() {
        let db = &t.db;
        loaded(db, &g);
        let mut conn = db.conn().unwrap();
        // a date of death on a living person
        let r = conn.execute(
            "UPDATE persons SET death_date = $1 WHERE id = 1 AND life_status = 'alive'",
            &[Value::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())],
        );
        assert!(r.is_err(), "{}", label(db));
        // a decile of 11
        assert!(conn
            .execute("UPDATE persons SET dtsen_desil = 11 WHERE id = 1", &[])
            .is_err());
        // a village that is not in the region table
        assert!(conn
            .execute(
                "UPDATE persons SET village_code = '53.04.99.2999' WHERE id = 1",
                &[]
            )
            .is_err());
        // a deceased person with a date is fine
        conn.execute(
            "UPDATE persons SET life_status = 'deceased', death_date = $1 WHERE id = 1",
            &[Value::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())],
        )
        .unwrap();
    }
}

#[test]
fn household_keeps_its_id_when_the_kk_number_changes() {
    let g = small_population(300);
    for t in backends() {
        let db = &t.db;
        loaded(db, &g);
        let household = HouseholdId(1);
        let old = g.population.households[0].no_kk.unwrap();
        let new_kk = NoKk::parse("5304011503240007").unwrap();
        let on = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap();
        db.transaction(|tx| change_kk(tx, household, new_kk, on))
            .unwrap();
        let history = kk_history(&mut db.conn().unwrap(), household).unwrap();
        assert_eq!(
            history,
            vec![(old.to_string(), Some(on)), (new_kk.to_string(), None)],
            "{}",
            label(db)
        );
        // a KK number belongs to one household for life
        let err = db
            .transaction(|tx| change_kk(tx, HouseholdId(2), new_kk, on))
            .unwrap_err();
        assert!(err.is_unique_violation(), "{}: {err}", label(db));
        let missing = db.transaction(|tx| {
            change_kk(
                tx,
                HouseholdId(99_999),
                NoKk::parse("5304011503240008").unwrap(),
                on,
            )
        });
        assert!(
            matches!(
                missing,
                Err(StoreError::NotFound {
                    entity: "household",
                    id: 99_999
                })
            ),
            "{}: {missing:?}",
            label(db)
        );
    }
}

#[test]
fn every_belu_village_of_the_national_list_is_seeded() {
    let expected = Regions::national()
        .within(belu())
        .filter(|r| r.level() == RegionLevel::Village)
        .count();
    for t in backends() {
        let db = &t.db;
        seed_regions(db, belu()).unwrap();
        let stored =
            jaring_store::regions::at_level(&mut db.conn().unwrap(), RegionLevel::Village).unwrap();
        assert_eq!(stored.len(), expected, "{}", label(db));
        assert_eq!(stored.len(), 81);
        let kelurahan = stored
            .iter()
            .filter(|r| r.code.village_kind() == Some(jaring_domain::VillageKind::Kelurahan))
            .count();
        assert_eq!(kelurahan, 12);
    }
}
