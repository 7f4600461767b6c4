//! Opening a list file as a table of rows: CSV (delimiter and encoding sniffed, streamed, readable
//! twice) or Excel (.xlsx, .xls, .xlsm, .ods via calamine, one sheet held in memory).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use calamine::{Data, Range, Reader};
use encoding_rs::{Encoding, UTF_16LE, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

use crate::FormatError;

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text (every CSV cell; Excel text cells).
    Text(String),
    /// An Excel number.
    Number(f64),
    /// An Excel date cell, as its serial day number.
    DateSerial(f64),
    /// An Excel boolean.
    Bool(bool),
    /// An Excel error value (`#REF!`, `#VALUE!`).
    Error(String),
    /// A formula whose value was never computed and saved.
    FormulaWithoutValue(String),
}

impl Cell {
    /// The cell as text, like [`Cell::text`], borrowed when it already is text (every CSV cell): the
    /// first pass over a file looks at a few cells of every row and need not copy them.
    pub fn text_ref(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(s) => std::borrow::Cow::Borrowed(s),
            other => std::borrow::Cow::Owned(other.text()),
        }
    }

    /// The cell as text the way a person sees it (numbers without a trailing `.0`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(f) | Cell::DateSerial(f) => {
                if f.fract() == 0.0 && f.abs() < 1e17 {
                    format!("{}", *f as i64)
                } else {
                    format!("{f}")
                }
            }
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Cell::Error(e) => e.clone(),
            Cell::FormulaWithoutValue(f) => format!("={f}"),
        }
    }

    /// Whether the cell holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// One row with its position in the file (1-based, as a spreadsheet or text editor shows it).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// Line (CSV) or row (Excel) number.
    pub line: u64,
    /// Cells; may be shorter or longer than the header.
    pub cells: Vec<Cell>,
}

/// What kind of file was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFormat {
    /// Delimited text.
    Csv {
        /// Field delimiter.
        delimiter: u8,
        /// Text encoding name (`UTF-8`, `windows-1252`, `UTF-16LE`).
        encoding: &'static str,
        /// Whether the file began with a byte-order mark.
        bom: bool,
    },
    /// A spreadsheet workbook.
    Excel {
        /// The sheet read.
        sheet: String,
        /// File extension (`xlsx`, `xls`, …).
        extension: String,
    },
}

impl SourceFormat {
    /// Short human description (`CSV ';' windows-1252`, `Excel xlsx, sheet "Data"`).
    pub fn describe(&self) -> String {
        match self {
            SourceFormat::Csv {
                delimiter,
                encoding,
                bom,
            } => format!(
                "CSV '{}' {encoding}{}",
                if *delimiter == b'\t' {
                    "\\t".to_string()
                } else {
                    (*delimiter as char).to_string()
                },
                if *bom { " (BOM)" } else { "" }
            ),
            SourceFormat::Excel { sheet, extension } => {
                format!("Excel {extension}, sheet \"{sheet}\"")
            }
        }
    }

    /// The sheet name for error reports (CSV files have none).
    pub fn sheet(&self) -> Option<&str> {
        match self {
            SourceFormat::Excel { sheet, .. } => Some(sheet),
            SourceFormat::Csv { .. } => None,
        }
    }
}

/// Where a table's rows come from.
enum Body {
    /// Delimited text, streamed from the file on each pass.
    Csv,
    /// A legacy sheet, held whole as calamine reads it (bounded by [`crate::xls`]).
    Dense {
        values: Range<Data>,
        formulas: Option<Range<String>>,
    },
    /// An XLSX sheet, streamed from the workbook on each pass ([`crate::xlsx_rows`]).
    Xlsx {
        workbook: crate::xlsx_rows::Workbook,
        sheet: String,
    },
}

/// An opened list file with its header located.
pub struct Table {
    path: PathBuf,
    format: SourceFormat,
    encoding: &'static Encoding,
    body: Body,
    header_index: usize,
    headers: Vec<String>,
    header_line: u64,
    /// An XLSX sheet's data rows after the first pass, read back by the later ones.
    spooled: std::sync::OnceLock<crate::spool::Spool>,
}

