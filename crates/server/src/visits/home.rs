//! Home visits for disabled people: the citizen (or a relative, with the citizen's national code and tracking
//! code) asks for one; the welfare organisation's registry must confirm the disability (`welfare` port); an
//! administrator then groups the confirmed requests of an area into a home visit of a unit, which books them
//! onto it (fee by the `home` policy).

use super::{actor, admin_scope, covers, VisitInput};
use crate::admin::figures::Scope;
use crate::auth::Staff;
use crate::client::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::status::holder;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{ApplicationState, AtField, FeePolicy, InstitutionKind, ProvinceCode};
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::visits::{HomeVisitFiled, HomeVisitRequest, NewHomeVisitRequest, VisitBooked};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HomeVisitInput {
    /// The applicant's national code (it must go with the tracking code).
    #[schema(example = "0499370899")]
    pub national_code: String,
    /// The city where the unit should come, when the welfare registry does not say it.
    #[serde(default)]
    pub city: Option<String>,
    /// The home's address.
    #[serde(default)]
    pub address: Option<String>,
    /// The province where the person lives (two digits); by default as the welfare registry knows it, else the
    /// national code's prefix.
    #[serde(default)]
    pub province_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HomeVisitAnswer {
    pub request_id: i64,
    /// `confirmed` (waiting to be grouped into a visit) or `booked`.
    pub state: String,
    pub area: String,
    pub visit_id: Option<i64>,
}

fn answer(r: &HomeVisitRequest) -> HomeVisitAnswer {
    HomeVisitAnswer {
        request_id: r.id,
        state: r.state.clone(),
        area: r.area.clone(),
        visit_id: r.visit_id,
    }
}

pub fn not_confirmed() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "disability_not_confirmed",
        "سازمان بهزیستی معلولیت این شخص را تأیید نکرد؛ بازدید در منزل تنها برای افراد دارای معلولیت ثبت‌شده است",
        "the welfare organisation does not confirm this person's disability",
    )
}

