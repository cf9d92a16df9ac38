//! An application as its offices see it (`GET /api/v1/office/applications/{tracking_code}`: state, history with
//! time, actor and reason, enrollment, card, messages, pickup and transfer attempts), and a transfer of the card
//! to the operator's office (`POST …/transfer`) for a holder who moved and is at the desk (see
//! [`crate::office::transfers`]).

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::office::transfers::{with_holder, OfficeTransferInput};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use domain::{OfficeId, TrackingCode};
use serde::Serialize;
use store::journey::Change;
use store::production::Transferred;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub event: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageRow {
    pub kind: String,
    /// The recipient, masked (`0912****567`): the typed number or one linked to the holder's national code.
    #[schema(example = "0912****567")]
    pub to: String,
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptRow {
    pub at: String,
    pub operator: String,
    pub position: u8,
    pub matched: bool,
}

/// A fingerprint match tried at an office to bring the card there.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferAttemptRow {
    pub at: String,
    pub office_id: String,
    pub operator: String,
    pub position: u8,
    pub matched: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationRecord {
    pub tracking_code: String,
    pub state: String,
    pub state_fa: String,
    pub reason: String,
    pub booked_office_id: Option<String>,
    pub enrolled_office_id: Option<String>,
    pub destination_office_id: Option<String>,
    /// `pending`, `clear`, `hit`, `distinct` or `duplicate`.
    pub dedup: Option<String>,
    pub chip_serial: Option<String>,
    /// `produced`, `active`, `suspended` (in its holder's hands, its loss reported) or `revoked`.
    pub card_status: Option<String>,
    pub uncollected_reason: Option<String>,
    pub sms_failed: bool,
    pub history: Vec<HistoryRow>,
    pub messages: Vec<MessageRow>,
    pub pickup_attempts: Vec<AttemptRow>,
    /// Matches tried by offices to have the card sent to them (with the holder at their desk).
    pub transfer_attempts: Vec<TransferAttemptRow>,
}

/// The record, if the operator's office has to do with the application (booked, enrolled, destination, or where
/// the card is).
pub async fn record(
    state: &AppState,
    staff: &Staff,
    tracking: &TrackingCode,
) -> ApiResult<ApplicationRecord> {
    let office = staff.office()?;
    let app = state
        .store
        .application(tracking)
        .await?
        .ok_or_else(|| ApiError::not_found("درخواست", "application"))?;
    let enrollment = state.store.enrollment(tracking).await?;
    let card = state.store.card_of_application(app.id).await?;
    let mine = |o: Option<&OfficeId>| o == Some(office);
    if !(mine(app.appointment.as_ref().map(|a| &a.office_id))
        || mine(app.filing_office.as_ref())
        || mine(enrollment.as_ref().map(|e| &e.office))
        || mine(enrollment.as_ref().map(|e| &e.destination))
        || mine(card.as_ref().and_then(|c| c.office.as_ref())))
    {
        return Err(crate::cards::enroll::other_office());
    }
    let history = state.store.history(tracking).await?;
    let messages = state.store.sms_of(app.id).await?;
    let attempts = state.store.pickup_attempts(app.id).await?;
    let transfers = state.store.transfer_attempts(app.id).await?;
    Ok(ApplicationRecord {
        tracking_code: tracking.as_str().into(),
        state: app.state.as_str().into(),
        state_fa: app.state.fa().into(),
        reason: app.reason.as_str().into(),
        booked_office_id: app
            .appointment
            .as_ref()
            .map(|a| a.office_id.as_str().into()),
        enrolled_office_id: enrollment.as_ref().map(|e| e.office.as_str().into()),
        destination_office_id: enrollment.as_ref().map(|e| e.destination.as_str().into()),
        dedup: enrollment.as_ref().map(|e| e.dedup.as_str().into()),
        chip_serial: card.as_ref().map(|c| c.chip_serial.to_string()),
        card_status: card.as_ref().map(|c| match c.suspended_at {
            Some(_) if c.status == "active" => "suspended".to_string(),
            _ => c.status.clone(),
        }),
        uncollected_reason: card
            .as_ref()
            .and_then(|c| c.uncollected_reason.map(|r| r.as_str().into())),
        sms_failed: state.store.sms_flagged(app.id).await?,
        history: history
            .iter()
            .map(|h| HistoryRow {
                at: h.at.to_rfc3339(),
                actor: h.actor.clone(),
                from_state: h.from.map(|s| s.as_str().into()),
                to_state: h.to.as_str().into(),
                event: h.event.code().into(),
                reason: h.reason.as_ref().map(ToString::to_string),
            })
            .collect(),
        messages: messages
            .iter()
            .map(|m| MessageRow {
                kind: m.kind.clone(),
                to: m.mobile.masked(),
                state: m.state.as_str().into(),
                attempts: m.attempts,
                last_error: m.last_error.clone(),
                created_at: m.created_at.to_rfc3339(),
            })
            .collect(),
        pickup_attempts: attempts
            .iter()
            .map(|a| AttemptRow {
                at: a.at.to_rfc3339(),
                operator: a.operator.clone(),
                position: a.position,
                matched: a.matched,
            })
            .collect(),
        transfer_attempts: transfers
            .iter()
            .map(|a| TransferAttemptRow {
                at: a.at.to_rfc3339(),
                office_id: a.office.as_str().into(),
                operator: a.operator.clone(),
                position: a.position,
                matched: a.matched,
            })
            .collect(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/office/applications/{tracking_code}",
    tag = "office",
    params(("tracking_code" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application with its whole history", body = ApplicationRecord),
        (status = 403, description = "`forbidden`: not this office's work", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<ApplicationRecord>> {
    let tracking = TrackingCode::parse(&code).map_err(ApiError::validation)?;
    Ok(Json(record(&state, &staff, &tracking).await?))
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
/// with the holder present (`crate::office::transfers`) and the citizen's own request. Callers check who asks.
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
        Transferred::WrongState(s) => Err(crate::cards::enroll::wrong_state(s)),
    }
}

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
