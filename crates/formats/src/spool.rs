//! A workbook's rows kept on disk after the first pass, so the second pass reads them back instead
//! of inflating and parsing the sheet's XML again (for a 100,000-row sheet the parse costs about as
//! much as the whole import of the same rows from CSV). The spool is an anonymous temporary file:
//! memory stays bounded whatever the sheet's size, and the file goes when the table is dropped.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use crate::table::{Cell, RawRow};
use crate::FormatError;

/// Rows written once, read back any number of times.
pub struct Spool {
    file: tempfile::NamedTempFile,
}

/// Writes rows into a new spool.
pub struct SpoolWriter {
    out: BufWriter<tempfile::NamedTempFile>,
}

fn put_text(out: &mut impl Write, tag: u8, s: &str) -> std::io::Result<()> {
    out.write_all(&[tag])?;
    out.write_all(&(s.len() as u32).to_le_bytes())?;
    out.write_all(s.as_bytes())
}

impl SpoolWriter {
    /// A new, empty spool in the system's temporary directory.
    pub fn new(source: &Path) -> Result<SpoolWriter, FormatError> {
        let file = tempfile::NamedTempFile::new().map_err(|e| FormatError::io(source, e))?;
        Ok(SpoolWriter {
            out: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// Appends one row.
    pub fn push(&mut self, row: &RawRow) -> std::io::Result<()> {
        let out = &mut self.out;
        out.write_all(&row.line.to_le_bytes())?;
        out.write_all(&(row.cells.len() as u32).to_le_bytes())?;
        for c in &row.cells {
            match c {
                Cell::Empty => out.write_all(&[0])?,
                Cell::Text(s) => put_text(out, 1, s)?,
                Cell::Number(f) => {
                    out.write_all(&[2])?;
                    out.write_all(&f.to_le_bytes())?;
                }
                Cell::DateSerial(f) => {
                    out.write_all(&[3])?;
                    out.write_all(&f.to_le_bytes())?;
                }
                Cell::Bool(b) => out.write_all(&[4, u8::from(*b)])?,
                Cell::Error(s) => put_text(out, 5, s)?,
                Cell::FormulaWithoutValue(s) => put_text(out, 6, s)?,
            }
        }
        Ok(())
    }

    /// The finished spool.
    pub fn finish(self, source: &Path) -> Result<Spool, FormatError> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| FormatError::io(source, e.into_error()))?;
        Ok(Spool { file })
    }
}

impl Spool {
    /// The rows, in the order they were written.
    pub fn rows(
        &self,
        source: &Path,
    ) -> Result<impl Iterator<Item = Result<RawRow, FormatError>> + use<>, FormatError> {
        let file = self.file.reopen().map_err(|e| FormatError::io(source, e))?;
        let mut input = BufReader::with_capacity(1 << 16, file);
        let source = source.to_path_buf();
        Ok(std::iter::from_fn(move || match read_row(&mut input) {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => None,
            Err(e) => Some(Err(FormatError::io(&source, e))),
        }))
    }
}

fn u32_of(input: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn f64_of(input: &mut impl Read) -> std::io::Result<f64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(f64::from_le_bytes(b))
}

fn text_of(input: &mut impl Read) -> std::io::Result<String> {
    let n = u32_of(input)? as usize;
    let mut b = vec![0u8; n];
    input.read_exact(&mut b)?;
    String::from_utf8(b).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// The next row, or `None` at the end of the spool.
fn read_row(input: &mut BufReader<File>) -> std::io::Result<Option<RawRow>> {
    let mut line = [0u8; 8];
    match input.read_exact(&mut line) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let n = u32_of(input)? as usize;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        let mut tag = [0u8; 1];
        input.read_exact(&mut tag)?;
        cells.push(match tag[0] {
            0 => Cell::Empty,
            1 => Cell::Text(text_of(input)?),
            2 => Cell::Number(f64_of(input)?),
            3 => Cell::DateSerial(f64_of(input)?),
            4 => {
                let mut b = [0u8; 1];
                input.read_exact(&mut b)?;
                Cell::Bool(b[0] != 0)
            }
            5 => Cell::Error(text_of(input)?),
            6 => Cell::FormulaWithoutValue(text_of(input)?),
            other => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("spool: unknown cell tag {other}"),
                ))
            }
        });
    }
    Ok(Some(RawRow {
        line: u64::from_le_bytes(line),
        cells,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_as_written() {
        let rows = vec![
            RawRow {
                line: 2,
                cells: vec![
                    Cell::Text("5304010101800001".into()),
                    Cell::Empty,
                    Cell::Number(12.5),
                    Cell::DateSerial(29_000.0),
                    Cell::Bool(true),
                    Cell::Error("#REF!".into()),
                    Cell::FormulaWithoutValue("=A1".into()),
                    Cell::Text("Maria Luruk — é".into()),
                ],
            },
            RawRow {
                line: 9,
                cells: vec![],
            },
        ];
        let path = Path::new("uji.xlsx");
        let mut w = SpoolWriter::new(path).unwrap();
        for r in &rows {
            w.push(r).unwrap();
        }
        let spool = w.finish(path).unwrap();
        for _ in 0..2 {
            let back: Vec<RawRow> = spool.rows(path).unwrap().map(Result::unwrap).collect();
            assert_eq!(back, rows);
        }
    }
}
