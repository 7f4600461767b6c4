//! `jaring review …` and `jaring audit …`: the review queue and the audit log from the command line.

use anyhow::{bail, Result};
use clap::Subcommand;
use jaring_app::accounts::{self, Principal};
use jaring_app::review::{self, Context};
use jaring_domain::ListKind;
use jaring_store::audit;
use jaring_store::review::ProposalFilter;
use jaring_store::Database;

#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Make proposals from the latest synchronisation (`jaring sync` does this too).
    Generate,
    /// Look for residents registered twice and propose merging them (always reviewed).
    Dedupe {
        /// Only pairs at least this probable.
        #[arg(long, default_value_t = 0.99)]
        min_probability: f64,
    },
    /// List proposals (default: pending), with counts per kind and band.
    List {
        /// pending, applied, rejected, reverted, or all.
        #[arg(long, default_value = "pending")]
        status: String,
        /// auto, review or manual.
        #[arg(long)]
        band: Option<String>,
        /// Proposal kind (mark_deceased, civil_servant, membership, desil_update, new_person, …).
        #[arg(long)]
        kind: Vec<String>,
        /// Region code prefix: a village, a kecamatan or the regency (53.04.01.2001, 53.04.01).
        #[arg(long)]
        region: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show one proposal: what it changes and the evidence for it.
    Show {
        /// Proposal id.
        id: i64,
    },
    /// Approve and apply proposals: by id, or every pending auto-band proposal with --all-auto.
    Approve {
        /// Proposal ids.
        ids: Vec<i64>,
        /// The version you reviewed (from `review show`); refused if the proposal changed since.
        #[arg(long)]
        version: Option<i64>,
        /// Every pending proposal in the auto band (narrow with --kind / --region).
        #[arg(long, conflicts_with = "ids")]
        all_auto: bool,
        /// With --all-auto: only these kinds.
        #[arg(long)]
        kind: Vec<String>,
        /// With --all-auto: only this region.
        #[arg(long)]
        region: Option<String>,
    },
    /// Propose an edit of a resident (a correction, a move to another village): pending until approved.
    Edit {
        /// Person id.
        person: i64,
        /// field=value, e.g. `--set name="Maria Bere" --set village_code=53.04.01.2002`; `field=` clears.
        #[arg(long = "set", required = true)]
        set: Vec<String>,
        /// Why (shown to the reviewer).
        #[arg(long)]
        reason: String,
    },
    /// Reject a proposal with a reason.
    Reject {
        /// Proposal id.
        id: i64,
        /// Why (shown to the operator, kept in the audit log).
        #[arg(long)]
        reason: String,
        /// The version you reviewed.
        #[arg(long)]
        version: Option<i64>,
    },
    /// Undo an applied proposal: makes a revert proposal and applies it (or leaves it pending).
    Revert {
        /// The applied proposal.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Only propose the revert; someone else approves it.
        #[arg(long)]
        pending: bool,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit code 1 if any entry was edited or deleted.
    Verify,
    /// Show audit entries, newest first.
    Log {
        /// One person's history.
        #[arg(long)]
        person: Option<i64>,
        /// A region's (code prefix).
        #[arg(long)]
        region: Option<String>,
        /// One actor's.
        #[arg(long)]
        actor: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

fn context(db: &Database) -> Result<Context> {
    Ok(Context::load(&mut db.conn()?, jaring_domain::today())?)
}

fn region_prefix(region: Option<String>) -> Result<Option<String>> {
    region
        .map(|r| {
            jaring_domain::RegionCode::parse(&r)
                .map(|c| c.to_string())
                .map_err(|e| anyhow::anyhow!("--region {r}: {e}"))
        })
        .transpose()
}

/// Proposes from the latest synchronisation of every list that has candidates, and prints the counts.
pub fn generate(db: &Database, who: &Principal) -> Result<()> {
    let lists = [
        ListKind::Deaths,
        ListKind::Asn,
        ListKind::Bpjs,
        ListKind::Dtsen,
    ];
    let made = review::generate_proposals(db, who, &lists, &context(db)?)?;
    println!("Usulan baru / new proposals:");
    for (list, s) in made {
        let parts: Vec<String> = s
            .made
            .iter()
            .map(|(k, b, n)| format!("{} {}: {n}", k.as_code(), b.as_code()))
            .collect();
        println!(
            "  {:<7} {} (tidak ada perubahan / nothing to change: {})",
            list.as_code(),
            if parts.is_empty() {
                "-".to_string()
            } else {
                parts.join(", ")
            },
            s.unchanged
        );
    }
    Ok(())
}

/// Runs a `jaring review` command as the command line's principal acting for `actor`.
pub fn run(db: &Database, cmd: ReviewCommand, actor: &str) -> Result<()> {
    let who = &accounts::cli_principal(db, actor, None)?;
    match cmd {
        ReviewCommand::Generate => generate(db, who),
        ReviewCommand::Dedupe { min_probability } => {
            let s = review::propose_merges(db, who, min_probability, &context(db)?)?;
            println!(
                "{} pasangan dibandingkan / pairs compared · {} kemungkinan data ganda / likely duplicates · {} usulan baru / new proposals (jaring review list --kind merge)",
                s.candidate_pairs, s.found, s.proposed
            );
            Ok(())
        }
        ReviewCommand::List {
            status,
            band,
            kind,
            region,
            limit,
        } => {
            let filter = ProposalFilter {
                status: (status != "all").then_some(status),
                band,
                kinds: kind,
                region_prefix: region_prefix(region)?,
                limit,
                ..Default::default()
            };
            let mut total = 0;
            println!("jenis/kind         pita/band  status       jumlah/count");
            for (k, b, s, n) in review::counts(
                db,
                who,
                &ProposalFilter {
                    limit: 0,
                    ..filter.clone()
                },
            )? {
                println!("{k:<18} {b:<10} {s:<12} {n:>8}");
                total += n;
            }
            println!();
            for p in review::list(db, who, &filter)? {
                println!(
                    "#{:<7} {:<14} {:<7} {:<8} {:<14} orang/person {:<8} {}",
                    p.id,
                    p.kind,
                    p.band,
                    p.status,
                    p.village_code.unwrap_or_default(),
                    p.person_id
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "-".into()),
                    p.summary
                );
            }
            if total > limit {
                println!("… {limit} dari/of {total} ditampilkan / shown (--limit)");
            }
            Ok(())
        }
        ReviewCommand::Show { id } => {
            let p = review::show(db, who, id)?;
            println!(
                "Usulan / proposal #{} ({}, versi/version {})",
                p.id, p.kind, p.row_version
            );
            println!(
                "  status: {} · pita/band: {} · desa/village: {}",
                p.status,
                p.band,
                p.village_code.clone().unwrap_or_default()
            );
            println!("  {}", p.summary);
            println!("  dibuat oleh / made by {}", p.created_by);
            if let Some(by) = &p.decided_by {
                println!(
                    "  diputuskan oleh / decided by {by} {}",
                    p.reason.clone().unwrap_or_default()
                );
            }
            let pretty = |s: &str| {
                serde_json::from_str::<serde_json::Value>(s)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or_else(|_| s.to_string())
            };
            println!("Perubahan / changes:\n{}", pretty(&p.changes));
            println!("Bukti / evidence:\n{}", pretty(&p.evidence));
            Ok(())
        }
        ReviewCommand::Approve {
            ids,
            version,
            all_auto,
            kind,
            region,
        } => {
            let ctx = context(db)?;
            if all_auto {
                let r = review::approve_all(
                    db,
                    who,
                    &ProposalFilter {
                        band: Some("auto".into()),
                        kinds: kind,
                        region_prefix: region_prefix(region)?,
                        ..Default::default()
                    },
                    &ctx,
                )?;
                println!(
                    "Diterapkan / applied: {} · sudah diputuskan orang lain / already decided: {} · gagal / failed: {}",
                    r.applied,
                    r.already_decided,
                    r.failed.len()
                );
                for (id, why) in r.failed.iter().take(20) {
                    println!("  #{id}: {why}");
                }
                return Ok(());
            }
            if ids.is_empty() {
                bail!("sebutkan nomor usulan atau --all-auto / give proposal ids or --all-auto");
            }
            for id in ids {
                let p = review::approve(db, who, id, version, &ctx)?;
                println!("#{id} diterapkan / applied: {}", p.summary);
            }
            Ok(())
        }
        ReviewCommand::Edit {
            person,
            set,
            reason,
        } => {
            let mut values = jaring_domain::review::FieldValues::new();
            for item in &set {
                let (k, v) = item
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--set {item}: use field=value"))?;
                values.insert(
                    k.trim().to_string(),
                    (!v.trim().is_empty()).then(|| v.trim().to_string()),
                );
            }
            let kind = if values.contains_key("village_code") {
                "pindah desa / move"
            } else {
                "koreksi / correction"
            };
            let id = review::propose(
                db,
                who,
                jaring_domain::review::ProposalKind::Edit,
                jaring_domain::review::Intent::SetFields {
                    person_id: person,
                    values,
                },
                &format!("{kind}: {reason}"),
                &context(db)?,
            )?;
            println!("Usulan / proposal #{id} menunggu persetujuan / awaits approval (jaring review show {id})");
            Ok(())
        }
        ReviewCommand::Reject {
            id,
            reason,
            version,
        } => {
            review::reject(db, who, id, version, &reason)?;
            println!("#{id} ditolak / rejected");
            Ok(())
        }
        ReviewCommand::Revert {
            id,
            reason,
            pending,
        } => {
            let ctx = context(db)?;
            let revert = review::propose_revert(db, who, id, &reason, &ctx)?;
            if pending {
                println!("Usulan pembatalan / revert proposal #{revert} menunggu persetujuan / awaits approval");
            } else {
                review::approve(db, who, revert, None, &ctx)?;
                println!("#{id} dibatalkan oleh / reverted by #{revert}");
            }
            Ok(())
        }
    }
}

pub fn audit(db: &Database, cmd: AuditCommand) -> Result<()> {
    let mut conn = db.conn()?;
    match cmd {
        AuditCommand::Verify => {
            let v = audit::verify(&mut conn)?;
            if v.breaks.is_empty() {
                println!(
                    "Log audit utuh / audit log intact: {} entri/entries, rantai hash cocok / hash chain verified",
                    v.entries
                );
                return Ok(());
            }
            println!(
                "LOG AUDIT RUSAK / AUDIT LOG TAMPERED: {} masalah/problems in {} entri/entries",
                v.breaks.len(),
                v.entries
            );
            for b in &v.breaks {
                println!("  entri/entry {}: {}", b.seq, b.reason);
            }
            std::process::exit(1);
        }
        AuditCommand::Log {
            person,
            region,
            actor,
            limit,
        } => {
            let rows = audit::list(
                &mut conn,
                &audit::AuditFilter {
                    person_id: person,
                    region_prefix: region_prefix(region)?,
                    actor,
                    limit,
                    ..Default::default()
                },
            )?;
            for r in rows {
                let e = r.entry;
                println!(
                    "{:>7} {} {:<12} {:<18} {}#{} {} → {}  {}",
                    r.seq,
                    &r.at[..19.min(r.at.len())],
                    e.actor,
                    e.action,
                    e.entity,
                    e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
                    e.before.unwrap_or_else(|| "-".into()),
                    e.after.unwrap_or_else(|| "-".into()),
                    e.reason.unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}
