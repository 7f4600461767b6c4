//! The import path shared by the CSV and XLSX targets: open, find the header, map the columns, gather
//! date evidence and read every row as `kinds` lists, exactly as `jaring import` does.

use jaring_formats::mapping::heading_score;
use jaring_formats::{ColumnMap, Evidence, ListKind, RowReader, Table};

/// Replaces libFuzzer's panic hook, which aborts on every panic, even one that jaring catches: a panic
/// inside the Excel library on a malformed workbook is caught by `Table::open` and reported as an
/// unreadable file, in production as here. A panic jaring does not catch still unwinds to libfuzzer-sys,
/// which aborts, so it is still a finding. Each panic site is printed once, to tell them apart.
fn contain_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if seen
                .lock()
                .map(|mut s| s.insert(at.clone()))
                .unwrap_or(true)
            {
                eprintln!("panic at {at}: {info} (a finding unless jaring catches it)");
            }
        }));
    });
}

/// Reads the file at `path` as each of `kinds`; errors are fine, panics jaring does not catch are
/// findings.
pub fn read_as(path: &std::path::Path, kinds: &[ListKind]) {
    contain_caught_panics();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid date");
    for &kind in kinds {
        let Ok(table) = Table::open(path, None, &heading_score(kind, None)) else {
            continue;
        };
        let Ok(columns) = ColumnMap::resolve(kind, table.headers(), None) else {
            continue;
        };
        let Ok(rows) = table.rows() else { continue };
        let rows: Vec<_> = rows.filter_map(Result::ok).collect();
        let mut evidence = Evidence::default();
        for row in &rows {
            evidence.observe(&columns, row);
        }
        let reader = RowReader::new(
            kind,
            columns,
            table.headers().to_vec(),
            &evidence,
            today,
            None,
            None,
        );
        for row in &rows {
            let _ = reader.read(row);
        }
    }
}

/// Writes the input to a file of this process (the reader takes paths) and returns it.
pub fn as_file(data: &[u8], name: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("jaring-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(name);
    std::fs::write(&path, data).ok()?;
    Some(path)
}
