//! From an intent to the field-level changes it means against the data as it is now.
//!
//! Expansion runs twice: when a proposal is made (so the reviewer sees every enrolment it will end and
//! the claim it will open) and again inside the approving transaction (so the effects are right even if
//! other proposals were applied in between, in any order).

use chrono::NaiveDate;
use jaring_domain::review::{
    covered_on, end_of_month, inverse_of, Change, Entity, FieldValues, Intent,
};
use jaring_domain::{CivilServantStatus, LifeStatus, Nik, WorkerCategory};
use jaring_store::review as store;
use jaring_store::Conn;

use crate::AppError;

/// Facts expansion needs that are not in the rows themselves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    /// The day decisions take effect (household exits end cover at the end of this month).
    pub today: NaiveDate,
    /// Months after the last paid month during which a member is still covered.
    pub grace_months: u32,
}

/// Setting key: grace months (default 3, DOMAIN.md §2).
pub const SETTING_GRACE_MONTHS: &str = "grace_months";

/// The grace period in months from the database's settings (3 when unset, DOMAIN.md §1.6).
pub fn grace_months(conn: &mut Conn) -> Result<u32, AppError> {
    let grace = jaring_store::settings::get_i64(conn, SETTING_GRACE_MONTHS, 3)?;
    Ok(u32::try_from(grace).unwrap_or(3))
}

/// Stores the grace period as `who`, with the value it replaces in the audit log: it decides which
/// deaths still fall within cover.
pub fn set_grace_months(
    db: &jaring_store::Database,
    who: &crate::accounts::Principal,
    months: u32,
) -> Result<(), AppError> {
    who.require_any(jaring_domain::access::Action::ManageProgrammes)?;
    if months > 12 {
        return Err(AppError::Input(
            "masa tenggang 0–12 bulan / grace period 0–12 months".into(),
        ));
    }
    db.transaction(|tx| -> Result<(), AppError> {
        jaring_store::audit::lock(tx)?;
        let before = grace_months(tx)?;
        jaring_store::settings::set(tx, SETTING_GRACE_MONTHS, &months.to_string())?;
        jaring_store::audit::append(
            tx,
            &[jaring_store::audit::AuditEntry {
                actor: who.username.clone(),
                action: "setting.update".into(),
                entity: "setting".into(),
                before: Some(serde_json::json!({ SETTING_GRACE_MONTHS: before }).to_string()),
                after: Some(serde_json::json!({ SETTING_GRACE_MONTHS: months }).to_string()),
                reason: Some("masa tenggang / grace period".into()),
                ..Default::default()
            }],
        )?;
        Ok(())
    })
}

impl Context {
    /// Today (WITA) with the grace period from the database's settings.
    pub fn load(conn: &mut Conn, today: NaiveDate) -> Result<Context, AppError> {
        Ok(Context {
            today,
            grace_months: grace_months(conn)?,
        })
    }
}

fn get(values: &FieldValues, key: &str) -> Option<String> {
    values.get(key).cloned().flatten()
}

fn date(values: &FieldValues, key: &str) -> Option<NaiveDate> {
    get(values, key).and_then(|s| s.parse().ok())
}

fn update(
    out: &mut Vec<Change>,
    entity: Entity,
    id: i64,
    current: &FieldValues,
    field: &str,
    after: Option<String>,
) {
    let before = get(current, field);
    if before != after {
        out.push(Change::Update {
            entity,
            id,
            field: field.to_string(),
            before,
            after,
        });
    }
}

/// Updates of several fields of one person, each only where it differs.
fn set_person(
    out: &mut Vec<Change>,
    id: i64,
    current: &FieldValues,
    fields: &[(&str, Option<String>)],
) {
    for (field, value) in fields {
        update(out, Entity::Person, id, current, field, value.clone());
    }
}

fn iso(d: NaiveDate) -> Option<String> {
    Some(d.format("%Y-%m-%d").to_string())
}

