//! `POST /api/v1/office/pickups`: the card handed over after a 1:1 fingerprint match.

use super::{PickupDone, PickupInput};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

#[utoipa::path(
    post,
    path = "/api/v1/office/pickups",
    tag = "office",
    request_body = PickupInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Delivered; the card is active", body = PickupDone),
        (status = 403, description = "`fingerprint_mismatch` (recorded; retry with another finger), or `forbidden` (the card waits at another office)", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no card waiting", body = crate::error::ErrorBody),
        (status = 409, description = "`invalid_transition`, `too_many_attempts`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_fingerprint`, `finger_not_enrolled`, `invalid_base64`", body = crate::error::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<PickupInput>,
) -> ApiResult<Json<PickupDone>> {
    Ok(Json(super::pickup(&state, &staff, input).await?))
}
