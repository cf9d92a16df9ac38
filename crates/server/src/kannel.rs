//! What Kannel calls: delivery reports (`GET /sms/dlr`, the `dlr-url` of each message sent) and incoming SMS
//! (`GET /sms/incoming`, the `get-url` of the short number's `sms-service`). An incoming SMS holding a national
//! code gets the status of that person's application back, by SMS through the outbox, only when the sending
//! number is linked to the code; otherwise the same "nothing found" answer, so the service reveals nothing about
//! codes that are not the sender's.

use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use domain::{Mobile, NationalCode};

/// `GET /sms/dlr?id=…&status=…&answer=…`
pub async fn dlr(State(state): State<AppState>, RawQuery(query): RawQuery) -> StatusCode {
    let Ok(report) = sms::DlrReport::from_query(query.as_deref().unwrap_or("")) else {
        return StatusCode::BAD_REQUEST;
    };
    if !report.status.is_final() {
        return StatusCode::OK;
    }
    let delivered = !report.status.is_failure();
    match state
        .store
        .sms_report(report.id, delivered, &report.answer, chrono::Utc::now())
        .await
    {
        Ok(true) => StatusCode::OK,
        Ok(false) => StatusCode::NOT_FOUND,
        Err(e) => {
            tracing::error!(error = %e, "delivery report not recorded");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

pub const NOTHING_FOUND: &str = "برای این شماره و کد ملی درخواستی پیدا نشد. کد ملی ده‌رقمی را بفرستید؛ شماره باید به نام همان شخص باشد.";
pub const HOW_TO: &str = "برای پیگیری کارت هوشمند ملی، کد ملی ده‌رقمی را به همین شماره بفرستید.";

/// The reply to an incoming text from `mobile`.
pub async fn reply_to(state: &AppState, mobile: &Mobile, text: &str) -> store::Result<String> {
    let digits: String = text
        .chars()
        .filter_map(domain::text::digit_value)
        .map(|d| char::from(b'0' + d))
        .collect();
    let Ok(code) = NationalCode::parse(&digits) else {
        return Ok(HOW_TO.into());
    };
    let linked = match state.services.ownership.owns(&code, mobile).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(phone = %mobile.masked(), error = %e, "sms status: ownership check failed");
            return Ok("سامانه موقتاً در دسترس نیست؛ کمی بعد دوباره بفرستید.".into());
        }
    };
    if !linked {
        return Ok(NOTHING_FOUND.into());
    }
    let Some(app) = state.store.active_application(&code).await? else {
        return Ok(NOTHING_FOUND.into());
    };
    let status = state.store.status(&app.tracking_code).await?;
    let mut reply = format!(
        "کد ملی {}: {}",
        domain::text::to_persian_digits(&code.masked()),
        app.state.fa()
    );
    if let Some((_, office)) = status.and_then(|s| s.office) {
        reply.push_str(&format!("، در {office}"));
    }
    reply.push('.');
    Ok(reply)
}

/// `GET /sms/incoming?from=%p&to=%P&text=%a…` (also a form POST).
pub async fn incoming(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> StatusCode {
    let raw = match query.as_deref() {
        Some(q) if !q.is_empty() => q.to_string(),
        _ => String::from_utf8_lossy(&body).into_owned(),
    };
    let Ok(sms) = sms::IncomingSms::from_query(&raw) else {
        return StatusCode::BAD_REQUEST;
    };
    let Ok(mobile) = Mobile::parse(&sms.from) else {
        return StatusCode::BAD_REQUEST;
    };
    let reply = match reply_to(&state, &mobile, &sms.text).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "sms status: lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    match state
        .store
        .enqueue_sms(None, &mobile, "status_reply", &reply, chrono::Utc::now())
        .await
    {
        Ok(_) => StatusCode::OK,
        Err(e) => {
            tracing::error!(error = %e, "sms status: reply not queued");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
