//! Mobile units' offline kits (issue 13, item 4), the service's side and the kit's.
//!
//! The service: a kit registers its Ed25519 key for its unit office (`POST /api/v1/kits`, pending until an
//! administrator approves it with `shenas kits approve`, revocable); an approved kit fetches a visit's roster with
//! the people's registry data and applications through requests signed with its key (`auth.rs`, `load.rs`); its
//! packets come back by upload (`POST /api/v1/packets`) or from a USB stick (`shenas packets import`), and are
//! taken by `packets.rs` as the desk's enrollment is, with the packet's row in the same transaction.
//!
//! The kit: [`KitMode`] in `Services::kit` makes the desk's enrollment (`crate::enrollment::enroll`) turn each
//! enrollment into a packet kept with it. This module never holds the service's secret key outside
//! `Services::packet_key`, and never takes a packet whose seal, signature or kit does not hold.

pub mod api;
pub mod auth;
pub mod load;
pub mod pages;
pub mod take;

use crate::enrollment::Capture;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use store::kits::{Kit, KitChanged, KitPacket, KitState, NewKit};
use utoipa::ToSchema;

/// What a kit signs when it registers, so a key is registered only by whoever holds it.
pub fn registration_message(unit_id: &str, public_key_hex: &str) -> Vec<u8> {
    format!("shenas kit registration\0{unit_id}\0{public_key_hex}").into_bytes()
}

/// A kit's id: from its public key, so registering the same key twice names the same kit.
pub fn kit_id_of(public_key: &[u8; 32]) -> String {
    format!("kit-{}", &hex::encode(Sha256::digest(public_key))[..16])
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct KitRegistration {
    /// The unit: an office of kind `mobile_unit`.
    pub unit_id: String,
    /// The kit's Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Ed25519 signature (128 hex digits) of `"shenas kit registration\0{unit_id}\0{public_key}"`.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KitRegistered {
    pub kit_id: String,
    /// `pending` until an administrator approves it, `approved`, or `revoked`.
    pub state: String,
    pub unit_id: String,
    /// The service's X25519 public key (64 hex digits): packets are sealed to it.
    pub service_public_key: String,
}

fn invalid_registration(field: &str, en: &str, fa: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_kit", fa, en).with_field(field)
}

pub fn hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).ok().map(|()| out)
}

pub fn hex64(s: &str) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    hex::decode_to_slice(s.trim(), &mut out).ok().map(|()| out)
}

/// Registers a kit (pending); the same key again answers the kit as it is. `bool`: newly registered.
pub async fn register(state: &AppState, r: &KitRegistration) -> ApiResult<(KitRegistered, bool)> {
    let key = hex32(&r.public_key).ok_or_else(|| {
        invalid_registration(
            "public_key",
            "the public key is 64 hex digits",
            "کلید عمومی باید ۶۴ رقم شانزده‌شانزدهی باشد",
        )
    })?;
    let public_key = hex::encode(key);
    let sig = hex64(&r.signature).ok_or_else(|| {
        invalid_registration(
            "signature",
            "the signature is 128 hex digits",
            "امضا باید ۱۲۸ رقم شانزده‌شانزدهی باشد",
        )
    })?;
    if !::packets::verify_signature(&key, &registration_message(&r.unit_id, &public_key), &sig) {
        return Err(invalid_registration(
            "signature",
            "the signature does not verify with this key",
            "امضا با این کلید تأیید نمی‌شود",
        ));
    }
    let unit = domain::OfficeId::parse(&r.unit_id)
        .map_err(|e| ApiError::validation(e).with_field("unit_id"))?;
    let office = state
        .store
        .office(&unit)
        .await?
        .ok_or_else(|| ApiError::not_found("واحد سیار", "unit"))?;
    if office.kind != domain::OfficeKind::MobileUnit {
        return Err(invalid_registration(
            "unit_id",
            "the office is not a mobile unit",
            "این دفتر واحد سیار نیست",
        ));
    }
    let kit_id = kit_id_of(&key);
    let before = state.store.kit(&kit_id).await?;
    let kit = state
        .store
        .register_kit(&NewKit {
            kit_id,
            unit_office: unit,
            public_key,
            at: Utc::now(),
        })
        .await?;
    tracing::info!(kit = %kit.kit_id, unit = %kit.unit_office.as_str(), "kit registered");
    Ok((registered(state, &kit), before.is_none()))
}

