//! Extractors that answer malformed requests in the API's error shape instead of axum's plain text.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// `Query<T>` whose rejection is a 422 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_query",
                    "پارامترهای درخواست نادرست است",
                    format!("malformed query: {}", e.body_text()),
                )
            })
    }
}

/// `Json<T>` whose rejection is a 422 `invalid_body` (or 415 for a missing JSON content type).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| Self(j.0))
            .map_err(|e| {
                let status = if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                    StatusCode::UNSUPPORTED_MEDIA_TYPE
                } else if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                malformed_body(status, &e.body_text())
            })
    }
}

/// The answer to a body that is not what the endpoint reads: `invalid_body` (422, or the given 413/415).
pub fn malformed_body(status: StatusCode, detail: &str) -> ApiError {
    ApiError::new(
        status,
        "invalid_body",
        "بدنهٔ درخواست نادرست است",
        format!("malformed body: {detail}"),
    )
}
