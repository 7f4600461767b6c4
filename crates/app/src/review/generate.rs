//! From synchronised external lists to proposals: what each list, once matched to a registry person,
//! asks to change. Idempotent: a staged record yields at most one proposal of each kind, ever.

use std::collections::HashMap;

use jaring_domain::review::{Band, FieldValues, Intent, ProposalKind};
use jaring_domain::{CivilServantStatus, ListKind, Nik, Relationship};
use jaring_store::review::{self as store, CandidateSource, NewProposal};
use jaring_store::{audit, Database};

use super::expand::{expand, Context};
use crate::AppError;

/// What generation made for one list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Proposals made, per kind and band.
    pub made: Vec<(ProposalKind, Band, usize)>,
    /// Matched records that ask for nothing the registry does not already say.
    pub unchanged: usize,
}

impl GenerateSummary {
    fn add(&mut self, kind: ProposalKind, band: Band) {
        match self
            .made
            .iter_mut()
            .find(|(k, b, _)| *k == kind && *b == band)
        {
            Some(e) => e.2 += 1,
            None => self.made.push((kind, band, 1)),
        }
    }

    /// All proposals made.
    pub fn total(&self) -> usize {
        self.made.iter().map(|e| e.2).sum()
    }
}

/// The programme a BPJS export row belongs to, from its segment and payer columns; `None` when they say
/// nothing recognisable (a stored enrolment then keeps its programme; a new one is self-paid).
pub fn programme_for(segment: Option<&str>, payer: Option<&str>) -> Option<&'static str> {
    let payer = jaring_domain::fold(payer.unwrap_or(""));
    let pu = jaring_domain::fold(segment.unwrap_or("")).starts_with("pu");
    if pu {
        return Some(if payer.contains("apbdes") || payer.contains("desa") {
            "pu_perangkat_desa"
        } else {
            "pu_employer"
        });
    }
    Some(if payer.contains("provinsi") || payer.contains("prov") {
        "bpu_apbd_prov"
    } else if payer.contains("apbdes") || payer.contains("danadesa") || payer.contains("add") {
        "bpu_apbdes"
    } else if payer.contains("apbd") || payer.contains("kabupaten") {
        "bpu_apbd_kab"
    } else if payer.contains("csr") {
        "bpu_csr"
    } else if payer.contains("mandiri") || payer == "self" || payer.contains("sendiri") {
        "bpu_mandiri"
    } else if payer.contains("employer") || payer.contains("perusahaan") {
        "pu_employer"
    } else {
        return None;
    })
}

/// The stored reason code for a BPJS end-of-membership reason as exports write it.
fn end_reason_code(raw: Option<&str>) -> String {
    let folded = jaring_domain::fold(raw.unwrap_or(""));
    if folded.contains("meninggal") || folded.contains("wafat") {
        "deceased".into()
    } else if folded.contains("asn") || folded.contains("pppk") || folded.contains("pns") {
        "household_civil_servant".into()
    } else {
        "bpjs_nonactive".into()
    }
}

fn attrs(c: &CandidateSource) -> HashMap<String, String> {
    serde_json::from_str(&c.attributes).unwrap_or_default()
}

fn get(v: &FieldValues, k: &str) -> Option<String> {
    v.get(k).cloned().flatten()
}

