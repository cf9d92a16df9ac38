//! `GET/POST /admin/login` and `POST /admin/logout`: the administrators' login form and its logout. The portal has
//! no staff pages otherwise, so the dashboard takes the same session token as the API, kept in an HttpOnly cookie.

use crate::auth::Staff;
use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::form::{respond, see_other};
use crate::web::html::html;
use axum::extract::State;
use axum::http::{header::COOKIE, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

pub const COOKIE_NAME: &str = "shenas_staff";

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// The staff session cookie for the pages under `path`, living as long as the session; `Secure` when the service
/// is served over https.
pub fn session_cookie(
    token: &str,
    expires: chrono::DateTime<chrono::Utc>,
    path: &str,
    secure: bool,
) -> String {
    let max_age = (expires - chrono::Utc::now()).num_seconds().max(0);
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"
    )
}

/// The staff session token of the request's `shenas_staff` cookie, if any.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The member of staff whose cookie this request carries, when it names a live session.
pub async fn staff(state: &AppState, headers: &HeaderMap) -> Option<Staff> {
    Staff::from_token(state, &token(headers)?).await.ok()
}

fn render(status: StatusCode, username: &str, error: &str) -> Response {
    let body = html! {
        section.card {
            h1 { "ورود مدیران" }
            p.lead { "برای دیدن آمار استان‌ها با نام کاربری و گذرواژهٔ سامانه وارد شوید." }
            @if !error.is_empty() {
                div class="alert" role="alert" { p.error { (error) } }
            }
            form method="post" action="/admin/login" {
                div.field {
                    label for="username" { "نام کاربری" }
                    input id="username" name="username" dir="ltr" autocomplete="username" value=(username) required;
                }
                div.field {
                    label for="password" { "گذرواژه" }
                    input id="password" name="password" type="password" dir="ltr" autocomplete="current-password"
                        required;
                }
                div.actions { button class="primary" type="submit" { "ورود" } }
            }
        }
    };
    respond(status, "ورود مدیران", body)
}

pub async fn form() -> Response {
    render(StatusCode::OK, "", "")
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    match crate::office::login::authenticate(&state, &client, &f.username, f.password).await {
        Ok((token, expires, user)) => see_other(
            // An institution's liaison has no statistics: their page is their visits' rosters.
            if user.role == domain::Role::Liaison {
                "/admin/visits"
            } else {
                "/admin/stats"
            },
            Some(session_cookie(
                &token,
                expires,
                "/admin",
                state.settings.https(),
            )),
        ),
        Err(e) => failed(&f.username, &e),
    }
}

fn failed(username: &str, e: &ApiError) -> Response {
    render(e.status, username, &e.detail.message)
}

/// `POST /admin/logout`: ends the session in the store and forgets the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = token(&headers) {
        if let Err(e) = state
            .store
            .end_session(&crate::auth::token_hash(&token))
            .await
        {
            tracing::error!(error = %e, "logout: the session could not be ended");
        }
    }
    see_other(
        "/admin/login",
        Some(format!(
            "{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0"
        )),
    )
}
