//! JSON API (`/api/v1`): the same use cases as the pages, for machine clients, with bearer tokens
//! (`jaring user token NAME`) or the browser session (writes then need the `X-CSRF-Token` header).
//! Errors have one shape: `{"error": {"code": "...", "message": "..."}}`; lists are paged with
//! `page` and `per_page` and say whether `more` follow. The OpenAPI document is generated from these
//! handlers and served at `/api/v1/openapi.json`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jaring_app::accounts::Principal;
use jaring_app::AppError;
use jaring_domain::access::Action;
use jaring_domain::{ListKind, RegionCode};
use jaring_store::stats::RegionCounts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::Auth;
use crate::AppState;

/// An error as JSON.
pub(crate) struct ApiError(pub(crate) AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// The body of every error.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable code: `not_found`, `forbidden`, `invalid`, `conflict`, `unauthenticated`, …
    code: String,
    /// Message in Bahasa Indonesia and English.
    message: String,
}

pub(crate) fn error_body(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = crate::status_of(&self.0);
        let code = match status.as_u16() {
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not_found",
            409 => "conflict",
            422 => "invalid",
            503 => "unavailable",
            _ => "internal",
        };
        if status.is_server_error() {
            tracing::warn!(error = %self.0, "api request failed");
        }
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "terjadi kesalahan di server / server error".to_string()
        } else {
            self.0.to_string()
        };
        error_body(status, code, &message)
    }
}

/// A malformed request (a parameter of the wrong type, a body that is not the JSON asked for): 400 with
/// the usual error body, not axum's plain-text rejection.
pub(crate) fn bad_request(message: &str) -> Response {
    error_body(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// Query parameters, refused as a JSON 400 when unreadable.
pub(crate) struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| bad_request(&e.body_text()))
    }
}

/// Path parameters, refused as a JSON 400 when unreadable (an id too large for 64 bits).
pub(crate) struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| bad_request(&e.body_text()))
    }
}

/// An optional JSON body: empty means the default; anything else must be the JSON asked for.
pub(crate) struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                error_body(e.status(), "too_large", crate::rejections::TOO_LARGE)
            } else {
                bad_request(&e.body_text())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        // An object, as documented: serde would also read a struct from an array.
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v @ serde_json::Value::Object(_)) => {
                serde_json::from_value(v).map(OptionalJson).map_err(|e| {
                    bad_request(&format!(
                        "badan JSON tidak sesuai / JSON body does not fit: {e}"
                    ))
                })
            }
            Ok(_) => Err(bad_request(
                "badan harus objek JSON / the body must be a JSON object",
            )),
            Err(e) => Err(bad_request(&format!(
                "badan JSON tidak terbaca / unreadable JSON body: {e}"
            ))),
        }
    }
}

pub(crate) async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    crate::blocking(f).await.map_err(|e| ApiError(e.0))
}

/// Paging of a list.
#[derive(Deserialize, IntoParams)]
pub(crate) struct Paging {
    /// Page number from 1.
    page: Option<i64>,
    /// Rows per page, 1–200 (default 25, as on the pages).
    per_page: Option<i64>,
}

