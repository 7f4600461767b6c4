//! The audit log: append-only and hash-chained, so that editing or deleting any past entry is detected.
//!
//! Each entry's hash covers its own fields and the previous entry's hash; `audit_head` holds the newest
//! sequence number and hash. Appending updates the head row first, which serialises appenders on both
//! backends (SQLite's write lock; PostgreSQL's row lock) so the chain never forks.

use sha2::{Digest, Sha256};

use crate::{Conn, Result, StoreError, Value};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One change to record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditEntry {
    /// Who (user name, or `system` for jobs).
    pub actor: String,
    /// What, e.g. `person.update`, `proposal.approve`, `import`.
    pub action: String,
    /// The kind of thing changed (`person`, `enrolment`, `proposal`, …).
    pub entity: String,
    /// Its id.
    pub entity_id: Option<i64>,
    /// The village it belongs to, for per-village reading and scoping.
    pub village_code: Option<String>,
    /// The person concerned, for per-person history.
    pub person_id: Option<i64>,
    /// JSON of the values before.
    pub before: Option<String>,
    /// JSON of the values after.
    pub after: Option<String>,
    /// The reason given.
    pub reason: Option<String>,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The entry.
    pub entry: AuditEntry,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of an entry: sha256 over a JSON array of every field, so no two different entries can
/// produce the same bytes (the array keeps field boundaries and NULLs apart from empty text).
pub fn entry_hash(seq: i64, at: &str, e: &AuditEntry, prev_hash: &str) -> String {
    entry_hash_in(&mut Vec::new(), seq, at, e, prev_hash)
}

/// [`entry_hash`] serialising into `buf` (reused across a batch: an import hashes one entry per
/// person). A tuple serialises to the same compact JSON array as the `json!` value it replaces,
/// without copying every field into a `serde_json::Value` first.
fn entry_hash_in(buf: &mut Vec<u8>, seq: i64, at: &str, e: &AuditEntry, prev_hash: &str) -> String {
    buf.clear();
    let fields = (
        seq,
        at,
        &e.actor,
        &e.action,
        &e.entity,
        e.entity_id,
        &e.village_code,
        e.person_id,
        &e.before,
        &e.after,
        &e.reason,
        prev_hash,
    );
    // Writing into a Vec cannot fail, and every field is plain data.
    if serde_json::to_writer(&mut *buf, &fields).is_err() {
        buf.clear();
    }
    hex::encode(Sha256::digest(buf.as_slice()))
}

/// Takes the chain's lock for the rest of the transaction. Writers that will append call it first, so
/// that every transaction touching reviewed data queues in the same order (no deadlocks on PostgreSQL).
pub fn lock(tx: &mut Conn) -> Result<()> {
    tx.execute("UPDATE audit_head SET seq = seq WHERE id = 1", &[])?;
    Ok(())
}

/// Appends entries in order, inside the caller's transaction.
pub fn append(tx: &mut Conn, entries: &[AuditEntry]) -> Result<()> {
    append_all(tx, entries.to_vec())
}

/// [`append`] taking the entries by value: a large import's entries (hundreds of megabytes of JSON
/// for a regency's first load) move into the rows instead of being copied.
pub fn append_all(tx: &mut Conn, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as i64;
    let head = tx
        .query_opt(
            "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
            &[Value::Int(n)],
        )?
        .ok_or_else(|| StoreError::Decode("audit_head row missing".into()))?;
    let last = head.i64(0)?;
    let mut prev = head.text(1)?;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut rows = Vec::with_capacity(entries.len());
    let mut buf = Vec::with_capacity(1024);
    for (i, e) in entries.into_iter().enumerate() {
        let seq = last - n + 1 + i as i64;
        let hash = entry_hash_in(&mut buf, seq, &at, &e, &prev);
        rows.push(vec![
            Value::Int(seq),
            Value::Text(at.clone()),
            Value::Text(e.actor),
            Value::Text(e.action),
            Value::Text(e.entity),
            Value::from(e.entity_id),
            Value::from(e.village_code),
            Value::from(e.person_id),
            Value::from(e.before),
            Value::from(e.after),
            Value::from(e.reason),
            Value::Text(std::mem::replace(&mut prev, hash.clone())),
            Value::Text(hash),
        ]);
    }
    tx.insert_rows("audit_log", COLUMNS, rows)?;
    tx.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        &[Value::Text(prev)],
    )?;
    Ok(())
}

const COLUMNS: &[&str] = &[
    "seq",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "village_code",
    "person_id",
    "before_value",
    "after_value",
    "reason",
    "prev_hash",
    "hash",
];

