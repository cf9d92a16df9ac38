//! Agency API keys: `shn_<prefix>_<secret>`, drawn at random; only a SHA-256 is stored. The [`AgencyKey`]
//! extractor checks the `X-Api-Key` header (401 `invalid_api_key` for unknown or revoked keys). Checked keys are
//! cached for [`CACHE_SECONDS`], so a revocation takes effect within that time on every instance.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use store::agency::ApiKey;

pub use super::cache::{KeyCache, CACHE_SECONDS};

/// A new key: (the key to hand over once, its public prefix, the hash to store).
pub fn new_api_key() -> (String, String, String) {
    let prefix: [u8; 4] = rand::random();
    let secret: [u8; 24] = rand::random();
    let prefix = hex::encode(prefix);
    let key = format!("shn_{prefix}_{}", hex::encode(secret));
    let hash = key_hash(&key);
    (key, prefix, hash)
}

pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The calling agency's key.
pub struct AgencyKey(pub ApiKey);

/// 401 `invalid_api_key`: the answer for a missing, unknown or revoked key (agencies and card manufacturers).
pub fn invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "کلید دسترسی نامعتبر یا باطل شده است",
        "unknown or revoked API key",
    )
}

/// The SHA-256 of the `X-Api-Key` a request presents; 401 when there is none of a plausible length.
pub fn presented_hash(parts: &Parts) -> Result<String, ApiError> {
    parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=200).contains(&k.len()))
        .map(key_hash)
        .ok_or_else(invalid)
}

/// The live (not revoked) agency key whose SHA-256 is `hash`, through the cache.
pub async fn agency_key(state: &AppState, hash: &str) -> Result<Option<ApiKey>, store::StoreError> {
    let cache = &state.services.api_keys;
    let found = match cache.get(hash) {
        Some(k) => k,
        None => {
            let k = state.store.api_key(hash).await?;
            cache.put(hash.to_string(), k.clone());
            k
        }
    };
    Ok(found.filter(|k| !k.revoked))
}

impl FromRequestParts<AppState> for AgencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = presented_hash(parts)?;
        agency_key(state, &hash)
            .await?
            .map(AgencyKey)
            .ok_or_else(invalid)
    }
}