impl Paging {
    fn get(&self) -> (i64, i64) {
        (
            crate::ui::page_number(self.page),
            self.per_page.unwrap_or(25).clamp(1, 200),
        )
    }
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub(crate) struct MeDto {
    username: String,
    full_name: String,
    /// Role code.
    role: String,
    /// Region the role is bound to.
    region: String,
    /// Whether NIKs are shown unmasked to this user.
    sees_full_nik: bool,
}

/// `GET /api/v1/me`
#[utoipa::path(get, path = "/api/v1/me", tag = "akun",
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(auth: Auth) -> Json<MeDto> {
    let w = &auth.who;
    Json(MeDto {
        username: w.username.clone(),
        full_name: w.full_name.clone(),
        role: w.grant.role.as_code().into(),
        region: w.grant.scope.to_string(),
        sees_full_nik: w.grant.role.sees_full_nik(),
    })
}

/// Counts of one region.
#[derive(Serialize, ToSchema)]
pub(crate) struct RegionCountsDto {
    code: String,
    name: String,
    households: i64,
    persons: i64,
    alive: i64,
}

impl From<&RegionCounts> for RegionCountsDto {
    fn from(r: &RegionCounts) -> Self {
        RegionCountsDto {
            code: r.region.code.to_string(),
            name: r.region.name.clone(),
            households: r.households,
            persons: r.persons,
            alive: r.alive,
        }
    }
}

/// Counts of the user's region and the regions under it.
#[derive(Serialize, ToSchema)]
pub(crate) struct OverviewDto {
    region: RegionCountsDto,
    districts: Vec<RegionCountsDto>,
    villages: Vec<RegionCountsDto>,
    demo: bool,
    /// The external lists and their last synchronisation (regency-wide).
    lists: Vec<ListDto>,
}

/// One external list and its last synchronisation.
#[derive(Serialize, ToSchema)]
pub(crate) struct ListDto {
    kind: String,
    staged: i64,
    auto: i64,
    review: i64,
    no_match: i64,
}

/// `GET /api/v1/overview`
#[utoipa::path(get, path = "/api/v1/overview", tag = "cakupan",
    responses((status = 200, body = OverviewDto), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn overview(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<OverviewDto>, ApiError> {
    auth.who.require_any(Action::ViewCoverage)?;
    let o = state.overview().await.map_err(|e| ApiError(e.0))?;
    let g = auth.who.grant;
    let all: Vec<&RegionCounts> = std::iter::once(&o.regency)
        .chain(&o.districts)
        .chain(&o.villages)
        .collect();
    let here = all
        .iter()
        .find(|r| r.region.code == g.scope)
        .copied()
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(Json(OverviewDto {
        region: here.into(),
        districts: o
            .districts
            .iter()
            .filter(|d| g.covers(d.region.code))
            .map(Into::into)
            .collect(),
        villages: o
            .villages
            .iter()
            .filter(|v| g.covers(v.region.code))
            .map(Into::into)
            .collect(),
        demo: o.demo,
        lists: o
            .lists
            .iter()
            .map(|l| ListDto {
                kind: l.kind.as_code().into(),
                staged: l.staged,
                auto: l.auto,
                review: l.review,
                no_match: l.no_match,
            })
            .collect(),
    }))
}

/// Query of `GET /api/v1/coverage`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct CoverageQuery {
    /// Region code (default: the user's region).
    region: Option<String>,
    /// `YYYY-MM` (default: this month).
    month: Option<String>,
    /// Compute from the registry even if the month has a snapshot.
    live: Option<bool>,
}

/// One region's coverage.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoverageRowDto {
    code: String,
    name: String,
    level: String,
    numerator: i64,
    denominator: i64,
    /// 10,000 = 100 %; null when the denominator is 0.
    rate_basis_points: Option<i64>,
    denominator_source: String,
}

/// Coverage of a region and everything under it.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoverageDto {
    month: String,
    from_snapshot: bool,
    rows: Vec<CoverageRowDto>,
}

