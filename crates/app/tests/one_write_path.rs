//! One write path (#17): a registry import changes a known person only within the importer's scope,
//! and only harmless facts at once; a death, an appointment or a move becomes a reviewed proposal with
//! every consequence; every change is in the audit log field by field. Each test failed before.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use std::path::Path;

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::accounts::Principal;
use jaring_app::import::{import_file, ImportReport, ImportRequest, NoProgress};
use jaring_app::review;
use jaring_domain::access::{Grant, Role};
use jaring_domain::review::{Intent, ProposalKind};
use jaring_domain::{CivilServantStatus, ListKind, RegionCode};
use jaring_store::audit::{self, AuditFilter};
use jaring_store::review::ProposalFilter;
use jaring_store::Database;

use support::{code, ctx, today, FULUR, KEWAR, MARIA, REGISTRY_HEADER as HEADER, YOHANES};

fn operator(village: &str) -> Principal {
    Principal {
        user_id: 1,
        username: format!("op-{village}"),
        full_name: "Operator".into(),
        grant: Grant::new(Role::OperatorDesa, code(village)).unwrap(),
        must_change_password: false,
    }
}

fn admin() -> Principal {
    Principal {
        user_id: 2,
        username: "admin".into(),
        full_name: "Admin".into(),
        grant: Grant::new(Role::AdminKabupaten, code("53.04")).unwrap(),
        must_change_password: false,
    }
}

/// Imports `rows` (after the header) as `actor` confined to `scope` (`None`: the whole regency).
fn import(
    db: &Database,
    dir: &Path,
    name: &str,
    rows: &str,
    scope: Option<&str>,
    actor: &str,
) -> ImportReport {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}{rows}")).unwrap();
    let scope = scope.map(code);
    let req = ImportRequest {
        path,
        file_name: None,
        kind: ListKind::Registry,
        mapping: None,
        sheet: None,
        village: scope.filter(|s| s.level() == jaring_domain::RegionLevel::Village),
        error_file: Some(dir.join(format!("{name}.kesalahan.csv"))),
        today: today(),
    };
    import_file(db, &principal(scope, actor), &req, &NoProgress).unwrap()
}

/// An operator of `scope` (a village or a kecamatan), or the regency's administrator for `None`.
fn principal(scope: Option<RegionCode>, actor: &str) -> Principal {
    let scope = scope.unwrap_or_else(|| code("53.04"));
    let role = match scope.level() {
        jaring_domain::RegionLevel::Village => Role::OperatorDesa,
        jaring_domain::RegionLevel::District => Role::OperatorKecamatan,
        _ => Role::AdminKabupaten,
    };
    Principal {
        user_id: 0,
        username: actor.into(),
        full_name: actor.into(),
        grant: Grant::new(role, scope).unwrap(),
        must_change_password: false,
    }
}

fn person(db: &Database, nik: &str) -> jaring_domain::Person {
    let nik = jaring_domain::Nik::parse(nik).unwrap();
    jaring_store::registry::find_person_by_nik(&mut db.conn().unwrap(), nik)
        .unwrap()
        .unwrap()
}

/// Maria (Kewar) and Yohanes (Kewar), one family card; Maria holds a subsidised membership paid
/// through October.
fn seed(db: &Database, dir: &Path) -> i64 {
    let r = import(
        db,
        dir,
        "seed.csv",
        &format!(
            "{MARIA},5304010101200001,Maria Luruk,P,Kewar,1990-05-12,Dusun 1,{KEWAR},Istri,Kawin,Petani/Pekebun,Hidup,\n\
             {YOHANES},5304010101200001,Yohanes Mau,L,Kewar,1985-03-12,Dusun 1,{KEWAR},Kepala Keluarga,Kawin,Petani/Pekebun,Hidup,\n"
        ),
        None,
        "admin",
    );
    assert_eq!(r.counts.inserted, 2, "{:?}", r.rejected);
    let maria = person(db, MARIA).id.0;
    let id = review::propose(
        db,
        &job("admin"),
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
    review::approve(db, &job("admin"), id, None, &ctx()).unwrap();
    maria
}

/// The end date of the person's (one) membership.
fn end_date(db: &Database, person_id: i64) -> Option<NaiveDate> {
    db.conn()
        .unwrap()
        .query_opt(
            "SELECT end_date FROM enrolments WHERE person_id = $1",
            &[person_id.into()],
        )
        .unwrap()
        .unwrap()
        .opt_date(0)
        .unwrap()
}

fn pending(db: &Database, kind: &str) -> Vec<jaring_store::review::ProposalRow> {
    review::list(
        db,
        &job("test"),
        &ProposalFilter {
            status: Some("pending".into()),
            kinds: vec![kind.into()],
            ..Default::default()
        },
    )
    .unwrap()
}

/// Every table an import may touch, row for row.
fn snapshot(db: &Database) -> Vec<String> {
    let mut conn = db.conn().unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT id, nik, household_id, village_code, name, life_status, row_version FROM persons ORDER BY id",
        "SELECT id, village_code, row_version FROM households ORDER BY id",
        "SELECT household_id, no_kk FROM household_kk ORDER BY household_id, no_kk",
        "SELECT id, person_id, end_date FROM enrolments ORDER BY id",
    ] {
        for row in conn.query(sql, &[]).unwrap() {
            out.push(format!("{:?}", row.0));
        }
    }
    out
}

