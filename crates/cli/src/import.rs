//! `jaring import`: runs the import use case with a progress bar and prints the report.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use jaring_app::accounts;
use jaring_app::import::{import_opened, open_file, ImportProgress, ImportReport, ImportRequest};
use jaring_domain::{ListKind, RegionCode};
use jaring_formats::MappingFile;
use jaring_store::Database;

/// Rejected rows listed on screen; the error file has all of them.
const SHOW: usize = 20;

struct Bar(ProgressBar);

impl ImportProgress for Bar {
    fn total(&self, rows: u64) {
        self.0.set_length(rows);
    }
    fn writing(&self) {
        // Printed even without a terminal: scripts (and the crash tests) see when writing starts.
        self.0.suspend(|| eprintln!("Mengimpor… / importing…"));
    }
    fn advance(&self, rows: u64) {
        self.0.inc(rows);
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    db: &Database,
    kind: &str,
    file: PathBuf,
    mapping: Option<PathBuf>,
    sheet: Option<String>,
    village: Option<String>,
    errors: Option<PathBuf>,
    actor: String,
) -> Result<()> {
    let kind = ListKind::from_code(kind).ok_or_else(|| anyhow!("unknown kind {kind}"))?;
    let mapping = mapping.map(|m| MappingFile::load(&m)).transpose()?;
    let village = village
        .map(|v| RegionCode::parse(&v).map_err(|e| anyhow!("--village: {e}")))
        .transpose()?;
    let request = ImportRequest {
        path: file.clone(),
        file_name: None,
        kind,
        mapping,
        sheet,
        village,
        error_file: errors,
        today: jaring_domain::today(),
    };
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} baris/rows  {per_sec}  {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = Bar(bar);
    let opened = open_file(&request).with_context(|| {
        format!(
            "impor gagal, tidak ada yang diubah / import failed, nothing was changed: {}",
            file.display()
        )
    })?;
    let who = match accounts::cli_principal(db, &actor, village) {
        Err(jaring_app::AppError::NoRegency) => {
            accounts::cli_principal(db, &actor, opened.regency(&request)?)?
        }
        other => other?,
    };
    let report = import_opened(db, &who, &request, opened, &progress).with_context(|| {
        format!(
            "impor gagal, tidak ada yang diubah / import failed, nothing was changed: {}",
            file.display()
        )
    })?;
    progress.0.finish_and_clear();
    print_report(kind, &file, &report);
    let c = &report.counts;
    if c.rejected > 0 && c.rejected == c.rows_total {
        // Nothing could be imported: a failure, as for a file that cannot be read.
        std::process::exit(1);
    }
    if c.rejected > 0 {
        std::process::exit(2);
    }
    Ok(())
}

fn print_report(kind: ListKind, file: &std::path::Path, r: &ImportReport) {
    let c = &r.counts;
    println!(
        "{} — {} ({}; judul kolom di baris {})",
        kind.label_id(),
        file.display(),
        r.format,
        r.header_line
    );
    println!(
        "  baris {} · baru {} · diperbarui {} · tidak berubah {} · ditolak {} · peringatan {} · menunggu tinjauan {}",
        c.rows_total, c.inserted, c.updated, c.unchanged, c.rejected, c.warnings, c.proposed
    );
    println!(
        "  rows {} · new {} · updated {} · unchanged {} · rejected {} · warnings {} · awaiting review {}",
        c.rows_total, c.inserted, c.updated, c.unchanged, c.rejected, c.warnings, c.proposed
    );
    println!("  impor #{} · sha256 {}", r.import_id, r.sha256);
    if !r.unused_columns.is_empty() {
        println!(
            "  kolom tidak dipakai / columns not used: {}",
            r.unused_columns.join(", ")
        );
    }
    if !r.rejected.is_empty() {
        println!("Baris ditolak / rejected rows:");
        for p in r.rejected.iter().take(SHOW) {
            let sheet = p
                .sheet
                .as_deref()
                .map(|s| format!("{s}!"))
                .unwrap_or_default();
            let column = p.issue.column.as_deref().unwrap_or("-");
            println!(
                "  {sheet}baris/line {} · {column} · '{}'",
                p.line, p.issue.value
            );
            println!("      {}", p.issue.id);
            println!("      {}", p.issue.en);
        }
        if r.rejected.len() > SHOW {
            println!("  … dan lainnya / and more");
        }
    }
    if !r.warnings.is_empty() {
        println!(
            "Peringatan (baris tetap diimpor) / warnings (rows imported): {}",
            c.warnings
        );
        for p in r.warnings.iter().take(5) {
            let column = p.issue.column.as_deref().unwrap_or("-");
            println!("  baris/line {} · {column} · {}", p.line, p.issue.id);
        }
    }
    if let Some((path, rows)) = &r.error_file {
        println!(
            "Berkas perbaikan / file to fix: {} ({rows} baris; perbaiki lalu impor ulang / fix and import again)",
            path.display()
        );
    }
}
