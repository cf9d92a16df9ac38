//! `POST /api/v1/auth/login`: a username and password for a bearer token that expires.

use crate::auth::{new_token, verify_password};
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

/// Checks a username and password (rate-limited per client and per user) and opens a session: the token,
/// when it expires, and the user. Shared by the API login and the administrators' dashboard login.
pub async fn authenticate(
    state: &AppState,
    client: &str,
    username: &str,
    password: String,
) -> ApiResult<(String, chrono::DateTime<chrono::Utc>, User)> {
    let username = username.trim().to_ascii_lowercase();
    if state.settings.rate_limits {
        let l = &state.services.limiter;
        l.check(&format!("login:ip:{client}"), 30)
            .and_then(|_| l.check(&format!("login:user:{username}"), 10))
            .map_err(ApiError::rate_limited)?;
    }
    let user = state.store.user_by_name(&username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // Hashing is slow by design: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => false,
    })
    .await
    .unwrap_or(false);
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            tracing::info!(username = %username, "login refused");
            return Err(bad_credentials());
        }
    };
    let (token, hash) = new_token();
    let expires = chrono::Utc::now()
        + chrono::Duration::from_std(state.settings.session_ttl)
            .unwrap_or(chrono::Duration::hours(8));
    state.store.create_session(&hash, user.id, expires).await?;
    tracing::info!(username = %user.username, role = user.role.as_str(), "login");
    Ok((token, expires, user))
}
