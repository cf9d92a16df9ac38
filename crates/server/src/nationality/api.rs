//! The JSON API of nationality cases: the registry office opens, fills and reads its cases and prints the
//! temporary identity document; a supervisor settles an identity conflict; the committee reads the file and
//! decides; the applicant tracks the case by its number and mobile.

use super::decide::{DecisionDone, DecisionInput};
use super::file::{ConflictInput, EvidenceAdded, EvidenceInput, InquiryView};
use super::open::{CaseOpened, OpenCaseInput};
use super::{at, not_found, CaseStatus};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{CaseNumber, Mobile, Role};
use serde::{Deserialize, Serialize};
use store::nationality::CaseFile;
use utoipa::ToSchema;

#[utoipa::path(
    post,
    path = "/api/v1/office/nationality-cases",
    tag = "nationality",
    request_body = OpenCaseInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened: `open`, or `identity_conflict` when the fingers match someone enrolled (a supervisor looks first)", body = CaseOpened),
        (status = 403, description = "`forbidden` (no office), `wrong_office_kind` (not a registry office)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_name`, `invalid_gender`, `invalid_text`, `invalid_date`, `invalid_mobile`, `invalid_religion`, `invalid_base64`, the photo's and fingerprints' codes as at enrollment", body = crate::error::ErrorBody),
    )
)]
pub async fn open(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<OpenCaseInput>,
) -> ApiResult<(StatusCode, Json<CaseOpened>)> {
    let opened = super::open::open(&state, &staff, input).await?;
    Ok((StatusCode::CREATED, Json(opened)))
}

#[derive(Debug, Deserialize)]
pub struct CasePath {
    pub case_number: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/office/nationality-cases/{case_number}/evidence",
    tag = "nationality",
    request_body = EvidenceInput,
    params(("case_number" = String, Path, description = "e.g. `23-00000017-K`"), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; the inquiries not yet sent go out and their answers are recorded", body = EvidenceAdded),
        (status = 403, description = "`forbidden` (another office's case), `wrong_office_kind`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such case", body = crate::error::ErrorBody),
        (status = 409, description = "`invalid_transition`: the case takes no evidence now (decided, or an identity conflict waiting for a supervisor)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_case_number`, `invalid_evidence_kind`, `invalid_text`, `witnesses_insufficient`, `evidence_incomplete`, `parent_not_found`, `invalid_ruling`, `invalid_document`, `document_too_large`", body = crate::error::ErrorBody),
    )
)]
pub async fn evidence(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(p): ApiPath<CasePath>,
    ApiJson(input): ApiJson<EvidenceInput>,
) -> ApiResult<(StatusCode, Json<EvidenceAdded>)> {
    let added = super::file::add_evidence(&state, &staff, &p.case_number, input).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    pub kind: String,
    pub kind_fa: String,
    pub note: String,
    pub has_document: bool,
    pub details: serde_json::Value,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: String,
    pub ground: String,
    pub ground_fa: String,
    pub members: Vec<String>,
    pub note: String,
    pub by: String,
    pub at: String,
    pub national_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoveView {
    pub from: Option<String>,
    pub to: String,
    pub by: String,
    pub at: String,
    pub reason: Option<String>,
}

/// A case's whole file, for the office that opened it and the committee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub status: CaseStatus,
    pub office_id: String,
    pub province_code: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub gender: String,
    pub birth_place: String,
    pub birth_year_jalali: i32,
    pub opened_by: String,
    pub opened_at: String,
    pub updated_at: String,
    /// Enrolled applications the fingers matched, with their scores.
    pub identity_hits: Vec<(i64, f64)>,
    pub evidence: Vec<EvidenceView>,
    pub inquiries: Vec<InquiryView>,
    pub decisions: Vec<DecisionView>,
    pub history: Vec<MoveView>,
    /// Once approved: the national code allocated.
    pub national_code: Option<String>,
    /// The tracking code of the application filed with that code, once there is one.
    pub application: Option<String>,
}

