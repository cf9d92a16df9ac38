//! Manufacturer API keys (`shn_<prefix>_<secret>`, stored as SHA-256 only, like agencies'): the [`VendorKey`]
//! extractor answers 401 `invalid_api_key` for an unknown or revoked key.

use crate::agency::key::{invalid, presented_hash};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use store::production::Vendor;

pub struct VendorKey(pub Vendor);

impl FromRequestParts<AppState> for VendorKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let vendor = state
            .store
            .vendor_by_key(&presented_hash(parts)?)
            .await?
            .ok_or_else(invalid)?;
        Ok(Self(vendor))
    }
}
