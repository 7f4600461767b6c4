//! Prints timings and peak memory of jaring's heavy paths. Run in release mode:
//! `cargo run --release -p jaring-bench -- all`. Figures go to docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use anyhow::Result;
use clap::{Parser, ValueEnum};
use jaring_domain::{Nik, RegionCode, RegionLevel, Regions};
use jaring_store::Database;

mod guard_eval;
mod import_floor;
mod pg_floor;
mod sqlite_floor;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// What to measure.
    #[arg(value_enum, default_value = "all")]
    what: What,
    /// Residents to generate.
    #[arg(long, default_value_t = 233_000)]
    persons: usize,
    /// Repetitions for the short measurements (median reported).
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// PostgreSQL URL to also measure the load there.
    #[arg(long, env = "JARING_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// For `write-xlsx` and `sqlite-floor`: the CSV to read.
    #[arg(long)]
    from: Option<std::path::PathBuf>,
    /// For `write-xlsx`: the workbook to write; for `sqlite-floor`: the database to create.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// For `link-eval`: directory written by `jaring generate`.
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// For `coverage`: the region to populate.
    #[arg(long, default_value = "53")]
    region: String,
    /// For `write-xlsx`: data rows to copy.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// For `guard-eval`: the seeds, one regency each.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// For `guard-eval`: records of each hard case per seed.
    #[arg(long, default_value_t = 50)]
    per_case: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum What {
    All,
    Regions,
    Nik,
    Generate,
    Load,
    /// Converts a CSV to an XLSX workbook (text cells, as careful operators keep NIKs), to measure
    /// Excel imports with `jaring import`.
    WriteXlsx,
    /// Links every generated list to the generated registry and scores the result against the ground
    /// truth (precision, recall, F1 per list and band), with times and peak memory.
    LinkEval,
    /// Coverage roll-up at province scale: generates `--persons` residents of `--region` (default NTT,
    /// 53), loads them with BPJS enrolments for about a quarter, then times the roll-up from a freshly
    /// opened database and from a stored snapshot.
    Coverage,
    /// The floor SQLite itself sets for a registry load (`--from registry.csv --out new.db`): the rows
    /// written with plain rusqlite and every shortcut of jaring's first load, none of jaring's work.
    SqliteFloor,
    /// jaring's registry import of `--from registry.csv` beside the floor of its database, side by
    /// side in one run: SQLite (plain rusqlite) and, with `--postgres`, PostgreSQL (plain `COPY`);
    /// medians of `--repeat` pairs and their ratio.
    ImportFloor,
    /// The auto band of death and appointment lists with the hard cases mixed in (namesakes, twins, a
    /// relative's NIK), through import and `jaring sync` with the default policy, on `--seeds`: living
    /// persons in the auto band, its recall, the review load.
    GuardEval,
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.what == What::WriteXlsx {
        return write_xlsx(&args);
    }
    if args.what == What::LinkEval {
        return link_eval(&args);
    }
    if args.what == What::Coverage {
        return coverage(&args);
    }
    if args.what == What::GuardEval {
        return guard_eval::run(args.persons, &args.seeds, args.per_case);
    }
    if args.what == What::SqliteFloor {
        let (Some(from), Some(out)) = (&args.from, &args.out) else {
            anyhow::bail!("sqlite-floor needs --from registry.csv and --out new.db");
        };
        sqlite_floor::write(&sqlite_floor::read(from)?, out)?;
        return Ok(());
    }
    if args.what == What::ImportFloor {
        let Some(from) = &args.from else {
            anyhow::bail!("import-floor needs --from registry.csv (of `jaring generate`)");
        };
        return import_floor::run(from, args.postgres.as_deref(), args.repeat);
    }
    let all = args.what == What::All;
    if all || args.what == What::Regions {
        // The first call parses the embedded list; this process has not touched it yet.
        let t = Instant::now();
        let n = Regions::national().len();
        let first = t.elapsed();
        let t = Instant::now();
        let villages = Regions::national().at_level(RegionLevel::Village).count();
        println!(
            "regions: parsed {n} codes in {:.1} ms (first use); scan of {villages} villages {:.1} ms",
            first.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    if all || args.what == What::Nik {
        let g = jaring_synth::generate(&jaring_synth::Config {
            persons: 100_000,
            ..Default::default()
        })?;
        let texts: Vec<String> = g
            .population
            .persons
            .iter()
            .filter_map(|p| p.nik)
            .map(|n| n.to_string())
            .collect();
        let mut runs = Vec::new();
        for _ in 0..args.repeat {
            let t = Instant::now();
            let ok = texts.iter().filter(|s| Nik::parse(s).is_ok()).count();
            runs.push(t.elapsed());
            assert_eq!(ok, texts.len());
        }
        let m = median(runs);
        println!(
            "nik: {} NIKs parsed and validated in {:.1} ms ({:.0} per second)",
            texts.len(),
            m.as_secs_f64() * 1e3,
            texts.len() as f64 / m.as_secs_f64()
        );
    }
    if all || args.what == What::Generate {
        let dir = tempfile::tempdir()?;
        let t = Instant::now();
        let g = jaring_synth::generate(&jaring_synth::Config {
            persons: args.persons,
            ..Default::default()
        })?;
        let gen = t.elapsed();
        let manifest = jaring_synth::write_dir(&g, dir.path())?;
        println!(
            "generate: {} persons, {} households, {} list records in {:.2} s ({:.2} s incl. writing CSV); peak RSS {:.0} MiB",
            manifest.persons,
            manifest.households,
            g.lists.truth.len(),
            gen.as_secs_f64(),
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
    if all || args.what == What::Load {
        let config = jaring_synth::Config {
            persons: args.persons,
            ..Default::default()
        };
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("bench.db");
        let db = Database::open(path.to_str().unwrap_or("bench.db"))?;
        measure_load(&db, &config, args.repeat)?;
        if let Some(url) = &args.postgres {
            let schema = format!("jaring_bench_{}", std::process::id());
            let db = Database::open_with(jaring_store::DatabaseOptions {
                url: url.clone(),
                pg_schema: Some(schema.clone()),
                pool_size: 4,
            })?;
            let result = measure_load(&db, &config, args.repeat);
            db.conn()?.batch(&format!("DROP SCHEMA {schema} CASCADE"))?;
            result?;
        }
    }
    Ok(())
}

fn measure_load(db: &Database, config: &jaring_synth::Config, repeat: usize) -> Result<()> {
    let summary = jaring_app::prepare_demo(db, config)?;
    println!(
        "load ({}): {} persons + {} households in {:.2} s ({:.0} persons/s)",
        db.describe(),
        summary.persons,
        summary.households,
        summary.load.as_secs_f64(),
        summary.persons as f64 / summary.load.as_secs_f64()
    );
    let mut runs = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let o = jaring_app::overview(db)?;
        runs.push(t.elapsed());
        assert_eq!(o.regency.persons as usize, summary.persons);
    }
    let regency = RegionCode::parse("53.04").map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "overview ({}): counts for {} and its 12 kecamatan, 81 villages in {:.1} ms (median of {repeat})",
        db.describe(),
        regency,
        median(runs).as_secs_f64() * 1e3
    );
    Ok(())
}

fn write_xlsx(args: &Args) -> Result<()> {
    let (Some(from), Some(out)) = (&args.from, &args.out) else {
        anyhow::bail!("write-xlsx needs --from CSV and --out XLSX");
    };
    let t = Instant::now();
    let mut reader = csv::Reader::from_path(from)?;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (j, h) in reader.headers()?.iter().enumerate() {
        sheet.write_string(0, j as u16, h)?;
    }
    let mut n = 0;
    for (i, record) in reader.records().take(args.rows).enumerate() {
        for (j, cell) in record?.iter().enumerate() {
            sheet.write_string(i as u32 + 1, j as u16, cell)?;
        }
        n += 1;
    }
    workbook.save(out)?;
    println!(
        "write-xlsx: {n} rows to {} in {:.2} s",
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn link_eval(args: &Args) -> Result<()> {
    use std::collections::HashMap;
    let Some(dir) = &args.dir else {
        anyhow::bail!("link-eval needs --dir (from `jaring generate --out DIR`)");
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default();
    let roles = jaring_formats::people::Roles::default();
    let t = Instant::now();
    let registry = jaring_formats::people::load_people(&dir.join("registry.csv"), &roles, today)?;
    println!(
        "registry: {} records read in {:.2} s",
        registry.records.len(),
        t.elapsed().as_secs_f64()
    );
    let mut truth: HashMap<(String, String), Option<String>> = HashMap::new();
    for row in csv::Reader::from_path(dir.join("ground_truth.csv"))?.records() {
        let row = row?;
        let person = (!row[2].is_empty()).then(|| row[2].to_string());
        truth.insert((row[0].to_string(), row[1].to_string()), person);
    }
    println!("| list | records | candidate pairs | band | predicted | precision | recall | F1 | link time |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (list, file) in [
        ("deaths", "deaths.csv"),
        ("asn", "asn_pppk.csv"),
        ("bpjs", "bpjs_membership.csv"),
        ("dtsen", "dtsen.csv"),
    ] {
        let people = jaring_formats::people::load_people(&dir.join(file), &roles, today)?;
        let t = Instant::now();
        let linkage = jaring_linkage::link(
            &registry.records,
            &people.records,
            &jaring_linkage::Options::default(),
        );
        let chosen = jaring_linkage::one_to_one(&linkage.pairs);
        let elapsed = t.elapsed().as_secs_f64();
        let positives = people
            .records
            .iter()
            .filter(|r| {
                truth
                    .get(&(list.to_string(), r.id.clone()))
                    .is_some_and(|p| p.is_some())
            })
            .count();
        for (band, threshold) in [("p ≥ 0.99", 0.99), ("p ≥ 0.9", 0.9), ("p ≥ 0.5", 0.5)] {
            let predicted: Vec<_> = chosen
                .iter()
                .filter(|p| p.probability >= threshold)
                .collect();
            let correct = predicted
                .iter()
                .filter(|p| {
                    let rid = &people.records[p.right as usize].id;
                    let lid = &registry.records[p.left as usize].id;
                    truth
                        .get(&(list.to_string(), rid.clone()))
                        .and_then(|x| x.as_ref())
                        == Some(lid)
                })
                .count();
            let precision = correct as f64 / predicted.len().max(1) as f64;
            let recall = correct as f64 / positives.max(1) as f64;
            let f1 = 2.0 * precision * recall / (precision + recall).max(1e-9);
            if std::env::var("JARING_BENCH_SHOW_ERRORS").is_ok() && threshold > 0.9 {
                for p in predicted
                    .iter()
                    .filter(|p| {
                        let rid = &people.records[p.right as usize].id;
                        truth
                            .get(&(list.to_string(), rid.clone()))
                            .and_then(|x| x.as_ref())
                            != Some(&registry.records[p.left as usize].id)
                    })
                    .take(4)
                {
                    let (l, r) = (
                        &registry.records[p.left as usize],
                        &people.records[p.right as usize],
                    );
                    eprintln!(
                        "WRONG {list}: {:?} {:?} {:?} | {:?} {:?} {:?} p={:.4} truth={:?}",
                        l.name.joined(),
                        l.nik,
                        l.birth_date,
                        r.name.joined(),
                        r.nik,
                        r.birth_date,
                        p.probability,
                        truth.get(&(list.to_string(), r.id.clone()))
                    );
                    for c in linkage.model.explain(&p.gamma) {
                        eprintln!("    {:?} {:?} {:+.2}", c.field, c.level, c.weight);
                    }
                }
                eprintln!(
                    "model m {:?}\n u {:?}\n prior {}",
                    linkage.model.m, linkage.model.u, linkage.model.prior
                );
            }
            println!(
                "| {list} | {} | {} | {band} | {} | {precision:.4} | {recall:.4} | {f1:.4} | {elapsed:.2} s |",
                people.records.len(),
                linkage.blocking.candidate_pairs,
                predicted.len()
            );
        }
    }
    println!("peak RSS {:.0} MiB", peak_rss_mib());
    Ok(())
}

/// Loads a generated province with enrolments into `db` (already migrated), then times the roll-up.
fn coverage_on(db: &Database, url: &str, args: &Args, g: &jaring_synth::Generated) -> Result<()> {
    let region = RegionCode::parse(&args.region).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    jaring_store::regions::seed_regions(db, region)?;
    jaring_store::registry::bulk_load(db, &g.population.households, &g.population.persons)?;
    jaring_store::settings::set(
        &mut db.conn()?,
        jaring_app::SETTING_REGENCY,
        &region.to_string(),
    )?;
    // A quarter of the residents are members, paid through recent months; some have lapsed.
    let as_of = jaring_domain::today();
    let start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or(as_of);
    let programmes = ["bpu_apbd_kab", "bpu_apbd_prov", "bpu_apbdes", "bpu_mandiri"];
    db.transaction(|tx| -> Result<(), jaring_store::StoreError> {
        let now = tx.now();
        tx.insert_rows(
            "enrolments",
            &[
                "person_id",
                "programme_code",
                "kpj",
                "start_date",
                "paid_through",
                "created_at",
                "updated_at",
            ],
            g.population
                .persons
                .iter()
                .filter(|p| p.id.0 % 4 == 0)
                .map(|p| {
                    let behind = (p.id.0 % 7) as u32;
                    let paid = as_of
                        .checked_sub_months(chrono::Months::new(behind))
                        .unwrap_or(as_of);
                    vec![
                        jaring_store::Value::Int(p.id.0),
                        jaring_store::Value::from(programmes[(p.id.0 / 4 % 4) as usize]),
                        jaring_store::Value::Text(format!("{}", 23_000_000_000i64 + p.id.0)),
                        jaring_store::Value::Date(start),
                        jaring_store::Value::Date(paid),
                        now.clone(),
                        now.clone(),
                    ]
                }),
        )?;
        Ok(())
    })?;
    jaring_store::registry::refresh_statistics(db, &["enrolments"])?;
    println!(
        "coverage ({}): loaded {} persons + enrolments in {:.1} s",
        db.describe(),
        g.population.persons.len(),
        t.elapsed().as_secs_f64()
    );
    // Cold: a freshly opened database (new connections, empty statement caches), no snapshot.
    let cold_db = Database::open(url)?;
    let t = Instant::now();
    let report = jaring_app::coverage::coverage(&cold_db, Some(region), as_of, false)?;
    let cold = t.elapsed();
    let top = report
        .rows
        .first()
        .map(|r| r.rate.to_string())
        .unwrap_or_default();
    println!(
        "coverage ({}): roll-up of {} regions (villages → kecamatan → kabupaten → province) from cold in {:.2} s: {top}",
        db.describe(),
        report.rows.len(),
        cold.as_secs_f64()
    );
    let t = Instant::now();
    let n = jaring_app::coverage::take_snapshot(&cold_db, &job("test"), as_of)?;
    println!(
        "coverage ({}): snapshot of {n} regions stored in {:.2} s",
        db.describe(),
        t.elapsed().as_secs_f64()
    );
    let regency = Regions::national()
        .children(region)
        .map(|r| r.code)
        .next()
        .unwrap_or(region);
    let mut runs = Vec::new();
    for _ in 0..args.repeat {
        let t = Instant::now();
        let r = jaring_app::coverage::coverage(&cold_db, Some(regency), as_of, true)?;
        runs.push(t.elapsed());
        assert!(r.from_snapshot);
    }
    println!(
        "coverage ({}): regency {regency} with its kecamatan and villages from the snapshot in {:.1} ms (median of {})",
        db.describe(),
        median(runs).as_secs_f64() * 1e3,
        args.repeat
    );
    Ok(())
}

fn coverage(args: &Args) -> Result<()> {
    let region = RegionCode::parse(&args.region).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    let g = jaring_synth::generate(&jaring_synth::Config {
        persons: args.persons,
        region,
        ..Default::default()
    })?;
    println!(
        "coverage: generated {} persons of {region} in {:.1} s; peak RSS {:.0} MiB",
        g.population.persons.len(),
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("province.db");
    let url = path.to_str().unwrap_or("province.db").to_string();
    coverage_on(&Database::open(&url)?, &url, args, &g)?;
    if let Some(pg) = &args.postgres {
        let schema = format!("jaring_bench_cov_{}", std::process::id());
        let db = Database::open_with(jaring_store::DatabaseOptions {
            url: pg.clone(),
            pg_schema: Some(schema.clone()),
            pool_size: 4,
        })?;
        let sep = if pg.contains('?') { '&' } else { '?' };
        let pg_url = format!("{pg}{sep}options=-c%20search_path%3D{schema}");
        let result = coverage_on(&db, &pg_url, args, &g);
        if std::env::var_os("JARING_BENCH_KEEP").is_none() {
            db.conn()?.batch(&format!("DROP SCHEMA {schema} CASCADE"))?;
        } else {
            println!("kept schema {schema}");
        }
        result?;
    }
    Ok(())
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}