/// How many leading rows are searched for the header (title rows and merged headings come first).
const HEADER_SEARCH_ROWS: usize = 20;

impl Table {
    /// Opens `path`, reading `sheet` (or the first sheet) of a workbook, and takes as header the first
    /// of the leading rows in which `heading_score` recognises the most cells.
    pub fn open(
        path: &Path,
        sheet: Option<&str>,
        heading_score: &dyn Fn(&[String]) -> usize,
    ) -> Result<Table, FormatError> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let mut magic = [0u8; 8];
        let n = File::open(path)
            .and_then(|mut f| f.read(&mut magic))
            .map_err(|e| FormatError::io(path, e))?;
        let is_zip = n >= 4 && magic[..4] == *b"PK\x03\x04";
        let is_ole = n >= 8 && magic == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        let mut table = if is_zip
            || is_ole
            || ["xlsx", "xlsm", "xls", "xlsb", "ods"].contains(&extension.as_str())
        {
            Table::open_excel(path, sheet, &extension, is_ole)?
        } else {
            Table::open_csv(path)?
        };
        table.locate_header(heading_score)?;
        Ok(table)
    }

    /// Opens a workbook: an OLE `.xls` from its rebuilt container and held whole, an XLSX after its
    /// parts were checked ([`crate::zip_guard`]) and then streamed. `.ods` and `.xlsb` are refused:
    /// calamine lays their sheets out densely, and an ODS cell repeated across a million rows and all
    /// columns (a file of 2 KB) would ask for 17 billion cells.
    fn open_excel(
        path: &Path,
        sheet: Option<&str>,
        extension: &str,
        is_ole: bool,
    ) -> Result<Table, FormatError> {
        let unreadable = |reason: String| FormatError::Excel {
            path: path.display().to_string(),
            reason,
        };
        let pick = |names: Vec<String>| match sheet {
            Some(s) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(s))
                .cloned()
                .ok_or_else(|| FormatError::NoSuchSheet {
                    wanted: s.to_string(),
                    available: names.clone(),
                }),
            None => names.first().cloned().ok_or(FormatError::Empty),
        };
        let excel = |sheet: String, body: Body| Table {
            path: path.to_path_buf(),
            format: SourceFormat::Excel {
                sheet,
                extension: extension.to_string(),
            },
            encoding: UTF_8,
            body,
            header_index: 0,
            headers: Vec::new(),
            header_line: 1,
            spooled: std::sync::OnceLock::new(),
        };
        if is_ole || extension == "xls" {
            let container = crate::xls::rebuild_compound_file(path)?;
            // A panic inside the Excel library on a malformed file (found by fuzzing) is a damaged
            // file to report, not a crash of the importer or the server.
            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut xls = calamine::Xls::new(std::io::Cursor::new(container))
                    .map_err(|e| unreadable(e.to_string()))?;
                let name = pick(xls.sheet_names().to_vec())?;
                let values = xls
                    .worksheet_range(&name)
                    .map_err(|e| unreadable(e.to_string()))?;
                // Formulas are optional; without them, empty formula cells read as empty.
                let formulas = xls.worksheet_formula(&name).ok();
                Ok(excel(name, Body::Dense { values, formulas }))
            }));
            return read.unwrap_or_else(|_| {
                Err(unreadable(
                    "isi lembar tidak dapat diurai / the sheet's content cannot be parsed".into(),
                ))
            });
        }
        if matches!(extension, "ods" | "xlsb") {
            return Err(unreadable(format!(
                "format .{extension} tidak dibaca; simpan sebagai .xlsx atau CSV (File › Simpan sebagai) / .{extension} is not read; save it as .xlsx or CSV"
            )));
        }
        crate::zip_guard::check_workbook(path).map_err(unreadable)?;
        let workbook = crate::xlsx_rows::Workbook::open(path)?;
        let name = pick(workbook.sheet_names())?;
        Ok(excel(
            name.clone(),
            Body::Xlsx {
                workbook,
                sheet: name,
            },
        ))
    }

    fn open_csv(path: &Path) -> Result<Table, FormatError> {
        let (encoding, bom) = sniff_encoding(path)?;
        let delimiter = sniff_delimiter(path, encoding)?;
        Ok(Table {
            path: path.to_path_buf(),
            format: SourceFormat::Csv {
                delimiter,
                encoding: encoding.name(),
                bom,
            },
            encoding,
            body: Body::Csv,
            header_index: 0,
            headers: Vec::new(),
            header_line: 1,
            spooled: std::sync::OnceLock::new(),
        })
    }

    fn locate_header(
        &mut self,
        heading_score: &dyn Fn(&[String]) -> usize,
    ) -> Result<(), FormatError> {
        let mut best: Option<(usize, usize, RawRow)> = None;
        for (i, row) in self.all_rows()?.take(HEADER_SEARCH_ROWS).enumerate() {
            let row = row?;
            let texts: Vec<String> = row.cells.iter().map(Cell::text).collect();
            let score = heading_score(&texts);
            if score > best.as_ref().map_or(0, |b| b.0) {
                best = Some((score, i, row));
            }
        }
        let (_, index, row) = best.ok_or(FormatError::NoHeader)?;
        self.header_index = index;
        self.header_line = row.line;
        self.headers = row
            .cells
            .iter()
            .map(|c| c.text().trim().to_string())
            .collect();
        Ok(())
    }

    /// What was opened.
    pub fn format(&self) -> &SourceFormat {
        &self.format
    }

    /// The header cells, trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Line/row number of the header.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Data rows after the header, skipping blank ones and ending at the end marker (a cell `###`,
    /// below which templates such as OpenSID's keep their instructions). Can be called again.
    pub fn rows(
        &self,
    ) -> Result<Box<dyn Iterator<Item = Result<RawRow, FormatError>> + '_>, FormatError> {
        if let Some(spool) = self.spooled.get() {
            return Ok(Box::new(spool.rows(&self.path)?));
        }
        let skip = self.header_index + 1;
        // A sheet stores no trailing empty cells: there a short row is one whose last cells are
        // empty, unlike a CSV line that lost its delimiters.
        let width = match self.body {
            Body::Csv => 0,
            Body::Dense { .. } | Body::Xlsx { .. } => self.headers.len(),
        };
        Ok(Box::new(
            self.all_rows()?
                .skip(skip)
                .take_while(|r| r.as_ref().map_or(true, |r| !ends_data(&r.cells)))
                .filter(|r| {
                    r.as_ref()
                        .map_or(true, |r| !r.cells.iter().all(Cell::is_blank))
                })
                .map(move |r| {
                    r.map(|mut r| {
                        if r.cells.len() < width {
                            r.cells.resize(width, Cell::Empty);
                        }
                        r
                    })
                }),
        ))
    }

    fn all_rows(
        &self,
    ) -> Result<Box<dyn Iterator<Item = Result<RawRow, FormatError>> + '_>, FormatError> {
        if let Body::Xlsx { workbook, sheet } = &self.body {
            return Ok(Box::new(
                crate::xlsx_rows::rows(workbook, &self.path, sheet).into_iter(),
            ));
        }
        if let Body::Dense {
            values: range,
            formulas,
        } = &self.body
        {
            let start_row = range.start().map_or(0, |(r, _)| r as u64);
            let start_col = range.start().map_or(0, |(_, c)| c as usize);
            let formulas = formulas.as_ref();
            return Ok(Box::new(range.rows().enumerate().map(move |(i, cells)| {
                let row_number = start_row + i as u64;
                let cells = std::iter::repeat_n(Cell::Empty, start_col)
                    .chain(cells.iter().enumerate().map(|(j, d)| {
                        let formula = formulas
                            .and_then(|f| f.get_value((row_number as u32, (start_col + j) as u32)))
                            .filter(|f| !f.is_empty());
                        excel_cell(d, formula)
                    }))
                    .collect();
                Ok(RawRow {
                    line: row_number + 1,
                    cells,
                })
            })));
        }
        let mut records = self.csv_records()?;
        Ok(Box::new(std::iter::from_fn(move || {
            let mut record = csv::StringRecord::new();
            match records.read(&mut record) {
                Ok(Some(line)) => Some(Ok(RawRow {
                    line,
                    cells: record.iter().map(|s| Cell::Text(s.to_string())).collect(),
                })),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            }
        })))
    }

    /// Visits the data rows [`Table::rows`] yields, in order, lending each in turn. A CSV row's cells
    /// reuse the previous row's storage, so a pass that only looks at rows (counting, date evidence,
    /// duplicate NIKs) allocates nothing per row; that was a third of the first pass over a million
    /// rows.
    pub fn for_each_row(&self, mut f: impl FnMut(&RawRow)) -> Result<(), FormatError> {
        if matches!(self.body, Body::Xlsx { .. }) && self.spooled.get().is_none() {
            // The first pass over a workbook keeps its rows for the next ones.
            let mut spool = crate::spool::SpoolWriter::new(&self.path)?;
            for row in self.rows()? {
                let row = row?;
                spool
                    .push(&row)
                    .map_err(|e| FormatError::io(&self.path, e))?;
                f(&row);
            }
            let _ = self.spooled.set(spool.finish(&self.path)?);
            return Ok(());
        }
        if !matches!(self.body, Body::Csv) {
            for row in self.rows()? {
                f(&row?);
            }
            return Ok(());
        }
        let mut records = self.csv_records()?;
        let mut record = csv::StringRecord::new();
        let mut row = RawRow {
            line: 0,
            cells: Vec::new(),
        };
        let mut skip = self.header_index + 1;
        while let Some(line) = records.read(&mut record)? {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            row.line = line;
            row.cells.truncate(record.len());
            for (i, field) in record.iter().enumerate() {
                match row.cells.get_mut(i) {
                    Some(Cell::Text(kept)) => {
                        kept.clear();
                        kept.push_str(field);
                    }
                    Some(other) => *other = Cell::Text(field.to_string()),
                    None => row.cells.push(Cell::Text(field.to_string())),
                }
            }
            if ends_data(&row.cells) {
                break;
            }
            if !row.cells.iter().all(Cell::is_blank) {
                f(&row);
            }
        }
        Ok(())
    }

    fn csv_records(&self) -> Result<CsvRecords, FormatError> {
        let SourceFormat::Csv { delimiter, .. } = self.format else {
            return Err(FormatError::Empty);
        };
        let file = File::open(&self.path).map_err(|e| FormatError::io(&self.path, e))?;
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(self.encoding))
            .bom_override(true)
            .build(BufReader::with_capacity(1 << 16, file));
        let marks = Rc::new(RefCell::new(LineMarks::default()));
        let counted = LineCounter {
            inner: decoded,
            offset: 0,
            last: b'\n',
            marks: marks.clone(),
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(counted);
        Ok(CsvRecords {
            reader,
            marks,
            lines_before: 0,
            path: self.path.clone(),
        })
    }
}

