//! The import path of a CSV list, as `jaring import` reads it: encoding and delimiter sniffing, header
//! search, column mapping, date-order evidence and every row of every list kind read into a record or
//! rejected with reasons. Any bytes: never a panic.
#![no_main]

#[path = "shared/import.rs"]
mod import;

use jaring_formats::ListKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(path) = import::as_file(data, "daftar.csv") {
        import::read_as(
            &path,
            &[
                ListKind::Registry,
                ListKind::Dtsen,
                ListKind::Deaths,
                ListKind::Asn,
                ListKind::Bpjs,
            ],
        );
    }
});
