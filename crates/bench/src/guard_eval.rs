//! `guard-eval`: the death and appointment lists of generated regencies, hard cases mixed in, through
//! the production path (import, `jaring sync` with the default policy), scored against the ground
//! truth: living persons in the auto band (the goal is none), recall of the auto band (of every true
//! match, and of those whose record carries a usable NIK), and the review load.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_app::sync::{sync, SyncPolicy};
use jaring_domain::ListKind;
use jaring_linkage::AutoRules;
use jaring_store::Database;

/// What one list scored on one seed.
#[derive(Debug, Default)]
struct Score {
    records: usize,
    positives: usize,
    positives_with_nik: usize,
    auto: usize,
    auto_wrong: usize,
    auto_correct: usize,
    auto_correct_with_nik: usize,
    review: usize,
}

/// (file, record id) → the registry person the record is about.
type Truth = HashMap<(String, String), Option<i64>>;

fn import(db: &Database, dir: &Path, file: &str, kind: ListKind) -> Result<()> {
    let req = ImportRequest {
        path: dir.join(file),
        file_name: None,
        kind,
        mapping: None,
        sheet: None,
        village: None,
        error_file: None,
        today: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
    };
    let r = import_file(db, &super::job("bench"), &req, &NoProgress)
        .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    anyhow::ensure!(r.counts.rejected == 0, "{file}: rows rejected");
    Ok(())
}

/// Scores of a list's records from `file`.
fn score(db: &Database, kind: &str, file: &str, truth: &Truth) -> Result<Score> {
    let rows = db.conn()?.query(
        "SELECT i.file_name, s.source_line, m.band, m.person_id, s.nik, m.probability, \
         s.nik_raw || ' ' || s.name || ' ' || coalesce(s.birth_date, '-') || ' ' || coalesce(s.village_code, '-'), \
         coalesce(p.nik, '-') || ' ' || p.name || ' ' || coalesce(p.birth_date, '-') || ' ' || coalesce(p.village_code, '-') \
         FROM match_candidates m JOIN staged_records s ON s.id = m.staged_id \
         JOIN imports i ON i.id = s.import_id LEFT JOIN persons p ON p.id = m.person_id \
         WHERE m.kind = $1 AND i.file_name = $2",
        &[kind.into(), file.into()],
    )?;
    let mut s = Score::default();
    for r in rows {
        let file = r.text(0)?;
        // Death and appointment records are numbered by their row.
        let key = (file.clone(), (r.i64(1)? - 1).to_string());
        let expected = *truth
            .get(&key)
            .with_context(|| format!("no truth for {key:?}"))?;
        let with_nik = r.opt_text(4)?.is_some();
        s.records += 1;
        if expected.is_some() {
            s.positives += 1;
            s.positives_with_nik += usize::from(with_nik);
        }
        match r.text(2)?.as_str() {
            "auto" => {
                s.auto += 1;
                let person = r.opt_i64(3)?;
                if person.is_some() && person == expected {
                    s.auto_correct += 1;
                    s.auto_correct_with_nik += usize::from(with_nik);
                } else {
                    s.auto_wrong += 1;
                    eprintln!(
                        "WRONG {file}:{}: record {:?} → person {person:?} {:?} p={:.6} (truth {expected:?})",
                        r.i64(1)?,
                        r.opt_text(6)?,
                        r.opt_text(7)?,
                        r.f64(5)?
                    );
                }
            }
            "review" => s.review += 1,
            _ => {}
        }
    }
    Ok(s)
}

fn pct(a: usize, b: usize) -> String {
    format!("{:.2} %", 100.0 * a as f64 / b.max(1) as f64)
}

/// Runs the evaluation for each seed on a fresh SQLite database.
pub fn run(persons: usize, seeds: &[u64], per_case: usize) -> Result<()> {
    println!(
        "| residents | seed | policy | file | records | true matches | auto | living or wrong person in auto | \
         auto recall | recall, records with NIK | review load | sync time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &seed in seeds {
        let dir = tempfile::tempdir()?;
        let g = jaring_synth::generate(&jaring_synth::Config {
            persons,
            seed,
            ..Default::default()
        })?;
        jaring_synth::write_dir(&g, dir.path())?;
        let hard = jaring_synth::hard::hard_cases(&g, seed, per_case);
        jaring_synth::hard::write_list(&hard.deaths, dir.path())?;
        jaring_synth::hard::write_list(&hard.asn, dir.path())?;
        let file_of = |list: &str| match list {
            "deaths" => "deaths.csv",
            "asn" => "asn_pppk.csv",
            "bpjs" => "bpjs_membership.csv",
            _ => "dtsen.csv",
        };
        let mut truth: Truth = g
            .lists
            .truth
            .iter()
            .map(|t| {
                (
                    (file_of(t.list).to_string(), t.record_id.clone()),
                    t.person_id,
                )
            })
            .collect();
        for t in &hard.truth {
            let file = if t.list == "deaths" {
                hard.deaths.file_name
            } else {
                hard.asn.file_name
            };
            truth.insert((file.to_string(), t.record_id.clone()), t.person_id);
        }
        drop(g);
        let path = dir.path().join("guard.db");
        let db = Database::open(path.to_str().unwrap_or("guard.db"))?;
        let t = Instant::now();
        import(&db, dir.path(), "registry.csv", ListKind::Registry)?;
        eprintln!(
            "seed {seed}: registry imported in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        for (file, kind) in [
            ("deaths.csv", ListKind::Deaths),
            ("hard_deaths.csv", ListKind::Deaths),
            ("asn_pppk.csv", ListKind::Asn),
            ("hard_asn.csv", ListKind::Asn),
        ] {
            import(&db, dir.path(), file, kind)?;
        }
        // The probability alone first (what the auto band was before the rules), then the default policy.
        let unguarded = SyncPolicy {
            rules: [ListKind::Deaths, ListKind::Asn]
                .into_iter()
                .map(|k| (k, AutoRules::unguarded()))
                .collect(),
            ..SyncPolicy::default()
        };
        for (policy_name, policy) in [
            ("probability only", unguarded),
            ("default rules", SyncPolicy::default()),
        ] {
            let summaries = sync(
                &db,
                &super::job("bench"),
                &[ListKind::Deaths, ListKind::Asn],
                &policy,
            )
            .map_err(|e| anyhow::anyhow!("sync: {e}"))?;
            for (summary, list, files) in [
                (
                    &summaries[0],
                    "deaths",
                    ["deaths.csv", hard.deaths.file_name],
                ),
                (&summaries[1], "asn", ["asn_pppk.csv", hard.asn.file_name]),
            ] {
                for file in files {
                    let s = score(&db, list, file, &truth)?;
                    println!(
                        "| {persons} | {seed} | {policy_name} | {file} | {} | {} | {} | {} | {} | {} | {} | {:.2} s |",
                        s.records,
                        s.positives,
                        s.auto,
                        s.auto_wrong,
                        pct(s.auto_correct, s.positives),
                        pct(s.auto_correct_with_nik, s.positives_with_nik),
                        pct(s.review, s.records),
                        summary.elapsed.as_secs_f64()
                    );
                }
                let held: Vec<String> = summary
                    .held_back
                    .iter()
                    .map(|(r, n)| format!("{} {n}", r.as_code()))
                    .collect();
                eprintln!(
                    "seed {seed} {policy_name} {list}: held back {}",
                    held.join(", ")
                );
            }
        }
    }
    println!("peak RSS {:.0} MiB", super::peak_rss_mib());
    Ok(())
}
