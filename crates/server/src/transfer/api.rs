//! `POST /api/v1/office/applications/{tracking_code}/transfer`: the office's transfer with the holder at the desk.

use super::{with_holder, OfficeTransferInput, TransferOutcome};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

#[utoipa::path(
    post,
    path = "/api/v1/office/applications/{tracking_code}/transfer",
    tag = "office",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = OfficeTransferInput, description = "The holder at the desk: their national code and one finger, matched 1:1 against the finger enrolled at that position"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The holder's finger matched: the card now goes to this office", body = TransferOutcome),
        (status = 403, description = "`fingerprint_mismatch` (recorded; another finger may be tried), `forbidden` (not an office's staff)", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such application, or the national code is not its holder's (one answer for both)", body = crate::error::ErrorBody),
        (status = 409, description = "`same_office`, `invalid_transition` (not enrolled yet, on its way, delivered or closed), `too_many_attempts` (failed matches on this card: a supervisor must look into it)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_tracking_code`, `invalid_national_code`, `finger_not_enrolled`, `invalid_base64`, the probe's format and quality refusals, `invalid_body`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many transfers asked by this operator this minute", body = crate::error::ErrorBody),
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<OfficeTransferInput>,
) -> ApiResult<Json<TransferOutcome>> {
    Ok(Json(with_holder(&state, &staff, &code, &input).await?))
}
