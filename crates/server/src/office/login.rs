//! `POST /api/v1/auth/login`: a username and password for a bearer token that expires.

use crate::auth::{check_password, new_token, DUMMY_HASH};
use crate::client::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use store::journey::User;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: String,
    pub role: String,
    pub office_id: Option<String>,
}

fn bad_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "نام کاربری یا گذرواژه درست نیست",
        "wrong username or password",
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "office",
    request_body = Login,
    responses(
        (status = 200, description = "A session token", body = Session),
        (status = 401, description = "`invalid_credentials`", body = crate::error::ErrorBody),
        (status = 429, description = "Too many attempts", body = crate::error::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<Login>,
) -> ApiResult<Json<Session>> {
    let (token, expires, user) = authenticate(&state, &client, &req.username, req.password).await?;
    Ok(Json(Session {
        token,
        expires_at: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        role: user.role.as_str().into(),
        office_id: user.office.map(|o| o.as_str().to_string()),
    }))
}

/// Checks a username and password and opens a session: the token, when it expires, and the user. Shared by the
/// API login and the office and dashboard login pages.
///
/// Limits (when rate limits are on): 30 attempts a minute per client, and the account's back-off
/// ([`crate::office::throttle`]) for clients that failed for it. Every attempt costs one argon2 verification, also
/// for an unknown or disabled user ([`crate::auth::DUMMY_HASH`]), so that timing does not reveal usernames.
pub async fn authenticate(
    state: &AppState,
    client: &str,
    username: &str,
    password: String,
) -> ApiResult<(String, chrono::DateTime<chrono::Utc>, User)> {
    let username = username.trim().to_ascii_lowercase();
    let throttle = &state.services.login;
    if state.settings.rate_limits {
        state
            .services
            .limiter
            .check(&format!("login:ip:{client}"), 30)
            .await
            .and_then(|_| throttle.check(&username, client, std::time::Instant::now()))
            .map_err(ApiError::rate_limited)?;
    }
    // No username is longer than 64 characters; longer input is looked up nowhere (and verified all the same).
    let user = if username.chars().count() <= 64 {
        state.store.user_by_name(&username).await?
    } else {
        None
    };
    let hash = match &user {
        Some(u) if !u.disabled => u.password_hash.clone(),
        _ => DUMMY_HASH.to_string(),
    };
    // Hashing is slow by design: keep it off the async workers.
    let checked = tokio::task::spawn_blocking(move || check_password(&password, &hash))
        .await
        .unwrap_or(None);
    if checked.is_some() {
        throttle.verified();
    }
    let user = match user {
        Some(u) if checked == Some(true) && !u.disabled => u,
        _ => {
            if state.settings.rate_limits {
                throttle.failed(&username, client, std::time::Instant::now());
            }
            tracing::info!(username = %username, "login refused");
            return Err(bad_credentials());
        }
    };
    throttle.succeeded(&username, client);
    let (token, hash) = new_token();
    let expires = chrono::Utc::now()
        + chrono::Duration::from_std(state.settings.session_ttl)
            .unwrap_or(chrono::Duration::hours(8));
    state.store.create_session(&hash, user.id, expires).await?;
    tracing::info!(username = %user.username, role = user.role.as_str(), "login");
    Ok((token, expires, user))
}
