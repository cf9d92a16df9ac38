//! Extractors that answer malformed requests in the API's error shape instead of axum's plain text: the query
//! ([`ApiQuery`]), the path's parameters ([`ApiPath`]) and a JSON body ([`ApiJson`]). The pages have their own,
//! answering a Persian page (`crate::web::extract`).

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

/// `Path<T>` whose rejection is a 422 `invalid_path` (a parameter that is not what the route takes, such as
/// `99999999999999999999` for an id): the route exists, the request names nothing it could hold.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| {
                if e.status().is_server_error() {
                    // A route whose template does not fit its handler: a bug, not the caller's.
                    tracing::error!(error = %e.body_text(), "path extraction failed");
                    return ApiError::internal();
                }
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_path",
                    "نشانی درخواست نادرست است",
                    format!("malformed path: {}", e.body_text()),
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
