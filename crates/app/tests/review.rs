//! From lists to applied changes on generated Belu: import → sync → proposals → approve the auto band →
//! a reviewer (who knows the ground truth) decides the review band; then the registry must say exactly
//! what the ground truth says, on every backend. Also: reverts, idempotence, and the audit chain.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_app::review::{self, Context};
use jaring_app::sync::{sync, Thresholds};
use jaring_domain::review::{Intent, ProposalKind};
use jaring_domain::ListKind;
use jaring_store::matches::candidates_in_band;
use jaring_store::review::ProposalFilter;
use jaring_store::{audit, Database, Value};

const TODAY: (i32, u32, u32) = (2026, 10, 31);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

fn ctx() -> Context {
    Context {
        today: today(),
        grace_months: 3,
    }
}

/// A generated regency with its lists and ground truth, written as CSV into a temporary directory.
fn belu(persons: usize, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let generated = jaring_synth::generate(&jaring_synth::Config {
        persons,
        seed,
        ..Default::default()
    })
    .unwrap();
    jaring_synth::write_dir(&generated, dir.path()).unwrap();
    dir
}

fn import(db: &Database, dir: &Path, file: &str, kind: ListKind) {
    let req = ImportRequest {
        path: dir.join(file),
        file_name: None,
        kind,
        mapping: None,
        sheet: None,
        village: None,
        error_file: None,
        today: today(),
    };
    let r = import_file(db, &job("test"), &req, &NoProgress).unwrap();
    assert_eq!(r.counts.rejected, 0, "{file}");
}

struct Truth {
    /// (list, record id) → (person, event).
    rows: HashMap<(String, String), (Option<i64>, String)>,
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn truth(dir: &Path) -> Truth {
    Truth {
        rows: read_csv(&dir.join("ground_truth.csv"))
            .into_iter()
            .map(|r| {
                (
                    (r["list"].clone(), r["record_id"].clone()),
                    (r["person_id"].parse().ok(), r["event"].clone()),
                )
            })
            .collect(),
    }
}

/// The ground truth numbers death and appointment records by position (line − 1, after the header);
/// the other lists by their own ids.
fn truth_key(list: &str, record_key: Option<&str>, line: i64) -> (String, String) {
    let id = match list {
        "deaths" | "asn" => (line - 1).to_string(),
        _ => record_key.unwrap_or_default().to_string(),
    };
    (list.to_string(), id)
}

fn dmy(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%d-%m-%Y").unwrap()
}

fn ids(db: &Database, sql: &str) -> BTreeSet<i64> {
    db.conn()
        .unwrap()
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.i64(0).unwrap())
        .collect()
}

/// The reviewer: approves a review-band proposal when it names the person the ground truth names for
/// its source record, rejects it otherwise.
fn review_with_truth(db: &Database, truth: &Truth) -> (usize, usize) {
    let pending = review::list(
        db,
        &job("test"),
        &ProposalFilter {
            status: Some("pending".into()),
            band: Some("review".into()),
            kinds: vec![
                "mark_deceased".into(),
                "civil_servant".into(),
                "membership".into(),
            ],
            ..Default::default()
        },
    )
    .unwrap();
    let (mut approved, mut rejected) = (0, 0);
    // Memberships first, as a bulk approval would order them.
    let mut pending = pending;
    pending.sort_by_key(|p| (p.kind != "membership", p.id));
    for p in pending {
        let ev: serde_json::Value = serde_json::from_str(&p.evidence).unwrap();
        let key = truth_key(
            ev["source"].as_str().unwrap(),
            ev["record_key"].as_str(),
            ev["line"].as_i64().unwrap(),
        );
        let right = truth.rows.get(&key).and_then(|t| t.0);
        if right.is_some() && right == p.person_id {
            review::approve(db, &job("reviewer"), p.id, Some(p.row_version), &ctx()).unwrap();
            approved += 1;
        } else {
            review::reject(
                db,
                &job("reviewer"),
                p.id,
                Some(p.row_version),
                "bukan orang yang sama",
            )
            .unwrap();
            rejected += 1;
            // The reviewer knows who it really is and records the event against that person instead.
            if let Some(right) = right {
                let mut intent: serde_json::Value = serde_json::from_str(&p.intent).unwrap();
                intent["person_id"] = right.into();
                let intent = serde_json::from_value(intent).unwrap();
                let kind = ProposalKind::from_code(&p.kind).unwrap();
                let id = review::propose(
                    db,
                    &job("reviewer"),
                    kind,
                    intent,
                    "dikoreksi peninjau",
                    &ctx(),
                )
                .unwrap();
                review::approve(db, &job("reviewer"), id, None, &ctx()).unwrap();
            }
        }
    }
    (approved, rejected)
}

