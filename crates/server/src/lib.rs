//! The Shenas HTTP service. One module per audience: `citizen` (the portal and its API), `ops` (health); the
//! office, vendor, agency, admin and USSD modules join as their issues land. Every handler is annotated for
//! OpenAPI, and [`openapi`] builds the document served at `/api/openapi.json` from those annotations.
//!
//! Handlers never touch SQL: they parse input into domain values and call the [`store::Store`] port.

pub mod admin;
pub mod agency;
pub mod apidoc;
pub mod auth;
pub mod cards;
pub mod citizen;
pub mod client;
pub mod error;
pub mod extract;
pub mod gateway;
pub mod idempotency;
pub mod journey;
pub mod kannel;
pub mod metrics;
pub mod office;
pub mod ops;
pub mod pki;
pub mod ratelimit;
pub mod sandbox_bank;
pub mod security;
pub mod state;
pub mod ussd;
pub mod vendor;
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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shenas",
        description = "The smart national ID card programme: citizen portal, counter offices, card vendors, \
                       agencies and banks, USSD and statistics. Errors share one shape: \
                       `{\"error\": {\"code\", \"message\", \"message_en\", \"field\"}}`.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        ops::health::healthz,
        citizen::calendar::convert,
        citizen::applications::create,
        citizen::applications::new_captcha,
        citizen::applications::captcha_image,
        citizen::payments::start,
        citizen::payments::callback,
        citizen::offices::list,
        citizen::appointment::book,
        citizen::appointment::cancel,
        citizen::status::status,
        office::login::login,
        office::applications::create,
        office::enrollments::create,
        office::enrollments::receipt,
        office::adjudications::list,
        office::adjudications::decide,
        office::adjudications::photo,
        office::shipments::list,
        office::shipments::receive,
        office::pickups::create,
        office::records::show,
        office::records::transfer,
        citizen::transfer::transfer,
        vendor::batches::signing_key,
        vendor::batches::claim,
        vendor::batches::results,
        vendor::batches::dispatch,
        pki::certificates::issue,
        pki::published::file,
        pki::ocsp::post,
        pki::ocsp::get,
        sandbox_bank::api_pay,
        ussd::handle,
        agency::verify::verify,
        admin::provinces::provinces,
        admin::national::national,
        admin::cards::lead_times_api,
        admin::cards::uncollected_api,
        admin::cards::office_load_api,
    ),
    modifiers(&BearerAuth, &SharedAnswers),
    tags(
        (name = "citizen", description = "The citizen portal and its API"),
        (name = "office", description = "Counter offices: staff login, walk-ins, enrollment and receipts, adjudication, shipments, pickup, records and transfers"),
        (name = "vendor", description = "Card manufacturers: batches with signed personalisation data, per-card results, dispatch"),
        (name = "admin", description = "National and province administrators: statistics per province"),
        (name = "agency", description = "Banks and agencies: yes/no verification"),
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

/// The OpenAPI document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
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
    Router::new()
        .route("/healthz", get(ops::health::healthz))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/calendar/convert", get(citizen::calendar::convert))
        .route("/api/v1/applications", post(citizen::applications::create))
        .route("/api/v1/captcha", get(citizen::applications::new_captcha))
        .route(
            "/api/v1/captcha/{file}",
            get(citizen::applications::captcha_image),
        )
        .route(
            "/api/v1/applications/{tracking_code}/payments",
            post(citizen::payments::start),
        )
        .route(
            "/api/v1/payments/callback",
            post(citizen::payments::callback),
        )
        .route("/api/v1/offices", get(citizen::offices::list))
        .route(
            "/api/v1/applications/{tracking_code}/appointment",
            post(citizen::appointment::book).delete(citizen::appointment::cancel),
        )
        .route("/api/v1/status", get(citizen::status::status))
        .route("/api/v1/auth/login", post(office::login::login))
        .route("/api/v1/verify", post(agency::verify::verify))
        .route("/api/v1/stats/provinces", get(admin::provinces::provinces))
        .route("/api/v1/stats/national", get(admin::national::national))
        .route(
            "/api/v1/stats/lead-times",
            get(admin::cards::lead_times_api),
        )
        .route(
            "/api/v1/stats/uncollected",
            get(admin::cards::uncollected_api),
        )
        .route(
            "/api/v1/stats/offices/load",
            get(admin::cards::office_load_api),
        )
        .route(
            "/admin/login",
            get(admin::login::form).post(admin::login::submit),
        )
        .route("/admin/logout", post(admin::login::logout))
        .route("/admin/stats", get(admin::dashboard::show))
        .route(
            "/admin/simulate",
            get(admin::simulate::show).post(admin::simulate::submit),
        )
        .route(
            "/api/v1/office/applications",
            post(office::applications::create),
        )
        .route(
            "/api/v1/office/applications/{tracking_code}",
            get(office::records::show),
        )
        .route(
            "/api/v1/office/applications/{tracking_code}/transfer",
            post(office::records::transfer),
        )
        .route(
            "/api/v1/office/enrollments",
            // A photo of up to 2 MiB and ten images of up to 1 MiB each, in base64: more than the default 2 MB.
            post(office::enrollments::create)
                .layer(axum::extract::DefaultBodyLimit::max(ENROLLMENT_BODY_LIMIT)),
        )
        .route(
            "/api/v1/office/enrollments/{tracking_code}/photo",
            get(office::adjudications::photo),
        )
        .route(
            "/api/v1/office/receipts/{file}",
            get(office::enrollments::receipt),
        )
        .route(
            "/api/v1/office/adjudications",
            get(office::adjudications::list),
        )
        .route(
            "/api/v1/office/adjudications/{tracking_code}",
            post(office::adjudications::decide),
        )
        .route("/api/v1/office/shipments", get(office::shipments::list))
        .route(
            "/api/v1/office/shipments/{shipment_id}/receive",
            post(office::shipments::receive),
        )
        .route("/api/v1/office/pickups", post(office::pickups::create))
        .route(
            "/api/v1/applications/{tracking_code}/transfer",
            post(citizen::transfer::transfer),
        )
        .route(
            "/api/v1/vendor/signing-key",
            get(vendor::batches::signing_key),
        )
        .route("/api/v1/vendor/batches/claim", post(vendor::batches::claim))
        .route(
            "/api/v1/vendor/batches/{batch_id}/results",
            post(vendor::batches::results),
        )
        .route(
            "/api/v1/vendor/batches/{batch_id}/dispatch",
            post(vendor::batches::dispatch),
        )
        .merge(pki::routes())
        .route("/sms/dlr", get(kannel::dlr))
        .route(
            "/sms/incoming",
            get(kannel::incoming).post(kannel::incoming),
        )
        .route("/r/{tracking_code}", get(web::receipt_check::show))
        .merge(web::office::routes())
        .route(
            "/sandbox-bank/pay",
            get(sandbox_bank::pay_page).post(sandbox_bank::pay_submit),
        )
        .route("/ussd", ussd::route())
        .route("/sandbox-bank/v1/pay", post(sandbox_bank::api_pay))
        .route("/sandbox-bank/v1/token", post(sandbox_bank::api_token))
        .route("/sandbox-bank/v1/verify", post(sandbox_bank::api_verify))
        .route("/sandbox-bank/v1/settle", post(sandbox_bank::api_settle))
        .route("/sandbox-bank/v1/reverse", post(sandbox_bank::api_reverse))
        .route("/assets/{name}", get(web::assets::asset))
        .route("/", get(web::home::home))
        .route(
            "/register",
            get(web::register::form).post(web::register::submit),
        )
        .route("/register/details", post(web::details::submit))
        .route("/track", get(web::track::form).post(web::track::submit))
        .route("/applications/{tracking_code}", get(web::application::show))
        .route(
            "/applications/{tracking_code}/pay",
            post(web::application::pay),
        )
        .route(
            "/applications/{tracking_code}/appointment",
            get(web::appointment::form).post(web::appointment::submit),
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
