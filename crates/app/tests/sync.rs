//! Import a generated regency and its four lists, synchronise, and hold the bands against the ground
//! truth, on every backend.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_app::sync::{sync, Thresholds};
use jaring_domain::ListKind;
use jaring_store::matches::{band_counts, candidates_in_band};
use jaring_store::Database;

fn import(db: &Database, dir: &Path, file: &str, kind: ListKind) {
    let req = ImportRequest {
        path: dir.join(file),
        file_name: None,
        kind,
        mapping: None,
        sheet: None,
        village: None,
        error_file: Some(dir.join(format!("{file}.errors"))),
        today: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    };
    let r = import_file(db, &job("test"), &req, &NoProgress).unwrap();
    assert_eq!(r.counts.rejected, 0, "{file}: {:?}", r.rejected.first());
}

/// Ground truth: (list, record id) → registry person id.
fn truth(dir: &Path) -> HashMap<(String, String), Option<i64>> {
    csv::Reader::from_path(dir.join("ground_truth.csv"))
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            ((r[0].to_string(), r[1].to_string()), r[2].parse().ok())
        })
        .collect()
}

#[test]
fn sync_bands_agree_with_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let generated = jaring_synth::generate(&jaring_synth::Config {
        persons: 8_000,
        seed: 21,
        ..Default::default()
    })
    .unwrap();
    jaring_synth::write_dir(&generated, dir.path()).unwrap();
    let truth = truth(dir.path());
    let lists = [
        (ListKind::Deaths, "deaths.csv", "deaths"),
        (ListKind::Asn, "asn_pppk.csv", "asn"),
        (ListKind::Bpjs, "bpjs_membership.csv", "bpjs"),
        (ListKind::Dtsen, "dtsen.csv", "dtsen"),
    ];
    for t in backends() {
        let db = &t.db;
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        for (kind, file, _) in lists {
            import(db, dir.path(), file, kind);
        }
        let kinds: Vec<ListKind> = lists.iter().map(|l| l.0).collect();
        let summaries = sync(db, &job("sync"), &kinds, &Default::default()).unwrap();
        for (s, (kind, _, list)) in summaries.iter().zip(lists) {
            let mut conn = db.conn().unwrap();
            let (auto, review, none) = band_counts(&mut conn, list).unwrap();
            assert_eq!(
                (auto as usize, review as usize, none as usize),
                (s.auto, s.review, s.no_match),
                "{} {list}",
                label(db)
            );
            assert_eq!(
                s.records,
                s.auto + s.review + s.no_match,
                "every staged record has a result"
            );
            // the record's id in the ground truth: row number for Dukcapil and BKPSDM lists, own key otherwise
            let id_of = |e: &jaring_store::matches::BandEntry| match kind {
                ListKind::Deaths | ListKind::Asn => (e.source_line - 1).to_string(),
                _ => e.record_key.clone().unwrap_or_default(),
            };
            let autos = candidates_in_band(&mut conn, list, "auto").unwrap();
            let correct = autos
                .iter()
                .filter(|e| truth.get(&(list.to_string(), id_of(e))) == Some(&e.person_id))
                .count();
            let in_registry = truth
                .iter()
                .filter(|((l, _), p)| l == list && p.is_some())
                .count();
            let precision = correct as f64 / autos.len().max(1) as f64;
            let recall = correct as f64 / in_registry.max(1) as f64;
            assert!(
                precision >= 0.99,
                "{} {list}: auto precision {precision:.4} ({correct}/{})",
                label(db),
                autos.len()
            );
            assert!(
                recall >= 0.95,
                "{} {list}: auto recall {recall:.4} ({correct}/{in_registry})",
                label(db)
            );
            let people: Vec<i64> = autos.iter().filter_map(|e| e.person_id).collect();
            assert_eq!(
                people.len(),
                people.iter().collect::<HashSet<_>>().len(),
                "{list}: no person auto-matched twice"
            );
        }
        // syncing again replaces, it does not add
        let before: Vec<_> = lists
            .iter()
            .map(|(_, _, l)| band_counts(&mut db.conn().unwrap(), l).unwrap())
            .collect();
        sync(db, &job("sync"), &[ListKind::Deaths], &Default::default()).unwrap();
        let after: Vec<_> = lists
            .iter()
            .map(|(_, _, l)| band_counts(&mut db.conn().unwrap(), l).unwrap())
            .collect();
        assert_eq!(before, after, "{}", label(db));
        // a stricter upper threshold moves pairs from auto to review, never to nowhere
        let strict = HashMap::from([(
            ListKind::Deaths,
            Thresholds {
                upper: 0.999_999_999,
                lower: 0.5,
            },
        )]);
        let s = &sync(db, &job("sync"), &[ListKind::Deaths], &strict.into()).unwrap()[0];
        let (a0, r0, n0) = before[0];
        assert!(
            s.auto as i64 <= a0
                && s.auto + s.review == (a0 + r0) as usize
                && s.no_match as i64 == n0,
            "{s:?} vs {:?}",
            before[0]
        );
    }
}

