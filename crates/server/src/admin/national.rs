//! `GET /api/v1/stats/national`: the figures summed over the provinces the administrator may see.

use super::figures::{self, Figures, StatsQuery};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[utoipa::path(
    get,
    path = "/api/v1/stats/national",
    tag = "admin",
    params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The provinces' figures summed (for a national administrator, applications \
            of unknown province included; for a province administrator, their province's); `?format=csv` gives \
            one CSV row under a header row",
            content(
                (Figures = "application/json"),
                (String = "text/csv"),
            )),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not a national or province administrator", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_format`", body = crate::error::ErrorBody),
    )
)]
pub async fn national(
    State(state): State<AppState>,
    staff: Staff,
    // Read after the role is checked: a 403 comes before a 422.
    query: Result<ApiQuery<StatsQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let ApiQuery(q) = query?;
    let csv = q.csv()?;
    let total = figures::national(&state, scope).await?;
    Ok(if csv {
        figures::national_csv(&total)
    } else {
        Json(total).into_response()
    })
}