/// Ends a deceased person's cover and opens a death-benefit (JKM) claim candidate if a membership
/// covered the day of death. `enrolments` are the person's (id `None` for one being created now).
fn death_effects(
    conn: &mut Conn,
    out: &mut Vec<Change>,
    person_id: i64,
    death: NaiveDate,
    enrolments: &mut [(Option<i64>, FieldValues)],
    ctx: &Context,
) -> Result<(), AppError> {
    let end = end_of_month(death);
    let mut covering: Option<Option<i64>> = None;
    for (id, e) in enrolments.iter_mut() {
        let covered = covered_on(
            date(e, "start_date"),
            date(e, "end_date"),
            date(e, "paid_through"),
            ctx.grace_months,
            death,
        );
        if covered && covering.is_none() {
            covering = Some(*id);
        }
        if date(e, "end_date").is_none_or(|d| d > end) {
            match id {
                Some(id) => {
                    update(out, Entity::Enrolment, *id, e, "end_date", iso(end));
                    update(
                        out,
                        Entity::Enrolment,
                        *id,
                        e,
                        "end_reason",
                        Some("deceased".into()),
                    );
                }
                None => {
                    e.insert("end_date".into(), iso(end));
                    e.insert("end_reason".into(), Some("deceased".into()));
                }
            }
        }
    }
    if let Some(enrolment) = covering {
        let has_claim = store::rows_by(conn, Entity::Claim, "person_id", person_id)?
            .iter()
            .any(|(_, c)| get(c, "kind").as_deref() == Some("jkm"));
        if !has_claim {
            out.push(Change::Insert {
                entity: Entity::Claim,
                id: None,
                values: FieldValues::from([
                    ("person_id".into(), Some(person_id.to_string())),
                    ("enrolment_id".into(), enrolment.map(|e| e.to_string())),
                    ("kind".into(), Some("jkm".into())),
                    ("event_date".into(), iso(death)),
                    ("status".into(), Some("candidate".into())),
                ]),
            });
        }
    }
    Ok(())
}

fn enrolments_of(
    conn: &mut Conn,
    person_id: i64,
) -> Result<Vec<(Option<i64>, FieldValues)>, AppError> {
    Ok(
        store::rows_by(conn, Entity::Enrolment, "person_id", person_id)?
            .into_iter()
            .map(|(id, v)| (Some(id), v))
            .collect(),
    )
}

/// DOMAIN.md §4.4: a household with an ASN/TNI/Polri member leaves subsidised programmes. Cover ends
/// at the end of the month of the appointment (TMT), as a death ends it at the end of the month of
/// death, whenever the appointment becomes known: a backdated TMT ends cover in the past, and the
/// months after it no longer count as covered (coverage, claims) even if premiums were paid for them.
fn household_exit(
    conn: &mut Conn,
    out: &mut Vec<Change>,
    person_id: i64,
    person: &FieldValues,
    since: NaiveDate,
) -> Result<(), AppError> {
    let members = match get(person, "household_id").and_then(|h| h.parse().ok()) {
        Some(h) => store::household_members(conn, h)?,
        None => vec![person_id],
    };
    end_subsidised(
        conn,
        out,
        &members,
        end_of_month(since),
        "household_civil_servant",
    )
}

/// Ends the subsidised memberships of `members` at `end` (those ending later or never), with `reason`.
fn end_subsidised(
    conn: &mut Conn,
    out: &mut Vec<Change>,
    members: &[i64],
    end: NaiveDate,
    reason: &str,
) -> Result<(), AppError> {
    for &m in members {
        for (id, e) in store::rows_by(conn, Entity::Enrolment, "person_id", m)? {
            let programme = get(&e, "programme_code").unwrap_or_default();
            let subsidised = store::programme_subsidised(conn, &programme)?.unwrap_or(false);
            if subsidised && date(&e, "end_date").is_none_or(|d| d > end) {
                update(out, Entity::Enrolment, id, &e, "end_date", iso(end));
                update(
                    out,
                    Entity::Enrolment,
                    id,
                    &e,
                    "end_reason",
                    Some(reason.into()),
                );
            }
        }
    }
    Ok(())
}

