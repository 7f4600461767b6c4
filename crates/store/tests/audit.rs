//! The audit chain on every backend: appends from concurrent writers never fork it, and any edit or
//! deletion of a past entry is found.

mod backends;

use backends::{backends, label};
use jaring_store::audit::{self, AuditEntry};
use jaring_store::Value;

fn entry(actor: &str, n: usize) -> AuditEntry {
    AuditEntry {
        actor: actor.into(),
        action: "person.update".into(),
        entity: "person".into(),
        entity_id: Some(n as i64),
        village_code: Some("53.04.01.2001".into()),
        person_id: Some(n as i64),
        before: Some(r#"{"name":"Maria"}"#.into()),
        after: Some(r#"{"name":"Maria Bere"}"#.into()),
        reason: None,
    }
}

#[test]
fn concurrent_appends_keep_one_chain_and_tampering_is_found() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        std::thread::scope(|s| {
            for actor in ["a", "b", "c"] {
                s.spawn(move || {
                    for i in 0..40 {
                        db.transaction(|tx| {
                            audit::append(tx, &[entry(actor, i), entry(actor, i + 1000)])
                        })
                        .unwrap();
                    }
                });
            }
        });
        let mut conn = db.conn().unwrap();
        let v = audit::verify(&mut conn).unwrap();
        assert_eq!(v.entries, 240, "{l}");
        assert!(v.breaks.is_empty(), "{l}: {:?}", v.breaks);
        let per_actor = audit::list(
            &mut conn,
            &audit::AuditFilter {
                actor: Some("b".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(per_actor.len(), 80, "{l}");
        let per_person = audit::list(
            &mut conn,
            &audit::AuditFilter {
                person_id: Some(1005),
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(per_person.len(), 3, "{l}");

        // Edit an entry's content: that entry is reported.
        conn.execute(
            "UPDATE audit_log SET after_value = $1 WHERE seq = 77",
            &[Value::from(r#"{"name":"Someone Else"}"#)],
        )
        .unwrap();
        let v = audit::verify(&mut conn).unwrap();
        assert_eq!(v.breaks.len(), 1, "{l}: {:?}", v.breaks);
        assert_eq!(v.breaks[0].seq, 77, "{l}");
        // Recompute its hash too (a careful forger): the next entry no longer links to it.
        let row = &audit::list(
            &mut conn,
            &audit::AuditFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .find(|r| r.seq == 77)
        .unwrap();
        let forged = audit::entry_hash(row.seq, &row.at, &row.entry, &row.prev_hash);
        conn.execute(
            "UPDATE audit_log SET hash = $1 WHERE seq = 77",
            &[Value::Text(forged)],
        )
        .unwrap();
        let v = audit::verify(&mut conn).unwrap();
        assert_eq!(
            v.breaks.iter().map(|b| b.seq).collect::<Vec<_>>(),
            vec![78],
            "{l}: {:?}",
            v.breaks
        );
        // Delete an entry in the middle: the gap is reported.
        conn.execute("DELETE FROM audit_log WHERE seq = 150", &[])
            .unwrap();
        let v = audit::verify(&mut conn).unwrap();
        assert!(
            v.breaks
                .iter()
                .any(|b| b.seq == 150 && b.reason.contains("missing")),
            "{l}: {:?}",
            v.breaks
        );
    }
}
