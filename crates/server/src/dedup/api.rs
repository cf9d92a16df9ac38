//! The supervisors' adjudication queue (`GET /api/v1/office/adjudications`, `POST …/{tracking_code}`) and the
//! enrolled photos they compare (`GET /api/v1/office/enrollments/{tracking_code}/photo`).

use crate::auth::Staff;
use crate::dedup::adjudicate;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use domain::{Decision, TrackingCode};
use serde::{Deserialize, Serialize};
use store::production::DedupCase;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub tracking_code: String,
    pub candidate_tracking_code: String,
    /// The fused fingerprint score (the duplicate threshold is 0.24).
    pub score: f64,
    pub found_at: String,
    /// `duplicate` or `distinct` once decided.
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

impl From<&DedupCase> for CaseView {
    fn from(c: &DedupCase) -> Self {
        Self {
            tracking_code: c.tracking_code.as_str().into(),
            candidate_tracking_code: c.candidate_tracking_code.as_str().into(),
            score: c.score,
            found_at: c.found_at.to_rfc3339(),
            decision: c.decision.map(|d| d.as_str().into()),
            decided_by: c.decided_by.clone(),
            decided_at: c.decided_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// `duplicate` (the application is rejected) or `distinct` (it goes on to production).
    pub decision: String,
    /// What the supervisor saw; kept in the history.
    #[serde(default)]
    pub note: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/office/adjudications",
    tag = "office",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Open de-duplication cases of this office (supervisors)", body = [CaseView]),
        (status = 403, description = "`forbidden`: supervisors only", body = crate::error::ErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, staff: Staff) -> ApiResult<Json<Vec<CaseView>>> {
    let cases = adjudicate::open_cases(&state, &staff).await?;
    Ok(Json(cases.iter().map(CaseView::from).collect()))
}

#[utoipa::path(
    post,
    path = "/api/v1/office/adjudications/{tracking_code}",
    tag = "office",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = DecisionInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided; the case as recorded", body = [CaseView]),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`already_decided`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_decision`", body = crate::error::ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<Vec<CaseView>>> {
    let tracking = TrackingCode::parse(&code).map_err(ApiError::validation)?;
    let decision = Decision::parse(&input.decision).ok_or_else(|| {
        ApiError::validation(domain::ValidationError::new(
            "invalid_decision",
            "decision is duplicate or distinct",
            "تصمیم باید duplicate یا distinct باشد",
        ))
        .with_field("decision")
    })?;
    adjudicate::decide(&state, &staff, &tracking, decision, input.note).await?;
    let cases = state.store.dedup_cases_of(&tracking).await?;
    Ok(Json(cases.iter().map(CaseView::from).collect()))
}

/// An enrolled photo, for the enrolling office's staff and for supervisors comparing a case of their office.
pub async fn photo_for(
    state: &AppState,
    staff: &Staff,
    tracking: &TrackingCode,
) -> ApiResult<Vec<u8>> {
    let office = staff.office()?;
    let e = state
        .store
        .enrollment(tracking)
        .await?
        .ok_or_else(|| ApiError::not_found("ثبت‌نام", "enrollment"))?;
    let allowed = &e.office == office
        || (adjudicate::supervisor(staff).is_ok()
            && state
                .store
                .dedup_cases(Some(office), 500)
                .await?
                .iter()
                .any(|c| &c.candidate_tracking_code == tracking));
    if !allowed {
        return Err(crate::enrollment::other_office());
    }
    crate::cards::stored(state, &e.card_photo_key, "card photo").await
}

#[utoipa::path(
    get,
    path = "/api/v1/office/enrollments/{tracking_code}/photo",
    tag = "office",
    params(("tracking_code" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The card photo (JPEG)", content_type = "image/jpeg"),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
pub async fn photo(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let tracking = TrackingCode::parse(&code).map_err(ApiError::validation)?;
    let bytes = photo_for(&state, &staff, &tracking).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    ))
}