#[test]
fn approved_proposals_make_the_registry_agree_with_the_ground_truth() {
    let dir = belu(8_000, 21);
    let truth = truth(dir.path());
    let lists = [
        (ListKind::Deaths, "deaths.csv"),
        (ListKind::Asn, "asn_pppk.csv"),
        (ListKind::Bpjs, "bpjs_membership.csv"),
        (ListKind::Dtsen, "dtsen.csv"),
    ];
    let kinds: Vec<ListKind> = lists.iter().map(|l| l.0).collect();

    // What the ground truth says should happen.
    let died: HashMap<i64, NaiveDate> = read_csv(&dir.path().join("deaths.csv"))
        .iter()
        .filter_map(|r| {
            let (person, _) = truth.rows.get(&("deaths".into(), r["NO"].clone()))?;
            Some(((*person)?, dmy(&r["TANGGAL KEMATIAN"])))
        })
        .collect();
    let appointed: HashSet<i64> = truth
        .rows
        .iter()
        .filter(|((list, _), (p, e))| list == "asn" && p.is_some() && e.starts_with("appointed"))
        .filter_map(|(_, (p, _))| *p)
        .collect();
    let bpjs_rows = read_csv(&dir.path().join("bpjs_membership.csv"));
    let members: HashMap<i64, (NaiveDate, NaiveDate)> = bpjs_rows
        .iter()
        .filter_map(|r| {
            let (person, _) = truth.rows.get(&("bpjs".into(), r["KPJ"].clone()))?;
            let paid =
                NaiveDate::parse_from_str(&format!("01-{}", r["BLTH IURAN TERAKHIR"]), "%d-%m-%Y")
                    .unwrap();
            Some(((*person)?, (dmy(&r["TGL KEPESERTAAN"]), paid)))
        })
        .collect();
    let expected_claims: BTreeSet<i64> = died
        .iter()
        .filter(|(p, death)| {
            members.get(p).is_some_and(|(start, paid)| {
                jaring_domain::review::covered_on(Some(*start), None, Some(*paid), 3, **death)
            })
        })
        .map(|(p, _)| *p)
        .collect();
    assert!(
        expected_claims.len() >= 3,
        "too few claims to test: {}",
        expected_claims.len()
    );
    assert!(
        expected_claims.len() < died.len(),
        "some of the dead were not covered"
    );

    for t in backends() {
        let db = &t.db;
        let l = label(db);
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        for (kind, file) in lists {
            import(db, dir.path(), file, kind);
        }
        // A strict upper threshold sends the less certain matches to the reviewer, so both paths run.
        let strict: HashMap<ListKind, Thresholds> = kinds
            .iter()
            .map(|k| {
                (
                    *k,
                    Thresholds {
                        upper: 0.9999,
                        ..Thresholds::default_for(*k)
                    },
                )
            })
            .collect();
        sync(db, &job("sync"), &kinds, &strict.into()).unwrap();
        let deceased_before = ids(db, "SELECT id FROM persons WHERE life_status = 'deceased'");
        let excluding = "SELECT DISTINCT household_id FROM persons WHERE household_id IS NOT NULL \
                         AND civil_servant_status IN ('pns', 'pppk', 'tni', 'polri')";
        let excluded_before = ids(db, excluding);

        let made = review::generate_proposals(db, &job("sync"), &kinds, &ctx()).unwrap();
        let total: usize = made.iter().map(|(_, s)| s.total()).sum();
        assert!(total > 0, "{l}");
        // Idempotent: generating again proposes nothing new.
        let again = review::generate_proposals(db, &job("sync"), &kinds, &ctx()).unwrap();
        assert_eq!(
            again.iter().map(|(_, s)| s.total()).sum::<usize>(),
            0,
            "{l}"
        );

        // 1. Bulk approval of the auto band: only true deaths, only true appointments.
        let bulk = review::approve_all(
            db,
            &job("admin"),
            &ProposalFilter {
                band: Some("auto".into()),
                ..Default::default()
            },
            &ctx(),
        )
        .unwrap();
        assert!(
            bulk.failed.is_empty(),
            "{l}: {:?}",
            &bulk.failed[..bulk.failed.len().min(3)]
        );
        assert_eq!(bulk.already_decided, 0);
        let newly_dead: BTreeSet<i64> =
            ids(db, "SELECT id FROM persons WHERE life_status = 'deceased'")
                .difference(&deceased_before)
                .copied()
                .collect();
        for p in &newly_dead {
            assert!(
                died.contains_key(p),
                "{l}: person {p} marked deceased but alive in truth"
            );
        }
        assert!(
            newly_dead.len() * 100 >= died.len() * 97,
            "{l}: auto band found {} of {}",
            newly_dead.len(),
            died.len()
        );

        // 2. The review band, decided one by one.
        let (approved, rejected) = review_with_truth(db, &truth);
        assert!(approved > 0, "{l}: nothing reached the reviewer");
        // Death records that matched no one (a baby without NIK, say) are looked up by hand.
        let unmatched = candidates_in_band(&mut db.conn().unwrap(), "deaths", "no_match").unwrap();
        let mut by_hand = 0;
        for u in unmatched {
            let key = truth_key("deaths", u.record_key.as_deref(), u.source_line);
            if let Some(person_id) = truth.rows.get(&key).and_then(|t| t.0) {
                let id = review::propose(
                    db,
                    &job("reviewer"),
                    ProposalKind::MarkDeceased,
                    Intent::MarkDeceased {
                        person_id,
                        death_date: died[&person_id],
                        deed_number: None,
                    },
                    "dicari manual",
                    &ctx(),
                )
                .unwrap();
                review::approve(db, &job("reviewer"), id, None, &ctx()).unwrap();
                by_hand += 1;
            }
        }
        assert!(
            by_hand <= died.len() / 50,
            "{l}: {by_hand} deaths matched by hand"
        );
        eprintln!("{l}: {total} proposals, auto applied {}, reviewed {approved} approved / {rejected} rejected", bulk.applied);

        // Every true death in the registry is now recorded, with its date; no one else died.
        let mut conn = db.conn().unwrap();
        let now_dead: HashMap<i64, NaiveDate> = conn
            .query(
                "SELECT id, death_date FROM persons WHERE life_status = 'deceased'",
                &[],
            )
            .unwrap()
            .iter()
            .filter(|r| !deceased_before.contains(&r.i64(0).unwrap()))
            .map(|r| (r.i64(0).unwrap(), r.opt_date(1).unwrap().unwrap()))
            .collect();
        let missed: Vec<_> = died.keys().filter(|p| !now_dead.contains_key(p)).collect();
        assert!(missed.is_empty(), "{l}: deaths never proposed: {missed:?}");
        assert_eq!(now_dead, died, "{l}");

        // Households with a newly appointed member have left subsidised programmes, and only they.
        let household_of: HashMap<i64, i64> = conn
            .query(
                "SELECT id, household_id FROM persons WHERE household_id IS NOT NULL",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.i64(0).unwrap(), r.i64(1).unwrap()))
            .collect();
        let expected_excluded: BTreeSet<i64> = excluded_before
            .iter()
            .copied()
            .chain(
                appointed
                    .iter()
                    .filter_map(|p| household_of.get(p).copied()),
            )
            .collect();
        drop(conn);
        assert_eq!(ids(db, excluding), expected_excluded, "{l}");
        let exited = ids(
            db,
            "SELECT DISTINCT p.household_id FROM enrolments e JOIN persons p ON p.id = e.person_id \
             WHERE e.end_reason = 'household_civil_servant'",
        );
        assert!(!exited.is_empty(), "{l}");
        for h in &exited {
            assert!(
                expected_excluded.contains(h),
                "{l}: household {h} exited without cause"
            );
        }
        let still_subsidised = ids(
            db,
            &format!(
                "SELECT DISTINCT p.household_id FROM enrolments e JOIN persons p ON p.id = e.person_id \
                 JOIN programmes g ON g.code = e.programme_code WHERE g.subsidised = {} \
                 AND e.end_date IS NULL AND p.household_id IN ({})",
                if db.backend() == jaring_store::Backend::Postgres { "TRUE" } else { "1" },
                appointed
                    .iter()
                    .filter_map(|p| household_of.get(p))
                    .map(|h| h.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        assert!(still_subsidised.is_empty(), "{l}: {still_subsidised:?}");

        // Claim candidates: exactly the dead who were covered members on the day they died.
        let claims = ids(
            db,
            "SELECT person_id FROM claims WHERE kind = 'jkm' AND status = 'candidate'",
        );
        assert_eq!(claims, expected_claims, "{l}");
        // Their cover ends at the end of the month of death.
        let open_after_death = ids(
            db,
            "SELECT e.id FROM enrolments e JOIN persons p ON p.id = e.person_id \
             WHERE p.life_status = 'deceased' AND e.end_date IS NULL",
        );
        assert!(open_after_death.is_empty(), "{l}");

        // 3. Revert a death with a claim: the person is alive again, cover and claim as before.
        let proposal = review::list(
            db,
            &job("test"),
            &ProposalFilter {
                status: Some("applied".into()),
                kinds: vec!["mark_deceased".into()],
                person_id: claims.iter().next().copied(),
                ..Default::default()
            },
        )
        .unwrap()
        .pop()
        .unwrap();
        let person = proposal.person_id.unwrap();
        let revert =
            review::propose_revert(db, &job("admin"), proposal.id, "akta salah orang", &ctx())
                .unwrap();
        review::approve(db, &job("kepala_dinas"), revert, None, &ctx()).unwrap();
        let mut conn = db.conn().unwrap();
        let row = conn
            .query_opt(
                "SELECT life_status, death_date FROM persons WHERE id = $1",
                &[Value::Int(person)],
            )
            .unwrap()
            .unwrap();
        assert_eq!(row.text(0).unwrap(), "alive", "{l}");
        assert_eq!(row.opt_date(1).unwrap(), None, "{l}");
        assert_eq!(
            conn.query_i64(
                "SELECT COUNT(*) FROM claims WHERE person_id = $1",
                &[Value::Int(person)]
            )
            .unwrap(),
            0,
            "{l}"
        );
        assert_eq!(
            conn.query_i64(
                "SELECT COUNT(*) FROM enrolments WHERE person_id = $1 AND end_date IS NOT NULL",
                &[Value::Int(person)]
            )
            .unwrap(),
            0,
            "{l}"
        );
        assert_eq!(
            review::show(db, &job("test"), proposal.id).unwrap().status,
            "reverted"
        );
        // A reverted proposal cannot be reverted twice.
        assert!(review::propose_revert(db, &job("admin"), proposal.id, "lagi", &ctx()).is_err());

        // Every change is in the audit log, per person, and the chain is intact.
        let history = audit::list(
            &mut conn,
            &audit::AuditFilter {
                person_id: Some(person),
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.entry.action.as_str()).collect();
        assert!(
            actions.contains(&"person.update") && actions.contains(&"claim.delete"),
            "{l}: {actions:?}"
        );
        let v = audit::verify(&mut conn).unwrap();
        assert!(v.breaks.is_empty(), "{l}: {:?}", v.breaks);
        assert!(v.entries > total as i64, "{l}");
    }
}

#[test]
fn two_reviewers_at_once_apply_each_proposal_exactly_once() {
    let dir = belu(3_000, 5);
    let lists = [
        (ListKind::Deaths, "deaths.csv"),
        (ListKind::Asn, "asn_pppk.csv"),
        (ListKind::Dtsen, "dtsen.csv"),
    ];
    let kinds: Vec<ListKind> = lists.iter().map(|l| l.0).collect();
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        for (kind, file) in lists {
            import(db, dir.path(), file, kind);
        }
        sync(db, &job("sync"), &kinds, &Default::default()).unwrap();
        review::generate_proposals(db, &job("sync"), &kinds, &ctx()).unwrap();
        let auto = ProposalFilter {
            band: Some("auto".into()),
            status: Some("pending".into()),
            ..Default::default()
        };
        let pending = review::list(db, &job("test"), &auto).unwrap().len();
        assert!(pending > 50, "{l}: {pending}");

        // Two bulk approvals of the same band at the same time.
        let (a, b) = std::thread::scope(|s| {
            let one = s.spawn(|| review::approve_all(db, &job("admin_a"), &auto, &ctx()).unwrap());
            let two = s.spawn(|| review::approve_all(db, &job("admin_b"), &auto, &ctx()).unwrap());
            (one.join().unwrap(), two.join().unwrap())
        });
        assert!(
            a.failed.is_empty() && b.failed.is_empty(),
            "{l}: {a:?} {b:?}"
        );
        assert_eq!(a.applied + b.applied, pending, "{l}");
        let mut conn = db.conn().unwrap();
        let approvals = conn
            .query(
                "SELECT entity_id, COUNT(*) FROM audit_log WHERE action = 'proposal.approve' GROUP BY entity_id",
                &[],
            )
            .unwrap();
        assert_eq!(approvals.len(), pending, "{l}");
        assert!(
            approvals.iter().all(|r| r.i64(1).unwrap() == 1),
            "{l}: a proposal applied twice"
        );
        // Every person's version moved exactly once per audited field change: nothing applied twice,
        // nothing written without an audit entry.
        let mismatched = conn
            .query(
                "SELECT p.id, p.row_version, (SELECT COUNT(*) FROM audit_log a \
                   WHERE a.entity = 'person' AND a.entity_id = p.id AND a.action = 'person.update') \
                 FROM persons p WHERE p.row_version > 1",
                &[],
            )
            .unwrap();
        assert!(!mismatched.is_empty());
        for r in &mismatched {
            assert_eq!(
                r.i64(1).unwrap() - 1,
                r.i64(2).unwrap(),
                "{l}: person {}",
                r.i64(0).unwrap()
            );
        }
        drop(conn);

        // Two reviewers approving one proposal: exactly one succeeds, the other is told who did.
        let person = review::list(db, &job("test"), &ProposalFilter::default()).unwrap()[0]
            .person_id
            .unwrap();
        let edit = |field: &str, value: &str| {
            review::propose(
                db,
                &job("operator"),
                ProposalKind::Edit,
                Intent::SetFields {
                    person_id: person,
                    values: [(field.to_string(), Some(value.to_string()))].into(),
                },
                "ubah",
                &ctx(),
            )
            .unwrap()
        };
        let one = edit("address", "Jalan Baru 1");
        let version = review::show(db, &job("test"), one).unwrap().row_version;
        let results: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = ["rev_a", "rev_b"]
                .into_iter()
                .map(|who| {
                    s.spawn(move || review::approve(db, &job(who), one, Some(version), &ctx()))
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{l}");
        let err = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .unwrap()
            .to_string();
        assert!(err.contains("already applied"), "{l}: {err}");

        // Two different edits of the same person, approved at once: neither is lost.
        let x = edit("occupation", "Nelayan");
        let y = edit("birth_place", "Atapupu");
        std::thread::scope(|s| {
            let h1 = s.spawn(|| review::approve(db, &job("rev_a"), x, None, &ctx()).unwrap());
            let h2 = s.spawn(|| review::approve(db, &job("rev_b"), y, None, &ctx()).unwrap());
            h1.join().unwrap();
            h2.join().unwrap();
        });
        let row = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT address, occupation, birth_place FROM persons WHERE id = $1",
                &[Value::Int(person)],
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                row.text(0).unwrap(),
                row.text(1).unwrap(),
                row.text(2).unwrap()
            ),
            ("Jalan Baru 1".into(), "Nelayan".into(), "Atapupu".into()),
            "{l}"
        );
        let v = audit::verify(&mut db.conn().unwrap()).unwrap();
        assert!(v.breaks.is_empty(), "{l}: {:?}", v.breaks);
    }
}

#[test]
fn a_stale_proposal_is_refused_and_left_pending() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = belu(200, 9);
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        let edit = |value: &str| {
            review::propose(
                db,
                &job("operator"),
                ProposalKind::Edit,
                Intent::SetFields {
                    person_id: 1,
                    values: [("name".to_string(), Some(value.to_string()))].into(),
                },
                "nama",
                &ctx(),
            )
            .unwrap()
        };
        let first = edit("Maria Goreti Bere");
        let second = edit("Maria Bere Mau");
        review::approve(db, &job("rev"), first, None, &ctx()).unwrap();
        // The second was expanded against the old name, but approval re-expands against the data
        // now: it applies on top of the first, and reverting the first is then refused as stale.
        review::approve(db, &job("rev"), second, None, &ctx()).unwrap();
        let revert = review::propose_revert(db, &job("rev"), first, "salah ketik", &ctx()).unwrap();
        let err = review::approve(db, &job("rev"), revert, None, &ctx())
            .unwrap_err()
            .to_string();
        assert!(err.contains("changed since"), "{l}: {err}");
        assert_eq!(
            review::show(db, &job("test"), revert).unwrap().status,
            "pending",
            "{l}"
        );
        assert_eq!(
            review::show(db, &job("test"), first).unwrap().status,
            "applied",
            "{l}"
        );
        // Invalid edits are refused before anything is stored.
        let bad = review::propose(
            db,
            &job("operator"),
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: 1,
                values: [("nik".to_string(), Some("5.30412E+15".to_string()))].into(),
            },
            "nik",
            &ctx(),
        );
        assert!(bad.is_err(), "{l}");
        let sneaky = review::propose(
            db,
            &job("operator"),
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: 1,
                values: [("row_version = 0, name".to_string(), Some("x".to_string()))].into(),
            },
            "x",
            &ctx(),
        );
        assert!(
            sneaky
                .unwrap_err()
                .to_string()
                .contains("cannot be changed"),
            "{l}"
        );
    }
}

