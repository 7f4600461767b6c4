//! Comparators: how far two records agree on each field, as a level from full agreement (0) to
//! disagreement (the last level). A missing value on either side gives no level and no weight.

use chrono::Datelike;
use strsim::jaro_winkler;

use crate::record::LinkRecord;

/// The compared fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// NIK.
    Nik,
    /// Name.
    Name,
    /// Date of birth.
    BirthDate,
    /// Sex.
    Sex,
    /// Village / kecamatan.
    Region,
    /// Family-card number: the household, which namesakes in one village almost never share.
    NoKk,
    /// Place of birth.
    BirthPlace,
}

impl Field {
    /// Every field, in comparison-vector order.
    pub const ALL: [Field; 7] = [
        Field::Nik,
        Field::Name,
        Field::BirthDate,
        Field::Sex,
        Field::Region,
        Field::NoKk,
        Field::BirthPlace,
    ];

    /// Position of the field in a comparison vector.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Names of the levels, strongest agreement first.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Nik => &[
                "exact",
                "one digit different",
                "two digits swapped",
                "damaged prefix agrees",
                "different",
            ],
            Field::Name => &[
                "exact",
                "same sound",
                "similar",
                "partly similar",
                "different",
            ],
            Field::BirthDate => &[
                "exact",
                "day and month swapped",
                "year off by one",
                "within a month",
                "different",
            ],
            Field::Sex => &["same", "different"],
            Field::Region => &[
                "same village",
                "same kecamatan",
                "same regency",
                "different",
            ],
            Field::NoKk => &["same", "different"],
            Field::BirthPlace => &["same", "similar", "different"],
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Nik => "nik",
            Field::Name => "name",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::Region => "region",
            Field::NoKk => "no_kk",
            Field::BirthPlace => "birth_place",
        }
    }
}

/// Levels reached by one pair, `None` where a value is missing.
pub type Gamma = [Option<u8>; Field::ALL.len()];

/// Compares two NIKs.
pub fn nik(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    match (&a.fast.nik, &b.fast.nik) {
        (Some(xb), Some(yb)) => {
            if xb == yb {
                return Some(0);
            }
            // Positions that differ, up to three (more is as different as three); fixed arrays and
            // no allocation, as this runs for every candidate pair.
            let mut diff = [0usize; 3];
            let mut n = 0;
            for (i, (p, q)) in xb.iter().zip(yb).enumerate() {
                if p != q {
                    if n == 3 {
                        break;
                    }
                    diff[n] = i;
                    n += 1;
                }
            }
            let (i, j) = (diff[0], diff[1]);
            Some(match n {
                1 => 1,
                2 if j == i + 1 && xb[i] == yb[j] && xb[j] == yb[i] => 2,
                _ => 4,
            })
        }
        (Some(_), None) => prefix_level(a, b),
        (None, Some(_)) => prefix_level(b, a),
        (None, None) => None,
    }
}

/// `full` has a NIK, `damaged` at most the digits Excel left of one: do they agree as far as they go?
fn prefix_level(full: &LinkRecord, damaged: &LinkRecord) -> Option<u8> {
    let full = full.nik.as_deref()?;
    damaged.nik_prefix.as_ref().map(|p| {
        if p.len() >= 6 && full.starts_with(p.as_str()) {
            3
        } else {
            4
        }
    })
}

/// Compares two names: exact, same phonetic key (word order ignored), similar spelling or a dropped
/// middle name, partly similar, different.
pub fn name(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    if a.name.tokens.is_empty() || b.name.tokens.is_empty() {
        return None;
    }
    let (ja, jb) = (&a.joined, &b.joined);
    // Hashes first: almost every candidate pair differs, and then no text is compared.
    if (a.fast.joined == b.fast.joined && ja == jb)
        || (a.fast.compact == b.fast.compact && a.compact == b.compact)
    {
        return Some(0);
    }
    if a.fast.phonetic == b.fast.phonetic && a.phonetic == b.phonetic {
        return Some(1);
    }
    let (short, long) = if a.fast.tokens.len() <= b.fast.tokens.len() {
        (&a.fast.tokens, &b.fast.tokens)
    } else {
        (&b.fast.tokens, &a.fast.tokens)
    };
    let contained = short.len() >= 2 && short.len() < long.len() && multiset_contains(long, short);
    if contained {
        return Some(2);
    }
    let jw = jaro_winkler(ja, jb);
    if jw >= 0.92 {
        return Some(2);
    }
    let shared = multiset_common(short, long);
    if jw >= 0.80 || (shared >= 1 && shared * 2 >= short.len()) {
        return Some(3);
    }
    Some(4)
}

/// How many tokens two sorted lists share, counting repeats (symmetric).
fn multiset_common<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Whether every token of `short` occurs in `long`, counting repeats (both are sorted).
fn multiset_contains<T: Ord>(long: &[T], short: &[T]) -> bool {
    let mut i = 0;
    for t in short {
        while i < long.len() && long[i] < *t {
            i += 1;
        }
        if i == long.len() || long[i] != *t {
            return false;
        }
        i += 1;
    }
    true
}

/// Compares two dates of birth.
pub fn birth_date(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    let (x, y) = (a.birth_date?, b.birth_date?);
    Some(if x == y {
        0
    } else if x.year() == y.year() && x.day() == y.month() && x.month() == y.day() {
        1
    } else if x.month() == y.month() && x.day() == y.day() && (x.year() - y.year()).abs() == 1 {
        2
    } else if (x - y).num_days().abs() <= 31 {
        3
    } else {
        4
    })
}

