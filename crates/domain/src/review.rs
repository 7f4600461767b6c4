//! Proposals: changes to the registry that a person approves before they happen (PRODUCT.md §4).
//!
//! A proposal holds an [`Intent`] (what is wanted: "this person died on 3 May") and, once expanded
//! against the current data, the field-level [`Change`]s it means (life status, death date, every
//! enrolment it ends, the claim candidate it opens). Keeping both lets a reviewer see exactly what will
//! change, lets the system recompute the effects at the moment of approval (another proposal may have
//! been applied in between), and lets any applied proposal be reverted by applying the inverse changes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::CivilServantStatus;

coded_enum! {
    /// What a proposal does.
    ProposalKind {
        /// A death reported by the civil registry (or an operator).
        MarkDeceased = "mark_deceased", "Tandai meninggal";
        /// An appointment as ASN (PNS/PPPK), TNI or Polri: the household leaves subsidised programmes.
        CivilServant = "civil_servant", "Pengangkatan ASN/TNI/Polri";
        /// A BPJS Ketenagakerjaan membership recorded or brought up to date.
        Membership = "membership", "Kepesertaan BPJS";
        /// A new DTSEN welfare decile.
        DesilUpdate = "desil_update", "Pembaruan desil DTSEN";
        /// A person found in an external list who is not in the registry.
        NewPerson = "new_person", "Penduduk baru";
        /// A missing or wrong field filled from an external source.
        Correction = "correction", "Koreksi data";
        /// An operator's own edit (including a move to another village).
        Edit = "edit", "Perubahan data";
        /// Two registry persons who are one: the duplicate is merged into the survivor.
        Merge = "merge", "Gabungkan data ganda";
        /// A resident moves to another village of the regency, or out of it (*pindah*).
        Move = "move", "Pindah";
        /// Part of a household leaves under a new family-card number (*pecah KK*).
        SplitHousehold = "split_household", "Pecah KK";
        /// Undoes an applied proposal.
        Revert = "revert", "Pembatalan perubahan";
    }
}

coded_enum! {
    /// Where a proposal is in its life.
    ProposalStatus {
        /// Waiting for a decision.
        Pending = "pending", "Menunggu";
        /// Approved and applied.
        Applied = "applied", "Diterapkan";
        /// Rejected with a reason.
        Rejected = "rejected", "Ditolak";
        /// Applied, then undone by a revert proposal.
        Reverted = "reverted", "Dibatalkan";
    }
}

coded_enum! {
    /// How sure the evidence is: decides who may approve in bulk.
    Band {
        /// Above the upper match threshold: may be approved in bulk by a role allowed to.
        Auto = "auto", "Otomatis";
        /// Between the thresholds, or a conflict: a person looks at each one.
        Review = "review", "Perlu diperiksa";
        /// Entered by an operator.
        Manual = "manual", "Manual";
    }
}

coded_enum! {
    /// The kinds of stored thing a change can touch.
    Entity {
        /// A registry person.
        Person = "person", "Penduduk";
        /// A programme enrolment.
        Enrolment = "enrolment", "Kepesertaan";
        /// A benefit claim.
        Claim = "claim", "Klaim";
        /// A household (its family-card numbers are [`Entity::FamilyCard`]s).
        Household = "household", "Keluarga";
        /// A family-card number a household holds or held.
        FamilyCard = "family_card", "Kartu keluarga";
    }
}

/// Field values travel as text in their canonical form (dates `YYYY-MM-DD`, integers in decimal, codes
/// as stored); the store converts them to each column's type.
pub type FieldValues = BTreeMap<String, Option<String>>;

/// One field-level change, invertible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// A field goes from `before` to `after`; applying fails if it is no longer `before`.
    Update {
        /// What is changed.
        entity: Entity,
        /// Its id.
        id: i64,
        /// Column.
        field: String,
        /// Value expected now.
        before: Option<String>,
        /// Value after.
        after: Option<String>,
    },
    /// A new row; `id` is filled in when applied.
    Insert {
        /// What is created.
        entity: Entity,
        /// Its id once created (or the id to recreate, when reverting a delete).
        id: Option<i64>,
        /// Its fields.
        values: FieldValues,
    },
    /// A row removed (only ever the inverse of an insert).
    Delete {
        /// What is removed.
        entity: Entity,
        /// Its id.
        id: i64,
        /// Its fields, to recreate it on revert.
        values: FieldValues,
    },
}

