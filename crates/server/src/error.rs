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