/// The records of a CSV file with their true line numbers.
struct CsvRecords {
    reader: csv::Reader<LineCounter<encoding_rs_io::DecodeReaderBytes<BufReader<File>, Vec<u8>>>>,
    marks: Rc<RefCell<LineMarks>>,
    lines_before: u64,
    path: PathBuf,
}

impl CsvRecords {
    /// Reads the next record into `record`; returns its line number, or `None` at the end.
    fn read(&mut self, record: &mut csv::StringRecord) -> Result<Option<u64>, FormatError> {
        let more = self
            .reader
            .read_record(record)
            .map_err(|e| FormatError::Csv {
                path: self.path.display().to_string(),
                reason: e.to_string(),
            })?;
        if !more {
            return Ok(None);
        }
        // The csv crate's line numbers skip blank lines and miscount CRLF, and its byte position
        // is the end of the previous record. The record really starts at the first non-blank line
        // at or after that position; its line number is the newlines before it, plus one.
        let after = record.position().map_or(0, |p| p.byte());
        let mut marks = self.marks.borrow_mut();
        while marks.content_starts.front().is_some_and(|&c| c < after) {
            marks.content_starts.pop_front();
        }
        let start = marks.content_starts.front().copied().unwrap_or(after);
        while marks.newlines.front().is_some_and(|&nl| nl < start) {
            marks.newlines.pop_front();
            self.lines_before += 1;
        }
        Ok(Some(self.lines_before + 1))
    }
}

