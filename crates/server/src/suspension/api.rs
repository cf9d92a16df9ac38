//! The JSON API of a card's suspension: the holder reports a loss
//! (`POST /api/v1/applications/{tracking_code}/report-lost`), an office reactivates a card found again
//! (`POST /api/v1/office/cards/reactivate`).

use super::{ReactivationInput, SuspensionAnswer};
use crate::auth::Staff;
use crate::client::ClientAddr;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::status::holder;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The holder's national code, which must go with the tracking code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LossReport {
    #[schema(example = "0499370899")]
    pub national_code: String,
}

/// The JSON API's routes, with their OpenAPI paths.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_lost))
        .routes(routes!(reactivate))
}

#[utoipa::path(
    post,
    path = "/api/v1/applications/{tracking_code}/report-lost",
    tag = "citizen",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = LossReport,
    responses(
        (status = 200, description = "The card is suspended (also when it was already): it no longer verifies, its certificates are on hold, and it is revoked from `revoked_from_jalali` unless found again", body = SuspensionAnswer),
        (status = 404, description = "`not_found`: no such application for this national code (one answer for both halves)", body = crate::error::ErrorBody),
        (status = 409, description = "`no_card_in_hand`: the application's card is not in its holder's hands", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_tracking_code`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: the status lookup's limits", body = crate::error::ErrorBody),
    )
)]
pub async fn report_lost(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<LossReport>,
) -> ApiResult<Json<SuspensionAnswer>> {
    let app = holder::application(&state, &client, &code, &input.national_code).await?;
    Ok(Json(
        super::report_loss(&state, &app, "citizen".into()).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/office/cards/reactivate",
    tag = "office",
    request_body = ReactivationInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The card verifies again; its certificates are off hold", body = SuspensionAnswer),
        (status = 403, description = "`fingerprint_mismatch` (recorded; retry with another finger)", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such card for this national code", body = crate::error::ErrorBody),
        (status = 409, description = "`card_not_suspended`, `too_many_attempts`, `invalid_transition`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_chip_serial`, `invalid_fingerprint`, `finger_not_enrolled`, `invalid_base64`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: the operator's transfer limit", body = crate::error::ErrorBody),
    )
)]
pub async fn reactivate(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<ReactivationInput>,
) -> ApiResult<Json<SuspensionAnswer>> {
    Ok(Json(super::reactivate(&state, &staff, &input).await?))
}
