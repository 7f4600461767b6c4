//! Benefit claims from candidate to payment: opened by an approved death (or by hand for a death or
//! a work accident), heirs and documents gathered, submitted, verified against the membership and the
//! regulation's table (the amount computed and kept), paid or rejected with a reason. Every step is
//! audited and checked against the user's role and region.

use chrono::{Datelike, NaiveDate};
use jaring_domain::access::Action;
use jaring_domain::benefits::{Benefit, BenefitTable, ClaimCase, ClaimFacts, SchoolLevel};
use jaring_domain::review::covered_on;
use jaring_domain::{RegionCode, Rupiah};
use jaring_store::audit::{self, AuditEntry};
use jaring_store::claims::{self as store, ClaimRow, Heir, NewClaim};
use jaring_store::{settings, Conn, Database, Value};

use crate::accounts::Principal;
use crate::AppError;

/// Setting holding a replacement benefit table (JSON).
pub const SETTING_BENEFIT_TABLE: &str = "benefit_table";

/// The benefit table in force: the stored one, else the regulation's defaults.
pub fn table(db: &Database) -> Result<BenefitTable, AppError> {
    match settings::get(&mut db.conn()?, SETTING_BENEFIT_TABLE)? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| AppError::Input(format!("stored benefit table unreadable: {e}"))),
        None => Ok(BenefitTable::default()),
    }
}

/// Replaces the benefit table (audited); later verifications use it, verified claims keep theirs.
pub fn set_table(db: &Database, who: &Principal, t: &BenefitTable) -> Result<(), AppError> {
    who.require_any(Action::ManageProgrammes)?;
    let json = serde_json::to_string(t).map_err(|e| AppError::Input(e.to_string()))?;
    db.transaction(|tx| {
        audit::lock(tx)?;
        let before = settings::get(tx, SETTING_BENEFIT_TABLE)?;
        settings::set(tx, SETTING_BENEFIT_TABLE, &json)?;
        audit::append(
            tx,
            &[AuditEntry {
                actor: who.username.clone(),
                action: "benefit_table.set".into(),
                entity: "setting".into(),
                before,
                after: Some(json.clone()),
                ..Default::default()
            }],
        )?;
        Ok(())
    })
}

fn village_of(row: &ClaimRow) -> Result<RegionCode, AppError> {
    RegionCode::parse(&row.village_code).map_err(|e| AppError::Input(e.to_string()))
}

/// A claim the principal may see, or `NotFound`.
pub fn get(db: &Database, who: &Principal, id: i64) -> Result<(ClaimRow, Vec<Heir>), AppError> {
    who.require_any(Action::ViewClaims)?;
    let mut conn = db.conn()?;
    let row = store::get(&mut conn, id)?.ok_or(AppError::NotFound)?;
    if !who.grant.covers(village_of(&row)?) {
        return Err(AppError::NotFound);
    }
    let heirs = store::heirs(&mut conn, id)?;
    Ok((row, heirs))
}

/// Claims in the principal's region, optionally of one status.
pub fn list(
    db: &Database,
    who: &Principal,
    status: Option<&str>,
) -> Result<Vec<ClaimRow>, AppError> {
    who.require_any(Action::ViewClaims)?;
    Ok(store::list(
        &mut db.conn()?,
        &who.grant.scope.to_string(),
        status,
    )?)
}

fn audit_claim(
    tx: &mut Conn,
    who: &Principal,
    row: &ClaimRow,
    action: &str,
    after: serde_json::Value,
    reason: Option<String>,
) -> Result<(), AppError> {
    audit::append(
        tx,
        &[AuditEntry {
            actor: who.username.clone(),
            action: format!("claim.{action}"),
            entity: "claim".into(),
            entity_id: Some(row.id),
            village_code: Some(row.village_code.clone()),
            person_id: Some(row.person_id),
            before: Some(serde_json::json!({"status": row.status}).to_string()),
            after: Some(after.to_string()),
            reason,
        }],
    )?;
    Ok(())
}

/// The enrolments of a person as (id, start, end, paid_through).
type EnrolmentDates = (i64, Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>);

fn enrolment_dates(conn: &mut Conn, person_id: i64) -> Result<Vec<EnrolmentDates>, AppError> {
    Ok(conn
        .query(
            "SELECT id, start_date, end_date, paid_through FROM enrolments WHERE person_id = $1 ORDER BY id",
            &[person_id.into()],
        )?
        .iter()
        .map(|r| Ok((r.i64(0)?, r.opt_date(1)?, r.opt_date(2)?, r.opt_date(3)?)))
        .collect::<Result<Vec<_>, jaring_store::StoreError>>()?)
}

