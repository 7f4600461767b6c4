//! The rows of an XLSX sheet, streamed: a reading thread parses the sheet's XML with calamine's cell
//! reader and hands rows over a short channel, so memory holds a few hundred rows whatever the sheet's
//! size, and parsing overlaps with what the importer does with each row.
//!
//! Holding the sheet instead (calamine's `Range`) cost 32 bytes for every cell of the rectangle the
//! filled cells span, plus the same again for formulas: a 64 MiB upload could ask for gigabytes, and a
//! stray cell far out for far more. The workbook is opened once ([`Workbook`]: its shared strings,
//! bounded by [`crate::zip_guard`], parsed once) and each pass's thread holds it while it reads; a pass
//! given up early (the header search) lets go at its next row.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use calamine::{Data, Reader, Xlsx};

use crate::table::{excel_cell, Cell, RawRow};
use crate::FormatError;

/// The rightmost column a list may fill (column `ALL`). Lists have tens of columns; a filled cell
/// further right is a stray mark or a hostile file, and each row is laid out up to its last cell.
pub const MAX_COLUMNS: u32 = 1_000;

/// Rows in flight between the reading thread and the importer.
const CHANNEL_ROWS: usize = 256;

/// An opened XLSX workbook, shared by the passes over its rows (one at a time).
#[derive(Clone)]
pub(crate) struct Workbook(Arc<Mutex<Xlsx<BufReader<File>>>>);

impl Workbook {
    /// Opens the workbook at `path`.
    pub(crate) fn open(path: &Path) -> Result<Workbook, FormatError> {
        let xlsx = calamine::open_workbook(path)
            .map_err(|e: calamine::XlsxError| unreadable(path, &e.to_string()))?;
        Ok(Workbook(Arc::new(Mutex::new(xlsx))))
    }

    /// Its sheets' names, in order.
    pub(crate) fn sheet_names(&self) -> Vec<String> {
        self.lock().sheet_names().to_vec()
    }

    /// A pass that failed inside the Excel library left nothing half-changed that a later pass
    /// reads (each pass opens the sheet's part afresh), so a poisoned lock is taken as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Xlsx<BufReader<File>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Streams the rows of `sheet`, blank rows left out; dropping the iterator stops the reader.
pub(crate) fn rows(
    workbook: &Workbook,
    path: &Path,
    sheet: &str,
) -> Receiver<Result<RawRow, FormatError>> {
    let (tx, rx) = sync_channel(CHANNEL_ROWS);
    let label = path.display().to_string();
    let (path, sheet) = (path.to_path_buf(), sheet.to_string());
    let workbook = workbook.clone();
    let spawned = std::thread::Builder::new().name("xlsx-rows".into()).spawn({
        let tx = tx.clone();
        move || {
            // A panic inside the Excel library on a malformed file (found by fuzzing: an
            // overflowing cell reference) is a damaged file to report, not a crash.
            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                stream(&mut workbook.lock(), &path, &sheet, &tx)
            }));
            let failure = match read {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(_) => unreadable(
                    &path,
                    "isi lembar tidak dapat diurai / the sheet's content cannot be parsed",
                ),
            };
            let _ = tx.send(Err(failure));
        }
    });
    if let Err(e) = spawned {
        let _ = tx.send(Err(FormatError::Io {
            path: label,
            source: e,
        }));
    }
    rx
}

fn unreadable(path: &Path, reason: &str) -> FormatError {
    FormatError::Excel {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Reads the sheet cell by cell, gathering consecutive cells of one row; returns when the sheet ends
/// or the receiver is gone.
fn stream(
    workbook: &mut Xlsx<BufReader<File>>,
    path: &Path,
    sheet: &str,
    tx: &SyncSender<Result<RawRow, FormatError>>,
) -> Result<(), FormatError> {
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| unreadable(path, &e.to_string()))?;
    let mut row: Option<RawRow> = None;
    while let Some(cell) = reader
        .next_cell_with_formula()
        .map_err(|e| unreadable(path, &e.to_string()))?
    {
        let formula = cell.formula.filter(|f| !f.is_empty());
        if matches!(cell.value, calamine::DataRef::Empty) && formula.is_none() {
            continue;
        }
        let (r, c) = cell.pos;
        if c >= MAX_COLUMNS {
            return Err(unreadable(path, &too_wide(r, c)));
        }
        let line = u64::from(r) + 1;
        if row.as_ref().is_some_and(|open| open.line != line) {
            if let Some(done) = row.take().filter(|done| !blank(done)) {
                if tx.send(Ok(done)).is_err() {
                    return Ok(());
                }
            }
        }
        let open = row.get_or_insert_with(|| RawRow {
            line,
            cells: Vec::new(),
        });
        let c = c as usize;
        if open.cells.len() <= c {
            open.cells.resize(c + 1, Cell::Empty);
        }
        open.cells[c] = excel_cell(&Data::from(cell.value), formula.as_ref());
    }
    if let Some(done) = row.filter(|done| !blank(done)) {
        let _ = tx.send(Ok(done));
    }
    Ok(())
}

fn blank(row: &RawRow) -> bool {
    row.cells.iter().all(Cell::is_blank)
}

fn too_wide(row: u32, col: u32) -> String {
    format!(
        "lembar terlalu luas: sel terisi di baris {} kolom {} (batas {MAX_COLUMNS} kolom); hapus sel di luar tabel atau simpan sebagai CSV / sheet too large: a filled cell at row {} column {} (at most {MAX_COLUMNS} columns); delete cells outside the table or save as CSV",
        row + 1,
        col + 1,
        row + 1,
        col + 1
    )
}
