//! The backlog's JSON API (and CSV with `?format=csv`): the waiting cards, the figures, campaigns, an office's
//! call list, the cards to destroy.

use super::figures::{BacklogFigures, CampaignFigures};
use super::{CampaignInput, Reader, Selection};
use crate::admin::figures::{self, StatsQuery};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use domain::OfficeId;
use serde::{Deserialize, Serialize};
use store::backlog::{ToDestroy, WaitingCard};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cards))
        .routes(routes!(backlog_figures))
        .routes(routes!(start_campaign, campaigns))
        .routes(routes!(call_list))
        .routes(routes!(to_destroy))
        .routes(routes!(destroyed))
}

/// A waiting card as a list shows it: identities masked unless the reader is the office that holds the card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogCard {
    pub tracking_code: String,
    pub national_code: String,
    /// The holder's name (only in the holding office's call list; empty otherwise).
    pub name: String,
    /// The number typed at pre-registration.
    pub mobile: String,
    pub office_id: String,
    pub province_code: String,
    /// RFC 3339: when the card reached the office.
    #[schema(value_type = String, format = DateTime)]
    pub ready_at: chrono::DateTime<Utc>,
    pub waited_days: i64,
    /// `waiting` (within the pickup period) or `uncollected`.
    pub state: String,
    /// The uncollected reason: `sms_failed`, `moved`, `deceased`, `none`; `null` while waiting.
    pub reason: Option<String>,
    /// A message to the holder was delivered since the card arrived.
    pub reached: bool,
}

impl BacklogCard {
    pub fn of(c: &WaitingCard, reader: Reader) -> Self {
        let full = reader == Reader::Office;
        Self {
            tracking_code: if full {
                c.tracking_code.as_str().into()
            } else {
                c.tracking_code.masked()
            },
            national_code: if full {
                c.national_code.as_str().into()
            } else {
                c.national_code.masked()
            },
            name: if full {
                format!("{} {}", c.first_name, c.last_name)
                    .trim()
                    .to_string()
            } else {
                String::new()
            },
            mobile: if full {
                c.mobile.as_str().into()
            } else {
                c.mobile.masked()
            },
            office_id: c.office.as_str().into(),
            province_code: c.province_code.clone(),
            ready_at: c.ready_at,
            waited_days: (Utc::now() - c.ready_at).num_days().max(0),
            state: if c.uncollected {
                "uncollected"
            } else {
                "waiting"
            }
            .into(),
            reason: c.reason.map(|r| r.as_str().to_string()),
            reached: c.reached,
        }
    }
}

/// The cards of a list as CSV (header row; cells never read as formulas).
pub fn cards_csv(cards: &[BacklogCard]) -> String {
    use super::csv_cell as c;
    let mut out = String::from(
        "tracking_code,national_code,name,mobile,office_id,province_code,ready_at,waited_days,state,reason,reached\r\n",
    );
    for k in cards {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\r\n",
            c(&k.tracking_code),
            c(&k.national_code),
            c(&k.name),
            c(&k.mobile),
            c(&k.office_id),
            c(&k.province_code),
            k.ready_at.to_rfc3339(),
            k.waited_days,
            k.state,
            k.reason.as_deref().unwrap_or(""),
            k.reached
        ));
    }
    out
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// How many cards (1–10000, default 1000), longest waiting first.
    pub limit: Option<u32>,
    /// `csv` for a CSV export.
    pub format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/backlog/cards",
    tag = "admin",
    params(Selection, ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cards waiting at offices in the administrator's scope, longest waiting first; identities masked", body = [BacklogCard]),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an administrator, or an office of another province", body = ErrorBody),
        (status = 404, description = "`not_found`: no such office", body = ErrorBody),
        (status = 422, description = "`invalid_office_id`, `invalid_state`, `invalid_reason`, `invalid_min_days`, `invalid_limit`, `invalid_format`", body = ErrorBody),
    )
)]
pub async fn cards(
    State(state): State<AppState>,
    staff: Staff,
    selection: Result<ApiQuery<Selection>, ApiError>,
    query: Result<ApiQuery<ListQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let (ApiQuery(sel), ApiQuery(q)) = (selection?, query?);
    let csv = StatsQuery { format: q.format }.csv()?;
    let limit = q.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(super::invalid(
            "limit",
            "invalid_limit",
            "تعداد باید بین ۱ و ۱۰۰۰۰ باشد",
            "limit is 1 to 10000",
        ));
    }
    let list = super::cards(&state, scope, &sel.check()?, limit).await?;
    let out: Vec<BacklogCard> = list
        .iter()
        .map(|c| BacklogCard::of(c, Reader::Administrator))
        .collect();
    Ok(if csv {
        figures::csv(cards_csv(&out))
    } else {
        Json(out).into_response()
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/backlog/figures",
    tag = "admin",
    params(StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The backlog per province and office: cards waiting by age, holders reached by SMS, median days from arrival to delivery, campaigns and their effect, the backlog by day (`?format=csv`: the offices)", body = BacklogFigures),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_format`", body = ErrorBody),
    )
)]
pub async fn backlog_figures(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<ApiQuery<StatsQuery>, ApiError>,
) -> ApiResult<Response> {
    let scope = figures::scope(&staff)?;
    let ApiQuery(q) = query?;
    let csv = q.csv()?;
    let f = super::figures::compute(&state, scope).await?;
    if !csv {
        return Ok(Json(f).into_response());
    }
    let mut out = String::from(
        "office_id,waiting,under_30_days,30_to_90_days,90_to_365_days,over_a_year,uncollected,arrived,reached,reached_pct,deliveries,median_days_to_delivery\r\n",
    );
    for o in &f.offices {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            super::csv_cell(&o.id),
            o.waiting,
            o.waiting_under_30_days,
            o.waiting_30_to_90_days,
            o.waiting_90_to_365_days,
            o.waiting_over_a_year,
            o.uncollected,
            o.arrived,
            o.reached,
            o.reached_pct.map(|p| p.to_string()).unwrap_or_default(),
            o.deliveries,
            o.median_days_to_delivery
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ));
    }
    Ok(figures::csv(out))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignAnswer {
    pub campaign_id: i64,
    /// Cards whose holder was sent at least one message.
    pub cards: u64,
    pub messages: u64,
    /// Messages left out: the number had a campaign message today already.
    pub skipped: u64,
}

