//! Importing a list file: registry rows become households and persons, external lists are staged for
//! matching. One transaction per file: a crash leaves the database as it was; the same file twice changes
//! nothing; every rejected row is reported with its line, column, value and reason, and written to an
//! annotated copy the operator can fix and import again.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use jaring_domain::{ExternalRecord, ListKind, RegionCode, RegistryRecord};
use jaring_formats::{
    mapping::heading_score, ColumnMap, ErrorFileWriter, Evidence, Field, Issue, MappingFile,
    RawRow, RowReader, RowResult, SourceFormat, Table,
};
use jaring_store::imports::{self, ImportCounts, ImportMeta, RegistryWriter, WriteOrigin};
use jaring_store::Database;
use sha2::{Digest, Sha256};

use crate::AppError;

mod held;
mod uploads;

pub use uploads::{error_file_for, import_as, recent_for, upload_suffix};

/// Rows per database batch.
const BATCH: usize = 20_000;
/// Problems kept in memory for the on-screen report (all of them go to the error file).
const KEEP_PROBLEMS: usize = 1_000;

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The file on disk.
    pub path: PathBuf,
    /// Name to record (the uploaded file's name); defaults to the path's file name.
    pub file_name: Option<String>,
    /// Kind of list.
    pub kind: ListKind,
    /// Column mapping for files the presets do not recognise.
    pub mapping: Option<MappingFile>,
    /// Sheet of a workbook (overrides the mapping's).
    pub sheet: Option<String>,
    /// Village of every row, for registry files without a village column (one village's export).
    pub village: Option<RegionCode>,
    /// Where to write rejected rows; `None` writes `<input>.kesalahan.<ext>` beside the input.
    pub error_file: Option<PathBuf>,
    /// "Today", bounding dates.
    pub today: NaiveDate,
}

/// One reported problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Sheet, for workbooks.
    pub sheet: Option<String>,
    /// Line or row number in the file.
    pub line: u64,
    /// The problem.
    pub issue: Issue,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// Journal id.
    pub import_id: i64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// What was read (`CSV ';' windows-1252`).
    pub format: String,
    /// Line of the header row.
    pub header_line: u64,
    /// Counts.
    pub counts: ImportCounts,
    /// The first rejected-row problems.
    pub rejected: Vec<RowProblem>,
    /// The first warnings (accepted rows).
    pub warnings: Vec<RowProblem>,
    /// The annotated file of rejected rows and how many rows it holds.
    pub error_file: Option<(PathBuf, u64)>,
    /// Headings of the file no field reads ("kolom tidak dipakai / column not used").
    pub unused_columns: Vec<String>,
}

