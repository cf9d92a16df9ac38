//! Requests signed by a kit: `X-Kit-Id`, `X-Kit-Time` (Unix seconds) and `X-Kit-Signature` (128 hex digits), the
//! Ed25519 signature of `"shenas kit request\0{METHOD}\0{path and query}\0{time}"` with the kit's registered key.
//! A time more than five minutes from the service's clock is refused, so a captured request is soon useless.
//! Only an approved kit passes.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use store::kits::{Kit, KitState};

/// How far a kit's clock may be from the service's.
const SKEW_SECS: i64 = 300;

/// The message a kit signs for one request.
pub fn request_message(method: &str, path_and_query: &str, time: i64) -> Vec<u8> {
    format!("shenas kit request\0{method}\0{path_and_query}\0{time}").into_bytes()
}

/// The headers of a request signed by `key` at `time`.
pub fn sign_request(
    kit_id: &str,
    key: &packets::KitKey,
    method: &str,
    path_and_query: &str,
    time: i64,
) -> [(&'static str, String); 3] {
    [
        ("x-kit-id", kit_id.to_string()),
        ("x-kit-time", time.to_string()),
        (
            "x-kit-signature",
            hex::encode(key.sign(&request_message(method, path_and_query, time))),
        ),
    ]
}

/// An approved kit whose signature on this request holds.
#[derive(Debug, Clone)]
pub struct SignedKit(pub Kit);

fn unsigned() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "امضای کیت معتبر نیست",
        "the kit's request signature is missing or does not verify",
    )
}

/// 403 `kit_not_approved` or `kit_revoked` for a kit that may not act.
pub fn refused(state: KitState) -> Option<ApiError> {
    match state {
        KitState::Approved => None,
        KitState::Pending => Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "kit_not_approved",
            "این کیت هنوز تأیید نشده است",
            "the kit is not approved yet",
        )),
        KitState::Revoked => Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "kit_revoked",
            "این کیت باطل شده است",
            "the kit has been revoked",
        )),
    }
}

impl FromRequestParts<AppState> for SignedKit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (Some(kit_id), Some(time), Some(sig)) = (
            header("x-kit-id"),
            header("x-kit-time"),
            header("x-kit-signature"),
        ) else {
            return Err(unsigned());
        };
        let time: i64 = time.trim().parse().map_err(|_| unsigned())?;
        if (chrono::Utc::now().timestamp() - time).abs() > SKEW_SECS {
            return Err(unsigned());
        }
        let sig = super::hex64(&sig).ok_or_else(unsigned)?;
        let kit = state.store.kit(&kit_id).await?.ok_or_else(unsigned)?;
        let key = super::hex32(&kit.public_key).ok_or_else(ApiError::internal)?;
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        let message = request_message(parts.method.as_str(), &path, time);
        if !packets::verify_signature(&key, &message, &sig) {
            return Err(unsigned());
        }
        if let Some(e) = refused(kit.state) {
            return Err(e);
        }
        Ok(Self(kit))
    }
}
