//! The date readers of imports: ISO, dd/mm/yyyy, Indonesian month names, two-digit years, Excel
//! serials, paid-through months. Any input: a date not after "today" or an error, never a panic.
#![no_main]

use jaring_formats::values::{excel_serial, parse_date, parse_month};
use jaring_formats::DateOrder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid date");
    if let Ok(text) = std::str::from_utf8(data) {
        for order in [DateOrder::Unknown, DateOrder::Dmy, DateOrder::Mdy] {
            if let Ok(d) = parse_date(text, order, today) {
                assert!(d <= today, "{text:?} read as the future {d}");
            }
        }
        let _ = parse_month(text, today);
    }
    if data.len() == 8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(data);
        let _ = excel_serial(f64::from_le_bytes(b));
    }
});