/// A move: within the regency the person changes village (and household, or none until the
/// destination gives them one); out of the regency they are `moved_out` and the regency stops paying
/// their subsidised cover with the month of the move.
fn move_effects(
    conn: &mut Conn,
    out: &mut Vec<Change>,
    person_id: i64,
    to: Option<&str>,
    household_id: Option<i64>,
    on: NaiveDate,
) -> Result<(), AppError> {
    let p = store::fields(conn, Entity::Person, person_id)?;
    if get(&p, "life_status").as_deref() != Some(LifeStatus::Alive.as_code()) {
        return Err(AppError::Input(
            "hanya penduduk yang hidup dan tinggal di sini yang dapat pindah / only a living resident can move"
                .into(),
        ));
    }
    let Some(to) = to else {
        set_person(
            out,
            person_id,
            &p,
            &[("life_status", Some(LifeStatus::MovedOut.as_code().into()))],
        );
        return end_subsidised(conn, out, &[person_id], end_of_month(on), "moved_out");
    };
    let to = jaring_domain::RegionCode::parse(to)
        .map_err(|e| AppError::Input(e.to_string()))?
        .to_string();
    if get(&p, "village_code").as_deref() == Some(to.as_str()) && household_id.is_none() {
        return Err(AppError::Input(
            "desa tujuan sama dengan desa asal / the destination is the village of origin".into(),
        ));
    }
    if let Some(h) = household_id {
        if store::household_village(conn, h)?.as_deref() != Some(to.as_str()) {
            return Err(AppError::Input(
                "KK tujuan tidak berada di desa tujuan / the family card is not in the destination village"
                    .into(),
            ));
        }
    }
    set_person(
        out,
        person_id,
        &p,
        &[
            ("village_code", Some(to)),
            ("household_id", household_id.map(|h| h.to_string())),
        ],
    );
    Ok(())
}

/// The consequences of a field-level edit that changes a life or a civil-servant status: the same
/// as the dedicated intents', so no edit, form or import can mark someone dead with their cover still
/// running, or appoint a civil servant with the household still subsidised.
fn edit_effects(
    conn: &mut Conn,
    out: &mut Vec<Change>,
    person_id: i64,
    current: &FieldValues,
    values: &FieldValues,
    ctx: &Context,
) -> Result<(), AppError> {
    let deceased = LifeStatus::Deceased.as_code();
    let dies = values
        .get("life_status")
        .is_some_and(|v| v.as_deref() == Some(deceased))
        && get(current, "life_status").as_deref() != Some(deceased);
    if dies {
        let death = date(values, "death_date")
            .or_else(|| date(current, "death_date"))
            .ok_or_else(|| {
                AppError::Input(
                    "tanggal meninggal wajib diisi / a date of death is required".into(),
                )
            })?;
        let mut enrolments = enrolments_of(conn, person_id)?;
        death_effects(conn, out, person_id, death, &mut enrolments, ctx)?;
    }
    if let Some(Some(code)) = values.get("civil_servant_status") {
        let excludes =
            |c: &str| CivilServantStatus::from_code(c).is_some_and(|s| s.excludes_household());
        let was = get(current, "civil_servant_status").is_some_and(|c| excludes(&c));
        if excludes(code) && !was {
            let since = date(values, "civil_servant_since")
                .or_else(|| date(current, "civil_servant_since"))
                .unwrap_or(ctx.today);
            household_exit(conn, out, person_id, current, since)?;
        }
    }
    Ok(())
}

