//! API for background jobs (`/api/v1/jobs`) and the civil-registry death intake
//! (`/api/v1/intake/{dci,opencrvs}`). The intake is reached without a session: a sender proves itself
//! by signing the body (`X-Jaring-Signature: sha256=<hex HMAC-SHA256 of the body>` with the key
//! configured as `JARING_INTAKE_KEY`; `X-Hub-Signature-256` is read too).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jaring_app::intake::{self, IntakeError, Source};
use jaring_app::jobs::{self, JobKind, JobView};
use jaring_app::AppError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{error_body, run, ApiError, ErrorBody, OptionalJson, Path};
use crate::auth::Auth;
use crate::AppState;

/// A background job.
#[derive(Serialize, ToSchema)]
pub(crate) struct JobDto {
    id: i64,
    /// `sync`, `snapshot` or `export_terminations`.
    kind: String,
    /// `queued`, `running`, `done`, `failed` or `interrupted`.
    status: String,
    started_by: String,
    /// What it is doing now.
    phase: String,
    done: u64,
    total: u64,
    percent: Option<u8>,
    /// Seconds left, estimated.
    eta_seconds: Option<u64>,
    /// What it found, one line each.
    summary: Vec<String>,
    /// Where to download the file it wrote.
    file_url: Option<String>,
    error: Option<String>,
    created_at: Option<String>,
    finished_at: Option<String>,
}

fn dto(j: JobView) -> JobDto {
    JobDto {
        id: j.id,
        kind: j.kind.as_code().into(),
        status: j.status.as_code().into(),
        started_by: j.started_by,
        phase: j.phase,
        done: j.done,
        total: j.total,
        percent: j.percent,
        eta_seconds: j.eta.map(|d| d.as_secs()),
        summary: j.summary,
        file_url: j.file.map(|_| format!("/tugas/{}/berkas", j.id)),
        error: j.error,
        created_at: j.created_at.map(|t| t.to_rfc3339()),
        finished_at: j.finished_at.map(|t| t.to_rfc3339()),
    }
}

/// Which job to start.
#[derive(Deserialize, Default, ToSchema)]
pub(crate) struct StartJob {
    /// `sync`, `snapshot` or `export_terminations`.
    kind: Option<String>,
}