#[test]
fn another_villages_operator_cannot_take_over_a_resident_through_an_import() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let before = snapshot(db);
        // Fulur's operator: Maria's NIK under a new name in Fulur, marked deceased; and a new person
        // on Kewar's family card.
        let r = import(
            db,
            dir.path(),
            "fulur.csv",
            &format!(
                "{MARIA},5304010101200009,Maria Palsu,P,Fulur,1990-05-12,Dusun 3,{FULUR},Istri,Kawin,Petani/Pekebun,Meninggal,2026-11-01\n\
                 5304016007950003,5304010101200001,Anak Baru,P,Fulur,1995-07-20,Dusun 3,{FULUR},Anak,Belum Kawin,Pelajar,Hidup,\n"
            ),
            Some(FULUR),
            "op-fulur",
        );
        assert_eq!(r.counts.rejected, 2, "{} {:?}", label(db), r.rejected);
        assert_eq!(r.counts.updated + r.counts.inserted, 0, "{}", label(db));
        assert_eq!(snapshot(db), before, "{}: nothing changed", label(db));
        let first = &r.rejected[0].issue;
        assert!(first.id.contains("wilayah lain"), "{first:?}");
        let shown = format!("{:?}", r.rejected);
        assert!(
            !shown.contains("Luruk") && !shown.contains(KEWAR) && !shown.contains("2001"),
            "the report reveals nothing of the resident: {shown}"
        );
        // A move-in request for a scope covering both villages: not the importer's, not Kewar's.
        let edits = pending(db, "edit");
        assert_eq!(edits.len(), 1, "{}", label(db));
        assert_eq!(edits[0].village_code.as_deref(), Some("53.04.01"));
        assert_eq!(edits[0].person_id, Some(maria));
        for op in [operator(FULUR), operator(KEWAR)] {
            let seen = review::list(db, &op, &ProposalFilter::default()).unwrap();
            assert!(seen.iter().all(|p| p.id != edits[0].id), "{}", op.username);
            assert!(review::approve(db, &op, edits[0].id, None, &ctx()).is_err());
        }
        // The same file again proposes nothing new.
        let again = std::fs::read_to_string(dir.path().join("fulur.csv")).unwrap();
        let again = again.strip_prefix(HEADER).unwrap().to_string();
        import(db, dir.path(), "fulur.csv", &again, Some(FULUR), "op-fulur");
        assert_eq!(pending(db, "edit").len(), 1, "{}", label(db));
        // The regency decides it; applied, Maria lives in Fulur, nothing else of the row applied.
        review::approve(db, &admin(), edits[0].id, None, &ctx()).unwrap();
        let moved = person(db, MARIA);
        assert_eq!(moved.village, code(FULUR));
        assert_eq!(moved.name, "Maria Luruk");
        assert_eq!(moved.life_status, jaring_domain::LifeStatus::Alive);
    }
}

