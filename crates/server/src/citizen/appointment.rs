//! `POST` and `DELETE /api/v1/applications/{tracking_code}/appointment`: take a place at an office on a day, or
//! free it.

use crate::citizen::payments::tracking;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::journey::book;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct BookRequest {
    #[schema(example = "30-0001")]
    pub office_id: String,
    #[schema(example = "1405-09-02")]
    pub date_jalali: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentBooked {
    pub office_id: String,
    pub date_jalali: String,
    /// The place's number among the day's places.
    pub slot: u32,
    /// When to come, `HH:MM` Tehran time.
    pub time: String,
    pub date_fa: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/applications/{tracking_code}/appointment",
    tag = "citizen",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = BookRequest,
    responses(
        (status = 201, description = "Booked", body = AppointmentBooked),
        (status = 404, description = "`application_not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`application_not_paid`, `no_capacity`, `office_closed`, `invalid_transition`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_date`, `unknown_office`, `invalid_tracking_code`", body = crate::error::ErrorBody),
    )
)]
pub async fn book(
    State(state): State<AppState>,
    ApiPath(tc): ApiPath<String>,
    ApiJson(req): ApiJson<BookRequest>,
) -> ApiResult<(StatusCode, Json<AppointmentBooked>)> {
    let tc = tracking(&tc)?;
    let a = book::book(&state, &tc, &req.office_id, &req.date_jalali, "citizen").await?;
    let capacity = state
        .store
        .office(&a.office_id)
        .await?
        .map(|o| o.daily_capacity)
        .unwrap_or(1);
    Ok((
        StatusCode::CREATED,
        Json(AppointmentBooked {
            office_id: a.office_id.as_str().into(),
            date_jalali: a.date.to_string(),
            time: book::slot_time(&state, a.slot, capacity),
            date_fa: a.date.format_fa(),
            slot: a.slot,
        }),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/applications/{tracking_code}/appointment",
    tag = "citizen",
    params(("tracking_code" = String, Path)),
    responses(
        (status = 204, description = "The place is free again"),
        (status = 404, description = "`application_not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`no_appointment`", body = crate::error::ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    ApiPath(tc): ApiPath<String>,
) -> ApiResult<StatusCode> {
    book::cancel(&state, &tracking(&tc)?, "citizen").await?;
    Ok(StatusCode::NO_CONTENT)
}
