//! Checks an Office Open XML workbook (a zip of XML parts) before the Excel library reads it, so that a
//! small hostile file cannot make the reader hold gigabytes.
//!
//! Measured before this check (issue 18): a 2.1 MB XLSX of whitespace took the server to 5.7 GB, a 1 MB
//! XLSX with one shared string of 1 GB to 3.2 GB. The XML parser buffers a whole text run or tag, and
//! calamine loads the shared strings at open, so what bounds memory is the longest run between two
//! markup characters and the inflated size of each part calamine loads whole. Both are measured here by
//! inflating every XML part as a stream (the sizes a zip declares can lie), holding 64 KiB at a time.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// The longest text or tag between two markup characters. Excel caps a cell at 32,767 characters
/// (at most ~200 KB of escaped UTF-8); a run longer than 1 MiB is not a spreadsheet's.
pub const MAX_XML_RUN: u64 = 1 << 20;

/// The shared strings part, loaded whole by the reader: 64 MiB inflated holds about two million
/// distinct texts, far beyond a regency's registry (Belu's 233,000 residents need ~15 MB).
pub const MAX_SHARED_STRINGS: u64 = 64 << 20;

/// A worksheet part, read as a stream: bounded for time (each pass inflates it again), not memory.
/// 1 GiB of sheet XML is ~20 million cells, more than a 64 MiB upload of real data inflates to.
pub const MAX_SHEET_PART: u64 = 1 << 30;

/// Any other part (workbook, styles, relationships), loaded whole.
pub const MAX_OTHER_PART: u64 = 32 << 20;

/// All parts together.
pub const MAX_TOTAL: u64 = 3 << 29;

/// More parts than any workbook has (each sheet, style and relationship is one).
const MAX_PARTS: usize = 10_000;

/// Why a workbook was refused, in Indonesian and English.
fn refuse(indonesian: &str, english: &str) -> String {
    format!("{indonesian} / {english}")
}

/// Refuses a workbook whose parts would make the reader hold more than the bounds above.
pub fn check_workbook(path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        refuse(
            &format!("struktur zip rusak ({e})"),
            "damaged zip structure",
        )
    })?;
    if zip.len() > MAX_PARTS {
        return Err(refuse(
            &format!("terlalu banyak bagian ({})", zip.len()),
            "too many parts in the workbook",
        ));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| {
            refuse(
                &format!("bagian ke-{} rusak ({e})", i + 1),
                "a damaged part",
            )
        })?;
        let name = part
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        // Pictures, printer settings and macros are never read; only XML is parsed.
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let limit = if name.ends_with("sharedstrings.xml") {
            MAX_SHARED_STRINGS
        } else if name.contains("worksheets/") {
            MAX_SHEET_PART
        } else {
            MAX_OTHER_PART
        };
        let too_big = || {
            refuse(
                &format!(
                    "bagian {} mengembang melebihi {} MiB; berkas ini bukan daftar biasa (bom zip?) — simpan ulang dari Excel atau kirim CSV",
                    part_label(&name),
                    limit >> 20
                ),
                &format!(
                    "part {} inflates past {} MiB; not an ordinary list (a zip bomb?) — save it again from Excel or send CSV",
                    part_label(&name),
                    limit >> 20
                ),
            )
        };
        if part.size() > limit {
            return Err(too_big());
        }
        let inflated = scan_xml(&mut part, limit).map_err(|e| match e {
            ScanError::TooBig => too_big(),
            ScanError::LongRun => refuse(
                &format!(
                    "bagian {} memuat satu teks atau tag lebih dari {} KiB (sel Excel paling panjang 32.767 karakter); berkas rusak atau dibuat untuk merusak",
                    part_label(&name),
                    MAX_XML_RUN >> 10
                ),
                &format!(
                    "part {} holds a text or tag over {} KiB (an Excel cell holds at most 32,767 characters); the file is damaged or hostile",
                    part_label(&name),
                    MAX_XML_RUN >> 10
                ),
            ),
            ScanError::Read(e) => refuse(
                &format!("bagian {} tidak dapat dibuka ({e})", part_label(&name)),
                "a part cannot be inflated",
            ),
        })?;
        total += inflated;
        if total > MAX_TOTAL {
            return Err(refuse(
                &format!(
                    "isi berkas mengembang melebihi {} MiB; kirim sebagai CSV",
                    MAX_TOTAL >> 20
                ),
                "the workbook inflates past its bound; send it as CSV",
            ));
        }
    }
    Ok(())
}

/// The part's file name, for messages (`sheet1.xml`).
fn part_label(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

enum ScanError {
    TooBig,
    LongRun,
    Read(std::io::Error),
}

/// Inflates `part` as a stream, returning its size; refuses it past `limit` bytes or when a run
/// between two of `<` and `>` exceeds [`MAX_XML_RUN`].
fn scan_xml(part: &mut impl Read, limit: u64) -> Result<u64, ScanError> {
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    let mut run = 0u64;
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ScanError::Read(e)),
        };
        total += n as u64;
        if total > limit {
            return Err(ScanError::TooBig);
        }
        let chunk = &buf[..n];
        let mut last = None;
        for i in memchr::memchr2_iter(b'<', b'>', chunk) {
            let since = last.map_or(run + i as u64, |l: usize| (i - l - 1) as u64);
            if since > MAX_XML_RUN {
                return Err(ScanError::LongRun);
            }
            last = Some(i);
        }
        run = match last {
            Some(l) => (n - l - 1) as u64,
            None => run + n as u64,
        };
        if run > MAX_XML_RUN {
            return Err(ScanError::LongRun);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_measured_across_reads() {
        let mut long = b"<a>".to_vec();
        long.extend(std::iter::repeat_n(b' ', (MAX_XML_RUN + 1) as usize));
        long.extend(b"</a>");
        assert!(matches!(
            scan_xml(&mut long.as_slice(), u64::MAX),
            Err(ScanError::LongRun)
        ));
        let mut fine = Vec::new();
        for _ in 0..100_000 {
            fine.extend(b"<c r=\"A1\"><v>12345</v></c>");
        }
        assert_eq!(
            scan_xml(&mut fine.as_slice(), u64::MAX).ok(),
            Some(fine.len() as u64)
        );
        assert!(matches!(
            scan_xml(&mut fine.as_slice(), 1000),
            Err(ScanError::TooBig)
        ));
    }
}