/// The intents a matched (or unmatched) record asks for, each with its proposal kind.
fn intents(
    list: ListKind,
    c: &CandidateSource,
    person: Option<&FieldValues>,
    nik_known: &dyn Fn(&str) -> bool,
    programmes: &HashMap<String, String>,
) -> Vec<(ProposalKind, Intent)> {
    let a = attrs(c);
    let mut out = Vec::new();
    let (Some(person_id), Some(p)) = (c.person_id, person) else {
        // Not in the registry: the welfare register and BPJS list residents; the civil registry's deaths
        // and the BKD's appointments of outsiders are not ours to add.
        if matches!(list, ListKind::Dtsen | ListKind::Bpjs) && c.band == "no_match" {
            if let (Some(nik), Some(village)) = (&c.nik, &c.village_code) {
                if Nik::parse(nik).is_ok() && !nik_known(nik) {
                    let relationship = a
                        .get("relationship")
                        .and_then(|r| {
                            Relationship::ALL.iter().find(|x| {
                                jaring_domain::fold(x.label_id()) == jaring_domain::fold(r)
                            })
                        })
                        .copied()
                        .unwrap_or(Relationship::Other);
                    let mut values = FieldValues::from([
                        ("nik".into(), Some(nik.clone())),
                        ("name".into(), Some(c.name.clone())),
                        (
                            "sex".into(),
                            Some(c.sex.clone().unwrap_or_else(|| "m".into())),
                        ),
                        ("birth_date".into(), c.birth_date.map(|d| d.to_string())),
                        ("village_code".into(), Some(village.clone())),
                        ("relationship".into(), Some(relationship.as_code().into())),
                        ("marital_status".into(), Some("single".into())),
                        ("worker_category".into(), Some("not_working".into())),
                    ]);
                    if let Some(d) = a.get("desil") {
                        values.insert("dtsen_desil".into(), Some(d.clone()));
                    }
                    out.push((ProposalKind::NewPerson, Intent::NewPerson { values }));
                }
            }
        }
        return out;
    };
    if c.band == "no_match" {
        return out;
    }
    match list {
        ListKind::Deaths => {
            if let Some(death_date) = c.event_date {
                if get(p, "life_status").as_deref() != Some("deceased") {
                    out.push((
                        ProposalKind::MarkDeceased,
                        Intent::MarkDeceased {
                            person_id,
                            death_date,
                            deed_number: a.get("deed_number").cloned(),
                        },
                    ));
                }
            }
        }
        ListKind::Asn => {
            let status = a
                .get("employee_kind")
                .and_then(|k| CivilServantStatus::from_code(k));
            if let (Some(status), Some(since)) = (status, c.event_date) {
                if get(p, "civil_servant_status").as_deref() != Some(status.as_code()) {
                    out.push((
                        ProposalKind::CivilServant,
                        Intent::CivilServant {
                            person_id,
                            status,
                            since,
                        },
                    ));
                }
            }
        }
        ListKind::Bpjs => {
            // Only an end date ends a membership: a "NON AKTIF" status alone is lapsed payment, which
            // coverage already reads from the last month paid and the grace period.
            let end: Option<chrono::NaiveDate> =
                a.get("membership_end").and_then(|s| s.parse().ok());
            if let Some(kpj) = &c.record_key {
                out.push((
                    ProposalKind::Membership,
                    Intent::Membership {
                        person_id,
                        kpj: kpj.clone(),
                        programme: a
                            .get("program")
                            .and_then(|p| programmes.get(&jaring_domain::fold(p)).cloned())
                            .or_else(|| {
                                programme_for(
                                    a.get("segment").map(String::as_str),
                                    a.get("payer").map(String::as_str),
                                )
                                .map(String::from)
                            }),
                        start: a.get("membership_start").and_then(|s| s.parse().ok()),
                        paid_through: c.event_date,
                        end,
                        end_reason: end
                            .map(|_| end_reason_code(a.get("end_reason").map(String::as_str))),
                    },
                ));
            }
        }
        ListKind::Dtsen => {
            if let Some(desil) = a.get("desil").and_then(|d| d.parse::<u8>().ok()) {
                if get(p, "dtsen_desil") != Some(desil.to_string()) {
                    out.push((
                        ProposalKind::DesilUpdate,
                        Intent::DesilUpdate { person_id, desil },
                    ));
                }
            }
        }
        ListKind::Registry => {}
    }
    // Gaps the source can fill: a missing NIK (if no one else holds it) or birth date. Never overwrite a
    // value the registry has: which side is wrong is for a person to judge, through an edit.
    let mut fill = FieldValues::new();
    if get(p, "nik").is_none() {
        if let Some(nik) = c.nik.as_ref().filter(|n| !nik_known(n)) {
            fill.insert("nik".into(), Some(nik.clone()));
        }
    }
    if get(p, "birth_date").is_none() {
        if let Some(b) = c.birth_date {
            fill.insert("birth_date".into(), Some(b.to_string()));
        }
    }
    if !fill.is_empty() {
        out.push((
            ProposalKind::Correction,
            Intent::SetFields {
                person_id,
                values: fill,
            },
        ));
    }
    out
}

