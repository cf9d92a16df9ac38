//! The office pages (Persian, right to left, no JavaScript): the day's appointments, check-in and enrollment,
//! receipts, the supervisors' adjudication queue, shipments, pickup, an application's record and transfers.

use crate::state::AppState;
use axum::Router;

/// The office pages' routes, merged into the service's router.
pub fn routes() -> Router<AppState> {
    Router::new()
}
