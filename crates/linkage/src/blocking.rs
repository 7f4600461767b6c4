//! Blocking: which pairs are worth comparing. Several rules, unioned; each left record is compared only
//! with right records that share at least one key. Keys are hashed to 64 bits so the index stays small
//! (a collision only adds a candidate, it never loses one).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::Datelike;
use rayon::prelude::*;

use crate::record::LinkRecord;

/// The blocking rules, in the order reported.
pub const RULES: [&str; 6] = [
    "same NIK",
    "same NIK region and birth date (first 12 digits)",
    "same birth date and sex",
    "same sound of the first two name tokens and same kecamatan (or birth year)",
    "same sound of the whole name and birth year",
    "same sound of the first two name tokens and same birth day and month",
];

fn key(rule: u8, parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    rule.hash(&mut h);
    parts.hash(&mut h);
    h.finish()
}

/// The blocking keys of one record, tagged with their rule.
pub fn keys(r: &LinkRecord) -> Vec<(u8, u64)> {
    let mut out = Vec::with_capacity(6);
    if let Some(n) = &r.nik {
        out.push((0, key(0, &[n])));
        out.push((1, key(1, &[&n[..12]])));
    }
    if let (Some(d), Some(s)) = (r.birth_date, r.sex) {
        out.push((
            2,
            key(
                2,
                &[
                    &d.to_string(),
                    if s == crate::Sex::Male { "m" } else { "f" },
                ],
            ),
        ));
    }
    if r.phonetic.len() >= 2 {
        // Namesakes are many in a regency; the kecamatan (or, without a village, the birth year) keeps
        // these blocks from growing with the population.
        let place = match (&r.region, r.birth_date) {
            (Some(region), _) if region.len() >= 6 => region[..6].to_string(),
            (_, Some(d)) => d.year().to_string(),
            _ => String::new(),
        };
        out.push((3, key(3, &[&r.phonetic[0], &r.phonetic[1], &place])));
        if let Some(d) = r.birth_date {
            let day_month = format!("{}-{}", d.month(), d.day());
            out.push((5, key(5, &[&r.phonetic[0], &r.phonetic[1], &day_month])));
        }
    }
    if let Some(d) = r.birth_date {
        let whole = crate::names::phonetic_key(&r.compact);
        out.push((4, key(4, &[&whole, &d.year().to_string()])));
    }
    out
}

/// What blocking produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockingReport {
    /// Candidate pairs each rule found (before the union removes overlaps).
    pub pairs_per_rule: [u64; 6],
    /// Distinct candidate pairs.
    pub candidate_pairs: u64,
    /// Keys skipped because more than `max_block` right records shared them.
    pub oversized_blocks: u64,
}

/// The candidate pairs of one left record and how many each rule contributed.
type LeftCandidates = (Vec<(u32, u32)>, [u64; 6]);

/// Candidate pairs `(left index, right index)`, sorted, without duplicates.
pub fn candidates(
    left: &[LinkRecord],
    right: &[LinkRecord],
    max_block: usize,
) -> (Vec<(u32, u32)>, BlockingReport) {
    let mut index: HashMap<u64, Vec<u32>> = HashMap::new();
    for (j, r) in right.iter().enumerate() {
        for (_, k) in keys(r) {
            index.entry(k).or_default().push(j as u32);
        }
    }
    let oversized = index.values().filter(|v| v.len() > max_block).count() as u64;
    let per_left: Vec<LeftCandidates> = left
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            let mut found: Vec<u32> = Vec::new();
            let mut per_rule = [0u64; 6];
            for (rule, k) in keys(l) {
                if let Some(js) = index.get(&k).filter(|v| v.len() <= max_block) {
                    per_rule[rule as usize] += js.len() as u64;
                    found.extend_from_slice(js);
                }
            }
            found.sort_unstable();
            found.dedup();
            (found.into_iter().map(|j| (i as u32, j)).collect(), per_rule)
        })
        .collect();
    let mut report = BlockingReport {
        oversized_blocks: oversized,
        ..Default::default()
    };
    let mut pairs = Vec::with_capacity(per_left.iter().map(|(p, _)| p.len()).sum());
    for (p, per_rule) in per_left {
        for (total, n) in report.pairs_per_rule.iter_mut().zip(per_rule) {
            *total += n;
        }
        pairs.extend(p);
    }
    report.candidate_pairs = pairs.len() as u64;
    (pairs, report)
}
