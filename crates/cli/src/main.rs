//! The `jaring` command. Thin: parses arguments, calls the app layer, prints for people.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::ProgressBar;
use jaring_domain::{Bilingual, Nik, NoKk, RegionCode, Regions};
use jaring_store::Database;

/// jaring — registri pekerja & cakupan BPJS Ketenagakerjaan untuk kabupaten.
/// A worker registry and BPJS Ketenagakerjaan coverage system for Indonesian regencies.
#[derive(Parser)]
#[command(name = "jaring", version)]
struct Cli {
    /// Database: a SQLite file path (default ./jaring.db) or postgres://user@host/db.
    #[arg(long, global = true, env = "JARING_DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default when no command is given).
    Serve {
        #[command(flatten)]
        options: serve::ServeArgs,
    },
    /// Generate a synthetic Belu into a fresh database and start the server.
    Demo {
        /// Number of residents to generate.
        #[arg(long, default_value_t = 233_000)]
        persons: usize,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only prepare the data; do not start the server.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        options: serve::ServeArgs,
    },
    /// Write a synthetic regency (registry, external lists, ground truth) as CSV files.
    Generate {
        /// Number of registry residents.
        #[arg(long, default_value_t = 233_000)]
        persons: usize,
        /// Random seed; the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Region to populate (a regency code such as 53.04).
        #[arg(long, default_value = "53.04")]
        region: String,
        /// The date the data describes (YYYY-MM-DD).
        #[arg(long, default_value = "2026-10-31")]
        as_of: NaiveDate,
    },
    /// Import a list file (CSV, XLSX, XLS). Exit code 0: every row accepted; 2: imported, some rows
    /// rejected (see the error file); 1: nothing imported.
    Import {
        /// Kind of list.
        #[arg(long, value_parser = ["registry", "dtsen", "deaths", "asn", "bpjs"])]
        kind: String,
        /// The file.
        file: PathBuf,
        /// TOML column mapping for files the built-in headings do not recognise.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Sheet of a workbook (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Village of every row, for a registry file without a village-code column (OpenSID export).
        #[arg(long)]
        village: Option<String>,
        /// Where to write rejected rows (default: beside the file, `<name>.kesalahan.<ext>`).
        #[arg(long)]
        errors: Option<PathBuf>,
        /// Who is importing (recorded in the import journal).
        #[arg(long, env = "USER", default_value = "cli")]
        actor: String,
    },
    /// Link two lists of persons (CSV or Excel): which record of RIGHT is which person of LEFT. Writes
    /// every candidate pair above --min-probability with its weight and a field-by-field explanation.
    Link {
        /// The first list (e.g. the registry).
        left: Option<PathBuf>,
        /// The second list (e.g. a death list).
        right: Option<PathBuf>,
        /// Find the same person twice inside one list instead.
        #[arg(long, conflicts_with_all = ["left", "right"])]
        dedupe: Option<PathBuf>,
        /// Output CSV.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        roles: link::RoleArgs,
        /// Keep each record in at most one pair (lists where a person appears once).
        #[arg(long)]
        one_to_one: bool,
        /// Pairs below this probability are not written.
        #[arg(long, default_value_t = 0.5)]
        min_probability: f64,
        /// Weigh an exact name match by how common the name is in the right list (term frequency).
        #[arg(long)]
        term_frequency: bool,
    },
    /// Link the staged external lists to the registry and store match candidates in bands: auto,
    /// review, no match.
    Sync {
        /// Lists to synchronise (default: every kind with staged records).
        #[arg(long, value_parser = ["dtsen", "deaths", "asn", "bpjs"])]
        kind: Vec<String>,
        /// Band thresholds per list: `deaths=0.995:0.5,dtsen=0.99:0.6` (upper:lower probability);
        /// these override the policy file's.
        #[arg(long)]
        thresholds: Option<String>,
        /// Policy file (TOML): per list, thresholds and the rules a pair must pass to enter the auto
        /// band (docs/SYNC_POLICY.md). Without it, the defaults.
        #[arg(long, env = "JARING_SYNC_POLICY")]
        policy: Option<std::path::PathBuf>,
        /// Who runs it (recorded in the audit log with the policy used).
        #[arg(long, env = "USER", default_value = "cli")]
        actor: String,
    },
    /// Background jobs (shared with the web server): the latest, or `--run` to run the queued ones
    /// and the schedules due now in this process (for a machine where no server runs).
    Jobs {
        /// Run queued jobs and due schedules, then list.
        #[arg(long)]
        run: bool,
        /// Where jobs write their files (default: beside the database).
        #[arg(long, env = "JARING_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Death notifications from a civil registry delivered as a file (the same JSON the intake
    /// endpoint accepts), stored by event id and turned into death proposals; events received before
    /// change nothing, events stored but not processed (a crash) are processed now.
    Intake {
        /// The sender's format: `dci` (CRVS notify) or `opencrvs` (FHIR bundle).
        #[arg(long, value_parser = ["dci", "opencrvs"])]
        source: String,
        /// The JSON file.
        file: PathBuf,
    },
    /// The review queue: proposals made from synchronised lists and operators' edits.
    Review {
        #[command(subcommand)]
        command: review::ReviewCommand,
        /// Who is deciding (recorded in the audit log).
        #[arg(long, global = true, env = "USER", default_value = "cli")]
        actor: String,
    },
    /// Coverage (UCJ) per regency, kecamatan and village: active members over the denominator.
    Coverage(coverage::CoverageArgs),
    /// Eligible workers not yet covered (the gap list), or why one person is (not) eligible.
    Gap(coverage::GapArgs),
    /// What it costs to reach a coverage target or a quota, or what a budget buys.
    Budget(coverage::BudgetArgs),
    /// Programmes: sponsors, premiums, quotas and eligibility rules.
    Programme {
        #[command(subcommand)]
        command: coverage::ProgrammeCommand,
    },
    /// The hash-chained audit log: verify it, or read it per person, region or actor.
    Audit {
        #[command(subcommand)]
        command: review::AuditCommand,
    },
    /// Files for BPJS TK and reports: terminations, enrolments, coverage, claims (CSV or XLSX).
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Benefit claims (santunan): list, show, open, update, submit, verify, pay, reject, totals.
    Claim {
        #[command(subcommand)]
        command: claim::ClaimCommand,
        /// Who is doing this (recorded in the audit log).
        #[arg(long, env = "JARING_ACTOR", default_value = "cli")]
        actor: String,
    },
    /// User accounts: add, passwd, disable, enable, list, token.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
        /// Who is doing this (recorded in the audit log).
        #[arg(long, env = "JARING_ACTOR", default_value = "cli")]
        actor: String,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Check NIKs or family-card numbers and explain what they say (or what is wrong).
    Nik {
        /// Numbers to check.
        #[arg(required = true)]
        numbers: Vec<String>,
        /// Treat the numbers as family-card (KK) numbers.
        #[arg(long)]
        kk: bool,
    },
    /// List regions: the provinces, or the children of a code.
    Regions {
        /// A region code such as 53.04.
        code: Option<String>,
    },
    /// Write a checked backup of the database (SQLite: online backup API, safe while serving;
    /// PostgreSQL: pg_dump custom format).
    Backup {
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into the empty database named by --database, migrate it and check it.
    Restore {
        /// The backup file (from `jaring backup`).
        file: PathBuf,
        /// Who restores (recorded in the audit log).
        #[arg(long, default_value = "cli")]
        actor: String,
    },
}

mod claim;
mod coverage;
mod export;
mod import;
mod jobs;
mod link;
mod review;
mod serve;
mod user;

/// mimalloc: imports and generation allocate many small strings; it cuts their time by a fifth.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_DB: &str = "jaring.db";
const DEMO_DB: &str = "jaring-demo.db";

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JARING_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,jaring_web=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Plain `jaring` serves, with the options `jaring serve` reads from the environment.
    match cli.command.unwrap_or_else(|| Command::Serve {
        options: serve::ServeArgs::from_environment(),
    }) {
        Command::Serve { options } => {
            let url = match cli.database.clone() {
                Some(u) => u,
                None => options
                    .file()?
                    .database
                    .unwrap_or_else(|| DEFAULT_DB.into()),
            };
            serve::serve(open(&url)?, &url, &options)
        }
        Command::Demo {
            persons,
            seed,
            no_serve,
            options,
        } => demo(cli.database.as_deref(), persons, seed, no_serve, &options),
        Command::Generate {
            persons,
            seed,
            out,
            region,
            as_of,
        } => generate(persons, seed, &out, &region, as_of),
        Command::Import {
            kind,
            file,
            mapping,
            sheet,
            village,
            errors,
            actor,
        } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            import::run(&db, &kind, file, mapping, sheet, village, errors, actor)
        }
        Command::Link {
            left,
            right,
            dedupe,
            out,
            roles,
            one_to_one,
            min_probability,
            term_frequency,
        } => link::run(
            left,
            right,
            dedupe,
            &out,
            &roles,
            one_to_one,
            min_probability,
            term_frequency,
        ),
        Command::Sync {
            kind,
            thresholds,
            policy,
            actor,
        } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            sync(&db, &kind, thresholds.as_deref(), policy.as_deref(), &actor)
        }
        Command::Jobs { run, data_dir } => {
            let url = cli.database.as_deref().unwrap_or(DEFAULT_DB);
            let db = open(url)?;
            let dir = data_dir.unwrap_or_else(|| serve::default_data_dir(url));
            jobs::list(&db, run, &dir)
        }
        Command::Intake { source, file } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            jobs::intake(&db, &source, &file)
        }
        Command::Review { command, actor } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            review::run(&db, command, &actor)
        }
        Command::Coverage(args) => {
            coverage::coverage_cmd(&open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?, args)
        }
        Command::Gap(args) => {
            coverage::gap_cmd(&open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?, args)
        }
        Command::Budget(args) => {
            coverage::budget_cmd(&open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?, args)
        }
        Command::Programme { command } => coverage::programme_cmd(
            &open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?,
            command,
        ),
        Command::Audit { command } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            review::audit(&db, command)
        }
        Command::Export { command } => export::run(
            &open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?,
            command,
        ),
        Command::Claim { command, actor } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            claim::run(&db, command, &actor)
        }
        Command::User { command, actor } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            user::run(&db, command, &actor)
        }
        Command::Migrate => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            let v = jaring_store::migrate::current_version(&db)?;
            println!("{}: skema versi {v} / schema version {v}", db.describe());
            Ok(())
        }
        Command::Backup { out } => {
            let db = open(cli.database.as_deref().unwrap_or(DEFAULT_DB))?;
            let summary = jaring_store::backup::backup(&db, &out)
                .with_context(|| format!("backup to {} failed", out.display()))?;
            println!(
                "Cadangan ditulis / backup written: {} ({} entri audit utuh / audit entries verified)",
                out.display(),
                summary.audit_entries
            );
            print_counts(&summary.counts);
            Ok(())
        }
        Command::Restore { file, actor } => {
            let url = cli.database.as_deref().unwrap_or(DEFAULT_DB);
            let (db, summary) =
                jaring_store::backup::restore(&file, &jaring_store::DatabaseOptions::new(url))
                    .with_context(|| format!("restore of {} into {url} failed", file.display()))?;
            // A backup of a database that serves no regency and has no accounts holds nothing to
            // attribute; every other restore is recorded.
            match jaring_app::accounts::cli_principal(&db, &actor, None) {
                Ok(who) => jaring_app::auditlog::record_restore(
                    &db,
                    &who,
                    &file.display().to_string(),
                    &summary.counts,
                )?,
                Err(jaring_app::AppError::NoRegency) => {}
                Err(e) => return Err(e.into()),
            }
            println!(
                "Dipulihkan / restored into {}: {} entri audit utuh / audit entries verified",
                db.describe(),
                summary.audit_entries
            );
            print_counts(&summary.counts);
            Ok(())
        }
        Command::Nik { numbers, kk } => check_numbers(&numbers, kk),
        Command::Regions { code } => list_regions(code.as_deref()),
    }
}

