//! Shipments addressed to the operator's office, and their reception (with an optional scan of each card).

pub mod pages;

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::production::{Received, Shipment};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentCardView {
    pub tracking_code: String,
    pub chip_serial: String,
    /// `null` before reception; then whether the card was in the box.
    pub arrived: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentView {
    pub shipment_id: i64,
    pub batch_id: Option<i64>,
    /// The office a transfer comes from; absent for a manufacturer's shipment.
    pub from_office_id: Option<String>,
    pub to_office_id: String,
    /// `in_transit` or `received`.
    pub state: String,
    pub created_at: String,
    pub received_at: Option<String>,
    pub received_by: Option<String>,
    pub cards: Vec<ShipmentCardView>,
    /// Serials scanned at reception that were not in the shipment.
    pub unexpected: Vec<String>,
}

impl From<&Shipment> for ShipmentView {
    fn from(s: &Shipment) -> Self {
        Self {
            shipment_id: s.id,
            batch_id: s.batch_id,
            from_office_id: s.from_office.as_ref().map(|o| o.as_str().to_string()),
            to_office_id: s.to_office.as_str().to_string(),
            state: s.state.as_str().to_string(),
            created_at: s.created_at.to_rfc3339(),
            received_at: s.received_at.map(|t| t.to_rfc3339()),
            received_by: s.received_by.clone(),
            cards: s
                .cards
                .iter()
                .map(|c| ShipmentCardView {
                    tracking_code: c.tracking_code.as_str().to_string(),
                    chip_serial: c.chip_serial.to_string(),
                    arrived: c.arrived,
                })
                .collect(),
            unexpected: s.unexpected.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReceiveInput {
    /// The chip serials scanned out of the box. Absent: every card of the shipment arrived.
    #[serde(default)]
    pub scanned: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiveOutcome {
    pub shipment_id: i64,
    /// Cards now `ready_for_pickup` (their holders get an SMS).
    pub ready: u64,
    /// Cards of the shipment that were not scanned: revoked and made again.
    pub missing: Vec<String>,
    /// Scanned serials that were not in the shipment.
    pub unexpected: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/office/shipments",
    tag = "office",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Shipments addressed to this office, newest first", body = [ShipmentView]),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<ShipmentView>>> {
    let office = staff.office()?;
    let all = state.store.shipments_to(office, 100).await?;
    Ok(Json(all.iter().map(ShipmentView::from).collect()))
}

/// Receives a shipment; shared with the office pages.
pub async fn receive_at(
    state: &AppState,
    staff: &Staff,
    id: i64,
    scanned: Option<Vec<String>>,
) -> ApiResult<ReceiveOutcome> {
    let office = staff.office()?;
    let change = Change {
        actor: format!("operator:{}", staff.username),
        at: chrono::Utc::now(),
        reason: None,
    };
    match state
        .store
        .receive_shipment(id, office, scanned.as_deref(), &change)
        .await?
    {
        Received::Done {
            ready,
            missing,
            unexpected,
        } => {
            if !missing.is_empty() || !unexpected.is_empty() {
                tracing::warn!(
                    shipment = id,
                    missing = missing.len(),
                    unexpected = unexpected.len(),
                    "shipment received with discrepancies"
                );
            }
            Ok(ReceiveOutcome {
                shipment_id: id,
                ready,
                missing: missing.iter().map(|s| s.to_string()).collect(),
                unexpected,
            })
        }
        Received::NotFound => Err(ApiError::not_found("محموله", "shipment")),
        Received::OtherOffice => Err(crate::enrollment::other_office()),
        Received::AlreadyReceived => Err(ApiError::conflict(
            "shipment_already_received",
            "این محموله پیش‌تر تحویل گرفته شده است",
            "this shipment was received already",
        )),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/office/shipments/{shipment_id}/receive",
    tag = "office",
    params(("shipment_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = Option<ReceiveInput>, description = "Optional scan of the cards in the box"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Received: cards ready for pickup, holders notified; missing and unexpected cards reported", body = ReceiveOutcome),
        (status = 403, description = "`forbidden`: addressed to another office", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`shipment_already_received`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_body`: a body that is not `{scanned: [...]}`", body = crate::error::ErrorBody),
    )
)]
pub async fn receive(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ReceiveOutcome>> {
    let input: ReceiveInput = if body.iter().all(|b| b.is_ascii_whitespace()) {
        ReceiveInput::default()
    } else {
        // The same answer as every JSON body of the API (the body is optional here, so `ApiJson` cannot read it);
        // `null` is no scan, as the document allows.
        serde_json::from_slice::<Option<ReceiveInput>>(&body)
            .map_err(|e| {
                crate::extract::malformed_body(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    &e.to_string(),
                )
            })?
            .unwrap_or_default()
    };
    Ok(Json(receive_at(&state, &staff, id, input.scanned).await?))
}

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(receive))
        .route("/office/shipments", get(pages::list))
        .route(
            "/office/shipments/{shipment_id}/receive",
            post(pages::receive),
        )
}