/// *Pecah KK*: a new household in the same village and address, its family card from `on`, and the
/// leaving members moved into it, the head as its head. The old household and card stay with the
/// others, so its history is kept; reverting removes the new ones again.
fn split_effects(
    conn: &mut Conn,
    out: &mut Vec<Change>,
    head: i64,
    members: &[i64],
    no_kk: &str,
    on: NaiveDate,
) -> Result<(), AppError> {
    let kk = jaring_domain::NoKk::parse(no_kk)
        .map_err(|e| AppError::Input(format!("No. KK {no_kk}: {e}")))?
        .to_string();
    if store::kk_known(conn, &kk)? {
        return Err(AppError::Input(format!(
            "No. KK {kk} sudah pernah terdaftar / family card {kk} is already registered"
        )));
    }
    if !members.contains(&head) {
        return Err(AppError::Input(
            "kepala KK baru harus termasuk anggota yang pindah KK / the new head must be among those leaving".into(),
        ));
    }
    let p = store::fields(conn, Entity::Person, head)?;
    let old: i64 = get(&p, "household_id")
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| {
            AppError::Input(
                "penduduk ini belum tercatat dalam satu KK / this resident has no household".into(),
            )
        })?;
    let everyone = store::household_members(conn, old)?;
    if members.iter().any(|m| !everyone.contains(m)) {
        return Err(AppError::Input(
            "semua yang pindah KK harus anggota KK yang sama / everyone leaving must be of the same household".into(),
        ));
    }
    if everyone.iter().all(|m| members.contains(m)) {
        return Err(AppError::Input(
            "seluruh anggota pindah: itu penggantian nomor KK, bukan pecah KK / everyone leaves: that is a new number, not a split".into(),
        ));
    }
    let household = store::fields(conn, Entity::Household, old)?;
    out.push(Change::Insert {
        entity: Entity::Household,
        id: None,
        values: FieldValues::from([
            ("village_code".into(), get(&household, "village_code")),
            ("address".into(), get(&household, "address")),
        ]),
    });
    let new = jaring_domain::review::new_row_ref(0);
    out.push(Change::Insert {
        entity: Entity::FamilyCard,
        id: None,
        values: FieldValues::from([
            ("household_id".into(), Some(new.clone())),
            ("no_kk".into(), Some(kk)),
            ("valid_from".into(), iso(on)),
        ]),
    });
    for &m in members {
        let current = store::fields(conn, Entity::Person, m)?;
        if get(&current, "life_status").as_deref() != Some(LifeStatus::Alive.as_code()) {
            continue;
        }
        update(
            out,
            Entity::Person,
            m,
            &current,
            "household_id",
            Some(new.clone()),
        );
        if m == head {
            update(
                out,
                Entity::Person,
                m,
                &current,
                "relationship",
                Some(jaring_domain::Relationship::Head.as_code().into()),
            );
        }
    }
    Ok(())
}

