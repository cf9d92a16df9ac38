//! The one error shape of the API: `{"error": {"code", "message", "message_en", "field"}}`.
//!
//! Which constructor to use:
//! - [`ApiError::validation`] / `From<FieldError>`: input that is malformed or breaks a rule → 422;
//! - [`ApiError::conflict`]: the request conflicts with the current state → 409;
//! - [`ApiError::not_found`] → 404; [`ApiError::unauthorized`] → 401; [`ApiError::forbidden`] → 403;
//! - [`ApiError::rate_limited`] → 429 with `Retry-After`;
//! - `From<StoreError>`: a database conflict becomes 409, anything else 500 (a 5xx is always a bug or an outage,
//!   logged with its cause; the client sees no internals).
//!
//! `message` is Persian (what people read); `message_en` is the same in English, for operators and integrators.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{FieldError, ValidationError};
use serde::Serialize;
use store::StoreError;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_national_code`.
    #[schema(example = "invalid_national_code")]
    pub code: String,
    /// Human text in Persian.
    pub message: String,
    /// The same in English.
    pub message_en: String,
    /// The input field at fault, as a path (`birth_certificate.serial`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &str,
        message_fa: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code: code.into(),
                message: message_fa.into(),
                message_en: message_en.into(),
                field: None,
            },
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.detail.field = Some(field.into());
        self
    }

    pub fn validation(e: ValidationError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code,
            e.message_fa,
            e.message_en,
        )
    }

    pub fn conflict(code: &str, fa: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, fa, en)
    }

    pub fn not_found(what_fa: &str, what_en: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what_fa} پیدا نشد"),
            format!("{what_en} not found"),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "ورود لازم است",
            "authentication required",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "اجازهٔ این کار را ندارید",
            "you may not do this",
        )
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "درخواست‌ها بیش از حد مجاز است؛ کمی بعد دوباره تلاش کنید",
            "too many requests; try again later",
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "خطای داخلی سامانه؛ لطفاً بعداً تلاش کنید",
            "internal error; please try again later",
        )
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::validation(e.error).with_field(e.field)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(msg) => {
                tracing::info!(error = %msg, "store conflict");
                Self::conflict(
                    "conflict",
                    "این درخواست با وضعیت کنونی ناسازگار است",
                    "the request conflicts with the current state",
                )
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(ErrorBody { error: self.detail })).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A 4xx or 5xx answered without a body of ours (a bare status from a layer: the body limit's 413 in plain text,
/// the timeout's empty 408, an unknown asset's 404) in the error shape, its other headers (`Allow`,
/// `Retry-After`) kept. Answers that have a JSON, HTML or other typed body are left as they are.
pub async fn shape_bare_errors(res: Response) -> Response {
    let status = res.status();
    let bare = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|k| k.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return res;
    }
    let e = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "invalid_body",
            "بدنهٔ درخواست بیش از اندازه است",
            "request body too large",
        ),
        StatusCode::REQUEST_TIMEOUT => ApiError::new(
            status,
            "request_timeout",
            "پاسخ این درخواست بیش از اندازه طول کشید؛ لطفاً دوباره تلاش کنید",
            "the request took too long; please try again",
        ),
        StatusCode::NOT_FOUND => ApiError::not_found("نشانی", "path"),
        s if s.is_server_error() => ApiError::internal(),
        s => ApiError::new(
            s,
            "bad_request",
            "درخواست نادرست است",
            s.canonical_reason().unwrap_or("bad request"),
        ),
    };
    let (mut parts, _) = res.into_parts();
    let shaped = e.into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in shaped.headers() {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, shaped.into_body())
}
