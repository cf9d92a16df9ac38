//! An office brings a card to itself only with the holder at its desk: the holder's national code with the
//! tracking code, and one finger matched 1:1 against the finger enrolled at that position (the pickup's matcher
//! and threshold). Without the holder a card, even one already waiting at another office, is not the office's to
//! take; the holder who cannot come asks through the citizen's own transfer (`POST /api/v1/applications/{tc}/
//! transfer`).
//!
//! Every match tried is kept with the operator, office and time (the transfer itself is in the history, with
//! who and when); after [`MAX_FAILED_MATCHES`] failed matches on one card the desk must call a supervisor. Each
//! operator may ask for a limited number of transfers a minute.

pub mod api;
pub mod citizen;
pub mod destination;
pub mod pages;

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::pickup::{match_finger, mismatch, too_many_attempts, ProbeInput, MAX_FAILED_MATCHES};
use crate::state::AppState;
use crate::status::holder;
use domain::OfficeId;
use domain::{ApplicationState as S, AtField, NationalCode, TrackingCode};
use serde::Deserialize;
use serde::Serialize;
use store::audit::TransferAttempt;
use store::journey::Change;
use store::production::Transferred;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

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
pub async fn limit_operator(state: &AppState, staff: &Staff) -> ApiResult<()> {
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(
                &format!("transfer:operator:{}", staff.username),
                state.settings.transfers_per_operator_per_minute,
            )
            .await
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
    limit_operator(state, staff).await?;
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
        .ok_or_else(|| crate::enrollment::wrong_state(app.state))?;
    if !matches!(
        app.state,
        S::Enrolled | S::InProduction | S::ProductionFailed | S::ReadyForPickup | S::Uncollected
    ) {
        return Err(crate::enrollment::wrong_state(app.state));
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

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferOutcome {
    /// `redirected` (not yet at an office: only the destination changed) or `shipped`.
    pub outcome: String,
    pub shipment_id: Option<i64>,
    pub to_office_id: String,
}

/// 409 `same_office`: the card already goes to that office.
pub fn same_office() -> ApiError {
    ApiError::conflict(
        "same_office",
        "کارت هم‌اکنون به همین دفتر فرستاده می‌شود",
        "the card already goes to this office",
    )
}

/// Sends the card to `to`, recorded in the history with `actor` and the time; shared by the office's transfer
/// with the holder present (`crate::transfer`) and the citizen's own request. Callers check who asks.
pub async fn transfer_to(
    state: &AppState,
    tracking: &TrackingCode,
    to: &OfficeId,
    actor: String,
) -> ApiResult<TransferOutcome> {
    let change = Change {
        actor,
        at: chrono::Utc::now(),
        reason: None,
    };
    let done = state.store.transfer(tracking, to, &change).await?;
    if matches!(done, Transferred::Redirected | Transferred::Shipped { .. }) {
        tracing::info!(
            actor = %change.actor,
            tracking_code = %tracking.masked(),
            to = to.as_str(),
            "card transferred"
        );
    }
    match done {
        Transferred::Redirected => Ok(TransferOutcome {
            outcome: "redirected".into(),
            shipment_id: None,
            to_office_id: to.as_str().into(),
        }),
        Transferred::Shipped { shipment_id } => Ok(TransferOutcome {
            outcome: "shipped".into(),
            shipment_id: Some(shipment_id),
            to_office_id: to.as_str().into(),
        }),
        Transferred::NotFound => Err(ApiError::not_found(
            "درخواست ثبت‌نام‌شده یا دفتر",
            "enrolled application or office",
        )),
        Transferred::SameOffice => Err(same_office()),
        Transferred::WrongState(s) => Err(crate::enrollment::wrong_state(s)),
    }
}

/// The routes of this feature, with their OpenAPI paths: the office's transfer with the holder at the desk and
/// the citizen's own request.
pub fn routes() -> OpenApiRouter<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::handler::Handler;
    use axum::routing::{get, post};
    OpenApiRouter::new()
        .routes(routes!(api::transfer))
        .routes(routes!(citizen::transfer))
        .route(
            "/office/applications/{tracking_code}/transfer",
            post(pages::submit.layer(DefaultBodyLimit::max(crate::ENROLLMENT_BODY_LIMIT))),
        )
        .route(
            "/applications/{tracking_code}/office",
            get(destination::form).post(destination::submit),
        )
}
