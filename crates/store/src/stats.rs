//! Counts per region for dashboards: households, persons, living persons.

use jaring_domain::RegionCode;

use crate::regions::StoredRegion;
use crate::{Conn, Result, Value};

/// Counts for one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCounts {
    /// The region.
    pub region: StoredRegion,
    /// Households living there.
    pub households: i64,
    /// Persons registered there (any life status).
    pub persons: i64,
    /// Persons alive.
    pub alive: i64,
}

/// Counts per village inside `ancestor` (a regency or kecamatan), villages without residents included.
pub fn village_counts(conn: &mut Conn, ancestor: RegionCode) -> Result<Vec<RegionCounts>> {
    // Village codes of a subtree share the dotted prefix, so a LIKE on the indexed text code selects
    // the subtree in both backends.
    let prefix = format!("{ancestor}.%");
    let rows = conn.query(
        "SELECT r.code, r.name,
                CAST(COALESCE(h.n, 0) AS BIGINT), CAST(COALESCE(p.n, 0) AS BIGINT), CAST(COALESCE(p.alive, 0) AS BIGINT)
         FROM regions r
         LEFT JOIN (SELECT village_code, COUNT(*) AS n FROM households GROUP BY village_code) h
                ON h.village_code = r.code
         LEFT JOIN (SELECT village_code, COUNT(*) AS n,
                           SUM(CASE WHEN life_status = 'alive' THEN 1 ELSE 0 END) AS alive
                    FROM persons WHERE merged_into IS NULL GROUP BY village_code) p
                ON p.village_code = r.code
         WHERE r.level = 'desa' AND r.code LIKE $1
         ORDER BY r.code",
        &[Value::Text(prefix)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(RegionCounts {
                region: StoredRegion {
                    code: crate::registry::decode_region(&r.text(0)?)?,
                    name: r.text(1)?,
                },
                households: r.i64(2)?,
                persons: r.i64(3)?,
                alive: r.i64(4)?,
            })
        })
        .collect()
}

/// Rolls village counts up to their parents at `level` (kecamatan or kabupaten), keeping region order.
pub fn roll_up(villages: &[RegionCounts], parents: &[StoredRegion]) -> Vec<RegionCounts> {
    parents
        .iter()
        .map(|parent| {
            let inside = villages
                .iter()
                .filter(|v| parent.code.contains(v.region.code));
            let mut total = RegionCounts {
                region: parent.clone(),
                households: 0,
                persons: 0,
                alive: 0,
            };
            for v in inside {
                total.households += v.households;
                total.persons += v.persons;
                total.alive += v.alive;
            }
            total
        })
        .collect()
}
