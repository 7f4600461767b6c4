//! Hostile upload files, generated for the tests that show the importer and the server stay within
//! their memory and time bounds: workbooks that inflate far beyond their size (zip bombs), one shared
//! string of hundreds of megabytes, cells far apart, a header followed by millions of junk rows.
//!
//! Each workbook is a minimal valid XLSX (the five parts calamine needs) so that only the hostile part
//! differs from an ordinary file; large parts are written through the deflate stream in chunks, never
//! held whole.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::ZipWriter;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET_OPEN: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_CLOSE: &str = "</sheetData></worksheet>";
const NO_STRINGS: &str = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#;

/// A part's content, written in pieces.
type Writer<'a> = &'a mut dyn FnMut(&mut dyn Write) -> io::Result<()>;

/// Writes a workbook at `path` whose sheet XML and shared strings come from the two writers.
fn workbook(path: &Path, sheet: Writer, strings: Writer) -> io::Result<()> {
    let mut zip = ZipWriter::new(BufWriter::new(File::create(path)?));
    // Fastest deflate: the parts are repetitive and the tests generate hundreds of megabytes.
    let options = SimpleFileOptions::default().compression_level(Some(1));
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        zip.start_file(name, options).map_err(io::Error::other)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.start_file("xl/sharedStrings.xml", options.large_file(true))
        .map_err(io::Error::other)?;
    strings(&mut zip)?;
    zip.start_file("xl/worksheets/sheet1.xml", options.large_file(true))
        .map_err(io::Error::other)?;
    sheet(&mut zip)?;
    zip.finish().map_err(io::Error::other)?.flush()
}

/// Writes `byte` `count` times.
fn repeat(out: &mut dyn Write, byte: u8, count: u64) -> io::Result<()> {
    let chunk = vec![byte; 1 << 20];
    let mut left = count;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        out.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// One cell whose inline text is `spaces` spaces: a zip bomb of whitespace (2 MB per GB inflated).
pub fn whitespace_bomb(path: &Path, spaces: u64) -> io::Result<()> {
    workbook(
        path,
        &mut |out| {
            out.write_all(SHEET_OPEN.as_bytes())?;
            out.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>"#)?;
            repeat(out, b' ', spaces)?;
            out.write_all(b"</t></is></c></row>")?;
            out.write_all(SHEET_CLOSE.as_bytes())
        },
        &mut |out| out.write_all(NO_STRINGS.as_bytes()),
    )
}

/// One shared string of `length` letters, used by cell A1.
pub fn shared_string_bomb(path: &Path, length: u64) -> io::Result<()> {
    workbook(
        path,
        &mut |out| {
            out.write_all(SHEET_OPEN.as_bytes())?;
            out.write_all(br#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#)?;
            out.write_all(SHEET_CLOSE.as_bytes())
        },
        &mut |out| {
            out.write_all(br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#)?;
            repeat(out, b'A', length)?;
            out.write_all(b"</t></si></sst>")
        },
    )
}

/// Two filled cells, at A1 and at the sheet's last cell XFD1048576.
pub fn far_cells(path: &Path) -> io::Result<()> {
    workbook(
        path,
        &mut |out| {
            out.write_all(SHEET_OPEN.as_bytes())?;
            out.write_all(br#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#)?;
            out.write_all(SHEET_CLOSE.as_bytes())
        },
        &mut |out| out.write_all(NO_STRINGS.as_bytes()),
    )
}

/// A registry header (NIK, Nama, Kode Desa) followed by `rows` rows whose NIK is junk, each one a
/// rejected row: what an importer keeps per rejected row is what this measures.
pub fn junk_rows(path: &Path, rows: u64) -> io::Result<()> {
    workbook(
        path,
        &mut |out| {
            out.write_all(SHEET_OPEN.as_bytes())?;
            out.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c><c r="B1" t="inlineStr"><is><t>Nama</t></is></c><c r="C1" t="inlineStr"><is><t>Kode Desa</t></is></c></row>"#)?;
            for r in 2..rows + 2 {
                write!(
                    out,
                    r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>X</t></is></c><c r="C{r}" t="inlineStr"><is><t>53.04.01.2001</t></is></c></row>"#
                )?;
            }
            out.write_all(SHEET_CLOSE.as_bytes())
        },
        &mut |out| out.write_all(NO_STRINGS.as_bytes()),
    )
}

/// A CSV registry list whose cells begin with what spreadsheets run as formulas.
pub fn formula_cells_csv(path: &Path) -> io::Result<()> {
    std::fs::write(
        path,
        "NIK,Nama,Kode Desa,Tempat Lahir\n\
         =1+1,\"=HYPERLINK(\"\"http://evil.example/\"\",\"\"klik\"\")\",53.04.01.2001,@SUM(A1)\n\
         +5304015205900001,-2+3,53.04.01.2001,\"\tTAB\"\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bombs_are_small_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ws.xlsx");
        whitespace_bomb(&path, 64 << 20).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size < 1 << 20, "{size} bytes for 64 MiB of whitespace");
    }
}