fn audit_row(r: &crate::Row) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: r.i64(0)?,
        at: r.text(1)?,
        entry: AuditEntry {
            actor: r.text(2)?,
            action: r.text(3)?,
            entity: r.text(4)?,
            entity_id: r.opt_i64(5)?,
            village_code: r.opt_text(6)?,
            person_id: r.opt_i64(7)?,
            before: r.opt_text(8)?,
            after: r.opt_text(9)?,
            reason: r.opt_text(10)?,
        },
        prev_hash: r.text(11)?,
        hash: r.text(12)?,
    })
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this person's entries.
    pub person_id: Option<i64>,
    /// Only entries of villages whose code starts with this (a village, a kecamatan, a regency).
    pub region_prefix: Option<String>,
    /// Only this actor's entries.
    pub actor: Option<String>,
    /// Only actions starting with this (`person.`, `proposal.approve`).
    pub action_prefix: Option<String>,
    /// Only entries older than this sequence number (the next page).
    pub before_seq: Option<i64>,
    /// Newest first, at most this many.
    pub limit: i64,
}

/// Entries matching the filter, newest first.
pub fn list(conn: &mut Conn, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
    let mut sql = format!("SELECT {} FROM audit_log WHERE 1 = 1", COLUMNS.join(", "));
    let mut params = Vec::new();
    if let Some(p) = filter.person_id {
        params.push(Value::Int(p));
        sql.push_str(&format!(" AND person_id = ${}", params.len()));
    }
    if let Some(r) = &filter.region_prefix {
        params.push(Value::Text(format!("{r}%")));
        sql.push_str(&format!(" AND village_code LIKE ${}", params.len()));
    }
    if let Some(a) = &filter.actor {
        params.push(Value::Text(a.clone()));
        sql.push_str(&format!(" AND actor = ${}", params.len()));
    }
    if let Some(a) = &filter.action_prefix {
        params.push(Value::Text(format!("{}%", a.replace(['%', '_'], ""))));
        sql.push_str(&format!(" AND action LIKE ${}", params.len()));
    }
    if let Some(b) = filter.before_seq {
        params.push(Value::Int(b));
        sql.push_str(&format!(" AND seq < ${}", params.len()));
    }
    params.push(Value::Int(filter.limit.max(1)));
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", params.len()));
    conn.query(&sql, &params)?.iter().map(audit_row).collect()
}

/// The first place the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// Sequence number where it breaks.
    pub seq: i64,
    /// Why (English; the CLI and UI add Indonesian).
    pub reason: String,
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked.
    pub entries: i64,
    /// Every break found, in order (an edited entry also breaks the link to its successor).
    pub breaks: Vec<ChainBreak>,
}

/// Recomputes every hash and link, in pages so memory stays flat on long logs.
pub fn verify(conn: &mut Conn) -> Result<Verification> {
    const PAGE: i64 = 20_000;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut breaks = Vec::new();
    let mut checked = 0;
    loop {
        let rows = conn.query(
            &format!(
                "SELECT {} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
                COLUMNS.join(", ")
            ),
            &[Value::Int(expected_seq), Value::Int(PAGE)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let row = audit_row(r)?;
            checked += 1;
            if row.seq != expected_seq {
                breaks.push(ChainBreak {
                    seq: expected_seq,
                    reason: format!(
                        "entries {expected_seq}..{} are missing (deleted)",
                        row.seq - 1
                    ),
                });
            }
            if row.prev_hash != prev {
                breaks.push(ChainBreak {
                    seq: row.seq,
                    reason: "does not link to the entry before it".into(),
                });
            }
            if entry_hash(row.seq, &row.at, &row.entry, &row.prev_hash) != row.hash {
                breaks.push(ChainBreak {
                    seq: row.seq,
                    reason: "content does not match its hash (edited)".into(),
                });
            }
            prev = row.hash;
            expected_seq = row.seq + 1;
        }
    }
    let head = conn
        .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .ok_or_else(|| StoreError::Decode("audit_head row missing".into()))?;
    let (head_seq, head_hash) = (head.i64(0)?, head.text(1)?);
    if head_seq != expected_seq - 1 || head_hash != prev {
        breaks.push(ChainBreak {
            seq: head_seq,
            reason: format!(
                "the newest entries are missing or changed (head says {head_seq}, log ends at {})",
                expected_seq - 1
            ),
        });
    }
    Ok(Verification {
        entries: checked,
        breaks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash of every stored entry must not change: the tuple serialisation gives the bytes of
    /// the `json!` array the chain was first written with.
    #[test]
    fn the_hash_is_the_one_stored_entries_were_chained_with() {
        let entries = [
            AuditEntry::default(),
            AuditEntry {
                actor: "op \"kewar\"\n".into(),
                action: "person.insert".into(),
                entity: "person".into(),
                entity_id: Some(42),
                village_code: Some("53.04.01.2001".into()),
                person_id: Some(-7),
                before: None,
                after: Some(r#"{"name":"Maria Luruk","catatan":"é \u0001 ☃"}"#.into()),
                reason: Some("impor #1 baris/line 2".into()),
            },
        ];
        for e in &entries {
            let old = serde_json::json!([
                9,
                "2026-12-04T00:00:00.000000Z",
                e.actor,
                e.action,
                e.entity,
                e.entity_id,
                e.village_code,
                e.person_id,
                e.before,
                e.after,
                e.reason,
                GENESIS
            ]);
            let want: String = Sha256::digest(old.to_string().as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                entry_hash(9, "2026-12-04T00:00:00.000000Z", e, GENESIS),
                want
            );
        }
    }
}
