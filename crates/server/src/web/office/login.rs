//! `GET/POST /office/login` and `POST /office/logout`: the staff login of the office pages. The session is the
//! API's (`crate::office::login::authenticate`), its token kept in the HttpOnly `shenas_staff` cookie for
//! `/office`, as the administrators' dashboard keeps it for `/admin`.

use super::reply;
use crate::admin::login::{LoginForm, COOKIE_NAME};
use crate::client::ClientAddr;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::form::see_other;
use crate::web::html::html;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

fn render(status: StatusCode, username: &str, error: &str) -> Response {
    let body = html! {
        section.card.narrow {
            h1 { "ورود کارکنان دفتر" }
            p.lead { "متصدیان و سرپرستان دفترهای پیشخوان با نام کاربری و گذرواژهٔ سامانه وارد شوند." }
            @if !error.is_empty() {
                div.alert #err-form role="alert" { p.error { (error) } }
            }
            form method="post" action="/office/login" {
                div.field {
                    label for="username" { "نام کاربری" }
                    input id="username" name="username" dir="ltr" autocomplete="username" value=(username)
                        required;
                }
                div.field {
                    label for="password" { "گذرواژه" }
                    input id="password" name="password" type="password" dir="ltr"
                        autocomplete="current-password" required;
                }
                div.actions {
                    button.primary type="submit" id="login-submit" { "ورود" }
                }
            }
        }
    };
    reply(status, "ورود کارکنان دفتر", None, body)
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
