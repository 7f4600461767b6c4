//! What a village reports about its residents: a death, a birth, a move out or in, an appointment as
//! ASN/PPPK/TNI/Polri, a new occupation, a correction, an objection on a resident's behalf. Each report
//! becomes a proposal on the one write path (expanded with every consequence, checked against the
//! reporter's scope, audited field by field) and, where the reporter may decide it alone, is applied
//! at once. A death reported by hand waits for a second person unless the civil registry backs it; a
//! move between villages waits for the other village.
//!
//! Every report carries a [`SubmissionId`] its client made: posting it twice (a retry after a timeout,
//! the back button, a double tap on a slow phone) acts once, and the repeat is told what happened.

mod plan;

use chrono::NaiveDate;
use jaring_domain::{CivilServantStatus, Nik, NoKk, RegionCode, Relationship, Sex};
use jaring_store::audit;
use jaring_store::review as store;
use jaring_store::submissions::{self, Submitted};
use jaring_store::{Conn, Database};

use crate::accounts::Principal;
use crate::review::{Context, DeathCheck, Proposed};
use crate::AppError;

/// `evidence.source` of a proposal a village reported by hand.
pub const REPORT_SOURCE: &str = "village_report";
/// `evidence.source` of an objection lodged on a resident's behalf.
pub const OBJECTION_SOURCE: &str = "objection";

/// The id a client gives one submission: 8 to 64 letters, digits, `-` or `_` (a UUID fits). Pages
/// write a fresh one into each form they render, so a form posted twice carries the same id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionId(String);

impl SubmissionId {
    /// Checks a client's id.
    pub fn parse(s: &str) -> Result<SubmissionId, AppError> {
        let s = s.trim();
        let ok = (8..=submissions::MAX_ID).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(SubmissionId(s.to_string()))
        } else {
            Err(AppError::Input(
                "id kiriman tidak sah (8–64 huruf, angka, - atau _) / invalid submission id (8–64 letters, digits, - or _)"
                    .into(),
            ))
        }
    }

    /// A new random id (for forms rendered by the server).
    pub fn fresh() -> SubmissionId {
        use rand::Rng;
        let n: u128 = rand::thread_rng().gen();
        SubmissionId(format!("{n:032x}"))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The document a reported death rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeathDocument {
    /// *Akta kematian* issued by Dukcapil, with its number.
    Deed(String),
    /// The village's own death letter (*surat keterangan kematian*), with its number.
    VillageLetter(String),
}

/// A photo (or scan) of a report's document: a JPEG, PNG or PDF of at most [`Photo::MAX_BYTES`].
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Photo({}, {} bytes)",
            self.content_type,
            self.bytes.len()
        )
    }
}

impl Photo {
    /// The largest photo accepted: a phone photo of a letter, not a film.
    pub const MAX_BYTES: usize = 3 * 1024 * 1024;

    /// Checks the bytes by what they are (their first bytes), not by the name a phone gave them.
    pub fn sniff(bytes: Vec<u8>) -> Result<Photo, AppError> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(AppError::Input(format!(
                "foto lebih dari {} MB / the photo is over {} MB",
                Self::MAX_BYTES / 1024 / 1024,
                Self::MAX_BYTES / 1024 / 1024
            )));
        }
        let content_type = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(b"%PDF-") {
            "application/pdf"
        } else {
            return Err(AppError::Input(
                "foto harus JPEG, PNG atau PDF / the photo must be a JPEG, PNG or PDF".into(),
            ));
        };
        Ok(Photo {
            content_type,
            bytes,
        })
    }

    /// Its content type.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }
}

/// *Lapor kematian*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Death {
    /// Who died.
    pub person_id: i64,
    /// Date of death.
    pub date: NaiveDate,
    /// Where (village, hospital, town).
    pub place: String,
    /// The document.
    pub document: DeathDocument,
    /// A photo of it, if the village took one.
    pub photo: Option<Photo>,
}

/// *Kelahiran*: a newborn into the household of one of its parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Birth {
    /// A parent registered in the household.
    pub parent_id: i64,
    /// The child's name.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Birth place.
    pub birth_place: String,
    /// NIK, when Dukcapil has issued it already.
    pub nik: Option<Nik>,
}

/// Where a resident moves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Another village of the regency, into the household of this family card if given.
    Village(RegionCode, Option<NoKk>),
    /// Out of the regency (the place as told).
    Away(String),
}

/// *Pindah keluar*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOut {
    /// Who moves.
    pub person_id: i64,
    /// Where to.
    pub to: Destination,
    /// Day of the move.
    pub on: NaiveDate,
}

