//! `POST /ussd`: the USSD gateway's service (`*4*6090#`). The gateway posts a form (`sessionId`, `serviceCode`,
//! `phoneNumber`, `text`: the inputs so far joined by `*`) and shows the answer, `text/plain` starting `CON `
//! (more input wanted) or `END ` (session over), on the phone: Persian screens of at most 80 characters.
//!
//! The menu ([`menu`]): the applications of the national codes registered to the calling number (through the
//! mobile-ownership port), or one application by national code and tracking code; where the card waits and the
//! office's address. Sessions expire ([`Settings::ussd_session_ttl`](crate::Settings)); any input of any length
//! and alphabet gets a screen, never an error: every answer to a form is a 200 (gateways expect nothing else).
//! National codes and phone numbers are logged masked only.
//!
//! The service trusts the gateway's `phoneNumber`, so it answers only the gateway
//! ([`Settings::ussd_access`](crate::Settings): the `X-Gateway-Secret` header (or a `secret` in the URL) and/or the
//! addresses it calls from; this machine only by default): anyone else gets 403 `forbidden`. Requests are limited per
//! client and per phone number.

pub mod menu;
pub mod screens;
pub mod sessions;

use crate::client::ClientIp;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::{Extension, Form};
use domain::Mobile;
use screens::Screen;
use serde::Deserialize;
use sessions::Sessions;
use std::sync::Arc;
use utoipa::ToSchema;

/// The service code this service answers.
pub const SERVICE_CODE: &str = "*4*6090#";
/// A `text` longer than this (in characters) ends the session.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Requests one phone number may make per minute (when rate limits are on).
pub const PER_PHONE_PER_MINUTE: u32 = 30;

/// The gateway's form. Every field may be missing: the answer is then a screen saying so.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[allow(non_snake_case)]
pub struct UssdRequest {
    /// The gateway's name for the session; the same on every request of one session.
    #[schema(example = "ATUid_7f3a")]
    pub sessionId: Option<String>,
    /// The code dialled.
    #[schema(example = "*4*6090#")]
    pub serviceCode: Option<String>,
    /// The calling number, as the mobile network gives it (`09…`, `+989…` or `989…`).
    #[schema(example = "+989121234567")]
    pub phoneNumber: Option<String>,
    /// The inputs so far, joined by `*`; empty on the first request.
    #[schema(example = "2*0084575948")]
    pub text: Option<String>,
}

impl UssdRequest {
    /// The first value of each field; unknown fields are ignored.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut r = Self::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "sessionId" => &mut r.sessionId,
                "serviceCode" => &mut r.serviceCode,
                "phoneNumber" => &mut r.phoneNumber,
                "text" => &mut r.text,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        r
    }
}

/// The route, with its memory of sessions.
pub fn route() -> MethodRouter<AppState> {
    post(handle).layer(Extension(Arc::new(Sessions::default())))
}

