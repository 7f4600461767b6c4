//! From a report to the proposal it means: the intent, its evidence and summary, after checking the
//! reporter's right in the village and the report's own sense (a death after the birth, a move to a
//! village of the regency, a NIK not held by someone else).

use chrono::NaiveDate;
use jaring_domain::access::Action;
use jaring_domain::review::{Band, Entity, FieldValues, Intent, ProposalKind, ProposalStatus};
use jaring_domain::{LifeStatus, MaritalStatus, RegionCode, Relationship, WorkerCategory};
use jaring_store::review as store;
use jaring_store::Conn;
use serde_json::json;

use super::{
    Appointment, Arrival, Birth, CorrectedField, Correction, Death, DeathDocument, Destination,
    MoveOut, Objection, Report, Split, OBJECTION_SOURCE, REPORT_SOURCE,
};
use crate::accounts::Principal;
use crate::review::{Context, Draft};
use crate::text::{checked, MAX_FIELD, MAX_REASON};
use crate::AppError;

fn get(values: &FieldValues, key: &str) -> Option<String> {
    values.get(key).cloned().flatten()
}

fn input(id: &str, en: &str) -> AppError {
    AppError::Input(format!("{id} / {en}"))
}

/// A resident `who` may report about: inside their region (else `NotFound`, as for a wrong id), not
/// merged away, and in a village where they may edit residents.
pub(super) fn resident(
    tx: &mut Conn,
    who: &Principal,
    id: i64,
) -> Result<(FieldValues, RegionCode), AppError> {
    let p = match store::fields(tx, Entity::Person, id) {
        Ok(p) => p,
        Err(jaring_store::StoreError::NotFound { .. }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let village = get(&p, "village_code")
        .and_then(|v| RegionCode::parse(&v).ok())
        .filter(|v| who.grant.covers(*v))
        .ok_or(AppError::NotFound)?;
    if get(&p, "merged_into").is_some() {
        return Err(AppError::NotFound);
    }
    who.require(Action::EditResidents, village)?;
    Ok((p, village))
}

fn alive(p: &FieldValues) -> Result<(), AppError> {
    if get(p, "life_status").as_deref() == Some(LifeStatus::Alive.as_code()) {
        Ok(())
    } else {
        Err(input(
            "penduduk ini tidak tercatat hidup di sini",
            "this resident is not recorded as living here",
        ))
    }
}

fn not_future(d: NaiveDate, ctx: &Context, what: (&str, &str)) -> Result<(), AppError> {
    if d > ctx.today {
        return Err(AppError::Input(format!(
            "{} tidak boleh di masa depan / {} cannot be in the future",
            what.0, what.1
        )));
    }
    Ok(())
}

fn text(what: (&str, &str), s: &str, required: bool) -> Result<String, AppError> {
    let s = checked(what, s, MAX_FIELD)?;
    if required && s.is_empty() {
        return Err(AppError::Input(format!(
            "{} wajib diisi / {} is required",
            what.0, what.1
        )));
    }
    Ok(s.to_string())
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

fn make<'a>(
    who: &'a Principal,
    kind: ProposalKind,
    intent: Intent,
    summary: String,
    evidence: serde_json::Value,
) -> Draft<'a> {
    Draft {
        kind,
        intent,
        summary,
        evidence,
        band: Band::Manual,
        actor: &who.username,
        village: None,
        village_to: None,
    }
}

/// The proposal `report` means, checked.
pub(super) fn draft_for<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    report: &Report,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    match report {
        Report::Death(d) => death(tx, who, d, ctx),
        Report::Birth(b) => birth(tx, who, b, ctx),
        Report::MoveOut(m) => move_out(tx, who, m, ctx),
        Report::Arrival(a) => arrival(tx, who, a, ctx),
        Report::Appointment(a) => appointment(tx, who, a, ctx),
        Report::Split(s) => split(tx, who, s, ctx),
        Report::Occupation {
            person_id,
            occupation,
        } => occupation_change(tx, who, *person_id, occupation),
        Report::Correction(c) => correction(tx, who, c, ctx),
        Report::Objection(o) => objection(tx, who, o),
    }
}