/// Files the request of the application `tc` (whose applicant `national_code` must be): 201 when new, 200 when it
/// already exists (answered again).
pub async fn request(
    state: &AppState,
    client: &str,
    tc: &str,
    input: &HomeVisitInput,
) -> ApiResult<(bool, HomeVisitAnswer)> {
    let app = holder::application(state, client, tc, &input.national_code).await?;
    if let Some(r) = state
        .store
        .home_visit_request_of(&app.tracking_code)
        .await?
    {
        return Ok((false, answer(&r)));
    }
    if !matches!(
        app.state,
        ApplicationState::AwaitingPayment | ApplicationState::AwaitingAppointment
    ) {
        return Err(ApiError::conflict(
            "home_visit_not_possible",
            "بازدید در منزل تنها پیش از گرفتن نوبت و ثبت‌نام ممکن است؛ اگر نوبت دارید نخست آن را لغو کنید",
            "a home visit can be asked for only before an appointment is booked or the enrollment is done",
        ));
    }
    let confirmation = state
        .services
        .welfare
        .confirm(&app.national_code)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "welfare registry unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "welfare_unavailable",
                "استعلام سازمان بهزیستی در دسترس نیست؛ کمی بعد تلاش کنید",
                "the welfare registry is unavailable; try again shortly",
            )
        })?
        .ok_or_else(not_confirmed)?;
    // Where the person lives: as typed, else as the welfare organisation knows it, else the national code's
    // prefix (only a hint: people move).
    let typed_province = input
        .province_code
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let province = match typed_province {
        Some(p) => ProvinceCode::parse(p).at("province_code")?,
        None => confirmation
            .province_code
            .as_deref()
            .and_then(|p| ProvinceCode::parse(p).ok())
            .or_else(|| domain::prefixes::province_of(app.national_code.prefix()))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "province_required",
                    "استان محل سکونت را انتخاب کنید",
                    "the province is required",
                )
                .with_field("province_code")
            })?,
    };
    let person = state.store.person(&app.national_code).await?;
    let registry_address = person.map(|p| p.address).unwrap_or_default();
    let typed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let area = confirmation
        .city
        .clone()
        .or_else(|| typed(&input.city))
        .or_else(|| {
            registry_address
                .split(['،', ','])
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        })
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "city_required",
                "شهر محل سکونت را بنویسید",
                "the city is required",
            )
            .with_field("city")
        })?;
    let address = typed(&input.address).unwrap_or(registry_address);
    let filed = state
        .store
        .home_visit_request(&NewHomeVisitRequest {
            tracking_code: app.tracking_code,
            province,
            area,
            address,
            welfare_ref: confirmation.reference,
            requested_by: "citizen".into(),
            at: chrono::Utc::now(),
        })
        .await?;
    match filed {
        HomeVisitFiled::Created(r) => {
            tracing::info!(
                tracking_code = %app.tracking_code.masked(),
                request = r.id,
                "home visit asked for, disability confirmed"
            );
            Ok((true, answer(&r)))
        }
        HomeVisitFiled::Exists(r) => Ok((false, answer(&r))),
        HomeVisitFiled::NotFound => Err(holder::not_found()),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/applications/{tracking_code}/home-visit",
    tag = "citizen",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = HomeVisitInput,
    responses(
        (status = 201, description = "Asked for; the disability is confirmed by the welfare registry and the request waits to be grouped into a unit's visit", body = HomeVisitAnswer),
        (status = 200, description = "Already asked for: the request as it is", body = HomeVisitAnswer),
        (status = 404, description = "`not_found`: no such application, or the national code is not its applicant's", body = crate::error::ErrorBody),
        (status = 409, description = "`home_visit_not_possible`: booked, enrolled or further on", body = crate::error::ErrorBody),
        (status = 422, description = "`disability_not_confirmed`, `city_required`, `province_required`, `invalid_province_code`, `invalid_national_code`, `invalid_tracking_code`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited` (the status lookup's limits)", body = crate::error::ErrorBody),
        (status = 503, description = "`welfare_unavailable`", body = crate::error::ErrorBody),
    )
)]
pub async fn request_api(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(tc): ApiPath<String>,
    ApiJson(input): ApiJson<HomeVisitInput>,
) -> ApiResult<(StatusCode, Json<HomeVisitAnswer>)> {
    let (created, a) = request(&state, &client, &tc, &input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(a)))
}

/// The confirmed requests of one area waiting for a visit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaRequests {
    pub province_code: String,
    pub area: String,
    pub requests: Vec<WaitingRequest>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingRequest {
    pub request_id: i64,
    pub tracking_code: String,
    pub address: String,
    pub requested_at: String,
}

