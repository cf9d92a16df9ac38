//! OCSP (RFC 6960, RFC 5019 caching): `POST /ocsp` with an `application/ocsp-request` body and
//! `GET /ocsp/{base64 of the request}`. Answers come from the responder's cache of signed answers when it has one
//! (a status change forgets it, `super::status_changed`), otherwise the statuses are looked up in the store and the
//! answer is signed by the CA's delegated responder. Bad input gets OCSP's own error statuses
//! (`malformedRequest`, `unauthorized`, `tryLater`), never the JSON error shape: relying parties speak OCSP here.
//! A POST that is not an OCSP request at all (no `application/ocsp-request` content type, RFC 6960 A.1) is refused
//! at the HTTP level instead: 415 in the API's error shape.

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use pki::ocsp::{error_response, OcspResponseStatus, Step};
use std::sync::Arc;
use std::time::SystemTime;

/// The largest request taken (64 certificates asked about fit in a few KiB).
pub const MAX_REQUEST: usize = 16 * 1024;

fn answer(der: Arc<[u8]>, cacheable: bool) -> Response {
    let body = Bytes::from_owner(der);
    let cache = if cacheable {
        "public, max-age=300"
    } else {
        "no-store"
    };
    (
        [
            (header::CONTENT_TYPE, "application/ocsp-response"),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

/// Answers one DER OCSPRequest.
pub async fn respond(state: &AppState, request: &[u8]) -> Arc<[u8]> {
    let rt = match state.services.pki.loaded() {
        Some(rt) => rt,
        None => match state.services.pki.get(&state.store).await {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "OCSP: the PKI is unavailable");
                return error_response(OcspResponseStatus::TryLater);
            }
        },
    };
    let now = SystemTime::now();
    match rt.ocsp.begin(request, now) {
        Step::Answer(a) => a,
        Step::Lookup(pending) => {
            let mut statuses = Vec::new();
            for (authority, serial) in pending.lookups() {
                let serial_hex = hex::encode(serial);
                match state
                    .store
                    .certificate_changes(authority.as_str(), &serial_hex)
                    .await
                {
                    Ok(None) => statuses.push(None),
                    Ok(Some(changes)) => statuses.push(Some(super::runtime::replay(&changes))),
                    Err(e) => {
                        tracing::error!(error = %e, "OCSP: status lookup failed");
                        return error_response(OcspResponseStatus::TryLater);
                    }
                }
            }
            rt.ocsp.finish(pending, &statuses, now)
        }
    }
}

#[utoipa::path(
    post,
    path = "/ocsp",
    tag = "pki",
    request_body(content = Vec<u8>, content_type = "application/ocsp-request", description = "A DER OCSPRequest (RFC 6960)"),
    responses(
        (status = 200, description = "A DER OCSPResponse: `good`, `revoked` (with its reason; a certificate on hold is `revoked` with `certificateHold`) or `unknown`; or an OCSP error status (`malformedRequest`, `unauthorized` for an issuer not served here, `tryLater`)", content_type = "application/ocsp-response", body = Vec<u8>),
        (status = 415, description = "`invalid_body`: the request is not `application/ocsp-request`", body = crate::error::ErrorBody),
    )
)]
pub async fn post(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let ocsp_request = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ocsp-request"));
    if !ocsp_request {
        return crate::extract::malformed_body(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/ocsp-request (RFC 6960 A.1)",
        )
        .into_response();
    }
    answer(respond(&state, &body).await, false)
}

#[utoipa::path(
    get,
    path = "/ocsp/{request}",
    tag = "pki",
    params(("request" = String, Path, description = "The DER OCSPRequest in base64 (URL-encoded; RFC 6960 appendix A.1)")),
    responses(
        (status = 200, description = "A DER OCSPResponse, as for `POST /ocsp`; cacheable", content_type = "application/ocsp-response", body = Vec<u8>),
    )
)]
pub async fn get(State(state): State<AppState>, Path(request): Path<String>) -> Response {
    let text = request.trim_start_matches('/');
    let der = base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text));
    match der {
        Ok(der) if der.len() <= MAX_REQUEST => answer(respond(&state, &der).await, true),
        _ => answer(error_response(OcspResponseStatus::MalformedRequest), false),
    }
}
