//! The built-in sandbox bank, served beside the portal when it is the gateway: the customer's page
//! (`GET /sandbox-bank/pay?token=…`, with pay and cancel buttons, no JavaScript needed), and its JSON API:
//! `POST /sandbox-bank/v1/pay` acts as the customer and performs the callback; `token`, `verify`, `settle` and
//! `reverse` are the merchant's calls, used by [`payments::http::HttpGateway`]. Everything here is a test
//! double of a bank: it never moves real money.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::payment as pay;
use crate::payment::api::CallbackResult;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::html::{fa_digits, html, portal, rials_fa};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use payments::sandbox::{Outcome, SandboxBank};
use payments::{GatewayError, TokenRequest, TokenResponse, Verification};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn bank(state: &AppState) -> ApiResult<&SandboxBank> {
    state
        .services
        .sandbox_bank
        .as_ref()
        .ok_or_else(|| ApiError::not_found("بانک آزمایشی", "sandbox bank"))
}

fn refused(e: GatewayError) -> ApiError {
    match e {
        GatewayError::Refused(m) => ApiError::new(
            StatusCode::CONFLICT,
            "bank_refused",
            "بانک این درخواست را نپذیرفت",
            m,
        ),
        GatewayError::Unavailable(m) => {
            tracing::error!(error = %m, "sandbox bank failed");
            ApiError::internal()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    pub token: String,
}

/// The customer's page at the bank.
pub async fn pay_page(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> Response {
    let tx = match bank(&state) {
        Ok(b) => b.transaction(&q.token).await,
        Err(e) => return e.into_response(),
    };
    let body = match tx {
        Ok(Some(tx)) if tx.state == "created" => html! {
            section.card.bank {
                h1 { "درگاه پرداخت آزمایشی" }
                p.note { "این بانک آزمایشی است و پول واقعی جابه‌جا نمی‌کند." }
                dl {
                    dt { "پذیرنده" }
                    dd { "سامانهٔ کارت هوشمند ملی (شناس)" }
                    dt { "مبلغ" }
                    dd.amount { (rials_fa(tx.amount_rials)) }
                    dt { "شمارهٔ سفارش" }
                    dd { (fa_digits(&tx.order_id.to_string())) }
                }
                form method="post" action="/sandbox-bank/pay" {
                    input type="hidden" name="token" value=(tx.token);
                    label for="card" { "شمارهٔ کارت (آزمایشی)" }
                    input id="card" name="card" inputmode="numeric" value="6037 9900 0000 0000" dir="ltr";
                    div.actions {
                        button type="submit" name="outcome" value="success" class="primary" { "پرداخت" }
                        button type="submit" name="outcome" value="insufficient_funds" { "پرداخت با موجودی ناکافی" }
                        button type="submit" name="outcome" value="cancel" class="secondary" { "انصراف" }
                    }
                }
            }
        },
        Ok(Some(_)) => html! { section.card { h1 { "این پرداخت پیش‌تر انجام یا لغو شده است" } } },
        Ok(None) => html! { section.card { h1 { "پرداختی با این شناسه پیدا نشد" } } },
        Err(e) => return refused(e).into_response(),
    };
    Html(portal("درگاه پرداخت آزمایشی", body).into_string()).into_response()
}

#[derive(Debug, Deserialize)]
pub struct PayForm {
    pub token: String,
    /// `success`, `cancel` or `insufficient_funds`.
    pub outcome: Outcome,
}

/// The customer pressed a button: record it, then send the browser back to the merchant (a form the customer
/// submits; real gateways do the same).
pub async fn pay_submit(State(state): State<AppState>, PageForm(f): PageForm<PayForm>) -> Response {
    let b = match bank(&state) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let tx = match b.pay(&f.token, f.outcome).await {
        Ok(tx) => tx,
        Err(e) => {
            let body = html! { section.card { h1 { "پرداخت انجام نشد" } p { (e.to_string()) } } };
            return (
                StatusCode::CONFLICT,
                Html(portal("درگاه پرداخت آزمایشی", body).into_string()),
            )
                .into_response();
        }
    };
    let (title, status) = match f.outcome {
        Outcome::Success => ("پرداخت با موفقیت انجام شد", "OK"),
        Outcome::Cancel => ("پرداخت لغو شد", "NOK"),
        Outcome::InsufficientFunds => ("موجودی کافی نیست؛ پرداخت انجام نشد", "NOK"),
    };
    let body = html! {
        section.card.bank {
            h1 { (title) }
            form method="post" action=(tx.callback_url) id="back" {
                input type="hidden" name="token" value=(tx.token);
                input type="hidden" name="status" value=(status);
                input type="hidden" name="ref_id" value=(tx.ref_id.as_deref().unwrap_or(""));
                button type="submit" class="primary" { "بازگشت به سایت پذیرنده" }
            }
        }
    };
    Html(portal("درگاه پرداخت آزمایشی", body).into_string()).into_response()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PayRequest {
    pub token: String,
    /// `success`, `cancel` or `insufficient_funds`.
    #[schema(schema_with = outcome_schema)]
    pub outcome: Outcome,
}

/// [`Outcome`]'s three values, as the document lists them.
fn outcome_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["success", "cancel", "insufficient_funds"]))
        .description(Some("`success`, `cancel` or `insufficient_funds`."))
        .examples([serde_json::json!("success")])
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayResult {
    /// The bank's ledger state: `paid`, `cancelled` or `failed`, and later `verified`, `settled`, `reversed`.
    pub bank_state: String,
    pub ref_id: Option<String>,
    /// What the merchant's callback answered.
    pub callback: CallbackResult,
}

#[utoipa::path(
    post,
    path = "/sandbox-bank/v1/pay",
    tag = "sandbox-bank",
    request_body = PayRequest,
    responses(
        (status = 200, description = "Paid (or cancelled) and the callback performed", body = PayResult),
        (status = 404, description = "No sandbox bank, or `unknown_payment`", body = crate::error::ErrorBody),
        (status = 409, description = "`bank_refused`: unknown, used or expired token", body = crate::error::ErrorBody),
    )
)]
pub async fn api_pay(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<PayRequest>,
) -> ApiResult<Json<PayResult>> {
    let tx = bank(&state)?
        .pay(&r.token, r.outcome)
        .await
        .map_err(refused)?;
    let done = pay::callback(&state, &tx.token).await?;
    let after = bank(&state)?
        .transaction(&tx.token)
        .await
        .map_err(refused)?;
    Ok(Json(PayResult {
        bank_state: after.map(|t| t.state).unwrap_or(tx.state),
        ref_id: tx.ref_id,
        callback: CallbackResult {
            tracking_code: done.tracking_code.to_string(),
            payment_state: done.payment.as_str().into(),
            state: done.application.as_str().into(),
            state_fa: done.application.fa().into(),
        },
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenOnly {
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Done {}

/// The merchant asks for a token (`TokenRequest` → `TokenResponse`).
pub async fn api_token(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(bank(&state)?.issue(&r).await.map_err(refused)?))
}

pub async fn api_verify(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<TokenOnly>,
) -> ApiResult<Json<Verification>> {
    Ok(Json(bank(&state)?.verify(&r.token).await.map_err(refused)?))
}

pub async fn api_settle(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<TokenOnly>,
) -> ApiResult<Json<Done>> {
    bank(&state)?.settle(&r.token).await.map_err(refused)?;
    Ok(Json(Done {}))
}

pub async fn api_reverse(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<TokenOnly>,
) -> ApiResult<Json<Done>> {
    bank(&state)?.reverse(&r.token).await.map_err(refused)?;
    Ok(Json(Done {}))
}

/// The sandbox bank's routes: its page, and its API (`/sandbox-bank/v1/pay` with its OpenAPI path).
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    utoipa_axum::router::OpenApiRouter::new()
        .route("/sandbox-bank/pay", get(pay_page).post(pay_submit))
        .routes(utoipa_axum::routes!(api_pay))
        .route("/sandbox-bank/v1/token", post(api_token))
        .route("/sandbox-bank/v1/verify", post(api_verify))
        .route("/sandbox-bank/v1/settle", post(api_settle))
        .route("/sandbox-bank/v1/reverse", post(api_reverse))
}
