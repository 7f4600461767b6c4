//! How well each village keeps its data current: what the regency asks of its villages, counted per
//! village in one pass over each table.

use chrono::{DateTime, Utc};

use crate::{Conn, Result, Value};

/// One village's upkeep figures.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageUpkeep {
    /// Village code.
    pub code: String,
    /// Village name.
    pub name: String,
    /// Living residents.
    pub alive: i64,
    /// Living residents without a NIK.
    pub without_nik: i64,
    /// Living residents without a birth date.
    pub without_birth_date: i64,
    /// The last change recorded in the audit log for the village (RFC 3339), if any.
    pub last_change: Option<String>,
    /// Pending proposals (moves into the village included).
    pub pending: i64,
    /// When the oldest of them was made.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Living residents a synchronised civil-registry death list names (auto or review band).
    pub registry_deaths_unreported: i64,
    /// Pending merges of suspected duplicates.
    pub duplicates_suspected: i64,
}

/// The figures of every village whose code starts with `prefix` (a kecamatan, the regency).
pub fn villages(conn: &mut Conn, prefix: &str) -> Result<Vec<VillageUpkeep>> {
    let like = Value::Text(format!("{prefix}%"));
    let rows = conn.query(
        "SELECT r.code, r.name,
                CAST(COALESCE(p.alive, 0) AS BIGINT), CAST(COALESCE(p.no_nik, 0) AS BIGINT),
                CAST(COALESCE(p.no_birth, 0) AS BIGINT),
                (SELECT MAX(a.at) FROM audit_log a WHERE a.village_code = r.code),
                CAST(COALESCE(q.n, 0) AS BIGINT), q.oldest,
                CAST(COALESCE(d.n, 0) AS BIGINT), CAST(COALESCE(q.merges, 0) AS BIGINT)
         FROM regions r
         LEFT JOIN (SELECT village_code,
                           SUM(CASE WHEN life_status = 'alive' THEN 1 ELSE 0 END) AS alive,
                           SUM(CASE WHEN life_status = 'alive' AND nik IS NULL THEN 1 ELSE 0 END) AS no_nik,
                           SUM(CASE WHEN life_status = 'alive' AND birth_date IS NULL THEN 1 ELSE 0 END) AS no_birth
                    FROM persons WHERE merged_into IS NULL GROUP BY village_code) p
                ON p.village_code = r.code
         LEFT JOIN (SELECT COALESCE(village_to, village_code) AS village, COUNT(*) AS n,
                           MIN(created_at) AS oldest,
                           SUM(CASE WHEN kind = 'merge' THEN 1 ELSE 0 END) AS merges
                    FROM proposals WHERE status = 'pending' GROUP BY COALESCE(village_to, village_code)) q
                ON q.village = r.code
         LEFT JOIN (SELECT p.village_code, COUNT(DISTINCT p.id) AS n
                    FROM match_candidates m JOIN persons p ON p.id = m.person_id
                    WHERE m.kind = 'deaths' AND m.band IN ('auto', 'review') AND p.life_status = 'alive'
                    GROUP BY p.village_code) d
                ON d.village_code = r.code
         WHERE r.level = 'desa' AND r.code LIKE $1
         ORDER BY r.code",
        &[like],
    )?;
    rows.iter()
        .map(|r| {
            Ok(VillageUpkeep {
                code: r.text(0)?,
                name: r.text(1)?,
                alive: r.i64(2)?,
                without_nik: r.i64(3)?,
                without_birth_date: r.i64(4)?,
                last_change: r.opt_text(5)?,
                pending: r.i64(6)?,
                oldest_pending: r.opt_timestamp(7)?,
                registry_deaths_unreported: r.i64(8)?,
                duplicates_suspected: r.i64(9)?,
            })
        })
        .collect()
}

/// When one proposal was made and decided, and the village it waits in.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The village (the destination of a move).
    pub village: String,
    /// Made.
    pub made: DateTime<Utc>,
    /// Decided, if it was.
    pub decided: Option<DateTime<Utc>>,
}

/// When each proposal of the villages under `prefix` was made and decided, for those still pending
/// or decided since `since`: enough to count what was pending at the end of each recent month.
pub fn pending_spans(conn: &mut Conn, prefix: &str, since: DateTime<Utc>) -> Result<Vec<Span>> {
    conn.query(
        "SELECT COALESCE(village_to, village_code), created_at, decided_at FROM proposals
         WHERE COALESCE(village_to, village_code) LIKE $1 AND (decided_at IS NULL OR decided_at >= $2)",
        &[Value::Text(format!("{prefix}%")), Value::Timestamp(since)],
    )?
    .iter()
    .map(|r| {
        Ok(Span {
            village: r.text(0)?,
            made: r.opt_timestamp(1)?.unwrap_or_default(),
            decided: r.opt_timestamp(2)?,
        })
    })
    .collect()
}
