//! `POST /api/v1/applications/{tracking_code}/transfer`: a holder who moved asks for the card to be sent to
//! another office. The national code must go with the tracking code, and the status lookup's rate limits apply
//! (see [`crate::status::holder`]).

use super::{transfer_to, TransferOutcome};
use crate::client::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::status::holder;
use axum::extract::State;
use axum::Json;
use domain::OfficeId;
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
        (status = 404, description = "`not_found`: no such application for this national code (one answer for an unknown tracking code and a pair that does not belong together), not enrolled yet, or no such office", body = crate::error::ErrorBody),
        (status = 409, description = "`same_office`, `invalid_transition` (on its way, delivered, or closed)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_tracking_code`, `invalid_office_id`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many calls from this client or for this national code (the status lookup's limits)", body = crate::error::ErrorBody),
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<TransferInput>,
) -> ApiResult<Json<TransferOutcome>> {
    let office = OfficeId::parse(&input.office_id)
        .map_err(|e| ApiError::validation(e).with_field("office_id"))?;
    let app = holder::application(&state, &client, &code, &input.national_code).await?;
    Ok(Json(
        transfer_to(&state, &app.tracking_code, &office, "citizen".into()).await?,
    ))
}
