//! The deployment's region tree in the database.

use jaring_domain::{RegionCode, RegionLevel, Regions, VillageKind};

use crate::{Conn, Database, Result, Value};

/// Inserts `root` (a province, regency or kecamatan), its ancestors and every current region inside it,
/// from the national list. Regions already present are left alone, so seeding twice changes nothing.
pub fn seed_regions(db: &Database, root: RegionCode) -> Result<usize> {
    db.transaction(|tx| seed_regions_in(tx, root))
}

/// [`seed_regions`] inside the caller's transaction.
pub fn seed_regions_in(tx: &mut Conn, root: RegionCode) -> Result<usize> {
    let national = Regions::national();
    let mut chain = Vec::new();
    let mut up = root.parent();
    while let Some(code) = up {
        chain.push(code);
        up = code.parent();
    }
    chain.reverse();
    let mut codes: Vec<RegionCode> = chain;
    codes.extend(national.within(root).map(|r| r.code));
    // Parents first (shorter codes sort first within a subtree by level).
    codes.sort_by_key(|c| (c.level(), *c));
    {
        let existing: std::collections::HashSet<String> = tx
            .query("SELECT code FROM regions", &[])?
            .into_iter()
            .map(|r| r.text(0))
            .collect::<Result<_>>()?;
        let rows: Vec<Vec<Value>> = codes
            .iter()
            .filter(|c| !existing.contains(&c.to_string()))
            .filter_map(|c| national.get(*c).map(|r| region_row(*c, &r.name)))
            .collect();
        tx.insert_rows(
            "regions",
            &["code", "parent_code", "level", "name", "village_kind"],
            rows.clone(),
        )?;
        Ok(rows.len())
    }
}

fn region_row(code: RegionCode, name: &str) -> Vec<Value> {
    let kind = code.village_kind().map(|k| match k {
        VillageKind::Desa => "desa",
        VillageKind::Kelurahan => "kelurahan",
        VillageKind::DesaAdat => "desa_adat",
    });
    vec![
        Value::Text(code.to_string()),
        Value::from(code.parent().map(|p| p.to_string())),
        Value::from(code.level().as_str()),
        Value::from(name),
        Value::from(kind),
    ]
}

/// A region as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRegion {
    /// Its code.
    pub code: RegionCode,
    /// Its name.
    pub name: String,
}

/// The stored children of a region (or the top-level regions when `parent` is `None`), by code.
pub fn children(conn: &mut Conn, parent: Option<RegionCode>) -> Result<Vec<StoredRegion>> {
    let rows = match parent {
        Some(p) => conn.query(
            "SELECT code, name FROM regions WHERE parent_code = $1 ORDER BY code",
            &[Value::Text(p.to_string())],
        )?,
        None => conn.query(
            "SELECT code, name FROM regions WHERE parent_code IS NULL ORDER BY code",
            &[],
        )?,
    };
    rows.iter().map(stored_region).collect()
}

/// The stored regions of one level, by code.
pub fn at_level(conn: &mut Conn, level: RegionLevel) -> Result<Vec<StoredRegion>> {
    conn.query(
        "SELECT code, name FROM regions WHERE level = $1 ORDER BY code",
        &[Value::from(level.as_str())],
    )?
    .iter()
    .map(stored_region)
    .collect()
}

/// Decodes a `(code, name)` row.
fn stored_region(row: &crate::Row) -> Result<StoredRegion> {
    Ok(StoredRegion {
        code: crate::registry::decode_region(&row.text(0)?)?,
        name: row.text(1)?,
    })
}

/// Whether `code` is a village (desa or kelurahan) of this deployment.
pub fn is_village(conn: &mut Conn, code: RegionCode) -> Result<bool> {
    Ok(conn.query_i64(
        "SELECT COUNT(*) FROM regions WHERE code = $1 AND level = 'desa'",
        &[Value::Text(code.to_string())],
    )? > 0)
}

/// The stored name of a region.
pub fn name_of(conn: &mut Conn, code: RegionCode) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT name FROM regions WHERE code = $1",
        &[Value::Text(code.to_string())],
    )?
    .map(|r| r.text(0))
    .transpose()
}
