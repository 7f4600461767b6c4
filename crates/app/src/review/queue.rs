//! The review queue as a reviewer works it: each proposal with the resident's name, the counts by kind
//! and band, and the proposal to open after a decision.

use std::collections::BTreeMap;

use jaring_domain::access::Action;
use jaring_store::review::{ProposalFilter, ProposalRow};
use jaring_store::Database;

use crate::accounts::Principal;
use crate::AppError;

/// A proposal as the queue lists it.
#[derive(Debug, Clone)]
pub struct QueueItem {
    /// The proposal.
    pub row: ProposalRow,
    /// The resident's name (`None`: a new person, or outside the reader's region).
    pub person: Option<String>,
}

/// Pending proposals of one kind, per band.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Auto band (may be approved in bulk).
    pub auto: i64,
    /// Review band.
    pub review: i64,
    /// Entered by hand.
    pub manual: i64,
}

impl KindCounts {
    /// All bands.
    pub fn total(&self) -> i64 {
        self.auto + self.review + self.manual
    }
}

/// The proposals matching `filter` in `who`'s region, with the residents' names.
pub fn items(
    db: &Database,
    who: &Principal,
    filter: &ProposalFilter,
) -> Result<Vec<QueueItem>, AppError> {
    let rows = super::list(db, who, filter)?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.person_id).collect();
    let names = crate::residents::names_in_scope(&mut db.conn()?, who, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let person = row.person_id.and_then(|p| names.get(&p).cloned());
            QueueItem { row, person }
        })
        .collect())
}

/// Pending proposals in `who`'s region by kind code and band, for the queue's totals.
pub fn pending_counts(
    db: &Database,
    who: &Principal,
) -> Result<BTreeMap<String, KindCounts>, AppError> {
    who.require_any(Action::ViewProposals)?;
    let mut out: BTreeMap<String, KindCounts> = BTreeMap::new();
    let filter = ProposalFilter {
        status: Some("pending".into()),
        ..Default::default()
    };
    for (kind, band, _, n) in super::counts(db, who, &filter)? {
        let c = out.entry(kind).or_default();
        match band.as_str() {
            "auto" => c.auto += n,
            "review" => c.review += n,
            _ => c.manual += n,
        }
    }
    Ok(out)
}

/// The oldest pending proposal of `kind` in `who`'s region other than `after` (the one just decided),
/// so that a reviewer goes on without returning to the list.
pub fn next_pending(
    db: &Database,
    who: &Principal,
    kind: &str,
    after: i64,
) -> Result<Option<i64>, AppError> {
    let filter = ProposalFilter {
        status: Some("pending".into()),
        kinds: vec![kind.to_string()],
        limit: 2,
        ..Default::default()
    };
    Ok(super::list(db, who, &filter)?
        .into_iter()
        .map(|r| r.id)
        .find(|id| *id != after))
}

/// The hamlet an address names (`Dusun 2` in `Dusun 2, RT 003/RW 002, Kewar`), if any: the word
/// `Dusun` and what follows up to a comma or the RT.
pub fn hamlet_of(address: &str) -> Option<String> {
    // Case-insensitive on ASCII only, so byte positions stay those of `address` whatever it holds.
    let at = |word: &str, from: usize| {
        (from..address.len()).find(|&i| {
            address
                .get(i..i + word.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(word))
        })
    };
    let start = at("dusun ", 0)?;
    let end = [
        address[start..].find(',').map(|e| start + e),
        at(" rt", start),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(address.len());
    let hamlet = address.get(start..end)?.trim();
    (hamlet.len() > "dusun ".len()).then(|| hamlet.to_string())
}

/// The hamlets of a village operator's village, as its residents' addresses name them; none for wider
/// scopes (a regency's queue is filtered by village first).
pub fn hamlets(db: &Database, who: &Principal) -> Result<Vec<String>, AppError> {
    who.require_any(Action::ViewProposals)?;
    if who.grant.scope.level() != jaring_domain::RegionLevel::Village {
        return Ok(Vec::new());
    }
    let addresses =
        jaring_store::residents::addresses(&mut db.conn()?, &who.grant.scope.to_string())?;
    let mut out: Vec<String> = addresses
        .iter()
        .filter_map(|a| hamlet_of(a))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    out.truncate(50);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::hamlet_of;

    #[test]
    fn the_hamlet_is_read_out_of_an_address() {
        assert_eq!(
            hamlet_of("Dusun 2, RT 003/RW 002, Kewar").as_deref(),
            Some("Dusun 2")
        );
        assert_eq!(
            hamlet_of("Jl Melati, Dusun Satu, RT 001 RW 002").as_deref(),
            Some("Dusun Satu")
        );
        assert_eq!(
            hamlet_of("DUSUN LOCO RT 004").as_deref(),
            Some("DUSUN LOCO")
        );
        assert_eq!(hamlet_of("Jl Ahmad Yani 3, Atambua"), None);
        assert_eq!(
            hamlet_of("İİ Dusun Ñ, RT 1").as_deref(),
            Some("Dusun Ñ"),
            "any letters around"
        );
    }
}
