//! The visits' JSON API for administrators (and, for a visit's roster, its liaison): plan, list, show and edit
//! visits; a visit's people; the cards of a visit ready to be handed over on the return visit; the institution's
//! invoice paid.

use super::{
    admin_scope, covers, visit_for_admin, visit_for_roster, VisitInput, VisitPatch, VisitView,
};
use crate::admin::figures::Scope;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{ApplicationState, AtField, ProvinceCode};
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::visits::RosterEntry;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct VisitsQuery {
    /// Only this province's visits (a province administrator sees only their own).
    pub province_code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/visits",
    tag = "admin",
    request_body = VisitInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Planned; `visit_id` names it", body = VisitView),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not a national administrator, or the unit is in another province", body = crate::error::ErrorBody),
        (status = 422, description = "`unknown_office`, `not_a_mobile_unit`, `invalid_institution_kind`, `invalid_text`, `invalid_date`, `date_in_past`, `invalid_capacity`, `invalid_liaison`, `liaison_of_another_institution`", body = crate::error::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<VisitInput>,
) -> ApiResult<(StatusCode, Json<VisitView>)> {
    let v = super::create(&state, &staff, &input).await?;
    Ok((StatusCode::CREATED, Json(VisitView::of(&state, &v))))
}

/// The visits an administrator may see, of one province when asked.
pub async fn visible(
    state: &AppState,
    staff: &Staff,
    province: Option<&str>,
) -> ApiResult<Vec<store::visits::Visit>> {
    let scope = admin_scope(staff)?;
    let asked = match province.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(ProvinceCode::parse(p).at("province_code")?),
        None => None,
    };
    let province = match (scope, asked) {
        (Scope::One(own), Some(p)) if p != own => return Err(ApiError::forbidden()),
        (Scope::One(own), _) => Some(own),
        (Scope::All, p) => p,
    };
    Ok(state.store.visits(province).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/visits",
    tag = "admin",
    params(VisitsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Visits by day", body = Vec<VisitView>),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not an administrator, or another province's", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_province_code`", body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<ApiQuery<VisitsQuery>, ApiError>,
) -> ApiResult<Json<Vec<VisitView>>> {
    admin_scope(&staff)?;
    let ApiQuery(q) = query?;
    let visits = visible(&state, &staff, q.province_code.as_deref()).await?;
    Ok(Json(
        visits.iter().map(|v| VisitView::of(&state, v)).collect(),
    ))
}

/// One person booked onto a visit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterEntryView {
    pub line: u32,
    pub tracking_code: String,
    /// Masked (`04******99`): the roster's people are named by their tracking codes.
    pub national_code: String,
    pub state: String,
    pub state_fa: String,
    pub fee_policy: String,
}

impl RosterEntryView {
    pub fn of(e: &RosterEntry) -> Self {
        Self {
            line: e.line,
            tracking_code: e.tracking_code.as_str().into(),
            national_code: e.national_code.masked(),
            state: e.state.as_str().into(),
            state_fa: e.state.fa().into(),
            fee_policy: e.fee_policy.as_str().into(),
        }
    }
}

/// The institution's invoice for its roster (fee policy `institution`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    pub people: u32,
    pub amount_rials: u64,
    /// `open` or `paid`.
    pub state: String,
    pub paid_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitEventView {
    pub at: String,
    pub actor: String,
    pub what: String,
}

/// A visit with its people, its invoice and its recorded changes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitDetail {
    pub visit: VisitView,
    pub roster: Vec<RosterEntryView>,
    pub invoice: Option<InvoiceView>,
    pub events: Vec<VisitEventView>,
}

pub async fn detail(state: &AppState, v: &store::visits::Visit) -> ApiResult<VisitDetail> {
    let roster = state.store.visit_roster(v.id).await?;
    let invoice = state.store.visit_invoice(v.id).await?;
    let events = state.store.visit_events(v.id).await?;
    Ok(VisitDetail {
        visit: VisitView::of(state, v),
        roster: roster.iter().map(RosterEntryView::of).collect(),
        invoice: invoice.map(|i| InvoiceView {
            people: i.people,
            amount_rials: i.amount_rials,
            state: i.state,
            paid_ref: i.paid_ref,
        }),
        events: events
            .into_iter()
            .map(|e| VisitEventView {
                at: e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                actor: e.actor,
                what: e.what,
            })
            .collect(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/visits/{visit_id}",
    tag = "admin",
    params(("visit_id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The visit, its people, invoice and changes", body = VisitDetail),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: not an administrator", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such visit (or another province's)", body = crate::error::ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VisitDetail>> {
    let v = visit_for_admin(&state, &staff, id).await?;
    Ok(Json(detail(&state, &v).await?))
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/visits/{visit_id}",
    tag = "admin",
    params(("visit_id" = i64, Path)),
    request_body = VisitPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed (recorded with who and when)", body = VisitView),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`capacity_below_booked`, `visit_has_bookings` (the day cannot move once people are booked)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_text`, `invalid_date`, `date_in_past`, `invalid_capacity`, `invalid_liaison`", body = crate::error::ErrorBody),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<VisitPatch>,
) -> ApiResult<Json<VisitView>> {
    let v = super::edit(&state, &staff, id, &input).await?;
    Ok(Json(VisitView::of(&state, &v)))
}

#[utoipa::path(
    get,
    path = "/api/v1/visits/{visit_id}/roster",
    tag = "admin",
    params(("visit_id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The people booked onto the visit, by roster line", body = Vec<RosterEntryView>),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such visit, or not one this liaison is named on", body = crate::error::ErrorBody),
    )
)]
pub async fn roster_of(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<RosterEntryView>>> {
    let v = visit_for_roster(&state, &staff, id).await?;
    let roster = state.store.visit_roster(v.id).await?;
    Ok(Json(roster.iter().map(RosterEntryView::of).collect()))
}

/// The cards of a visit on the unit's return visit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Handover {
    pub visit_id: i64,
    /// The unit's office, where the cards were shipped and where pickup is recorded.
    pub unit_id: String,
    /// Cards waiting at the unit: handed over with the 1:1 fingerprint check (`POST /api/v1/office/pickups`
    /// by the unit's operator).
    pub ready: Vec<RosterEntryView>,
    /// Cards still on their way (enrolled, in production, dispatched).
    pub coming: u32,
    pub delivered: u32,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/visits/{visit_id}/handover",
    tag = "admin",
    params(("visit_id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The visit's cards ready to be handed over at the institution", body = Handover),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
pub async fn handover(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Handover>> {
    let v = visit_for_roster(&state, &staff, id).await?;
    Ok(Json(handover_of(&state, &v).await?))
}

pub async fn handover_of(state: &AppState, v: &store::visits::Visit) -> ApiResult<Handover> {
    use ApplicationState as S;
    let roster = state.store.visit_roster(v.id).await?;
    let count = |f: &dyn Fn(S) -> bool| {
        u32::try_from(roster.iter().filter(|e| f(e.state)).count()).unwrap_or(u32::MAX)
    };
    Ok(Handover {
        visit_id: v.id,
        unit_id: v.unit.as_str().into(),
        ready: roster
            .iter()
            .filter(|e| matches!(e.state, S::ReadyForPickup | S::Uncollected))
            .map(RosterEntryView::of)
            .collect(),
        coming: count(&|s| {
            matches!(
                s,
                S::Enrolled | S::InProduction | S::Dispatched | S::ProductionFailed
            )
        }),
        delivered: count(&|s| s == S::Delivered),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InvoicePaid {
    /// The bank's or treasury's reference of the institution's payment.
    pub reference: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/visits/{visit_id}/invoice/paid",
    tag = "admin",
    params(("visit_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = InvoicePaid,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The institution's payment recorded", body = InvoiceView),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such visit", body = crate::error::ErrorBody),
        (status = 409, description = "`no_open_invoice`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_text`", body = crate::error::ErrorBody),
    )
)]
pub async fn invoice_paid(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<InvoicePaid>,
) -> ApiResult<Json<InvoiceView>> {
    let v = visit_for_admin(&state, &staff, id).await?;
    let reference = super::text(&input.reference, "reference")?;
    let change = Change {
        actor: super::actor(&staff),
        at: chrono::Utc::now(),
        reason: None,
    };
    if !state
        .store
        .visit_invoice_paid(v.id, &reference, &change)
        .await?
    {
        return Err(ApiError::conflict(
            "no_open_invoice",
            "این بازدید صورت‌حساب پرداخت‌نشده‌ای ندارد",
            "this visit has no open invoice",
        ));
    }
    let i = state
        .store
        .visit_invoice(v.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(Json(InvoiceView {
        people: i.people,
        amount_rials: i.amount_rials,
        state: i.state,
        paid_ref: i.paid_ref,
    }))
}

/// Whether the scope covers a visit (for pages that list).
pub fn may_see(scope: Scope, v: &store::visits::Visit) -> bool {
    covers(scope, v.province)
}