fn death<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    d: &Death,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    let (p, village) = resident(tx, who, d.person_id)?;
    alive(&p)?;
    not_future(d.date, ctx, ("tanggal meninggal", "the date of death"))?;
    if get(&p, "birth_date")
        .and_then(|b| b.parse::<NaiveDate>().ok())
        .is_some_and(|b| d.date < b)
    {
        return Err(input(
            "tanggal meninggal sebelum tanggal lahir",
            "the date of death is before the birth date",
        ));
    }
    let place = text(("tempat meninggal", "the place of death"), &d.place, true)?;
    let (document, number) = match &d.document {
        DeathDocument::Deed(n) => ("akta_kematian", n),
        DeathDocument::VillageLetter(n) => ("surat_desa", n),
    };
    let number = text(("nomor dokumen", "the document number"), number, true)?;
    let name = get(&p, "name").unwrap_or_default();
    Ok(make(
        who,
        ProposalKind::MarkDeceased,
        Intent::MarkDeceased {
            person_id: d.person_id,
            death_date: d.date,
            deed_number: matches!(d.document, DeathDocument::Deed(_)).then(|| number.clone()),
        },
        format!(
            "Lapor kematian: {name}, {} di {place} / death reported",
            dmy(d.date)
        ),
        json!({
            "source": REPORT_SOURCE, "report": "death", "actor": who.username,
            "place": place, "document": document, "document_number": number,
            "proposed_in": village.to_string(),
        }),
    ))
}

fn birth<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    b: &Birth,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    let (parent, village) = resident(tx, who, b.parent_id)?;
    alive(&parent)?;
    let household = get(&parent, "household_id").ok_or_else(|| {
        input(
            "orang tua ini belum tercatat dalam satu KK",
            "this parent is not registered in a household",
        )
    })?;
    not_future(b.birth_date, ctx, ("tanggal lahir", "the birth date"))?;
    let name = text(("nama", "the name"), &b.name, true)?;
    let place = text(("tempat lahir", "the birth place"), &b.birth_place, false)?;
    let relationship = match get(&parent, "relationship")
        .as_deref()
        .and_then(Relationship::from_code)
    {
        Some(Relationship::Head | Relationship::Wife | Relationship::Husband) => {
            Relationship::Child
        }
        Some(Relationship::Child | Relationship::ChildInLaw) => Relationship::Grandchild,
        _ => Relationship::OtherRelative,
    };
    let mut values = FieldValues::from([
        ("name".into(), Some(name.clone())),
        ("sex".into(), Some(b.sex.as_code().into())),
        ("birth_date".into(), Some(b.birth_date.to_string())),
        ("birth_place".into(), Some(place)),
        ("village_code".into(), Some(village.to_string())),
        ("household_id".into(), Some(household)),
        ("address".into(), get(&parent, "address")),
        ("relationship".into(), Some(relationship.as_code().into())),
        (
            "marital_status".into(),
            Some(MaritalStatus::Single.as_code().into()),
        ),
        (
            "worker_category".into(),
            Some(WorkerCategory::NotWorking.as_code().into()),
        ),
        ("occupation".into(), Some("Belum/Tidak Bekerja".into())),
    ]);
    if let Some(nik) = b.nik {
        values.insert("nik".into(), Some(nik.to_string()));
    }
    let parent_name = get(&parent, "name").unwrap_or_default();
    Ok(make(
        who,
        ProposalKind::NewPerson,
        Intent::NewPerson { values },
        format!(
            "Kelahiran: {name}, {}, anak dari {parent_name} / birth",
            dmy(b.birth_date)
        ),
        json!({
            "source": REPORT_SOURCE, "report": "birth", "actor": who.username,
            "parent_id": b.parent_id, "proposed_in": village.to_string(),
        }),
    ))
}

/// The household holding `no_kk`, which must be in `village`.
fn household_in(
    tx: &mut Conn,
    no_kk: jaring_domain::NoKk,
    village: RegionCode,
) -> Result<i64, AppError> {
    let h = store::household_by_kk(tx, &no_kk.to_string())?.ok_or_else(|| {
        AppError::Input(format!(
            "No. KK {no_kk} belum terdaftar / family card {no_kk} is not registered"
        ))
    })?;
    if store::household_village(tx, h)?.as_deref() != Some(village.to_string().as_str()) {
        return Err(AppError::Input(format!(
            "No. KK {no_kk} tidak terdaftar di desa {village} / family card {no_kk} is not registered in village {village}"
        )));
    }
    Ok(h)
}

