//! The errors real lists carry (PRODUCT.md §3.2, DOMAIN.md §8.2): mistyped and Excel-damaged NIKs,
//! spelling variants, swapped day and month, people who moved village.
//!
//! Every function returns what it wrote and a tag naming the damage, so the ground truth can say why a
//! record is hard to match.

use chrono::{Datelike, Duration, NaiveDate};
use jaring_domain::Nik;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How often each kind of damage happens, per record, in per-mille.
#[derive(Debug, Clone, Copy)]
pub struct NoiseRates {
    /// NIK left empty.
    pub nik_missing: u32,
    /// One digit replaced.
    pub nik_substitution: u32,
    /// Two adjacent digits swapped.
    pub nik_transposition: u32,
    /// Written as `5.30412E+15`.
    pub nik_excel_scientific: u32,
    /// Last digit zeroed by a float round-trip.
    pub nik_excel_precision: u32,
    /// Name spelled another way (Y/J, final -k, spacing).
    pub name_variant: u32,
    /// One letter mistyped.
    pub name_typo: u32,
    /// Middle name dropped.
    pub name_drop_middle: u32,
    /// Day and month swapped (only where both ≤ 12).
    pub date_swap: u32,
    /// Year off by one.
    pub date_year_off: u32,
    /// Birth date missing.
    pub date_missing: u32,
    /// Recorded in another village of the same kecamatan.
    pub moved_village: u32,
}

impl Default for NoiseRates {
    fn default() -> Self {
        NoiseRates {
            nik_missing: 40,
            nik_substitution: 40,
            nik_transposition: 20,
            nik_excel_scientific: 15,
            nik_excel_precision: 10,
            name_variant: 150,
            name_typo: 60,
            name_drop_middle: 50,
            date_swap: 30,
            date_year_off: 25,
            date_missing: 15,
            moved_village: 50,
        }
    }
}

fn hit(rng: &mut ChaCha8Rng, per_mille: u32) -> bool {
    rng.gen_range(0..1000) < per_mille
}

/// The NIK as a list writes it.
pub fn nik(
    rng: &mut ChaCha8Rng,
    nik: Option<Nik>,
    rates: &NoiseRates,
) -> (String, Option<&'static str>) {
    let Some(nik) = nik else {
        return (String::new(), Some("nik_absent"));
    };
    let s = nik.to_string();
    let roll = rng.gen_range(0..1000);
    let mut bound = rates.nik_missing;
    if roll < bound {
        return (String::new(), Some("nik_missing"));
    }
    bound += rates.nik_substitution;
    if roll < bound {
        let mut b = s.into_bytes();
        let i = rng.gen_range(6..16);
        let old = b[i];
        while b[i] == old {
            b[i] = b'0' + rng.gen_range(0..10);
        }
        return (
            String::from_utf8_lossy(&b).into_owned(),
            Some("nik_substitution"),
        );
    }
    bound += rates.nik_transposition;
    if roll < bound {
        let mut b = s.clone().into_bytes();
        // find adjacent differing digits to swap
        let start = rng.gen_range(6..15);
        if let Some(i) = (start..15).chain(6..start).find(|&i| b[i] != b[i + 1]) {
            b.swap(i, i + 1);
            return (
                String::from_utf8_lossy(&b).into_owned(),
                Some("nik_transposition"),
            );
        }
        return (s, None);
    }
    bound += rates.nik_excel_scientific;
    if roll < bound {
        return (
            format!("{:.5E}", nik.as_number() as f64).replace("E", "E+"),
            Some("nik_excel_scientific"),
        );
    }
    bound += rates.nik_excel_precision;
    if roll < bound {
        let zeroed = nik.as_number() / 10 * 10;
        if zeroed != nik.as_number() {
            return (format!("{zeroed:016}"), Some("nik_excel_precision"));
        }
    }
    (s, None)
}

/// Tetun and Portuguese-Indonesian spelling variants of one word.
fn word_variant(rng: &mut ChaCha8Rng, w: &str) -> Option<String> {
    let lower = w.to_lowercase();
    let mut options: Vec<String> = Vec::new();
    if let Some(rest) = w.strip_prefix('Y') {
        options.push(format!("J{rest}"));
    }
    if let Some(rest) = w.strip_prefix('J') {
        options.push(format!("Y{rest}"));
    }
    if lower.ends_with('k') && w.len() > 3 {
        options.push(w[..w.len() - 1].to_string());
    } else if lower.ends_with(['a', 'e', 'u', 'o']) && w.len() <= 5 {
        options.push(format!("{w}k"));
    }
    if lower.contains("ph") {
        options.push(w.replace("ph", "f"));
    }
    if lower.contains("th") {
        options.push(w.replace("th", "t"));
    }
    if lower.ends_with("us") && w.len() > 5 {
        options.push(format!("{}is", &w[..w.len() - 2]));
    }
    if w.contains('c') {
        options.push(w.replace('c', "k"));
    }
    options.choose(rng).cloned()
}

