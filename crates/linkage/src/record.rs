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
    /// Tokens joined with single spaces (what spelling similarity is measured on), computed once here
    /// rather than for each of the millions of pairs a record takes part in.
    pub joined: String,
    /// Precomputed for the comparison hot path (tens of millions of pairs): the NIK's digits as a fixed
    /// array, and 64-bit hashes that settle most "are these equal?" questions without touching text.
    pub(crate) fast: Fast,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Village code as 10 digits (kecamatan = first 6, regency = first 4).
    pub region: Option<String>,
    /// Family-card number (No. KK), 16 digits, when the list carries one.
    pub no_kk: Option<String>,
    /// Place of birth, folded (lower-case letters only), when the list carries one.
    pub birth_place: Option<String>,
    /// The household the record belongs to in its own list (registry side: the household id), so
    /// that a NIK written on a relative's record can be traced to the household rather than to the
    /// relative who holds it.
    pub household: Option<i64>,
}

/// Hot-path views of a record's fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fast {
    pub(crate) nik: Option<[u8; 16]>,
    pub(crate) joined: u64,
    pub(crate) compact: u64,
    pub(crate) phonetic: u64,
    /// Hash of each phonetic token, sorted by hash (a multiset, like `phonetic`).
    pub(crate) tokens: Vec<u64>,
}

fn hash_of<T: std::hash::Hash + ?Sized>(v: &T) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
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
        let joined = parts.joined();
        let (nik, nik_prefix) = read_nik(nik);
        let region = region
            .map(|r| r.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|r| r.len() >= 4);
        let mut tokens: Vec<u64> = phonetic.iter().map(|t| hash_of(t.as_str())).collect();
        tokens.sort_unstable();
        let fast = Fast {
            nik: nik
                .as_ref()
                .and_then(|n| <[u8; 16]>::try_from(n.as_bytes()).ok()),
            joined: hash_of(joined.as_str()),
            compact: hash_of(compact.as_str()),
            phonetic: hash_of(&phonetic),
            tokens,
        };
        LinkRecord {
            fast,
            id: id.into(),
            nik,
            nik_prefix,
            name: parts,
            phonetic,
            compact,
            joined,
            birth_date,
            sex,
            region,
            no_kk: None,
            birth_place: None,
            household: None,
        }
    }

    /// Adds the fields beyond identity that some lists carry: No. KK (kept only when it is 16 digits),
    /// place of birth and the record's household.
    pub fn with_details(
        mut self,
        no_kk: Option<&str>,
        birth_place: Option<&str>,
        household: Option<i64>,
    ) -> LinkRecord {
        self.no_kk = no_kk
            .map(|k| k.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|k| k.len() == 16 && !k.ends_with("0000"));
        self.birth_place = birth_place
            .map(|p| {
                p.chars()
                    .filter(|c| c.is_alphabetic())
                    .flat_map(char::to_lowercase)
                    .collect::<String>()
            })
            .filter(|p| p.len() >= 3);
        self.household = household;
        self
    }

    /// A key of the name that ignores spelling variants and word order (the phonetic tokens): two
    /// records with the same key are namesakes as far as a reader of the list can tell.
    pub fn name_key(&self) -> u64 {
        self.fast.phonetic
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
