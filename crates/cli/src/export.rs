//! `jaring export …`: the files sent to BPJS TK and the reports, as CSV or XLSX (by the extension of
//! `--out`), in the layouts of docs/EXPORTS.md.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use jaring_app::export::{self, Format};
use jaring_store::Database;

/// Which file.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// BPJS TK: memberships ending in the month (deceased, ASN/PPPK in the household).
    Terminations {
        /// Month `YYYY-MM` (default this month).
        #[arg(long)]
        month: Option<String>,
        /// Only this sponsor (apbd_kabupaten, apbdes, …).
        #[arg(long)]
        sponsor: Option<String>,
        /// Output file (.csv or .xlsx).
        #[arg(long)]
        out: PathBuf,
    },
    /// BPJS TK: eligible uncovered workers for a programme's quota, poorest first per village.
    Enrolments {
        /// Programme code.
        #[arg(long, default_value = "bpu_apbd_kab")]
        programme: String,
        /// Month `YYYY-MM` (default this month).
        #[arg(long)]
        month: Option<String>,
        /// Output file (.csv or .xlsx).
        #[arg(long)]
        out: PathBuf,
    },
    /// DTSEN/SIKS-NG: removals (deaths, ASN/PPPK households) and corrections applied in the month.
    Dtsen {
        /// Month `YYYY-MM` (default this month).
        #[arg(long)]
        month: Option<String>,
        /// Output file (.csv or .xlsx).
        #[arg(long)]
        out: PathBuf,
    },
    /// Report: coverage per region.
    Coverage {
        /// Month `YYYY-MM` (default this month).
        #[arg(long)]
        month: Option<String>,
        /// Output file (.csv or .xlsx).
        #[arg(long)]
        out: PathBuf,
    },
    /// Printable coverage report of the regency (summary, chart, per-kecamatan table) as PDF.
    Report {
        /// Month `YYYY-MM` (default this month).
        #[arg(long)]
        month: Option<String>,
        /// Output file (.pdf).
        #[arg(long)]
        out: PathBuf,
    },
    /// Report: claims paid per month and village.
    Claims {
        /// Output file (.csv or .xlsx).
        #[arg(long)]
        out: PathBuf,
    },
}

fn month(m: Option<String>) -> Result<NaiveDate> {
    match m {
        None => Ok(jaring_domain::today()),
        Some(s) => jaring_app::coverage::parse_month(&s)
            .ok_or_else(|| anyhow::anyhow!("--month {s}: use YYYY-MM")),
    }
}

/// Runs a `jaring export` command for the whole regency.
pub fn run(db: &Database, command: ExportCommand) -> Result<()> {
    let who = jaring_app::accounts::cli_principal(db, "cli", None)?;
    let (sheet, out) = match command {
        ExportCommand::Report { month: m, out } => {
            let pdf = jaring_app::report::coverage_pdf(db, &who, month(m)?)?;
            std::fs::write(&out, &pdf)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
            println!(
                "Laporan ditulis ke / report written to {} ({} bytes)",
                out.display(),
                pdf.len()
            );
            return Ok(());
        }
        ExportCommand::Terminations {
            month: m,
            sponsor,
            out,
        } => (
            export::terminations(db, &who, month(m)?, sponsor.as_deref())?,
            out,
        ),
        ExportCommand::Enrolments {
            programme,
            month: m,
            out,
        } => (export::enrolments(db, &who, &programme, month(m)?)?, out),
        ExportCommand::Dtsen { month: m, out } => {
            (export::dtsen_updates(db, &who, month(m)?)?, out)
        }
        ExportCommand::Coverage { month: m, out } => (export::coverage(db, &who, month(m)?)?, out),
        ExportCommand::Claims { out } => (export::claims_paid(db, &who)?, out),
    };
    export::write(&sheet, &out, Format::of(&out))?;
    println!(
        "{} baris ditulis ke / rows written to {}",
        sheet.rows.len(),
        out.display()
    );
    Ok(())
}
