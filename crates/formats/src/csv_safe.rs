//! CSV cells that a spreadsheet would run as a formula. A file jaring writes (an export, an error
//! report, a list of pairs) is opened in Excel or LibreOffice by people who trust it; a name cell
//! `=HYPERLINK(…)` or `@SUM(…)` coming from an uploaded list must stay text. Following OWASP's advice,
//! such a cell is prefixed with a single quote, which the spreadsheet shows as text. Numbers keep
//! their sign: `-1500` and `+62812…` are values, not formulas.

use std::borrow::Cow;

/// The cell as it may be written to a CSV file.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && !is_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A plain decimal number (sign, digits, one decimal point or comma), as a spreadsheet reads it.
fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let mut seen_digit = false;
    let mut seen_point = false;
    for c in digits.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' | ',' if !seen_point => seen_point = true,
            _ => return false,
        }
    }
    seen_digit
}

/// Every cell of a record made safe.
pub fn csv_safe_record<'a, I>(cells: I) -> Vec<Cow<'a, str>>
where
    I: IntoIterator<Item = &'a str>,
{
    cells.into_iter().map(csv_safe).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_keep_their_sign() {
        for (input, want) in [
            (
                "=HYPERLINK(\"http://x\",\"klik\")",
                "'=HYPERLINK(\"http://x\",\"klik\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-1500", "-1500"),
            ("-1.5", "-1.5"),
            ("+6281234567", "+6281234567"),
            ("Maria Luruk", "Maria Luruk"),
            ("5304015205900001", "5304015205900001"),
            ("", ""),
        ] {
            assert_eq!(csv_safe(input), want, "{input:?}");
        }
    }
}
