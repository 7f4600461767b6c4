//! The annotated error file: the rejected rows, in the input's own format, with one extra column that
//! says what is wrong. The operator fixes the rows in place and imports this file again.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook};

use crate::table::{Cell, RawRow, SourceFormat};
use crate::FormatError;

/// Heading of the added column.
pub const ERROR_HEADING: &str = "KESALAHAN / ERROR";

enum Sink {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Excel {
        workbook: Box<Workbook>,
        next_row: u32,
    },
}

/// Writes rejected rows as they are found.
pub struct ErrorFileWriter {
    path: PathBuf,
    sink: Sink,
    rows: u64,
}

fn err(path: &Path, e: impl std::fmt::Display) -> FormatError {
    FormatError::ErrorFile {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl ErrorFileWriter {
    /// Creates the file: CSV (UTF-8 with BOM so Excel shows accents, same delimiter) for CSV input,
    /// XLSX for workbook input. `path` should have the matching extension.
    pub fn create(
        path: &Path,
        format: &SourceFormat,
        headers: &[String],
    ) -> Result<ErrorFileWriter, FormatError> {
        let mut all_headers: Vec<String> = headers.to_vec();
        all_headers.push(ERROR_HEADING.to_string());
        let sink = match format {
            SourceFormat::Csv { delimiter, .. } => {
                let mut file = BufWriter::new(File::create(path).map_err(|e| err(path, e))?);
                file.write_all("\u{feff}".as_bytes())
                    .map_err(|e| err(path, e))?;
                let mut w = csv::WriterBuilder::new()
                    .delimiter(*delimiter)
                    .flexible(true)
                    .from_writer(file);
                w.write_record(&all_headers).map_err(|e| err(path, e))?;
                Sink::Csv(Box::new(w))
            }
            SourceFormat::Excel { .. } => {
                // Constant-memory mode: each row goes to a temporary file beside the report as it
                // is written. Held in memory, 300,000 rejected rows of a hostile upload took half
                // a gigabyte.
                let mut workbook = Workbook::new();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    workbook.set_tempdir(dir).map_err(|e| err(path, e))?;
                }
                let sheet = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| err(path, e))?;
                let bold = Format::new().set_bold();
                let text = Format::new().set_num_format("@");
                // Text format on every column, so NIKs typed in while fixing stay text.
                for i in 0..all_headers.len() {
                    sheet
                        .set_column_format(i as u16, &text)
                        .map_err(|e| err(path, e))?;
                }
                for (i, h) in all_headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, i as u16, h, &bold)
                        .map_err(|e| err(path, e))?;
                }
                Sink::Excel {
                    workbook: Box::new(workbook),
                    next_row: 1,
                }
            }
        };
        Ok(ErrorFileWriter {
            path: path.to_path_buf(),
            sink,
            rows: 0,
        })
    }

    /// Appends a rejected row with its reasons.
    pub fn write(&mut self, row: &RawRow, width: usize, reasons: &str) -> Result<(), FormatError> {
        let mut cells: Vec<String> = row.cells.iter().map(Cell::text).collect();
        cells.resize(width.max(cells.len()), String::new());
        cells.push(reasons.to_string());
        match &mut self.sink {
            Sink::Csv(w) => w
                .write_record(
                    crate::csv_safe_record(cells.iter().map(String::as_str))
                        .iter()
                        .map(|c| c.as_bytes()),
                )
                .map_err(|e| err(&self.path, e))?,
            Sink::Excel { workbook, next_row } => {
                let sheet = workbook
                    .worksheet_from_index(0)
                    .map_err(|e| err(&self.path, e))?;
                for (i, c) in cells.iter().enumerate() {
                    sheet
                        .write_string(*next_row, i as u16, c)
                        .map_err(|e| err(&self.path, e))?;
                }
                *next_row += 1;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Finishes the file; returns its path and the number of rows written.
    pub fn finish(self) -> Result<(PathBuf, u64), FormatError> {
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(|e| err(&self.path, e))?,
            Sink::Excel { mut workbook, .. } => {
                workbook.save(&self.path).map_err(|e| err(&self.path, e))?
            }
        }
        Ok((self.path, self.rows))
    }
}
