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
