//! `POST /api/v1/applications` (pre-registration) and the captcha it asks for (`GET /api/v1/captcha`,
//! `GET /api/v1/captcha/{id}.png`).

use crate::client::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::filing::{self as file, ApplicationInput, Filer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Channel;
use serde::Serialize;
use store::journey::Application;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationCreated {
    pub application_id: i64,
    #[schema(example = "493820175643")]
    pub tracking_code: String,
    #[schema(example = "awaiting_payment")]
    pub state: String,
    pub state_fa: String,
    #[schema(example = 250000)]
    pub fee_rials: u64,
}

impl From<&Application> for ApplicationCreated {
    fn from(a: &Application) -> Self {
        Self {
            application_id: a.id,
            tracking_code: a.tracking_code.to_string(),
            state: a.state.as_str().into(),
            state_fa: a.state.fa().into(),
            fee_rials: a.fee_rials,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/applications",
    tag = "citizen",
    request_body = ApplicationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "A repeat with the same key answers the first answer")),
    responses(
        (status = 201, description = "Filed; pay the fee next", body = ApplicationCreated),
        (status = 409, description = "`active_application_exists`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_national_code`, `invalid_birth_certificate`, `invalid_date`, `invalid_mobile`, `registry_mismatch`, `underage`, `deceased`, `mobile_not_owned`, `lunar_date_mismatch`, `captcha_*`", body = crate::error::ErrorBody),
        (status = 429, description = "Too many filings from this client", body = crate::error::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<(StatusCode, Json<ApplicationCreated>)> {
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(
                &format!("file:ip:{client}"),
                state.settings.filings_per_client_per_minute,
            )
            .await
            .map_err(ApiError::rate_limited)?;
    }
    file::check_captcha(
        &state,
        input.captcha_id.as_deref(),
        input.captcha_answer.as_deref(),
    )?;
    let app = file::file(
        &state,
        &input,
        Filer {
            channel: Channel::Portal,
            actor: "citizen".into(),
            office: None,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ApplicationCreated::from(&app))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaptchaChallenge {
    /// Send back as `captcha_id`.
    pub captcha_id: String,
    /// The image to show (PNG, five Persian digits).
    pub image_url: String,
    pub expires_at: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/captcha",
    tag = "citizen",
    responses((status = 200, description = "A new captcha", body = CaptchaChallenge))
)]
pub async fn new_captcha(State(state): State<AppState>) -> Json<CaptchaChallenge> {
    let c = state.services.captcha.issue(std::time::SystemTime::now());
    let expires: chrono::DateTime<chrono::Utc> = c.expires_at.into();
    Json(CaptchaChallenge {
        image_url: format!("/api/v1/captcha/{}.png", c.id),
        captcha_id: c.id,
        expires_at: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/captcha/{file}",
    tag = "citizen",
    params(("file" = String, Path, description = "`{captcha_id}.png`")),
    responses(
        (status = 200, description = "The image", content_type = "image/png"),
        (status = 404, description = "No such captcha", body = crate::error::ErrorBody),
    )
)]
pub async fn captcha_image(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
) -> Response {
    let id = file.strip_suffix(".png").unwrap_or(&file);
    let captcha = &state.services.captcha;
    match state
        .services
        .captcha_images
        .get_or_draw(id, captcha.ttl(), || captcha.render_png(id))
    {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            png,
        )
            .into_response(),
        Err(_) => ApiError::not_found("کد امنیتی", "captcha").into_response(),
    }
}