/// Byte offsets seen by [`LineCounter`] and not yet consumed by the row iterator.
#[derive(Default)]
struct LineMarks {
    /// Offsets of `\n` bytes.
    newlines: VecDeque<u64>,
    /// Offsets of the first byte of every line that is not blank.
    content_starts: VecDeque<u64>,
}

/// Records newlines and line starts as the bytes stream through, so rows get their true line numbers.
/// Only marks inside the CSV reader's read-ahead buffer are held at any time.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    last: u8,
    marks: Rc<RefCell<LineMarks>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        let mut marks = self.marks.borrow_mut();
        // A line has content when the byte after its newline (or the stream's first byte) is neither
        // another newline nor a carriage return. memchr finds the newlines; only bytes after them are
        // looked at.
        let starts_content = |b: u8| b != b'\n' && b != b'\r';
        if self.last == b'\n' && read.first().is_some_and(|&b| starts_content(b)) {
            marks.content_starts.push_back(self.offset);
        }
        for i in memchr::memchr_iter(b'\n', read) {
            marks.newlines.push_back(self.offset + i as u64);
            if read.get(i + 1).is_some_and(|&b| starts_content(b)) {
                marks.content_starts.push_back(self.offset + i as u64 + 1);
            }
        }
        if let Some(&b) = read.last() {
            self.last = b;
        }
        self.offset += n as u64;
        Ok(n)
    }
}

