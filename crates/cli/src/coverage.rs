//! `jaring coverage`, `jaring gap`, `jaring budget`, `jaring programme`: the regency's monthly questions.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use jaring_app::coverage::{self, Target};
use jaring_domain::{RegionCode, Rupiah};
use jaring_rules::Clause;
use jaring_store::Database;

fn month(at: Option<&str>) -> Result<NaiveDate> {
    match at {
        Some(s) => coverage::parse_month(s)
            .ok_or_else(|| anyhow::anyhow!("--at {s}: gunakan / use YYYY-MM")),
        None => Ok(jaring_domain::today()),
    }
}

fn region(r: Option<&str>) -> Result<Option<RegionCode>> {
    r.map(|r| RegionCode::parse(r).map_err(|e| anyhow::anyhow!("--region {r}: {e}")))
        .transpose()
}

#[derive(Args)]
pub struct CoverageArgs {
    /// Region: the regency (default), a kecamatan or a village.
    #[arg(long)]
    region: Option<String>,
    /// Month, YYYY-MM (default: this month).
    #[arg(long)]
    at: Option<String>,
    /// Compute and store the month's snapshot for the whole regency.
    #[arg(long)]
    snapshot: bool,
    /// Compute from the registry even when a snapshot exists.
    #[arg(long)]
    live: bool,
    /// Show the stored monthly trend of the region instead.
    #[arg(long)]
    trend: bool,
    /// Record an official denominator for the region and the month's year: VALUE:SOURCE
    /// (e.g. `128187:"BPS Sakernas 2024"`).
    #[arg(long)]
    official: Option<String>,
    /// Who records a denominator or a snapshot (audit log).
    #[arg(long, env = "USER", default_value = "cli")]
    actor: String,
}

fn who(db: &Database, actor: &str) -> Result<jaring_app::accounts::Principal> {
    Ok(jaring_app::accounts::cli_principal(db, actor, None)?)
}