#[utoipa::path(
    post,
    path = "/ussd",
    tag = "ussd",
    operation_id = "ussd",
    request_body(content = Option<UssdRequest>, content_type = "application/x-www-form-urlencoded", description = "The gateway's form; an empty or missing one gets an `END` screen too"),
    responses(
        (status = 200, description = "The screen: `CON …` (more input wanted) or `END …` (session over), \
                                      Persian, at most 80 characters. Every form gets a 200, also one with \
                                      missing fields, a wrong service code, an expired session or too many \
                                      requests from one number (each an `END` screen saying so).",
         body = String, content_type = "text/plain; charset=utf-8",
         example = json!("CON کارت هوشمند ملی\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری")),
        (status = 403, description = "`forbidden`: not the configured USSD gateway (secret or address)", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this client (the gateway's address)", body = crate::error::ErrorBody),
        (status = 413, description = "`invalid_body`: the body is too large", body = crate::error::ErrorBody),
        (status = 415, description = "`invalid_body`: not a form", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_body`: the body could not be read", body = crate::error::ErrorBody),
    )
)]
pub async fn handle(
    State(state): State<AppState>,
    Extension(sessions): Extension<Arc<Sessions>>,
    client: ClientIp,
    mut req: Request,
) -> Response {
    if let Err(e) =
        state
            .settings
            .ussd_access
            .check("ussd", client, req.headers(), req.uri().query())
    {
        return e.into_response();
    }
    if state.settings.rate_limits {
        let who = client
            .ip
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "local".into());
        if let Err(wait) = state
            .services
            .limiter
            .check(
                &format!("ussd:client:{who}"),
                state.settings.ussd_per_client_per_minute,
            )
            .await
        {
            return ApiError::rate_limited(wait).into_response();
        }
    }
    // A gateway that names no content type is read as a form all the same.
    if !req.headers().contains_key(header::CONTENT_TYPE) {
        req.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
    }
    let pairs = match Form::<Vec<(String, String)>>::from_request(req, &()).await {
        Ok(Form(p)) => p,
        Err(e) => {
            let status = match e.status() {
                StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::PAYLOAD_TOO_LARGE => e.status(),
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return ApiError::new(
                status,
                "invalid_body",
                "بدنهٔ درخواست باید فرم باشد",
                format!("the USSD gateway posts a form: {}", e.body_text()),
            )
            .into_response();
        }
    };
    let screen = answer(&state, &sessions, UssdRequest::from_pairs(pairs)).await;
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        screen.render(),
    )
        .into_response()
}

/// `*4*6090#` however it is spaced or whatever its digits.
fn is_our_service(code: &str) -> bool {
    let folded: String = domain::text::to_ascii_digits(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    folded == SERVICE_CODE
}

async fn answer(state: &AppState, sessions: &Sessions, r: UssdRequest) -> Screen {
    let Some(session) = r
        .sessionId
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Screen::end(screens::BAD_REQUEST);
    };
    if !r.serviceCode.as_deref().is_some_and(is_our_service) {
        tracing::info!("ussd: a request for another service code");
        return Screen::end(screens::WRONG_SERVICE);
    }
    let phone = r.phoneNumber.as_deref().unwrap_or("");
    let phone: String = phone.chars().take(32).collect();
    let mobile = Mobile::parse(&phone).ok();
    if state.settings.rate_limits {
        let who = mobile.map(|m| m.as_str().to_string()).unwrap_or(phone);
        if state
            .services
            .limiter
            .check(&format!("ussd:phone:{who}"), PER_PHONE_PER_MINUTE)
            .await
            .is_err()
        {
            return Screen::end(screens::RATE_LIMITED);
        }
    }
    let text = r.text.as_deref().unwrap_or("");
    if text.chars().count() > MAX_TEXT_CHARS {
        return Screen::end(screens::TOO_LONG);
    }
    if sessions.age(session, state.settings.ussd_session_ttl) > state.settings.ussd_session_ttl {
        return Screen::end(screens::EXPIRED);
    }
    let text = text.trim();
    let inputs: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('*').collect()
    };
    tracing::debug!(
        phone = %mobile.map(|m| m.masked()).unwrap_or_default(),
        inputs = inputs.len(),
        "ussd request"
    );
    menu::answer(&menu::Caller { state, mobile }, &inputs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_code_however_written() {
        assert!(is_our_service("*4*6090#"));
        assert!(is_our_service(" *4 * 6090 # "));
        assert!(is_our_service("*۴*۶۰۹۰#"));
        assert!(!is_our_service("*4*6091#"));
        assert!(!is_our_service(""));
    }

    #[test]
    fn first_value_of_each_field() {
        let r = UssdRequest::from_pairs(vec![
            ("text".into(), "1".into()),
            ("text".into(), "2".into()),
            ("other".into(), "x".into()),
        ]);
        assert_eq!(r.text.as_deref(), Some("1"));
        assert!(r.sessionId.is_none());
    }
}