pub(crate) fn excel_cell(d: &Data, formula: Option<&String>) -> Cell {
    match d {
        Data::Empty => match formula {
            Some(f) => Cell::FormulaWithoutValue(f.clone()),
            None => Cell::Empty,
        },
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => Cell::DateSerial(dt.as_f64()),
        Data::Error(e) => Cell::Error(format!("{e:?}")),
    }
}

/// UTF-8 (with or without BOM), UTF-16 (with BOM, Excel's "Unicode text"), else Windows-1252, the
/// superset of Latin-1 that Excel on Windows writes. Streams the whole file once to check UTF-8.
fn sniff_encoding(path: &Path) -> Result<(&'static Encoding, bool), FormatError> {
    let mut file = BufReader::with_capacity(
        1 << 16,
        File::open(path).map_err(|e| FormatError::io(path, e))?,
    );
    let mut buf = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    let mut first = true;
    let mut bom = false;
    loop {
        let n = file.read(&mut buf).map_err(|e| FormatError::io(path, e))?;
        if n == 0 {
            break;
        }
        let mut chunk = std::mem::take(&mut carry);
        chunk.extend_from_slice(&buf[..n]);
        if first {
            first = false;
            if let Some((enc, _)) = Encoding::for_bom(&chunk) {
                if enc == UTF_8 {
                    bom = true;
                } else {
                    return Ok((if enc == UTF_16LE { UTF_16LE } else { enc }, true));
                }
            }
        }
        match std::str::from_utf8(&chunk) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => carry = chunk[e.valid_up_to()..].to_vec(),
            Err(_) => return Ok((WINDOWS_1252, false)),
        }
    }
    if !carry.is_empty() {
        return Ok((WINDOWS_1252, false));
    }
    Ok((UTF_8, bom))
}

