//! Mobile enrollment units' visits (issue 13): an administrator plans a unit's visit to an institution (a prison,
//! a garrison, a care home, a hospital, or disabled people's homes in one area), the institution's liaison sends
//! its roster, each row of which goes through the registry inquiry and is booked onto the visit, and the people
//! booked are ordinary applications with an appointment at the unit's office on the visit's day, so the desk's
//! enrollment, production, shipment back to the unit and pickup work on them unchanged.
//!
//! Who may do what: a national administrator everywhere, a province administrator in their province (planning,
//! editing, rosters, grouping home visits); the liaison named on a visit may send that visit's roster and see
//! its answer, nothing else. Every change of a visit is recorded with who and when (`visit_events`).
//!
//! This module never books anyone past a visit's capacity, and never leaves a roster row half-written: each
//! row is one store transaction (see `store::visits`).

pub mod api;
pub mod home;
pub mod home_pages;
pub mod pages;
pub mod roster;
pub mod roster_pages;
pub mod stats;

use crate::admin::figures::{self, Scope};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use domain::{AtField, InstitutionKind, JalaliDate, OfficeId, OfficeKind, ProvinceCode, Role};
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::visits::{NewVisit, Visit, VisitEdit, VisitEdited};
use utoipa::ToSchema;

/// Whether a member of staff is an institution's liaison.
pub fn is_liaison(staff: &Staff) -> bool {
    staff.role == Role::Liaison
}

/// How histories and visit events name a member of staff (`province_admin:alborz`).
pub fn actor(staff: &Staff) -> String {
    format!("{}:{}", staff.role.as_str(), staff.username)
}

/// The administrators' scope (403 for anyone else).
pub fn admin_scope(staff: &Staff) -> ApiResult<Scope> {
    figures::scope(staff)
}

/// Whether `scope` covers `province`.
pub fn covers(scope: Scope, province: ProvinceCode) -> bool {
    match scope {
        Scope::All => true,
        Scope::One(p) => p == province,
    }
}

pub fn visit_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "چنین بازدیدی پیدا نشد",
        "no such visit",
    )
}

/// The visit, when the administrator may see it (one outside their province answers as an unknown one).
pub async fn visit_for_admin(state: &AppState, staff: &Staff, id: i64) -> ApiResult<Visit> {
    let scope = admin_scope(staff)?;
    state
        .store
        .visit(id)
        .await?
        .filter(|v| covers(scope, v.province))
        .ok_or_else(visit_not_found)
}

/// The visit, when this member of staff may send its roster: an administrator over its province, or the liaison
/// named on it.
pub async fn visit_for_roster(state: &AppState, staff: &Staff, id: i64) -> ApiResult<Visit> {
    if is_liaison(staff) {
        return state
            .store
            .visit(id)
            .await?
            .filter(|v| v.liaison.as_deref() == Some(staff.username.as_str()))
            .ok_or_else(visit_not_found);
    }
    visit_for_admin(state, staff, id).await
}

/// A visit as planned (`POST /api/v1/admin/visits`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct VisitInput {
    /// The unit: an office of kind `mobile_unit`.
    #[schema(example = "30-9001")]
    pub unit_id: String,
    /// `prison`, `garrison`, `care_home`, `hospital` or `home`.
    #[schema(example = "prison")]
    pub institution_kind: String,
    #[schema(example = "زندان قزل‌حصار")]
    pub institution_name: String,
    #[schema(example = "کرج، جادهٔ قزل‌حصار")]
    pub address: String,
    #[schema(example = "1405-09-20")]
    pub date_jalali: String,
    /// People the unit can enroll that day.
    #[schema(example = 40)]
    pub capacity: u32,
    /// The username of the institution's liaison (role `liaison`), who sends the roster.
    #[serde(default)]
    #[schema(example = "liaison.ghezelhesar")]
    pub liaison: Option<String>,
    /// For home visits: the area (city) whose requests it serves.
    #[serde(default)]
    pub area: Option<String>,
}

/// A change of a planned visit (`PATCH /api/v1/admin/visits/{id}`): the fields sent are changed; `liaison: ""`
/// takes the liaison off.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct VisitPatch {
    pub institution_name: Option<String>,
    pub address: Option<String>,
    pub date_jalali: Option<String>,
    pub capacity: Option<u32>,
    pub liaison: Option<String>,
}