#[test]
fn a_death_in_a_registry_file_takes_the_death_workflow() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let row = format!(
            "{MARIA},5304010101200001,Maria Luruk,P,Kewar,1990-05-12,Dusun 2,{KEWAR},Istri,Kawin,Petani/Pekebun,Meninggal,2026-09-10\n"
        );
        let r = import(db, dir.path(), "opensid.csv", &row, Some(KEWAR), "op-kewar");
        assert_eq!(
            (r.counts.updated, r.counts.proposed),
            (1, 1),
            "{}",
            label(db)
        );
        // The address applied at once; the death waits for review, with all its effects.
        let now = person(db, MARIA);
        assert_eq!(now.address, "Dusun 2");
        assert_eq!(now.life_status, jaring_domain::LifeStatus::Alive);
        let deaths = pending(db, "mark_deceased");
        assert_eq!(deaths.len(), 1, "{}", label(db));
        assert!(
            deaths[0].changes.contains("\"end_date\""),
            "{}",
            deaths[0].changes
        );
        assert!(
            deaths[0].changes.contains("\"claim\""),
            "{}",
            deaths[0].changes
        );
        // Again: nothing new.
        let again = import(db, dir.path(), "opensid.csv", &row, Some(KEWAR), "op-kewar");
        assert_eq!((again.counts.proposed, again.counts.unchanged), (0, 1));
        assert_eq!(pending(db, "mark_deceased").len(), 1);
        review::approve(db, &operator(KEWAR), deaths[0].id, None, &ctx()).unwrap();
        let mut conn = db.conn().unwrap();
        assert_eq!(end_date(db, maria), NaiveDate::from_ymd_opt(2026, 9, 30));
        let claims = conn
            .query_i64(
                "SELECT COUNT(*) FROM claims WHERE person_id = $1",
                &[maria.into()],
            )
            .unwrap();
        assert_eq!(claims, 1, "{}", label(db));
        // Deceased without a date (OpenSID's export has no date column): the rest of the row is
        // written, the death is not, and the warning says how to report it.
        let r = import(
            db,
            dir.path(),
            "nodate.csv",
            &format!(
                "{YOHANES},5304010101200001,Yohanes Mau,L,Kewar,1985-03-12,Dusun 9,{KEWAR},Kepala Keluarga,Kawin,Petani/Pekebun,Meninggal,\n"
            ),
            Some(KEWAR),
            "op-kewar",
        );
        assert_eq!(
            (r.counts.rejected, r.counts.updated, r.counts.warnings),
            (0, 1, 1),
            "{}: {:?}",
            label(db),
            r.warnings
        );
        assert!(
            r.warnings[0].issue.en.contains("without a date of death")
                && r.warnings[0].issue.id.contains("Lapor kematian"),
            "{:?}",
            r.warnings
        );
        let yohanes = person(db, YOHANES);
        assert_eq!(yohanes.address, "Dusun 9");
        assert_eq!(yohanes.life_status, jaring_domain::LifeStatus::Alive);
        assert_eq!(
            pending(db, "mark_deceased").len(),
            0,
            "{}: no death without its date",
            label(db)
        );
        assert!(
            pending(db, "edit")
                .iter()
                .all(|p| !p.changes.contains("life_status")),
            "{}: nor as a field edit",
            label(db)
        );
        // Moved out (status PINDAH): the move with its consequences, not a field edit.
        let r = import(
            db,
            dir.path(),
            "pindah.csv",
            &format!(
                "{YOHANES},5304010101200001,Yohanes Mau,L,Kewar,1985-03-12,Dusun 9,{KEWAR},Kepala Keluarga,Kawin,Petani/Pekebun,Pindah,\n"
            ),
            Some(KEWAR),
            "op-kewar",
        );
        assert_eq!(r.counts.proposed, 1, "{}: {:?}", label(db), r.rejected);
        let moves = pending(db, "move");
        assert_eq!(moves.len(), 1, "{}", label(db));
        assert!(
            moves[0].changes.contains("moved_out"),
            "{}",
            moves[0].changes
        );
        assert_eq!(
            person(db, YOHANES).life_status,
            jaring_domain::LifeStatus::Alive
        );
        // Once moved out, a later file saying HIDUP again is an edit for review, not dropped.
        let mv = &pending(db, "move")[0];
        review::approve(db, &operator(KEWAR), mv.id, None, &ctx()).unwrap();
        assert_eq!(
            person(db, YOHANES).life_status,
            jaring_domain::LifeStatus::MovedOut
        );
        let r = import(
            db,
            dir.path(),
            "kembali.csv",
            &format!(
                "{YOHANES},5304010101200001,Yohanes Mau,L,Kewar,1985-03-12,Dusun 9,{KEWAR},Kepala Keluarga,Kawin,Petani/Pekebun,Hidup,\n"
            ),
            None,
            "admin",
        );
        assert_eq!(r.counts.proposed, 1, "{}: {:?}", label(db), r.rejected);
        assert!(
            pending(db, "edit")
                .iter()
                .any(|p| p.changes.contains("life_status") && p.changes.contains("alive")),
            "{}",
            label(db)
        );
    }
}

