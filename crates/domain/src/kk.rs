//! No. KK, the 16-digit family-card number: kecamatan of issue (6), recording date `DDMMYY` (6), serial (4).
//!
//! The number belongs to the card, not the family: it changes on a move, a split or the death of the head
//! (DOMAIN.md §5.2), so households are keyed by a stable internal id and keep a history of KK numbers.

use std::fmt;

use chrono::NaiveDate;

use crate::digits::{clean_identifier, scientific_notation, two_digit_year};
use crate::message::Bilingual;
use crate::nik::{check_region_prefix, NikError};
use crate::region::RegionCode;

/// A family-card number that passed every structural rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NoKk(u64);

/// The rule a text broke on its way to becoming a [`NoKk`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoKkError {
    /// Nothing was given.
    #[error("{}", self.both())]
    Empty,
    /// Excel showed the number in scientific notation.
    #[error("{}", self.both())]
    ExcelScientific(String),
    /// Excel stored it as a number and the last digits became zeros.
    #[error("{}", self.both())]
    ExcelPrecisionLost(String),
    /// A character that is not a digit.
    #[error("{}", self.both())]
    NotDigits(char),
    /// Not 16 digits.
    #[error("{}", self.both())]
    Length(usize),
    /// The first 6 digits are not a known kecamatan.
    #[error("{}", self.both())]
    Region(String),
    /// The recording date is not a real date in the past.
    #[error("{}", self.both())]
    RecordingDate(String),
}

impl Bilingual for NoKkError {
    fn id(&self) -> String {
        match self {
            NoKkError::Empty => "No. KK kosong".into(),
            NoKkError::ExcelScientific(s) => format!(
                "No. KK rusak oleh Excel: tertulis '{s}' (notasi ilmiah); format kolom sebagai Teks lalu ketik ulang dari KK"
            ),
            NoKkError::ExcelPrecisionLost(s) => format!(
                "No. KK '{s}' kemungkinan rusak oleh Excel: digit terakhir berubah menjadi 0; ketik ulang dari KK"
            ),
            NoKkError::NotDigits(c) => format!("No. KK hanya boleh berisi angka, ditemukan '{c}'"),
            NoKkError::Length(n) => format!("No. KK harus 16 digit, ditemukan {n} digit"),
            NoKkError::Region(p) => {
                format!("6 digit pertama No. KK ({p}) bukan kode kecamatan yang terdaftar")
            }
            NoKkError::RecordingDate(d) => {
                format!("tanggal pencatatan pada No. KK ({d}) bukan tanggal yang sah")
            }
        }
    }

    fn en(&self) -> String {
        match self {
            NoKkError::Empty => "family card number is empty".into(),
            NoKkError::ExcelScientific(s) => format!(
                "family card number damaged by Excel: written as '{s}' (scientific notation); format the column as Text and re-type it"
            ),
            NoKkError::ExcelPrecisionLost(s) => format!(
                "family card number '{s}' was probably damaged by Excel: the last digits became 0; re-type it"
            ),
            NoKkError::NotDigits(c) => {
                format!("a family card number holds only digits, found '{c}'")
            }
            NoKkError::Length(n) => format!("a family card number has 16 digits, found {n}"),
            NoKkError::Region(p) => format!(
                "the first 6 digits of the family card number ({p}) are not a registered district code"
            ),
            NoKkError::RecordingDate(d) => {
                format!("the recording date in the family card number ({d}) is not a valid date")
            }
        }
    }
}

impl NoKk {
    /// Parses a family-card number, checking the recording date against today.
    pub fn parse(input: &str) -> Result<NoKk, NoKkError> {
        NoKk::parse_on(input, crate::today())
    }

    /// Parses a family-card number; the recording date may not be after `today`.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<NoKk, NoKkError> {
        let s = clean_identifier(input);
        if s.is_empty() {
            return Err(NoKkError::Empty);
        }
        if scientific_notation(&s) {
            return Err(NoKkError::ExcelScientific(s));
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(NoKkError::NotDigits(c));
        }
        if s.len() != 16 {
            return Err(NoKkError::Length(s.len()));
        }
        if s.ends_with("0000") {
            return Err(NoKkError::ExcelPrecisionLost(s));
        }
        check_region_prefix(&s).map_err(|e| match e {
            NikError::UnknownProvince(p)
            | NikError::UnknownRegency(p)
            | NikError::UnknownDistrict(p) => NoKkError::Region(p),
            _ => NoKkError::Region(s[..6].to_string()),
        })?;
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        two_digit_year(num(6..8), num(8..10), num(10..12), today)
            .ok_or_else(|| NoKkError::RecordingDate(s[6..12].to_string()))?;
        s.parse::<u64>()
            .map(NoKk)
            .map_err(|_| NoKkError::Length(s.len()))
    }

    /// Builds a KK number from its parts (for generators and tests).
    pub fn from_parts(
        district: RegionCode,
        recorded: NaiveDate,
        serial: u32,
    ) -> Result<NoKk, NoKkError> {
        let text = format!(
            "{}{}{:04}",
            district.digits(),
            recorded.format("%d%m%y"),
            serial
        );
        NoKk::parse_on(&text, recorded)
    }

    /// The kecamatan that issued the card.
    pub fn district(&self) -> RegionCode {
        // The prefix was checked against the region list when parsed.
        RegionCode::from_trusted(self.0 / 10_000_000_000)
    }

    /// The number as an integer.
    pub fn as_number(&self) -> u64 {
        self.0
    }
}

impl fmt::Display for NoKk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}", self.0)
    }
}

crate::text_identifier!(NoKk, NoKkError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn parses_and_reads_district() {
        let kk = NoKk::parse_on("5304121503180007", today()).unwrap();
        assert_eq!(kk.district().to_string(), "53.04.12");
        assert_eq!(kk.to_string(), "5304121503180007");
    }

    #[test]
    fn every_rule_has_a_failing_example() {
        let t = today();
        assert_eq!(NoKk::parse_on(" ", t), Err(NoKkError::Empty));
        assert!(matches!(
            NoKk::parse_on("5.30412E+15", t),
            Err(NoKkError::ExcelScientific(_))
        ));
        assert!(matches!(
            NoKk::parse_on("5304121503180000", t),
            Err(NoKkError::ExcelPrecisionLost(_))
        ));
        assert_eq!(
            NoKk::parse_on("53041215031800x7", t),
            Err(NoKkError::NotDigits('x'))
        );
        assert_eq!(
            NoKk::parse_on("53041215031807", t),
            Err(NoKkError::Length(14))
        );
        assert_eq!(
            NoKk::parse_on("5304991503180007", t),
            Err(NoKkError::Region("530499".into()))
        );
        let err = NoKk::parse_on("5304124503180007", t).unwrap_err();
        assert_eq!(err, NoKkError::RecordingDate("450318".into()));
        assert!(err.id().contains("tanggal pencatatan"));
        assert!(err.en().contains("recording date"));
    }

    proptest! {
        #[test]
        fn any_valid_kk_round_trips(days in 0i64..(40 * 365), serial in 1u32..=9999) {
            prop_assume!(serial % 10_000 != 0);
            let recorded = today() - chrono::Duration::days(days);
            let kk = NoKk::from_parts(RegionCode::parse("53.04.05").unwrap(), recorded, serial).unwrap();
            prop_assert_eq!(NoKk::parse_on(&kk.to_string(), today()).unwrap(), kk);
        }

        #[test]
        fn no_input_panics(s in "\\PC{0,24}") {
            let _ = NoKk::parse_on(&s, today());
        }
    }
}
