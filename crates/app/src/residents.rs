//! Residents as operators look them up: search by NIK or by name (forgiving spelling variants), one
//! person with their household and memberships, and edits that go through the review workflow so
//! every change is audited and revertible. Everything is bounded by the caller's region.

use jaring_domain::access::Action;
use jaring_domain::review::{FieldValues, Intent, ProposalKind};
use jaring_domain::RegionCode;
use jaring_linkage::names::{phonetic_key, NameParts};
use jaring_store::residents::{self as store, EnrolmentSummary, PersonSummary};
use jaring_store::Database;

use crate::accounts::Principal;
use crate::AppError;

/// A page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Page number, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
    /// Whether another page follows.
    pub more: bool,
}

/// How the hits were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// NIK prefix.
    Nik,
    /// Every word of the name found as written.
    Exact,
    /// Spelling variants (phonetic key or Jaro–Winkler ≥ 0.88 per word).
    Fuzzy,
}

/// Residents matching `query` inside the principal's region: digits search NIKs by prefix; words
/// search names, and when the exact words find nothing, spelling variants (`Yohanis` for `Yohanes`,
/// `Djoni` for `Joni`).
pub fn search(
    db: &Database,
    who: &Principal,
    query: &str,
    page: i64,
    per_page: i64,
) -> Result<(SearchMode, Page<PersonSummary>), AppError> {
    who.require_any(Action::ViewResidents)?;
    let page = page.max(1);
    let per_page = per_page.clamp(1, 200);
    let offset = (page - 1) * per_page;
    let scope = who.grant.scope.to_string();
    let q = query.trim();
    let mut conn = db.conn()?;
    let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        let mut rows = store::by_nik_prefix(&mut conn, &scope, &digits, per_page + 1, offset)?;
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        return Ok((
            SearchMode::Nik,
            Page {
                items: rows,
                page,
                per_page,
                more,
            },
        ));
    }
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| w.to_lowercase())
        .filter(|w| !w.is_empty())
        .take(6)
        .collect();
    if words.is_empty() {
        let mut rows = store::by_name_words(&mut conn, &scope, &[], per_page + 1, offset)?;
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        return Ok((
            SearchMode::Exact,
            Page {
                items: rows,
                page,
                per_page,
                more,
            },
        ));
    }
    let mut rows = store::by_name_words(&mut conn, &scope, &words, per_page + 1, offset)?;
    // Spelling variants are looked for only when the words as written find no one at all.
    let exact_any = !rows.is_empty()
        || (offset > 0 && !store::by_name_words(&mut conn, &scope, &words, 1, 0)?.is_empty());
    if exact_any {
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        return Ok((
            SearchMode::Exact,
            Page {
                items: rows,
                page,
                per_page,
                more,
            },
        ));
    }
    let ids = fuzzy_ids(&mut conn, &scope, q)?;
    let window: Vec<i64> = ids
        .iter()
        .skip(offset as usize)
        .take(per_page as usize)
        .copied()
        .collect();
    let mut found = store::by_ids(&mut conn, &scope, &window)?;
    found.sort_by_key(|p| window.iter().position(|id| *id == p.id));
    Ok((
        SearchMode::Fuzzy,
        Page {
            items: found,
            page,
            per_page,
            more: ids.len() as i64 > offset + per_page,
        },
    ))
}