#[test]
fn every_change_of_an_import_is_in_the_persons_history() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let r = import(
            db,
            dir.path(),
            "rename.csv",
            &format!(
                "{MARIA},5304010101200001,Maria Luruk Bria,P,Kewar,1990-05-12,Dusun 4,{KEWAR},Istri,Kawin,Nelayan,Hidup,\n"
            ),
            Some(KEWAR),
            "op-kewar",
        );
        assert_eq!((r.counts.updated, r.counts.proposed), (1, 1));
        let edit = &pending(db, "edit")[0];
        review::approve(db, &operator(KEWAR), edit.id, None, &ctx()).unwrap();
        let mut conn = db.conn().unwrap();
        let history = audit::list(
            &mut conn,
            &AuditFilter {
                person_id: Some(maria),
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
        let has = |action: &str, actor: &str, before: &str, after: &str| {
            history.iter().any(|e| {
                e.entry.action == action
                    && e.entry.actor == actor
                    && e.entry.before.as_deref().unwrap_or("").contains(before)
                    && e.entry.after.as_deref().unwrap_or("").contains(after)
            })
        };
        assert!(
            has("person.insert", "admin", "", "Maria Luruk"),
            "{history:#?}"
        );
        assert!(has("person.update", "op-kewar", "Dusun 1", "Dusun 4"));
        assert!(has("person.update", "op-kewar", "Petani", "Nelayan"));
        assert!(
            has(
                "person.update",
                &operator(KEWAR).username,
                "\"Maria Luruk\"",
                "Maria Luruk Bria"
            ),
            "{history:#?}"
        );
        assert_eq!(person(db, MARIA).name, "Maria Luruk Bria");
        assert!(audit::verify(&mut conn).unwrap().breaks.is_empty());
    }
}

/// The audit log as a reader searches it: by who, what and where, each entry naming its resident, and
/// never beyond the reader's region.
#[test]
fn the_audit_log_is_searched_by_who_what_and_where_and_names_the_resident() {
    use jaring_app::auditlog::{search, AuditQuery};
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        import(
            db,
            dir.path(),
            "move.csv",
            &format!(
                "{MARIA},5304010101200001,Maria Luruk,P,Kewar,1990-05-12,Dusun 4,{KEWAR},Istri,Kawin,Nelayan,Hidup,\n"
            ),
            Some(KEWAR),
            "op-kewar",
        );
        let q = |actor: Option<&str>, action: Option<&str>, region: Option<&str>| AuditQuery {
            limit: 100,
            actor: actor.map(str::to_string),
            action: action.map(str::to_string),
            region: region.map(code),
            ..Default::default()
        };
        let found = search(db, &admin(), &q(Some("op-kewar"), Some("person."), None)).unwrap();
        assert!(!found.is_empty(), "{l}");
        for line in &found {
            assert_eq!(line.row.entry.actor, "op-kewar", "{l}");
            assert!(line.row.entry.action.starts_with("person."), "{l}");
            assert_eq!(line.row.entry.person_id, Some(maria), "{l}");
            assert_eq!(line.person.as_deref(), Some("Maria Luruk"), "{l}: named");
        }
        let all = search(db, &admin(), &q(None, None, None)).unwrap();
        assert!(all.len() > found.len(), "{l}: the filters narrowed it");
        assert!(
            all.iter()
                .any(|e| !e.row.entry.action.starts_with("person.")),
            "{l}"
        );
        // Another village: nothing of Maria's; the other village's operator cannot ask for Kewar.
        let fulur = search(db, &admin(), &q(None, None, Some(FULUR))).unwrap();
        assert!(
            fulur.iter().all(|e| e.row.entry.person_id != Some(maria)),
            "{l}"
        );
        assert!(is_refused(search(
            db,
            &operator(FULUR),
            &q(None, None, Some(KEWAR))
        )));
        let own = search(db, &operator(KEWAR), &q(None, Some("person."), None)).unwrap();
        assert!(!own.is_empty(), "{l}");
        assert!(own
            .iter()
            .all(|e| e.row.entry.village_code.as_deref() == Some(KEWAR)));
    }
}

