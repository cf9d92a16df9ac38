//! Actions that a tracking code alone must not open (starting a payment, booking, moving or cancelling an
//! appointment, sending the card elsewhere): the applicant's national code goes with the tracking code, and the
//! status lookup's rate limits (per client and per national code) apply. A pair that does not belong together
//! answers exactly as an unknown tracking code: the same 404 body after the same work (one lookup), so the answer
//! cannot tell which half was wrong, and the tracking-code space cannot be walked.
//!
//! The portal's pages do not come here: their signed citizen cookie already carries the pair.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::status;
use axum::http::StatusCode;
use domain::{AtField, NationalCode, TrackingCode};
use store::journey::Application;

/// The one answer to an unknown tracking code and to a pair that does not belong together.
pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "درخواستی با این کد رهگیری و کد ملی پیدا نشد",
        "no application with this tracking code and national code",
    )
}

/// The application that `tracking` names, when `national_code` is its applicant's; counted against the status
/// limits of `client` and of the national code first.
pub async fn application(
    state: &AppState,
    client: &str,
    tracking: &str,
    national_code: &str,
) -> ApiResult<Application> {
    let tracking = TrackingCode::parse(tracking).at("tracking_code")?;
    let code = NationalCode::parse(national_code).at("national_code")?;
    status::limit(state, client, &code).await?;
    state
        .store
        .application(&tracking)
        .await?
        .filter(|a| a.national_code == code)
        .ok_or_else(not_found)
}