pub fn registered(state: &AppState, kit: &Kit) -> KitRegistered {
    KitRegistered {
        kit_id: kit.kit_id.clone(),
        state: kit.state.as_str().into(),
        unit_id: kit.unit_office.as_str().into(),
        service_public_key: hex::encode(state.services.packet_key.public()),
    }
}

/// Why approving or revoking a kit failed.
#[derive(Debug, thiserror::Error)]
pub enum KitChangeError {
    #[error("no kit {0}")]
    NotFound(String),
    #[error("kit {0} is {1} and cannot be {2}")]
    Refused(String, &'static str, &'static str),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// `pending → approved`, or `pending | approved → revoked`, recorded with `actor` and now.
pub async fn change(
    store: &store::DynStore,
    kit_id: &str,
    to: KitState,
    actor: &str,
) -> Result<Kit, KitChangeError> {
    match store.change_kit(kit_id, to, actor, Utc::now()).await? {
        KitChanged::Done(k) => {
            tracing::info!(kit = %kit_id, state = to.as_str(), actor, "kit state changed");
            Ok(k)
        }
        KitChanged::NotFound => Err(KitChangeError::NotFound(kit_id.into())),
        KitChanged::Refused(now) => Err(KitChangeError::Refused(
            kit_id.into(),
            now.as_str(),
            to.as_str(),
        )),
    }
}

/// A kit's own identity, set in `Services::kit` when `shenas kit serve` runs the desk on the kit's database: each
/// enrollment becomes a packet signed with the kit's key and sealed to the service's.
#[derive(Debug, Clone)]
pub struct KitMode {
    pub kit_id: String,
    pub key: packets::KitKey,
    pub service_public: [u8; 32],
    /// The loaded visits' people: tracking code → visit.
    pub visits: HashMap<String, i64>,
}

impl KitMode {
    /// The packet of one enrollment taken on this kit, sealed, ready to be kept with it.
    pub fn packet(
        &self,
        input: &Capture,
        app: &store::journey::Application,
        operator: &str,
        at: DateTime<Utc>,
    ) -> ApiResult<KitPacket> {
        let visit_id = *self
            .visits
            .get(app.tracking_code.as_str())
            .ok_or_else(take::visit_mismatch)?;
        let packet = ::packets::Packet {
            packet_id: rand::random(),
            kit_id: self.kit_id.clone(),
            visit_id,
            tracking_code: app.tracking_code.as_str().into(),
            national_code: app.national_code.as_str().into(),
            operator: operator.into(),
            enrolled_at: at,
            birth_certificate_seen: input.documents.birth_certificate_seen,
            old_card_collected: input.documents.old_card_collected,
            photo: input.photo.clone(),
            fingerprints: input
                .fingerprints
                .iter()
                .map(|f| ::packets::Finger {
                    position: u8::try_from(f.position).unwrap_or(0),
                    status: f.status.as_str().into(),
                    format: f.format.clone(),
                    data: f.data.clone(),
                })
                .collect(),
            signature: input.signature.clone(),
        };
        let sealed = ::packets::seal(&packet, &self.key, &self.service_public);
        Ok(KitPacket {
            packet_id: packet.packet_id_hex(),
            visit_id,
            tracking_code: packet.tracking_code,
            sealed,
            made_at: at,
            state: "waiting".into(),
            code: None,
            answer: None,
            answered_at: None,
        })
    }
}

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::register))
        .routes(routes!(api::visit))
        .routes(
            routes!(api::upload).layer(axum::extract::DefaultBodyLimit::max(::packets::MAX_LEN)),
        )
        .route("/office/packets", axum::routing::get(pages::list))
}
