//! The village's reports in the JSON API: the same use cases as the report forms (a death, a birth,
//! a move, an arrival, an appointment, a correction, an objection), each a proposal on the one write
//! path. A client sends an `Idempotency-Key` header (8–64 letters, digits, `-`, `_`) with each report:
//! the same key sent again answers what the first request did (`repeated: true`) and acts no more.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jaring_app::events::{
    self, About, Appointment, Arrival, Birth, CorrectedField, Correction, Death, DeathDocument,
    Destination, MoveOut, Objection, Report, Split, SubmissionId, Waits,
};
use jaring_app::AppError;
use jaring_domain::{CivilServantStatus, NoKk, RegionCode, Relationship, Sex};

use crate::input::nik;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{run, ApiError, ErrorBody, OptionalJson, Path};
use crate::auth::Auth;
use crate::AppState;

/// What a report did.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReportOutcome {
    /// The proposal the report became.
    proposal_id: i64,
    /// Whether it was applied at once.
    applied: bool,
    /// Whether this request repeated an earlier one with the same `Idempotency-Key` (nothing new
    /// happened).
    repeated: bool,
    /// Who it waits for: `nobody` (applied), `reviewer`, `second_person` (a death no civil-registry
    /// record backs, confirmed by the district or regency), `other_village` (a move).
    waits: String,
}

fn text(s: &Option<String>) -> String {
    s.as_deref().unwrap_or_default().trim().to_string()
}

fn required(s: &Option<String>, what: (&str, &str)) -> Result<String, AppError> {
    crate::input::required(&text(s), what).map(str::to_string)
}

fn date(s: &Option<String>, what: (&str, &str)) -> Result<chrono::NaiveDate, AppError> {
    crate::input::date(&text(s), what)
}

fn sex(s: &Option<String>) -> Result<Sex, AppError> {
    crate::input::sex(&text(s))
}

fn no_kk(s: &Option<String>) -> Result<Option<NoKk>, AppError> {
    crate::input::no_kk(&text(s))
}

/// Submits `report` as `auth`, once per `Idempotency-Key`; 201 when it made a proposal, 200 when it
/// repeated an earlier request.
async fn submit(
    state: AppState,
    auth: Auth,
    headers: &HeaderMap,
    about: About,
    report: impl FnOnce() -> Result<Report, AppError> + Send + 'static,
) -> Result<Response, ApiError> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_string());
    let db = auth.db.clone();
    let who = auth.who.clone();
    let outcome = run(move || {
        // Rights first: a caller who may not report here learns nothing from validation.
        events::check_reporter(&db, &who, about)?;
        let id = match key {
            Some(k) => SubmissionId::parse(&k)?,
            None => SubmissionId::fresh(),
        };
        let report = report()?;
        let ctx = jaring_app::review::Context::load(&mut db.conn()?, jaring_domain::today())?;
        events::submit(&db, &who, &id, report, &ctx)
    })
    .await?;
    if outcome.applied {
        state.refresh_coverage();
    }
    let waits = match outcome.waits {
        Waits::Nobody => "nobody",
        Waits::Reviewer => "reviewer",
        Waits::SecondPerson => "second_person",
        Waits::OtherVillage => "other_village",
    };
    let status = if outcome.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(ReportOutcome {
            proposal_id: outcome.proposal_id,
            applied: outcome.applied,
            repeated: outcome.repeated,
            waits: waits.into(),
        }),
    )
        .into_response())
}

/// A death report.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct DeathBody {
    /// Date of death, `YYYY-MM-DD`.
    date: Option<String>,
    /// Place of death.
    place: Option<String>,
    /// `deed` (akta kematian) or `village_letter` (surat keterangan kematian desa).
    document: Option<String>,
    /// The document's number.
    document_number: Option<String>,
    /// A photo or scan of the document (JPEG, PNG or PDF, at most 3 MiB), base64.
    photo_base64: Option<String>,
}