/// `GET /api/v1/jobs`
#[utoipa::path(get, path = "/api/v1/jobs", tag = "tugas",
    responses((status = 200, body = Vec<JobDto>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(auth: Auth) -> Result<Json<Vec<JobDto>>, ApiError> {
    let (db, who) = (auth.db.clone(), auth.who.clone());
    let list = run(move || jobs::recent(&db, &who, 50)).await?;
    Ok(Json(list.into_iter().map(dto).collect()))
}

/// `POST /api/v1/jobs`: queues a job (or returns the one of that kind already queued or running).
#[utoipa::path(post, path = "/api/v1/jobs", tag = "tugas", request_body(content = StartJob),
    responses((status = 202, body = JobDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn start(
    State(state): State<AppState>,
    auth: Auth,
    OptionalJson(body): OptionalJson<StartJob>,
) -> Result<Response, ApiError> {
    auth.who
        .require_any(jaring_domain::access::Action::Synchronise)?;
    let kind = body
        .kind
        .as_deref()
        .and_then(JobKind::from_code)
        .ok_or_else(|| {
            AppError::Input(
                "kind harus sync, snapshot atau export_terminations / kind must be sync, snapshot or export_terminations".into(),
            )
        })?;
    let (db, who) = (auth.db.clone(), auth.who.clone());
    let job = run(move || jobs::start(&db, &who, kind)).await?;
    state.wake_jobs();
    Ok((StatusCode::ACCEPTED, Json(dto(job))).into_response())
}

/// `GET /api/v1/jobs/{job}`
#[utoipa::path(get, path = "/api/v1/jobs/{job}", tag = "tugas",
    params(("job" = i64, Path, description = "job id")),
    responses((status = 200, body = JobDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(auth: Auth, Path(id): Path<i64>) -> Result<Json<JobDto>, ApiError> {
    let (db, who) = (auth.db.clone(), auth.who.clone());
    Ok(Json(dto(run(move || jobs::get(&db, &who, id)).await?)))
}

/// What became of each event of a delivery.
#[derive(Serialize, ToSchema)]
pub(crate) struct IntakeReceipt {
    /// Events in the delivery.
    received: usize,
    events: Vec<IntakeEventDto>,
}

/// One event's outcome.
#[derive(Serialize, ToSchema)]
pub(crate) struct IntakeEventDto {
    /// The sender's id of the event.
    event_id: String,
    /// `processed` (a death proposal waits for review if the person is in the registry), `duplicate`
    /// (received before; nothing changed), `stored` (kept; processing is retried), `rejected` (kept;
    /// the record was refused — see `message`).
    status: String,
    /// Death proposals it made.
    proposals: usize,
    message: Option<String>,
}

/// A DCI-style CRVS `notify` message (only the fields jaring reads are listed).
///
/// ```json
/// {"header": {"message_id": "m-1", "action": "notify", "sender_id": "dukcapil-belu"},
///  "message": {"transaction_id": "t-1", "notify_event": [{
///    "reference_id": "akta-5304-KM-2026-0001",
///    "data": {"event_type": "death", "reg_records": {
///      "identifier": [{"identifier_type": "NIK", "identifier_value": "5304011203500001"}],
///      "name": {"given_name": "Yohanes", "surname": "Bere"},
///      "sex": "male", "birth_date": "1950-03-12", "birth_place": "Atambua",
///      "death_date": "2026-11-30", "death_certificate_no": "5304-KM-30112026-0001",
///      "address": {"village_code": "53.04.01.2001"}}}}]}}
/// ```
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct DciNotify {
    header: serde_json::Value,
    message: serde_json::Value,
}

/// An OpenCRVS-style event notification: a FHIR `Bundle` whose `Patient` has `deceasedDateTime`
/// (identifier type `NATIONAL_ID` is the NIK; `Bundle.id` is the event's id).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct OpenCrvsBundle {
    #[serde(rename = "resourceType")]
    resource_type: String,
    id: String,
    entry: Vec<serde_json::Value>,
}

fn intake_response(result: Result<Vec<intake::EventOutcome>, IntakeError>) -> Response {
    match result {
        Ok(events) => {
            // Stored but not processed is still acknowledged (it will be processed); 202 says so.
            let status = if events.iter().any(|e| e.status == "stored") {
                StatusCode::ACCEPTED
            } else {
                StatusCode::OK
            };
            let body = IntakeReceipt {
                received: events.len(),
                events: events
                    .into_iter()
                    .map(|e| IntakeEventDto {
                        event_id: e.event_id,
                        status: e.status.into(),
                        proposals: e.proposals,
                        message: e.message,
                    })
                    .collect(),
            };
            (status, Json(body)).into_response()
        }
        Err(IntakeError::NotConfigured) => error_body(
            StatusCode::NOT_FOUND,
            "not_found",
            &IntakeError::NotConfigured.to_string(),
        ),
        Err(e @ IntakeError::BadSignature) => {
            error_body(StatusCode::UNAUTHORIZED, "unauthenticated", &e.to_string())
        }
        Err(e @ IntakeError::Payload(_)) => {
            error_body(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &e.to_string())
        }
        Err(IntakeError::App(e)) => {
            // Not stored: the sender must retry.
            tracing::warn!(error = %e, "intake event not stored");
            error_body(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "peristiwa belum tersimpan, kirim ulang / event not stored, retry",
            )
        }
    }
}

async fn receive(state: AppState, source: Source, headers: HeaderMap, body: Bytes) -> Response {
    let Some(key) = state.config.intake_key.clone() else {
        return intake_response(Err(IntakeError::NotConfigured));
    };
    let signature = headers
        .get("x-jaring-signature")
        .or_else(|| headers.get("x-hub-signature-256"))
        .and_then(|v| v.to_str().ok());
    if let Err(e) = intake::verify(key.expose().as_bytes(), &body, signature) {
        return intake_response(Err(e));
    }
    let db = state.db.clone();
    let result = tokio::task::spawn_blocking(move || intake::receive(&db, source, &body))
        .await
        .unwrap_or_else(|e| {
            Err(IntakeError::App(AppError::Internal(format!(
                "intake worker: {e}"
            ))))
        });
    if matches!(&result, Ok(events) if events.iter().any(|e| e.proposals > 0)) {
        state.refresh_coverage();
    }
    intake_response(result)
}

/// `POST /api/v1/intake/dci`: death events from a DCI-style CRVS registry.
#[utoipa::path(post, path = "/api/v1/intake/dci", tag = "peristiwa",
    request_body(content = DciNotify),
    params(("X-Jaring-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    responses((status = 200, body = IntakeReceipt), (status = 202, body = IntakeReceipt),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn dci(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(state, Source::Dci, headers, body).await
}

/// `POST /api/v1/intake/opencrvs`: a death event notification from OpenCRVS.
#[utoipa::path(post, path = "/api/v1/intake/opencrvs", tag = "peristiwa",
    request_body(content = OpenCrvsBundle),
    params(("X-Jaring-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    responses((status = 200, body = IntakeReceipt), (status = 202, body = IntakeReceipt),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn opencrvs(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(state, Source::OpenCrvs, headers, body).await
}