/// `GET /api/v1/coverage?region=53.04.01&month=2026-10`
#[utoipa::path(get, path = "/api/v1/coverage", tag = "cakupan", params(CoverageQuery),
    responses((status = 200, body = CoverageDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn coverage(
    auth: Auth,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<CoverageDto>, ApiError> {
    let region = match q
        .region
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(RegionCode::parse)
    {
        Some(Err(e)) => return Err(ApiError(AppError::Input(e.to_string()))),
        Some(Ok(r)) => r,
        None => auth.who.grant.scope,
    };
    if !auth.who.grant.covers(region) {
        return Err(ApiError(AppError::NotFound));
    }
    let month = match q.month.as_deref() {
        Some(m) => jaring_app::coverage::parse_month(m).ok_or_else(|| {
            ApiError(AppError::Input(
                "bulan harus YYYY-MM / month must be YYYY-MM".into(),
            ))
        })?,
        None => jaring_domain::today(),
    };
    let db = auth.db.clone();
    let live = q.live.unwrap_or(false);
    let report =
        run(move || jaring_app::coverage::coverage(&db, Some(region), month, !live)).await?;
    if report.rows.is_empty() {
        return Err(ApiError(AppError::NotFound));
    }
    Ok(Json(CoverageDto {
        month: jaring_app::coverage::month_key(report.month),
        from_snapshot: report.from_snapshot,
        rows: report
            .rows
            .into_iter()
            .map(|r| CoverageRowDto {
                rate_basis_points: r.rate.basis_points(),
                code: r.code,
                name: r.name,
                level: r.level,
                numerator: r.rate.numerator,
                denominator: r.rate.denominator,
                denominator_source: r.source,
            })
            .collect(),
    }))
}

/// A resident.
#[derive(Serialize, ToSchema)]
pub(crate) struct PersonDto {
    id: i64,
    /// NIK, masked (`5304********0615`) for roles that must not read it.
    nik: Option<String>,
    name: String,
    sex: String,
    birth_date: Option<String>,
    village_code: String,
    life_status: String,
    household_id: Option<i64>,
    relationship: String,
    occupation: String,
    version: i64,
}

fn person_dto(who: &Principal, p: &jaring_store::residents::PersonSummary) -> PersonDto {
    PersonDto {
        id: p.id,
        nik: p.nik.as_deref().map(|n| who.grant.show_nik(n)),
        name: p.name.clone(),
        sex: p.sex.clone(),
        birth_date: p.birth_date.map(|d| d.to_string()),
        village_code: p.village_code.clone(),
        life_status: p.life_status.clone(),
        household_id: p.household_id,
        relationship: p.relationship.clone(),
        occupation: p.occupation.clone(),
        version: p.row_version,
    }
}

/// A page of residents.
#[derive(Serialize, ToSchema)]
pub(crate) struct PersonPage {
    items: Vec<PersonDto>,
    page: i64,
    per_page: i64,
    more: bool,
    /// `nik`, `exact` or `fuzzy` (spelling variants, when the words as written found no one).
    mode: String,
}

/// Query of `GET /api/v1/persons`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct PersonQuery {
    /// Name words or NIK digits.
    q: Option<String>,
    /// Page number from 1.
    page: Option<i64>,
    /// Rows per page, 1–200 (default 25, as on the pages).
    per_page: Option<i64>,
}

/// `GET /api/v1/persons?q=yohanes bere`
#[utoipa::path(get, path = "/api/v1/persons", tag = "penduduk", params(PersonQuery),
    responses((status = 200, body = PersonPage), (status = 401, body = ErrorBody)))]
pub(crate) async fn persons(
    State(state): State<AppState>,
    auth: Auth,
    Query(pq): Query<PersonQuery>,
) -> Result<Json<PersonPage>, ApiError> {
    let (page, per_page) = Paging {
        page: pq.page,
        per_page: pq.per_page,
    }
    .get();
    let index = state.names().await.map_err(|e| ApiError(e.0))?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let query = pq.q.unwrap_or_default();
    let turn = state.search_turn().await;
    let hits = run(move || {
        let _turn = turn;
        jaring_app::residents::find(&index, &who, &query, page, per_page)
    })
    .await?;
    let (mode, found) = run(move || jaring_app::residents::read_hits(&db, hits)).await?;
    Ok(Json(PersonPage {
        items: found
            .items
            .iter()
            .map(|p| person_dto(&auth.who, p))
            .collect(),
        page: found.page,
        per_page: found.per_page,
        more: found.more,
        mode: match mode {
            jaring_app::residents::SearchMode::Nik => "nik",
            jaring_app::residents::SearchMode::Exact => "exact",
            jaring_app::residents::SearchMode::Fuzzy => "fuzzy",
        }
        .into(),
    }))
}

/// A membership.
#[derive(Serialize, ToSchema)]
pub(crate) struct EnrolmentDto {
    programme: String,
    kpj: Option<String>,
    start_date: Option<String>,
    paid_through: Option<String>,
    end_date: Option<String>,
}