#[test]
fn a_resident_registered_twice_is_proposed_for_merging_and_merge_keeps_history() {
    let dir = belu(3_000, 12);
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        // Person 100 registered again: NIK with one digit mistyped, name spelled the old way.
        let original = jaring_store::review::fields(
            &mut db.conn().unwrap(),
            jaring_domain::review::Entity::Person,
            100,
        )
        .unwrap();
        let mut values = original.clone();
        let nik = values["nik"].clone().unwrap();
        let typo = format!(
            "{}{}",
            &nik[..15],
            if nik.ends_with('9') { '8' } else { '9' }
        );
        values.insert("nik".into(), Some(typo));
        values.insert("household_id".into(), None);
        values.remove("merged_into");
        let id = review::propose(
            db,
            &job("operator"),
            ProposalKind::NewPerson,
            Intent::NewPerson { values },
            "daftar ulang",
            &ctx(),
        )
        .unwrap();
        review::approve(db, &job("operator"), id, None, &ctx()).unwrap();
        let duplicate = review::show(db, &job("test"), id).unwrap();
        let changes: Vec<jaring_domain::review::Change> =
            serde_json::from_str(&duplicate.changes).unwrap();
        let dup_id = changes[0].target().1.unwrap();

        let found = review::propose_merges(db, &job("dedupe"), 0.99, &ctx()).unwrap();
        assert!(found.proposed >= 1, "{l}: {found:?}");
        // Namesakes in one family are not proposed: at most a handful of pairs in 3,000 residents.
        assert!(found.proposed <= 5, "{l}: {found:?}");
        let merges = review::list(
            db,
            &job("test"),
            &ProposalFilter {
                kinds: vec!["merge".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let ours = merges
            .iter()
            .find(|m| m.person_id == Some(dup_id))
            .expect("the duplicate is proposed");
        assert_eq!(ours.band, "review", "{l}");
        // Running again proposes nothing new.
        assert_eq!(
            review::propose_merges(db, &job("dedupe"), 0.99, &ctx())
                .unwrap()
                .proposed,
            0,
            "{l}"
        );

        review::approve(db, &job("admin"), ours.id, None, &ctx()).unwrap();
        let mut conn = db.conn().unwrap();
        let merged_into = conn
            .query_opt(
                "SELECT merged_into FROM persons WHERE id = $1",
                &[Value::Int(dup_id)],
            )
            .unwrap()
            .unwrap()
            .opt_i64(0)
            .unwrap();
        assert_eq!(merged_into, Some(100), "{l}");
        // The duplicate row stays (history) but no longer counts or matches.
        let identities = jaring_store::matches::registry_identities(&mut conn).unwrap();
        assert!(identities.iter().all(|i| i.id != dup_id), "{l}");
        drop(conn);
        let revert =
            review::propose_revert(db, &job("admin"), ours.id, "bukan orang yang sama", &ctx())
                .unwrap();
        review::approve(db, &job("admin"), revert, None, &ctx()).unwrap();
        let merged_into = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT merged_into FROM persons WHERE id = $1",
                &[Value::Int(dup_id)],
            )
            .unwrap()
            .unwrap()
            .opt_i64(0)
            .unwrap();
        assert_eq!(merged_into, None, "{l}");
    }
}

/// Someone the registry lacks, named by the welfare register and then by BPJS, each synchronised on its
/// own (as months apart): one new-person proposal, not two. (The crash harness found the second when a
/// synchronisation was interrupted and run again.)
#[test]
fn a_new_person_on_two_lists_is_proposed_once() {
    for t in backends() {
        let db = &t.db;
        let dir = belu(200, 8);
        import(db, dir.path(), "registry.csv", ListKind::Registry);
        let village: String = db
            .conn()
            .unwrap()
            .query("SELECT MIN(village_code) FROM persons", &[])
            .unwrap()[0]
            .text(0)
            .unwrap();
        let nik = format!("{}6101900001", &village.replace('.', "")[..6]);
        std::fs::write(
            dir.path().join("dtsen-baru.csv"),
            format!("ID DTSEN,NIK,Nama,Jenis Kelamin,Tanggal Lahir,Kode Desa,Desil\nDT-9,{nik},Maria Uji Baru,P,1990-01-21,{village},2\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bpjs-baru.csv"),
            format!("KPJ,NIK,Nama Peserta,Tanggal Lahir,Kode Desa\n23999000001,{nik},Maria Uji Baru,21-01-1990,{village}\n"),
        )
        .unwrap();
        let count = || {
            review::list(
                db,
                &job("test"),
                &ProposalFilter {
                    kinds: vec!["new_person".into()],
                    status: Some("pending".into()),
                    ..Default::default()
                },
            )
            .unwrap()
            .iter()
            .filter(|p| p.intent.contains(&nik))
            .count()
        };
        for (file, kind) in [
            ("dtsen-baru.csv", ListKind::Dtsen),
            ("bpjs-baru.csv", ListKind::Bpjs),
        ] {
            import(db, dir.path(), file, kind);
            sync(db, &job("sync"), &[kind], &Default::default()).unwrap();
            review::generate_proposals(db, &job("sync"), &[kind], &ctx()).unwrap();
            assert_eq!(count(), 1, "{} after {file}", label(db));
        }
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}