/// The changes `intent` means now.
pub fn expand(conn: &mut Conn, intent: &Intent, ctx: &Context) -> Result<Vec<Change>, AppError> {
    let mut out = Vec::new();
    match intent {
        Intent::MarkDeceased {
            person_id,
            death_date,
            ..
        } => {
            let p = store::fields(conn, Entity::Person, *person_id)?;
            set_person(
                &mut out,
                *person_id,
                &p,
                &[
                    ("life_status", Some(LifeStatus::Deceased.as_code().into())),
                    ("death_date", iso(*death_date)),
                ],
            );
            let mut enrolments = enrolments_of(conn, *person_id)?;
            death_effects(
                conn,
                &mut out,
                *person_id,
                *death_date,
                &mut enrolments,
                ctx,
            )?;
        }
        Intent::CivilServant {
            person_id,
            status,
            since,
        } => {
            let p = store::fields(conn, Entity::Person, *person_id)?;
            let mut fields = vec![
                ("civil_servant_status", Some(status.as_code().into())),
                ("civil_servant_since", iso(*since)),
            ];
            if *status != CivilServantStatus::Pensioner {
                fields.push((
                    "worker_category",
                    Some(WorkerCategory::CivilServant.as_code().into()),
                ));
            }
            set_person(&mut out, *person_id, &p, &fields);
            if status.excludes_household() {
                household_exit(conn, &mut out, *person_id, &p, *since)?;
            }
        }
        Intent::Membership {
            person_id,
            kpj,
            programme,
            start,
            paid_through,
            end,
            end_reason,
        } => {
            let p = store::fields(conn, Entity::Person, *person_id)?;
            // What the file says; a column it lacks leaves the stored value alone.
            let mut wanted = FieldValues::from([
                ("person_id".into(), Some(person_id.to_string())),
                ("kpj".into(), Some(kpj.clone())),
            ]);
            let said = [
                ("programme_code", programme.clone()),
                ("start_date", start.and_then(iso)),
                ("paid_through", paid_through.and_then(iso)),
                ("end_date", end.and_then(iso)),
                ("end_reason", end.and(end_reason.clone())),
            ];
            for (field, value) in said {
                if value.is_some() {
                    wanted.insert(field.into(), value);
                }
            }
            let death = date(&p, "death_date");
            match store::enrolment_by_kpj(conn, kpj)? {
                Some((id, current)) => {
                    for (field, value) in &wanted {
                        update(
                            &mut out,
                            Entity::Enrolment,
                            id,
                            &current,
                            field,
                            value.clone(),
                        );
                    }
                    if let Some(death) = death {
                        let mut merged = current.clone();
                        merged.extend(wanted.clone());
                        let mut one = vec![(Some(id), merged)];
                        death_effects(conn, &mut out, *person_id, death, &mut one, ctx)?;
                    }
                }
                None => {
                    wanted
                        .entry("programme_code".into())
                        .or_insert_with(|| Some("bpu_mandiri".into()));
                    let mut one = vec![(None, wanted)];
                    let mut effects = Vec::new();
                    if let Some(death) = death {
                        death_effects(conn, &mut effects, *person_id, death, &mut one, ctx)?;
                    }
                    let values = one.pop().map(|(_, v)| v).unwrap_or_default();
                    out.push(Change::Insert {
                        entity: Entity::Enrolment,
                        id: None,
                        values,
                    });
                    out.extend(effects);
                }
            }
        }
        Intent::DesilUpdate { person_id, desil } => {
            let p = store::fields(conn, Entity::Person, *person_id)?;
            set_person(
                &mut out,
                *person_id,
                &p,
                &[("dtsen_desil", Some(desil.to_string()))],
            );
        }
        Intent::NewPerson { values } => {
            let values = &normalise_person_values(values)?;
            if let Some(nik) = get(values, "nik") {
                if jaring_store::registry::find_person_by_nik(conn, parse_nik(&nik)?)?.is_some() {
                    return Err(AppError::Input(format!(
                        "NIK {nik} sudah terdaftar / NIK {nik} is already in the registry"
                    )));
                }
            }
            out.push(Change::Insert {
                entity: Entity::Person,
                id: None,
                values: values.clone(),
            });
        }
        Intent::SetFields { person_id, values } => {
            let values = &normalise_person_values(values)?;
            let p = store::fields(conn, Entity::Person, *person_id)?;
            // The life status goes first when it is set, so a death date is never stored on a living
            // person (the table's check) and reverting, in reverse order, clears the date first.
            // A return to life goes last, after its death date is cleared.
            let mut ordered: Vec<(&String, &Option<String>)> = values.iter().collect();
            let revives = values
                .get("life_status")
                .is_some_and(|v| v.as_deref() != Some(LifeStatus::Deceased.as_code()));
            ordered.sort_by_key(|(k, _)| (*k != "life_status") != revives);
            for (field, value) in ordered {
                update(
                    &mut out,
                    Entity::Person,
                    *person_id,
                    &p,
                    field,
                    value.clone(),
                );
            }
            edit_effects(conn, &mut out, *person_id, &p, values, ctx)?;
        }
        Intent::Merge { keep, duplicate } => {
            if keep == duplicate {
                return Err(AppError::Input("penduduk tidak bisa digabung dengan dirinya sendiri / a person cannot be merged into themself".into()));
            }
            let d = store::fields(conn, Entity::Person, *duplicate)?;
            store::fields(conn, Entity::Person, *keep)?;
            update(
                &mut out,
                Entity::Person,
                *duplicate,
                &d,
                "merged_into",
                Some(keep.to_string()),
            );
            for entity in [Entity::Enrolment, Entity::Claim] {
                for (id, row) in store::rows_by(conn, entity, "person_id", *duplicate)? {
                    update(
                        &mut out,
                        entity,
                        id,
                        &row,
                        "person_id",
                        Some(keep.to_string()),
                    );
                }
            }
        }
        Intent::Move {
            person_id,
            to,
            household_id,
            on,
        } => move_effects(
            conn,
            &mut out,
            *person_id,
            to.as_deref(),
            *household_id,
            *on,
        )?,
        Intent::SplitHousehold {
            head,
            members,
            no_kk,
            on,
        } => split_effects(conn, &mut out, *head, members, no_kk, *on)?,
        Intent::Revert { proposal_id } => {
            let original = jaring_store::review::get_proposal(conn, *proposal_id)?;
            if original.status != "applied" {
                return Err(AppError::Input(format!(
                    "usulan {proposal_id} berstatus {} dan tidak bisa dibatalkan / proposal {proposal_id} is {} and cannot be reverted",
                    original.status, original.status
                )));
            }
            let applied: Vec<Change> = serde_json::from_str(&original.changes).map_err(|e| {
                AppError::Input(format!(
                    "proposal {proposal_id}: stored changes unreadable: {e}"
                ))
            })?;
            out = inverse_of(&applied);
        }
    }
    Ok(out)
}