/// A resident with household and memberships.
#[derive(Serialize, ToSchema)]
pub(crate) struct PersonDetailDto {
    person: PersonDto,
    no_kk: Option<String>,
    household: Vec<PersonDto>,
    /// Household members registered outside the caller's region (not shown).
    members_elsewhere: usize,
    enrolments: Vec<EnrolmentDto>,
}

/// `GET /api/v1/persons/{id}`
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "penduduk",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = PersonDetailDto), (status = 404, body = ErrorBody)))]
pub(crate) async fn person(
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetailDto>, ApiError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let v = run(move || jaring_app::residents::person(&db, &who, id)).await?;
    let w = &auth.who;
    Ok(Json(PersonDetailDto {
        person: person_dto(w, &v.person),
        no_kk: v.no_kk.as_deref().map(|k| w.grant.show_nik(k)),
        household: v.household.iter().map(|p| person_dto(w, p)).collect(),
        members_elsewhere: v.members_elsewhere,
        enrolments: v
            .enrolments
            .iter()
            .map(|e| EnrolmentDto {
                programme: e.programme.clone(),
                kpj: e.kpj.clone(),
                start_date: e.start_date.map(|d| d.to_string()),
                paid_through: e.paid_through.map(|d| d.to_string()),
                end_date: e.end_date.map(|d| d.to_string()),
            })
            .collect(),
    }))
}

/// A proposal.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProposalDto {
    id: i64,
    kind: String,
    status: String,
    band: String,
    village_code: Option<String>,
    person_id: Option<i64>,
    summary: String,
    /// The field-level changes (JSON).
    #[schema(value_type = Vec<Object>)]
    changes: serde_json::Value,
    /// The evidence: the source record, the registry's values and the match explanation (JSON).
    #[schema(value_type = Object)]
    evidence: serde_json::Value,
    created_by: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    reason: Option<String>,
    /// Send back with a decision: it fails if someone acted since.
    version: i64,
}

fn proposal_dto(who: &Principal, r: &jaring_store::review::ProposalRow) -> ProposalDto {
    let mask = |s: &str| {
        if who.grant.role.sees_full_nik() {
            s.to_string()
        } else {
            jaring_domain::access::mask_numbers_in(s)
        }
    };
    let json = |s: &str| serde_json::from_str(&mask(s)).unwrap_or(serde_json::Value::Null);
    ProposalDto {
        id: r.id,
        kind: r.kind.clone(),
        status: r.status.clone(),
        band: r.band.clone(),
        village_code: r.village_code.clone(),
        person_id: r.person_id,
        summary: mask(&r.summary),
        changes: json(&r.changes),
        evidence: json(&r.evidence),
        created_by: r.created_by.clone(),
        decided_by: r.decided_by.clone(),
        decided_at: r.decided_at.map(|d| d.to_rfc3339()),
        reason: r.reason.clone(),
        version: r.row_version,
    }
}

/// A page of proposals.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProposalPage {
    items: Vec<ProposalDto>,
    page: i64,
    per_page: i64,
    more: bool,
}

/// Query of `GET /api/v1/proposals`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct ProposalQuery {
    /// `pending` (default), `applied`, `rejected`, `reverted` or `all`.
    status: Option<String>,
    /// Kind code, e.g. `mark_deceased`.
    kind: Option<String>,
    /// `auto`, `review` or `manual`.
    band: Option<String>,
    /// Page number from 1.
    page: Option<i64>,
    /// Rows per page, 1–200 (default 25, as on the pages).
    per_page: Option<i64>,
}

/// `GET /api/v1/proposals`
#[utoipa::path(get, path = "/api/v1/proposals", tag = "tinjauan", params(ProposalQuery),
    responses((status = 200, body = ProposalPage), (status = 401, body = ErrorBody)))]
