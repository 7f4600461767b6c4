//! NIK (Nomor Induk Kependudukan), the 16-digit national identity number: `PP KK CC DDMMYY SSSS`.
//!
//! Province, regency and kecamatan of first registration; birth date with 40 added to the day for women;
//! a serial from 0001. There is no check digit, so validity is structure, a real birth date and a known
//! region prefix (DOMAIN.md §5.1). The most common damage is Excel's: the number shown as `5.30412E+15`,
//! or stored as a float whose 16th digit (and more) became zero. Both are named as such, because the
//! fix — format the column as text and re-type from the KTP — differs from a typing mistake.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::digits::{clean_identifier, scientific_notation, two_digit_year};
use crate::message::Bilingual;
use crate::person::Sex;
use crate::region::RegionCode;
use crate::regions::Regions;

/// A NIK that passed every structural rule. Equality and order are those of the 16 digits.
#[derive(Debug, Clone, Copy)]
pub struct Nik {
    value: u64,
    birth_date: NaiveDate,
}

/// The rule a text broke on its way to becoming a [`Nik`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    /// Nothing was given.
    #[error("{}", self.both())]
    Empty,
    /// Excel showed the number in scientific notation; the digits are gone.
    #[error("{}", self.both())]
    ExcelScientific(String),
    /// Excel stored the NIK as a number and lost the trailing digits (they read as zeros).
    #[error("{}", self.both())]
    ExcelPrecisionLost(String),
    /// A character that is not a digit.
    #[error("{}", self.both())]
    NotDigits(char),
    /// Not 16 digits.
    #[error("{}", self.both())]
    Length(usize),
    /// A temporary NIK made by OpenSID (`0` + village code + sequence) for a resident without one.
    #[error("{}", self.both())]
    TemporaryOpenSid(String),
    /// The first two digits are no province.
    #[error("{}", self.both())]
    UnknownProvince(String),
    /// The first four digits are no kabupaten/kota.
    #[error("{}", self.both())]
    UnknownRegency(String),
    /// The first six digits are no kecamatan (current or archived).
    #[error("{}", self.both())]
    UnknownDistrict(String),
    /// The day part is not 01–31 (men) or 41–71 (women).
    #[error("{}", self.both())]
    Day(u32),
    /// The month part is not 01–12.
    #[error("{}", self.both())]
    Month(u32),
    /// Day and month exist but not together (31 April, 29 February of a common year).
    #[error("{}", self.both())]
    NotACalendarDate { day: u32, month: u32, year: u32 },
}

impl Bilingual for NikError {
    fn id(&self) -> String {
        match self {
            NikError::Empty => "NIK kosong".into(),
            NikError::ExcelScientific(s) => format!(
                "NIK rusak oleh Excel: tertulis '{s}' (notasi ilmiah), digit aslinya sudah hilang; \
                 format kolom sebagai Teks lalu ketik ulang NIK dari KTP/KK"
            ),
            NikError::ExcelPrecisionLost(s) => format!(
                "NIK '{s}' kemungkinan rusak oleh Excel: digit terakhir berubah menjadi 0 karena disimpan \
                 sebagai angka; format kolom sebagai Teks lalu ketik ulang NIK dari KTP/KK"
            ),
            NikError::NotDigits(c) => format!("NIK hanya boleh berisi angka, ditemukan '{c}'"),
            NikError::Length(n) => format!("NIK harus 16 digit, ditemukan {n} digit"),
            NikError::TemporaryOpenSid(s) => format!(
                "'{s}' adalah NIK sementara OpenSID (diawali 0), bukan NIK Dukcapil"
            ),
            NikError::UnknownProvince(p) => {
                format!("2 digit pertama NIK ({p}) bukan kode provinsi yang terdaftar di Kemendagri")
            }
            NikError::UnknownRegency(p) => format!(
                "4 digit pertama NIK ({p}) bukan kode kabupaten/kota yang terdaftar di Kemendagri"
            ),
            NikError::UnknownDistrict(p) => format!(
                "6 digit pertama NIK ({p}) bukan kode kecamatan yang terdaftar di Kemendagri"
            ),
            NikError::Day(d) => format!(
                "tanggal lahir pada NIK ({d:02}) harus 01–31 (laki-laki) atau 41–71 (perempuan)"
            ),
            NikError::Month(m) => format!("bulan lahir pada NIK ({m:02}) harus 01–12"),
            NikError::NotACalendarDate { day, month, year } => format!(
                "tanggal lahir pada NIK ({day:02}-{month:02}-{year:02}) tidak ada di kalender"
            ),
        }
    }

