//! The published certificates and CRLs: `GET /api/v1/pki/root.pem`, `citizen-ca.pem`, `csca.pem` (PEM) and
//! `root.crl`, `citizen-ca.crl`, `csca.crl` (DER CRLs, made anew on every status change and at least daily).

use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pki::Authority;

fn authority_of(name: &str) -> Option<Authority> {
    super::runtime::authority(name)
}

#[utoipa::path(
    get,
    path = "/api/v1/pki/{file}",
    tag = "pki",
    params(("file" = String, Path, description = "`root.pem`, `citizen-ca.pem`, `csca.pem` (the authorities' certificates, PEM) or `root.crl`, `citizen-ca.crl`, `csca.crl` (their CRLs, DER)")),
    responses(
        (status = 200, description = "The certificate (`application/x-pem-file`) or the CRL (`application/pkix-crl`); a CRL is made anew on every status change of a certificate and at least daily", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "`not_found`: no such file", body = crate::error::ErrorBody),
        (status = 503, description = "`pki_unavailable`: the PKI is not initialised", body = crate::error::ErrorBody),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("پرونده", "file");
    let (name, kind) = file.rsplit_once('.').ok_or_else(missing)?;
    let authority = authority_of(name).ok_or_else(missing)?;
    let rt = super::current(&state).await?;
    match kind {
        "pem" => {
            let pem = rt
                .pki
                .authority(authority)
                .and_then(|r| r.pem())
                .map_err(|e| super::unavailable(&e.into()))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/x-pem-file"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                pem,
            )
                .into_response())
        }
        "crl" => {
            let crl = rt
                .crl(&state.store, authority)
                .await
                .map_err(|e| super::unavailable(&e))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/pkix-crl"),
                    (header::CACHE_CONTROL, "public, max-age=60"),
                ],
                crl.der.clone(),
            )
                .into_response())
        }
        _ => Err(missing()),
    }
}
