//! Region isolation in the database itself: on PostgreSQL a connection confined to a village
//! (`Database::scoped`, what every reading web request uses) sees only that village's residents,
//! households, memberships, proposals, claims, heirs, list records and audit entries, even when the SQL
//! asks for everything. The queries here bypass every handler and app-level filter on purpose.
//!
//! Runs on PostgreSQL only (SQLite has no row-level security); CI sets `JARING_TEST_POSTGRES_URL`.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use backends::backends;
use jaring_domain::RegionCode;
use jaring_store::audit::{self, AuditEntry};
use jaring_store::{Backend, Database, Value};

/// What an unconfined connection counts in a table for rows belonging to `scope`, written out per
/// table independently of the policies: (table, SQL with `$1` = the scope code).
const EXPECTED: &[(&str, &str)] = &[
    (
        "persons",
        "SELECT COUNT(*) FROM persons WHERE village_code = $1 OR village_code LIKE $1 || '.%'",
    ),
    (
        "households",
        "SELECT COUNT(*) FROM households WHERE village_code = $1 OR village_code LIKE $1 || '.%'",
    ),
    (
        "household_kk",
        "SELECT COUNT(*) FROM household_kk k JOIN households h ON h.id = k.household_id \
         WHERE h.village_code = $1 OR h.village_code LIKE $1 || '.%'",
    ),
    (
        "enrolments",
        "SELECT COUNT(*) FROM enrolments e JOIN persons p ON p.id = e.person_id \
         WHERE p.village_code = $1 OR p.village_code LIKE $1 || '.%'",
    ),
    (
        "proposals",
        "SELECT COUNT(*) FROM proposals WHERE village_code = $1 OR village_code LIKE $1 || '.%'",
    ),
    (
        "claims",
        "SELECT COUNT(*) FROM claims c JOIN persons p ON p.id = c.person_id \
         WHERE p.village_code = $1 OR p.village_code LIKE $1 || '.%'",
    ),
    (
        "claim_heirs",
        "SELECT COUNT(*) FROM claim_heirs h JOIN claims c ON c.id = h.claim_id \
         JOIN persons p ON p.id = c.person_id WHERE p.village_code = $1 OR p.village_code LIKE $1 || '.%'",
    ),
    (
        "match_candidates",
        "SELECT COUNT(*) FROM match_candidates m JOIN persons p ON p.id = m.person_id \
         WHERE p.village_code = $1 OR p.village_code LIKE $1 || '.%'",
    ),
    (
        "staged_records",
        "SELECT COUNT(*) FROM staged_records s WHERE s.village_code = $1 OR s.village_code LIKE $1 || '.%' \
         OR EXISTS (SELECT 1 FROM proposals p WHERE p.staged_id = s.id \
                    AND (p.village_code = $1 OR p.village_code LIKE $1 || '.%')) \
         OR EXISTS (SELECT 1 FROM match_candidates m JOIN persons q ON q.id = m.person_id \
                    WHERE m.staged_id = s.id AND (q.village_code = $1 OR q.village_code LIKE $1 || '.%'))",
    ),
    (
        "audit_log",
        "SELECT COUNT(*) FROM audit_log WHERE village_code = $1 OR village_code LIKE $1 || '.%'",
    ),
];

fn count(db: &Database, sql: &str, params: &[Value]) -> i64 {
    db.conn().unwrap().query_i64(sql, params).unwrap()
}

/// Generated Belu with deaths approved (claims opened), heirs recorded and one regency-wide audit entry.
fn prepared(db: &Database) -> jaring_synth::Config {
    let config = jaring_synth::Config {
        persons: 3_000,
        seed: 17,
        ..jaring_synth::Config::default()
    };
    jaring_app::prepare_demo(db, &config).unwrap();
    support::approve_deaths(db, config.as_of);
    db.transaction(|tx| -> jaring_store::Result<()> {
        tx.execute(
            "INSERT INTO claim_heirs (claim_id, name, relationship) \
             SELECT id, 'Ahli Waris Uji', 'spouse' FROM claims",
            &[],
        )?;
        audit::append(
            tx,
            &[AuditEntry {
                actor: "uji".into(),
                action: "programme.rule".into(),
                entity: "programme".into(),
                ..Default::default()
            }],
        )
    })
    .unwrap();
    config
}

/// The village holding most claims, and another village with residents.
fn two_villages(db: &Database) -> (String, String) {
    let a = db
        .conn()
        .unwrap()
        .query_opt(
            "SELECT p.village_code FROM claims c JOIN persons p ON p.id = c.person_id \
             GROUP BY p.village_code ORDER BY COUNT(*) DESC, p.village_code LIMIT 1",
            &[],
        )
        .unwrap()
        .expect("the demo's deaths opened claims")
        .text(0)
        .unwrap();
    let b = db
        .conn()
        .unwrap()
        .query_opt(
            "SELECT village_code FROM persons WHERE village_code <> $1 \
             GROUP BY village_code ORDER BY COUNT(*) DESC LIMIT 1",
            &[Value::from(a.as_str())],
        )
        .unwrap()
        .unwrap()
        .text(0)
        .unwrap();
    (a, b)
}