pub(crate) async fn proposals(
    auth: Auth,
    Query(pq): Query<ProposalQuery>,
) -> Result<Json<ProposalPage>, ApiError> {
    let (page, per_page) = Paging {
        page: pq.page,
        per_page: pq.per_page,
    }
    .get();
    let status = pq.status.unwrap_or_else(|| "pending".into());
    let filter = jaring_store::review::ProposalFilter {
        status: (status != "all").then_some(status),
        band: pq.band,
        kinds: pq.kind.into_iter().collect(),
        limit: per_page + 1,
        offset: (page - 1) * per_page,
        ..Default::default()
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let mut rows = run(move || jaring_app::review::list(&db, &who, &filter)).await?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok(Json(ProposalPage {
        items: rows.iter().map(|r| proposal_dto(&auth.who, r)).collect(),
        page,
        per_page,
        more,
    }))
}

/// `GET /api/v1/proposals/{id}`
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "tinjauan",
    params(("id" = i64, Path, description = "proposal id")),
    responses((status = 200, body = ProposalDto), (status = 404, body = ErrorBody)))]
pub(crate) async fn proposal(
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<ProposalDto>, ApiError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let row = run(move || jaring_app::review::show(&db, &who, id)).await?;
    Ok(Json(proposal_dto(&auth.who, &row)))
}

/// A decision on a proposal.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct Decision {
    /// The version last read; the decision fails with 409 if someone acted since.
    version: Option<i64>,
    /// Why (required to reject).
    reason: Option<String>,
}

/// A rejection: the reason is required (it goes back to the operator and into the audit log).
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct Rejection {
    /// The version last read; the decision fails with 409 if someone acted since.
    version: Option<i64>,
    /// Why.
    #[schema(min_length = 1, pattern = "\\S")]
    reason: String,
}

async fn decide(
    state: AppState,
    auth: Auth,
    id: i64,
    d: Decision,
    approve: bool,
) -> Result<Json<ProposalDto>, ApiError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let row = run(move || {
        if approve {
            let ctx = jaring_app::review::Context::load(&mut db.conn()?, jaring_domain::today())?;
            jaring_app::review::approve(&db, &who, id, d.version, &ctx)
        } else {
            jaring_app::review::reject(&db, &who, id, d.version, d.reason.as_deref().unwrap_or(""))
        }
    })
    .await?;
    state.refresh_coverage();
    Ok(Json(proposal_dto(&auth.who, &row)))
}

/// `POST /api/v1/proposals/{id}/approve`
#[utoipa::path(post, path = "/api/v1/proposals/{id}/approve", tag = "tinjauan",
    params(("id" = i64, Path, description = "proposal id")), request_body(content = Decision),
    responses((status = 200, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    OptionalJson(body): OptionalJson<Decision>,
) -> Result<Json<ProposalDto>, ApiError> {
    decide(state, auth, id, body, true).await
}

/// `POST /api/v1/proposals/{id}/reject`
#[utoipa::path(post, path = "/api/v1/proposals/{id}/reject", tag = "tinjauan",
    params(("id" = i64, Path, description = "proposal id")), request_body(content = Rejection),
    responses((status = 200, body = ProposalDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    OptionalJson(body): OptionalJson<Rejection>,
) -> Result<Json<ProposalDto>, ApiError> {
    let decision = Decision {
        version: body.version,
        reason: Some(body.reason),
    };
    decide(state, auth, id, decision, false).await
}

/// A programme.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProgrammeDto {
    code: String,
    name: String,
    segment: String,
    sponsor: String,
    monthly_premium: i64,
    quota_per_village: Option<i64>,
    /// The eligibility rule's clauses: name and CEL expression.
    rule: Vec<(String, String)>,
    default_rule: bool,
}

/// `GET /api/v1/programmes`
#[utoipa::path(get, path = "/api/v1/programmes", tag = "program",
    responses((status = 200, body = Vec<ProgrammeDto>)))]