fn parse_nik(s: &str) -> Result<Nik, AppError> {
    Nik::parse(s).map_err(|e| AppError::Input(format!("NIK {s}: {e}")))
}

/// Rejects unknown fields and malformed values before anything is stored, and writes the rest in their
/// stored form (a village code with its dots, a NIK without spaces, a trimmed name).
pub(crate) fn normalise_person_values(values: &FieldValues) -> Result<FieldValues, AppError> {
    check_person_values(values)?;
    Ok(values
        .iter()
        .map(|(k, v)| {
            let v = v.as_ref().map(|v| match k.as_str() {
                "village_code" => v
                    .parse::<jaring_domain::RegionCode>()
                    .map(|c| c.to_string())
                    .unwrap_or_else(|_| v.clone()),
                "nik" => Nik::parse(v)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| v.clone()),
                _ => v.trim().to_string(),
            });
            (k.clone(), v)
        })
        .collect())
}

fn check_person_values(values: &FieldValues) -> Result<(), AppError> {
    for (field, value) in values {
        if !store::is_field(Entity::Person, field) || field == "merged_into" {
            return Err(AppError::Input(format!(
                "kolom '{field}' tidak bisa diubah / field '{field}' cannot be changed"
            )));
        }
        let Some(v) = value else { continue };
        crate::text::checked((field, field), v, crate::text::MAX_FIELD)?;
        let ok = match field.as_str() {
            "nik" => parse_nik(v).is_ok(),
            "birth_date" | "death_date" | "civil_servant_since" => v.parse::<NaiveDate>().is_ok(),
            "sex" => jaring_domain::Sex::from_code(v).is_some(),
            "life_status" => LifeStatus::from_code(v).is_some(),
            "civil_servant_status" => CivilServantStatus::from_code(v).is_some(),
            "worker_category" => WorkerCategory::from_code(v).is_some(),
            "relationship" => jaring_domain::Relationship::from_code(v).is_some(),
            "marital_status" => jaring_domain::MaritalStatus::from_code(v).is_some(),
            "religion" => jaring_domain::Religion::from_code(v).is_some(),
            "education" => jaring_domain::Education::from_code(v).is_some(),
            "dtsen_desil" => v.parse::<u8>().is_ok_and(|d| (1..=10).contains(&d)),
            "village_code" => v.parse::<jaring_domain::RegionCode>().is_ok(),
            "household_id" => v.parse::<i64>().is_ok(),
            "name" => !v.trim().is_empty(),
            _ => true,
        };
        if !ok {
            return Err(AppError::Input(format!(
                "nilai '{v}' tidak sah untuk {field} / '{v}' is not a valid {field}"
            )));
        }
    }
    Ok(())
}
