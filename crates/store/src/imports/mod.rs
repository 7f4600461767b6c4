//! Writing an import: the `imports` journal row, registry upserts in batches, and staged external
//! records. Everything runs inside the caller's one transaction, so a crash leaves nothing behind.

use std::collections::HashSet;

use chrono::Utc;
use jaring_domain::ExternalRecord;
use sha2::{Digest, Sha256};

use crate::{Conn, Result, StoreError, Value};

mod registry_writer;

pub use registry_writer::{
    field_diff, registry_is_empty, FieldChange, Held, Refusal, RegistryWriter, WriteOrigin,
    WriteOutcome, DEFERRABLE_INDEXES, FIRST_LOAD_CHECKED_TABLES,
};

/// What an import did, row by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Data rows read.
    pub rows_total: u64,
    /// New persons or staged records.
    pub inserted: u64,
    /// Existing persons changed.
    pub updated: u64,
    /// Rows that matched what the database already held.
    pub unchanged: u64,
    /// Rows whose changes to a known person wait for review as proposals (a death, an appointment, a
    /// move, a new name or NIK; also move-in requests for persons registered in another region).
    pub proposed: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Rows accepted with a warning.
    pub warnings: u64,
}

impl ImportCounts {
    /// Adds another batch's counts.
    pub fn add(&mut self, o: ImportCounts) {
        self.rows_total += o.rows_total;
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.proposed += o.proposed;
        self.rejected += o.rejected;
        self.warnings += o.warnings;
    }
}

/// Who imported which file.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    /// List kind code.
    pub kind: String,
    /// File name as uploaded.
    pub file_name: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// Format description.
    pub format: String,
    /// Who imported it.
    pub actor: String,
}

/// Opens the journal row of an import; returns its id.
pub fn begin(tx: &mut Conn, meta: &ImportMeta) -> Result<i64> {
    tx.query_i64(
        "INSERT INTO imports (kind, file_name, sha256, format, actor, started_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        &[
            Value::from(meta.kind.as_str()),
            Value::from(meta.file_name.as_str()),
            Value::from(meta.sha256.as_str()),
            Value::from(meta.format.as_str()),
            Value::from(meta.actor.as_str()),
            Value::Timestamp(Utc::now()),
        ],
    )
}

/// Closes the journal row with the final counts.
pub fn finish(tx: &mut Conn, import_id: i64, c: &ImportCounts) -> Result<()> {
    tx.execute(
        "UPDATE imports SET finished_at = $2, rows_total = $3, inserted = $4, updated = $5, unchanged = $6, \
         rejected = $7, warnings = $8, proposed = $9 WHERE id = $1",
        &[
            Value::Int(import_id),
            Value::Timestamp(Utc::now()),
            Value::Int(c.rows_total as i64),
            Value::Int(c.inserted as i64),
            Value::Int(c.updated as i64),
            Value::Int(c.unchanged as i64),
            Value::Int(c.rejected as i64),
            Value::Int(c.warnings as i64),
            Value::Int(c.proposed as i64),
        ],
    )?;
    Ok(())
}

/// A committed import as the journal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: String,
    /// Who.
    pub actor: String,
    /// Counts.
    pub counts: ImportCounts,
}

/// The most recent imports, newest first.
pub fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<ImportRecord>> {
    conn.query(
        "SELECT id, kind, file_name, sha256, actor, rows_total, inserted, updated, unchanged, rejected, warnings, proposed \
         FROM imports ORDER BY id DESC LIMIT $1",
        &[Value::Int(limit)],
    )?
    .iter()
    .map(|r| {
        Ok(ImportRecord {
            id: r.i64(0)?,
            kind: r.text(1)?,
            file_name: r.text(2)?,
            sha256: r.text(3)?,
            actor: r.text(4)?,
            counts: ImportCounts {
                rows_total: r.i64(5)? as u64,
                inserted: r.i64(6)? as u64,
                updated: r.i64(7)? as u64,
                unchanged: r.i64(8)? as u64,
                rejected: r.i64(9)? as u64,
                warnings: r.i64(10)? as u64,
                proposed: r.i64(11)? as u64,
            },
        })
    })
    .collect()
}

pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Content hash of a staged record: the same row imported again hashes the same.
pub fn record_hash(r: &ExternalRecord) -> String {
    let mut h = Sha256::new();
    let json = serde_json::to_string(r).unwrap_or_default();
    h.update(json.as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stages one batch of external records; rows already staged (same kind, same content) are unchanged.
pub fn stage(
    tx: &mut Conn,
    import_id: i64,
    batch: &[(u64, ExternalRecord)],
) -> Result<ImportCounts> {
    let mut counts = ImportCounts::default();
    if batch.is_empty() {
        return Ok(counts);
    }
    let kind = batch[0].1.kind.as_code();
    let hashes: Vec<String> = batch.iter().map(|(_, r)| record_hash(r)).collect();
    let mut seen: HashSet<String> = HashSet::new();
    for chunk in hashes.chunks(5_000) {
        let sql = format!(
            "SELECT row_hash FROM staged_records WHERE kind = $1 AND row_hash IN ({})",
            placeholders(2, chunk.len())
        );
        let mut params = vec![Value::from(kind)];
        params.extend(chunk.iter().map(|h| Value::Text(h.clone())));
        for row in tx.query(&sql, &params)? {
            seen.insert(row.text(0)?);
        }
    }
    let mut rows = Vec::new();
    for ((line, r), hash) in batch.iter().zip(hashes) {
        if !seen.insert(hash.clone()) {
            counts.unchanged += 1;
            continue;
        }
        let attributes = serde_json::to_string(&r.attributes)
            .map_err(|e| StoreError::Decode(format!("attributes: {e}")))?;
        rows.push(vec![
            Value::Int(import_id),
            Value::from(kind),
            Value::Int(*line as i64),
            Value::from(r.record_key.clone()),
            Value::from(r.nik.map(|n| n.to_string())),
            Value::Text(r.nik_raw.clone()),
            Value::from(r.nik_issue.clone()),
            Value::from(r.no_kk.map(|k| k.to_string())),
            Value::Text(r.name.clone()),
            Value::from(r.sex.map(|s| s.as_code())),
            Value::from(r.birth_date),
            Value::from(r.village.map(|v| v.to_string())),
            Value::from(r.event_date),
            Value::Text(attributes),
            Value::Text(hash),
        ]);
        counts.inserted += 1;
    }
    tx.insert_rows(
        "staged_records",
        &[
            "import_id",
            "kind",
            "source_line",
            "record_key",
            "nik",
            "nik_raw",
            "nik_issue",
            "no_kk",
            "name",
            "sex",
            "birth_date",
            "village_code",
            "event_date",
            "attributes",
            "row_hash",
        ],
        rows,
    )?;
    Ok(counts)
}

/// Number of staged records of a kind.
pub fn staged_count(conn: &mut Conn, kind: &str) -> Result<i64> {
    conn.query_i64(
        "SELECT COUNT(*) FROM staged_records WHERE kind = $1",
        &[Value::from(kind)],
    )
}

/// Counts that change whenever an import writes anything: persons, the sum of their row versions,
/// households and staged records. Equal before and after means nothing was written (crash tests use it).
pub fn registry_fingerprint(conn: &mut Conn) -> Result<(i64, i64, i64, i64)> {
    Ok((
        conn.query_i64("SELECT COUNT(*) FROM persons", &[])?,
        conn.query_i64(
            "SELECT CAST(COALESCE(SUM(row_version), 0) AS BIGINT) FROM persons",
            &[],
        )?,
        conn.query_i64("SELECT COUNT(*) FROM households", &[])?,
        conn.query_i64("SELECT COUNT(*) FROM staged_records", &[])?,
    ))
}