pub(crate) async fn programmes(auth: Auth) -> Result<Json<Vec<ProgrammeDto>>, ApiError> {
    auth.who.require_any(Action::ViewProgrammes)?;
    let db = auth.db.clone();
    let list = run(move || {
        jaring_app::coverage::programmes(&db)?
            .into_iter()
            .map(|row| {
                let p = jaring_app::coverage::programme(&db, &row.code)?;
                Ok(ProgrammeDto {
                    rule: p
                        .rule
                        .clauses()
                        .map(|c| (c.name.clone(), c.expr.clone()))
                        .collect(),
                    default_rule: p.default_rule,
                    code: row.code,
                    name: row.name,
                    segment: row.segment,
                    sponsor: row.sponsor,
                    monthly_premium: row.monthly_premium,
                    quota_per_village: row.quota_per_village,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await?;
    Ok(Json(list))
}

/// An import in the journal.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportDto {
    id: i64,
    kind: String,
    file_name: String,
    sha256: String,
    actor: String,
    rows: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    /// Where the annotated file of rejected rows can be downloaded (signed in), when there is one.
    error_file: Option<String>,
}

/// `GET /api/v1/imports`
#[utoipa::path(get, path = "/api/v1/imports", tag = "impor",
    responses((status = 200, body = Vec<ImportDto>)))]
pub(crate) async fn imports(auth: Auth) -> Result<Json<Vec<ImportDto>>, ApiError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let list = run(move || jaring_app::import::recent_for(&db, &who, 50)).await?;
    Ok(Json(
        list.into_iter()
            .map(|r| ImportDto {
                error_file: (r.counts.rejected > 0).then(|| format!("/impor/{}/galat", r.id)),
                id: r.id,
                kind: r.kind,
                file_name: r.file_name,
                sha256: r.sha256,
                actor: r.actor,
                rows: r.counts.rows_total,
                inserted: r.counts.inserted,
                updated: r.counts.updated,
                unchanged: r.counts.unchanged,
                rejected: r.counts.rejected,
            })
            .collect(),
    ))
}

/// Query of `POST /api/v1/imports`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct ImportQuery {
    /// `registry`, `dtsen`, `deaths`, `asn` or `bpjs`.
    kind: String,
    /// The file's name (its extension tells CSV from Excel).
    file_name: String,
}

/// A rejected row.
#[derive(Serialize, ToSchema)]
pub(crate) struct RejectedRowDto {
    line: u64,
    column: Option<String>,
    value: String,
    reason_id: String,
    reason_en: String,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportResultDto {
    import: ImportDto,
    format: String,
    /// The first rejected rows (all are in the error file).
    rejected_rows: Vec<RejectedRowDto>,
    /// Headings of the file no field reads ("kolom tidak dipakai").
    unused_columns: Vec<String>,
}

/// `POST /api/v1/imports?kind=registry&file_name=desa.csv` with the file as the body.
#[utoipa::path(post, path = "/api/v1/imports", tag = "impor", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportResultDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let kind = ListKind::from_code(&q.kind).ok_or_else(|| {
        ApiError(AppError::Input(format!(
            "jenis daftar tidak dikenal / unknown kind '{}'",
            q.kind
        )))
    })?;
    let suffix = jaring_app::import::upload_suffix(&q.file_name)?;
    let spooled = match crate::uploads::receive(&state, suffix, body).await {
        Ok(file) => file,
        Err(crate::uploads::Received::Refused(r)) => return Ok(r.api()),
        Err(crate::uploads::Received::Failed(e)) => return Err(ApiError(e)),
    };
    let slot = match crate::uploads::import_slot(&state).await {
        Ok(slot) => slot,
        Err(r) => return Ok(r.api()),
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let dir = state.errors_dir();
    let name = q.file_name.clone();
    let report = run(move || {
        let _slot = slot;
        jaring_app::import::import_as(&db, &who, kind, spooled.path(), &name, &dir)
    })
    .await?;
    if report.counts.inserted + report.counts.updated > 0 {
        state.refresh_coverage();
    }
    let c = &report.counts;
    Ok(Json(ImportResultDto {
        import: ImportDto {
            id: report.import_id,
            kind: kind.as_code().into(),
            file_name: q.file_name,
            sha256: report.sha256.clone(),
            actor: auth.who.username.clone(),
            rows: c.rows_total,
            inserted: c.inserted,
            updated: c.updated,
            unchanged: c.unchanged,
            rejected: c.rejected,
            error_file: report
                .error_file
                .as_ref()
                .map(|_| format!("/impor/{}/galat", report.import_id)),
        },
        format: report.format.clone(),
        unused_columns: report.unused_columns.clone(),
        rejected_rows: report
            .rejected
            .iter()
            .map(|p| RejectedRowDto {
                line: p.line,
                column: p.issue.column.clone(),
                value: p.issue.value.clone(),
                reason_id: p.issue.id.clone(),
                reason_en: p.issue.en.clone(),
            })
            .collect(),
    })
    .into_response())
}