fn print_counts(counts: &[(String, i64)]) {
    for (table, n) in counts {
        println!("  {table:<20} {n:>12}");
    }
}

fn open(url: &str) -> Result<Database> {
    Database::open(url).with_context(|| format!("cannot open database {url}"))
}

fn remove_sqlite_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p)
                .with_context(|| format!("cannot remove old demo database {}", p.display()))?;
        }
    }
    Ok(())
}

fn demo(
    database: Option<&str>,
    persons: usize,
    seed: u64,
    no_serve: bool,
    options: &serve::ServeArgs,
) -> Result<()> {
    let url = database.unwrap_or(DEMO_DB);
    let is_postgres = url.starts_with("postgres");
    if !is_postgres {
        // The demo always starts from a fresh embedded database so it shows exactly what it generates.
        remove_sqlite_files(Path::new(url.strip_prefix("sqlite://").unwrap_or(url)))?;
    }
    let db = open(url)?;
    {
        let mut conn = db.conn()?;
        if conn.query_i64("SELECT COUNT(*) FROM persons", &[])? > 0 {
            bail!("database {url} already holds residents; the demo only loads into an empty database");
        }
    }
    println!("Membuat data demo Kabupaten Belu ({persons} penduduk, seed {seed}) …");
    println!("Generating demo data for Belu regency ({persons} residents, seed {seed}) …");
    let config = jaring_synth::Config {
        persons,
        seed,
        ..jaring_synth::Config::default()
    };
    let summary = jaring_app::prepare_demo(&db, &config)?;
    println!(
        "Selesai / done: {} penduduk, {} KK, {} wilayah — dibuat {:.1} s, dimuat {:.1} s ({})",
        summary.persons,
        summary.households,
        summary.regions,
        summary.generate.as_secs_f64(),
        summary.load.as_secs_f64(),
        db.describe()
    );
    println!(
        "Daftar luar diimpor dan disinkronkan / external lists imported and synchronised ({:.1} s):",
        summary.sync.as_secs_f64()
    );
    for l in &summary.lists {
        println!(
            "  {:<7} {:>7} catatan/records · otomatis/auto {:>7} · tinjau/review {:>5} · tidak cocok/no match {:>5}",
            l.kind.as_code(),
            l.records,
            l.auto,
            l.review,
            l.no_match
        );
    }
    println!(
        "Usulan / proposals: {} · kepesertaan BPJS dicatat / BPJS memberships recorded: {} · sisanya menunggu peninjauan / the rest await review (jaring --database {url} review list)",
        summary.proposals, summary.memberships
    );
    println!(
        "Akun demo / demo accounts (kata sandi / password: {}):",
        jaring_app::demo::DEMO_PASSWORD
    );
    for (username, role, code, name) in &summary.accounts {
        println!("  {username:<10} {:<20} {code} {name}", role.label_id());
    }
    println!("Akun demo wajib mengganti kata sandi bila basis data tidak lagi dalam mode demo.");
    println!("Demo accounts must change their password once the database leaves demo mode.");
    if no_serve {
        return Ok(());
    }
    serve::serve(db, url, options)
}

