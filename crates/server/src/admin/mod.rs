//! What administrators see: the statistics per province and nationally (JSON or CSV), and the server-rendered
//! dashboard with its own small login form. A national administrator sees every province; a province
//! administrator only their own.

pub mod cards;
pub mod chart;
pub mod dashboard;
pub mod figures;
pub mod login;
pub mod national;
pub mod provinces;
pub mod simulate;

use crate::state::AppState;
use axum::routing::{get, post};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of this feature: the statistics API with their OpenAPI paths, and the dashboard's pages.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(provinces::provinces))
        .routes(routes!(national::national))
        .routes(routes!(cards::lead_times_api))
        .routes(routes!(cards::uncollected_api))
        .routes(routes!(cards::office_load_api))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/stats", get(dashboard::show))
        .route(
            "/admin/simulate",
            get(simulate::show).post(simulate::submit),
        )
}
