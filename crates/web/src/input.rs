//! Reading the values a form or a JSON body carries (trimmed text), with the bilingual message of a
//! bad one: one reader for the report forms and the report API, so both refuse alike.

use chrono::NaiveDate;
use jaring_app::AppError;
use jaring_domain::{Nik, NoKk, Sex};

/// `v`, or "… is required" naming `what` (Indonesian, English).
pub(crate) fn required<'a>(v: &'a str, what: (&str, &str)) -> Result<&'a str, AppError> {
    if v.is_empty() {
        Err(AppError::Input(format!(
            "{} wajib diisi / {} is required",
            what.0, what.1
        )))
    } else {
        Ok(v)
    }
}

/// A required date, `YYYY-MM-DD`.
pub(crate) fn date(v: &str, what: (&str, &str)) -> Result<NaiveDate, AppError> {
    let v = required(v, what)?;
    v.parse().map_err(|_| {
        AppError::Input(format!(
            "{} '{v}' bukan tanggal (TTTT-BB-HH) / {} '{v}' is not a date (YYYY-MM-DD)",
            what.0, what.1
        ))
    })
}

/// A date that may be left empty.
pub(crate) fn optional_date(v: &str, what: (&str, &str)) -> Result<Option<NaiveDate>, AppError> {
    if v.is_empty() {
        Ok(None)
    } else {
        date(v, what).map(Some)
    }
}

/// A sex code, `m` or `f`.
pub(crate) fn sex(v: &str) -> Result<Sex, AppError> {
    Sex::from_code(v)
        .ok_or_else(|| AppError::Input("pilih jenis kelamin (m/f) / choose the sex (m/f)".into()))
}

/// A NIK, with what is wrong with it.
pub(crate) fn nik(v: &str) -> Result<Nik, AppError> {
    Nik::parse(v).map_err(|e| AppError::Input(format!("NIK {v}: {e}")))
}

/// A family-card number that may be left empty.
pub(crate) fn no_kk(v: &str) -> Result<Option<NoKk>, AppError> {
    if v.is_empty() {
        return Ok(None);
    }
    NoKk::parse(v)
        .map(Some)
        .map_err(|e| AppError::Input(format!("No. KK {v}: {e}")))
}
