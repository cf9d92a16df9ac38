//! `GET /api/v1/status`: the stage of an application, by national code and tracking code.

use crate::client::ClientAddr;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::payment::api::tracking;
use crate::state::AppState;
use crate::status;
use axum::extract::State;
use axum::Json;
use domain::{AtField, NationalCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    #[param(example = "0499370899")]
    pub national_code: String,
    #[param(example = "493820175643")]
    pub tracking_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeRef {
    pub office_id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusAnswer {
    #[schema(example = "awaiting_appointment")]
    pub state: &'static str,
    pub state_fa: &'static str,
    /// When the application reached this stage (RFC 3339, UTC).
    pub updated_at: String,
    /// The same day, Solar Hijri, and as Persian text.
    pub updated_at_jalali: String,
    pub updated_at_fa: String,
    /// The office where the card waits (only when it does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<OfficeRef>,
}

#[utoipa::path(
    get,
    path = "/api/v1/status",
    tag = "citizen",
    params(StatusQuery),
    responses(
        (status = 200, description = "The stage; nothing else about the person", body = StatusAnswer),
        (status = 404, description = "`application_not_found` (also when the codes do not belong together)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_tracking_code`", body = crate::error::ErrorBody),
        (status = 429, description = "Too many lookups from this client or for this national code", body = crate::error::ErrorBody),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<Json<StatusAnswer>> {
    let code = NationalCode::parse(&q.national_code).at("national_code")?;
    let tc = tracking(&q.tracking_code)?;
    status::limit(&state, &client, &code).await?;
    let v = status::lookup(&state, &code, &tc).await?;
    Ok(Json(answer(&v)))
}

pub fn answer(v: &store::journey::StatusView) -> StatusAnswer {
    let day = crate::state::tehran_day(v.updated_at);
    StatusAnswer {
        state: v.state.as_str(),
        state_fa: v.state.fa(),
        updated_at: v
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        updated_at_jalali: day.map(|d| d.to_string()).unwrap_or_default(),
        updated_at_fa: day.map(|d| d.format_fa()).unwrap_or_default(),
        office: v.office.as_ref().map(|(id, name)| OfficeRef {
            office_id: id.as_str().into(),
            name: name.clone(),
        }),
    }
}
