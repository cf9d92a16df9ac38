//! The pages' extractors: axum's `Form`, `Query` and `Path` whose rejections are a Persian page instead of
//! axum's English plain text (a form sent without its content type, a query or a path that does not parse). The
//! office's pages (`/office/…`) answer in the office's frame, every other page in the portal's. The JSON API has
//! its own (`crate::extract`).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;

/// The page that refuses a request the page's route cannot read: 415 for a form sent as something else, 400
/// otherwise; in the frame of the pages at `path`.
pub fn unreadable(path: &str, status: StatusCode) -> Response {
    let status = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE
        || status == StatusCode::PAYLOAD_TOO_LARGE
    {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = "درخواست خوانا نیست";
    let text = "این درخواست با فرم‌های این صفحه فرستاده نشده است؛ لطفاً صفحه را دوباره باز کنید و فرم را از نو بفرستید.";
    if path == "/office" || path.starts_with("/office/") {
        crate::web::office::message(None, status, title, text)
    } else {
        crate::web::form::message_page(status, title, text)
    }
}

/// `Form<T>` whose rejection is a Persian page (415 without the form content type, 400 for fields that do not
/// parse).
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let path = req.uri().path().to_string();
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| Self(f.0))
            .map_err(|e| unreadable(&path, e.status()))
    }
}

/// `Query<T>` whose rejection is a Persian page (400).
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| unreadable(parts.uri.path(), e.status()))
    }
}

/// `Path<T>` whose rejection is a Persian page (400; a parameter that is not UTF-8, say).
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| unreadable(parts.uri.path(), e.status()))
    }
}