fn move_out<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    m: &MoveOut,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    let (p, village) = resident(tx, who, m.person_id)?;
    alive(&p)?;
    not_future(m.on, ctx, ("tanggal pindah", "the day of the move"))?;
    let name = get(&p, "name").unwrap_or_default();
    let (to, household_id, summary) = match &m.to {
        Destination::Village(to, no_kk) => {
            if !jaring_store::regions::is_village(tx, *to)? {
                return Err(AppError::UnknownRegion(to.to_string()));
            }
            if *to == village {
                return Err(input(
                    "desa tujuan sama dengan desa asal",
                    "the destination is the village of origin",
                ));
            }
            let h = no_kk.map(|k| household_in(tx, k, *to)).transpose()?;
            (
                Some(to.to_string()),
                h,
                format!("Pindah: {name} dari {village} ke {to} / moves to {to}"),
            )
        }
        Destination::Away(place) => {
            let place = text(("tujuan pindah", "the destination"), place, true)?;
            (
                None,
                None,
                format!("Pindah keluar daerah: {name} ke {place} / moves out of the regency"),
            )
        }
    };
    let mut d = make(
        who,
        ProposalKind::Move,
        Intent::Move {
            person_id: m.person_id,
            to: to.clone(),
            household_id,
            on: m.on,
        },
        summary,
        json!({
            "source": REPORT_SOURCE, "report": "move_out", "actor": who.username,
            "destination": match &m.to { Destination::Away(p) => p.clone(), Destination::Village(v, _) => v.to_string() },
            "proposed_in": village.to_string(),
        }),
    );
    d.village_to = to;
    Ok(d)
}

fn arrival<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    a: &Arrival,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    who.require(Action::EditResidents, a.village)?;
    if !jaring_store::regions::is_village(tx, a.village)? {
        return Err(AppError::UnknownRegion(a.village.to_string()));
    }
    not_future(a.on, ctx, ("tanggal datang", "the day of arrival"))?;
    let name = text(("nama", "the name"), &a.name, true)?;
    let origin = text(("asal", "the origin"), &a.origin, false)?;
    let household_id = a
        .no_kk
        .map(|k| household_in(tx, k, a.village))
        .transpose()?;
    let evidence = json!({
        "source": REPORT_SOURCE, "report": "arrival", "actor": who.username,
        "origin": origin, "proposed_in": a.village.to_string(),
    });
    if let Some(known) = jaring_store::registry::find_person_by_nik(tx, a.nik)? {
        let (from, status) = (known.village, known.life_status);
        if status != LifeStatus::Alive {
            return Err(AppError::Input(format!(
                "NIK {} tercatat '{}'; ajukan koreksi ke kabupaten / NIK {} is recorded as '{}'; ask the regency for a correction",
                a.nik, status.label_id(), a.nik, status.as_code()
            )));
        }
        if from == a.village {
            return Err(AppError::Input(format!(
                "NIK {} sudah terdaftar di desa ini / NIK {} is already registered in this village",
                a.nik, a.nik
            )));
        }
        let mut d = make(
            who,
            ProposalKind::Move,
            Intent::Move {
                person_id: known.id.0,
                to: Some(a.village.to_string()),
                household_id,
                on: a.on,
            },
            format!(
                "Pindah datang: {name} (NIK {}) dari {from} ke {} / moves in",
                a.nik, a.village
            ),
            evidence,
        );
        d.village_to = Some(a.village.to_string());
        return Ok(d);
    }
    let occupation = text(("pekerjaan", "the occupation"), &a.occupation, false)?;
    super::no_appointment_by_text(&occupation)?;
    let values = FieldValues::from([
        ("nik".into(), Some(a.nik.to_string())),
        ("name".into(), Some(name.clone())),
        ("sex".into(), Some(a.sex.as_code().into())),
        ("birth_date".into(), a.birth_date.map(|d| d.to_string())),
        (
            "birth_place".into(),
            Some(text(
                ("tempat lahir", "the birth place"),
                &a.birth_place,
                false,
            )?),
        ),
        ("village_code".into(), Some(a.village.to_string())),
        ("household_id".into(), household_id.map(|h| h.to_string())),
        ("relationship".into(), Some(a.relationship.as_code().into())),
        (
            "marital_status".into(),
            Some(MaritalStatus::Single.as_code().into()),
        ),
        ("occupation".into(), Some(occupation.clone())),
        (
            "worker_category".into(),
            Some(
                jaring_domain::occupation::worker_category(&occupation, None)
                    .as_code()
                    .into(),
            ),
        ),
    ]);
    Ok(make(
        who,
        ProposalKind::NewPerson,
        Intent::NewPerson { values },
        format!(
            "Pindah datang: {name} dari {} ke {} / moves in",
            if origin.is_empty() { "?" } else { &origin },
            a.village
        ),
        evidence,
    ))
}