    fn en(&self) -> String {
        match self {
            NikError::Empty => "NIK is empty".into(),
            NikError::ExcelScientific(s) => format!(
                "NIK damaged by Excel: written as '{s}' (scientific notation), its digits are lost; \
                 format the column as Text and re-type the NIK from the ID card/family card"
            ),
            NikError::ExcelPrecisionLost(s) => format!(
                "NIK '{s}' was probably damaged by Excel: the last digits became 0 because it was stored \
                 as a number; format the column as Text and re-type the NIK from the ID card/family card"
            ),
            NikError::NotDigits(c) => format!("a NIK holds only digits, found '{c}'"),
            NikError::Length(n) => format!("a NIK has 16 digits, found {n}"),
            NikError::TemporaryOpenSid(s) => format!(
                "'{s}' is an OpenSID temporary NIK (leading 0), not a civil-registry NIK"
            ),
            NikError::UnknownProvince(p) => {
                format!("the first 2 digits of the NIK ({p}) are not a registered province code")
            }
            NikError::UnknownRegency(p) => {
                format!("the first 4 digits of the NIK ({p}) are not a registered regency/city code")
            }
            NikError::UnknownDistrict(p) => {
                format!("the first 6 digits of the NIK ({p}) are not a registered district code")
            }
            NikError::Day(d) => format!(
                "the birth day in the NIK ({d:02}) must be 01–31 (men) or 41–71 (women)"
            ),
            NikError::Month(m) => format!("the birth month in the NIK ({m:02}) must be 01–12"),
            NikError::NotACalendarDate { day, month, year } => format!(
                "the birth date in the NIK ({day:02}-{month:02}-{year:02}) does not exist"
            ),
        }
    }
}

impl Nik {
    /// Parses a NIK, resolving the two-digit birth year against today's date.
    pub fn parse(input: &str) -> Result<Nik, NikError> {
        Nik::parse_on(input, crate::today())
    }