/// *Pindah datang*: someone arrives in `village`. A NIK registered in another village of the regency
/// becomes that resident's move (the origin village agrees); any other NIK a new resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The village they arrive in.
    pub village: RegionCode,
    /// NIK.
    pub nik: Nik,
    /// Name.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Birth place.
    pub birth_place: String,
    /// The household they join, by its family card, if it is registered in the village.
    pub no_kk: Option<NoKk>,
    /// Relationship to that household's head.
    pub relationship: Relationship,
    /// Occupation as told.
    pub occupation: String,
    /// Where they come from, if known.
    pub origin: String,
    /// Day of arrival.
    pub on: NaiveDate,
}

/// An appointment as ASN/PPPK/TNI/Polri: the household leaves subsidised programmes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Who.
    pub person_id: i64,
    /// The new status.
    pub status: CivilServantStatus,
    /// TMT (the day it takes effect).
    pub since: NaiveDate,
    /// The decree's number (SK), if known.
    pub decree: String,
}

/// *Pecah KK*: a resident and some of their household leave it under a new family card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The new household's head.
    pub head: i64,
    /// The others who leave with them (of the same household).
    pub with: Vec<i64>,
    /// The new family card.
    pub no_kk: NoKk,
    /// Day it takes effect.
    pub on: NaiveDate,
}

/// A field a village corrects with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectedField {
    /// NIK.
    Nik,
    /// Name.
    Name,
    /// Birth date.
    BirthDate,
    /// Sex.
    Sex,
    /// Relationship to the head of the family card.
    Relationship,
}

impl CorrectedField {
    /// The stored column.
    pub fn column(self) -> &'static str {
        match self {
            CorrectedField::Nik => "nik",
            CorrectedField::Name => "name",
            CorrectedField::BirthDate => "birth_date",
            CorrectedField::Sex => "sex",
            CorrectedField::Relationship => "relationship",
        }
    }

    /// From the column name (forms and the API send it).
    pub fn from_column(s: &str) -> Option<CorrectedField> {
        [
            CorrectedField::Nik,
            CorrectedField::Name,
            CorrectedField::BirthDate,
            CorrectedField::Sex,
            CorrectedField::Relationship,
        ]
        .into_iter()
        .find(|f| f.column() == s)
    }

    /// Label (Indonesian, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            CorrectedField::Nik => ("NIK", "NIK"),
            CorrectedField::Name => ("nama", "name"),
            CorrectedField::BirthDate => ("tanggal lahir", "birth date"),
            CorrectedField::Sex => ("jenis kelamin", "sex"),
            CorrectedField::Relationship => ("hubungan keluarga", "relationship"),
        }
    }
}

/// A correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Who.
    pub person_id: i64,
    /// Which field.
    pub field: CorrectedField,
    /// The right value (dates `YYYY-MM-DD`, sex `m`/`f`, relationship codes).
    pub value: String,
    /// Why.
    pub reason: String,
}

/// *Keberatan*: an objection on a resident's behalf to an applied decision (a death, an exclusion, a
/// decile), which becomes a proposal to undo it, decided by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    /// The applied proposal objected to.
    pub proposal_id: i64,
    /// Who objects (the resident, an heir).
    pub objector: String,
    /// Why.
    pub reason: String,
}

/// One report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A death.
    Death(Death),
    /// A birth.
    Birth(Birth),
    /// A move out.
    MoveOut(MoveOut),
    /// An arrival.
    Arrival(Arrival),
    /// An appointment.
    Appointment(Appointment),
    /// A household split.
    Split(Split),
    /// A new occupation.
    Occupation {
        /// Who.
        person_id: i64,
        /// The occupation as told (the worker category follows from it).
        occupation: String,
    },
    /// A correction.
    Correction(Correction),
    /// An objection.
    Objection(Objection),
}

/// Who a pending report waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waits {
    /// Nobody: it was applied.
    Nobody,
    /// A reviewer of the village (or the regency).
    Reviewer,
    /// A second person of the district or the regency (a death no civil-registry record backs).
    SecondPerson,
    /// The other village of a move.
    OtherVillage,
}

/// What a submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The proposal made.
    pub proposal_id: i64,
    /// Whether it was applied at once.
    pub applied: bool,
    /// Whether this was a repeat of an earlier submission (nothing new happened).
    pub repeated: bool,
    /// Who it waits for.
    pub waits: Waits,
}

