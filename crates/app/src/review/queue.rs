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