/// Compares sex.
pub fn sex(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    Some(if a.sex? == b.sex? { 0 } else { 1 })
}

/// Compares villages: same village, same kecamatan (first 6 digits), same regency (first 4), other.
pub fn region(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    let (x, y) = (a.region.as_deref()?, b.region.as_deref()?);
    Some(if x == y {
        0
    } else if x.len() >= 6 && y.len() >= 6 && x[..6] == y[..6] {
        1
    } else if x[..4] == y[..4] {
        2
    } else {
        3
    })
}

/// Compares family-card numbers: the same card, or another.
pub fn no_kk(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    Some(if a.no_kk.as_ref()? == b.no_kk.as_ref()? {
        0
    } else {
        1
    })
}

/// Compares places of birth: the same, similar spelling ("Atambua" / "Atambuwa"), another place.
pub fn birth_place(a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    let (x, y) = (a.birth_place.as_deref()?, b.birth_place.as_deref()?);
    Some(if x == y {
        0
    } else if jaro_winkler(x, y) >= 0.9 {
        1
    } else {
        2
    })
}

/// Every comparison of one pair.
pub fn compare(a: &LinkRecord, b: &LinkRecord) -> Gamma {
    [
        nik(a, b),
        name(a, b),
        birth_date(a, b),
        sex(a, b),
        region(a, b),
        no_kk(a, b),
        birth_place(a, b),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Sex;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn rec(nik: &str, name: &str, born: (i32, u32, u32)) -> LinkRecord {
        LinkRecord::new(
            "x",
            nik,
            name,
            NaiveDate::from_ymd_opt(born.0, born.1, born.2),
            Some(Sex::Male),
            Some("5304012001"),
        )
    }

    #[test]
    fn nik_levels() {
        let a = rec("5304011611780001", "A", (1978, 11, 16));
        assert_eq!(
            nik(&a, &rec("5304011611780001", "A", (1978, 11, 16))),
            Some(0)
        );
        assert_eq!(
            nik(&a, &rec("5304011611780007", "A", (1978, 11, 16))),
            Some(1)
        );
        assert_eq!(
            nik(&a, &rec("5304011611780010", "A", (1978, 11, 16))),
            Some(2)
        );
        assert_eq!(nik(&a, &rec("5.30401E+15", "A", (1978, 11, 16))), Some(3));
        assert_eq!(nik(&a, &rec("5.30402E+15", "A", (1978, 11, 16))), Some(4));
        assert_eq!(
            nik(&a, &rec("5304021611780009", "A", (1978, 11, 16))),
            Some(4)
        );
        assert_eq!(nik(&a, &rec("", "A", (1978, 11, 16))), None);
    }

    #[test]
    fn name_levels() {
        let a = rec("", "Yohanes Bere Mau", (1978, 11, 16));
        assert_eq!(name(&a, &rec("", "YOHANES BERE MAU", (1, 1, 1))), Some(0));
        assert_eq!(name(&a, &rec("", "Johanes Berek Mauk", (1, 1, 1))), Some(1));
        assert_eq!(
            name(&a, &rec("", "Mau Yohanes Bere", (1, 1, 1))),
            Some(1),
            "word order"
        );
        assert_eq!(
            name(&a, &rec("", "Yohanes Mau", (1, 1, 1))),
            Some(2),
            "dropped middle name"
        );
        assert_eq!(name(&a, &rec("", "Yohanes Bere Mauz", (1, 1, 1))), Some(2));
        assert_eq!(name(&a, &rec("", "Yohanes Seran", (1, 1, 1))), Some(3));
        assert_eq!(name(&a, &rec("", "Petrus Kolo", (1, 1, 1))), Some(4));
    }

    #[test]
    fn date_levels() {
        let a = rec("", "A", (1980, 3, 7));
        assert_eq!(birth_date(&a, &rec("", "A", (1980, 3, 7))), Some(0));
        assert_eq!(birth_date(&a, &rec("", "A", (1980, 7, 3))), Some(1));
        assert_eq!(birth_date(&a, &rec("", "A", (1981, 3, 7))), Some(2));
        assert_eq!(birth_date(&a, &rec("", "A", (1980, 3, 27))), Some(3));
        assert_eq!(birth_date(&a, &rec("", "A", (1990, 3, 7))), Some(4));
    }

    #[test]
    fn region_levels() {
        let mk = |r: &str| LinkRecord::new("x", "", "A", None, None, Some(r));
        let a = mk("53.04.01.2001");
        assert_eq!(region(&a, &mk("5304012001")), Some(0));
        assert_eq!(region(&a, &mk("5304012002")), Some(1));
        assert_eq!(region(&a, &mk("5304122002")), Some(2));
        assert_eq!(region(&a, &mk("5301042003")), Some(3));
    }

    proptest! {
        #[test]
        fn comparisons_are_symmetric_and_reflexive(n1 in "[A-Za-z ]{1,30}", n2 in "[A-Za-z ]{1,30}", d1 in 0i64..30000, d2 in 0i64..30000, k in "[0-9]{16}") {
            let base = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap();
            let a = LinkRecord::new("a", &k, &n1, Some(base + chrono::Duration::days(d1)), Some(Sex::Male), Some("5304012001"));
            let b = LinkRecord::new("b", "", &n2, Some(base + chrono::Duration::days(d2)), Some(Sex::Female), Some("5304022001"));
            prop_assert_eq!(compare(&a, &b), compare(&b, &a));
            let g = compare(&a, &a);
            prop_assert!(g.iter().all(|l| l.is_none_or(|l| l == 0)));
        }
    }
}
