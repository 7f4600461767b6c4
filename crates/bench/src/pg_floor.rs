//! The floor PostgreSQL itself sets under a registry load: the same persons and households rows as
//! [`crate::sqlite_floor`], sent with plain `COPY` by the `postgres` client into a fresh jaring schema
//! (every table, constraint and index the migrations make; secondary indexes built after the rows,
//! as a first load may), in one transaction. None of jaring's reading, checking, audit or merging is
//! on the path, so an import cannot be faster than this on the same server.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::sqlite_floor::{FloorRows, PERSON_COLUMNS};

/// One CSV field for `COPY … (FORMAT csv)`: unquoted empty is NULL, anything else quoted.
fn field(out: &mut Vec<u8>, v: Option<&str>) {
    if let Some(v) = v {
        out.push(b'"');
        for b in v.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }
}

/// Writes the rows into `schema` (made by the caller with jaring's migrations and regions) and
/// returns the time from `BEGIN` to the end of `COMMIT`.
pub fn write(f: &FloorRows, url: &str, schema: &str) -> Result<Duration> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).context("connecting")?;
    c.batch_execute(&format!("SET search_path TO {schema}"))?;
    let now = "2026-12-01T00:00:00.000000Z";
    let all = Instant::now();
    let mut tx = c.transaction()?;
    let mut deferred = Vec::new();
    // The same indexes jaring's first load builds after its rows.
    for name in jaring_store::imports::DEFERRABLE_INDEXES {
        let row = tx.query_opt(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
            &[&schema, name],
        )?;
        if let Some(row) = row {
            deferred.push(row.get::<_, String>(0));
            tx.batch_execute(&format!("DROP INDEX {name}"))?;
        }
    }
    let mut households = Vec::new();
    let mut cards = Vec::new();
    let mut persons = Vec::new();
    let mut line = Vec::new();
    // Lines are built as they are sent: formatting is part of any client's cost.
    let t = Instant::now();
    f.each(
        |id, kk, village, address| {
            write!(households, "{id},{village},")?;
            field(&mut households, Some(address));
            writeln!(households, ",{now},{now},1")?;
            writeln!(cards, "{id},{kk},,")?;
            Ok(())
        },
        |p| {
            line.clear();
            let id = p.id.to_string();
            let household = p.household.map(|h| h.to_string());
            let desil = p.desil.map(|d| d.to_string());
            let values = [
                Some(id.as_str()),
                p.nik,
                household.as_deref(),
                Some(p.village),
                Some(p.name),
                Some(p.sex),
                Some(p.place),
                p.born,
                Some(p.address),
                Some("child"),
                Some("married"),
                Some(p.occupation),
                Some("rentan"),
                Some("alive"),
                None,
                Some("none"),
                None,
                desil.as_deref(),
                Some("catholic"),
                Some("primary"),
                Some(p.mother),
                Some("1"),
                Some(now),
                Some(now),
            ];
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                field(&mut line, *v);
            }
            line.push(b'\n');
            persons.extend_from_slice(&line);
            Ok(())
        },
    )?;
    for (table, columns, data) in [
        (
            "households",
            "id, village_code, address, created_at, updated_at, row_version",
            &households,
        ),
        (
            "household_kk",
            "household_id, no_kk, valid_from, valid_to",
            &cards,
        ),
        ("persons", PERSON_COLUMNS, &persons),
    ] {
        let mut w = tx.copy_in(&format!("COPY {table} ({columns}) FROM STDIN (FORMAT csv)"))?;
        w.write_all(data)?;
        w.finish()?;
    }
    let rows_time = t.elapsed();
    let t = Instant::now();
    for sql in &deferred {
        tx.batch_execute(sql)?;
    }
    let index_time = t.elapsed();
    let t = Instant::now();
    tx.commit()?;
    let commit_time = t.elapsed();
    let total = all.elapsed();
    println!(
        "postgres floor: rows {:.2} s; indexes {:.2} s; commit {:.2} s; total {:.2} s = {:.0} rows/s",
        rows_time.as_secs_f64(),
        index_time.as_secs_f64(),
        commit_time.as_secs_f64(),
        total.as_secs_f64(),
        f.rows.len() as f64 / total.as_secs_f64()
    );
    Ok(total)
}
