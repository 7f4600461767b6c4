//! Every resident's name and NIK in memory, laid out for the searches operators type: one text of all
//! lower-case names scanned with a SIMD substring finder, a rank of every name in alphabetical order
//! so a page of hits needs no string sort, NIKs sorted for prefix lookup, and the regency's distinct
//! name words with their phonetic keys and the residents bearing each, so a misspelt name is matched
//! against a few thousand words instead of every resident.
//!
//! Measured before (issue 18): a regency-wide search served 144 requests a second with p99 952 ms at
//! 32 connections; each request parsed and scored all 233,000 names. Only ids come out of the index:
//! the rows shown are read from the database, in scope, so a stale index can miss a fresh name but
//! never show a row the user may not see.

use std::collections::HashMap;
use std::ops::Range;

use jaring_domain::RegionCode;
use jaring_linkage::names::{phonetic_key, NameParts};
use jaring_store::residents as store;
use jaring_store::Database;

use super::SearchMode;
use crate::AppError;

/// The most spelling-variant hits kept, best first.
const MAX_FUZZY: usize = 1_000;
/// Jaro–Winkler similarity from which a name word counts as a spelling of the query word.
const FUZZY_FLOOR: f64 = 0.88;

/// A distinct name word of the regency.
#[derive(Debug)]
struct Word {
    text: String,
    key: String,
    /// Entries whose name holds the word, ascending.
    entries: Vec<u32>,
}

/// The search index (see the module documentation).
#[derive(Debug, Default)]
pub struct NameIndex {
    /// Each village's entries, in code order (so a district's villages are adjacent).
    villages: Vec<(RegionCode, Range<usize>)>,
    ids: Vec<i64>,
    /// Lower-case names, each followed by `\n`, in entry order.
    text: String,
    /// Where each entry's name starts in `text`; one more at the end.
    starts: Vec<u32>,
    /// Each entry's place in (name, id) order across the regency.
    rank: Vec<u32>,
    /// (NIK, entry), sorted.
    niks: Vec<(String, u32)>,
    words: Vec<Word>,
}

