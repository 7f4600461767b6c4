//! One write path (#17): a registry import changes a known person only within the importer's scope,
//! and only harmless facts at once; a death, an appointment or a move becomes a reviewed proposal with
//! every consequence; every change is in the audit log field by field. Each test failed before.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::path::Path;

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::accounts::Principal;
use jaring_app::import::{import_file, ImportReport, ImportRequest, NoProgress};
use jaring_app::review::{self, Context};
use jaring_domain::access::{Grant, Role};
use jaring_domain::review::{Intent, ProposalKind};
use jaring_domain::{CivilServantStatus, ListKind, RegionCode};
use jaring_store::audit::{self, AuditFilter};
use jaring_store::review::ProposalFilter;
use jaring_store::Database;

const HEADER: &str = "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan,Status Hidup,Tanggal Meninggal\n";
const KEWAR: &str = "53.04.01.2001";
const FULUR: &str = "53.04.01.2002";
const MARIA: &str = "5304015205900001";
const YOHANES: &str = "5304011203850002";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

fn ctx() -> Context {
    Context {
        today: today(),
        grace_months: 3,
    }
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

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
        scope,
        actor: actor.into(),
        error_file: Some(dir.join(format!("{name}.kesalahan.csv"))),
        today: today(),
    };
    import_file(db, &req, &NoProgress).unwrap()
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
        "admin",
        &ctx(),
    )
    .unwrap();
    review::approve(db, id, None, "admin", &ctx()).unwrap();
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
            let seen = review::list_for(db, &op, &ProposalFilter::default()).unwrap();
            assert!(seen.iter().all(|p| p.id != edits[0].id), "{}", op.username);
            assert!(review::approve_as(db, &op, edits[0].id, None, &ctx()).is_err());
        }
        // The same file again proposes nothing new.
        let again = std::fs::read_to_string(dir.path().join("fulur.csv")).unwrap();
        let again = again.strip_prefix(HEADER).unwrap().to_string();
        import(db, dir.path(), "fulur.csv", &again, Some(FULUR), "op-fulur");
        assert_eq!(pending(db, "edit").len(), 1, "{}", label(db));
        // The regency decides it; applied, Maria lives in Fulur, nothing else of the row applied.
        review::approve_as(db, &admin(), edits[0].id, None, &ctx()).unwrap();
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
        review::approve_as(db, &operator(KEWAR), deaths[0].id, None, &ctx()).unwrap();
        let mut conn = db.conn().unwrap();
        assert_eq!(end_date(db, maria), NaiveDate::from_ymd_opt(2026, 9, 30));
        let claims = conn
            .query_i64(
                "SELECT COUNT(*) FROM claims WHERE person_id = $1",
                &[maria.into()],
            )
            .unwrap();
        assert_eq!(claims, 1, "{}", label(db));
        // Deceased without a date: refused, nothing written.
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
        assert_eq!(r.counts.rejected, 1, "{}", label(db));
        assert_eq!(person(db, YOHANES).address, "Dusun 1");
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
        review::approve_as(db, &operator(KEWAR), edit.id, None, &ctx()).unwrap();
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

#[test]
fn an_appointment_ends_the_households_cover_from_its_tmt_month() {
    for t in backends() {
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let maria = seed(db, dir.path());
        let yohanes = person(db, YOHANES).id.0;
        let id = review::propose(
            db,
            ProposalKind::CivilServant,
            Intent::CivilServant {
                person_id: yohanes,
                status: CivilServantStatus::Pppk,
                since: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            },
            "PPPK",
            "admin",
            &ctx(),
        )
        .unwrap();
        review::approve(db, id, None, "admin", &ctx()).unwrap();
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
            ProposalKind::Edit,
            Intent::SetFields {
                person_id: maria,
                values,
            },
            "edit",
            "op-kewar",
            &ctx(),
        )
        .unwrap();
        review::approve(db, id, None, "admin", &ctx()).unwrap();
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