/// Refuses an occupation that names an appointment (`PNS`, `PPPK`, `TNI`, …): an appointment is the
/// appointment intent with its TMT and household exit, never a word typed into a text field. Every
/// hand-entered occupation (a report, an arrival, the edit form) goes through this one check.
pub(crate) fn no_appointment_by_text(occupation: &str) -> Result<(), AppError> {
    if jaring_domain::occupation::civil_servant_status(occupation)
        == jaring_domain::CivilServantStatus::None
    {
        return Ok(());
    }
    Err(AppError::Input(
        "pengangkatan ASN/PPPK/TNI/Polri dicatat dengan formulir pengangkatan (dengan TMT) / an ASN/PPPK/TNI/Polri appointment is recorded with the appointment form (with its TMT)".into(),
    ))
}

/// What a report is about, for checking the reporter before reading the rest of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// A resident (a death, a birth to a parent, a move, an appointment, a correction).
    Resident(i64),
    /// An applied proposal (an objection).
    Proposal(i64),
    /// An arrival in a village of `who`'s region.
    Arrival,
}

/// Fails unless `who` may report about `about`: `NotFound` outside their region (as for a wrong id),
/// `Denied` for a role that does not report. Adapters call it before they read the report's fields,
/// so a refused caller learns nothing from validation.
pub fn check_reporter(db: &Database, who: &Principal, about: About) -> Result<(), AppError> {
    let mut conn = db.conn()?;
    match about {
        About::Resident(id) => plan::resident(&mut conn, who, id).map(|_| ()),
        About::Proposal(id) => plan::objected(&mut conn, who, id).map(|_| ()),
        About::Arrival => who.require_any(jaring_domain::access::Action::EditResidents),
    }
}

/// Makes the proposal `report` means, as `who`, once per submission id; applies it at once when `who`
/// may decide it alone. All in one transaction: the proposal, its application and the submission's
/// record are stored together or not at all.
pub fn submit(
    db: &Database,
    who: &Principal,
    id: &SubmissionId,
    report: Report,
    ctx: &Context,
) -> Result<Outcome, AppError> {
    db.transaction(|tx| {
        audit::lock(tx)?;
        if let Some(outcome) = earlier(tx, who, id)? {
            return Ok(outcome);
        }
        let apply_now = !matches!(report, Report::Objection(_));
        let draft = plan::draft_for(tx, who, &report, ctx)?;
        let proposal_id = match crate::review::propose_in(tx, &draft, ctx)? {
            Proposed::New(pid) => pid,
            Proposed::AlreadyPending(pid) => {
                return Err(AppError::Input(format!(
                    "laporan yang sama sudah menunggu keputusan (#{pid}) / the same report is already pending (#{pid})"
                )))
            }
        };
        if let Report::Death(Death {
            photo: Some(photo), ..
        }) = &report
        {
            attach(tx, who, proposal_id, photo)?;
        }
        let applied = apply_now && crate::review::may_approve(tx, who, proposal_id)?;
        if applied {
            crate::review::approve_in(tx, who, proposal_id, None, ctx)?;
        }
        submissions::record(
            tx,
            id.as_str(),
            &who.username,
            Submitted {
                proposal_id: Some(proposal_id),
                applied,
            },
        )?;
        let row = store::get_proposal(tx, proposal_id)?;
        Ok(Outcome {
            proposal_id,
            applied,
            repeated: false,
            waits: waits(tx, &row)?,
        })
    })
}