/// `POST /api/v1/persons/{id}/death`
#[utoipa::path(post, path = "/api/v1/persons/{id}/death", tag = "laporan",
    params(("id" = i64, Path, description = "person id"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = DeathBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn death(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<DeathBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Resident(id), move || {
        let number = required(&b.document_number, ("nomor dokumen", "document_number"))?;
        let photo = match text(&b.photo_base64) {
            p if p.is_empty() => None,
            p => {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(p.as_bytes())
                    .map_err(|_| AppError::Input("photo_base64 bukan base64 / is not base64".into()))?;
                Some(events::Photo::sniff(bytes)?)
            }
        };
        Ok(Report::Death(Death {
            photo,
            person_id: id,
            date: date(&b.date, ("tanggal", "date"))?,
            place: text(&b.place),
            document: match text(&b.document).as_str() {
                "deed" => DeathDocument::Deed(number),
                "village_letter" | "" => DeathDocument::VillageLetter(number),
                other => {
                    return Err(AppError::Input(format!(
                        "dokumen '{other}' tidak dikenal (deed, village_letter) / unknown document '{other}'"
                    )))
                }
            },
        }))
    })
    .await
}

/// A birth into the household of the person in the path (a parent).
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct BirthBody {
    /// The child's name.
    name: Option<String>,
    /// `m` or `f`.
    sex: Option<String>,
    /// `YYYY-MM-DD`.
    birth_date: Option<String>,
    /// Birth place.
    birth_place: Option<String>,
    /// NIK, if Dukcapil has issued it.
    nik: Option<String>,
}

/// `POST /api/v1/persons/{id}/births`
#[utoipa::path(post, path = "/api/v1/persons/{id}/births", tag = "laporan",
    params(("id" = i64, Path, description = "a parent's person id"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = BirthBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn birth(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<BirthBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Resident(id), move || {
        Ok(Report::Birth(Birth {
            parent_id: id,
            name: text(&b.name),
            sex: sex(&b.sex)?,
            birth_date: date(&b.birth_date, ("tanggal lahir", "birth_date"))?,
            birth_place: text(&b.birth_place),
            nik: match text(&b.nik) {
                n if n.is_empty() => None,
                n => Some(nik(&n)?),
            },
        }))
    })
    .await
}

/// A move out of the person's village.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct MoveBody {
    /// The destination village's code (`53.04.01.2002`); leave out for a move out of the regency.
    to: Option<String>,
    /// Where to, for a move out of the regency.
    place: Option<String>,
    /// The family card joined in the destination village, if any.
    no_kk: Option<String>,
    /// Day of the move, `YYYY-MM-DD`.
    on: Option<String>,
}

/// `POST /api/v1/persons/{id}/move`
#[utoipa::path(post, path = "/api/v1/persons/{id}/move", tag = "laporan",
    params(("id" = i64, Path, description = "person id"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = MoveBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn move_out(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<MoveBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Resident(id), move || {
        let to = match text(&b.to) {
            t if t.is_empty() => Destination::Away(text(&b.place)),
            t => Destination::Village(
                RegionCode::parse(&t).map_err(|_| AppError::UnknownRegion(t.clone()))?,
                no_kk(&b.no_kk)?,
            ),
        };
        Ok(Report::MoveOut(MoveOut {
            person_id: id,
            to,
            on: date(&b.on, ("tanggal pindah", "on"))?,
        }))
    })
    .await
}

/// Someone arriving in a village.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct ArrivalBody {
    /// The village they arrive in (a village operator's own when left out).
    village: Option<String>,
    /// NIK.
    nik: Option<String>,
    /// Name.
    name: Option<String>,
    /// `m` or `f`.
    sex: Option<String>,
    /// `YYYY-MM-DD`.
    birth_date: Option<String>,
    /// Birth place.
    birth_place: Option<String>,
    /// The family card joined in the village, if any.
    no_kk: Option<String>,
    /// Relationship code to that card's head (`head`, `wife`, `child`, …).
    relationship: Option<String>,
    /// Occupation.
    occupation: Option<String>,
    /// Where they come from.
    origin: Option<String>,
    /// Day of arrival, `YYYY-MM-DD`.
    on: Option<String>,
}

/// `POST /api/v1/arrivals`
#[utoipa::path(post, path = "/api/v1/arrivals", tag = "laporan",
    params(("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = ArrivalBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn arrival(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    OptionalJson(b): OptionalJson<ArrivalBody>,
) -> Result<Response, ApiError> {
    let home = auth.who.grant.scope;
    submit(state, auth, &headers, About::Arrival, move || {
        let village = match text(&b.village) {
            v if v.is_empty() => home,
            v => RegionCode::parse(&v).map_err(|_| AppError::UnknownRegion(v.clone()))?,
        };
        Ok(Report::Arrival(Arrival {
            village,
            nik: nik(&required(&b.nik, ("NIK", "nik"))?)?,
            name: text(&b.name),
            sex: sex(&b.sex)?,
            birth_date: match text(&b.birth_date) {
                d if d.is_empty() => None,
                _ => Some(date(&b.birth_date, ("tanggal lahir", "birth_date"))?),
            },
            birth_place: text(&b.birth_place),
            no_kk: no_kk(&b.no_kk)?,
            relationship: Relationship::from_code(&text(&b.relationship))
                .unwrap_or(Relationship::Other),
            occupation: text(&b.occupation),
            origin: text(&b.origin),
            on: date(&b.on, ("tanggal datang", "on"))?,
        }))
    })
    .await
}

/// An appointment as ASN/PPPK/TNI/Polri.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct AppointmentBody {
    /// `pns`, `pppk`, `tni` or `polri`.
    status: Option<String>,
    /// TMT, `YYYY-MM-DD`.
    since: Option<String>,
    /// The decree's number.
    decree: Option<String>,
}

/// `POST /api/v1/persons/{id}/appointment`
#[utoipa::path(post, path = "/api/v1/persons/{id}/appointment", tag = "laporan",
    params(("id" = i64, Path, description = "person id"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = AppointmentBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn appointment(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<AppointmentBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Resident(id), move || {
        Ok(Report::Appointment(Appointment {
            person_id: id,
            status: CivilServantStatus::from_code(&text(&b.status))
                .ok_or_else(|| AppError::Input("status: pns, pppk, tni, polri".into()))?,
            since: date(&b.since, ("TMT", "since"))?,
            decree: text(&b.decree),
        }))
    })
    .await
}

/// A household split: the person in the path heads the new card.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct SplitBody {
    /// The other members (person ids, of the same household) who leave with them.
    #[serde(default)]
    with: Vec<i64>,
    /// The new family-card number.
    no_kk: Option<String>,
    /// Day the new card takes effect, `YYYY-MM-DD`.
    on: Option<String>,
}

/// `POST /api/v1/persons/{id}/split`
#[utoipa::path(post, path = "/api/v1/persons/{id}/split", tag = "laporan",
    params(("id" = i64, Path, description = "the new household's head"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = SplitBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn split(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<SplitBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Resident(id), move || {
        Ok(Report::Split(Split {
            head: id,
            with: b.with,
            no_kk: no_kk(&b.no_kk)?
                .ok_or_else(|| AppError::Input("no_kk wajib diisi / no_kk is required".into()))?,
            on: date(&b.on, ("tanggal", "on"))?,
        }))
    })
    .await
}

/// A correction.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct CorrectionBody {
    /// `nik`, `name`, `birth_date`, `sex` or `relationship`.
    field: Option<String>,
    /// The right value.
    value: Option<String>,
    /// Why, and on what evidence.
    reason: Option<String>,
}

/// `POST /api/v1/persons/{id}/corrections`
#[utoipa::path(post, path = "/api/v1/persons/{id}/corrections", tag = "laporan",
    params(("id" = i64, Path, description = "person id"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = CorrectionBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn correction(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<CorrectionBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Resident(id), move || {
        Ok(Report::Correction(Correction {
            person_id: id,
            field: CorrectedField::from_column(&text(&b.field)).ok_or_else(|| {
                AppError::Input("field: nik, name, birth_date, sex, relationship".into())
            })?,
            value: text(&b.value),
            reason: text(&b.reason),
        }))
    })
    .await
}

/// An objection to an applied decision.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct ObjectionBody {
    /// Who objects (the resident, an heir).
    objector: Option<String>,
    /// Why.
    reason: Option<String>,
}

/// `POST /api/v1/proposals/{id}/objection`
#[utoipa::path(post, path = "/api/v1/proposals/{id}/objection", tag = "laporan",
    params(("id" = i64, Path, description = "the applied proposal objected to"),
        ("Idempotency-Key" = Option<String>, Header, description = "client-made id of this submission")),
    request_body(content = ObjectionBody),
    responses((status = 201, body = ReportOutcome), (status = 200, body = ReportOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn objection(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<ObjectionBody>,
) -> Result<Response, ApiError> {
    submit(state, auth, &headers, About::Proposal(id), move || {
        Ok(Report::Objection(Objection {
            proposal_id: id,
            objector: text(&b.objector),
            reason: text(&b.reason),
        }))
    })
    .await
}