/// Whole months from `a` to `b` (0 when `b` is before `a`).
fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    let m = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32 + 1;
    m.max(0) as u32
}

/// Months of contributions before `event`: each enrolment from its start to the earlier of its last
/// paid month and the event.
fn contribution_months(enrolments: &[EnrolmentDates], event: NaiveDate) -> u32 {
    enrolments
        .iter()
        .filter_map(|(_, start, _, paid)| {
            let start = (*start)?;
            let until = paid.map_or(event, |p| p.min(event));
            Some(months_between(start, until))
        })
        .sum()
}

/// Opens a claim by hand (a death reported by the village, a work accident): the person must be in
/// the principal's region; a death claim needs the person recorded as deceased on that date.
pub fn open(
    db: &Database,
    who: &Principal,
    person_id: i64,
    case: ClaimCase,
    event: NaiveDate,
    wage: Option<Rupiah>,
    days_off: Option<u32>,
) -> Result<i64, AppError> {
    let person = crate::residents::person(db, who, person_id)?.person;
    let village =
        RegionCode::parse(&person.village_code).map_err(|e| AppError::Input(e.to_string()))?;
    who.require(Action::ReportClaims, village)?;
    if case != ClaimCase::TemporaryIncapacity && person.life_status != "deceased" {
        return Err(AppError::Input(
            "catat kematiannya dulu (usulan meninggal) sebelum membuka klaim kematian / record the death first (a death proposal) before opening a death claim".into(),
        ));
    }
    db.transaction(|tx| {
        audit::lock(tx)?;
        let grace = crate::review::grace_months(tx)?;
        let covering = enrolment_dates(tx, person_id)?
            .into_iter()
            .find(|(_, s, e, p)| covered_on(*s, *e, *p, grace, event))
            .map(|(id, ..)| id);
        let id = store::insert(
            tx,
            &NewClaim {
                person_id,
                enrolment_id: covering,
                kind: case.programme().into(),
                case: case.as_code().into(),
                event_date: event,
                wage: wage.map(|w| w.0),
                days_off: days_off.map(i64::from),
            },
        )?;
        let row = store::get(tx, id)?.ok_or(AppError::NotFound)?;
        audit_claim(
            tx,
            who,
            &row,
            "open",
            serde_json::json!({"case": case.as_code(), "event_date": event, "status": "candidate"}),
            None,
        )?;
        Ok(id)
    })
}

/// What may change on a claim before it is submitted.
#[derive(Debug, Clone, Default)]
pub struct ClaimDetails {
    /// Heirs to add.
    pub heirs: Vec<Heir>,
    /// Documents received (codes of the case's checklist).
    pub documents: Vec<String>,
    /// Children's school levels (replaces the list when given).
    pub children: Option<Vec<Option<SchoolLevel>>>,
    /// Reported wage.
    pub wage: Option<Rupiah>,
    /// Days unable to work.
    pub days_off: Option<u32>,
}

fn case_of(row: &ClaimRow) -> Result<ClaimCase, AppError> {
    ClaimCase::from_code(&row.case)
        .ok_or_else(|| AppError::Input(format!("claim {}: unknown case {}", row.id, row.case)))
}

