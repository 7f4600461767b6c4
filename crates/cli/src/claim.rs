//! `jaring claim …`: benefit claims from the command line, as the regency's administrator (or the
//! system user of whoever holds the database).

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use jaring_app::accounts::Principal;
use jaring_app::claims::{self, ClaimDetails};
use jaring_domain::benefits::{ClaimCase, SchoolLevel};
use jaring_domain::Rupiah;
use jaring_store::claims::Heir;
use jaring_store::Database;

/// What to do with claims.
#[derive(Debug, Subcommand)]
pub enum ClaimCommand {
    /// List claims (optionally of one status: candidate, submitted, verified, paid, rejected).
    List {
        /// Status.
        #[arg(long)]
        status: Option<String>,
    },
    /// One claim: facts, heirs, documents (received and missing) and the computed benefit.
    Show {
        /// Claim id.
        id: i64,
    },
    /// Open a claim by hand: --case jkm_death|jkk_death|jkk_stmb.
    Open {
        /// Person id.
        #[arg(long)]
        person: i64,
        /// Case.
        #[arg(long)]
        case: String,
        /// Date of death or accident (YYYY-MM-DD).
        #[arg(long)]
        date: NaiveDate,
        /// Reported monthly wage or income in Rupiah (JKK).
        #[arg(long)]
        wage: Option<i64>,
        /// Days unable to work (jkk_stmb).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Record heirs, documents received, children's school levels, wage or days.
    Update {
        /// Claim id.
        id: i64,
        /// An heir as NAME:RELATIONSHIP[:NIK] (relationship: spouse, child, parent, other).
        #[arg(long = "heir")]
        heirs: Vec<String>,
        /// Document codes received (see `jaring claim show`).
        #[arg(long = "doc")]
        documents: Vec<String>,
        /// Children's school levels in order (tk, sd, smp, sma, kuliah, or - for not yet at school).
        #[arg(long, value_delimiter = ',')]
        children: Option<Vec<String>>,
        /// Reported wage.
        #[arg(long)]
        wage: Option<i64>,
        /// Days unable to work.
        #[arg(long)]
        days: Option<u32>,
    },
    /// Submit a complete claim.
    Submit {
        /// Claim id.
        id: i64,
        /// Date (default today).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Verify: eligibility checked and the benefit computed.
    Verify {
        /// Claim id.
        id: i64,
        /// Date (default today).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Record the payment.
    Pay {
        /// Claim id.
        id: i64,
        /// Date (default today).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Reject with a reason.
    Reject {
        /// Claim id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Count and Rupiah paid per month and village.
    Totals,
    /// The benefit table in force (JSON), or replace it with `--set FILE.json` when a regulation changes.
    Table {
        /// A JSON file shaped like the printed table.
        #[arg(long)]
        set: Option<std::path::PathBuf>,
    },
}

fn system(db: &Database, actor: &str) -> Result<Principal> {
    Ok(jaring_app::accounts::cli_principal(db, actor, None)?)
}

fn print_claim(db: &Database, who: &Principal, id: i64) -> Result<()> {
    let (c, heirs) = claims::get(db, who, id)?;
    println!(
        "Klaim / claim #{} · {} · {} · {} ({}) · kejadian / event {}",
        c.id,
        ClaimCase::from_code(&c.case)
            .map(|k| k.label_id())
            .unwrap_or(&c.case),
        c.status,
        c.person_name,
        c.village_code,
        c.event_date.map(|d| d.to_string()).unwrap_or_default()
    );
    for h in &heirs {
        println!("  ahli waris / heir: {} ({})", h.name, h.relationship);
    }
    let missing = claims::missing_documents(&c);
    println!(
        "  dokumen kurang / documents missing: {}",
        if missing.is_empty() {
            "-".to_string()
        } else {
            missing.join(", ")
        }
    );
    let benefit = match &c.benefit {
        Some(json) => serde_json::from_str(json).ok(),
        None => claims::assess(db, &c)
            .map(|(b, _)| b)
            .map_err(|e| println!("  belum layak / not payable: {e}"))
            .ok(),
    };
    if let Some(b) = benefit {
        let b: jaring_domain::benefits::Benefit = b;
        for l in &b.lines {
            println!(
                "  {:<52} {:>16}  {}",
                l.label,
                l.amount.to_string(),
                l.basis
            );
        }
        println!("  {:<52} {:>16}", "JUMLAH / TOTAL", b.total().to_string());
    }
    if let Some(r) = &c.reason {
        println!("  alasan / reason: {r}");
    }
    Ok(())
}

/// Runs a `jaring claim` command as `actor`.
pub fn run(db: &Database, command: ClaimCommand, actor: &str) -> Result<()> {
    let who = system(db, actor)?;
    let today = jaring_domain::today();
    match command {
        ClaimCommand::List { status } => {
            for c in claims::list(db, &who, status.as_deref())? {
                println!(
                    "#{:<6} {:<10} {:<10} {:<12} {:<30} {:>16}",
                    c.id,
                    c.case,
                    c.status,
                    c.event_date.map(|d| d.to_string()).unwrap_or_default(),
                    c.person_name,
                    c.amount.map(|a| Rupiah(a).to_string()).unwrap_or_default()
                );
            }
        }
        ClaimCommand::Show { id } => print_claim(db, &who, id)?,
        ClaimCommand::Open {
            person,
            case,
            date,
            wage,
            days,
        } => {
            let case = ClaimCase::from_code(&case)
                .with_context(|| format!("--case {case}: use jkm_death, jkk_death or jkk_stmb"))?;
            let id = claims::open(db, &who, person, case, date, wage.map(Rupiah), days)?;
            println!("Klaim dibuka / claim opened: #{id}");
            print_claim(db, &who, id)?;
        }
        ClaimCommand::Update {
            id,
            heirs,
            documents,
            children,
            wage,
            days,
        } => {
            let heirs = heirs
                .iter()
                .map(|h| {
                    let parts: Vec<&str> = h.split(':').collect();
                    match parts.as_slice() {
                        [name, rel] => Ok(Heir {
                            name: name.to_string(),
                            nik: None,
                            relationship: rel.to_string(),
                        }),
                        [name, rel, nik] => Ok(Heir {
                            name: name.to_string(),
                            nik: Some(nik.to_string()),
                            relationship: rel.to_string(),
                        }),
                        _ => bail!("--heir {h}: use NAME:RELATIONSHIP[:NIK]"),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let children = children
                .map(|list| {
                    list.iter()
                        .map(|c| match c.as_str() {
                            "-" | "" => Ok(None),
                            code => SchoolLevel::from_code(code).map(Some).with_context(|| {
                                format!("--children {code}: use tk, sd, smp, sma, kuliah or -")
                            }),
                        })
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?;
            claims::update_details(
                db,
                &who,
                id,
                &ClaimDetails {
                    heirs,
                    documents,
                    children,
                    wage: wage.map(Rupiah),
                    days_off: days,
                },
            )?;
            print_claim(db, &who, id)?;
        }
        ClaimCommand::Submit { id, on } => {
            claims::submit(db, &who, id, on.unwrap_or(today))?;
            print_claim(db, &who, id)?;
        }
        ClaimCommand::Verify { id, on } => {
            claims::verify(db, &who, id, on.unwrap_or(today))?;
            print_claim(db, &who, id)?;
        }
        ClaimCommand::Pay { id, on } => {
            claims::pay(db, &who, id, on.unwrap_or(today))?;
            print_claim(db, &who, id)?;
        }
        ClaimCommand::Reject { id, reason } => {
            claims::reject(db, &who, id, today, &reason)?;
            print_claim(db, &who, id)?;
        }
        ClaimCommand::Table { set } => {
            if let Some(path) = set {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let table: jaring_domain::benefits::BenefitTable = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a benefit table", path.display()))?;
                claims::set_table(db, &who, &table)?;
                println!(
                    "Tabel santunan diganti / benefit table replaced ({})",
                    table.source
                );
            }
            println!("{}", serde_json::to_string_pretty(&claims::table(db)?)?);
        }
        ClaimCommand::Totals => {
            println!(
                "{:<8} {:<14} {:>6} {:>18}",
                "bulan", "desa", "klaim", "dibayar / paid"
            );
            for (month, village, n, sum) in claims::paid_totals(db, &who)? {
                println!("{month:<8} {village:<14} {n:>6} {:>18}", sum.to_string());
            }
        }
    }
    Ok(())
}