pub fn coverage_cmd(db: &Database, a: CoverageArgs) -> Result<()> {
    let at = month(a.at.as_deref())?;
    let region = region(a.region.as_deref())?;
    if let Some(official) = &a.official {
        let (value, source) = official
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--official VALUE:SOURCE"))?;
        let value: i64 = value
            .trim()
            .parse()
            .context("--official: VALUE must be a whole number")?;
        let code = match region {
            Some(r) => r,
            None => jaring_app::overview::regency(db)?,
        };
        coverage::set_official_denominator(
            db,
            &who(db, &a.actor)?,
            code,
            chrono::Datelike::year(&at),
            value,
            source,
        )?;
        println!(
            "Penyebut resmi disimpan / official denominator stored: {code} {} = {value} ({})",
            chrono::Datelike::year(&at),
            source.trim()
        );
    }
    if a.snapshot {
        let n = coverage::take_snapshot(db, &who(db, &a.actor)?, at)?;
        println!(
            "Snapshot {} disimpan / stored: {n} wilayah/regions",
            coverage::month_key(at)
        );
    }
    if a.trend {
        let code = match region {
            Some(r) => r,
            None => jaring_app::overview::regency(db)?,
        };
        println!("Tren UCJ / coverage trend {code}:");
        for (m, rate) in coverage::trend(db, code)? {
            println!("  {m}  {rate}");
        }
        return Ok(());
    }
    let report = coverage::coverage(db, region, at, !a.live)?;
    println!(
        "Cakupan UCJ / coverage {} ({}) — peserta aktif / active members ÷ penyebut / denominator",
        coverage::month_key(report.month),
        if report.from_snapshot {
            "snapshot"
        } else {
            "dihitung / computed now"
        }
    );
    for r in &report.rows {
        let indent = match r.level.as_str() {
            "kecamatan" => "  ",
            "desa" => "    ",
            _ => "",
        };
        println!(
            "{indent}{:<16} {:<28} {}{}",
            r.code,
            r.name,
            r.rate,
            if r.source == "registry" {
                String::new()
            } else {
                format!("  [{}]", r.source)
            }
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct GapArgs {
    /// Village, kecamatan or regency code.
    #[arg(long)]
    region: String,
    /// Programme whose eligibility rule decides.
    #[arg(long, default_value = "bpu_apbd_kab")]
    programme: String,
    /// Month, YYYY-MM.
    #[arg(long)]
    at: Option<String>,
    /// Write the list as CSV (UTF-8 with BOM, opens in Excel).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Explain the rule's verdict on one person instead.
    #[arg(long)]
    person: Option<i64>,
}

pub fn gap_cmd(db: &Database, a: GapArgs) -> Result<()> {
    let at = month(a.at.as_deref())?;
    if let Some(person) = a.person {
        let (p, d) = coverage::explain(db, person, &a.programme, at)?;
        println!(
            "{} ({}) — {}: {}",
            p.name,
            p.village_code,
            a.programme,
            if d.eligible {
                "MEMENUHI SYARAT / eligible"
            } else {
                "TIDAK MEMENUHI SYARAT / not eligible"
            }
        );
        for c in d.clauses {
            println!(
                "  [{}] {}{}",
                if c.passed { "✓" } else { "✗" },
                c.name,
                c.error.map(|e| format!(" ({e})")).unwrap_or_default()
            );
        }
        return Ok(());
    }
    let code = RegionCode::parse(&a.region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    let list = coverage::gap(db, code, &a.programme, at)?;
    match &a.out {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            std::io::Write::write_all(&mut file, b"\xEF\xBB\xBF")?;
            let mut w = csv::Writer::from_writer(file);
            w.write_record([
                "No",
                "ID",
                "NIK",
                "Nama",
                "Jenis Kelamin",
                "Umur",
                "Desil",
                "Pekerjaan",
                "Kode Desa",
            ])?;
            for (i, g) in list.iter().enumerate() {
                let row = [
                    (i + 1).to_string(),
                    g.person.id.to_string(),
                    g.person.nik.clone().unwrap_or_default(),
                    g.person.name.clone(),
                    if g.person.sex == "m" { "L" } else { "P" }.to_string(),
                    g.age.map(|a| a.to_string()).unwrap_or_default(),
                    g.person.desil.map(|d| d.to_string()).unwrap_or_default(),
                    g.person.occupation.clone(),
                    g.person.village_code.clone(),
                ];
                let safe = jaring_formats::csv_safe_record(row.iter().map(String::as_str));
                w.write_record(safe.iter().map(|c| c.as_bytes()))?;
            }
            w.flush()?;
            println!(
                "{} pekerja memenuhi syarat dan belum terlindungi / eligible uncovered workers → {}",
                list.len(),
                path.display()
            );
        }
        None => {
            println!(
                "{} pekerja memenuhi syarat dan belum terlindungi / eligible uncovered workers ({}, {}):",
                list.len(),
                a.programme,
                coverage::month_key(at)
            );
            for g in list.iter().take(50) {
                println!(
                    "  #{:<8} {:<30} desil {:<2} umur/age {:<3} {}",
                    g.person.id,
                    g.person.name,
                    g.person
                        .desil
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    g.age.map(|a| a.to_string()).unwrap_or_default(),
                    g.person.village_code
                );
            }
            if list.len() > 50 {
                println!("  … (--out FILE.csv untuk semua / for all)");
            }
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct BudgetArgs {
    /// Reach this coverage rate (percent) in every village.
    #[arg(long, conflicts_with_all = ["quota", "budget"])]
    target: Option<i64>,
    /// Reach the programme's quota per village.
    #[arg(long)]
    quota: bool,
    /// What this yearly budget (Rupiah) buys.
    #[arg(long)]
    budget: Option<i64>,
    /// Programme to add members to.
    #[arg(long, default_value = "bpu_apbd_kab")]
    programme: String,
    /// Region (default: the regency).
    #[arg(long)]
    region: Option<String>,
    /// Month, YYYY-MM.
    #[arg(long)]
    at: Option<String>,
}

pub fn budget_cmd(db: &Database, a: BudgetArgs) -> Result<()> {
    let target = match (a.target, a.quota, a.budget) {
        (Some(t), false, None) if (0..=100).contains(&t) => Target::Rate(t),
        (Some(t), _, _) => bail!("--target {t}: 0–100"),
        (None, true, None) => Target::Quota,
        (None, false, Some(b)) => Target::Budget(Rupiah(b)),
        (None, false, None) => Target::Rate(100),
        _ => bail!("pilih satu / choose one of --target, --quota, --budget"),
    };
    let r = coverage::budget(
        db,
        region(a.region.as_deref())?,
        &a.programme,
        target,
        month(a.at.as_deref())?,
    )?;
    println!(
        "Program {} (pembayar / sponsor {}), iuran / premium {} per orang per bulan",
        r.programme, r.sponsor, r.monthly_premium
    );
    println!("desa/village      nama                          cakupan/coverage              tambah/add  per tahun/yearly");
    for l in r.lines.iter().filter(|l| l.added > 0 || l.needed > 0) {
        println!(
            "{:<17} {:<28} {:<30} {:>6}{} {:>18}",
            l.village,
            l.name,
            l.coverage.to_string(),
            l.added,
            if l.needed > l.added {
                format!(" (kurang/short {})", l.needed - l.added)
            } else {
                String::new()
            },
            l.yearly.to_string()
        );
    }
    println!(
        "Jumlah / total: +{} pekerja/workers · {} per bulan/month · {} per tahun/year",
        r.added, r.monthly, r.yearly
    );
    if r.shortfall > 0 {
        println!(
            "Kekurangan / shortfall: {} orang tidak ada di daftar layak / not on the eligible lists",
            r.shortfall
        );
    }
    println!("Cakupan setelahnya / coverage after: {}", r.coverage_after);
    println!("Belanja sekarang per pembayar / current yearly spend by sponsor:");
    for (s, n, y) in &r.current_by_sponsor {
        println!("  {s:<16} {n:>7} peserta/members  {y}");
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ProgrammeCommand {
    /// List programmes with sponsor, premium, quota.
    List,
    /// Show or set the grace period: months after the last paid month during which a member still counts
    /// as active (BPJS TK: 3).
    Grace {
        /// New value (0–12).
        months: Option<u32>,
        /// Who changes it (audit log).
        #[arg(long, env = "USER", default_value = "cli")]
        actor: String,
    },
    /// Show a programme's eligibility rule.
    Rule {
        /// Programme code.
        code: String,
        /// Replace the rule with the clauses in this TOML file (`[[clause]] name = … expr = …`);
        /// validated first, nothing is saved on an error.
        #[arg(long)]
        set: Option<PathBuf>,
        /// Who changes it (audit log).
        #[arg(long, env = "USER", default_value = "cli")]
        actor: String,
    },
}

#[derive(serde::Deserialize)]
struct RuleFile {
    clause: Vec<Clause>,
}

pub fn programme_cmd(db: &Database, cmd: ProgrammeCommand) -> Result<()> {
    match cmd {
        ProgrammeCommand::Grace { months, actor } => {
            if let Some(m) = months {
                jaring_app::review::set_grace_months(db, &who(db, &actor)?, m)?;
            }
            let current = jaring_app::review::grace_months(&mut db.conn()?)?;
            println!("Masa tenggang / grace period: {current} bulan/months");
            Ok(())
        }
        ProgrammeCommand::List => {
            for p in coverage::programmes(db)? {
                println!(
                    "{:<18} {:<40} {:<4} {:<15} {:>10}/bln{}{}",
                    p.code,
                    p.name,
                    p.segment,
                    p.sponsor,
                    Rupiah(p.monthly_premium).to_string(),
                    if p.subsidised {
                        " · bersubsidi/subsidised"
                    } else {
                        ""
                    },
                    p.quota_per_village
                        .map(|q| format!(" · kuota/quota {q}/desa"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        ProgrammeCommand::Rule { code, set, actor } => {
            if let Some(path) = set {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let file: RuleFile = toml::from_str(&text).with_context(|| {
                    format!(
                        "{}: not a rule file ([[clause]] name, expr)",
                        path.display()
                    )
                })?;
                coverage::set_rule(db, &who(db, &actor)?, &code, &file.clause)?;
                println!(
                    "Aturan disimpan / rule saved ({} klausa/clauses)",
                    file.clause.len()
                );
            }
            let p = coverage::programme(db, &code)?;
            println!(
                "Aturan kelayakan / eligibility rule of {code}{}:",
                if p.default_rule {
                    " (bawaan / default)"
                } else {
                    ""
                }
            );
            for c in p.rule.clauses() {
                println!("  {:<60} {}", c.name, c.expr);
            }
            println!("Variabel / variables:");
            for (k, v) in jaring_rules::VARIABLES {
                println!("  {k:<24} {v}");
            }
            Ok(())
        }
    }
}