/// A visit as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    pub visit_id: i64,
    pub unit_id: String,
    pub province_code: String,
    pub institution_kind: String,
    pub institution_kind_fa: String,
    pub institution_name: String,
    pub address: String,
    pub date_jalali: String,
    pub date_fa: String,
    pub capacity: u32,
    /// Places taken by people booked onto the visit.
    pub booked: u32,
    pub liaison: Option<String>,
    pub area: Option<String>,
    /// Who pays the fee of people booked onto it (`waived`, `institution`, `person`).
    pub fee_policy: String,
    pub created_by: String,
    pub created_at: String,
}

impl VisitView {
    pub fn of(state: &AppState, v: &Visit) -> Self {
        Self {
            visit_id: v.id,
            unit_id: v.unit.as_str().into(),
            province_code: v.province.as_str().into(),
            institution_kind: v.kind.as_str().into(),
            institution_kind_fa: v.kind.fa().into(),
            institution_name: v.institution_name.clone(),
            address: v.address.clone(),
            date_jalali: v.date.to_string(),
            date_fa: v.date.format_fa(),
            capacity: v.capacity,
            booked: v.booked,
            liaison: v.liaison.clone(),
            area: v.area.clone(),
            fee_policy: state.settings.unit_fees.of(v.kind).as_str().into(),
            created_by: v.created_by.clone(),
            created_at: v
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

fn invalid(code: &str, field: &str, fa: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, fa, en).with_field(field)
}

/// Names and addresses: trimmed, 2 to 200 characters.
fn text(value: &str, field: &str) -> ApiResult<String> {
    let v = value.trim();
    if (2..=200).contains(&v.chars().count()) {
        Ok(v.to_string())
    } else {
        Err(invalid(
            "invalid_text",
            field,
            "این مقدار باید ۲ تا ۲۰۰ نویسه باشد",
            "this value must have 2 to 200 characters",
        ))
    }
}

fn capacity(n: u32) -> ApiResult<u32> {
    if (1..=1000).contains(&n) {
        Ok(n)
    } else {
        Err(invalid(
            "invalid_capacity",
            "capacity",
            "ظرفیت باید از ۱ تا ۱۰۰۰ نفر باشد",
            "capacity must be 1 to 1000 people",
        ))
    }
}

/// A visit's day: a valid Solar Hijri date, today or later.
fn visit_day(s: &str) -> ApiResult<JalaliDate> {
    let d = JalaliDate::parse(s).at("date_jalali")?;
    if d < crate::state::today() {
        return Err(invalid(
            "date_in_past",
            "date_jalali",
            "روز بازدید گذشته است",
            "the visit's day is in the past",
        ));
    }
    Ok(d)
}

/// A liaison named on a visit: an existing account of role `liaison`, not disabled, and (when bound to an
/// institution) bound to this one.
async fn liaison(
    state: &AppState,
    username: Option<&str>,
    institution: Option<i64>,
) -> ApiResult<Option<String>> {
    let Some(name) = username.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        invalid(
            "invalid_liaison",
            "liaison",
            "رابط مؤسسه باید کاربری با نقش رابط باشد",
            "the liaison must be a staff account of role liaison",
        )
    };
    let user = state.store.user_by_name(name).await?.ok_or_else(bad)?;
    if user.role != Role::Liaison || user.disabled {
        return Err(bad());
    }
    if let (Some(bound), Some(inst)) = (state.store.user_institution(name).await?, institution) {
        if bound.id != inst {
            return Err(invalid(
                "liaison_of_another_institution",
                "liaison",
                "این رابط رابط مؤسسهٔ دیگری است",
                "this liaison is bound to another institution",
            ));
        }
    }
    Ok(Some(user.username))
}

/// Plans a visit: the unit must be a `mobile_unit` office in a province the administrator covers.
pub async fn create(state: &AppState, staff: &Staff, input: &VisitInput) -> ApiResult<Visit> {
    let scope = admin_scope(staff)?;
    let unit_id = OfficeId::parse(&input.unit_id).at("unit_id")?;
    let unit = state.store.office(&unit_id).await?.ok_or_else(|| {
        invalid(
            "unknown_office",
            "unit_id",
            "چنین واحدی وجود ندارد",
            "no such unit",
        )
    })?;
    if unit.kind != OfficeKind::MobileUnit {
        return Err(invalid(
            "not_a_mobile_unit",
            "unit_id",
            "این دفتر واحد سیار نیست",
            "this office is not a mobile unit",
        ));
    }
    if !covers(scope, unit.province) {
        return Err(ApiError::forbidden());
    }
    let kind = InstitutionKind::parse(&input.institution_kind).at("institution_kind")?;
    let name = text(&input.institution_name, "institution_name")?;
    let address = text(&input.address, "address")?;
    let date = visit_day(&input.date_jalali)?;
    let capacity = capacity(input.capacity)?;
    let area = match &input.area {
        Some(a) if !a.trim().is_empty() => Some(text(a, "area")?),
        _ => None,
    };
    let now = chrono::Utc::now();
    let institution = if kind == InstitutionKind::Home {
        None
    } else {
        Some(
            state
                .store
                .institution_ensure(unit.province, kind, &name, now)
                .await?
                .id,
        )
    };
    let liaison = liaison(state, input.liaison.as_deref(), institution).await?;
    if let (Some(l), Some(i)) = (&liaison, institution) {
        // A liaison named on a visit to an institution is that institution's from then on.
        state.store.user_set_institution(l, i).await?;
    }
    let id = state
        .store
        .visit_create(&NewVisit {
            unit: unit.id.clone(),
            province: unit.province,
            kind,
            institution_id: institution,
            institution_name: name,
            address,
            date,
            capacity,
            liaison,
            area,
            created_by: actor(staff),
            at: now,
        })
        .await?;
    tracing::info!(
        visit = id,
        unit = unit.id.as_str(),
        kind = kind.as_str(),
        "visit planned"
    );
    state.store.visit(id).await?.ok_or_else(ApiError::internal)
}

/// Changes a visit (recorded with who and when).
pub async fn edit(
    state: &AppState,
    staff: &Staff,
    id: i64,
    patch: &VisitPatch,
) -> ApiResult<Visit> {
    let v = visit_for_admin(state, staff, id).await?;
    let edit = VisitEdit {
        institution_name: match &patch.institution_name {
            Some(n) => text(n, "institution_name")?,
            None => v.institution_name.clone(),
        },
        address: match &patch.address {
            Some(a) => text(a, "address")?,
            None => v.address.clone(),
        },
        date: match &patch.date_jalali {
            Some(d) => visit_day(d)?,
            None => v.date,
        },
        capacity: match patch.capacity {
            Some(c) => capacity(c)?,
            None => v.capacity,
        },
        liaison: match &patch.liaison {
            Some(l) => liaison(state, Some(l), v.institution_id).await?,
            None => v.liaison.clone(),
        },
    };
    let change = Change {
        actor: actor(staff),
        at: chrono::Utc::now(),
        reason: None,
    };
    match state.store.visit_update(id, &edit, &change).await? {
        VisitEdited::Edited => {}
        VisitEdited::NotFound => return Err(visit_not_found()),
        VisitEdited::BelowBooked(n) => {
            return Err(ApiError::conflict(
                "capacity_below_booked",
                format!(
                    "{} نفر روی این بازدید نوبت دارند؛ ظرفیت نمی‌تواند کمتر شود",
                    crate::web::html::fa_digits(&n.to_string())
                ),
                format!("{n} people are booked onto this visit; capacity cannot be lower"),
            )
            .with_field("capacity"))
        }
        VisitEdited::HasBookings => {
            return Err(ApiError::conflict(
                "visit_has_bookings",
                "کسانی روی این بازدید نوبت دارند؛ روز آن را نمی‌توان عوض کرد",
                "people are booked onto this visit: its day cannot change",
            )
            .with_field("date_jalali"))
        }
    }
    if let (Some(l), Some(i)) = (&edit.liaison, v.institution_id) {
        state.store.user_set_institution(l, i).await?;
    }
    state.store.visit(id).await?.ok_or_else(ApiError::internal)
}

/// The routes of this feature: the API with its OpenAPI paths, and the administrators' and liaisons' pages under
/// `/admin` (where the staff cookie lives), and the portal's home-visit page.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::create, api::list))
        .routes(routes!(api::show, api::patch))
        .routes(routes!(api::roster_of, roster::upload))
        .routes(routes!(api::handover))
        .routes(routes!(api::invoice_paid))
        .routes(routes!(home::request_api))
        .routes(routes!(home::waiting_api, home::group_api))
        .routes(routes!(stats::units_api))
        .route("/admin/visits", get(pages::list).post(pages::create))
        .route("/admin/visits/group-home", post(pages::group_home))
        .route("/admin/visits/{id}", get(pages::show).post(pages::update))
        .route(
            "/admin/visits/{id}/roster",
            get(roster_pages::form).post(roster_pages::submit),
        )
        .route(
            "/home-visit",
            get(home_pages::form).post(home_pages::submit),
        )
}
