//! Who may see an application's pages: a request whose citizen cookie was signed for that tracking code and the
//! national code that owns it (the cookie carries only a tag over the national code, checked here). Anyone else
//! is sent to the tracking form, with the code filled in.

use crate::state::AppState;
use crate::web::form::{message_page, see_other};
use crate::web::session::{self, Citizen};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::TrackingCode;
use std::time::SystemTime;
use store::journey::Application;

/// An application its owner opened.
pub struct Opened {
    pub tracking: TrackingCode,
    pub app: Application,
}

/// The application at `tc` when the request's cookie opens it; otherwise the response to send instead.
pub async fn open(state: &AppState, headers: &HeaderMap, tc: &str) -> Result<Opened, Response> {
    let Ok(tracking) = TrackingCode::parse(tc) else {
        return Err(see_other("/track", None));
    };
    let to_track = || see_other(&format!("/track?tc={}", tracking.as_str()), None);
    if !session::names(headers, tracking.as_str()) {
        return Err(to_track());
    }
    match state.store.application(&tracking).await {
        Ok(Some(app))
            if Citizen {
                national_code: app.national_code.as_str().into(),
                tracking_code: tracking.as_str().into(),
            }
            .opened_by_headers(&state.services.web_secret, headers, SystemTime::now()) =>
        {
            Ok(Opened { tracking, app })
        }
        Ok(_) => Err(to_track()),
        Err(e) => {
            tracing::error!(error = %e, "application page: store failure");
            Err(message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "خطای سامانه",
                "خطای داخلی سامانه؛ لطفاً کمی بعد دوباره تلاش کنید.",
            ))
        }
    }
}