#[test]
fn a_scoped_connection_reads_only_its_region_whatever_the_sql() {
    let Some(t) = backends()
        .into_iter()
        .find(|t| t.db.backend() == Backend::Postgres)
    else {
        assert!(
            !backends::postgres_requested(),
            "PostgreSQL was requested but not opened"
        );
        eprintln!("row-level security is PostgreSQL's; set JARING_TEST_POSTGRES_URL to test it");
        return;
    };
    let db = &t.db;
    prepared(db);
    let (a, b) = two_villages(db);
    let kecamatan = a[..8].to_string();
    for scope in [&a, &b, &kecamatan] {
        let scoped = db.scoped(RegionCode::parse(scope).unwrap());
        for (table, expected_sql) in EXPECTED {
            let total = count(db, &format!("SELECT COUNT(*) FROM {table}"), &[]);
            let expected = count(db, expected_sql, &[Value::from(scope.as_str())]);
            // No WHERE clause at all: only the policies stand between this query and every row.
            let seen = count(&scoped, &format!("SELECT COUNT(*) FROM {table}"), &[]);
            assert_eq!(seen, expected, "{table} seen from {scope}");
            if ["persons", "households", "enrolments", "audit_log"].contains(table) {
                assert!(
                    seen > 0 && seen < total,
                    "{table} from {scope}: {seen} of {total}; the test needs rows on both sides"
                );
            }
        }
    }
    // The village with the claims sees its claims and heirs; the other village sees none of those.
    let scoped_a = db.scoped(RegionCode::parse(&a).unwrap());
    assert!(count(&scoped_a, "SELECT COUNT(*) FROM claim_heirs", &[]) > 0);

    // A store function handed too wide a filter (the handler bug this guards against) still gets
    // nothing of village B through A's connection.
    let in_b = count(
        db,
        "SELECT MIN(id) FROM persons WHERE village_code = $1",
        &[Value::from(b.as_str())],
    );
    let mut conn = scoped_a.conn().unwrap();
    assert!(jaring_store::residents::get(&mut conn, "53.04", in_b)
        .unwrap()
        .is_none());
    drop(conn);
    assert!(
        jaring_store::residents::get(&mut db.conn().unwrap(), "53.04", in_b)
            .unwrap()
            .is_some(),
        "unconfined, the same call finds the person"
    );

    // The regency-wide scope reads everything, including entries tied to no village.
    let regency = db.scoped(RegionCode::parse("53.04").unwrap());
    for table in ["persons", "audit_log", "staged_records", "proposals"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(count(&regency, &sql, &[]), count(db, &sql, &[]), "{table}");
    }
    let no_village = "SELECT COUNT(*) FROM audit_log WHERE village_code IS NULL";
    assert!(count(db, no_village, &[]) > 0);
    assert_eq!(count(&scoped_a, no_village, &[]), 0);
}

#[test]
fn scoped_connections_cannot_write_fail_closed_and_are_released_clean() {
    let Some(t) = backends()
        .into_iter()
        .find(|t| t.db.backend() == Backend::Postgres)
    else {
        assert!(!backends::postgres_requested());
        return;
    };
    let db = &t.db;
    prepared(db);
    let (a, _) = two_villages(db);
    let scoped = db.scoped(RegionCode::parse(&a).unwrap());
    let persons = count(db, "SELECT COUNT(*) FROM persons", &[]);

    // The confined role may read, not change residents' rows, not even its own village's.
    let mut conn = scoped.conn().unwrap();
    for sql in [
        "UPDATE persons SET name = name",
        "DELETE FROM claim_heirs",
        "UPDATE audit_log SET reason = 'x'",
        "DELETE FROM audit_log",
    ] {
        let err = conn.execute(sql, &[]).unwrap_err().to_string();
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
    drop(conn);
    // Reading may leave a trace: a scoped transaction appends to the chain, which stays intact.
    scoped
        .transaction(|tx| {
            audit::append(
                tx,
                &[AuditEntry {
                    actor: "uji".into(),
                    action: "export.download".into(),
                    entity: "export".into(),
                    village_code: Some(a.clone()),
                    ..Default::default()
                }],
            )
        })
        .unwrap();
    let chain = audit::verify(&mut db.conn().unwrap()).unwrap();
    assert!(chain.breaks.is_empty(), "{:?}", chain.breaks);
    assert_eq!(
        chain.entries,
        count(db, "SELECT COUNT(*) FROM audit_log", &[]),
        "the scoped append is in the chain"
    );

    // Taking the role without a scope (a bug in the adapter) shows nothing rather than everything.
    let mut raw = db.conn().unwrap();
    raw.batch("SET ROLE jaring_scoped").unwrap();
    assert_eq!(
        raw.query_i64("SELECT COUNT(*) FROM persons", &[]).unwrap(),
        0
    );
    assert_eq!(
        raw.query_i64("SELECT COUNT(*) FROM audit_log", &[])
            .unwrap(),
        0
    );
    raw.batch("RESET ROLE").unwrap();
    drop(raw);

    // Every connection back in the pool is unconfined again: hold as many as the pool has at once.
    let held: Vec<_> = (0..4).map(|_| db.conn().unwrap()).collect();
    for mut c in held {
        assert_eq!(
            c.query_i64("SELECT COUNT(*) FROM persons", &[]).unwrap(),
            persons
        );
        let row = c
            .query_opt(
                "SELECT current_user::text, coalesce(current_setting('jaring.scope', true), '')",
                &[],
            )
            .unwrap()
            .unwrap();
        assert_ne!(row.text(0).unwrap(), "jaring_scoped");
        assert_eq!(row.text(1).unwrap(), "");
    }
}
