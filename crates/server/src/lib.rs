//! The Shenas HTTP service. Each feature module registers its own routes (`routes()`, an `OpenApiRouter` whose
//! documented handlers are routed by their `#[utoipa::path]`); [`router`] merges them with the portal's pages and
//! the layers every request passes, and [`openapi`] is the document of the same registrations, served at
//! `/api/openapi.json`.
//!
//! Handlers never touch SQL: they parse input into domain values and call the [`store::Store`] port.

pub mod admin;
pub mod agency;
pub mod apidoc;
pub mod appointments;
pub mod auth;
pub mod backlog;
pub mod cards;
pub mod citizen;
pub mod client;
pub mod dedup;
pub mod enrollment;
pub mod error;
pub mod extract;
pub mod filing;
pub mod gateway;
pub mod idempotency;
pub mod kannel;
pub mod kits;
pub mod metrics;
pub mod nationality;
pub mod office;
pub mod ops;
pub mod payment;
pub mod pickup;
pub mod pki;
pub mod ratelimit;
pub mod reads;
pub mod sandbox_bank;
pub mod security;
pub mod shipments;
pub mod state;
pub mod status;
pub mod suspension;
pub mod transfer;
pub mod ussd;
pub mod vendor;
pub mod visits;
pub mod web;

pub use state::{AppState, Services, Settings};

use apidoc::SharedAnswers;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shenas",
        description = "The smart national ID card programme: citizen portal, counter offices, card vendors, \
                       agencies and banks, USSD and statistics. Errors share one shape: \
                       `{\"error\": {\"code\", \"message\", \"message_en\", \"field\"}}`.",
        license(name = "AGPL-3.0-or-later")
    ),
    // Every other path comes from the features' own registrations (`api`); these two are routed apart: the OCSP
    // GET catches the rest of the path (base64 holds slashes), and `/ussd` carries its gateway's layers.
    paths(pki::ocsp::get, ussd::handle),
    tags(
        (name = "citizen", description = "The citizen portal and its API"),
        (name = "office", description = "Counter offices: staff login, walk-ins, enrollment and receipts, adjudication, shipments, pickup, records and transfers"),
        (name = "vendor", description = "Card manufacturers: batches with signed personalisation data, per-card results, dispatch"),
        (name = "admin", description = "National and province administrators: statistics per province"),
        (name = "agency", description = "Banks and agencies: yes/no verification"),
        (name = "nationality", description = "Nationality cases of people with no birth certificate: opening at a registry office, evidence and inquiries, the committee's decision (a late birth registration), tracking"),
        (name = "ussd", description = "The USSD gateway's service (*4*6090#): status by phone"),
        (name = "sandbox-bank", description = "The built-in sandbox bank (the default gateway)"),
        (name = "pki", description = "The national PKI: the authorities' certificates and CRLs, and the OCSP responder (RFC 6960)"),
        (name = "ops", description = "Health and monitoring"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::new("X-Api-Key"),
            )),
        );
    }
}

/// Every route that outside parties call, each feature registering its own with its OpenAPI path.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ops::routes())
        .merge(citizen::routes())
        .merge(filing::routes())
        .merge(payment::routes())
        .merge(appointments::routes())
        .merge(status::routes())
        .merge(office::routes())
        .merge(enrollment::routes())
        .merge(kits::routes())
        .merge(dedup::routes())
        .merge(shipments::routes())
        .merge(transfer::routes())
        .merge(vendor::routes())
        .merge(pki::routes())
        .merge(suspension::routes())
        .merge(backlog::routes())
        .merge(pickup::routes())
        .merge(nationality::routes())
        .merge(agency::routes())
        .merge(admin::routes())
        .merge(visits::routes())
        .merge(sandbox_bank::routes())
}

/// The OpenAPI document, generated from the handlers' annotations as the features register them.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().into_openapi();
    for m in [&BearerAuth as &dyn utoipa::Modify, &SharedAnswers] {
        m.modify(&mut doc);
    }
    doc
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(openapi).clone())
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "چنین نشانی‌ای وجود ندارد",
        "no such path",
    )
}

/// The largest enrollment request body (and the whole service's limit).
pub const ENROLLMENT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// A request not answered within this time is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole service.
pub fn router(state: AppState) -> Router {
    let (api, _) = api().split_for_parts();
    api.route("/api/openapi.json", get(openapi_json))
        .route("/sms/dlr", get(kannel::dlr))
        .route(
            "/sms/incoming",
            get(kannel::incoming).post(kannel::incoming),
        )
        .route("/r/{tracking_code}", get(web::receipt_check::show))
        .merge(web::office::routes())
        .route("/ussd", ussd::route())
        .route("/assets/{name}", get(web::assets::asset))
        .route("/", get(web::home::home))
        .route("/applications/{tracking_code}", get(web::application::show))
        .route(
            "/applications/{tracking_code}/pay",
            post(web::application::pay),
        )
        .route(
            "/applications/{tracking_code}/appointment/cancel",
            post(web::application::cancel),
        )
        .route("/applications/{tracking_code}/print", get(web::print::show))
        .route(
            "/applications/{tracking_code}/verifications",
            get(web::verifications::show),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            reads::fence_writes,
        ))
        // Only on the routes' own methods: a 404 or 405 is answered as such whatever the Idempotency-Key says.
        // Before the 405 fallback is set, so that it replaces the (layered) default one unlayered.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "این روش برای این نشانی مجاز نیست",
                "method not allowed",
            )
        })
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(RequestBodyLimitLayer::new(ENROLLMENT_BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Outside the body limit and the timeout, so that their bare 413 and 408 get the error shape and the
        // security headers too.
        .layer(axum::middleware::map_response(error::shape_bare_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::layer,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