fn json_list<T: serde::de::DeserializeOwned>(s: &Option<String>) -> Vec<T> {
    s.as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// Adds heirs, ticks documents, sets children, wage or days while the claim is a candidate.
pub fn update_details(
    db: &Database,
    who: &Principal,
    id: i64,
    d: &ClaimDetails,
) -> Result<ClaimRow, AppError> {
    let (row, _) = get(db, who, id)?;
    who.require(Action::ReportClaims, village_of(&row)?)?;
    if row.status != "candidate" {
        return Err(AppError::Input(format!(
            "klaim #{id} sudah {}; data tidak bisa diubah / claim #{id} is already {}",
            row.status, row.status
        )));
    }
    let case = case_of(&row)?;
    let known: Vec<&str> = case.documents().iter().map(|(c, _)| *c).collect();
    if let Some(bad) = d.documents.iter().find(|c| !known.contains(&c.as_str())) {
        return Err(AppError::Input(format!(
            "dokumen '{bad}' bukan bagian daftar untuk kasus ini ({}) / not a document of this case",
            known.join(", ")
        )));
    }
    for h in &d.heirs {
        if let Some(nik) = h.nik.as_deref().filter(|n| !n.trim().is_empty()) {
            jaring_domain::Nik::parse(nik.trim()).map_err(|e| {
                AppError::Input(format!("NIK ahli waris {nik}: {e} / heir's NIK invalid"))
            })?;
        }
        if h.name.trim().is_empty()
            || !["spouse", "child", "parent", "other"].contains(&h.relationship.as_str())
        {
            return Err(AppError::Input(
                "ahli waris perlu nama dan hubungan (spouse, child, parent, other) / an heir needs a name and a relationship".into(),
            ));
        }
    }
    let mut docs: Vec<String> = json_list(&row.documents);
    for c in &d.documents {
        if !docs.contains(c) {
            docs.push(c.clone());
        }
    }
    let children = d
        .children
        .clone()
        .unwrap_or_else(|| json_list(&row.children));
    db.transaction(|tx| {
        audit::lock(tx)?;
        for h in &d.heirs {
            store::add_heir(tx, id, h)?;
        }
        let mut set: Vec<(&str, Value)> = vec![
            ("documents", serde_json::to_string(&docs).unwrap_or_default().into()),
            ("children", serde_json::to_string(&children).unwrap_or_default().into()),
        ];
        if let Some(w) = d.wage {
            set.push(("wage", w.0.into()));
        }
        if let Some(n) = d.days_off {
            set.push(("days_off", i64::from(n).into()));
        }
        let after = store::update(tx, id, row.row_version, &set)?;
        audit_claim(
            tx,
            who,
            &row,
            "update",
            serde_json::json!({"documents": docs, "heirs_added": d.heirs.len(), "children": children}),
            None,
        )?;
        Ok(after)
    })
}

/// Documents of the checklist not yet received.
pub fn missing_documents(row: &ClaimRow) -> Vec<&'static str> {
    let have: Vec<String> = json_list(&row.documents);
    ClaimCase::from_code(&row.case)
        .map(|c| c.documents())
        .unwrap_or(&[])
        .iter()
        .filter(|(code, _)| !have.iter().any(|h| h == code))
        .map(|(code, _)| *code)
        .collect()
}

/// Submits a complete claim (every document, and heirs for a death) on `on`.
pub fn submit(
    db: &Database,
    who: &Principal,
    id: i64,
    on: NaiveDate,
) -> Result<ClaimRow, AppError> {
    let (row, heirs) = get(db, who, id)?;
    who.require(Action::ReportClaims, village_of(&row)?)?;
    expect_status(&row, "candidate")?;
    let missing = missing_documents(&row);
    if !missing.is_empty() {
        return Err(AppError::Input(format!(
            "dokumen belum lengkap: {} / documents missing",
            missing.join(", ")
        )));
    }
    if case_of(&row)?.has_heirs() && heirs.is_empty() {
        return Err(AppError::Input(
            "ahli waris belum dicatat / no heir recorded".into(),
        ));
    }
    step(
        db,
        who,
        &row,
        "submitted",
        &[("submitted_on", on.into())],
        None,
    )
}

fn expect_status(row: &ClaimRow, want: &str) -> Result<(), AppError> {
    if row.status == want {
        Ok(())
    } else {
        Err(AppError::Input(format!(
            "klaim #{} berstatus {}, bukan {want} / claim is {}, not {want}",
            row.id, row.status, row.status
        )))
    }
}

fn step(
    db: &Database,
    who: &Principal,
    row: &ClaimRow,
    status: &str,
    extra: &[(&str, Value)],
    reason: Option<String>,
) -> Result<ClaimRow, AppError> {
    db.transaction(|tx| {
        audit::lock(tx)?;
        let mut set: Vec<(&str, Value)> = vec![("status", status.into())];
        set.extend(extra.iter().cloned());
        let after = store::update(tx, row.id, row.row_version, &set)?;
        audit_claim(
            tx,
            who,
            row,
            status,
            serde_json::json!({"status": status, "amount": after.amount}),
            reason.clone(),
        )?;
        Ok(after)
    })
}