/// The name as a list writes it.
pub fn name(
    rng: &mut ChaCha8Rng,
    name: &str,
    rates: &NoiseRates,
) -> (String, Option<&'static str>) {
    let words: Vec<&str> = name.split_whitespace().collect();
    let roll = rng.gen_range(0..1000);
    let mut bound = rates.name_variant;
    if roll < bound {
        let i = rng.gen_range(0..words.len());
        let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        if let Some(v) = word_variant(rng, words[i]) {
            out[i] = v;
            return (out.join(" "), Some("name_variant"));
        }
        if words.len() >= 3 && rng.gen_bool(0.5) {
            // "Hale Serens" / "Haleserens": spacing of compound names
            let j = words.len() - 2;
            let joined = format!("{}{}", words[j], words[j + 1].to_lowercase());
            out.splice(j..j + 2, [joined]);
            return (out.join(" "), Some("name_variant"));
        }
        return (name.to_string(), None);
    }
    bound += rates.name_typo;
    if roll < bound {
        let mut chars: Vec<char> = name.chars().collect();
        let letters: Vec<usize> = (1..chars.len())
            .filter(|&i| chars[i].is_alphabetic())
            .collect();
        if let Some(&i) = letters.choose(rng) {
            match rng.gen_range(0..3) {
                0 => chars[i] = (b'a' + rng.gen_range(0..26)) as char,
                1 => {
                    chars.remove(i);
                }
                _ => chars.insert(i, chars[i]),
            }
            return (chars.into_iter().collect(), Some("name_typo"));
        }
        return (name.to_string(), None);
    }
    bound += rates.name_drop_middle;
    if roll < bound && words.len() >= 3 {
        let mut out = words.clone();
        out.remove(1);
        return (out.join(" "), Some("name_drop_middle"));
    }
    (name.to_string(), None)
}

/// The birth date as a list writes it.
pub fn birth_date(
    rng: &mut ChaCha8Rng,
    date: Option<NaiveDate>,
    rates: &NoiseRates,
) -> (Option<NaiveDate>, Option<&'static str>) {
    let Some(d) = date else {
        return (None, Some("date_absent"));
    };
    let roll = rng.gen_range(0..1000);
    let mut bound = rates.date_swap;
    if roll < bound && d.day() <= 12 && d.day() != d.month() {
        return (
            NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()),
            Some("date_swap"),
        );
    }
    bound += rates.date_year_off;
    if roll < bound {
        let delta = if rng.gen_bool(0.5) { 1 } else { -1 };
        let moved = NaiveDate::from_ymd_opt(d.year() + delta, d.month(), d.day())
            .unwrap_or(d + Duration::days(365 * i64::from(delta)));
        return (Some(moved), Some("date_year_off"));
    }
    bound += rates.date_missing;
    if roll < bound {
        return (None, Some("date_missing"));
    }
    (Some(d), None)
}

/// Whether this record shows the person in another village.
pub fn moved(rng: &mut ChaCha8Rng, rates: &NoiseRates) -> bool {
    hit(rng, rates.moved_village)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn scientific_notation_looks_like_excel() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let nik = Nik::parse("5304120208910001").unwrap();
        let rates = NoiseRates {
            nik_missing: 0,
            nik_substitution: 0,
            nik_transposition: 0,
            nik_excel_scientific: 1000,
            ..NoiseRates::default()
        };
        let (s, tag) = super::nik(&mut rng, Some(nik), &rates);
        assert_eq!(s, "5.30412E+15");
        assert_eq!(tag, Some("nik_excel_scientific"));
        assert!(matches!(
            Nik::parse(&s),
            Err(jaring_domain::NikError::ExcelScientific(_))
        ));
    }

    #[test]
    fn substitution_changes_exactly_one_digit() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let nik = Nik::parse("5304120208910001").unwrap();
        let rates = NoiseRates {
            nik_missing: 0,
            nik_substitution: 1000,
            ..NoiseRates::default()
        };
        for _ in 0..50 {
            let (s, _) = super::nik(&mut rng, Some(nik), &rates);
            let diff = s
                .bytes()
                .zip(nik.to_string().bytes())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(diff, 1);
        }
    }

    #[test]
    fn date_swap_swaps_day_and_month() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let rates = NoiseRates {
            date_swap: 1000,
            ..NoiseRates::default()
        };
        let d = NaiveDate::from_ymd_opt(1980, 3, 7);
        assert_eq!(
            birth_date(&mut rng, d, &rates),
            (NaiveDate::from_ymd_opt(1980, 7, 3), Some("date_swap"))
        );
    }
}
