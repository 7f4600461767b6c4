//! Names as Indonesian lists write them, folded so that spelling variants meet.
//!
//! Normalising removes what is not the name (academic and religious titles, punctuation, case, accents).
//! The phonetic key then folds the spellings that differ between lists without being different names:
//! old Indonesian spelling (`oe`→`u`, `dj`→`j`, `tj`→`c`, `nj`→`ny`, `sj`→`sy`), `J`/`Y`
//! (Johanes/Yohanes), `ph`/`f`, `th`/`t`, `c`/`k`, `z`/`s`, `v`/`f`, doubled letters, the Tetun final
//! `-k`/`-h` (Berek/Bere, Mauk/Mau) and unstressed vowels (Yohanis/Yohanes) — DOMAIN.md §8.2.

use unicode_normalization::UnicodeNormalization;

/// Titles and honorifics that lists append or prepend (`Agustinus Seran, S.Pd.`, `dr. Maria`).
const TITLES: &[&str] = &[
    "spd", "skep", "ns", "amdkep", "amdkeb", "amd", "se", "sh", "sp", "st", "ssos", "sip", "skm",
    "sfarm", "sked", "sag", "sth", "spdk", "mpd", "msi", "mm", "mh", "dr", "drs", "dra", "ir", "h",
    "hj", "pr", "svd", "sdk", "bsc", "ba", "amk", "apt", "skom", "ssi", "sgz", "stp", "spt", "sde",
    "mkes", "mkep",
];

/// A name split into normalised tokens, titles removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameParts {
    /// Lower-case ASCII tokens in written order.
    pub tokens: Vec<String>,
}

impl NameParts {
    /// Parses a name as written.
    pub fn parse(raw: &str) -> NameParts {
        // Titles come after a comma (`Seran, S.Pd., M.Pd.`) or as dotted words; cut at the first comma
        // when what follows looks like titles only.
        let main = match raw.split_once(',') {
            Some((m, t))
                if t.split([',', ' '])
                    .filter(|w| !w.trim().is_empty())
                    .all(is_title) =>
            {
                m
            }
            _ => raw,
        };
        // Portuguese ç sounds like s (Gonçalves / Gonsalves), not like the c it decomposes to.
        let main = main.replace(['ç', 'Ç'], "s");
        let ascii: String = main
            .nfd()
            .filter(|c| c.is_ascii())
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '\'' {
                    c.to_ascii_lowercase()
                } else {
                    ' '
                }
            })
            .collect();
        let tokens = ascii
            .split_whitespace()
            .filter(|w| !is_title(w))
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
            })
            .filter(|w| !w.is_empty())
            .collect();
        NameParts { tokens }
    }

    /// Tokens joined by one space.
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }

    /// Tokens without spaces: "Hale Serens" and "Haleserens" meet.
    pub fn compact(&self) -> String {
        self.tokens.concat()
    }

    /// Phonetic key of every token.
    pub fn phonetic(&self) -> Vec<String> {
        self.tokens.iter().map(|t| phonetic_key(t)).collect()
    }
}

fn is_title(word: &str) -> bool {
    let folded: String = word
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    // Short titles count only when dotted (`H.`, `S.E.`), so an initial like the H in "Yohanes H Bere"
    // stays part of the name.
    !folded.is_empty()
        && TITLES.contains(&folded.as_str())
        && (word.contains('.') || folded.len() >= 3)
}

/// The phonetic key of one lower-case token.
pub fn phonetic_key(token: &str) -> String {
    let mut s = token.to_ascii_lowercase();
    for (from, to) in [
        ("oe", "u"),
        ("dj", "j"),
        ("tj", "c"),
        ("nj", "ny"),
        ("sj", "sy"),
        ("ch", "k"),
        ("ph", "f"),
        ("th", "t"),
        ("kh", "k"),
        ("q", "k"),
        ("x", "ks"),
        ("ce", "se"),
        ("ci", "si"),
    ] {
        s = s.replace(from, to);
    }
    let mapped: Vec<char> = s
        .chars()
        .map(|c| match c {
            'j' => 'y',
            'c' => 'k',
            'z' => 's',
            'v' => 'f',
            'w' => 'u',
            other => other,
        })
        .collect();
    // Tetun final glottal: Berek/Bere, Mauk/Mau, Taek/Tae; also final -h (Fatimah/Fatima).
    let mut chars = mapped;
    while chars.len() > 2 && matches!(chars.last(), Some('k') | Some('h')) {
        chars.pop();
    }
    let mut key = String::with_capacity(chars.len());
    let mut last = '\0';
    for (i, c) in chars.into_iter().enumerate() {
        let c = if i > 0 && "aeiou".contains(c) { 'a' } else { c };
        if c != last {
            key.push(c);
        }
        last = c;
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(name: &str) -> Vec<String> {
        NameParts::parse(name).phonetic()
    }

    #[test]
    fn titles_and_punctuation_go() {
        assert_eq!(
            NameParts::parse("Agustinus Seran, S.Pd.").joined(),
            "agustinus seran"
        );
        assert_eq!(
            NameParts::parse("dr. Maria Goreti Hoar").joined(),
            "maria goreti hoar"
        );
        assert_eq!(
            NameParts::parse("YASINTA KOLO, A.Md.Kep.").joined(),
            "yasinta kolo"
        );
        assert_eq!(
            NameParts::parse("José Gonçalves").joined(),
            "jose gonsalves"
        );
        assert_eq!(
            NameParts::parse("Alfredo dos Reis").joined(),
            "alfredo dos reis"
        );
        // a real name that happens to be short is kept when it is not dotted
        assert_eq!(
            NameParts::parse("Yohanes H Bere").joined(),
            "yohanes h bere"
        );
    }

    #[test]
    fn spelling_variants_share_a_key() {
        assert_eq!(key("Yohanes Berek"), key("Johanes Bere"));
        assert_eq!(key("Yohanis"), key("Yohanes"));
        assert_eq!(key("Yoseph"), key("Josef"));
        assert_eq!(key("Fransiscus"), key("Fransiskus"));
        assert_eq!(key("Lazarus"), key("Lasarus"));
        assert_eq!(key("Soekarno"), key("Sukarno"));
        assert_eq!(key("Djoko"), key("Joko"));
        assert_eq!(key("Mauk"), key("Mau"));
        assert_eq!(key("Gonsalves"), key("Gonçalves"));
        assert_eq!(key("Marcelinus"), key("Marselinus"));
        assert_eq!(key("Vicente"), key("Visente"));
        assert_ne!(key("Bere"), key("Seran"));
        assert_ne!(key("Maria Hoar"), key("Petrus Hoar"));
    }

    #[test]
    fn compact_form_joins_split_names() {
        assert_eq!(
            NameParts::parse("Aloysius Hale Serens").compact(),
            NameParts::parse("Aloysius Haleserens").compact()
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_keys_are_idempotent(s in "\\PC{0,40}") {
            let parts = NameParts::parse(&s);
            for t in &parts.tokens {
                let k = phonetic_key(t);
                prop_assert!(k.len() <= t.len() * 2 + 1);
            }
        }
    }
}