/// The benefit a claim is owed and the months of contributions it rests on, or why it is owed
/// nothing: the membership must have covered the event (with the grace period), a JKK claim must come
/// within its window (counted to the submission date).
pub fn assess(db: &Database, row: &ClaimRow) -> Result<(Benefit, u32), AppError> {
    let case = case_of(row)?;
    let event = row
        .event_date
        .ok_or_else(|| AppError::Input("klaim tanpa tanggal kejadian / no event date".into()))?;
    let t = table(db)?;
    let mut conn = db.conn()?;
    let grace = crate::review::grace_months(&mut conn)?;
    let enrolments = enrolment_dates(&mut conn, row.person_id)?;
    if !enrolments
        .iter()
        .any(|(_, s, e, p)| covered_on(*s, *e, *p, grace, event))
    {
        return Err(AppError::Input(format!(
            "kepesertaan tidak aktif pada {event} (masa tenggang {grace} bulan) / membership was not active on {event} ({grace}-month grace)"
        )));
    }
    t.check_window(
        case,
        event,
        row.submitted_on.unwrap_or_else(jaring_domain::today),
    )
    .map_err(|e| AppError::Input(e.to_string()))?;
    let months = contribution_months(&enrolments, event);
    let facts = ClaimFacts {
        case,
        contribution_months: months,
        wage: row.wage.map(Rupiah),
        days_off: row.days_off.and_then(|d| u32::try_from(d).ok()),
        children: json_list(&row.children),
    };
    let benefit = t
        .compute(&facts)
        .map_err(|e| AppError::Input(e.to_string()))?;
    Ok((benefit, months))
}

/// Verifies a submitted claim: eligibility checked, the benefit computed and kept with its lines.
pub fn verify(
    db: &Database,
    who: &Principal,
    id: i64,
    on: NaiveDate,
) -> Result<ClaimRow, AppError> {
    let (row, _) = get(db, who, id)?;
    who.require(Action::ProcessClaims, village_of(&row)?)?;
    expect_status(&row, "submitted")?;
    let (benefit, months) = assess(db, &row)?;
    step(
        db,
        who,
        &row,
        "verified",
        &[
            ("verified_on", on.into()),
            (
                "benefit",
                serde_json::to_string(&benefit).unwrap_or_default().into(),
            ),
            ("amount", benefit.total().0.into()),
            ("contribution_months", i64::from(months).into()),
        ],
        None,
    )
}

/// Records the payment of a verified claim.
pub fn pay(db: &Database, who: &Principal, id: i64, on: NaiveDate) -> Result<ClaimRow, AppError> {
    let (row, _) = get(db, who, id)?;
    who.require(Action::ProcessClaims, village_of(&row)?)?;
    expect_status(&row, "verified")?;
    step(db, who, &row, "paid", &[("paid_on", on.into())], None)
}

/// Rejects a claim that is not paid, with a reason.
pub fn reject(
    db: &Database,
    who: &Principal,
    id: i64,
    on: NaiveDate,
    reason: &str,
) -> Result<ClaimRow, AppError> {
    let (row, _) = get(db, who, id)?;
    who.require(Action::ProcessClaims, village_of(&row)?)?;
    let reason = crate::text::reason(reason)?;
    if reason.is_empty() {
        return Err(AppError::Input(
            "alasan penolakan wajib diisi / a reason is required".into(),
        ));
    }
    if matches!(row.status.as_str(), "paid" | "rejected") {
        return Err(AppError::Input(format!(
            "klaim #{id} sudah {} / claim is already {}",
            row.status, row.status
        )));
    }
    step(
        db,
        who,
        &row,
        "rejected",
        &[("rejected_on", on.into()), ("reason", reason.trim().into())],
        Some(reason.trim().to_string()),
    )
}

/// Paid claims per month and village in the principal's region: (month, village, count, Rupiah).
pub fn paid_totals(
    db: &Database,
    who: &Principal,
) -> Result<Vec<(String, String, i64, Rupiah)>, AppError> {
    who.require_any(Action::ViewClaims)?;
    Ok(
        store::paid_totals(&mut db.conn()?, &who.grant.scope.to_string())?
            .into_iter()
            .map(|(m, v, n, sum)| (m, v, n, Rupiah(sum)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contribution_months_count_paid_months_up_to_the_event() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        // Jan 2022 to paid-through Dec 2024 = 36 months, event in 2025.
        assert_eq!(
            contribution_months(
                &[(1, Some(d(2022, 1)), None, Some(d(2024, 12)))],
                d(2025, 3)
            ),
            36
        );
        // Paid ahead past the event: counted to the event month.
        assert_eq!(
            contribution_months(&[(1, Some(d(2024, 1)), None, Some(d(2026, 1)))], d(2024, 6)),
            6
        );
        assert_eq!(contribution_months(&[(1, None, None, None)], d(2024, 6)), 0);
    }
}
