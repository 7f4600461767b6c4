//! Free text people type (a reason, a name, a summary): bounded in length and printable. A reason
//! goes into the hash-chained audit log for good, so a 10 MB paste must not; and PostgreSQL cannot
//! store a NUL character at all, so such text is refused with a reason instead of failing in the
//! database.

use crate::AppError;

/// Longest reason or note accepted (characters).
pub const MAX_REASON: usize = 1_000;

/// Longest single field value (a name, an occupation, an address).
pub const MAX_FIELD: usize = 200;

/// `text` trimmed, or why it is refused. `what` names the field in Indonesian and English.
pub fn checked<'a>(what: (&str, &str), text: &'a str, max: usize) -> Result<&'a str, AppError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::Input(format!(
            "{} terlalu panjang (paling banyak {max} karakter) / {} is too long (at most {max} characters)",
            what.0, what.1
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(AppError::Input(format!(
            "{} memuat karakter kendali / {} contains control characters",
            what.0, what.1
        )));
    }
    Ok(text)
}

/// The reason of a decision.
pub fn reason(text: &str) -> Result<&str, AppError> {
    checked(("alasan", "the reason"), text, MAX_REASON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_control_text_is_refused_with_a_reason_and_the_rest_is_trimmed() {
        assert_eq!(reason("  salah orang \n").unwrap(), "salah orang");
        assert_eq!(
            reason("baris satu\nbaris dua").unwrap(),
            "baris satu\nbaris dua"
        );
        let nul = reason("a\u{0}b").unwrap_err().to_string();
        assert!(nul.contains("control characters"), "{nul}");
        assert!(reason("\u{1f}").is_err());
        let long = "x".repeat(MAX_REASON + 1);
        assert!(reason(&long).unwrap_err().to_string().contains("too long"));
        assert!(
            reason(&"é".repeat(MAX_REASON)).is_ok(),
            "counted in characters"
        );
    }
}
