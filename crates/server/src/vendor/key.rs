//! Manufacturer API keys (`shn_<prefix>_<secret>`, stored as SHA-256 only, like agencies'): the [`VendorKey`]
//! extractor answers 401 `invalid_api_key` for an unknown or revoked key.

use crate::agency::key::key_hash;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use store::production::Vendor;

pub struct VendorKey(pub Vendor);

fn invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "کلید دسترسی نامعتبر یا باطل شده است",
        "unknown or revoked API key",
    )
}

impl FromRequestParts<AppState> for VendorKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(invalid)?;
        let vendor = state
            .store
            .vendor_by_key(&key_hash(key.trim()))
            .await?
            .ok_or_else(invalid)?;
        Ok(Self(vendor))
    }
}
