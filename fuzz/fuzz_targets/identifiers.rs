//! NIK, family-card number and region-code parsers: any text gives a value or an error, never a panic,
//! and a value reads back as itself.
#![no_main]

use jaring_domain::{Nik, NoKk, RegionCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid date");
    if let Ok(nik) = Nik::parse_on(text, today) {
        let again = Nik::parse_on(&nik.to_string(), today).expect("a parsed NIK parses again");
        assert_eq!(again, nik);
    }
    if let Ok(kk) = NoKk::parse_on(text, today) {
        assert_eq!(NoKk::parse_on(&kk.to_string(), today).ok(), Some(kk));
    }
    if let Ok(code) = RegionCode::parse(text) {
        assert_eq!(RegionCode::parse(&code.to_string()).ok(), Some(code));
        let _ = code.parent();
        let _ = code.level();
    }
});