#[test]
fn an_appointment_ends_the_households_cover_from_its_tmt_month() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let yohanes = person(db, YOHANES).id.0;
        let id = review::propose(
            db,
            &job("admin"),
            ProposalKind::CivilServant,
            Intent::CivilServant {
                person_id: yohanes,
                status: CivilServantStatus::Pppk,
                since: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            },
            "PPPK",
            &ctx(),
        )
        .unwrap();
        review::approve(db, &job("admin"), id, None, &ctx()).unwrap();
        let end = end_date(db, maria);
        assert_eq!(end, NaiveDate::from_ymd_opt(2026, 6, 30), "{}", label(db));
    }
}

#[test]
fn an_edit_that_marks_a_death_carries_the_deaths_consequences() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let values = jaring_domain::review::FieldValues::from([
            ("life_status".to_string(), Some("deceased".to_string())),
            ("death_date".to_string(), Some("2026-08-15".to_string())),
        ]);
        let id = review::propose(
            db,
            &job("op-kewar"),
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: maria,
                values,
            },
            "edit",
            &ctx(),
        )
        .unwrap();
        review::approve(db, &job("admin"), id, None, &ctx()).unwrap();
        let end = end_date(db, maria);
        assert_eq!(end, NaiveDate::from_ymd_opt(2026, 8, 31), "{}", label(db));
    }
}

#[test]
fn a_household_shows_only_the_members_inside_the_readers_region() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        // The regency registers a member of Maria's family card who lives in Fulur.
        let r = import(
            db,
            dir.path(),
            "fulur-member.csv",
            &format!(
                "5304016007950003,5304010101200001,Anak Rantau,P,Fulur,1995-07-20,Dusun 3,{FULUR},Anak,Belum Kawin,Pelajar,Hidup,\n"
            ),
            None,
            "admin",
        );
        assert_eq!(r.counts.inserted, 1, "{:?}", r.rejected);
        let view = jaring_app::residents::person(db, &operator(KEWAR), maria).unwrap();
        assert_eq!(view.household.len(), 2, "{}", label(db));
        assert_eq!(view.members_elsewhere, 1);
        assert!(view.household.iter().all(|m| m.name != "Anak Rantau"));
        let all = jaring_app::residents::person(db, &admin(), maria).unwrap();
        assert_eq!((all.household.len(), all.members_elsewhere), (3, 0));
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}

fn is_refused<T: std::fmt::Debug>(r: Result<T, jaring_app::AppError>) -> bool {
    matches!(
        r,
        Err(jaring_app::AppError::Denied(_) | jaring_app::AppError::NotFound)
    )
}