    /// Parses a NIK, resolving the two-digit birth year to the latest century not after `today`.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Nik, NikError> {
        let s = clean_identifier(input);
        if s.is_empty() {
            return Err(NikError::Empty);
        }
        if scientific_notation(&s) {
            return Err(NikError::ExcelScientific(s));
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(NikError::NotDigits(c));
        }
        if s.len() != 16 {
            return Err(NikError::Length(s.len()));
        }
        if s.starts_with('0') {
            return Err(NikError::TemporaryOpenSid(s));
        }
        // A NIK never ends in 0000 (serials start at 0001); a float round-trip in Excel zeroes the tail.
        if s.ends_with("0000") {
            return Err(NikError::ExcelPrecisionLost(s));
        }
        check_region_prefix(&s)?;
        let birth_date = birth_date(&s[6..12], today)?;
        // The slice is 16 ASCII digits, checked above, so it fits a u64.
        let value = s.parse::<u64>().map_err(|_| NikError::Length(s.len()))?;
        Ok(Nik { value, birth_date })
    }

    /// The sex encoded by the day part (+40 for women).
    pub fn sex(&self) -> Sex {
        if self.day_part() > 40 {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// The birth date encoded in the NIK (may differ from the civil-registry date; NIKs are never
    /// re-issued for that).
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The kecamatan of first registration (not necessarily where the person lives now).
    pub fn registration_district(&self) -> RegionCode {
        // The prefix was checked against the region list when parsed.
        RegionCode::from_trusted(self.value / 10_000_000_000)
    }

    /// The 4-digit serial.
    pub fn serial(&self) -> u32 {
        (self.value % 10_000) as u32
    }

    /// The NIK as a number.
    pub fn as_number(&self) -> u64 {
        self.value
    }

    /// The NIK with its middle hidden (`5304********0615`), for roles that do not need it.
    pub fn masked(&self) -> String {
        let s = self.to_string();
        format!("{}********{}", &s[..4], &s[12..])
    }

    /// Builds a NIK from its parts; used by generators and tests that need valid NIKs.
    pub fn from_parts(
        district: RegionCode,
        birth_date: NaiveDate,
        sex: Sex,
        serial: u32,
    ) -> Result<Nik, NikError> {
        let day = birth_date.day() + if sex == Sex::Female { 40 } else { 0 };
        let text = format!(
            "{}{:02}{:02}{:02}{:04}",
            district.digits(),
            day,
            birth_date.month(),
            birth_date.year().rem_euclid(100),
            serial
        );
        // Resolving the century against the birth date itself always gives that date back.
        Nik::parse_on(&text, birth_date)
    }

    fn day_part(&self) -> u32 {
        ((self.value / 100_000_000) % 100) as u32
    }
}

/// Checks the 2-, 4- and 6-digit prefixes against the national list (archived kecamatan allowed).
pub(crate) fn check_region_prefix(s: &str) -> Result<(), NikError> {
    let regions = Regions::national();
    // `s` is all ASCII digits here (checked by the callers), so prefixes are plain numbers.
    let known = |n: usize| {
        s[..n]
            .parse::<u64>()
            .is_ok_and(|code| regions.get(RegionCode::from_trusted(code)).is_some())
    };
    if !known(2) {
        return Err(NikError::UnknownProvince(s[..2].to_string()));
    }
    if !known(4) {
        return Err(NikError::UnknownRegency(s[..4].to_string()));
    }
    if !known(6) {
        return Err(NikError::UnknownDistrict(s[..6].to_string()));
    }
    Ok(())
}

/// Reads `DDMMYY` with the +40 rule for women.
fn birth_date(ddmmyy: &str, today: NaiveDate) -> Result<NaiveDate, NikError> {
    let num = |r: std::ops::Range<usize>| ddmmyy[r].parse::<u32>().unwrap_or(0);
    let (day_part, month, yy) = (num(0..2), num(2..4), num(4..6));
    let day = match day_part {
        1..=31 => day_part,
        41..=71 => day_part - 40,
        _ => return Err(NikError::Day(day_part)),
    };
    if !(1..=12).contains(&month) {
        return Err(NikError::Month(month));
    }
    two_digit_year(day, month, yy, today).ok_or(NikError::NotACalendarDate {
        day,
        month,
        year: yy,
    })
}

impl PartialEq for Nik {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Nik {}

impl std::hash::Hash for Nik {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl PartialOrd for Nik {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Nik {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}", self.value)
    }
}

crate::text_identifier!(Nik, NikError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn parse(s: &str) -> Result<Nik, NikError> {
        Nik::parse_on(s, today())
    }

    #[test]
    fn reads_sex_birth_date_and_region() {
        let man = parse("5304010208910001").unwrap();
        assert_eq!(man.sex(), Sex::Male);
        assert_eq!(
            man.birth_date(),
            NaiveDate::from_ymd_opt(1991, 8, 2).unwrap()
        );
        assert_eq!(man.registration_district().to_string(), "53.04.01");
        assert_eq!(man.serial(), 1);
        let woman = parse("5304014512150615").unwrap();
        assert_eq!(woman.sex(), Sex::Female);
        assert_eq!(
            woman.birth_date(),
            NaiveDate::from_ymd_opt(2015, 12, 5).unwrap()
        );
        assert_eq!(woman.masked(), "5304********0615");
    }

    #[test]
    fn century_is_the_latest_not_in_the_future() {
        assert_eq!(parse("5304010101260001").unwrap().birth_date().year(), 2026);
        assert_eq!(parse("5304010112260001").unwrap().birth_date().year(), 1926);
        assert_eq!(parse("5304010101000001").unwrap().birth_date().year(), 2000);
    }

    #[test]
    fn tolerates_spaces_and_excel_text_marker() {
        assert_eq!(
            parse(" '5304 0102 0891 0001 ").unwrap().to_string(),
            "5304010208910001"
        );
    }

    #[test]
    fn every_rule_has_a_failing_example_with_its_message() {
        let cases: &[(&str, NikError, &str, &str)] = &[
            ("", NikError::Empty, "NIK kosong", "NIK is empty"),
            (
                "5.30412E+15",
                NikError::ExcelScientific("5.30412E+15".into()),
                "notasi ilmiah",
                "scientific notation",
            ),
            (
                "5,30412E+15",
                NikError::ExcelScientific("5,30412E+15".into()),
                "rusak oleh Excel",
                "damaged by Excel",
            ),
            (
                "5304120208910000",
                NikError::ExcelPrecisionLost("5304120208910000".into()),
                "digit terakhir berubah menjadi 0",
                "last digits became 0",
            ),
            (
                "53041202O8910001",
                NikError::NotDigits('O'),
                "hanya boleh berisi angka",
                "only digits",
            ),
            (
                "530412020891001",
                NikError::Length(15),
                "harus 16 digit, ditemukan 15",
                "has 16 digits, found 15",
            ),
            (
                "0530401200100001",
                NikError::TemporaryOpenSid("0530401200100001".into()),
                "NIK sementara OpenSID",
                "temporary NIK",
            ),
            (
                "1004010208910001",
                NikError::UnknownProvince("10".into()),
                "kode provinsi",
                "province code",
            ),
            (
                "5350010208910001",
                NikError::UnknownRegency("5350".into()),
                "kabupaten/kota",
                "regency/city code",
            ),
            (
                "5304990208910001",
                NikError::UnknownDistrict("530499".into()),
                "kecamatan",
                "district code",
            ),
            (
                "5304013508910001",
                NikError::Day(35),
                "01–31 (laki-laki) atau 41–71 (perempuan)",
                "01–31 (men) or 41–71 (women)",
            ),
            (
                "5304010213910001",
                NikError::Month(13),
                "bulan lahir",
                "birth month",
            ),
            (
                "5304013102910001",
                NikError::NotACalendarDate {
                    day: 31,
                    month: 2,
                    year: 91,
                },
                "tidak ada di kalender",
                "does not exist",
            ),
            (
                "5304016902910001",
                NikError::NotACalendarDate {
                    day: 29,
                    month: 2,
                    year: 91,
                },
                "tidak ada di kalender",
                "does not exist",
            ),
        ];
        for (input, expected, id, en) in cases {
            let err = parse(input).unwrap_err();
            assert_eq!(&err, expected, "{input}");
            assert!(err.id().contains(id), "{input}: {}", err.id());
            assert!(err.en().contains(en), "{input}: {}", err.en());
            assert!(err.to_string().starts_with(&err.id()));
        }
    }

    #[test]
    fn zero_serial_is_named_as_excel_damage() {
        // Serials start at 0001, so a 0000 tail is the float round-trip, never a real NIK.
        assert!(matches!(
            parse("5304010208910000"),
            Err(NikError::ExcelPrecisionLost(_))
        ));
    }

    #[test]
    fn archived_belu_kecamatan_prefix_is_accepted() {
        assert!(parse("5304080208910001").is_ok());
    }

    #[test]
    fn from_parts_builds_what_it_was_given() {
        let district = RegionCode::parse("53.04.12").unwrap();
        let born = NaiveDate::from_ymd_opt(1948, 2, 29).unwrap();
        let nik = Nik::from_parts(district, born, Sex::Female, 42).unwrap();
        assert_eq!(nik.to_string(), "5304126902480042");
        assert_eq!(nik.birth_date(), born);
        assert_eq!(nik.sex(), Sex::Female);
    }

    proptest! {
        #[test]
        fn any_valid_nik_round_trips(
            district_index in 0usize..7_285,
            days in 0i64..(100 * 365),
            female in any::<bool>(),
            serial in 1u32..=9999,
        ) {
            prop_assume!(serial % 10_000 != 0);
            let born = today() - chrono::Duration::days(days);
            let sex = if female { Sex::Female } else { Sex::Male };
            let district = Regions::national()
                .at_level(crate::RegionLevel::District)
                .nth(district_index)
                .unwrap()
                .code;
            let nik = Nik::from_parts(district, born, sex, serial).unwrap();
            let again = parse(&nik.to_string()).unwrap();
            prop_assert_eq!(again, nik);
            prop_assert_eq!(again.sex(), sex);
            prop_assert_eq!(again.birth_date(), born);
            prop_assert_eq!(again.serial(), serial);
        }

        #[test]
        fn no_input_panics(s in "\\PC{0,24}") {
            let _ = parse(&s);
        }

        #[test]
        fn no_digit_string_panics(s in "[0-9]{16}") {
            if let Ok(nik) = parse(&s) {
                prop_assert_eq!(nik.to_string(), s);
            }
        }
    }
}