/// Picks the delimiter (`,` `;` tab `|`) that splits the first lines into the most, equally many fields.
fn sniff_delimiter(path: &Path, encoding: &'static Encoding) -> Result<u8, FormatError> {
    let file = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(file);
    let mut head = Vec::new();
    decoded
        .by_ref()
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| FormatError::io(path, e))?;
    let text = String::from_utf8_lossy(&head);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .collect();
    if lines.is_empty() {
        return Err(FormatError::Empty);
    }
    let count = |line: &str, d: char| {
        let mut in_quotes = false;
        line.chars()
            .filter(|c| {
                if *c == '"' {
                    in_quotes = !in_quotes;
                }
                !in_quotes && *c == d
            })
            .count()
    };
    let mut best = (b',', 0usize);
    for d in [',', ';', '\t', '|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count(l, d)).collect();
        let mut freq = std::collections::HashMap::new();
        for c in counts.iter().filter(|c| **c > 0) {
            *freq.entry(*c).or_insert(0usize) += 1;
        }
        // score: lines agreeing on the most common non-zero count, weighted by that count
        if let Some((fields, agreeing)) = freq.into_iter().max_by_key(|(c, n)| (*n, *c)) {
            let score = agreeing * 1000 + fields;
            if score > best.1 {
                best = (d as u8, score);
            }
        }
    }
    Ok(best.0)
}

/// Whether a row is the end marker of a template's data: a cell holding `###` alone.
fn ends_data(cells: &[Cell]) -> bool {
    cells.iter().any(|c| c.text_ref().trim() == "###")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn lending_rows_gives_what_iterating_them_gives_on_every_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import");
        let score = |h: &[String]| h.iter().filter(|c| !c.is_empty()).count();
        let mut compared = 0;
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let Ok(table) = Table::open(&path, None, &score) else {
                continue;
            };
            let iterated: Result<Vec<RawRow>, String> = table
                .rows()
                .unwrap()
                .map(|r| r.map_err(|e| e.to_string()))
                .collect();
            let mut lent = Vec::new();
            let lending = table.for_each_row(|row| lent.push(row.clone()));
            match iterated {
                Ok(rows) => {
                    lending.unwrap();
                    assert_eq!(lent, rows, "{}", path.display());
                    compared += rows.len();
                }
                // A file that breaks half-way breaks both, after the same rows.
                Err(e) => {
                    assert_eq!(lending.unwrap_err().to_string(), e, "{}", path.display());
                }
            }
        }
        assert!(compared > 100, "only {compared} rows compared");
    }

    /// A password-protected workbook is an OLE container holding an `EncryptedPackage` stream, whatever
    /// its extension; the operator is told to remove the password rather than "damaged file".
    #[test]
    fn a_password_protected_workbook_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terkunci.xlsx");
        let mut c = cfb::CompoundFile::create(File::create(&path).unwrap()).unwrap();
        c.create_stream("/EncryptedPackage")
            .unwrap()
            .write_all(&[7u8; 600])
            .unwrap();
        c.flush().unwrap();
        drop(c);
        let err = Table::open(&path, None, &|_: &[String]| 1)
            .err()
            .expect("refused");
        assert!(err.to_string().contains("dilindungi kata sandi"), "{err}");
    }

    fn lines_of(content: &[u8]) -> Vec<u64> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, content).unwrap();
        let table = Table::open(&path, None, &|cells: &[String]| {
            usize::from(cells.first().is_some_and(|c| c == "h"))
        })
        .unwrap();
        table.rows().unwrap().map(|r| r.unwrap().line).collect()
    }

    #[test]
    fn line_numbers_are_true_with_lf_crlf_blank_lines_and_multiline_cells() {
        assert_eq!(
            lines_of(b"h,b\n1,2\n\n3,4\n\"x\ny\",5\n6,7\n"),
            vec![2, 4, 5, 7]
        );
        assert_eq!(
            lines_of(b"h,b\r\n1,2\r\n\r\n3,4\r\n\"x\r\ny\",5\r\n6,7\r\n"),
            vec![2, 4, 5, 7]
        );
        assert_eq!(lines_of(b"title,\r\n\r\nh,b\r\n1,2\r\n"), vec![4]);
    }
}