pub fn view(file: &CaseFile) -> CaseView {
    let c = &file.case;
    let a = &c.applicant;
    CaseView {
        status: CaseStatus::of(&c.number, c.state),
        office_id: c.office.as_str().into(),
        province_code: c.province.as_str().into(),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        father_name: a.father_name.clone(),
        mother_name: a.mother_name.clone(),
        gender: a.gender.as_str().into(),
        birth_place: a.birth_place.clone(),
        birth_year_jalali: a.birth_year,
        opened_by: c.opened_by.clone(),
        opened_at: c.opened_at.to_rfc3339(),
        updated_at: c.updated_at.to_rfc3339(),
        identity_hits: file.conflicts.clone(),
        evidence: file
            .evidence
            .iter()
            .map(|e| EvidenceView {
                kind: e.kind.as_str().into(),
                kind_fa: e.kind.fa().into(),
                note: e.note.clone(),
                has_document: e.document_key.is_some(),
                details: serde_json::from_str(&e.details).unwrap_or_default(),
                by: e.by.actor.clone(),
                at: e.by.at.to_rfc3339(),
            })
            .collect(),
        inquiries: super::file::inquiry_views(file),
        decisions: file
            .decisions
            .iter()
            .map(|d| DecisionView {
                decision: d.decision.as_str().into(),
                ground: d.ground.as_str().into(),
                ground_fa: d.ground.fa().into(),
                members: d.members.clone(),
                note: d.note.clone(),
                by: d.by.actor.clone(),
                at: d.by.at.to_rfc3339(),
                national_code: d.national_code.map(|c| c.as_str().to_string()),
            })
            .collect(),
        history: file
            .history
            .iter()
            .map(|h| MoveView {
                from: h.from.map(|s| s.as_str().to_string()),
                to: h.to.as_str().into(),
                by: h.by.actor.clone(),
                at: h.by.at.to_rfc3339(),
                reason: h.reason.clone(),
            })
            .collect(),
        national_code: c.national_code.map(|c| c.as_str().to_string()),
        application: file.application.clone(),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/office/nationality-cases/{case_number}",
    tag = "nationality",
    params(("case_number" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The case's file", body = CaseView),
        (status = 403, description = "`forbidden`, `wrong_office_kind`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
pub async fn office_file(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(p): ApiPath<CasePath>,
) -> ApiResult<Json<CaseView>> {
    let (_, file) = super::case_at_desk(&state, &staff, &p.case_number).await?;
    Ok(Json(view(&file)))
}

#[derive(Debug, Deserialize)]
pub struct DocumentPath {
    /// `{case_number}.pdf`
    pub file: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/office/nationality-cases/{case_number}/document.pdf",
    tag = "nationality",
    params(("case_number" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The temporary identity document (PDF, Persian): what it is and what it is not", content_type = "application/pdf"),
        (status = 403, description = "`forbidden`, `wrong_office_kind`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`case_decided`: once decided, the document is no longer issued", body = crate::error::ErrorBody),
    )
)]
pub async fn document(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(p): ApiPath<CasePath>,
) -> ApiResult<Response> {
    let (office, file) = super::case_at_desk(&state, &staff, &p.case_number).await?;
    let pdf = super::document::pdf(&state, &office, &file).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        pdf,
    )
        .into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/office/nationality-cases/{case_number}/conflict",
    tag = "nationality",
    request_body = ConflictInput,
    params(("case_number" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Settled: `distinct` reopens the case, `duplicate` rejects it", body = CaseStatus),
        (status = 403, description = "`forbidden` (not a supervisor of the opening office), `wrong_office_kind`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`invalid_transition`: no conflict to settle", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_decision`, `invalid_text`", body = crate::error::ErrorBody),
    )
)]
pub async fn conflict(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(p): ApiPath<CasePath>,
    ApiJson(input): ApiJson<ConflictInput>,
) -> ApiResult<Json<CaseStatus>> {
    Ok(Json(
        super::file::settle_conflict(&state, &staff, &p.case_number, input).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/nationality-cases/{case_number}/decision",
    tag = "nationality",
    request_body = DecisionInput,
    params(("case_number" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided; an approval answers the new national code and birth certificate", body = DecisionDone),
        (status = 403, description = "`forbidden`: not the nationality committee (of the case's province)", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`invalid_transition` (decided already, or not open), `committee_member_opened_case`, `case_not_ready` (an approval without testimony, answered inquiries, or against an adverse answer without a court's ruling)", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_case_number`, `invalid_decision`, `invalid_ground`, `invalid_members`, `invalid_text`", body = crate::error::ErrorBody),
    )
)]
pub async fn decision(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(p): ApiPath<CasePath>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<DecisionDone>> {
    Ok(Json(
        super::decide::decide(&state, &staff, &p.case_number, input).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/nationality-cases/{case_number}",
    tag = "nationality",
    params(
        ("case_number" = String, Path),
        ("mobile" = Option<String>, Query, description = "The applicant's mobile: with it, the applicant's tracking answer; without it, the committee's whole file (bearer session)"),
    ),
    responses(
        (status = 200, description = "With `mobile`: `{case_number, state, state_fa, updated_at}`; for the committee: the whole file", body = Tracked),
        (status = 403, description = "`forbidden`: without `mobile`, only the committee reads the file", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such case, or the mobile is not the applicant's (the same answer)", body = crate::error::ErrorBody),
        (status = 429, description = "Too many lookups from this client", body = crate::error::ErrorBody),
    )
)]
pub async fn get_case(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<CasePath>,
    ApiQuery(q): ApiQuery<TrackQuery>,
    client: crate::client::ClientAddr,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    if q.mobile.is_some() {
        return Ok(Json(track_case(&state, &client.0, &p.case_number, &q).await?).into_response());
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer_token)
        .ok_or_else(ApiError::unauthorized)?;
    let staff = Staff::from_token(&state, token).await?;
    if staff.role != Role::NationalityCommittee {
        return Err(ApiError::forbidden());
    }
    let number = CaseNumber::parse(&p.case_number).map_err(at("case_number"))?;
    let file = state
        .store
        .case_by_number(&number)
        .await?
        .ok_or_else(not_found)?;
    if staff.province.is_some_and(|pr| pr != file.case.province) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(view(&file)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct TrackQuery {
    #[serde(default)]
    pub mobile: Option<String>,
}

/// What the applicant sees: the state and its date, nothing else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tracked {
    #[serde(flatten)]
    pub status: CaseStatus,
    pub updated_at: String,
}

/// The applicant's lookup: the case number and the mobile given at opening together; any mismatch is the same 404
/// as an unknown number, so the answer cannot be used to learn which numbers exist.
pub async fn track_case(
    state: &AppState,
    client: &str,
    number: &str,
    q: &TrackQuery,
) -> ApiResult<Tracked> {
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(
                &format!("nationality:ip:{client}"),
                state.settings.status_per_client_per_minute,
            )
            .await
            .map_err(ApiError::rate_limited)?;
    }
    let number = CaseNumber::parse(number).map_err(at("case_number"))?;
    let mobile = Mobile::parse(q.mobile.as_deref().unwrap_or("")).map_err(at("mobile"))?;
    let file = state
        .store
        .case_by_number(&number)
        .await?
        .filter(|f| f.case.applicant.mobile.as_ref() == Some(&mobile))
        .ok_or_else(not_found)?;
    Ok(Tracked {
        status: CaseStatus::of(&file.case.number, file.case.state),
        updated_at: file.case.updated_at.to_rfc3339(),
    })
}
