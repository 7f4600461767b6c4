//! What a registry import may not write by itself becomes a proposal of the same engine that sync and
//! operators use: a death ends memberships and opens a claim candidate, an appointment ends the
//! household's subsidised cover, a move or a new identity is looked at by a person. A row naming a
//! person of another region is refused and becomes a move-in request for a scope covering both.

use chrono::NaiveDate;
use jaring_domain::review::{Band, FieldValues, Intent, ProposalKind};
use jaring_domain::{CivilServantStatus, LifeStatus};
use jaring_formats::{Field, Issue};
use jaring_store::imports::{Held, Refusal};
use jaring_store::Conn;

use crate::review::{propose_in, Context, Draft, Proposed};
use crate::AppError;

/// Where the rows come from, for the proposals' evidence.
pub(super) struct Source<'a> {
    pub import_id: i64,
    pub file_name: &'a str,
    pub actor: &'a str,
    pub today: NaiveDate,
}

/// One proposal a held row becomes, and whether its date is the import's day rather than the
/// file's (a move out the file only names by status, an appointment without its TMT): such a
/// proposal is made once per person, not again by each later import of the same file.
pub(super) struct HeldIntent {
    pub kind: ProposalKind,
    pub intent: Intent,
    pub what: String,
    pub dated_today: bool,
}

/// The proposals one held row becomes: a death, an appointment, and an edit for the other fields.
pub(super) fn intents(held: &Held, today: NaiveDate) -> Vec<HeldIntent> {
    let (was, wanted) = (&held.person, &held.wanted);
    let person_id = was.id.0;
    let mut rest: Vec<_> = held.fields.clone();
    let mut out = Vec::new();
    // A life event is never a plain field edit: a death or a move is proposed with its consequences,
    // and a death without its date is not proposed at all (see `undated_death`). Any other change of
    // life status (a missing or moved resident back, HIDUP) stays in the reviewed edit below.
    let dies =
        wanted.life_status == LifeStatus::Deceased && was.life_status != LifeStatus::Deceased;
    let leaves = was.life_status == LifeStatus::Alive
        && matches!(
            wanted.life_status,
            LifeStatus::MovedOut | LifeStatus::Missing
        );
    if dies || leaves {
        rest.retain(|(f, _, _)| *f != "life_status" && *f != "death_date");
    }
    if wanted.life_status == LifeStatus::MovedOut && was.life_status == LifeStatus::Alive {
        out.push(HeldIntent {
            kind: ProposalKind::Move,
            intent: Intent::Move {
                person_id,
                to: None,
                household_id: None,
                on: today,
            },
            what: "Pindah keluar daerah / moved out of the regency".into(),
            dated_today: true,
        });
    }
    if wanted.life_status == LifeStatus::Missing && was.life_status == LifeStatus::Alive {
        let values = FieldValues::from([("life_status".into(), Some("missing".into()))]);
        out.push(HeldIntent {
            kind: ProposalKind::Edit,
            intent: Intent::SetFields { person_id, values },
            what: "Hilang / missing".into(),
            dated_today: false,
        });
    }
    if wanted.life_status == LifeStatus::Deceased && was.life_status != LifeStatus::Deceased {
        if let Some(death_date) = wanted.death_date {
            out.push(HeldIntent {
                kind: ProposalKind::MarkDeceased,
                intent: Intent::MarkDeceased {
                    person_id,
                    death_date,
                    deed_number: None,
                },
                what: format!("Meninggal {death_date} / died {death_date}"),
                dated_today: false,
            });
        }
    }
    let appointed = wanted.civil_servant != was.civil_servant
        && wanted.civil_servant != CivilServantStatus::None;
    if appointed {
        rest.retain(|(f, _, _)| {
            !matches!(
                *f,
                "civil_servant_status" | "civil_servant_since" | "worker_category"
            )
        });
        let since = wanted.civil_servant_since.unwrap_or(today);
        let status = wanted.civil_servant;
        out.push(HeldIntent {
            kind: ProposalKind::CivilServant,
            intent: Intent::CivilServant {
                person_id,
                status,
                since,
            },
            what: format!(
                "Diangkat {} TMT {since} / appointed {}",
                status.label_id(),
                status.as_code()
            ),
            dated_today: wanted.civil_servant_since.is_none(),
        });
    }
    if !rest.is_empty() {
        let names: Vec<&str> = rest.iter().map(|(f, _, _)| *f).collect();
        let values: FieldValues = rest
            .into_iter()
            .map(|(f, _, after)| (f.to_string(), after))
            .collect();
        out.push(HeldIntent {
            kind: ProposalKind::Edit,
            intent: Intent::SetFields { person_id, values },
            what: format!("Perubahan data / edit: {}", names.join(", ")),
            dated_today: false,
        });
    }
    out
}

