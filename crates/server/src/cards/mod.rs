//! From the office desk to the holder's hand: enrollment, the 1:N search and its adjudication, the receipt,
//! production at the manufacturers, shipments, the SMS outbox, pickup and the card's later life. The functions
//! here are shared by the office API, the vendor API and the office pages; the background passes are in
//! [`workers`].

pub mod chapar;
pub mod personalisation;
pub mod receipt;
pub mod signing;
pub mod templates;
pub mod workers;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use base64::Engine;
use domain::{FieldError, ValidationError};

/// A blob that must exist (a photo, templates, signed card data): an unreadable or missing one is an internal
/// failure, logged with what it was.
pub async fn stored(state: &AppState, key: &str, what: &str) -> ApiResult<Vec<u8>> {
    match state.services.blobs.get(key).await {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => {
            tracing::error!(what, key, "blob missing from the store");
            Err(ApiError::internal())
        }
        Err(e) => {
            tracing::error!(what, key, error = %e, "blob unreadable");
            Err(ApiError::internal())
        }
    }
}

/// Standard base64 of an upload, or 422 `invalid_base64` at `field`.
pub fn base64_field(field: &str, s: &str) -> Result<Vec<u8>, FieldError> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| {
            FieldError::new(
                field,
                ValidationError::new(
                    "invalid_base64",
                    "the data is not valid base64",
                    "داده با قالب base64 نیست",
                ),
            )
        })
}