#[utoipa::path(
    post,
    path = "/api/v1/backlog/campaigns",
    tag = "admin",
    request_body = CampaignInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The campaign's messages are queued (spread at the configured rate), each to a number linked to the holder that has not failed for good, at most one campaign message per number per day", body = CampaignAnswer),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such office", body = ErrorBody),
        (status = 422, description = "`invalid_kind`, `invalid_office_id`, `invalid_state`, `invalid_reason`, `invalid_min_days`", body = ErrorBody),
    )
)]
pub async fn start_campaign(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<CampaignInput>,
) -> ApiResult<(StatusCode, Json<CampaignAnswer>)> {
    let scope = figures::scope(&staff)?;
    let s = super::start_campaign(&state, &staff, scope, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(CampaignAnswer {
            campaign_id: s.id,
            cards: s.cards,
            messages: s.messages,
            skipped: s.skipped,
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/backlog/campaigns",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The latest 100 campaigns in scope, with their messages' fate and the cards collected within 14 days", body = [CampaignFigures]),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    )
)]
pub async fn campaigns(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<CampaignFigures>>> {
    let scope = figures::scope(&staff)?;
    let province = scope.province().map(|p| p.as_str().to_string());
    let list = state.store.campaigns(province.as_deref(), 100).await?;
    Ok(Json(list.iter().map(CampaignFigures::from).collect()))
}

#[utoipa::path(
    get,
    path = "/api/v1/backlog/call-list/{office_id}",
    tag = "office",
    params(("office_id" = String, Path), StatsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cards waiting at the office, for calling their holders: in full for the office's own staff, masked for an administrator", body = [BacklogCard]),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`: another office's staff, or an office outside the administrator's province", body = ErrorBody),
        (status = 404, description = "`not_found`: no such office", body = ErrorBody),
        (status = 422, description = "`invalid_office_id`, `invalid_format`", body = ErrorBody),
    )
)]
pub async fn call_list(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(office): ApiPath<String>,
    query: Result<ApiQuery<StatsQuery>, ApiError>,
) -> ApiResult<Response> {
    let office =
        OfficeId::parse(&office).map_err(|e| ApiError::validation(e).with_field("office_id"))?;
    let ApiQuery(q) = query?;
    let csv = q.csv()?;
    let (reader, list) = super::call_list(&state, &staff, &office).await?;
    let out: Vec<BacklogCard> = list.iter().map(|c| BacklogCard::of(c, reader)).collect();
    Ok(if csv {
        figures::csv(cards_csv(&out))
    } else {
        Json(out).into_response()
    })
}

/// A revoked card that waited at an office, to be destroyed there.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardToDestroy {
    pub chip_serial: String,
    pub tracking_code: String,
    /// Masked.
    pub national_code: String,
    pub office_id: String,
    pub province_code: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<chrono::DateTime<Utc>>,
    /// As the revocation recorded it (`deceased`, `replaced`, …).
    pub revoke_reason: Option<String>,
}

impl From<&ToDestroy> for CardToDestroy {
    fn from(d: &ToDestroy) -> Self {
        Self {
            chip_serial: d.chip_serial.as_str().into(),
            tracking_code: d.tracking_code.as_str().into(),
            national_code: d.national_code.masked(),
            office_id: d.office.as_str().into(),
            province_code: d.province_code.clone(),
            revoked_at: d.revoked_at,
            revoke_reason: d.revoke_reason.clone(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/backlog/to-destroy",
    tag = "office",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cards revoked while they waited at an office (the holder died, the card was replaced or lost) and not yet destroyed: the caller's office, or the administrator's scope", body = [CardToDestroy]),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    )
)]
pub async fn to_destroy(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<Vec<CardToDestroy>>> {
    let list = super::to_destroy(&state, &staff).await?;
    Ok(Json(list.iter().map(CardToDestroy::from).collect()))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DestroyedAnswer {
    pub chip_serial: String,
    pub destroyed: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/office/cards/{chip_serial}/destroyed",
    tag = "office",
    params(("chip_serial" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded: the office destroyed the revoked card (who and when in the application's history)", body = DestroyedAnswer),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not an office's staff", body = ErrorBody),
        (status = 404, description = "`not_found`: no revoked card with this serial waits at the office", body = ErrorBody),
        (status = 422, description = "`invalid_chip_serial`", body = ErrorBody),
    )
)]
pub async fn destroyed(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(serial): ApiPath<String>,
) -> ApiResult<Json<DestroyedAnswer>> {
    super::destroyed(&state, &staff, &serial).await?;
    Ok(Json(DestroyedAnswer {
        chip_serial: serial.trim().to_uppercase(),
        destroyed: true,
    }))
}
