//! Paying the fee through the gateway port. The callback proves nothing by itself: every callback (and the
//! reconciler, for callbacks that never came or writes that never landed) asks the bank to verify, and the store
//! applies a verified payment to its application at most once. A payment the application cannot take (paid by
//! another attempt, cancelled meanwhile) is reversed.

pub mod api;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::Utc;
use domain::{ApplicationState, PaymentState, TrackingCode};
use payments::{GatewayError, TokenRequest, Verification};
use store::journey::{Change, Payment, PaymentApplied};

/// A payment begun: where to send the customer.
pub struct Started {
    pub payment_id: i64,
    pub amount_rials: u64,
    pub redirect_url: String,
}

fn gateway_unavailable(e: GatewayError) -> ApiError {
    tracing::error!(error = %e, "payment gateway failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "gateway_unavailable",
        "درگاه پرداخت در دسترس نیست؛ کمی بعد دوباره تلاش کنید",
        "the payment gateway is unavailable; try again shortly",
    )
}

pub fn application_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "application_not_found",
        "درخواستی با این مشخصات پیدا نشد",
        "no application with these details",
    )
}

pub async fn start(state: &AppState, tracking: &TrackingCode) -> ApiResult<Started> {
    let app = state
        .store
        .application(tracking)
        .await?
        .ok_or_else(application_not_found)?;
    if app.state != ApplicationState::AwaitingPayment {
        return Err(ApiError::conflict(
            "application_already_paid",
            format!(
                "این درخواست در وضعیت «{}» است و پرداخت لازم ندارد",
                app.state.fa()
            ),
            format!(
                "the application is {} and needs no payment",
                app.state.as_str()
            ),
        ));
    }
    let gateway = &state.services.gateway;
    let id = state
        .store
        .create_payment(app.id, app.fee_rials, gateway.name(), Utc::now())
        .await?;
    let token = match gateway
        .token(&TokenRequest {
            order_id: id,
            amount_rials: app.fee_rials,
            callback_url: state.settings.callback_url.clone(),
        })
        .await
    {
        Ok(t) => t,
        Err(e) => {
            state
                .store
                .set_payment_state(
                    id,
                    PaymentState::Pending,
                    PaymentState::Failed,
                    "no token",
                    Utc::now(),
                )
                .await?;
            return Err(gateway_unavailable(e));
        }
    };
    state.store.set_payment_token(id, &token.token).await?;
    Ok(Started {
        payment_id: id,
        amount_rials: app.fee_rials,
        redirect_url: token.redirect_url,
    })
}

/// Where a payment stands after a callback or a reconciliation.
#[derive(Debug, Clone)]
pub struct Settled {
    pub tracking_code: TrackingCode,
    pub payment: PaymentState,
    pub application: ApplicationState,
}

/// Handles the bank's callback for `token`: verify, apply once, settle or reverse. Safe to repeat.
pub async fn callback(state: &AppState, token: &str) -> ApiResult<Settled> {
    let payment = state.store.payment_by_token(token).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_payment",
            "پرداختی با این شناسه پیدا نشد",
            "no payment with this token",
        )
    })?;
    let now_state = drive(state, &payment).await.map_err(gateway_unavailable)?;
    let app = state
        .store
        .application(&payment.tracking_code)
        .await?
        .ok_or_else(application_not_found)?;
    Ok(Settled {
        tracking_code: payment.tracking_code,
        payment: now_state,
        application: app.state,
    })
}

/// Moves one payment as far as the bank allows; answers its state afterwards.
pub async fn drive(state: &AppState, payment: &Payment) -> Result<PaymentState, GatewayError> {
    let store_err = |e: store::StoreError| GatewayError::Unavailable(e.to_string());
    let gateway = &state.services.gateway;
    let Some(token) = payment.token.as_deref() else {
        return Ok(payment.state);
    };
    let change = Change {
        actor: format!("gateway:{}", gateway.name()),
        at: Utc::now(),
        reason: None,
    };
    let mut current = payment.state;
    if current == PaymentState::Pending {
        match gateway.verify(token).await? {
            Verification::Pending => return Ok(PaymentState::Pending),
            Verification::NotPaid { reason } => {
                state
                    .store
                    .set_payment_state(
                        payment.id,
                        PaymentState::Pending,
                        PaymentState::Failed,
                        &reason,
                        Utc::now(),
                    )
                    .await
                    .map_err(store_err)?;
                return Ok(PaymentState::Failed);
            }
            Verification::Paid {
                ref_id,
                amount_rials,
            } => {
                if amount_rials != payment.amount_rials {
                    // The bank took another amount than we asked: never accept it; give it back.
                    tracing::error!(
                        payment = payment.id,
                        amount_rials,
                        "amount differs from the fee"
                    );
                    gateway.reverse(token).await?;
                    state
                        .store
                        .set_payment_state(
                            payment.id,
                            PaymentState::Pending,
                            PaymentState::Failed,
                            "amount mismatch; reversed",
                            Utc::now(),
                        )
                        .await
                        .map_err(store_err)?;
                    return Ok(PaymentState::Failed);
                }
                match state
                    .store
                    .apply_payment(payment.id, &ref_id, &change)
                    .await
                    .map_err(store_err)?
                {
                    PaymentApplied::AlreadyDone(s) => current = s,
                    PaymentApplied::Applied | PaymentApplied::MustReverse => {
                        current = PaymentState::Verified
                    }
                }
            }
        }
    }
    if current == PaymentState::Verified {
        if state
            .store
            .payment_is_applied(payment.id)
            .await
            .map_err(store_err)?
        {
            gateway.settle(token).await?;
            state
                .store
                .set_payment_state(
                    payment.id,
                    PaymentState::Verified,
                    PaymentState::Settled,
                    "settled",
                    Utc::now(),
                )
                .await
                .map_err(store_err)?;
            current = PaymentState::Settled;
        } else {
            gateway.reverse(token).await?;
            state
                .store
                .set_payment_state(
                    payment.id,
                    PaymentState::Verified,
                    PaymentState::Reversed,
                    "the application could not take it; reversed",
                    Utc::now(),
                )
                .await
                .map_err(store_err)?;
            current = PaymentState::Reversed;
        }
    }
    Ok(current)
}

/// One pass of the reconciler: every unfinished payment older than `min_age` is driven again (a callback that
/// never came, a crash between the bank's answer and our write). Answers how many it looked at.
pub async fn reconcile(
    state: &AppState,
    min_age: chrono::Duration,
) -> Result<usize, store::StoreError> {
    // Leased: with several instances, each unfinished payment is driven by one of them per `min_age`.
    let now = Utc::now();
    let payments = state
        .store
        .lease_unfinished_payments(now - min_age, now, 500)
        .await?;
    let mut n = 0;
    for p in &payments {
        n += 1;
        if let Err(e) = drive(state, p).await {
            tracing::warn!(payment = p.id, error = %e, "reconciliation deferred");
        }
    }
    Ok(n)
}

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::start))
        .routes(routes!(api::callback))
}
