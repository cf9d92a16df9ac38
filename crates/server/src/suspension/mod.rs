//! A card in its holder's hands whose loss is reported: suspended, then found again or revoked.
//!
//! Card status and certificate status are two state machines. A reported loss **suspends** the card (it stops
//! verifying, its holder certificates go on hold: OCSP and the CRL say `certificateHold` from the next request)
//! without revoking anything, because most lost cards turn up again. A card **found again** is reactivated at any
//! office with its holder at the desk: the national code, the card's serial, and one finger matched 1:1 against
//! the enrolled finger (the pickup's matcher and threshold; failed matches are recorded and limited as at pickup).
//! A suspension left past `suspension_days` **revokes** the card and its certificates (`keyCompromise`), as does
//! a lost-card application (the confirmed loss, `filing`).
//!
//! One feature, one folder: the operations here, the JSON API in [`api`], the pages in [`pages`], the pass in
//! [`revoke_overdue`]; [`routes`] registers both channels.

pub mod api;
pub mod pages;

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::pickup::{desk_match, Matched, ProbeInput};
use crate::state::{tehran_day, AppState};
use crate::status::holder;
use chrono::{DateTime, Duration, Utc};
use domain::{AtField, ChipSerial, HistoryReason, NationalCode};
use serde::{Deserialize, Serialize};
use store::cards::{Card, Suspended};
use store::journey::{Application, Change};
use utoipa::ToSchema;

/// The routes of this feature: its JSON API and its pages.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::handler::Handler;
    use axum::routing::{get, post};
    api::routes()
        .route(
            "/applications/{tracking_code}/report-lost",
            post(pages::report_lost),
        )
        .route(
            "/office/cards/reactivate",
            get(pages::form)
                .post(pages::submit.layer(DefaultBodyLimit::max(crate::ENROLLMENT_BODY_LIMIT))),
        )
}

/// The card's suspension, as the holder and the office see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuspensionAnswer {
    /// `suspended`, or `active` after a reactivation.
    #[schema(example = "suspended")]
    pub card_state: String,
    /// When the loss was reported (RFC 3339; absent once reactivated).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub suspended_at: Option<DateTime<Utc>>,
    /// The Tehran day (Solar Hijri, `YYYY-MM-DD`) from which the card is revoked unless found again.
    #[schema(example = "1405-12-10")]
    pub revoked_from_jalali: Option<String>,
}

fn no_card() -> ApiError {
    ApiError::conflict(
        "no_card_in_hand",
        "برای این درخواست کارتی در دست دارنده نیست (هنوز تحویل نشده یا باطل شده است)",
        "this application has no card in its holder's hands (not yet collected, or revoked)",
    )
}

fn not_suspended() -> ApiError {
    ApiError::conflict(
        "card_not_suspended",
        "این کارت معلق نیست",
        "this card is not suspended",
    )
}

/// The day a suspension that began at `since` revokes the card.
fn revoked_from(state: &AppState, since: DateTime<Utc>) -> Option<String> {
    let days = i64::from(state.settings.suspension_days);
    tehran_day(since + Duration::days(days)).map(|d| d.to_string())
}

fn suspended(state: &AppState, card: &Card) -> SuspensionAnswer {
    SuspensionAnswer {
        card_state: "suspended".into(),
        suspended_at: card.suspended_at,
        revoked_from_jalali: card.suspended_at.and_then(|s| revoked_from(state, s)),
    }
}