/// Finding 7: every use case checks its caller in one place. A village operator calling the app
/// directly (as any adapter would) is refused on another village's residents and proposals, on
/// regency jobs and on accounts, and nothing changes.
#[test]
fn no_use_case_has_an_unchecked_twin() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        jaring_store::regions::seed_regions(db, code("53.04")).unwrap();
        let fulur = operator(FULUR);
        let kewar = operator(KEWAR);
        let occupation = |v: &str| {
            let mut values = jaring_domain::review::FieldValues::new();
            values.insert("occupation".into(), Some(v.into()));
            Intent::SetFields {
                person_id: maria,
                values,
            }
        };
        // Proposing a change to another village's resident, or pushing one's own resident out.
        assert!(is_refused(review::propose(
            db,
            &fulur,
            ProposalKind::Edit,
            occupation("Nelayan"),
            "x",
            &ctx()
        )));
        let mut away = jaring_domain::review::FieldValues::new();
        away.insert("village_code".into(), Some(FULUR.into()));
        let push = review::propose(
            db,
            &kewar,
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: maria,
                values: away,
            },
            "x",
            &ctx(),
        );
        assert!(
            is_refused(push),
            "{l}: a move out of the village needs both villages"
        );
        // Kewar's own proposal: Fulur can neither see nor decide it, nor sweep it up in bulk.
        let own = review::propose(
            db,
            &kewar,
            ProposalKind::Edit,
            occupation("Penenun"),
            "koreksi",
            &ctx(),
        )
        .unwrap();
        let before = snapshot(db);
        assert!(is_refused(review::show(db, &fulur, own)), "{l}");
        assert!(is_refused(review::approve(db, &fulur, own, None, &ctx())));
        assert!(is_refused(review::reject(db, &fulur, own, None, "tidak")));
        assert!(is_refused(review::propose_revert(
            db,
            &fulur,
            own,
            "x",
            &ctx()
        )));
        assert!(review::list(db, &fulur, &ProposalFilter::default())
            .unwrap()
            .iter()
            .all(|p| p.id != own));
        let asked_for_kewar = ProposalFilter {
            region_prefix: Some(KEWAR.into()),
            ..Default::default()
        };
        assert!(review::list(db, &fulur, &asked_for_kewar)
            .unwrap()
            .is_empty());
        assert!(review::counts(db, &fulur, &asked_for_kewar)
            .unwrap()
            .is_empty());
        let bulk = review::approve_all(db, &fulur, &ProposalFilter::default(), &ctx()).unwrap();
        assert_eq!(bulk.applied, 0, "{l}");
        assert_eq!(snapshot(db), before, "{l}: nothing changed");
        // Regency jobs and settings.
        let none = jaring_app::sync::SyncPolicy::default();
        assert!(is_refused(jaring_app::sync::sync(
            db,
            &kewar,
            &[ListKind::Deaths],
            &none
        )));
        assert!(is_refused(review::generate_proposals(
            db,
            &kewar,
            &[ListKind::Deaths],
            &ctx()
        )));
        assert!(is_refused(review::propose_merges(db, &kewar, 0.99, &ctx())));
        assert!(is_refused(jaring_app::coverage::take_snapshot(
            db,
            &kewar,
            today()
        )));
        assert!(is_refused(review::set_grace_months(db, &kewar, 12)));
        assert!(is_refused(jaring_app::coverage::set_official_denominator(
            db,
            &kewar,
            code(KEWAR),
            2026,
            10,
            "x"
        )));
        assert!(is_refused(jaring_app::coverage::set_rule(
            db,
            &kewar,
            "bpu_apbd_kab",
            &[]
        )));
        // Accounts: only an administrator, and only inside their region.
        let spec = jaring_app::accounts::UserSpec {
            username: "sekdes".into(),
            full_name: "Sekdes".into(),
            role: Role::OperatorDesa,
            region: code(KEWAR),
            password: "kopi-pagi-atambua".into(),
            must_change_password: true,
        };
        assert!(is_refused(jaring_app::accounts::add_user(
            db, &kewar, &spec
        )));
        jaring_app::accounts::add_user(db, &admin(), &spec).unwrap();
        assert!(is_refused(jaring_app::accounts::set_disabled(
            db, &kewar, "sekdes", true
        )));
        assert!(is_refused(jaring_app::accounts::create_token(
            db, &kewar, "sekdes", "x"
        )));
        assert!(is_refused(jaring_app::accounts::reset_password(
            db,
            &kewar,
            "sekdes",
            "teh-sore-di-atambua",
            false
        )));
        assert!(is_refused(jaring_app::accounts::users(db, &kewar)));
        let other_regency = Principal {
            grant: Grant::new(Role::AdminKabupaten, code("53.01")).unwrap(),
            ..admin()
        };
        assert!(is_refused(jaring_app::accounts::set_disabled(
            db,
            &other_regency,
            "sekdes",
            true
        )));
        // An auditor imports nothing.
        let auditor = Principal {
            grant: Grant::new(Role::Auditor, code("53.04")).unwrap(),
            ..admin()
        };
        let path = dir.path().join("auditor.csv");
        std::fs::write(&path, HEADER).unwrap();
        let req = ImportRequest {
            path,
            file_name: None,
            kind: ListKind::Registry,
            mapping: None,
            sheet: None,
            village: None,
            error_file: None,
            today: today(),
        };
        assert!(is_refused(import_file(db, &auditor, &req, &NoProgress)));
        assert_eq!(snapshot(db), before, "{l}: nothing changed");
    }
}

