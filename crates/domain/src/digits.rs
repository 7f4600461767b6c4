//! Helpers shared by the 16-digit identifiers (NIK and No. KK).

use chrono::NaiveDate;

/// Removes what people and spreadsheets add around an identifier: surrounding and inner whitespace
/// (`5304 0102 …`), non-breaking spaces, and Excel's leading apostrophe that forces text.
pub(crate) fn clean_identifier(input: &str) -> String {
    let trimmed = input.trim().trim_start_matches('\'');
    trimmed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect()
}

/// Whether a text is a number in Excel's scientific notation (`5.30412E+15`, `5,30412E+15`).
pub(crate) fn scientific_notation(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
        && mantissa
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// Resolves `DD MM YY` to the latest century (19xx or 20xx) whose date is a real day not after `today`.
pub(crate) fn two_digit_year(day: u32, month: u32, yy: u32, today: NaiveDate) -> Option<NaiveDate> {
    [2000, 1900]
        .into_iter()
        .filter_map(|century| NaiveDate::from_ymd_opt(century + yy as i32, month, day))
        .find(|d| *d <= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_scientific_notation() {
        assert!(scientific_notation("5.30412E+15"));
        assert!(scientific_notation("5,30412e15"));
        assert!(!scientific_notation("5304120208910001"));
        assert!(!scientific_notation("E+15"));
        assert!(!scientific_notation("5.3E+"));
    }

    #[test]
    fn leap_day_of_1900_is_not_real_but_2000_is() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(
            two_digit_year(29, 2, 0, today),
            NaiveDate::from_ymd_opt(2000, 2, 29)
        );
        let before_2000 = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        assert_eq!(two_digit_year(29, 2, 0, before_2000), None);
    }
}