/// Suspends the card the application made, on its holder's report. A repeat answers the same suspension.
pub async fn report_loss(
    state: &AppState,
    app: &Application,
    actor: String,
) -> ApiResult<SuspensionAnswer> {
    let change = Change {
        actor,
        at: Utc::now(),
        reason: Some(HistoryReason::LossReported),
    };
    let card = match state.store.suspend_card(app.id, &change).await? {
        Suspended::NoCard => return Err(no_card()),
        Suspended::Already(card) => return Ok(suspended(state, &card)),
        Suspended::Suspended(card) => card,
    };
    // Its certificates are on hold now: OCSP and the CRL say so from the next request.
    crate::pki::status_changed(state).await;
    tracing::info!(
        national_code = %app.national_code.masked(),
        tracking_code = %app.tracking_code.masked(),
        actor = %change.actor,
        "card suspended: loss reported"
    );
    let until = change.at + Duration::days(i64::from(state.settings.suspension_days));
    if let Some(day) = tehran_day(until) {
        let text = domain::production::sms_card_suspended(&app.tracking_code, &day);
        let kind = format!("card_suspended:{}", change.at.timestamp());
        state
            .store
            .enqueue_sms(Some(app.id), &app.mobile, &kind, &text, change.at)
            .await?;
    }
    Ok(suspended(state, &card))
}

/// The holder at an office's desk with the card found again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReactivationInput {
    /// The holder's national code.
    #[schema(example = "0499370899")]
    pub national_code: String,
    /// The serial printed on the card.
    pub card_serial: String,
    /// One of the holder's fingers, taken at this desk.
    pub fingerprint: ProbeInput,
}

/// Reactivates a suspended card once the holder's finger matched at this office.
pub async fn reactivate(
    state: &AppState,
    staff: &Staff,
    input: &ReactivationInput,
) -> ApiResult<SuspensionAnswer> {
    let office = staff.office()?.clone();
    let code = NationalCode::parse(&input.national_code).at("national_code")?;
    let serial = ChipSerial::parse(&input.card_serial).at("card_serial")?;
    crate::transfer::limit_operator(state, staff).await?;
    // A serial and a national code that do not belong together answer as an unknown card.
    let card = state
        .store
        .card(&serial)
        .await?
        .filter(|c| c.national_code == code)
        .ok_or_else(|| ApiError::not_found("کارت", "card"))?;
    let Some(since) = card.suspended_at.filter(|_| card.status == "active") else {
        return Err(not_suspended());
    };
    let enrollment = state
        .store
        .enrollment(&card.tracking_code)
        .await?
        .ok_or_else(holder::not_found)?;
    let Matched { position, .. } = desk_match(
        state,
        staff,
        &office,
        (card.application_id, &enrollment.templates_key),
        &input.fingerprint,
        Some(since),
    )
    .await?;
    let now = Utc::now();
    let change = Change {
        actor: format!("operator:{}", staff.username),
        at: now,
        reason: Some(HistoryReason::FingerMatched(position)),
    };
    if !state.store.reactivate_card(&serial, &change).await? {
        return Err(ApiError::conflict(
            "invalid_transition",
            "کارت در این فاصله تغییر وضعیت داده است",
            "the card changed state meanwhile",
        ));
    }
    crate::pki::status_changed(state).await;
    if let Some(app) = state.store.application(&card.tracking_code).await? {
        let text = domain::production::sms_card_reactivated(&app.tracking_code);
        let kind = format!("card_reactivated:{}", now.timestamp());
        state
            .store
            .enqueue_sms(Some(app.id), &app.mobile, &kind, &text, now)
            .await?;
    }
    tracing::info!(
        operator = %staff.username,
        office = office.as_str(),
        tracking_code = %card.tracking_code.masked(),
        "card reactivated: found again"
    );
    Ok(SuspensionAnswer {
        card_state: "active".into(),
        suspended_at: None,
        revoked_from_jalali: None,
    })
}

/// Revokes the cards suspended past `suspension_days` (losses never withdrawn). Answers how many.
pub async fn revoke_overdue(state: &AppState) -> store::Result<u64> {
    let now = Utc::now();
    let before = now - Duration::days(i64::from(state.settings.suspension_days));
    let change = Change {
        actor: "system:suspension".into(),
        at: now,
        reason: Some(HistoryReason::SuspensionOver),
    };
    let mut total = 0;
    loop {
        let revoked = state.store.revoke_suspended(before, &change, 500).await?;
        if revoked.is_empty() {
            break;
        }
        total += revoked.len() as u64;
    }
    if total > 0 {
        crate::pki::status_changed(state).await;
        tracing::info!(cards = total, "suspended cards revoked: not found in time");
    }
    Ok(total)
}
