//! An application as its offices see it (`GET /api/v1/office/applications/{tracking_code}`: state, history with
//! time, actor and reason, enrollment, card, messages, pickup and transfer attempts). Transfers are in
//! [`crate::transfer`].

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use domain::{OfficeId, TrackingCode};
use serde::Serialize;
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
        return Err(crate::enrollment::other_office());
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
