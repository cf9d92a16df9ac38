//! Pickup at the office where the card waits (one feature, one folder: the operation here, the JSON API in [`api`],
//! the desk's page in [`pages`], registered by [`routes`]): the holder's finger is checked 1:1 against the finger enrolled at
//! the same position; a failed match is recorded (and may be retried with another finger); a match hands the card
//! over, with the pickup fee, and activates it.

pub mod api;
pub mod pages;

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::{today, AppState};
use axum::http::StatusCode;
use domain::{ApplicationState as S, FieldError, TrackingCode, ValidationError};
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::production::PickupAttempt;
use utoipa::ToSchema;

/// Failed matches after which the desk must call a supervisor (the card stays at the office).
pub const MAX_FAILED_MATCHES: usize = 6;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProbeInput {
    pub position: i64,
    /// `iso19794_2`, `ansi378`, `png` or `wsq`.
    pub format: String,
    /// Base64 of the record or image.
    pub data: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PickupInput {
    pub tracking_code: String,
    pub fingerprint: ProbeInput,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PickupDone {
    #[schema(example = "delivered")]
    pub state: String,
    pub pickup_fee_rials: u64,
    pub chip_serial: String,
}

pub fn mismatch() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "fingerprint_mismatch",
        "اثر انگشت با انگشت ثبت‌شده مطابقت ندارد؛ با انگشت دیگری دوباره تلاش کنید",
        "the fingerprint does not match the enrolled finger; try another finger",
    )
}

/// A probe checked 1:1 against the finger enrolled at its position.
#[derive(Debug, Clone, Copy)]
pub struct Matched {
    pub position: u8,
    pub score: f32,
    /// At the calibrated verification threshold.
    pub matched: bool,
}

/// Checks `probe` against the enrolled finger at the same position in the templates at `templates_key` (pickup,
/// and an office's transfer with the holder present). 422 `finger_not_enrolled` at `fingerprint.position` when
/// that finger was not captured; the probe's own refusals (format, quality) as `intake` answers them.
pub async fn match_finger(
    state: &AppState,
    templates_key: &str,
    probe: &ProbeInput,
) -> ApiResult<Matched> {
    let data = crate::cards::base64_field("fingerprint.data", &probe.data)?;
    let (position, format) = (probe.position, probe.format.clone());
    let (position, probe) =
        tokio::task::spawn_blocking(move || intake::check_probe(position, &format, &data))
            .await
            .map_err(|_| ApiError::internal())??;
    let enrolled_bytes = crate::cards::stored(state, templates_key, "templates").await?;
    let enrolled = crate::cards::templates::decode(&enrolled_bytes).map_err(|e| {
        tracing::error!(error = %e, "templates corrupt");
        ApiError::internal()
    })?;
    let Some((_, template)) = enrolled.into_iter().find(|(p, _)| *p == position) else {
        return Err(ApiError::from(FieldError::new(
            "fingerprint.position",
            ValidationError::new(
                "finger_not_enrolled",
                "this finger was not captured at enrollment (missing or bandaged); use another finger",
                "این انگشت هنگام ثبت‌نام گرفته نشده است؛ انگشت دیگری را بگیرید",
            ),
        )));
    };
    let score = tokio::task::spawn_blocking(move || biometrics::matcher::score(&probe, &template))
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(Matched {
        position,
        score,
        matched: biometrics::matcher::Thresholds::calibrated().verify_match(score),
    })
}

/// A holder's finger at `office`'s desk against the card of `application` (its id and templates' key): refused
/// after [`MAX_FAILED_MATCHES`] failures (counted from `since`, or all), matched, and recorded with the operator,
/// office and time among the card's pickup attempts; a mismatch is 403 `fingerprint_mismatch`.
pub async fn desk_match(
    state: &AppState,
    staff: &Staff,
    office: &domain::OfficeId,
    (application_id, templates_key): (i64, &str),
    probe: &ProbeInput,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<Matched> {
    let attempts = state.store.pickup_attempts(application_id).await?;
    let failed = attempts
        .iter()
        .filter(|a| !a.matched && since.is_none_or(|s| a.at >= s))
        .count();
    if failed >= MAX_FAILED_MATCHES {
        return Err(too_many_attempts());
    }
    let m = match_finger(state, templates_key, probe).await?;
    state
        .store
        .record_pickup_attempt(
            application_id,
            office,
            &PickupAttempt {
                at: chrono::Utc::now(),
                operator: staff.username.clone(),
                position: m.position,
                score: f64::from(m.score),
                matched: m.matched,
            },
        )
        .await?;
    if !m.matched {
        tracing::info!(
            operator = %staff.username,
            office = office.as_str(),
            position = m.position,
            "a finger at the desk did not match"
        );
        return Err(mismatch());
    }
    Ok(m)
}

/// 409 `too_many_attempts`: the failed matches on one card have reached [`MAX_FAILED_MATCHES`].
pub fn too_many_attempts() -> ApiError {
    ApiError::conflict(
        "too_many_attempts",
        "تعداد تلاش‌های ناموفق از حد گذشته است؛ با سرپرست دفتر هماهنگ کنید",
        "too many failed matches; a supervisor must look into it",
    )
}

pub async fn pickup(state: &AppState, staff: &Staff, input: PickupInput) -> ApiResult<PickupDone> {
    let office = staff.office()?.clone();
    let tracking = TrackingCode::parse(&input.tracking_code)
        .map_err(|e| ApiError::validation(e).with_field("tracking_code"))?;
    let card = state
        .store
        .pickup_card(&tracking)
        .await?
        .ok_or_else(|| ApiError::not_found("کارت آمادهٔ تحویل", "card waiting for pickup"))?;
    if card.office != office {
        return Err(crate::enrollment::other_office());
    }
    if !matches!(card.state, S::ReadyForPickup | S::Uncollected) {
        return Err(crate::enrollment::wrong_state(card.state));
    }
    let Matched { position, .. } = desk_match(
        state,
        staff,
        &office,
        (card.application_id, &card.templates_key),
        &input.fingerprint,
        None,
    )
    .await?;
    let now = chrono::Utc::now();
    let fee = state.settings.fees.for_year(today().year()).pickup_rials;
    let delivered = state
        .store
        .deliver(
            &tracking,
            &office,
            fee,
            &Change {
                actor: format!("operator:{}", staff.username),
                at: now,
                reason: Some(domain::HistoryReason::FingerMatched(position)),
            },
        )
        .await?;
    if !delivered {
        return Err(ApiError::conflict(
            "invalid_transition",
            "کارت در این فاصله تغییر وضعیت داده است",
            "the card changed state meanwhile",
        ));
    }
    // The card's certificates came off hold with the delivery: OCSP and the CRL say so from the next request.
    crate::pki::status_changed(state).await;
    Ok(PickupDone {
        state: S::Delivered.as_str().into(),
        pickup_fee_rials: fee,
        chip_serial: card.chip_serial.to_string(),
    })
}

/// The routes of this feature: `POST /api/v1/office/pickups` with its OpenAPI path, and the desk's page.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::handler::Handler;
    use axum::routing::get;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api::create))
        .route(
            "/office/pickup",
            get(pages::form)
                .post(pages::submit.layer(DefaultBodyLimit::max(crate::ENROLLMENT_BODY_LIMIT))),
        )
}
