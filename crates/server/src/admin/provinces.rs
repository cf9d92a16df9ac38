//! `GET /api/v1/stats/provinces`: the figures of each province, as JSON or CSV.

use super::figures::{self, ProvinceStats, StatsQuery};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[utoipa::path(
    get,
    path = "/api/v1/stats/provinces",
    tag = "admin",
    params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One row per province (all 31 for a national administrator, their own for a \
            province administrator), zeros where none; `?format=csv` gives the same as CSV with a header row",
            content(
                (Vec<ProvinceStats> = "application/json"),
                (String = "text/csv"),
            )),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not a national or province administrator", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_format`", body = crate::error::ErrorBody),
    )
)]
pub async fn provinces(
    State(state): State<AppState>,
    staff: Staff,
    // Read after the role is checked: a 403 comes before a 422.
    query: Result<ApiQuery<StatsQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let ApiQuery(q) = query?;
    let csv = q.csv()?;
    let rows = figures::provinces(&state, scope).await?;
    Ok(if csv {
        figures::provinces_csv(&rows)
    } else {
        Json(figures::province_rows(rows)).into_response()
    })
}
