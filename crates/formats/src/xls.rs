//! Legacy `.xls` workbooks (OLE compound files holding BIFF records), made safe for calamine before it
//! reads them: calamine reads a legacy sheet whole, as one dense rectangle of cells.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use crate::FormatError;

/// Reads the container of a legacy `.xls` (an OLE compound file) with the `cfb` crate and writes its
/// workbook stream into a fresh, well-formed container for calamine. calamine's own container parser
/// follows a looping sector chain until memory runs out, and asserts (panics) on a truncated last
/// sector (both found by fuzzing); the `cfb` crate refuses the first and reads the second, and calamine
/// then only ever sees a container the `cfb` crate wrote.
pub(crate) fn rebuild_compound_file(path: &Path) -> Result<Vec<u8>, FormatError> {
    let damaged = |reason: String| FormatError::Excel {
        path: path.display().to_string(),
        reason: format!("struktur berkas .xls rusak / damaged .xls structure: {reason}"),
    };
    let file = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut compound = cfb::CompoundFile::open(file).map_err(|e| damaged(e.to_string()))?;
    if compound.is_stream("/EncryptedPackage") {
        return Err(FormatError::Excel {
            path: path.display().to_string(),
            reason: "berkas dilindungi kata sandi; buka di Excel, hapus kata sandinya, simpan lagi / the file is password-protected; open it in Excel, remove the password and save it again".into(),
        });
    }
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|s| compound.is_stream(s))
        .ok_or_else(|| damaged("tidak ada lembar kerja / no workbook stream".into()))?;
    let mut workbook = Vec::new();
    compound
        .open_stream(name)
        .and_then(|mut s| s.read_to_end(&mut workbook))
        .map_err(|e| damaged(e.to_string()))?;
    // Version 3 (512-byte sectors), as Excel writes them; calamine refuses a version-4 container whose
    // root has no mini stream.
    check_biff_records(&workbook).map_err(|reason| FormatError::Excel {
        path: path.display().to_string(),
        reason,
    })?;
    let mut clean =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new()))
            .map_err(|e| damaged(e.to_string()))?;
    clean
        .create_stream(name)
        .and_then(|mut s| s.write_all(&workbook))
        .and_then(|_| clean.flush())
        .map_err(|e| damaged(e.to_string()))?;
    Ok(clean.into_inner().into_inner())
}

/// Cell records whose first two fields are the row and column ([MS-XLS] 2.4): Number, Label, RString,
/// BoolErr, RK, LabelSst, MulRk, Formula — the ones calamine places in a sheet.
const BIFF_CELL_RECORDS: &[u32] = &[
    0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x00BD, 0x0006,
];

/// Refuses a legacy workbook that would make calamine allocate far more than the file holds, which
/// aborts the process when the allocation fails (both found by fuzzing, with files of 5 KB):
/// - a DIMENSIONS record (the used area a sheet declares) that is inverted or spans more than
///   [`MAX_SHEET_CELLS`]: calamine reserves the declared area before reading a cell;
/// - a cell beyond column 256, the format's last ([MS-XLS] 2.2.2): calamine lays a sheet's cells out as
///   one dense rectangle, so two cells far apart asked for 30 GB.
/// - cells whose positions together span more than [`MAX_SHEET_CELLS`] (a cell at the first and one at
///   the last row and column asked for 16.7 million cells, half a gigabyte).
pub(crate) fn check_biff_records(stream: &[u8]) -> Result<(), String> {
    let u16_at = |b: &[u8], i: usize| u32::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut rest = stream;
    // The area the cells of the current sheet span: rows and columns, first and last.
    let mut span: Option<(u32, u32, u32, u32)> = None;
    while rest.len() >= 4 {
        let kind = u16_at(rest, 0);
        let len = u16_at(rest, 2) as usize;
        let Some(data) = rest.get(4..4 + len) else {
            // A cut-short record: calamine reports it as an error, not a crash.
            return Ok(());
        };
        rest = &rest[4 + len..];
        if kind == 0x0809 {
            // BOF: a new substream (sheet) begins.
            span = None;
            continue;
        }
        if BIFF_CELL_RECORDS.contains(&kind) && len >= 4 {
            let mut col = u16_at(data, 2);
            if kind == 0x00BD && len >= 6 {
                // MulRk: first column at 2, last column in the record's final two bytes.
                col = col.max(u16_at(data, len - 2));
            }
            if col > 0xFF {
                return Err(format!(
                    "posisi sel rusak: kolom {} (format .xls hanya sampai 256) / damaged cell position: column {} (.xls has 256 columns)",
                    col + 1,
                    col + 1
                ));
            }
            let row = u16_at(data, 0);
            let first = u16_at(data, 2);
            let (r0, c0, r1, c1) = span.unwrap_or((row, first, row, col));
            let now = (r0.min(row), c0.min(first), r1.max(row), c1.max(col));
            span = Some(now);
            let area = u64::from(now.2 - now.0 + 1) * u64::from(now.3 - now.1 + 1);
            if area > MAX_SHEET_CELLS {
                return Err(format!(
                    "lembar terlalu luas: sel terisi sampai baris {} kolom {} ({area} sel; batas {MAX_SHEET_CELLS}); hapus sel di luar tabel atau simpan sebagai .xlsx atau CSV / sheet too large: cells reach row {} column {}; delete cells outside the table or save as .xlsx or CSV",
                    now.2 + 1, now.3 + 1, now.2 + 1, now.3 + 1
                ));
            }
            continue;
        }
        if kind != 0x0200 {
            continue;
        }
        let (first_row, row_end, mut first_col, col_end) = match len {
            10 => (
                u16_at(data, 0),
                u16_at(data, 2),
                u16_at(data, 4),
                u16_at(data, 6),
            ),
            14 | 16 => (
                u32_at(data, 0),
                u32_at(data, 4),
                u16_at(data, 8),
                u16_at(data, 10),
            ),
            _ => continue,
        };
        if first_col > 0xFF || col_end < first_col {
            first_col = 0;
        }
        if row_end == 0 || col_end == 0 {
            continue;
        }
        let rows = i64::from(row_end) - i64::from(first_row);
        let cols = i64::from(col_end) - i64::from(first_col);
        if rows <= 0 || cols <= 0 {
            return Err(
                "ukuran lembar rusak / damaged sheet dimensions (the used area ends before it starts)"
                    .into(),
            );
        }
        if (rows as u64).saturating_mul(cols as u64) > MAX_SHEET_CELLS {
            return Err(format!(
                "lembar terlalu luas: {rows} baris × {cols} kolom (batas {MAX_SHEET_CELLS} sel); simpan sebagai .xlsx atau CSV / sheet too large: {rows} rows × {cols} columns declared; save it as .xlsx or CSV"
            ));
        }
    }
    Ok(())
}

