//! Residents as operators look them up: search by NIK or by name (forgiving spelling variants), one
//! person with their household and memberships, and edits that go through the review workflow so
//! every change is audited and revertible. Everything is bounded by the caller's region.

use jaring_domain::access::Action;
use jaring_domain::review::{FieldValues, Intent, ProposalKind};
use jaring_domain::RegionCode;
use jaring_store::residents::{self as store, EnrolmentSummary, PersonSummary};
use jaring_store::Database;

use crate::accounts::Principal;
use crate::AppError;

mod name_index;

/// The names of the residents among `ids` that lie inside `who`'s region (the others are left out:
/// a list shows an id it cannot name, never the name of someone outside the reader's region).
pub fn names_in_scope(
    conn: &mut jaring_store::Conn,
    who: &Principal,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(store::names(conn, &ids)?
        .into_iter()
        .filter(|(_, _, village)| {
            village
                .as_deref()
                .and_then(|v| RegionCode::parse(v).ok())
                .is_some_and(|v| who.grant.covers(v))
        })
        .map(|(id, name, _)| (id, name))
        .collect())
}

pub use name_index::NameIndex;

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
    index: &NameIndex,
    who: &Principal,
    query: &str,
    page: i64,
    per_page: i64,
) -> Result<(SearchMode, Page<PersonSummary>), AppError> {
    read_hits(db, find(index, who, query, page, per_page)?)
}

/// What a search found in the index, before its rows are read: the ids of one page, in order.
/// Made only by [`find`], for the principal it checked.
#[derive(Debug, Clone)]
pub struct Hits {
    mode: SearchMode,
    scope: RegionCode,
    window: Vec<i64>,
    page: i64,
    per_page: i64,
    more: bool,
}

/// The first half of [`search`]: the index alone, CPU only. A server runs it a few at a time and
/// reads the rows ([`read_hits`]) outside that limit, while the database answers.
pub fn find(
    index: &NameIndex,
    who: &Principal,
    query: &str,
    page: i64,
    per_page: i64,
) -> Result<Hits, AppError> {
    who.require_any(Action::ViewResidents)?;
    // Bounded so the offset cannot overflow, whatever a client asks for.
    let page = page.clamp(1, 1_000_000);
    let per_page = per_page.clamp(1, 200);
    let offset = ((page - 1) * per_page) as usize;
    let scope = who.grant.scope;
    let (mode, ids, more) = index.find(scope, query, offset + per_page as usize);
    Ok(Hits {
        mode,
        scope,
        window: ids.into_iter().skip(offset).collect(),
        page,
        per_page,
        more,
    })
}

/// The second half of [`search`]: the page's rows, read in the scope the hits were found for.
pub fn read_hits(db: &Database, hits: Hits) -> Result<(SearchMode, Page<PersonSummary>), AppError> {
    let window = hits.window;
    let mut items = store::by_ids(&mut db.conn()?, &hits.scope.to_string(), &window)?;
    items.sort_by_key(|p| window.iter().position(|id| *id == p.id));
    Ok((
        hits.mode,
        Page {
            items,
            page: hits.page,
            per_page: hits.per_page,
            more: hits.more,
        },
    ))
}

/// A resident with what an operator needs around them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonView {
    /// The person.
    pub person: PersonSummary,
    /// Current family-card number.
    pub no_kk: Option<String>,
    /// Household members inside the principal's region, head first (the person included).
    pub household: Vec<PersonSummary>,
    /// Members registered in a region outside the principal's: counted, never shown.
    pub members_elsewhere: usize,
    /// Memberships.
    pub enrolments: Vec<EnrolmentSummary>,
    /// What else the registry knows of the person, for the resident page.
    pub details: PersonDetails,
}

/// The registry's other facts about a resident, typed, so a page shows what an import brought in.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonDetails {
    /// Place of birth as written.
    pub birth_place: String,
    /// Address (hamlet, RT/RW) as written.
    pub address: String,
    /// Relationship to the head of the family card.
    pub relationship: jaring_domain::Relationship,
    /// Marital status.
    pub marital_status: jaring_domain::MaritalStatus,
    /// Religion, when a source said.
    pub religion: Option<jaring_domain::Religion>,
    /// Highest education completed, when a source said.
    pub education: Option<jaring_domain::Education>,
    /// Mother's name as written; `None` for roles that do not see full NIKs, since Dukcapil and
    /// banks take NIK and mother's name together as proof of identity.
    pub mother_name: Option<String>,
    /// Worker category for BPJS programmes.
    pub worker_category: jaring_domain::WorkerCategory,
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
    let full = jaring_store::registry::get_person(&mut conn, jaring_domain::PersonId(id))?;
    let details = PersonDetails {
        birth_place: full.birth_place,
        address: full.address,
        relationship: full.relationship,
        marital_status: full.marital_status,
        religion: full.religion,
        education: full.education,
        mother_name: who.grant.role.sees_full_nik().then_some(full.mother_name),
        worker_category: full.worker_category,
    };
    let scope = who.grant.scope;
    let in_scope = |m: &PersonSummary| {
        jaring_domain::RegionCode::parse(&m.village_code).is_ok_and(|v| scope.contains(v))
    };
    let members_elsewhere = household.iter().filter(|m| !in_scope(m)).count();
    let household = household.into_iter().filter(in_scope).collect();
    Ok(PersonView {
        person,
        no_kk,
        household,
        members_elsewhere,
        enrolments,
        details,
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
    "religion",
    "education",
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
    if let Some(Some(o)) = values.get("occupation") {
        crate::events::no_appointment_by_text(o)?;
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
    let reason = crate::text::reason(reason)?;
    let reason = if reason.is_empty() {
        "koreksi data oleh operator"
    } else {
        reason.trim()
    };
    let pid = crate::review::propose(
        db,
        who,
        ProposalKind::Edit,
        Intent::SetFields {
            person_id: id,
            values,
        },
        &format!("koreksi / correction: {reason}"),
        ctx,
    )?;
    let applied = who.grant.allows(Action::DecideProposals, village);
    if applied {
        crate::review::approve(db, who, pid, None, ctx)?;
    }
    Ok((pid, applied))
}
