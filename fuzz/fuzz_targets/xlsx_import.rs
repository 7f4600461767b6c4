//! The import path of an Excel list: whatever bytes arrive named `.xlsx` (zip/XML, or an OLE `.xls` by
//! its magic bytes) opened, then header search, mapping and rows as for CSV. Any bytes: an error or
//! records, never a panic or runaway memory. The corpus holds real workbooks, so mutations stay close
//! to valid files.
#![no_main]

#[path = "shared/import.rs"]
mod import;

use jaring_formats::ListKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(path) = import::as_file(data, "daftar.xlsx") {
        import::read_as(
            &path,
            &[ListKind::Registry, ListKind::Deaths, ListKind::Bpjs],
        );
    }
});