/// The command line is a principal of its own: its decisions are never recorded under a web
/// account's name.
#[test]
fn the_command_line_acts_under_its_own_name() {
    let regency = code("53.04");
    assert_eq!(Principal::cli(regency, "maria").username, "cli:maria");
    assert_eq!(Principal::cli(regency, "cli").username, "cli");
    assert_eq!(Principal::cli(regency, " ").username, "cli");
    assert_eq!(Principal::cli(regency, "maria").grant.scope, regency);
}

/// Finding 4 for settings: each decision that changes what a report or a claim says is one audit
/// entry with what it replaced.
#[test]
fn settings_and_jobs_are_audited_with_what_they_replaced() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        seed(db, dir.path());
        let by_admin = |action: &str| -> Vec<(Option<String>, Option<String>)> {
            audit::list(
                &mut db.conn().unwrap(),
                &AuditFilter {
                    actor: Some("admin".into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .unwrap()
            .into_iter()
            .filter(|r| r.entry.action == action)
            .map(|r| (r.entry.before, r.entry.after))
            .collect()
        };
        // One entry: what it held before (or nothing), what it holds now.
        let replaced = |e: &(Option<String>, Option<String>), before: Option<&str>, after: &str| {
            match before {
                Some(b) => assert!(e.0.as_deref().unwrap_or_default().contains(b), "{l}: {e:?}"),
                None => assert_eq!(e.0, None, "{l}"),
            }
            assert!(
                e.1.as_deref().unwrap_or_default().contains(after),
                "{l}: {e:?}"
            );
        };
        review::set_grace_months(db, &admin(), 2).unwrap();
        let grace = by_admin("setting.update");
        assert_eq!(grace.len(), 1, "{l}");
        replaced(&grace[0], Some(":3"), ":2");
        for value in [1000, 1200] {
            jaring_app::coverage::set_official_denominator(
                db,
                &admin(),
                code("53.04"),
                2026,
                value,
                "BPS Sakernas 2024",
            )
            .unwrap();
        }
        let denominators = by_admin("coverage.denominator");
        assert_eq!(denominators.len(), 2, "{l}");
        // Newest first: 1200 replaced 1000, which replaced nothing.
        replaced(&denominators[0], Some("1000"), "1200");
        replaced(&denominators[1], None, "1000");
        jaring_app::coverage::take_snapshot(db, &admin(), today()).unwrap();
        assert_eq!(by_admin("coverage.snapshot").len(), 1, "{l}");
        let clauses = [jaring_rules::Clause::new(
            "usia kerja / working age",
            "age >= 15",
        )];
        jaring_app::coverage::set_rule(db, &admin(), "bpu_apbd_kab", &clauses).unwrap();
        let rule = by_admin("programme.rule");
        assert_eq!(rule.len(), 1, "{l}");
        assert!(rule[0].1.as_deref().unwrap().contains("age >= 15"), "{l}");
        assert!(audit::verify(&mut db.conn().unwrap())
            .unwrap()
            .breaks
            .is_empty());
    }
}

/// Issue #18 item 6, found by schemathesis against PostgreSQL: a reason holding a NUL (which
/// PostgreSQL cannot store) or 10 MB of text is refused with a reason on both backends, and the
/// proposal stays pending.
#[test]
fn a_reason_too_long_or_with_control_characters_is_refused_and_nothing_changes() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let mut values = jaring_domain::review::FieldValues::new();
        values.insert("occupation".into(), Some("Penenun".into()));
        let id = review::propose(
            db,
            &admin(),
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: maria,
                values,
            },
            "koreksi",
            &ctx(),
        )
        .unwrap();
        for bad in ["salah\u{0}orang".to_string(), "x".repeat(10 * 1024 * 1024)] {
            let e = review::reject(db, &admin(), id, None, &bad).unwrap_err();
            assert!(matches!(e, jaring_app::AppError::Input(_)), "{l}: {e}");
        }
        let mut nul_name = jaring_domain::review::FieldValues::new();
        nul_name.insert("name".into(), Some("Maria\u{0}".into()));
        assert!(review::propose(
            db,
            &admin(),
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: maria,
                values: nul_name,
            },
            "x",
            &ctx(),
        )
        .is_err());
        assert_eq!(
            review::show(db, &admin(), id).unwrap().status,
            "pending",
            "{l}"
        );
    }
}