fn appointment<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    a: &Appointment,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    let (p, village) = resident(tx, who, a.person_id)?;
    alive(&p)?;
    if a.status == jaring_domain::CivilServantStatus::None {
        return Err(input(
            "pilih status ASN/PPPK/TNI/Polri",
            "choose an ASN/PPPK/TNI/Polri status",
        ));
    }
    if a.since > ctx.today + chrono::Days::new(366) {
        return Err(input(
            "TMT lebih dari setahun ke depan",
            "the TMT is more than a year ahead",
        ));
    }
    let decree = text(("nomor SK", "the decree number"), &a.decree, false)?;
    let name = get(&p, "name").unwrap_or_default();
    Ok(make(
        who,
        ProposalKind::CivilServant,
        Intent::CivilServant {
            person_id: a.person_id,
            status: a.status,
            since: a.since,
        },
        format!(
            "Pengangkatan {}: {name}, TMT {} / appointed",
            a.status.label_id(),
            dmy(a.since)
        ),
        json!({
            "source": REPORT_SOURCE, "report": "appointment", "actor": who.username,
            "decree": decree, "proposed_in": village.to_string(),
        }),
    ))
}

fn split<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    s: &Split,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    let (p, village) = resident(tx, who, s.head)?;
    alive(&p)?;
    not_future(s.on, ctx, ("tanggal KK baru", "the new card's date"))?;
    let mut members = vec![s.head];
    for &m in &s.with {
        resident(tx, who, m)?;
        if !members.contains(&m) {
            members.push(m);
        }
    }
    let name = get(&p, "name").unwrap_or_default();
    let others = members.len() - 1;
    Ok(make(
        who,
        ProposalKind::SplitHousehold,
        Intent::SplitHousehold {
            head: s.head,
            members,
            no_kk: s.no_kk.to_string(),
            on: s.on,
        },
        format!(
            "Pecah KK: {name} dan {others} anggota ke KK {} / household split",
            s.no_kk
        ),
        json!({
            "source": REPORT_SOURCE, "report": "split", "actor": who.username,
            "proposed_in": village.to_string(),
        }),
    ))
}

fn occupation_change<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    person_id: i64,
    occupation: &str,
) -> Result<Draft<'a>, AppError> {
    let (p, village) = resident(tx, who, person_id)?;
    let occupation = text(("pekerjaan", "the occupation"), occupation, true)?;
    super::no_appointment_by_text(&occupation)?;
    let desil = get(&p, "dtsen_desil").and_then(|d| d.parse().ok());
    let category = jaring_domain::occupation::worker_category(&occupation, desil);
    let name = get(&p, "name").unwrap_or_default();
    Ok(make(
        who,
        ProposalKind::Edit,
        Intent::SetFields {
            person_id,
            values: FieldValues::from([
                ("occupation".into(), Some(occupation.clone())),
                ("worker_category".into(), Some(category.as_code().into())),
            ]),
        },
        format!("Pekerjaan {name}: {occupation} / occupation"),
        json!({
            "source": REPORT_SOURCE, "report": "occupation", "actor": who.username,
            "proposed_in": village.to_string(),
        }),
    ))
}