/// An audit entry.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditDto {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    village_code: Option<String>,
    person_id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
    reason: Option<String>,
    hash: String,
}

/// Query of `GET /api/v1/audit`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct AuditQuery {
    /// Entries older than this sequence number (the next page).
    before: Option<i64>,
    /// At most this many, 1–500 (default 100).
    limit: Option<i64>,
}

/// `GET /api/v1/audit`
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditDto>)))]
pub(crate) async fn audit(
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let rows =
        run(move || jaring_app::auditlog::entries(&db, &who, q.before, q.limit.unwrap_or(100)))
            .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditDto {
                seq: r.seq,
                at: r.at,
                actor: r.entry.actor,
                action: r.entry.action,
                entity: r.entry.entity,
                entity_id: r.entry.entity_id,
                village_code: r.entry.village_code,
                person_id: r.entry.person_id,
                before: r.entry.before,
                after: r.entry.after,
                reason: r.entry.reason,
                hash: r.hash,
            })
            .collect(),
    ))
}

/// An account.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserDto {
    username: String,
    full_name: String,
    role: String,
    region: String,
    disabled: bool,
    must_change_password: bool,
}

/// `GET /api/v1/users`
#[utoipa::path(get, path = "/api/v1/users", tag = "akun",
    responses((status = 200, body = Vec<UserDto>), (status = 403, body = ErrorBody)))]
pub(crate) async fn users(auth: Auth) -> Result<Json<Vec<UserDto>>, ApiError> {
    auth.who.require_any(Action::ManageUsers)?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let list = run(move || jaring_app::accounts::users(&db, &who)).await?;
    Ok(Json(
        list.into_iter()
            .map(|u| UserDto {
                username: u.username,
                full_name: u.full_name,
                role: u.role,
                region: u.region_code,
                disabled: u.disabled,
                must_change_password: u.must_change_password,
            })
            .collect(),
    ))
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "jaring API", version = "1",
        description = "Registri pekerja rentan dan cakupan BPJS Ketenagakerjaan / vulnerable-worker registry and BPJS TK coverage. Auth: `Authorization: Bearer <token>` (`jaring user token NAME`)."),
    paths(me, overview, coverage, persons, person, proposals, proposal, approve, reject,
        programmes, imports, import, audit, users,
        crate::api_reports::death, crate::api_reports::birth, crate::api_reports::move_out,
        crate::api_reports::arrival, crate::api_reports::appointment,
        crate::api_reports::correction, crate::api_reports::objection,
        crate::api_reports::split,
        crate::api_jobs::list, crate::api_jobs::start, crate::api_jobs::get,
        crate::api_jobs::dci, crate::api_jobs::opencrvs),
    modifiers(&BearerAuth, &CommonResponses)
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// Answers every operation can give: 400 for unreadable parameters or body, 401 without a valid
/// token; and the approval body may be left out.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr, Required, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                let r = &mut op.responses.responses;
                r.entry("400".into())
                    .or_insert_with(|| error("unreadable parameters or body"));
                r.entry("401".into())
                    .or_insert_with(|| error("no valid session or bearer token"));
                if path.ends_with("/approve") {
                    if let Some(body) = op.request_body.as_mut() {
                        body.required = Some(Required::False);
                    }
                }
            }
        }
    }
}

/// `GET /api/v1/openapi.json`
pub(crate) async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
