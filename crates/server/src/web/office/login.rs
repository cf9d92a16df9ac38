//! `GET/POST /office/login` and `POST /office/logout`: the staff login of the office pages. The session is the
//! API's (`crate::office::login::authenticate`), its token kept in the HttpOnly `shenas_staff` cookie for
//! `/office`, as the administrators' dashboard keeps it for `/admin`.

use super::respond;
use crate::admin::login::{LoginForm, COOKIE_NAME};
use crate::client::ClientAddr;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::form::see_other;
use crate::web::html::escape;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

fn render(status: StatusCode, username: &str, error: &str) -> Response {
    let alert = if error.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"alert\" id=\"err-form\" role=\"alert\"><p class=\"error\">{}</p></div>",
            escape(error)
        )
    };
    let body = format!(
        "<section class=\"card narrow\"><h1>ورود کارکنان دفتر</h1>\
<p class=\"lead\">متصدیان و سرپرستان دفترهای پیشخوان با نام کاربری و گذرواژهٔ سامانه وارد شوند.</p>{alert}\
<form method=\"post\" action=\"/office/login\">\
<div class=\"field\"><label for=\"username\">نام کاربری</label>\
<input id=\"username\" name=\"username\" dir=\"ltr\" autocomplete=\"username\" value=\"{}\" required></div>\
<div class=\"field\"><label for=\"password\">گذرواژه</label>\
<input id=\"password\" name=\"password\" type=\"password\" dir=\"ltr\" autocomplete=\"current-password\" required></div>\
<div class=\"actions\"><button class=\"primary\" type=\"submit\" id=\"login-submit\">ورود</button></div></form></section>",
        escape(username)
    );
    respond(status, "ورود کارکنان دفتر", None, &body)
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let staff = crate::admin::login::staff(&state, &headers).await;
    if staff.is_some_and(|s| s.office().is_ok()) {
        return see_other("/office", None);
    }
    render(StatusCode::OK, "", "")
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    match crate::office::login::authenticate(&state, &client, &f.username, f.password).await {
        Ok((token, expires, _)) => see_other(
            "/office",
            Some(crate::admin::login::session_cookie(
                &token,
                expires,
                "/office",
                state.settings.https(),
            )),
        ),
        Err(e) => render(e.status, &f.username, &e.detail.message),
    }
}

/// Ends the session and forgets the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = crate::admin::login::token(&headers) {
        if let Err(e) = state
            .store
            .end_session(&crate::auth::token_hash(&token))
            .await
        {
            tracing::error!(error = %e, "logout: the session could not be ended");
        }
    }
    see_other(
        "/office/login",
        Some(format!(
            "{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/office; Max-Age=0{}",
            if state.settings.https() {
                "; Secure"
            } else {
                ""
            }
        )),
    )
}