fn correction<'a>(
    tx: &mut Conn,
    who: &'a Principal,
    c: &Correction,
    ctx: &Context,
) -> Result<Draft<'a>, AppError> {
    let (p, village) = resident(tx, who, c.person_id)?;
    let reason = checked(("alasan", "the reason"), &c.reason, MAX_REASON)?;
    if reason.is_empty() {
        return Err(input(
            "alasan koreksi wajib diisi",
            "a reason is required for a correction",
        ));
    }
    let raw = c.value.trim();
    let bad = |en: &str| AppError::Input(format!("nilai '{raw}' tidak sah / {en}"));
    let value = match c.field {
        CorrectedField::Nik => {
            let nik = jaring_domain::Nik::parse(raw).map_err(|e| bad(&e.to_string()))?;
            if let Some(holder) = jaring_store::registry::find_person_by_nik(tx, nik)? {
                if holder.id.0 != c.person_id {
                    return Err(AppError::Input(format!(
                        "NIK {nik} sudah dipakai penduduk lain; bila orangnya sama, gabungkan datanya / NIK {nik} is held by another resident; if they are one person, merge them"
                    )));
                }
            }
            nik.to_string()
        }
        CorrectedField::Name => text(("nama", "the name"), raw, true)?,
        CorrectedField::BirthDate => {
            let d: NaiveDate = raw.parse().map_err(|_| bad("a birth date is YYYY-MM-DD"))?;
            not_future(d, ctx, ("tanggal lahir", "the birth date"))?;
            d.to_string()
        }
        CorrectedField::Sex => jaring_domain::Sex::from_code(raw)
            .ok_or_else(|| bad("sex is m or f"))?
            .as_code()
            .to_string(),
        CorrectedField::Relationship => Relationship::from_code(raw)
            .ok_or_else(|| bad("not a relationship code"))?
            .as_code()
            .to_string(),
    };
    let column = c.field.column();
    let before = get(&p, column).unwrap_or_default();
    if before == value {
        return Err(input("tidak ada yang berubah", "nothing changed"));
    }
    let (id_label, en_label) = c.field.label();
    let name = get(&p, "name").unwrap_or_default();
    Ok(make(
        who,
        ProposalKind::Correction,
        Intent::SetFields {
            person_id: c.person_id,
            values: FieldValues::from([(column.to_string(), Some(value.clone()))]),
        },
        format!("Koreksi {id_label} {name}: {reason} / {en_label} corrected"),
        json!({
            "source": REPORT_SOURCE, "report": "correction", "actor": who.username,
            "field": column, "reason": reason, "proposed_in": village.to_string(),
        }),
    ))
}

/// A proposal `who` may lodge an objection to: inside their region (else `NotFound`), in a village
/// where they may edit residents.
pub(super) fn objected(
    tx: &mut Conn,
    who: &Principal,
    id: i64,
) -> Result<(store::ProposalRow, RegionCode), AppError> {
    let original = match store::get_proposal(tx, id) {
        Ok(r) => r,
        Err(jaring_store::StoreError::NotFound { .. }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let village = original
        .village_code
        .as_deref()
        .and_then(|v| RegionCode::parse(v).ok())
        .filter(|v| who.grant.covers(*v))
        .ok_or(AppError::NotFound)?;
    who.require(Action::EditResidents, village)?;
    Ok((original, village))
}

fn objection<'a>(tx: &mut Conn, who: &'a Principal, o: &Objection) -> Result<Draft<'a>, AppError> {
    let (original, village) = objected(tx, who, o.proposal_id)?;
    if original.status != ProposalStatus::Applied.as_code() {
        return Err(input(
            "keberatan hanya untuk keputusan yang sudah diterapkan",
            "an objection is lodged against an applied decision",
        ));
    }
    let objector = text(("nama yang berkeberatan", "who objects"), &o.objector, true)?;
    let reason = checked(("alasan", "the reason"), &o.reason, MAX_REASON)?;
    if reason.is_empty() {
        return Err(input(
            "alasan keberatan wajib diisi",
            "a reason is required for an objection",
        ));
    }
    let id = o.proposal_id;
    Ok(make(
        who,
        ProposalKind::Revert,
        Intent::Revert { proposal_id: id },
        format!(
            "Keberatan atas usulan #{id} oleh {objector}: {reason} / objection to proposal #{id}"
        ),
        json!({
            "source": OBJECTION_SOURCE, "actor": who.username, "objector": objector,
            "reason": reason, "proposed_in": village.to_string(),
        }),
    ))
}