impl Change {
    /// The change that undoes this one.
    pub fn inverse(&self) -> Change {
        match self {
            Change::Update {
                entity,
                id,
                field,
                before,
                after,
            } => Change::Update {
                entity: *entity,
                id: *id,
                field: field.clone(),
                before: after.clone(),
                after: before.clone(),
            },
            Change::Insert { entity, id, values } => Change::Delete {
                entity: *entity,
                id: id.unwrap_or_default(),
                values: values.clone(),
            },
            Change::Delete { entity, id, values } => Change::Insert {
                entity: *entity,
                id: Some(*id),
                values: values.clone(),
            },
        }
    }

    /// The entity and id touched (`None` for an insert not yet applied).
    pub fn target(&self) -> (Entity, Option<i64>) {
        match self {
            Change::Update { entity, id, .. } | Change::Delete { entity, id, .. } => {
                (*entity, Some(*id))
            }
            Change::Insert { entity, id, .. } => (*entity, *id),
        }
    }
}

/// A value that stands for the id of the row an earlier [`Change::Insert`] of the same list creates
/// (`@new:0` is the first change's): a new household's members point at it before it exists.
pub fn new_row_ref(index: usize) -> String {
    format!("@new:{index}")
}

/// The change index a [`new_row_ref`] names.
pub fn parse_new_row_ref(value: &str) -> Option<usize> {
    value.strip_prefix("@new:")?.parse().ok()
}

/// Undoes a whole list of changes: each inverted, in reverse order.
pub fn inverse_of(changes: &[Change]) -> Vec<Change> {
    changes.iter().rev().map(Change::inverse).collect()
}

/// What a proposal asks for, before it is expanded against the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    /// The person died.
    MarkDeceased {
        /// Person.
        person_id: i64,
        /// Date of death.
        death_date: NaiveDate,
        /// Death-certificate number, when the source gives one.
        deed_number: Option<String>,
    },
    /// The person was appointed ASN/TNI/Polri.
    CivilServant {
        /// Person.
        person_id: i64,
        /// New status.
        status: CivilServantStatus,
        /// Appointment date (TMT).
        since: NaiveDate,
    },
    /// The person's BPJS membership as the latest export says.
    Membership {
        /// Person.
        person_id: i64,
        /// KPJ number.
        kpj: String,
        /// Programme code; `None` when the file does not say, so the stored programme stays.
        programme: Option<String>,
        /// Membership start; `None` keeps the stored one.
        start: Option<NaiveDate>,
        /// Last month paid (first day of the month); `None` keeps the stored one.
        paid_through: Option<NaiveDate>,
        /// Last day covered, when BPJS reports the membership as ended.
        #[serde(default)]
        end: Option<NaiveDate>,
        /// Why it ended (`deceased`, `household_civil_servant`, `bpjs_nonactive`, …).
        #[serde(default)]
        end_reason: Option<String>,
    },
    /// The person's household has a new DTSEN decile.
    DesilUpdate {
        /// Person.
        person_id: i64,
        /// The decile, 1–10.
        desil: u8,
    },
    /// Someone to add to the registry.
    NewPerson {
        /// The new person's fields (as stored in `persons`).
        values: FieldValues,
    },
    /// Fields to set on a person (corrections from a source, or an operator's edit).
    SetFields {
        /// Person.
        person_id: i64,
        /// Field → new value.
        values: FieldValues,
    },
    /// `duplicate` is the same person as `keep`.
    Merge {
        /// Survivor.
        keep: i64,
        /// Merged away (kept as history, pointing at `keep`).
        duplicate: i64,
    },
    /// Undo an applied proposal.
    Revert {
        /// The proposal undone.
        proposal_id: i64,
    },
    /// Part of a household — `head` and `members` — leaves it for a new household under `no_kk`
    /// (*pecah KK*); the old household and its card stay, with the others.
    SplitHousehold {
        /// The new household's head (one of `members`).
        head: i64,
        /// Everyone who leaves, the head included.
        members: Vec<i64>,
        /// The new family-card number.
        no_kk: String,
        /// Day the new card takes effect.
        on: NaiveDate,
    },
    /// The person moves: to another village of the regency (into a household there, or none yet), or
    /// out of the regency (`to` is `None`), when the regency's subsidised cover ends with the month.
    Move {
        /// Person.
        person_id: i64,
        /// Destination village; `None` for a move out of the regency.
        to: Option<String>,
        /// Household joined in the destination; `None` leaves the old household without joining one.
        household_id: Option<i64>,
        /// Day of the move.
        on: NaiveDate,
    },
}