/// Receives progress; the CLI draws a bar, the web reports percentages.
pub trait ImportProgress {
    /// Pass 1 counted this many data rows.
    fn total(&self, _rows: u64) {}
    /// The database transaction began.
    fn writing(&self) {}
    /// This many more rows were processed.
    fn advance(&self, _rows: u64) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl ImportProgress for NoProgress {}

fn sha256_file(path: &Path) -> Result<String, AppError> {
    let mut file =
        std::fs::File::open(path).map_err(|e| AppError::Io(path.display().to_string(), e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| AppError::Io(path.display().to_string(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The default error-file path: `data.csv` → `data.kesalahan.csv`, `data.xls` → `data.kesalahan.xlsx`.
pub fn default_error_file(input: &Path, format: &SourceFormat) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "impor".into());
    let ext = match format {
        SourceFormat::Csv { .. } => "csv",
        SourceFormat::Excel { .. } => "xlsx",
    };
    input.with_file_name(format!("{stem}.kesalahan.{ext}"))
}

/// The digits of a NIK cell when it looks like one (for duplicate detection before validation).
/// Runs on every row of the first pass, so it neither copies the cell nor builds a string.
fn nik_key(columns: &ColumnMap, row: &RawRow) -> Option<u64> {
    let text = columns
        .get(Field::Nik)
        .and_then(|i| row.cells.get(i))?
        .text_ref();
    let mut key = 0u64;
    let mut digits = 0;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let digit = c.to_digit(10).filter(|_| c.is_ascii_digit())?;
        digits += 1;
        if digits > 16 {
            return None;
        }
        key = key * 10 + u64::from(digit);
    }
    (digits == 16).then_some(key)
}

struct Problems {
    sheet: Option<String>,
    rejected: Vec<RowProblem>,
    warnings: Vec<RowProblem>,
    error_file: Option<ErrorFileWriter>,
    error_path: PathBuf,
    format: SourceFormat,
    headers: Vec<String>,
}

impl Problems {
    fn reject(&mut self, row: &RawRow, issues: Vec<Issue>) -> Result<(), AppError> {
        let reasons = issues
            .iter()
            .filter(|i| i.fatal)
            .map(Issue::one_line)
            .collect::<Vec<_>>()
            .join("; ");
        if self.error_file.is_none() {
            self.error_file = Some(ErrorFileWriter::create(
                &self.error_path,
                &self.format,
                &self.headers,
            )?);
        }
        if let Some(w) = self.error_file.as_mut() {
            w.write(row, self.headers.len(), &reasons)?;
        }
        for issue in issues.into_iter().filter(|i| i.fatal) {
            if self.rejected.len() < KEEP_PROBLEMS {
                self.rejected.push(RowProblem {
                    sheet: self.sheet.clone(),
                    line: row.line,
                    issue,
                });
            }
        }
        Ok(())
    }

    fn warn(&mut self, line: u64, issues: &[Issue]) {
        for issue in issues {
            if self.warnings.len() < KEEP_PROBLEMS {
                self.warnings.push(RowProblem {
                    sheet: self.sheet.clone(),
                    line,
                    issue: issue.clone(),
                });
            }
        }
    }
}

/// Rows read and checked, ready to be written.
#[derive(Default)]
struct Batch {
    rows: u64,
    registry: Vec<RegistryRecord>,
    /// The rows `registry` was read from, for the error file of rows the writer refuses.
    registry_rows: Vec<RawRow>,
    external: Vec<(u64, ExternalRecord)>,
    rejected: Vec<(RawRow, Vec<Issue>)>,
    warnings: Vec<(u64, Vec<Issue>)>,
}

/// Pass 2's reading half: reads, checks and batches rows; stops early if the writer hangs up.
fn read_batches(
    table: &Table,
    reader: &RowReader,
    columns: &ColumnMap,
    duplicates: &HashMap<u64, Vec<u64>>,
    sender: std::sync::mpsc::SyncSender<Batch>,
) -> Result<(), AppError> {
    let mut batch = Batch::default();
    for row in table.rows()? {
        let row = row?;
        batch.rows += 1;
        if let Some(lines) = nik_key(columns, &row).and_then(|k| duplicates.get(&k)) {
            let others: Vec<String> = lines
                .iter()
                .filter(|l| **l != row.line)
                .map(|l| l.to_string())
                .collect();
            let nik = columns
                .get(Field::Nik)
                .and_then(|i| row.cells.get(i))
                .map(|c| c.text())
                .unwrap_or_default();
            let issue = Issue {
                column: columns.get(Field::Nik).and_then(|i| table.headers().get(i)).cloned(),
                field: Some(Field::Nik),
                value: nik,
                id: format!(
                    "NIK yang sama juga ada di baris {}; tidak ada baris yang disimpan sampai hanya satu yang tersisa",
                    others.join(", ")
                ),
                en: format!("the same NIK is also on line {}; none is stored until only one remains", others.join(", ")),
                fatal: true,
            };
            batch.rejected.push((row, vec![issue]));
        } else {
            let (result, issues) = reader.read(&row);
            match result {
                None => batch.rejected.push((row, issues)),
                Some(record) => {
                    if !issues.is_empty() {
                        batch.warnings.push((row.line, issues));
                    }
                    match record {
                        RowResult::Registry(r) => {
                            batch.registry.push(*r);
                            batch.registry_rows.push(row);
                        }
                        RowResult::External(r) => batch.external.push((row.line, *r)),
                    }
                }
            }
        }
        // A failed send means the writer failed; its error is the one reported.
        if batch.rows as usize >= BATCH && sender.send(std::mem::take(&mut batch)).is_err() {
            return Ok(());
        }
    }
    let _ = sender.send(batch);
    Ok(())
}

/// Writes one batch of registry rows: what the writer refuses goes to the error report (and a person
/// of another region becomes a move-in request), what it holds back becomes proposals, and every
/// change it made is appended to the audit log.
fn write_registry(
    tx: &mut jaring_store::Conn,
    writer: &mut RegistryWriter,
    batch: &Batch,
    source: &held::Source<'_>,
    ctx: &crate::review::Context,
    counts: &mut ImportCounts,
    problems: &mut Problems,
) -> Result<(), AppError> {
    let lines: Vec<u64> = batch.registry_rows.iter().map(|r| r.line).collect();
    let origin = WriteOrigin {
        import_id: source.import_id,
        actor: source.actor,
        lines: &lines,
    };
    let mut outcome = writer.write(tx, &batch.registry, &origin)?;
    counts.add(outcome.counts);
    jaring_store::audit::append_all(tx, std::mem::take(&mut outcome.audit))?;
    for (i, refusal) in &outcome.refused {
        let (Some(row), Some(record)) = (batch.registry_rows.get(*i), batch.registry.get(*i))
        else {
            continue;
        };
        counts.rejected += 1;
        held::propose_move_in(tx, refusal, row.line, source, ctx)?;
        let issue = held::refusal_issue(refusal, record.nik.map(|n| n.to_string()));
        problems.reject(row, vec![issue])?;
    }
    for h in &outcome.held {
        if let Some(issue) = held::undated_death(h) {
            // Rows are counted once however many warnings they have.
            if !batch.warnings.iter().any(|(line, _)| *line == h.line) {
                counts.warnings += 1;
            }
            problems.warn(h.line, &[issue]);
        }
        if held::propose_held(tx, h, source, ctx)? {
            counts.proposed += 1;
        } else {
            counts.unchanged += 1;
        }
    }
    Ok(())
}

/// The request's file opened on its sheet, with its columns resolved for the kind.
fn open_table(req: &ImportRequest) -> Result<(Table, ColumnMap), AppError> {
    let sheet = req
        .sheet
        .clone()
        .or_else(|| req.mapping.as_ref().and_then(|m| m.sheet.clone()));
    let table = Table::open(
        &req.path,
        sheet.as_deref(),
        &heading_score(req.kind, req.mapping.as_ref()),
    )?;
    let columns = ColumnMap::resolve(req.kind, table.headers(), req.mapping.as_ref())?;
    Ok((table, columns))
}

/// A list file opened once, its header found and its columns resolved: opening a workbook reads
/// its shared strings, which for a large sheet costs as much as a pass over its rows, so a caller
/// that must look at the file before importing it (the command line, choosing its principal) hands
/// the opened file on to [`import_opened`].
pub struct OpenedFile {
    table: Table,
    columns: ColumnMap,
}

/// Opens the request's file on its sheet.
pub fn open_file(req: &ImportRequest) -> Result<OpenedFile, AppError> {
    let (table, columns) = open_table(req)?;
    Ok(OpenedFile { table, columns })
}

impl OpenedFile {
    /// The regency most of the file's first rows name (by their village codes), for a first import
    /// into a database that serves no regency yet. Only the principal's region is chosen from it,
    /// so the first [`REGENCY_SAMPLE`] rows are enough: the import itself checks every row's region.
    pub fn regency(&self, req: &ImportRequest) -> Result<Option<RegionCode>, AppError> {
        if let Some(v) = req.village {
            return Ok(v.at_level(jaring_domain::RegionLevel::Regency));
        }
        let mut tally = RegencyTally::default();
        for row in self.table.rows()?.take(REGENCY_SAMPLE) {
            tally.observe(&self.columns, &row?);
        }
        Ok(tally.most_named())
    }
}

/// Rows [`file_regency`] reads.
const REGENCY_SAMPLE: usize = 10_000;

/// The regencies a file's rows name by their village codes.
#[derive(Default)]
struct RegencyTally(HashMap<RegionCode, u64>);

impl RegencyTally {
    fn observe(&mut self, columns: &ColumnMap, row: &RawRow) {
        if let Some(code) = columns
            .village_code_in(&row.cells)
            .and_then(|c| RegionCode::parse(&c).ok())
            .and_then(|c| c.at_level(jaring_domain::RegionLevel::Regency))
        {
            *self.0.entry(code).or_default() += 1;
        }
    }

    /// The regency most rows name (the lower code on a tie).
    fn most_named(&self) -> Option<RegionCode> {
        self.0
            .iter()
            .max_by_key(|(code, n)| (**n, std::cmp::Reverse(**code)))
            .map(|(c, _)| *c)
    }
}

/// Imports one file. Returns an error (and changes nothing) when the file cannot be read at all or the
/// database fails; bad rows do not fail the import, they are reported.
pub fn import_file(
    db: &Database,
    who: &crate::accounts::Principal,
    req: &ImportRequest,
    progress: &dyn ImportProgress,
) -> Result<ImportReport, AppError> {
    who.require_any(action_for(req.kind))?;
    import_opened(db, who, req, open_file(req)?, progress)
}

/// [`import_file`] of a file already opened by [`open_file`] for the same request.
pub fn import_opened(
    db: &Database,
    who: &crate::accounts::Principal,
    req: &ImportRequest,
    file: OpenedFile,
    progress: &dyn ImportProgress,
) -> Result<ImportReport, AppError> {
    who.require_any(action_for(req.kind))?;
    if let Some(v) = req.village {
        who.require(action_for(req.kind), v)?;
    }
    // Registry rows outside a village or district operator's region are refused row by row.
    let scope =
        (who.grant.scope.level() > jaring_domain::RegionLevel::Regency).then_some(who.grant.scope);
    let actor = who.username.clone();
    // The digest is read on the other core while the first pass reads the file on this one.
    let hashing = std::thread::spawn({
        let path = req.path.clone();
        move || sha256_file(&path)
    });
    let OpenedFile { table, columns } = file;
    if req.kind == ListKind::Registry && !columns.names_village() && req.village.is_none() {
        return Err(AppError::Input(
            "berkas tidak memiliki kolom Kode Desa; sebutkan desanya (--village 53.04.01.2001) / the file has no village-code column; name the village (--village 53.04.01.2001)".into(),
        ));
    }

    // Pass 1: count, settle date columns, find NIKs that appear more than once.
    let started = std::time::Instant::now();
    let mut evidence = Evidence::default();
    let mut total = 0u64;
    let mut first_line: HashMap<u64, u64> = HashMap::new();
    let mut duplicates: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut regencies = RegencyTally::default();
    table.for_each_row(|row| {
        total += 1;
        evidence.observe(&columns, row);
        regencies.observe(&columns, row);
        if req.kind == ListKind::Registry {
            if let Some(key) = nik_key(&columns, row) {
                match first_line.get(&key) {
                    Some(&first) => duplicates
                        .entry(key)
                        .or_insert_with(|| vec![first])
                        .push(row.line),
                    None => {
                        first_line.insert(key, row.line);
                    }
                }
            }
        }
    })?;
    drop(first_line);
    progress.total(total);
    let pass1 = started.elapsed();
    let sha256 = hashing
        .join()
        .map_err(|_| AppError::Input("import digest thread panicked".into()))??;

    // The regency rows must belong to: the database's, else the one the chosen village or most rows name.
    let regency = crate::overview::regency(db).ok().or_else(|| {
        req.village
            .and_then(|v| v.at_level(jaring_domain::RegionLevel::Regency))
            .or_else(|| regencies.most_named())
    });
    let reader = RowReader::new(
        req.kind,
        columns.clone(),
        table.headers().to_vec(),
        &evidence,
        req.today,
        req.village,
        scope.or(regency),
    );
    let mut problems = Problems {
        sheet: table.format().sheet().map(str::to_string),
        rejected: Vec::new(),
        warnings: Vec::new(),
        error_file: None,
        error_path: req
            .error_file
            .clone()
            .unwrap_or_else(|| default_error_file(&req.path, table.format())),
        format: table.format().clone(),
        headers: table.headers().to_vec(),
    };
    let meta = ImportMeta {
        kind: req.kind.as_code().to_string(),
        file_name: req.file_name.clone().unwrap_or_else(|| {
            req.path
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default()
        }),
        sha256: sha256.clone(),
        format: table.format().describe(),
        actor: actor.clone(),
    };

    // A first registry load checks its foreign keys once before committing instead of row by row.
    let check_tables = if req.kind == ListKind::Registry && imports::registry_is_empty(db)? {
        imports::FIRST_LOAD_CHECKED_TABLES
    } else {
        &[]
    };
    let (import_id, counts) = db.bulk_transaction(
        check_tables,
        |tx| -> Result<(i64, ImportCounts), AppError> {
            // The audit chain's lock first, as every review transaction takes it: a registry import
            // makes proposals and writes persons, and must queue in the same order.
            jaring_store::audit::lock(tx)?;
            let import_id = imports::begin(tx, &meta)?;
            progress.writing();
            let mut writer = if req.kind == ListKind::Registry {
                Some(RegistryWriter::new(tx, scope)?)
            } else {
                None
            };
            let review_ctx = crate::review::Context::load(tx, req.today)?;
            let source = held::Source {
                import_id,
                file_name: &meta.file_name,
                actor: &actor,
                today: req.today,
            };
            let mut counts = ImportCounts::default();
            let mut write_time = std::time::Duration::ZERO;
            // Reading and checking rows (one core) overlaps with writing the previous batch (the other).
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch>(2);
            std::thread::scope(|scope| -> Result<(), AppError> {
                let reading =
                    scope.spawn(|| read_batches(&table, &reader, &columns, &duplicates, sender));
                for mut batch in receiver.iter() {
                    counts.rows_total += batch.rows;
                    counts.rejected += batch.rejected.len() as u64;
                    counts.warnings += batch.warnings.len() as u64;
                    progress.advance(batch.rows);
                    for (row, issues) in std::mem::take(&mut batch.rejected) {
                        problems.reject(&row, issues)?;
                    }
                    // Kept in the batch: the writer's own warnings must not count a row twice.
                    for (line, issues) in &batch.warnings {
                        problems.warn(*line, issues);
                    }
                    let t = std::time::Instant::now();
                    if let Some(w) = writer.as_mut() {
                        write_registry(
                            tx,
                            w,
                            &batch,
                            &source,
                            &review_ctx,
                            &mut counts,
                            &mut problems,
                        )?;
                    }
                    counts.add(imports::stage(tx, import_id, &batch.external)?);
                    write_time += t.elapsed();
                }
                // A failed read (I/O, malformed CSV) aborts the whole import.
                reading
                    .join()
                    .map_err(|_| AppError::Input("import reader thread panicked".into()))?
            })?;
            if let Some(w) = writer {
                w.finish(tx)?;
            }
            imports::finish(tx, import_id, &counts)?;
            // One audit entry per import (its rows are in the import journal and staged records): who
            // loaded which file, with its digest and what it did.
            jaring_store::audit::append(
                tx,
                &[jaring_store::audit::AuditEntry {
                    actor: actor.clone(),
                    action: "import".into(),
                    entity: "import".into(),
                    entity_id: Some(import_id),
                    village_code: req.village.map(|v| v.to_string()),
                    person_id: None,
                    before: None,
                    after: Some(
                        serde_json::json!({
                            "kind": req.kind.as_code(),
                            "file": meta.file_name,
                            "sha256": meta.sha256,
                            "rows": counts.rows_total,
                            "inserted": counts.inserted,
                            "updated": counts.updated,
                            "unchanged": counts.unchanged,
                            "proposed": counts.proposed,
                            "rejected": counts.rejected,
                        })
                        .to_string(),
                    ),
                    reason: None,
                }],
            )?;
            tracing::info!(
                pass1_ms = pass1.as_millis() as u64,
                write_ms = write_time.as_millis() as u64,
                total_ms = started.elapsed().as_millis() as u64,
                "import phases"
            );
            Ok((import_id, counts))
        },
    )?;
    if counts.inserted + counts.updated >= 10_000 {
        // A large load changes the tables' statistics; refresh them now rather than when autovacuum
        // gets round to it (PostgreSQL only; a no-op on SQLite).
        jaring_store::registry::refresh_statistics(
            db,
            &["households", "household_kk", "persons", "staged_records"],
        )?;
    }

    let error_file = problems
        .error_file
        .take()
        .map(ErrorFileWriter::finish)
        .transpose()?;
    Ok(ImportReport {
        import_id,
        sha256,
        format: table.format().describe(),
        header_line: table.header_line(),
        counts,
        rejected: problems.rejected,
        warnings: problems.warnings,
        error_file,
        unused_columns: columns.unused(table.headers()),
    })
}

/// Which right importing a kind of list needs.
pub fn action_for(kind: ListKind) -> jaring_domain::access::Action {
    use jaring_domain::access::Action;
    match kind {
        ListKind::Registry => Action::ImportRegistry,
        ListKind::Bpjs => Action::ImportMembership,
        _ => Action::ImportLists,
    }
}