impl NameIndex {
    /// Reads every (not merged) resident.
    pub fn load(db: &Database) -> Result<NameIndex, AppError> {
        let rows = store::search_rows(&mut db.conn()?)?;
        let mut index = NameIndex::default();
        let mut current: Option<(String, usize)> = None;
        let mut words: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, row) in rows.into_iter().enumerate() {
            if current.as_ref().is_none_or(|(v, _)| *v != row.village_code) {
                if let Some((v, start)) = current.take() {
                    index.push_village(&v, start);
                }
                current = Some((row.village_code.clone(), i));
            }
            let entry = i as u32;
            index.ids.push(row.id);
            index.starts.push(index.text.len() as u32);
            index
                .text
                .push_str(&row.name.to_lowercase().replace('\n', " "));
            index.text.push('\n');
            if let Some(nik) = row.nik {
                index.niks.push((nik, entry));
            }
            for token in NameParts::parse(&row.name).tokens {
                let list = words.entry(token).or_default();
                if list.last() != Some(&entry) {
                    list.push(entry);
                }
            }
        }
        if let Some((v, start)) = current {
            index.push_village(&v, start);
        }
        index.starts.push(index.text.len() as u32);
        let mut order: Vec<u32> = (0..index.ids.len() as u32).collect();
        order.sort_by(|&a, &b| {
            index
                .name(a)
                .cmp(index.name(b))
                .then(index.ids[a as usize].cmp(&index.ids[b as usize]))
        });
        index.rank = vec![0; order.len()];
        for (place, entry) in order.into_iter().enumerate() {
            index.rank[entry as usize] = place as u32;
        }
        index.niks.sort_unstable();
        index.words = words
            .into_iter()
            .map(|(text, entries)| Word {
                key: phonetic_key(&text),
                text,
                entries,
            })
            .collect();
        Ok(index)
    }

    fn push_village(&mut self, code: &str, start: usize) {
        if let Ok(c) = RegionCode::parse(code) {
            self.villages.push((c, start..self.ids.len()));
        }
    }

    /// Residents indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn name(&self, entry: u32) -> &str {
        let (a, b) = (
            self.starts[entry as usize] as usize,
            self.starts[entry as usize + 1] as usize,
        );
        &self.text[a..b - 1]
    }

    /// The entry ranges of the villages inside `scope`, adjacent ones joined.
    fn scope_ranges(&self, scope: RegionCode) -> Vec<Range<usize>> {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for (_, r) in self.villages.iter().filter(|(v, _)| scope.contains(*v)) {
            match ranges.last_mut() {
                Some(last) if last.end == r.start => last.end = r.end,
                _ => ranges.push(r.clone()),
            }
        }
        ranges
    }

    fn in_scope(ranges: &[Range<usize>], entry: u32) -> bool {
        let e = entry as usize;
        ranges.iter().any(|r| r.contains(&e))
    }

    /// The first `window` ids matching `query` in `scope`, in display order, and whether more match.
    pub(super) fn find(
        &self,
        scope: RegionCode,
        query: &str,
        window: usize,
    ) -> (SearchMode, Vec<i64>, bool) {
        let ranges = self.scope_ranges(scope);
        let q = query.trim();
        let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            let (ids, more) = self.by_nik(&ranges, &digits, window);
            return (SearchMode::Nik, ids, more);
        }
        let words: Vec<String> = q
            .split_whitespace()
            .map(str::to_lowercase)
            .take(6)
            .collect();
        if words.is_empty() {
            return (SearchMode::Exact, Vec::new(), false);
        }
        let hits = self.by_words(&ranges, &words);
        if !hits.is_empty() {
            let (ids, more) = self.first_by_rank(hits, window);
            return (SearchMode::Exact, ids, more);
        }
        let ids = self.by_spelling(&ranges, q);
        let more = ids.len() > window;
        (
            SearchMode::Fuzzy,
            ids.into_iter().take(window).collect(),
            more,
        )
    }

    /// NIKs starting with `digits`, in NIK order: a binary search, then a walk that stops once the
    /// window is full.
    fn by_nik(&self, ranges: &[Range<usize>], digits: &str, window: usize) -> (Vec<i64>, bool) {
        let from = self.niks.partition_point(|(n, _)| n.as_str() < digits);
        let mut ids = Vec::new();
        for (nik, entry) in &self.niks[from..] {
            if !nik.starts_with(digits) {
                break;
            }
            if !Self::in_scope(ranges, *entry) {
                continue;
            }
            if ids.len() == window {
                return (ids, true);
            }
            ids.push(self.ids[*entry as usize]);
        }
        (ids, false)
    }

    /// Entries whose name holds every word: the longest word is found in the text of each scope
    /// range, the others checked in the names it hits.
    fn by_words(&self, ranges: &[Range<usize>], words: &[String]) -> Vec<u32> {
        let mut order: Vec<&String> = words.iter().collect();
        order.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let driver = memchr::memmem::Finder::new(order[0].as_bytes());
        let others: Vec<memchr::memmem::Finder<'_>> = order[1..]
            .iter()
            .map(|w| memchr::memmem::Finder::new(w.as_bytes()))
            .collect();
        let mut hits = Vec::new();
        for r in ranges {
            let (a, b) = (self.starts[r.start] as usize, self.starts[r.end] as usize);
            let text = &self.text.as_bytes()[a..b];
            let mut last = None;
            for at in driver.find_iter(text) {
                let entry = self.starts.partition_point(|&s| s as usize <= a + at) as u32 - 1;
                if last == Some(entry) {
                    continue;
                }
                last = Some(entry);
                let name = self.name(entry).as_bytes();
                if others.iter().all(|f| f.find(name).is_some()) {
                    hits.push(entry);
                }
            }
        }
        hits
    }

    /// The first `window` of `hits` in name order, and whether there are more.
    fn first_by_rank(&self, mut hits: Vec<u32>, window: usize) -> (Vec<i64>, bool) {
        let more = hits.len() > window;
        let rank = |e: &u32| self.rank[*e as usize];
        if more && window > 0 {
            hits.select_nth_unstable_by_key(window - 1, rank);
        }
        hits.truncate(window);
        hits.sort_unstable_by_key(rank);
        (hits.iter().map(|&e| self.ids[e as usize]).collect(), more)
    }

    /// Ids of names in scope where every query word meets some name word (same word, same phonetic
    /// key, or Jaro–Winkler ≥ 0.88), best first; at most [`MAX_FUZZY`].
    fn by_spelling(&self, ranges: &[Range<usize>], query: &str) -> Vec<i64> {
        let wanted = NameParts::parse(query).tokens;
        if wanted.is_empty() {
            return Vec::new();
        }
        // Per query word, every entry with a matching word and its best score, ascending by entry.
        let mut scored: Option<Vec<(u32, f64)>> = None;
        for w in &wanted {
            let key = phonetic_key(w);
            let mut candidates: Vec<(u32, f64)> = Vec::new();
            for word in &self.words {
                let score = if word.text == *w {
                    1.0
                } else if word.key == key {
                    0.95
                } else {
                    let s = strsim::jaro_winkler(&word.text, w);
                    if s < FUZZY_FLOOR {
                        continue;
                    }
                    s
                };
                candidates.extend(
                    word.entries
                        .iter()
                        .filter(|&&e| Self::in_scope(ranges, e))
                        .map(|&e| (e, score)),
                );
            }
            candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
            candidates.dedup_by_key(|c| c.0);
            scored = Some(match scored {
                None => candidates,
                Some(before) => intersect(&before, &candidates),
            });
        }
        let mut scored = scored.unwrap_or_default();
        scored.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.ids[a.0 as usize].cmp(&self.ids[b.0 as usize]))
        });
        scored.truncate(MAX_FUZZY);
        scored
            .into_iter()
            .map(|(e, _)| self.ids[e as usize])
            .collect()
    }
}

/// Entries in both sorted lists, their scores added.
fn intersect(a: &[(u32, f64)], b: &[(u32, f64)]) -> Vec<(u32, f64)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out
}