fn describe(intent: &Intent, c: &CandidateSource) -> String {
    match intent {
        Intent::MarkDeceased { death_date, .. } => {
            format!(
                "Meninggal {death_date} menurut {} / died {death_date}",
                c.file_name
            )
        }
        Intent::CivilServant { status, since, .. } => format!(
            "Diangkat {} TMT {since} / appointed {} from {since}",
            status.label_id(),
            status.as_code()
        ),
        Intent::Membership {
            kpj,
            end: Some(end),
            ..
        } => format!("KPJ {kpj} berhenti {end} / membership ended {end}"),
        Intent::Membership {
            kpj, paid_through, ..
        } => format!(
            "KPJ {kpj}, iuran s.d. {} / paid through {}",
            paid_through
                .map(|d| d.format("%m-%Y").to_string())
                .unwrap_or_default(),
            paid_through
                .map(|d| d.format("%Y-%m").to_string())
                .unwrap_or_default()
        ),
        Intent::DesilUpdate { desil, .. } => {
            format!("Desil DTSEN menjadi {desil} / DTSEN decile {desil}")
        }
        Intent::NewPerson { .. } => format!(
            "Penduduk baru dari {}: {} / new person",
            c.file_name, c.name
        ),
        Intent::SetFields { values, .. } => format!(
            "Lengkapi {} dari {} / fill in from the source",
            values.keys().cloned().collect::<Vec<_>>().join(", "),
            c.file_name
        ),
        Intent::Merge { .. }
        | Intent::Revert { .. }
        | Intent::Move { .. }
        | Intent::SplitHousehold { .. } => String::new(),
    }
}

/// Why the pair is not in the auto band, in both languages, as the reviewer reads it.
fn reasons(c: &CandidateSource) -> Vec<serde_json::Value> {
    serde_json::from_str::<Vec<String>>(&c.reasons)
        .unwrap_or_default()
        .iter()
        .filter_map(|code| jaring_linkage::Reason::from_code(code))
        .map(|r| serde_json::json!({"code": r.as_code(), "id": r.label_id(), "en": r.label_en()}))
        .collect()
}

/// The evidence shown to the reviewer; `registry_kk` is the resident's household's current No. KK (the
/// match compared it, so the reviewer sees it beside the list's).
fn evidence(
    list: ListKind,
    c: &CandidateSource,
    person: Option<&FieldValues>,
    registry_kk: Option<&str>,
) -> String {
    let explanation: serde_json::Value =
        serde_json::from_str(&c.explanation).unwrap_or(serde_json::Value::Null);
    let attributes: serde_json::Value =
        serde_json::from_str(&c.attributes).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "source": list.as_code(),
        "file": c.file_name,
        "line": c.source_line,
        "record_key": c.record_key,
        "record": {
            "nik": c.nik_raw,
            "name": c.name,
            "sex": c.sex,
            "birth_date": c.birth_date,
            "village_code": c.village_code,
            "no_kk": c.no_kk,
            "birth_place": serde_json::from_str::<HashMap<String, String>>(&c.attributes)
                .ok()
                .and_then(|a| a.get("birth_place").cloned()),
            "event_date": c.event_date,
            "attributes": attributes,
        },
        "registry": person.map(|p| serde_json::json!({
            "nik": get(p, "nik"),
            "name": get(p, "name"),
            "sex": get(p, "sex"),
            "birth_date": get(p, "birth_date"),
            "village_code": get(p, "village_code"),
            "birth_place": get(p, "birth_place"),
            "no_kk": registry_kk,
        })),
        "probability": c.probability,
        "weight": c.weight,
        "explanation": explanation,
        "reasons": reasons(c),
    })
    .to_string()
}

