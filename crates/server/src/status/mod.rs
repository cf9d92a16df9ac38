//! The status of an application, by national code and tracking code together: the stage in Persian with its
//! date, and the office only when the card waits there. Nothing else about the person. Rate-limited per client
//! and per national code, so it cannot be used to walk the tracking-code space.

pub mod api;
pub mod cache;
pub mod holder;
pub mod pages;

use crate::error::{ApiError, ApiResult};
use crate::payment::application_not_found;
use crate::state::AppState;
use domain::{ApplicationState, NationalCode, TrackingCode};
use store::journey::StatusView;

pub async fn limit(state: &AppState, client: &str, code: &NationalCode) -> ApiResult<()> {
    if !state.settings.rate_limits {
        return Ok(());
    }
    let s = &state.settings;
    let l = &state.services.limiter;
    l.check(
        &format!("status:ip:{client}"),
        s.status_per_client_per_minute,
    )
    .await
    .map_err(ApiError::rate_limited)?;
    l.check(
        &format!("status:nc:{}", code.as_str()),
        s.status_per_code_per_minute,
    )
    .await
    .map_err(ApiError::rate_limited)
}

/// The status of the application with this pair of codes: from memory when it is kept there (see [`cache`]),
/// else from the store. A pair that does not belong together takes the store's path, as an unknown code does.
pub async fn lookup(
    state: &AppState,
    code: &NationalCode,
    tracking: &TrackingCode,
) -> ApiResult<StatusView> {
    let cache = &state.services.reads.status;
    let v = match cache.get(tracking, code) {
        Some(v) => v,
        None => {
            let ticket = cache.ticket();
            let v = state
                .store
                .status(tracking)
                .await?
                .filter(|v| v.national_code == *code)
                .ok_or_else(application_not_found)?;
            cache.fill(tracking, &v, ticket);
            v
        }
    };
    Ok(StatusView {
        office: v.office.filter(|_| {
            matches!(
                v.state,
                ApplicationState::ReadyForPickup | ApplicationState::Uncollected
            )
        }),
        ..v
    })
}

/// The routes of this feature (the lookup by API and the portal's tracking form), with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::get;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::status))
        .route("/track", get(pages::form).post(pages::submit))
}