fn generate(persons: usize, seed: u64, out: &Path, region: &str, as_of: NaiveDate) -> Result<()> {
    let region = RegionCode::parse(region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    if !Regions::national().is_current(region) {
        bail!("--region {region}: kode wilayah tidak ada / no such region");
    }
    let started = Instant::now();
    let config = jaring_synth::Config {
        persons,
        seed,
        region,
        as_of,
        ..jaring_synth::Config::default()
    };
    let generated = jaring_synth::generate(&config)?;
    let generated_in = started.elapsed();
    let manifest = jaring_synth::write_dir(&generated, out)?;
    println!(
        "{} penduduk, {} KK → {} ({:.2} s generate, {:.2} s total)",
        manifest.persons,
        manifest.households,
        out.display(),
        generated_in.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    for (file, rows) in &manifest.files {
        println!("  {file:<22} {rows:>8} baris/rows");
    }
    Ok(())
}

fn sync(
    db: &Database,
    kinds: &[String],
    thresholds: Option<&str>,
    policy: Option<&std::path::Path>,
    actor: &str,
) -> Result<()> {
    use jaring_app::sync::{SyncPolicy, Thresholds};
    use jaring_domain::ListKind;
    let kinds: Vec<ListKind> = if kinds.is_empty() {
        jaring_app::sync::staged_kinds(db)?
    } else {
        kinds
            .iter()
            .filter_map(|k| ListKind::from_code(k))
            .collect()
    };
    if kinds.is_empty() {
        bail!("belum ada daftar yang diimpor / no external list imported yet: run `jaring import --kind deaths FILE` first");
    }
    let mut policy = match policy {
        Some(path) => SyncPolicy::from_toml(
            &std::fs::read_to_string(path)
                .with_context(|| format!("kebijakan / policy {}", path.display()))?,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => SyncPolicy::default(),
    };
    for item in thresholds
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        let (kind, values) = item
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--thresholds: '{item}' is not kind=upper:lower"))?;
        let kind = ListKind::from_code(kind.trim())
            .ok_or_else(|| anyhow::anyhow!("--thresholds: unknown list '{kind}'"))?;
        let (upper, lower) = values
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--thresholds: '{values}' is not upper:lower"))?;
        let t = Thresholds {
            upper: upper.trim().parse()?,
            lower: lower.trim().parse()?,
        };
        if let Err(e) = t.check() {
            bail!("--thresholds: {kind}: {e}");
        }
        policy.thresholds.insert(kind, t);
    }
    let who = jaring_app::accounts::cli_principal(db, actor, None)?;
    let bar = ProgressBar::hidden();
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (job, summaries) = jaring_app::jobs::record(
        db,
        &who,
        jaring_app::jobs::JobKind::Sync,
        &jobs::Bar(bar.clone()),
        |progress| {
            let s = jaring_app::sync::sync_reporting(db, &who, &kinds, &policy, progress)?;
            let result = serde_json::json!({
                "lines": s.iter().map(|s| format!(
                    "{}: {} catatan / records · otomatis / auto {} · tinjau / review {} · tidak cocok / no match {}",
                    s.kind.as_code(), s.records, s.auto, s.review, s.no_match)).collect::<Vec<_>>(),
            });
            Ok((s, result))
        },
    )?;
    bar.finish_and_clear();
    println!("tugas / job #{}", job.id);
    println!(
        "daftar/list       catatan   otomatis/auto   tinjau/review   tidak cocok/no match   waktu"
    );
    for s in summaries {
        println!(
            "{:<16} {:>8} {:>15} {:>15} {:>22}   {:.1} s{}",
            s.kind.as_code(),
            s.records,
            s.auto,
            s.review,
            s.no_match,
            s.elapsed.as_secs_f64(),
            if s.nik_conflicts > 0 {
                format!("  ({} NIK sama, nama atau tgl lahir beda → tinjau / same NIK, another name or birth date → review)", s.nik_conflicts)
            } else {
                String::new()
            }
        );
        // Pairs the probability alone would have put in the auto band, and the rule that held each.
        for (reason, n) in &s.held_back {
            println!(
                "    {n:>6}  {}\n            {}",
                reason.label_id(),
                reason.label_en()
            );
        }
    }
    review::generate(db, &who)?;
    println!("Tinjau dengan / review with: jaring review list");
    Ok(())
}

/// `jaring jobs [--run]`.
/// Prints why a number is wrong, Indonesian first, English aligned beneath.
fn print_wrong(number: &str, e: &dyn Bilingual) {
    println!(
        "{number}  SALAH: {}\n{}  WRONG: {}",
        e.id(),
        " ".repeat(number.len()),
        e.en()
    );
}

fn check_numbers(numbers: &[String], kk: bool) -> Result<()> {
    let regions = Regions::national();
    let name = |c: RegionCode| regions.get(c).map(|r| r.name.clone()).unwrap_or_default();
    let mut failures = 0;
    for n in numbers {
        if kk {
            match NoKk::parse(n) {
                Ok(k) => println!("{k}  OK  kecamatan {} {}", k.district(), name(k.district())),
                Err(e) => {
                    failures += 1;
                    print_wrong(n, &e);
                }
            }
            continue;
        }
        match Nik::parse(n) {
            Ok(nik) => {
                let d = nik.registration_district();
                println!(
                    "{nik}  OK  {} lahir {} · kecamatan pendaftaran {d} {}{}",
                    nik.sex().label_id(),
                    nik.birth_date().format("%d-%m-%Y"),
                    name(d),
                    if regions.is_current(d) {
                        ""
                    } else {
                        " (kode lama / archived code)"
                    }
                );
            }
            Err(e) => {
                failures += 1;
                print_wrong(n, &e);
            }
        }
    }
    if failures > 0 {
        std::process::exit(1);
    }
    Ok(())
}

fn list_regions(code: Option<&str>) -> Result<()> {
    let regions = Regions::national();
    let items: Vec<_> = match code {
        None => regions
            .at_level(jaring_domain::RegionLevel::Province)
            .collect(),
        Some(c) => {
            let code = RegionCode::parse(c).map_err(|e| anyhow::anyhow!("{e}"))?;
            if regions.get(code).is_none() {
                bail!("{code}: kode wilayah tidak ada / no such region");
            }
            regions.children(code).collect()
        }
    };
    for r in items {
        let kind = r
            .code
            .village_kind()
            .map(|k| format!(" ({k:?})").to_lowercase())
            .unwrap_or_default();
        println!("{}\t{}{kind}", r.code, r.name);
    }
    Ok(())
}
