//! `POST` and `DELETE /api/v1/applications/{tracking_code}/appointment`: take a place at an office on a day, or
//! free it. Both need the applicant's national code with the tracking code (in the body; for `DELETE` in the
//! query) and count against the status lookup's rate limits: see [`crate::status::holder`].

use crate::appointments as book;
use crate::client::ClientAddr;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::status::holder;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct BookRequest {
    /// The applicant's national code (it must go with the tracking code).
    #[schema(example = "0499370899")]
    pub national_code: String,
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
        (status = 404, description = "`not_found`: no such application, or the national code is not its applicant's (one answer for both)", body = crate::error::ErrorBody),
        (status = 409, description = "`application_not_paid`, `no_capacity`, `office_closed`, `invalid_transition`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_date`, `slot_passed` (today's place whose time is over), `unknown_office`, `invalid_tracking_code`, `invalid_national_code`, `invalid_body`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many calls from this client or for this national code (the status lookup's limits)", body = crate::error::ErrorBody),
    )
)]
pub async fn book(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(tc): ApiPath<String>,
    ApiJson(req): ApiJson<BookRequest>,
) -> ApiResult<(StatusCode, Json<AppointmentBooked>)> {
    let app = holder::application(&state, &client, &tc, &req.national_code).await?;
    let a = book::book(
        &state,
        &app.tracking_code,
        &req.office_id,
        &req.date_jalali,
        "citizen",
    )
    .await?;
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelQuery {
    /// The applicant's national code (it must go with the tracking code).
    #[param(example = "0499370899")]
    pub national_code: String,
}

#[utoipa::path(
    delete,
    path = "/api/v1/applications/{tracking_code}/appointment",
    tag = "citizen",
    params(("tracking_code" = String, Path), CancelQuery),
    responses(
        (status = 204, description = "The place is free again"),
        (status = 404, description = "`not_found`: no such application, or the national code is not its applicant's (one answer for both)", body = crate::error::ErrorBody),
        (status = 409, description = "`no_appointment`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_tracking_code`, `invalid_national_code`, `invalid_query`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many calls from this client or for this national code (the status lookup's limits)", body = crate::error::ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(tc): ApiPath<String>,
    ApiQuery(q): ApiQuery<CancelQuery>,
) -> ApiResult<StatusCode> {
    let app = holder::application(&state, &client, &tc, &q.national_code).await?;
    book::cancel(&state, &app.tracking_code, "citizen").await?;
    Ok(StatusCode::NO_CONTENT)
}
