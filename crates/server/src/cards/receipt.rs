//! The enrollment receipt: a PDF in Persian with the person's photo and a QR code that a bank scans to check it.
//! Printed free and as often as needed at the enrolling office; refused, with the reason, once the card waits at
//! an office (or the application is closed): from then on the card, not the receipt, identifies the holder.

use crate::error::{ApiError, ApiResult};
use crate::state::{tehran_day, AppState};
use domain::{ApplicationState as S, OfficeId, TrackingCode};

/// Why a receipt is no longer valid, for the states where it is not.
pub fn refusal(state: S) -> Option<ApiError> {
    match state {
        S::ReadyForPickup | S::Uncollected => Some(ApiError::conflict(
            "card_ready_for_pickup",
            "کارت در دفتر آمادهٔ تحویل است؛ رسید دیگر صادر نمی‌شود",
            "the card waits at the office for pickup; receipts are no longer issued",
        )),
        S::Delivered => Some(ApiError::conflict(
            "card_delivered",
            "کارت به دارنده تحویل شده است؛ رسید دیگر معتبر نیست",
            "the card was delivered; the receipt is no longer valid",
        )),
        S::Rejected | S::Cancelled | S::Revoked => Some(ApiError::conflict(
            "application_closed",
            "این درخواست بسته شده است؛ رسید معتبر نیست",
            "the application is closed; no receipt is valid",
        )),
        _ => None,
    }
}

/// The link a receipt's QR code carries.
pub fn verify_url(state: &AppState, tracking: &TrackingCode) -> String {
    format!(
        "{}/r/{}?t={}",
        state.settings.public_url.trim_end_matches('/'),
        tracking.as_str(),
        state.services.signer.receipt_tag(tracking.as_str())
    )
}

/// The receipt of an application enrolled at `office`.
pub async fn pdf(
    state: &AppState,
    office: &OfficeId,
    tracking: &TrackingCode,
) -> ApiResult<Vec<u8>> {
    let e = state
        .store
        .enrollment(tracking)
        .await?
        .ok_or_else(|| ApiError::not_found("ثبت‌نام", "enrollment"))?;
    if &e.office != office {
        return Err(crate::enrollment::other_office());
    }
    if let Some(refused) = refusal(e.state) {
        return Err(refused);
    }
    let enrolled_at = state
        .store
        .office(&e.office)
        .await?
        .ok_or_else(|| ApiError::not_found("دفتر", "office"))?;
    let photo = super::stored(state, &e.card_photo_key, "card photo").await?;
    let url = verify_url(state, tracking);
    let day = tehran_day(e.enrolled_at)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let tc = tracking.as_str().to_string();
    tokio::task::spawn_blocking(move || {
        receipt::render(&receipt::Receipt {
            tracking_code: &tc,
            national_code: &e.holder.national_code,
            first_name: &e.holder.first_name,
            last_name: &e.holder.last_name,
            father_name: &e.holder.father_name,
            birth_date_jalali: &e.holder.birth_date_jalali,
            office_name: &enrolled_at.name,
            office_address: &enrolled_at.address,
            enrolled_on_jalali: &day,
            photo: &photo,
            verify_url: &url,
        })
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|err| {
        tracing::error!(error = %err, "receipt rendering failed");
        ApiError::internal()
    })
}

/// A card that has waited at its office past the receipt's grace period (`receipt_grace_days`): from then on the
/// receipt no longer stands in for it, and who checks it is told where the card waits.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CardWaiting {
    /// The office where the card waits.
    pub office_id: String,
    pub office_name: String,
    /// The Tehran day (Solar Hijri) the card reached the office.
    #[schema(example = "1405-08-01")]
    pub ready_since_jalali: String,
    /// The day the receipt stopped verifying.
    #[schema(example = "1405-09-01")]
    pub receipt_ended_jalali: String,
}

/// The day a receipt stops standing in for a card that reached its office at `ready_at`; `None` when the grace
/// period is off.
pub fn receipt_end(
    state: &AppState,
    ready_at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let days = state.settings.receipt_grace_days;
    (days > 0).then(|| ready_at + chrono::Duration::days(i64::from(days)))
}

/// The card of the application `tracking` names when it waits at an office past the grace period (so the receipt
/// no longer verifies); `None` otherwise, and without a lookup when the grace period is off.
pub async fn waiting_past_grace(
    state: &AppState,
    tracking: &TrackingCode,
) -> ApiResult<Option<CardWaiting>> {
    if state.settings.receipt_grace_days == 0 {
        return Ok(None);
    }
    let Some(app) = state.store.application(tracking).await? else {
        return Ok(None);
    };
    let Some(card) = state.store.card_of_application(app.id).await? else {
        return Ok(None);
    };
    let (Some(ready_at), Some(office)) = (card.ready_at, card.office.as_ref()) else {
        return Ok(None);
    };
    let Some(end) = receipt_end(state, ready_at).filter(|e| *e <= chrono::Utc::now()) else {
        return Ok(None);
    };
    if card.status != "produced" {
        return Ok(None);
    }
    let office_name = state
        .store
        .office(office)
        .await?
        .map_or_else(|| office.as_str().to_string(), |o| o.name);
    let day = |t| tehran_day(t).map(|d| d.to_string()).unwrap_or_default();
    Ok(Some(CardWaiting {
        office_id: office.as_str().to_string(),
        office_name,
        ready_since_jalali: day(ready_at),
        receipt_ended_jalali: day(end),
    }))
}