fn attach(tx: &mut Conn, who: &Principal, proposal_id: i64, photo: &Photo) -> Result<(), AppError> {
    use base64::Engine;
    use sha2::Digest;
    let sha256 = sha2::Sha256::digest(&photo.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    jaring_store::attachments::insert(
        tx,
        &jaring_store::attachments::NewAttachment {
            proposal_id,
            content_type: photo.content_type,
            sha256,
            size: photo.bytes.len() as i64,
            data: base64::engine::general_purpose::STANDARD.encode(&photo.bytes),
            created_by: &who.username,
        },
    )?;
    Ok(())
}

/// The photo attached to proposal `id`, if the proposal is `who`'s to see and has one.
pub fn photo(db: &Database, who: &Principal, id: i64) -> Result<Photo, AppError> {
    use base64::Engine;
    crate::review::show(db, who, id)?;
    let (content_type, _, data) =
        jaring_store::attachments::of_proposal(&mut db.conn()?, id)?.ok_or(AppError::NotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| AppError::Internal(format!("attachment of proposal {id}: {e}")))?;
    let photo = Photo::sniff(bytes)?;
    if photo.content_type != content_type {
        return Err(AppError::Internal(format!(
            "attachment of proposal {id} is not the {content_type} it was stored as"
        )));
    }
    Ok(photo)
}

/// Whether proposal `id` has a photo (for the page to link it).
pub fn has_photo(db: &Database, id: i64) -> Result<bool, AppError> {
    Ok(jaring_store::attachments::has(&mut db.conn()?, id)?)
}

impl Photo {
    /// The bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// The outcome of an earlier submission with this id, told again.
fn earlier(tx: &mut Conn, who: &Principal, id: &SubmissionId) -> Result<Option<Outcome>, AppError> {
    let Some((actor, done)) = submissions::find(tx, id.as_str())? else {
        return Ok(None);
    };
    let Some(proposal_id) = done.proposal_id.filter(|_| actor == who.username) else {
        return Err(AppError::Input(
            "id kiriman ini sudah dipakai / this submission id has been used".into(),
        ));
    };
    let row = store::get_proposal(tx, proposal_id)?;
    Ok(Some(Outcome {
        proposal_id,
        applied: row.status == jaring_domain::review::ProposalStatus::Applied.as_code(),
        repeated: true,
        waits: waits(tx, &row)?,
    }))
}

fn waits(tx: &mut Conn, row: &store::ProposalRow) -> Result<Waits, AppError> {
    if row.status != jaring_domain::review::ProposalStatus::Pending.as_code() {
        return Ok(Waits::Nobody);
    }
    if crate::review::death_check_in(tx, row)? == Some(DeathCheck::SecondPerson) {
        return Ok(Waits::SecondPerson);
    }
    Ok(if row.village_to.is_some() {
        Waits::OtherVillage
    } else {
        Waits::Reviewer
    })
}

/// The villages of the regency, by code, with their names (the destinations of a move).
pub fn villages(db: &Database) -> Result<Vec<(RegionCode, String)>, AppError> {
    Ok(
        jaring_store::regions::at_level(&mut db.conn()?, jaring_domain::RegionLevel::Village)?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect(),
    )
}

/// The civil-registry death linked to a resident `who` may see, if any: the death form says that the
/// village's report of it needs no second person.
pub fn registry_death(
    db: &Database,
    who: &Principal,
    person_id: i64,
) -> Result<Option<(String, Option<NaiveDate>)>, AppError> {
    crate::residents::person(db, who, person_id)?;
    Ok(
        jaring_store::matches::registry_death(&mut db.conn()?, person_id)?
            .map(|r| (r.file_name, r.death_date)),
    )
}

/// What waits for a user, for the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Pending proposals in their region they may decide (0 for roles that do not decide).
    pub to_decide: i64,
    /// Deaths villages reported by hand that they may confirm as the second person.
    pub deaths_to_confirm: i64,
    /// Their own reports still pending.
    pub own_reports_pending: i64,
    /// Submitted claims to verify (BPJS's side).
    pub claims_to_verify: i64,
    /// Background jobs that failed or were interrupted in the last week (roles that run jobs).
    pub failed_jobs: i64,
}

/// What waits for `who`.
pub fn waiting_for(db: &Database, who: &Principal) -> Result<Waiting, AppError> {
    use jaring_domain::access::Action;
    let role = who.grant.role;
    let mut out = Waiting::default();
    if role.may(Action::DecideProposals) {
        out.to_decide = crate::review::queue::pending_counts(db, who)?
            .values()
            .map(crate::review::queue::KindCounts::total)
            .sum();
    }
    let manual = crate::review::list(
        db,
        who,
        &store::ProposalFilter {
            status: Some("pending".into()),
            band: Some(jaring_domain::review::Band::Manual.as_code().into()),
            ..Default::default()
        },
    )?;
    out.own_reports_pending = manual
        .iter()
        .filter(|r| r.created_by == who.username)
        .count() as i64;
    if role.may(Action::ConfirmReportedDeaths) {
        let mut conn = db.conn()?;
        for r in manual.iter().filter(|r| r.created_by != who.username) {
            if crate::review::death_check_in(&mut conn, r)? == Some(DeathCheck::SecondPerson) {
                out.deaths_to_confirm += 1;
            }
        }
    }
    if role.may(Action::ProcessClaims) {
        out.claims_to_verify = crate::claims::list(db, who, Some("submitted"))?.len() as i64;
    }
    out.failed_jobs = crate::jobs::failed_recently(db, who)?.len() as i64;
    Ok(out)
}
