//! `GET /api/v1/offices`: the offices of the province an area code selects, most free places first on a day.

use crate::appointments as book;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficesQuery {
    /// A province's telephone area code, e.g. `026` (selects the province).
    #[param(example = "026")]
    pub area_code: String,
    /// The day, Solar Hijri `YYYY-MM-DD`: today up to the booking horizon, offices open.
    #[param(example = "1405-09-02")]
    pub date_jalali: String,
    /// At most this many offices (1–500, default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeFree {
    pub office_id: String,
    pub name: String,
    /// `counter`, `post`, `registry` or `mobile_unit`.
    pub kind: String,
    pub province_code: String,
    pub city: String,
    pub address: String,
    pub free_capacity: u32,
    pub daily_capacity: u32,
}

#[utoipa::path(
    get,
    path = "/api/v1/offices",
    tag = "citizen",
    params(OfficesQuery),
    responses(
        (status = 200, description = "Most free capacity first", body = [OfficeFree]),
        (status = 409, description = "`office_closed`: a Friday or holiday", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_area_code`, `invalid_date`", body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<OfficesQuery>,
) -> ApiResult<Json<Vec<OfficeFree>>> {
    let (_, _, list) =
        book::offices(&state, &q.area_code, &q.date_jalali, q.limit.unwrap_or(50)).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| OfficeFree {
                office_id: a.office.id.as_str().into(),
                name: a.office.name,
                kind: a.office.kind.as_str().into(),
                province_code: a.office.province.as_str().into(),
                city: a.office.city,
                address: a.office.address,
                free_capacity: a.free,
                daily_capacity: a.office.daily_capacity,
            })
            .collect(),
    ))
}
