//! `POST /api/v1/kits`, `GET /api/v1/kits/visits/{visit_id}` and `POST /api/v1/packets`.

use super::auth::SignedKit;
use super::load::VisitLoad;
use super::take::{take, PacketAnswer, Taken};
use super::{KitRegistered, KitRegistration};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;

#[utoipa::path(
    post,
    path = "/api/v1/kits",
    tag = "kits",
    request_body = KitRegistration,
    responses(
        (status = 201, description = "Registered, `pending` until an administrator approves it (`shenas kits approve`)", body = KitRegistered),
        (status = 200, description = "This key was registered before: the kit as it is", body = KitRegistered),
        (status = 404, description = "`not_found`: no such unit", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_kit` (key, signature, or an office that is not a mobile unit), `invalid_office_id`", body = crate::error::ErrorBody),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<KitRegistration>,
) -> ApiResult<(StatusCode, Json<KitRegistered>)> {
    let (kit, new) = super::register(&state, &input).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(kit)))
}

#[utoipa::path(
    get,
    path = "/api/v1/kits/visits/{visit_id}",
    tag = "kits",
    params(
        ("visit_id" = i64, Path),
        ("X-Kit-Id" = String, Header, description = "the kit"),
        ("X-Kit-Time" = i64, Header, description = "Unix seconds, within five minutes of the service's clock"),
        ("X-Kit-Signature" = String, Header, description = "Ed25519 (hex) of `shenas kit request\\0GET\\0{path}\\0{time}`"),
    ),
    responses(
        (status = 200, description = "The visit, its unit, and the people on its roster waiting for enrollment with their registry rows and applications", body = VisitLoad),
        (status = 401, description = "`unauthorized`: no valid kit signature", body = crate::error::ErrorBody),
        (status = 403, description = "`kit_not_approved`, `kit_revoked`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such visit for this kit's unit", body = crate::error::ErrorBody),
    )
)]
pub async fn visit(
    State(state): State<AppState>,
    SignedKit(kit): SignedKit,
    ApiPath(visit_id): ApiPath<i64>,
) -> ApiResult<Json<VisitLoad>> {
    Ok(Json(super::load::load(&state, &kit, visit_id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/packets",
    tag = "kits",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "One packet file as the kit wrote it"),
    responses(
        (status = 201, description = "Taken: enrolled, de-duplication and production follow", body = PacketAnswer),
        (status = 200, description = "The same packet was taken before: the same answer, nothing changed", body = PacketAnswer),
        (status = 403, description = "`kit_not_approved`, `kit_revoked`", body = crate::error::ErrorBody),
        (status = 409, description = "`visit_mismatch`, `application_not_enrollable`", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/octet-stream`", body = crate::error::ErrorBody),
        (status = 422, description = "`packet_invalid`: not a packet, altered, sealed to another key, signed by another key, or its enrollment data refused", body = crate::error::ErrorBody),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<PacketAnswer>)> {
    let octets = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/octet-stream"));
    if !octets {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "بسته باید با نوع application/octet-stream فرستاده شود",
            "send the packet as application/octet-stream",
        ));
    }
    match take(&state, &body, "upload").await? {
        Taken::New(a) => Ok((StatusCode::CREATED, Json(a))),
        Taken::Again(a) => Ok((StatusCode::OK, Json(a))),
    }
}