/// Turns the latest synchronisation of each list into proposals. Matches in the auto band make
/// auto-band proposals (bulk-approvable); everything else is for a person to review.
pub fn generate_proposals(
    db: &Database,
    who: &crate::accounts::Principal,
    lists: &[ListKind],
    ctx: &Context,
) -> Result<Vec<(ListKind, GenerateSummary)>, AppError> {
    who.require_any(jaring_domain::access::Action::Synchronise)?;
    let actor = who.username.as_str();
    let persons = store::all_person_fields(&mut db.conn()?)?;
    let mut known_niks: std::collections::HashSet<String> =
        persons.values().filter_map(|p| get(p, "nik")).collect();
    // A new person already proposed (by an earlier run, or one interrupted half way) is known too:
    // another list naming them must not propose them twice.
    for r in db.conn()?.query(
        "SELECT intent FROM proposals WHERE kind = 'new_person' AND status = 'pending'",
        &[],
    )? {
        if let Ok(Intent::NewPerson { values }) = serde_json::from_str::<Intent>(&r.text(0)?) {
            known_niks.extend(get(&values, "nik"));
        }
    }
    // Programmes by folded code and name: an export's PROGRAM column may name one of ours.
    let programmes: HashMap<String, String> = jaring_store::coverage::programmes(&mut db.conn()?)?
        .into_iter()
        .flat_map(|p| {
            [
                (jaring_domain::fold(&p.code), p.code.clone()),
                (jaring_domain::fold(&p.name), p.code),
            ]
        })
        .collect();
    let mut results = Vec::new();
    for &list in lists {
        let kinds: &[ProposalKind] = match list {
            ListKind::Deaths => &[ProposalKind::MarkDeceased, ProposalKind::Correction],
            ListKind::Asn => &[ProposalKind::CivilServant, ProposalKind::Correction],
            ListKind::Bpjs => &[
                ProposalKind::Membership,
                ProposalKind::NewPerson,
                ProposalKind::Correction,
            ],
            ListKind::Dtsen => &[
                ProposalKind::DesilUpdate,
                ProposalKind::NewPerson,
                ProposalKind::Correction,
            ],
            ListKind::Registry => &[],
        };
        let mut summary = GenerateSummary::default();
        // Sources lacking any proposal of this list's kinds; a kind already proposed is skipped below.
        let mut sources: HashMap<i64, (CandidateSource, Vec<ProposalKind>)> = HashMap::new();
        for kind in kinds {
            for c in store::candidate_sources(&mut db.conn()?, list.as_code(), kind.as_code())? {
                sources
                    .entry(c.staged_id)
                    .or_insert_with(|| (c, Vec::new()))
                    .1
                    .push(*kind);
            }
        }
        let mut ordered: Vec<_> = sources.into_values().collect();
        ordered.sort_by_key(|(c, _)| c.staged_id);
        for chunk in ordered.chunks(2_000) {
            db.transaction(|tx| -> Result<(), AppError> {
                audit::lock(tx)?;
                let mut entries = Vec::new();
                for (c, missing) in chunk {
                    let person = c.person_id.and_then(|id| persons.get(&id));
                    let wanted = intents(
                        list,
                        c,
                        person,
                        &|n: &str| known_niks.contains(n),
                        &programmes,
                    );
                    if wanted.is_empty() {
                        summary.unchanged += 1;
                    }
                    for (kind, intent) in wanted {
                        if !missing.contains(&kind) {
                            continue;
                        }
                        let changes = expand(tx, &intent, ctx)?;
                        if changes.is_empty() {
                            summary.unchanged += 1;
                            continue;
                        }
                        // Only a matched record's proposals can be trusted in bulk; new persons and
                        // filled-in fields are always looked at.
                        let band = if c.band == "auto"
                            && !matches!(kind, ProposalKind::NewPerson | ProposalKind::Correction)
                        {
                            Band::Auto
                        } else {
                            Band::Review
                        };
                        let village = person
                            .and_then(|p| get(p, "village_code"))
                            .or_else(|| c.village_code.clone());
                        let registry_kk = match person
                            .and_then(|p| get(p, "household_id"))
                            .and_then(|h| h.parse::<i64>().ok())
                        {
                            Some(h) => jaring_store::residents::current_kk(tx, h)?,
                            None => None,
                        };
                        let new = NewProposal {
                            kind: kind.as_code(),
                            band: band.as_code(),
                            village_code: village.clone(),
                            person_id: c.person_id,
                            staged_id: Some(c.staged_id),
                            reverts_id: None,
                            summary: describe(&intent, c),
                            intent: serde_json::to_string(&intent).unwrap_or_default(),
                            changes: serde_json::to_string(&changes).unwrap_or_default(),
                            evidence: evidence(list, c, person, registry_kk.as_deref()),
                            created_by: actor.to_string(),
                            village_to: None,
                        };
                        if let Some(id) = store::insert_proposal(tx, &new, "pending")? {
                            summary.add(kind, band);
                            if let Intent::NewPerson { values } = &intent {
                                if let Some(n) = get(values, "nik") {
                                    known_niks.insert(n);
                                }
                            }
                            entries.push(audit::AuditEntry {
                                actor: actor.to_string(),
                                action: "proposal.create".into(),
                                entity: "proposal".into(),
                                entity_id: Some(id),
                                village_code: village,
                                person_id: c.person_id,
                                before: None,
                                after: Some(new.intent.clone()),
                                reason: Some(new.summary.clone()),
                            });
                        }
                    }
                }
                audit::append(tx, &entries)?;
                Ok(())
            })?;
        }
        results.push((list, summary));
    }
    Ok(results)
}