#[test]
fn same_nik_with_another_name_and_birth_date_goes_to_review() {
    let dir = tempfile::tempdir().unwrap();
    let generated = jaring_synth::generate(&jaring_synth::Config {
        persons: 3_000,
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    jaring_synth::write_dir(&generated, dir.path()).unwrap();
    let person = generated
        .population
        .persons
        .iter()
        .find(|p| p.nik.is_some())
        .unwrap();
    let nik = person.nik.unwrap().to_string();
    // a death record carrying that NIK but someone else's name and birth date
    std::fs::write(
        dir.path().join("odd_death.csv"),
        format!("NO,NIK,NAMA LENGKAP,TANGGAL LAHIR,TANGGAL KEMATIAN\r\n1,{nik},ZAKARIAS TALLO,01-01-1931,22-03-2026\r\n"),
    )
    .unwrap();
    for t in backends() {
        let db = &t.db;
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        import(db, dir.path(), "deaths.csv", ListKind::Deaths);
        import(db, dir.path(), "odd_death.csv", ListKind::Deaths);
        let s = &sync(db, &job("sync"), &[ListKind::Deaths], &Default::default()).unwrap()[0];
        assert!(s.nik_conflicts >= 1, "{}: {s:?}", label(db));
        let review = candidates_in_band(&mut db.conn().unwrap(), "deaths", "review").unwrap();
        assert!(
            review.iter().any(|e| e.person_id == Some(person.id.0)),
            "{}: the NIK holder is under review, not auto",
            label(db)
        );
        let auto = candidates_in_band(&mut db.conn().unwrap(), "deaths", "auto").unwrap();
        assert!(auto
            .iter()
            .all(|e| e.record_key.as_deref() != Some("1") || e.person_id != Some(person.id.0)));
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}

/// The hard cases (namesakes in one village born days apart, an unregistered twin a NIK digit off, a
/// son of the same name, a relative's NIK, namesakes of another regency, namesakes appointed) mixed
/// into the regular lists, on several seeds: after sync, proposals and bulk approval of the auto band,
/// exactly the truly dead in that band are marked deceased and only true appointments applied.
#[test]
fn no_living_person_is_marked_dead_by_the_auto_band() {
    use jaring_app::review::{self, Context};
    use jaring_store::review::ProposalFilter;
    for seed in [3u64, 17, 41] {
        let dir = tempfile::tempdir().unwrap();
        let generated = jaring_synth::generate(&jaring_synth::Config {
            persons: 6_000,
            seed,
            ..Default::default()
        })
        .unwrap();
        jaring_synth::write_dir(&generated, dir.path()).unwrap();
        let hard = jaring_synth::hard::hard_cases(&generated, seed, 25);
        jaring_synth::hard::write_list(&hard.deaths, dir.path()).unwrap();
        jaring_synth::hard::write_list(&hard.asn, dir.path()).unwrap();
        let mut truth = truth(dir.path());
        for t in &hard.truth {
            truth.insert(
                (format!("hard_{}", t.list), t.record_id.clone()),
                t.person_id,
            );
        }
        let alive_dead: HashSet<i64> = truth
            .iter()
            .filter(|((l, _), _)| l == "deaths" || l == "hard_deaths")
            .filter_map(|(_, p)| *p)
            .collect();
        let appointed: HashSet<i64> = truth
            .iter()
            .filter(|((l, _), _)| l == "asn" || l == "hard_asn")
            .filter_map(|(_, p)| *p)
            .collect();
        for t in backends() {
            let db = &t.db;
            let l = label(db);
            import(db, dir.path(), "registry.csv", ListKind::Registry);
            import(db, dir.path(), "deaths.csv", ListKind::Deaths);
            import(db, dir.path(), "hard_deaths.csv", ListKind::Deaths);
            import(db, dir.path(), "asn_pppk.csv", ListKind::Asn);
            import(db, dir.path(), "hard_asn.csv", ListKind::Asn);
            let summaries = sync(
                db,
                &job("sync"),
                &[ListKind::Deaths, ListKind::Asn],
                &Default::default(),
            )
            .unwrap();
            // Hard cases the probability alone would have let into the auto band were held back.
            assert!(
                summaries[0]
                    .held_back
                    .iter()
                    .any(|(r, _)| *r == jaring_linkage::Reason::NikDiffers),
                "{l} seed {seed}: {:?}",
                summaries[0]
            );
            let mut conn = db.conn().unwrap();
            // Every auto-band death is the person the record is about.
            let wrong: Vec<_> = candidates_in_band(&mut conn, "deaths", "auto")
                .unwrap()
                .into_iter()
                .filter(|e| e.person_id.is_none_or(|p| !alive_dead.contains(&p)))
                .collect();
            assert!(
                wrong.is_empty(),
                "{l} seed {seed}: living persons in the auto band {wrong:?}"
            );
            let wrong_asn: Vec<_> = candidates_in_band(&mut conn, "asn", "auto")
                .unwrap()
                .into_iter()
                .filter(|e| e.person_id.is_none_or(|p| !appointed.contains(&p)))
                .collect();
            assert!(wrong_asn.is_empty(), "{l} seed {seed}: {wrong_asn:?}");
            // The relative's NIK: the record goes to the household member it names, in review.
            let review_people: HashSet<i64> = candidates_in_band(&mut conn, "deaths", "review")
                .unwrap()
                .into_iter()
                .filter_map(|e| e.person_id)
                .collect();
            let relatives: Vec<i64> = hard
                .truth
                .iter()
                .filter(|t| t.noise == "nik_of_relative")
                .filter_map(|t| t.person_id)
                .collect();
            let found = relatives
                .iter()
                .filter(|p| review_people.contains(p))
                .count();
            assert!(
                found * 10 >= relatives.len() * 9,
                "{l} seed {seed}: {found} of {} relatives' NIKs traced to the member",
                relatives.len()
            );
            let deceased = |conn: &mut jaring_store::Conn| -> HashSet<i64> {
                conn.query("SELECT id FROM persons WHERE life_status = 'deceased'", &[])
                    .unwrap()
                    .iter()
                    .map(|r| r.i64(0).unwrap())
                    .collect()
            };
            let before = deceased(&mut conn);
            drop(conn);
            // End to end: proposals, bulk approval of the auto band, then the registry.
            let ctx = Context {
                today: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                grace_months: 3,
            };
            review::generate_proposals(db, &job("sync"), &[ListKind::Deaths, ListKind::Asn], &ctx)
                .unwrap();
            review::approve_all(
                db,
                &job("admin"),
                &ProposalFilter {
                    band: Some("auto".into()),
                    ..Default::default()
                },
                &ctx,
            )
            .unwrap();
            let mut conn = db.conn().unwrap();
            let dead: HashSet<i64> = deceased(&mut conn).difference(&before).copied().collect();
            let auto_dead: HashSet<i64> = candidates_in_band(&mut conn, "deaths", "auto")
                .unwrap()
                .into_iter()
                .filter_map(|e| e.person_id)
                .collect();
            assert!(
                dead.is_subset(&alive_dead),
                "{l} seed {seed}: a living person marked dead"
            );
            assert_eq!(
                dead, auto_dead,
                "{l} seed {seed}: exactly the auto band's dead"
            );
            // Recall on the regular death list (the hard cases are meant for review).
            let regular: HashSet<i64> = truth
                .iter()
                .filter(|((l, _), _)| l == "deaths")
                .filter_map(|(_, p)| *p)
                .collect();
            let recall =
                auto_dead.intersection(&regular).count() as f64 / regular.len().max(1) as f64;
            assert!(
                recall >= 0.9,
                "{l} seed {seed}: auto-band recall {recall:.3}"
            );
        }
    }
}