/// The warning for a row that says a known living person died but not when: everything else of the
/// row is written, the person stays alive, and the village is pointed to the death report, which
/// asks for the date (OpenSID's export carries `status_dasar` but not the date of death, and a death
/// without a date can end neither cover nor open a claim).
pub(super) fn undated_death(held: &Held) -> Option<Issue> {
    let dies = held.wanted.life_status == LifeStatus::Deceased
        && held.person.life_status != LifeStatus::Deceased
        && held.wanted.death_date.is_none();
    dies.then(|| Issue {
        column: None,
        field: Some(Field::LifeStatus),
        value: held.wanted.life_status.label_id().to_string(),
        id: "status meninggal tanpa tanggal meninggal: kematian belum dicatat; isi kolom Tanggal Meninggal atau laporkan kematian dari halaman penduduk (Lapor kematian) dengan tanggalnya".into(),
        en: "deceased without a date of death: the death is not recorded; fill in the date-of-death column or report the death from the resident's page (Lapor kematian) with its date".into(),
        fatal: false,
    })
}

/// Turns a held row into pending proposals; returns whether any is new (an identical pending one is
/// not made twice, so importing a file again proposes nothing).
pub(super) fn propose_held(
    tx: &mut Conn,
    held: &Held,
    src: &Source<'_>,
    ctx: &Context,
) -> Result<bool, AppError> {
    let mut any_new = false;
    for HeldIntent {
        kind,
        intent,
        what,
        dated_today,
    } in intents(held, src.today)
    {
        if dated_today
            && jaring_store::review::pending_of_kind(tx, kind.as_code(), held.person.id.0)?
                .is_some()
        {
            continue;
        }
        let draft = Draft {
            kind,
            intent,
            summary: format!(
                "Impor #{} baris {}: {what} / import #{} line {}",
                src.import_id, held.line, src.import_id, held.line
            ),
            evidence: serde_json::json!({
                "source": "import",
                "import_id": src.import_id,
                "file": src.file_name,
                "line": held.line,
                "actor": src.actor,
                "fields": held.fields.iter().map(|(f, before, after)| {
                    serde_json::json!({"field": f, "before": before, "after": after})
                }).collect::<Vec<_>>(),
                "why": "perubahan data penting selalu ditinjau / changes to life, identity, household or village are always reviewed",
            }),
            band: Band::Review,
            actor: src.actor,
            village: None,
            village_to: None,
        };
        if let Proposed::New(_) = propose_in(tx, &draft, ctx)? {
            any_new = true;
        }
    }
    Ok(any_new)
}

/// The row's error in the report. It never names the person or the region they are in.
pub(super) fn refusal_issue(refusal: &Refusal, nik: Option<String>) -> Issue {
    let (field, value, id, en) = match refusal {
        Refusal::PersonOutsideScope { .. } => (
            Field::Nik,
            nik.unwrap_or_default(),
            "NIK terdaftar di wilayah lain — ajukan pindah datang (usulan pindah datang sudah dibuat untuk diputuskan pejabat yang berwenang atas kedua wilayah)",
            "registered in another region: request a move-in (a move-in request was made for someone responsible for both regions to decide)",
        ),
        Refusal::HouseholdOutsideScope => (
            Field::NoKk,
            String::new(),
            "No. KK terdaftar di wilayah lain; baris tidak disimpan",
            "the family card is registered in another region; the row was not stored",
        ),
    };
    Issue {
        column: None,
        field: Some(field),
        value,
        id: id.into(),
        en: en.into(),
        fatal: true,
    }
}

/// A move-in request for a person registered outside the importer's scope, decided by a scope that
/// covers both villages (the importer cannot see it, nor the person's current village's operator).
pub(super) fn propose_move_in(
    tx: &mut Conn,
    refusal: &Refusal,
    line: u64,
    src: &Source<'_>,
    ctx: &Context,
) -> Result<(), AppError> {
    let Refusal::PersonOutsideScope {
        person,
        from,
        to,
        household,
    } = refusal
    else {
        return Ok(());
    };
    let mut values = FieldValues::from([("village_code".into(), Some(to.to_string()))]);
    if let Some(h) = household {
        values.insert("household_id".into(), Some(h.0.to_string()));
    }
    let draft = Draft {
        kind: ProposalKind::Edit,
        intent: Intent::SetFields {
            person_id: person.0,
            values,
        },
        summary: format!(
            "Pindah datang ke {to} (impor #{} baris {line}) / move-in request to {to}",
            src.import_id
        ),
        evidence: serde_json::json!({
            "source": "import",
            "import_id": src.import_id,
            "file": src.file_name,
            "line": line,
            "actor": src.actor,
            "why": "NIK terdaftar di wilayah lain / the NIK is registered in another region",
        }),
        band: Band::Review,
        actor: src.actor,
        village: from.common_ancestor(*to).map(|c| c.to_string()),
        village_to: None,
    };
    propose_in(tx, &draft, ctx)?;
    Ok(())
}