/// The most cells a legacy sheet's used area may span: the format's 65,536 rows of 30 columns, about
/// 110 MB as calamine holds them (values and formulas). A larger span means a stray cell far out, or a
/// hostile file; `.xlsx` sheets are streamed and have no such bound.
pub const MAX_SHEET_CELLS: u64 = 2_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn dimensions_record(first_row: u32, row_end: u32, first_col: u16, col_end: u16) -> Vec<u8> {
        let mut r = vec![0x00, 0x02, 14, 0];
        r.extend(first_row.to_le_bytes());
        r.extend(row_end.to_le_bytes());
        r.extend(first_col.to_le_bytes());
        r.extend(col_end.to_le_bytes());
        r.extend([0, 0]);
        r
    }

    #[test]
    fn a_legacy_cell_beyond_the_last_column_is_refused() {
        // Number records (row, column, format, value) at column 3 and at column 40,000.
        let number = |col: u16| {
            let mut r = vec![0x03, 0x02, 14, 0, 5, 0];
            r.extend(col.to_le_bytes());
            r.extend([0u8; 10]);
            r
        };
        assert_eq!(check_biff_records(&number(3)), Ok(()));
        assert!(check_biff_records(&number(40_000))
            .unwrap_err()
            .contains("damaged cell position: column 40001"));
        // A MulRk whose last column (its final two bytes) is out of range.
        let mut mulrk = vec![0xBD, 0x00, 12, 0, 1, 0, 0, 0];
        mulrk.extend([0u8; 6]);
        mulrk.extend(300u16.to_le_bytes());
        assert!(check_biff_records(&mulrk).is_err());
    }

    #[test]
    fn a_legacy_sheet_declaring_an_absurd_area_is_refused_before_calamine_reserves_it() {
        // Another record first, to show the walk steps over records.
        let mut stream = vec![0x09, 0x08, 2, 0, 0, 6];
        stream.extend(dimensions_record(0, 65_536, 0, 30));
        assert_eq!(
            check_biff_records(&stream),
            Ok(()),
            "Excel 2003's every row, 30 columns"
        );
        assert!(check_biff_records(&dimensions_record(0, 65_536, 0, 256))
            .unwrap_err()
            .contains("save it as .xlsx or CSV"));
        let huge = dimensions_record(0, u32::MAX, 0, 256);
        assert!(check_biff_records(&huge)
            .unwrap_err()
            .contains("terlalu luas"));
        let inverted = dimensions_record(9, 3, 0, 4);
        assert!(check_biff_records(&inverted)
            .unwrap_err()
            .contains("damaged sheet dimensions"));
        // An empty sheet declares zeros.
        assert_eq!(check_biff_records(&dimensions_record(0, 0, 0, 0)), Ok(()));
    }

    #[test]
    fn legacy_cells_far_apart_are_refused_without_a_declared_area() {
        let number = |row: u16, col: u16| {
            let mut r = vec![0x03, 0x02, 14, 0];
            r.extend(row.to_le_bytes());
            r.extend(col.to_le_bytes());
            r.extend([0u8; 10]);
            r
        };
        let mut two = number(0, 0);
        two.extend(number(65_535, 255));
        assert!(check_biff_records(&two)
            .unwrap_err()
            .contains("cells reach row 65536 column 256"));
        // The same two cells in different sheets (a BOF record between them) are fine.
        let mut apart = number(0, 0);
        apart.extend([0x09, 0x08, 2, 0, 0, 6]);
        apart.extend(number(65_535, 255));
        assert_eq!(check_biff_records(&apart), Ok(()));
    }
}
