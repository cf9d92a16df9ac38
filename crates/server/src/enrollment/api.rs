//! `POST /api/v1/office/enrollments` and `GET /api/v1/office/receipts/{tracking_code}.pdf`.

use super::{enroll, Capture, EnrollmentCreated, EnrollmentInput};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use domain::TrackingCode;

#[utoipa::path(
    post,
    path = "/api/v1/office/enrollments",
    tag = "office",
    request_body = EnrollmentInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Enrolled; the 1:N search follows", body = EnrollmentCreated),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: booked at another office, or not an office's staff", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such application", body = crate::error::ErrorBody),
        (status = 409, description = "`invalid_transition` (not waiting for enrollment), `deceased`", body = crate::error::ErrorBody),
        (status = 422, description = "`documents_incomplete`, `photo_too_large`, `photo_too_small`, `photo_wrong_proportions`, `photo_unreadable`, `invalid_fingerprints`, `invalid_fingerprint`, `fingerprint_too_large`, `fingerprint_low_quality`, `signature_unreadable`, `signature_too_large`, `invalid_base64`, `invalid_tracking_code`, each with its field", body = crate::error::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<EnrollmentInput>,
) -> ApiResult<(StatusCode, Json<EnrollmentCreated>)> {
    let done = enroll(&state, &staff, Capture::from_json(input)?).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[utoipa::path(
    get,
    path = "/api/v1/office/receipts/{file}",
    tag = "office",
    params(("file" = String, Path, description = "`{tracking_code}.pdf`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The receipt PDF", content_type = "application/pdf"),
        (status = 403, description = "`forbidden`: enrolled at another office", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`card_ready_for_pickup`, `card_delivered`, `application_closed`", body = crate::error::ErrorBody),
    )
)]
pub async fn receipt(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(file): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let office = staff.office()?.clone();
    let code = file
        .strip_suffix(".pdf")
        .ok_or_else(|| ApiError::not_found("رسید", "receipt"))?;
    let tracking = TrackingCode::parse(code).map_err(ApiError::validation)?;
    let pdf = crate::cards::receipt::pdf(&state, &office, &tracking).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"receipt-{}.pdf\"", tracking.as_str()),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    ))
}
