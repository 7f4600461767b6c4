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
    /// The entries in that order.
    by_name: Vec<u32>,
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
        for (place, &entry) in order.iter().enumerate() {
            index.rank[entry as usize] = place as u32;
        }
        index.by_name = order;
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
            // No query: everyone in scope, in name order (the list a page opens with).
            let mut ids = Vec::new();
            for &entry in &self.by_name {
                if Self::in_scope(&ranges, entry) {
                    if ids.len() == window {
                        return (SearchMode::Exact, ids, true);
                    }
                    ids.push(self.ids[entry as usize]);
                }
            }
            return (SearchMode::Exact, ids, false);
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
        // Per query word, the vocabulary words it meets with their scores, and how many residents
        // bear them; the rarest query word seeds the candidates, the others are looked up in a dense
        // table of best scores (no sort of tens of thousands of postings per request).
        let mut per_word: Vec<(Vec<(usize, f64)>, usize)> = wanted
            .iter()
            .map(|w| {
                let key = phonetic_key(w);
                let met: Vec<(usize, f64)> = self
                    .words
                    .iter()
                    .enumerate()
                    .filter_map(|(i, word)| {
                        let score = if word.text == *w {
                            1.0
                        } else if word.key == key {
                            0.95
                        } else {
                            let s = strsim::jaro_winkler(&word.text, w);
                            if s < FUZZY_FLOOR {
                                return None;
                            }
                            s
                        };
                        Some((i, score))
                    })
                    .collect();
                let bearers = met.iter().map(|(i, _)| self.words[*i].entries.len()).sum();
                (met, bearers)
            })
            .collect();
        per_word.sort_by_key(|(_, bearers)| *bearers);
        let Some(((seed_words, _), rest)) = per_word.split_first() else {
            return Vec::new();
        };
        // The rarest query word's bearers, ascending by entry with their best score.
        let mut candidates: Vec<(u32, f64)> = seed_words
            .iter()
            .flat_map(|&(i, score)| self.words[i].entries.iter().map(move |&e| (e, score)))
            .filter(|&(e, _)| Self::in_scope(ranges, e))
            .collect();
        candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        candidates.dedup_by_key(|c| c.0);
        for (met, _) in rest {
            let mut best = vec![0f64; candidates.len()];
            for &(i, score) in met {
                for &e in &self.words[i].entries {
                    if let Ok(at) = candidates.binary_search_by_key(&e, |c| c.0) {
                        best[at] = best[at].max(score);
                    }
                }
            }
            let mut kept = best.iter();
            candidates.retain_mut(|(_, total)| {
                let b = kept.next().copied().unwrap_or(0.0);
                *total += b;
                b > 0.0
            });
        }
        let mut scored = candidates;
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
