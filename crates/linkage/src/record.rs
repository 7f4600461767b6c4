//! A person record as the linkage engine sees it: whatever two lists have in common.

use chrono::NaiveDate;

use crate::names::NameParts;

/// Sex, when a list records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// One record of a list, prepared for comparison.
#[derive(Debug, Clone, Default)]
pub struct LinkRecord {
    /// The record's id in its list.
    pub id: String,
    /// A valid 16-digit NIK.
    pub nik: Option<String>,
    /// The leading digits that survived Excel damage (`5.30412E+15` → `530412`), for a prefix match.
    pub nik_prefix: Option<String>,
    /// Name, tokenised.
    pub name: NameParts,
    /// Phonetic key of every token, sorted (word order does not matter).
    pub phonetic: Vec<String>,
    /// Tokens joined without spaces.
    pub compact: String,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Village code as 10 digits (kecamatan = first 6, regency = first 4).
    pub region: Option<String>,
}

impl LinkRecord {
    /// Builds a record from raw values. `nik` may be damaged: a valid-looking 16-digit value becomes
    /// `nik`; a scientific-notation or zero-padded one keeps its significant leading digits as a prefix.
    pub fn new(
        id: impl Into<String>,
        nik: &str,
        name: &str,
        birth_date: Option<NaiveDate>,
        sex: Option<Sex>,
        region: Option<&str>,
    ) -> LinkRecord {
        let parts = NameParts::parse(name);
        let mut phonetic = parts.phonetic();
        phonetic.sort();
        let compact = parts.compact();
        let (nik, nik_prefix) = read_nik(nik);
        let region = region
            .map(|r| r.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|r| r.len() >= 4);
        LinkRecord {
            id: id.into(),
            nik,
            nik_prefix,
            name: parts,
            phonetic,
            compact,
            birth_date,
            sex,
            region,
        }
    }
}

/// Splits a NIK cell into a usable NIK or the prefix that survived damage.
fn read_nik(raw: &str) -> (Option<String>, Option<String>) {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(stripped) = s.strip_suffix("0000") {
            // float round trip zeroed the tail: keep what is certain
            return (None, Some(stripped.trim_end_matches('0').to_string()));
        }
        return (Some(s), None);
    }
    if let Some((mantissa, _)) = s.split_once(['E', 'e']) {
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 4 {
            return (None, Some(digits.trim_end_matches('0').to_string()));
        }
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_niks_keep_their_prefix() {
        assert_eq!(
            read_nik("5304011611780001"),
            (Some("5304011611780001".into()), None)
        );
        assert_eq!(read_nik("5.30401E+15"), (None, Some("530401".into())));
        assert_eq!(
            read_nik("5304011611780000"),
            (None, Some("530401161178".into()))
        );
        assert_eq!(read_nik(""), (None, None));
        assert_eq!(read_nik("530401161178001"), (None, None));
    }
}
