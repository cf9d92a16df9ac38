//! `POST /api/v1/office/applications`: an operator files the application for a person at the desk, with the
//! office's service fee added. No captcha: the operator is logged in, limited per operator
//! ([`Settings::filings_per_operator_per_minute`](crate::Settings)), and every refused registry inquiry is
//! audited (see `filing`).

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::filing::api::ApplicationCreated;
use crate::filing::{self as file, ApplicationInput, Filer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::Channel;

#[utoipa::path(
    post,
    path = "/api/v1/office/applications",
    tag = "office",
    request_body = ApplicationInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed for the walk-in; the fee includes the office's service fee", body = ApplicationCreated),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not an office's staff", body = crate::error::ErrorBody),
        (status = 409, description = "`active_application_exists`", body = crate::error::ErrorBody),
        (status = 422, description = "As the citizen's; a refused registry inquiry (`registry_mismatch`, `deceased`, `underage`, `mobile_not_owned`) is audited with the operator, office, time and masked national code", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many filings by this operator this minute", body = crate::error::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<(StatusCode, Json<ApplicationCreated>)> {
    let office = staff.office()?.clone();
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(
                &format!("file:operator:{}", staff.username),
                state.settings.filings_per_operator_per_minute,
            )
            .await
            .map_err(ApiError::rate_limited)?;
    }
    let app = file::file(
        &state,
        &input,
        Filer {
            channel: Channel::Office,
            actor: format!("operator:{}", staff.username),
            office: Some(office),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ApplicationCreated::from(&app))))
}