impl Intent {
    /// The person the proposal is about, if one exists yet.
    pub fn person_id(&self) -> Option<i64> {
        match self {
            Intent::MarkDeceased { person_id, .. }
            | Intent::CivilServant { person_id, .. }
            | Intent::Membership { person_id, .. }
            | Intent::DesilUpdate { person_id, .. }
            | Intent::SetFields { person_id, .. }
            | Intent::Move { person_id, .. } => Some(*person_id),
            Intent::SplitHousehold { head, .. } => Some(*head),
            Intent::Merge { duplicate, .. } => Some(*duplicate),
            Intent::NewPerson { .. } | Intent::Revert { .. } => None,
        }
    }
}

/// The last day of the month `d` falls in: a death or an exit ends cover at the end of that month.
pub fn end_of_month(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(d)
}

/// Whether a membership paid through `paid_through` (first day of the month) and started on `start`
/// covered an event on `on`: started by then, and paid through the event's month or within `grace`
/// months after the last month paid (DOMAIN.md §2: the 3-month grace rule).
pub fn covered_on(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    paid_through: Option<NaiveDate>,
    grace_months: u32,
    on: NaiveDate,
) -> bool {
    if start.is_some_and(|s| s > on) || end.is_some_and(|e| e < on) {
        return false;
    }
    let Some(paid) = paid_through else {
        return false;
    };
    let last_covered = paid
        .checked_add_months(chrono::Months::new(grace_months))
        .map(end_of_month)
        .unwrap_or(paid);
    on <= last_covered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn inverse_swaps_and_reverses() {
        let changes = vec![
            Change::Update {
                entity: Entity::Person,
                id: 7,
                field: "life_status".into(),
                before: Some("alive".into()),
                after: Some("deceased".into()),
            },
            Change::Insert {
                entity: Entity::Claim,
                id: Some(3),
                values: FieldValues::from([("kind".into(), Some("jkm".into()))]),
            },
        ];
        let inv = inverse_of(&changes);
        assert!(matches!(
            &inv[0],
            Change::Delete {
                entity: Entity::Claim,
                id: 3,
                ..
            }
        ));
        assert!(
            matches!(&inv[1], Change::Update { before: Some(b), after: Some(a), .. } if b == "deceased" && a == "alive")
        );
        assert_eq!(inverse_of(&inv), changes);
    }

    #[test]
    fn changes_and_intents_round_trip_as_json() {
        let c = Change::Update {
            entity: Entity::Enrolment,
            id: 1,
            field: "end_date".into(),
            before: None,
            after: Some("2026-05-31".into()),
        };
        let json = serde_json_like(&c);
        assert!(json.contains("\"op\":\"update\"") && json.contains("\"entity\":\"enrolment\""));
        let i = Intent::CivilServant {
            person_id: 4,
            status: CivilServantStatus::Pppk,
            since: d("2026-03-01"),
        };
        assert!(serde_json_like(&i).contains("\"status\":\"pppk\""));
    }

    fn serde_json_like<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn end_of_month_handles_december_and_leap_years() {
        assert_eq!(end_of_month(d("2024-02-10")), d("2024-02-29"));
        assert_eq!(end_of_month(d("2026-12-01")), d("2026-12-31"));
        assert_eq!(end_of_month(d("2026-04-30")), d("2026-04-30"));
    }

    #[test]
    fn cover_needs_start_and_payment_within_grace() {
        let paid = Some(d("2026-05-01"));
        // Paid through May: covered in May and three grace months (June, July, August).
        assert!(covered_on(None, None, paid, 3, d("2026-05-20")));
        assert!(covered_on(None, None, paid, 3, d("2026-08-31")));
        assert!(!covered_on(None, None, paid, 3, d("2026-09-01")));
        assert!(!covered_on(None, None, paid, 0, d("2026-06-01")));
        // Not yet a member, or already ended.
        assert!(!covered_on(
            Some(d("2026-06-01")),
            None,
            paid,
            3,
            d("2026-05-20")
        ));
        assert!(!covered_on(
            None,
            Some(d("2026-04-30")),
            paid,
            3,
            d("2026-05-20")
        ));
        assert!(!covered_on(None, None, None, 3, d("2026-05-20")));
    }
}