/// Ids of names in scope where every query word meets some name word (same phonetic key, or
/// Jaro–Winkler ≥ 0.88), best first; at most 1,000.
fn fuzzy_ids(
    conn: &mut jaring_store::Conn,
    scope: &str,
    query: &str,
) -> Result<Vec<i64>, AppError> {
    let wanted = NameParts::parse(query).tokens;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = wanted.iter().map(|w| phonetic_key(w)).collect();
    let mut scored: Vec<(f64, i64)> = Vec::new();
    for (id, name) in store::names_in_scope(conn, scope)? {
        let tokens = NameParts::parse(&name).tokens;
        let mut total = 0.0;
        let mut all = true;
        for (w, k) in wanted.iter().zip(&keys) {
            let best = tokens
                .iter()
                .map(|t| {
                    if t == w {
                        1.0
                    } else if phonetic_key(t) == *k {
                        0.95
                    } else {
                        strsim::jaro_winkler(t, w)
                    }
                })
                .fold(0.0, f64::max);
            if best < 0.88 {
                all = false;
                break;
            }
            total += best;
        }
        if all {
            scored.push((total, id));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(1_000);
    Ok(scored.into_iter().map(|(_, id)| id).collect())
}

/// A resident with what an operator needs around them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonView {
    /// The person.
    pub person: PersonSummary,
    /// Current family-card number.
    pub no_kk: Option<String>,
    /// Household members, head first (the person included).
    pub household: Vec<PersonSummary>,
    /// Memberships.
    pub enrolments: Vec<EnrolmentSummary>,
}

/// One resident, or `NotFound` when outside the principal's region (the same answer as a wrong id,
/// so ids cannot be probed).
pub fn person(db: &Database, who: &Principal, id: i64) -> Result<PersonView, AppError> {
    who.require_any(Action::ViewResidents)?;
    let mut conn = db.conn()?;
    let person =
        store::get(&mut conn, &who.grant.scope.to_string(), id)?.ok_or(AppError::NotFound)?;
    let (no_kk, household) = match person.household_id {
        Some(h) => (
            store::current_kk(&mut conn, h)?,
            store::household_members(&mut conn, h)?,
        ),
        None => (None, vec![person.clone()]),
    };
    let enrolments = store::enrolments(&mut conn, id)?;
    Ok(PersonView {
        person,
        no_kk,
        household,
        enrolments,
    })
}

/// Fields an operator may edit from the resident page.
pub const EDITABLE: &[&str] = &[
    "name",
    "birth_place",
    "birth_date",
    "address",
    "occupation",
    "marital_status",
    "worker_category",
];

/// Changes a resident's fields: a proposal made and, for roles that decide, applied at once (so the
/// change is audited and can be reverted like any other). Returns the proposal id and whether it
/// was applied.
pub fn edit(
    db: &Database,
    who: &Principal,
    id: i64,
    values: FieldValues,
    reason: &str,
    ctx: &crate::review::Context,
) -> Result<(i64, bool), AppError> {
    let view = person(db, who, id)?;
    let village =
        RegionCode::parse(&view.person.village_code).map_err(|e| AppError::Input(e.to_string()))?;
    who.require(Action::EditResidents, village)?;
    if let Some(bad) = values.keys().find(|k| !EDITABLE.contains(&k.as_str())) {
        return Err(AppError::Input(format!(
            "kolom '{bad}' tidak dapat diubah di sini / field '{bad}' cannot be edited here"
        )));
    }
    let values: FieldValues = values
        .into_iter()
        .filter(|(k, v)| {
            let before = match k.as_str() {
                "name" => Some(view.person.name.clone()),
                "occupation" => Some(view.person.occupation.clone()),
                "birth_date" => view.person.birth_date.map(|d| d.to_string()),
                _ => None,
            };
            before.is_none() || before != *v
        })
        .collect();
    if values.is_empty() {
        return Err(AppError::Input(
            "tidak ada yang berubah / nothing changed".into(),
        ));
    }
    let reason = if reason.trim().is_empty() {
        "koreksi data oleh operator"
    } else {
        reason.trim()
    };
    let pid = crate::review::propose(
        db,
        ProposalKind::Edit,
        Intent::SetFields {
            person_id: id,
            values,
        },
        &format!("koreksi / correction: {reason}"),
        &who.username,
        ctx,
    )?;
    let applied = who.grant.allows(Action::DecideProposals, village);
    if applied {
        crate::review::approve(db, pid, None, &who.username, ctx)?;
    }
    Ok((pid, applied))
}

/// Benefit claims of residents in the principal's region.
pub fn claims(
    db: &Database,
    who: &Principal,
    page: i64,
    per_page: i64,
) -> Result<Page<jaring_store::residents::ClaimSummary>, AppError> {
    who.require_any(Action::ViewClaims)?;
    let page = page.max(1);
    let per_page = per_page.clamp(1, 200);
    let mut items = store::claims(
        &mut db.conn()?,
        &who.grant.scope.to_string(),
        per_page + 1,
        (page - 1) * per_page,
    )?;
    let more = items.len() as i64 > per_page;
    items.truncate(per_page as usize);
    Ok(Page {
        items,
        page,
        per_page,
        more,
    })
}
