//! An office brings a card to itself only with the holder at its desk: the holder's national code with the
//! tracking code, and one finger matched 1:1 against the finger enrolled at that position (the pickup's matcher
//! and threshold). Without the holder a card, even one already waiting at another office, is not the office's to
//! take; the holder who cannot come asks through the citizen's own transfer (`POST /api/v1/applications/{tc}/
//! transfer`).
//!
//! Every match tried is kept with the operator, office and time (the transfer itself is in the history, with
//! who and when); after [`MAX_FAILED_MATCHES`] failed matches on one card the desk must call a supervisor. Each
//! operator may ask for a limited number of transfers a minute.

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::journey::holder;
use crate::office::records::{same_office, transfer_to, TransferOutcome};
use crate::pickup::{match_finger, mismatch, too_many_attempts, ProbeInput, MAX_FAILED_MATCHES};
use crate::state::AppState;
use domain::{ApplicationState as S, AtField, NationalCode, TrackingCode};
use serde::Deserialize;
use store::audit::TransferAttempt;
use utoipa::ToSchema;

/// The holder at the desk.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OfficeTransferInput {
    /// The holder's national code (it must go with the tracking code).
    #[schema(example = "0499370899")]
    pub national_code: String,
    /// One of the holder's fingers, taken at this desk.
    pub fingerprint: ProbeInput,
}

/// Counts a finger-matched action (a transfer to the desk, a reactivation) against the operator's
/// `transfers_per_operator_per_minute`, when rate limits are on.
pub fn limit_operator(state: &AppState, staff: &Staff) -> ApiResult<()> {
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(
                &format!("transfer:operator:{}", staff.username),
                state.settings.transfers_per_operator_per_minute,
            )
            .map_err(ApiError::rate_limited)?;
    }
    Ok(())
}

/// Sends the card named by `tracking` to the operator's office, once the holder proved to be there.
pub async fn with_holder(
    state: &AppState,
    staff: &Staff,
    tracking: &str,
    input: &OfficeTransferInput,
) -> ApiResult<TransferOutcome> {
    let office = staff.office()?.clone();
    let tracking = TrackingCode::parse(tracking).at("tracking_code")?;
    let code = NationalCode::parse(&input.national_code).at("national_code")?;
    limit_operator(state, staff)?;
    let app = state
        .store
        .application(&tracking)
        .await?
        .filter(|a| a.national_code == code)
        .ok_or_else(holder::not_found)?;
    let enrollment = state
        .store
        .enrollment(&tracking)
        .await?
        .ok_or_else(|| crate::cards::enroll::wrong_state(app.state))?;
    if !matches!(
        app.state,
        S::Enrolled | S::InProduction | S::ProductionFailed | S::ReadyForPickup | S::Uncollected
    ) {
        return Err(crate::cards::enroll::wrong_state(app.state));
    }
    if enrollment.destination == office {
        return Err(same_office());
    }
    let tried = state.store.transfer_attempts(app.id).await?;
    if tried.iter().filter(|a| !a.matched).count() >= MAX_FAILED_MATCHES {
        return Err(too_many_attempts());
    }
    let m = match_finger(state, &enrollment.templates_key, &input.fingerprint).await?;
    state
        .store
        .record_transfer_attempt(&TransferAttempt {
            application_id: app.id,
            office: office.clone(),
            operator: staff.username.clone(),
            at: chrono::Utc::now(),
            position: m.position,
            score: f64::from(m.score),
            matched: m.matched,
        })
        .await?;
    if !m.matched {
        tracing::info!(
            operator = %staff.username,
            office = office.as_str(),
            tracking_code = %tracking.masked(),
            position = m.position,
            "transfer refused: the finger does not match"
        );
        return Err(mismatch());
    }
    transfer_to(
        state,
        &tracking,
        &office,
        format!("operator:{}", staff.username),
    )
    .await
}
