//! `GET /healthz`: the service is up, its database answers, and its blob store opens with the key it has.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    #[schema(example = "sqlite")]
    pub database: &'static str,
    pub version: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "ops",
    responses(
        (status = 200, description = "Up, database reachable", body = Health),
        (status = 503, description = "Database unreachable (`database_unreachable`), or the blob store does not open with the loaded key (`blobs_unreadable`)", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = match state.store.backend() {
        store::Backend::Sqlite => "sqlite",
        store::Backend::Postgres => "postgres",
    };
    let version = env!("CARGO_PKG_VERSION");
    // A blob store sealed under another key than the one loaded: every photo and template is unreadable.
    if let Err(e) = blobs::check_canary(state.services.blobs.as_ref()).await {
        tracing::error!(error = %e, "health check: the blob store does not open");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "blobs_unreadable",
                database,
                version,
            }),
        );
    }
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database,
                version,
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "database_unreachable",
                    database,
                    version,
                }),
            )
        }
    }
}