/// Waiting requests the administrator may see, by province and area.
pub async fn waiting(state: &AppState, scope: Scope) -> ApiResult<Vec<AreaRequests>> {
    let province = match scope {
        Scope::All => None,
        Scope::One(p) => Some(p),
    };
    let mut out: Vec<AreaRequests> = Vec::new();
    for r in state.store.home_visit_requests_waiting(province).await? {
        let w = WaitingRequest {
            request_id: r.id,
            tracking_code: r.tracking_code.as_str().into(),
            address: r.address.clone(),
            requested_at: r
                .requested_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        match out.last_mut() {
            Some(a) if a.area == r.area && a.province_code == r.province.as_str() => {
                a.requests.push(w)
            }
            _ => out.push(AreaRequests {
                province_code: r.province.as_str().into(),
                area: r.area.clone(),
                requests: vec![w],
            }),
        }
    }
    Ok(out)
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/home-visits",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed home-visit requests waiting for a visit, by province and area", body = Vec<AreaRequests>),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
pub async fn waiting_api(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<AreaRequests>>> {
    let scope = admin_scope(&staff)?;
    Ok(Json(waiting(&state, scope).await?))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct GroupInput {
    /// The unit that goes (an office of kind `mobile_unit` in the area's province).
    #[schema(example = "30-9001")]
    pub unit_id: String,
    /// The area whose waiting requests the visit serves.
    #[schema(example = "کرج")]
    pub area: String,
    #[schema(example = "1405-09-25")]
    pub date_jalali: String,
    /// Places; by default as many as requests wait in the area.
    #[serde(default)]
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupedRequest {
    pub request_id: i64,
    pub tracking_code: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkippedRequest {
    pub request_id: i64,
    /// Why it was not booked (`no_capacity`, `home_visit_not_possible`).
    pub code: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Grouped {
    pub visit_id: i64,
    pub booked: Vec<GroupedRequest>,
    pub skipped: Vec<SkippedRequest>,
}

/// Makes a home visit of the unit to the area on the day, and books the area's waiting requests onto it (oldest
/// first, up to its capacity).
pub async fn group(state: &AppState, staff: &Staff, input: &GroupInput) -> ApiResult<Grouped> {
    let scope = admin_scope(staff)?;
    let area = input.area.trim();
    let unit = domain::OfficeId::parse(&input.unit_id).at("unit_id")?;
    let province = state
        .store
        .office(&unit)
        .await?
        .map(|o| o.province)
        .filter(|p| covers(scope, *p));
    let requests: Vec<HomeVisitRequest> = match province {
        Some(p) => state
            .store
            .home_visit_requests_waiting(Some(p))
            .await?
            .into_iter()
            .filter(|r| r.area == area)
            .collect(),
        None => Vec::new(),
    };
    if province.is_some() && requests.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_requests",
            "در این ناحیه درخواست بازدید در منزلی در انتظار نیست",
            "no home-visit requests wait in this area",
        )
        .with_field("area"));
    }
    let count = u32::try_from(requests.len()).unwrap_or(1000).clamp(1, 1000);
    // Plans the visit with every check of a planned visit (unit, province, date, capacity).
    let visit = super::create(
        state,
        staff,
        &VisitInput {
            unit_id: input.unit_id.clone(),
            institution_kind: InstitutionKind::Home.as_str().into(),
            institution_name: format!("منازل افراد دارای معلولیت، {area}"),
            address: area.to_string(),
            date_jalali: input.date_jalali.clone(),
            capacity: input.capacity.unwrap_or(count),
            liaison: None,
            area: Some(area.to_string()),
        },
    )
    .await?;
    let policy: FeePolicy = state.settings.unit_fees.of(InstitutionKind::Home);
    let change = Change {
        actor: actor(staff),
        at: chrono::Utc::now(),
        reason: None,
    };
    let mut booked = Vec::new();
    let mut skipped = Vec::new();
    for r in &requests {
        let line = u32::try_from(r.id).unwrap_or(u32::MAX);
        let outcome = state
            .store
            .visit_book_existing(visit.id, line, policy, &r.tracking_code, &change)
            .await?;
        match outcome {
            VisitBooked::Booked { .. } => {
                state
                    .store
                    .home_visit_request_booked(r.id, visit.id, &change)
                    .await?;
                booked.push(GroupedRequest {
                    request_id: r.id,
                    tracking_code: r.tracking_code.as_str().into(),
                });
            }
            VisitBooked::NoCapacity => skipped.push(SkippedRequest {
                request_id: r.id,
                code: "no_capacity".into(),
            }),
            _ => skipped.push(SkippedRequest {
                request_id: r.id,
                code: "home_visit_not_possible".into(),
            }),
        }
    }
    state
        .store
        .visit_note(
            visit.id,
            &format!(
                "home requests of {area}: {} booked, {} skipped",
                booked.len(),
                skipped.len()
            ),
            &change,
        )
        .await?;
    Ok(Grouped {
        visit_id: visit.id,
        booked,
        skipped,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/home-visits",
    tag = "admin",
    request_body = GroupInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A home visit planned and the area's waiting requests booked onto it", body = Grouped),
        (status = 401, description = "`unauthorized`", body = crate::error::ErrorBody),
        (status = 403, description = "`forbidden`: the unit is in another province", body = crate::error::ErrorBody),
        (status = 422, description = "`no_requests`, and those of planning a visit", body = crate::error::ErrorBody),
    )
)]
pub async fn group_api(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<GroupInput>,
) -> ApiResult<(StatusCode, Json<Grouped>)> {
    Ok((
        StatusCode::CREATED,
        Json(group(&state, &staff, &input).await?),
    ))
}
