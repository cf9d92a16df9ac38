//! `POST /api/v1/applications/{tracking_code}/transfer`: a holder who moved asks for the card to be sent to
//! another office. The national code must go with the tracking code, as for the status.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::office::records::{transfer_to, TransferOutcome};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use domain::{NationalCode, OfficeId, TrackingCode};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferInput {
    pub national_code: String,
    pub office_id: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/applications/{tracking_code}/transfer",
    tag = "citizen",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = TransferInput,
    responses(
        (status = 200, description = "The card goes to the new office", body = TransferOutcome),
        (status = 404, description = "`not_found`: no such enrolled application for this national code, or no such office", body = crate::error::ErrorBody),
        (status = 409, description = "`same_office`, `invalid_transition` (on its way, delivered, or closed)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_tracking_code`, `invalid_office_id`", body = crate::error::ErrorBody),
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<TransferInput>,
) -> ApiResult<Json<TransferOutcome>> {
    let tracking = TrackingCode::parse(&code).map_err(ApiError::validation)?;
    let national = NationalCode::parse(&input.national_code)
        .map_err(|e| ApiError::validation(e).with_field("national_code"))?;
    let office = OfficeId::parse(&input.office_id)
        .map_err(|e| ApiError::validation(e).with_field("office_id"))?;
    let app = state.store.application(&tracking).await?;
    if app.as_ref().map(|a| &a.national_code) != Some(&national) {
        return Err(ApiError::not_found("درخواست", "application"));
    }
    Ok(Json(
        transfer_to(&state, &tracking, &office, "citizen".into()).await?,
    ))
}
