//! What Kannel calls: delivery reports (`GET /sms/dlr`, the `dlr-url` of each message sent) and incoming SMS
//! (`GET /sms/incoming`, the `get-url` of the short number's `sms-service`). An incoming SMS holding a national
//! code gets the status of that person's application back, by SMS through the outbox, only when the sending
//! number is linked to the code; otherwise the same "nothing found" answer, so the service reveals nothing about
//! codes that are not the sender's.
//!
//! Both answer only Kannel ([`Settings::kannel_access`](crate::Settings): a shared secret in the URLs and/or the
//! addresses it calls from; this machine only by default). A delivery report must carry its message's token
//! ([`sms::DlrTokens`]), so that it can change no other message. Status replies are limited per number per hour
//! and for all numbers per minute: incoming SMS cannot be used to make the service send SMS without end.

use crate::client::ClientIp;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{Mobile, NationalCode};

/// `GET /sms/dlr?id=…&token=…&status=…&answer=…`
pub async fn dlr(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(e) = state
        .settings
        .kannel_access
        .check("kannel", client, &headers, query.as_deref())
    {
        return e.into_response();
    }
    let Ok(report) = sms::DlrReport::from_query(query.as_deref().unwrap_or("")) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if !state.services.dlr_tokens.verify(report.id, &report.token) {
        tracing::warn!(
            id = report.id,
            "a delivery report without its message's token was refused"
        );
        return ApiError::forbidden().into_response();
    }
    if !report.status.is_final() {
        return StatusCode::OK.into_response();
    }
    let delivered = !report.status.is_failure();
    let status = match state
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
    };
    status.into_response()
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

/// Whether one more status reply may go to `mobile`: per number per hour, then for all numbers per minute (a
/// number over its own limit takes nothing from the others').
async fn reply_allowed(state: &AppState, mobile: &Mobile) -> bool {
    let l = &state.services.limiter;
    let s = &state.settings;
    let key = format!("sms:reply:{}", mobile.as_str());
    if l.check_hourly(&key, s.sms_replies_per_number_per_hour)
        .await
        .is_err()
    {
        tracing::warn!(phone = %mobile.masked(), "sms status: too many replies to this number this hour; not answered");
        return false;
    }
    if l.check("sms:reply:all", s.sms_replies_per_minute)
        .await
        .is_err()
    {
        tracing::warn!(phone = %mobile.masked(), "sms status: too many replies this minute; not answered");
        return false;
    }
    true
}

/// `GET /sms/incoming?from=%p&to=%P&text=%b…` (also a form POST; the secret may then be in the URL and the fields in
/// the body).
pub async fn incoming(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    if let Err(e) = state
        .settings
        .kannel_access
        .check("kannel", client, &headers, query.as_deref())
    {
        return e.into_response();
    }
    // The URL's fields come first (a field named twice keeps its first value), then the body's.
    let raw = [
        query.unwrap_or_default(),
        String::from_utf8_lossy(&body).into_owned(),
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join("&");
    let Ok(sms) = sms::IncomingSms::from_query(&raw) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Ok(mobile) = Mobile::parse(&sms.from) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // Kannel is told all is well (it would only retry); the sender gets nothing.
    if !reply_allowed(&state, &mobile).await {
        return StatusCode::OK.into_response();
    }
    let reply = match reply_to(&state, &mobile, &sms.text).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "sms status: lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let status = match state
        .store
        .enqueue_sms(None, &mobile, "status_reply", &reply, chrono::Utc::now())
        .await
    {
        Ok(_) => StatusCode::OK,
        Err(e) => {
            tracing::error!(error = %e, "sms status: reply not queued");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    status.into_response()
}
