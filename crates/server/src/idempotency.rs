//! `Idempotency-Key` on state-changing requests: the first answer to a key is stored with a hash of the request,
//! and a repeat with the same key and the same request gets that answer again, changing nothing. The same key
//! with another request is refused (422 `idempotency_key_reused`); a repeat while the first is still running is
//! told so (409 `request_in_progress`). A 5xx is not stored, so the client may retry it.

use crate::auth::hex;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use store::journey::IdempotencyClaim;

const MAX_BODY: usize = 16 * 1024 * 1024;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::POST | Method::DELETE) {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
    else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if (1..=255).contains(&k.len()) => k,
        _ => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_idempotency_key",
                "کلید تکرارناپذیری باید ۱ تا ۲۵۵ نویسهٔ لاتین باشد",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .into_response()
        }
    };
    // The scope keeps keys of different callers and paths apart.
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| hex(&Sha256::digest(v.as_bytes()))[..16].to_string())
        .unwrap_or_default();
    let scope = format!("{} {} {}", req.method(), req.uri().path(), auth);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_body",
            "بدنهٔ درخواست بیش از اندازه است",
            "request body too large",
        )
        .into_response();
    };
    let hash = hex(&Sha256::digest(&bytes));
    let claim = state
        .store
        .idempotency_claim(&scope, &key, &hash, chrono::Utc::now())
        .await;
    match claim {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(IdempotencyClaim::Replay { status, body }) => {
            let mut res = Response::new(Body::from(body));
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert("idempotent-replayed", HeaderValue::from_static("true"));
            return res;
        }
        Ok(IdempotencyClaim::InProgress) => {
            return ApiError::conflict(
                "request_in_progress",
                "درخواست نخست با همین کلید هنوز در جریان است",
                "the first request with this Idempotency-Key is still running",
            )
            .into_response()
        }
        Ok(IdempotencyClaim::Mismatch) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "این کلید تکرارناپذیری پیش‌تر برای درخواست دیگری به کار رفته است",
                "this Idempotency-Key was used for a different request",
            )
            .into_response()
        }
        Ok(IdempotencyClaim::Fresh) => {}
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (rparts, rbody) = res.into_parts();
    let Ok(rbytes) = to_bytes(rbody, MAX_BODY).await else {
        let _ = state.store.idempotency_release(&scope, &key).await;
        return ApiError::internal().into_response();
    };
    let saved = if rparts.status.is_server_error() {
        state.store.idempotency_release(&scope, &key).await
    } else {
        state
            .store
            .idempotency_finish(&scope, &key, rparts.status.as_u16(), &rbytes)
            .await
    };
    if let Err(e) = saved {
        tracing::error!(error = %e, "idempotency record not saved");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}
