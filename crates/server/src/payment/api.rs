//! `POST /api/v1/applications/{tracking_code}/payments` (begin paying at the bank; the applicant's national code
//! goes with the tracking code, see [`crate::status::holder`]) and
//! `POST /api/v1/payments/callback` (the bank sends the customer back). The callback accepts JSON (a bank's
//! server or a script) or a form post (the customer's browser, sent back by the bank's page): JSON is answered
//! with JSON, a browser is redirected to its application's page.

use crate::client::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::payment as pay;
use crate::state::AppState;
use crate::status::holder;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use domain::{AtField, TrackingCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentStarted {
    pub payment_id: i64,
    #[schema(example = 250000)]
    pub amount_rials: u64,
    /// The bank's page; the gateway token is its `token` query parameter.
    #[schema(example = "/sandbox-bank/pay?token=9f2c…")]
    pub redirect_url: String,
}

pub fn tracking(input: &str) -> ApiResult<TrackingCode> {
    Ok(TrackingCode::parse(input).at("tracking_code")?)
}

/// Who asks to pay: the applicant's national code, which must go with the tracking code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentRequest {
    #[schema(example = "0499370899")]
    pub national_code: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/applications/{tracking_code}/payments",
    tag = "citizen",
    params(("tracking_code" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = PaymentRequest,
    responses(
        (status = 201, description = "Send the customer to `redirect_url`", body = PaymentStarted),
        (status = 404, description = "`not_found`: no such application, or the national code is not its applicant's (one answer for both)", body = crate::error::ErrorBody),
        (status = 409, description = "`application_already_paid`", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_tracking_code`, `invalid_national_code`, `invalid_body`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many calls from this client or for this national code (the status lookup's limits)", body = crate::error::ErrorBody),
        (status = 503, description = "`gateway_unavailable`", body = crate::error::ErrorBody),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(tc): ApiPath<String>,
    ApiJson(req): ApiJson<PaymentRequest>,
) -> ApiResult<(StatusCode, Json<PaymentStarted>)> {
    let app = holder::application(&state, &client, &tc, &req.national_code).await?;
    let s = pay::start(&state, &app.tracking_code).await?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentStarted {
            payment_id: s.payment_id,
            amount_rials: s.amount_rials,
            redirect_url: s.redirect_url,
        }),
    ))
}

/// What the bank posts back. Only `token` is used: the outcome is always asked of the bank itself.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Callback {
    pub token: String,
    /// The bank's word on the outcome (`OK`, `NOK`, …); informative only.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub ref_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackResult {
    pub tracking_code: String,
    /// `pending`, `verified`, `settled`, `failed` or `reversed`.
    pub payment_state: String,
    /// The application's state afterwards.
    pub state: String,
    pub state_fa: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/payments/callback",
    tag = "citizen",
    request_body(content = Callback, content_type = "application/json"),
    responses(
        (status = 200, description = "Verified with the bank; paid at most once", body = CallbackResult),
        (status = 303, description = "A browser's form post: sent to its application's page"),
        (status = 404, description = "`unknown_payment`", body = crate::error::ErrorBody),
        (status = 503, description = "`gateway_unavailable` (the reconciler finishes it later)", body = crate::error::ErrorBody),
    )
)]
pub async fn callback(State(state): State<AppState>, req: Request) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let Ok(Form(cb)) = Form::<Callback>::from_request(req, &state).await else {
            return invalid_callback().into_response();
        };
        return match pay::callback(&state, &cb.token).await {
            Ok(done) => Redirect::to(&format!(
                "/applications/{}?payment={}",
                done.tracking_code,
                done.payment.as_str()
            ))
            .into_response(),
            Err(e) => e.into_response(),
        };
    }
    let cb = match ApiJson::<Callback>::from_request(req, &state).await {
        Ok(ApiJson(cb)) => cb,
        Err(e) => return e.into_response(),
    };
    match pay::callback(&state, &cb.token).await {
        Ok(done) => Json(CallbackResult {
            tracking_code: done.tracking_code.to_string(),
            payment_state: done.payment.as_str().into(),
            state: done.application.as_str().into(),
            state_fa: done.application.fa().into(),
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

fn invalid_callback() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        "بازگشت از بانک نادرست است",
        "malformed callback",
    )
}
