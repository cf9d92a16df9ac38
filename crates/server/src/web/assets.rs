//! The portal's static files, compiled into the binary: the stylesheet and the Vazirmatn font (OFL, carried in
//! `assets/fonts/`). Served with long cache lifetimes.

use crate::web::extract::PagePath;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/portal.css");
const VAZIRMATN_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/Vazirmatn-Regular.woff2");
const VAZIRMATN_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/Vazirmatn-Bold.woff2");

pub async fn asset(PagePath(name): PagePath<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match name.as_str() {
        "portal.css" => (CSS.as_bytes(), "text/css; charset=utf-8"),
        "Vazirmatn-Regular.woff2" => (VAZIRMATN_REGULAR, "font/woff2"),
        "Vazirmatn-Bold.woff2" => (VAZIRMATN_BOLD, "font/woff2"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
