//! Nationality cases for people with no birth certificate (issue 13): a registry office opens the case (with a
//! 1:N fingerprint search against everyone enrolled, so nobody gets a second identity) and prints a temporary
//! identity document; evidence is added and the outside inquiries go out through their port
//! (`inquiries::Inquiries`), their answers recorded on the case; the provincial committee decides, and an approval
//! registers the birth late with a newly allocated national code; the applicant follows the case by its number
//! and mobile, and gets an SMS at each decision.
//!
//! The operations (`open`, `file`, `decide`) are shared by the JSON API (`api`) and the pages (`pages`); every
//! refusal is an [`ApiError`] in the one shape.

pub mod api;
pub mod decide;
pub mod document;
pub mod file;
pub mod open;
pub mod pages;

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use domain::{CaseNumber, CaseState, OfficeKind, Role, ValidationError};
use serde::Serialize;
use store::nationality::CaseFile;
use utoipa::ToSchema;

/// A validation error at its field.
pub(crate) fn at(field: &str) -> impl Fn(ValidationError) -> ApiError + '_ {
    move |e| ApiError::validation(e).with_field(field)
}

/// The actor as histories name them.
pub(crate) fn actor(staff: &Staff) -> String {
    let role = match staff.role {
        Role::Operator => "operator",
        Role::Supervisor => "supervisor",
        Role::NationalityCommittee => "committee",
        _ => "admin",
    };
    format!("{role}:{}", staff.username)
}

/// The username in an actor string (`operator:ali` → `ali`).
pub(crate) fn username_of(actor: &str) -> &str {
    actor.split_once(':').map_or(actor, |(_, u)| u)
}

pub(crate) fn wrong_office_kind() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "wrong_office_kind",
        "پروندهٔ تابعیت تنها در ادارهٔ ثبت احوال گشوده و تکمیل می‌شود",
        "nationality cases are opened and filled only at a registry office",
    )
}

pub(crate) fn not_found() -> ApiError {
    ApiError::not_found("پرونده", "case")
}

pub(crate) fn invalid_transition(e: ValidationError) -> ApiError {
    ApiError::conflict(e.code, e.message_fa, e.message_en)
}

pub(crate) fn moved() -> ApiError {
    ApiError::conflict(
        "invalid_transition",
        "وضعیت پرونده هم‌زمان تغییر کرد؛ دوباره تلاش کنید",
        "the case changed meanwhile; try again",
    )
}

/// A staff member of a registry office (operator or supervisor): their office, or 403.
pub(crate) async fn registry_desk(state: &AppState, staff: &Staff) -> ApiResult<domain::Office> {
    let office_id = staff.office()?;
    let office = state
        .store
        .office(office_id)
        .await?
        .ok_or_else(ApiError::forbidden)?;
    if office.kind != OfficeKind::Registry {
        return Err(wrong_office_kind());
    }
    Ok(office)
}

/// The case, for the registry office that opened it: 404 for an unknown number, 403 for another office.
pub(crate) async fn case_at_desk(
    state: &AppState,
    staff: &Staff,
    number: &str,
) -> ApiResult<(domain::Office, CaseFile)> {
    let office = registry_desk(state, staff).await?;
    let number = CaseNumber::parse(number).map_err(at("case_number"))?;
    let file = state
        .store
        .case_by_number(&number)
        .await?
        .ok_or_else(not_found)?;
    if file.case.office != office.id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "این پرونده در ادارهٔ دیگری گشوده شده است",
            "this case was opened at another office",
        ));
    }
    Ok((office, file))
}

/// A case's state as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseStatus {
    #[schema(example = "23-00000017-K")]
    pub case_number: String,
    #[schema(example = "open")]
    pub state: String,
    pub state_fa: String,
}

impl CaseStatus {
    pub fn of(number: &CaseNumber, s: CaseState) -> Self {
        Self {
            case_number: number.to_string(),
            state: s.as_str().into(),
            state_fa: s.fa().into(),
        }
    }
}

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::handler::Handler;
    use axum::routing::get;
    use utoipa_axum::router::UtoipaMethodRouterExt;
    use utoipa_axum::routes;
    let big = || DefaultBodyLimit::max(crate::ENROLLMENT_BODY_LIMIT);
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::open).layer(big()))
        .routes(routes!(api::evidence).layer(big()))
        .routes(routes!(api::office_file))
        .routes(routes!(api::document))
        .routes(routes!(api::conflict))
        .routes(routes!(api::decision))
        .routes(routes!(api::get_case))
        .route("/nationality/track", get(pages::track))
        .route("/admin/nationality", get(pages::admin))
        .route(
            "/admin/nationality/{case_number}",
            get(pages::committee_case).post(pages::committee_decide),
        )
        .route(
            "/office/nationality",
            get(pages::office_list).post(pages::open_submit.layer(big())),
        )
        .route(
            "/office/nationality/{case_number}",
            get(pages::office_case).post(pages::evidence_submit),
        )
}
