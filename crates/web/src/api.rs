//! JSON API (`/api/v1`): the same use cases as the pages, for machine clients.

use axum::extract::State;
use axum::Json;
use jaring_app::overview;
use jaring_store::stats::RegionCounts;
use serde::Serialize;

use crate::{blocking, AppState, WebError};

/// Counts of one region.
#[derive(Serialize)]
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

/// The regency overview.
#[derive(Serialize)]
pub(crate) struct OverviewDto {
    regency: RegionCountsDto,
    districts: Vec<RegionCountsDto>,
    villages: Vec<RegionCountsDto>,
    demo: bool,
    lists: Vec<ListDto>,
}

/// One external list and its last synchronisation.
#[derive(Serialize)]
pub(crate) struct ListDto {
    kind: &'static str,
    staged: i64,
    auto: i64,
    review: i64,
    no_match: i64,
}

/// `GET /api/v1/overview`
pub(crate) async fn overview_handler(
    State(state): State<AppState>,
) -> Result<Json<OverviewDto>, WebError> {
    let db = state.db.clone();
    let o = blocking(move || overview(&db)).await?;
    Ok(Json(OverviewDto {
        regency: (&o.regency).into(),
        districts: o.districts.iter().map(Into::into).collect(),
        villages: o.villages.iter().map(Into::into).collect(),
        demo: o.demo,
        lists: o
            .lists
            .iter()
            .map(|l| ListDto {
                kind: l.kind.as_code(),
                staged: l.staged,
                auto: l.auto,
                review: l.review,
                no_match: l.no_match,
            })
            .collect(),
    }))
}

/// Query of `GET /api/v1/coverage`.
#[derive(serde::Deserialize)]
pub(crate) struct CoverageQuery {
    /// Region code (default: the regency).
    region: Option<String>,
    /// `YYYY-MM` (default: this month).
    month: Option<String>,
    /// Compute from the registry even if the month has a snapshot.
    live: Option<bool>,
}

/// One region's coverage.
#[derive(Serialize)]
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
#[derive(Serialize)]
pub(crate) struct CoverageDto {
    month: String,
    from_snapshot: bool,
    rows: Vec<CoverageRowDto>,
}

/// `GET /api/v1/coverage?region=53.04.01&month=2026-10`
pub(crate) async fn coverage_handler(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<CoverageQuery>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    let region = match q.region.as_deref().map(jaring_domain::RegionCode::parse) {
        Some(Err(e)) => {
            return Ok((axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response());
        }
        Some(Ok(r)) => Some(r),
        None => None,
    };
    let month = match q.month.as_deref() {
        Some(m) => match jaring_app::coverage::parse_month(m) {
            Some(m) => m,
            None => {
                return Ok((
                    axum::http::StatusCode::BAD_REQUEST,
                    "bulan harus YYYY-MM / month must be YYYY-MM",
                )
                    .into_response())
            }
        },
        None => jaring_domain::today(),
    };
    let db = state.db.clone();
    let live = q.live.unwrap_or(false);
    let report =
        blocking(move || jaring_app::coverage::coverage(&db, region, month, !live)).await?;
    if report.rows.is_empty() {
        return Ok((
            axum::http::StatusCode::NOT_FOUND,
            "wilayah tidak ditemukan / region not found",
        )
            .into_response());
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
    })
    .into_response())
}
