//! Taking a packet (`POST /api/v1/packets`, `shenas packets import`): its seal opened with the service's key, its
//! signature checked with the key of the kit it names, the kit approved, the visit and the person matching the
//! application booked on that visit, the application still enrollable; then the desk's own enrollment
//! (`crate::enrollment::store_capture`: the same checks of photo, fingers and signature, the same blobs, the same
//! de-duplication, receipt and production after), with the packet's row in its transaction. A packet taken before
//! is answered as it was then; a refused one changes nothing.

use crate::enrollment::{store_capture, Capture, CapturedFinger, Channel, Documents, Stored};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use domain::{ApplicationState, TrackingCode};
use serde::{Deserialize, Serialize};
use store::journey::{Application, Change};
use store::kits::{Kit, NewPacket};
use utoipa::ToSchema;

/// The answer to a packet, the same each time it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PacketAnswer {
    pub tracking_code: String,
    #[schema(example = "enrolled")]
    pub state: String,
}

/// What taking a packet did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Enrolled now.
    New(PacketAnswer),
    /// Taken before: nothing changed.
    Again(PacketAnswer),
}

pub fn packet_invalid(en: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "packet_invalid",
        "بستهٔ ثبت‌نام خوانا یا معتبر نیست (مهر، امضا یا محتوای آن)",
        en,
    )
}

pub fn visit_mismatch() -> ApiError {
    ApiError::conflict(
        "visit_mismatch",
        "این بسته با بازدید و شخصی که برای آن نوبت گرفته است جور نیست",
        "the packet does not match the visit and the person booked on it",
    )
}

pub fn not_enrollable(en: impl Into<String>) -> ApiError {
    ApiError::conflict(
        "application_not_enrollable",
        "این درخواست دیگر قابل ثبت‌نام نیست (فوت، یا ثبت‌نام در جای دیگر)",
        en,
    )
}

/// Takes one packet file. `channel`: `upload` or `import`.
pub async fn take(state: &AppState, bytes: &[u8], channel: &str) -> ApiResult<Taken> {
    let opened = packets::open(bytes, &state.services.packet_key)
        .map_err(|e| packet_invalid(e.to_string()))?;
    let kit = state
        .store
        .kit(opened.kit_id())
        .await?
        .ok_or_else(|| packet_invalid("the packet names a kit the service does not know"))?;
    let key = super::hex32(&kit.public_key).ok_or_else(ApiError::internal)?;
    let verified = opened
        .verify(&key)
        .map_err(|e| packet_invalid(e.to_string()))?;
    let digest_of = verified.digest;
    let digest = hex::encode(digest_of);
    if let Some(before) = state.store.packet_taken(&digest).await? {
        return again(&before.answer);
    }
    if let Some(e) = super::auth::refused(kit.state) {
        return Err(e);
    }
    let p = verified.packet;
    let tracking = TrackingCode::parse(&p.tracking_code).map_err(|_| visit_mismatch())?;
    let app = state
        .store
        .application(&tracking)
        .await?
        .ok_or_else(visit_mismatch)?;
    check_visit(state, &kit, p.visit_id, &p.national_code, &app).await?;
    if app.state != ApplicationState::AppointmentBooked {
        return Err(not_enrollable(format!(
            "the application is {}, no longer waiting for enrollment",
            app.state.as_str()
        )));
    }
    if app.appointment.as_ref().map(|a| &a.office_id) != Some(&kit.unit_office) {
        return Err(not_enrollable(
            "the application is booked at another office now",
        ));
    }
    let person = state.store.person(&app.national_code).await?;
    if person.is_none_or(|p| p.death_date.is_some()) {
        return Err(not_enrollable(
            "the civil registry records the person as deceased",
        ));
    }
    let answer = PacketAnswer {
        tracking_code: tracking.as_str().into(),
        state: ApplicationState::Enrolled.as_str().into(),
    };
    let record = NewPacket {
        digest,
        packet_id: p.packet_id_hex(),
        kit_id: kit.kit_id.clone(),
        visit_id: p.visit_id,
        channel: channel.into(),
        answer: serde_json::to_string(&answer).map_err(|_| ApiError::internal())?,
    };
    let now = chrono::Utc::now();
    let change = Change {
        actor: format!(
            "kit:{}/operator:{}",
            kit.kit_id,
            p.operator.chars().take(64).collect::<String>()
        ),
        // The enrollment happened when the kit took it (never later than now).
        at: p.enrolled_at.min(now),
        reason: None,
    };
    let capture = capture(p)?;
    let packet_id = record.packet_id.clone();
    match store_capture(
        state,
        &app,
        &kit.unit_office,
        change,
        capture,
        Channel::Packet(record),
    )
    .await
    {
        Ok(Stored::Created(_)) => {
            tracing::info!(kit = %kit.kit_id, packet = %packet_id, channel, "packet taken");
            Ok(Taken::New(answer))
        }
        Ok(Stored::Duplicate(before)) => again(&before.answer),
        Err(e) => {
            // The same packet arriving twice at once: the second finds the application enrolled by the first.
            if let Some(before) = state.store.packet_taken(&hex::encode(digest_of)).await? {
                return again(&before.answer);
            }
            Err(refusal(e))
        }
    }
}

fn again(answer: &str) -> ApiResult<Taken> {
    serde_json::from_str(answer)
        .map(Taken::Again)
        .map_err(|_| ApiError::internal())
}

/// The desk's refusals in the packet's terms.
fn refusal(e: ApiError) -> ApiError {
    match (e.status, e.detail.code.as_str()) {
        (StatusCode::UNPROCESSABLE_ENTITY, code) => {
            let mut p = packet_invalid(format!("{code}: {}", e.detail.message_en));
            p.detail.field = e.detail.field;
            p
        }
        (StatusCode::CONFLICT, _) => not_enrollable(e.detail.message_en),
        (StatusCode::FORBIDDEN | StatusCode::NOT_FOUND, _) => visit_mismatch(),
        _ => e,
    }
}

/// The packet's visit is the kit's unit's, and the application it names is the person's, booked on that visit
/// at the unit.
async fn check_visit(
    state: &AppState,
    kit: &Kit,
    visit_id: i64,
    national_code: &str,
    app: &Application,
) -> ApiResult<()> {
    if app.national_code.as_str() != national_code {
        return Err(visit_mismatch());
    }
    let on_visit = super::load::visit_of(state, &app.tracking_code).await? == Some(visit_id);
    let unit = super::load::visit_unit(state, visit_id).await?;
    if !on_visit || unit.as_ref() != Some(&kit.unit_office) {
        return Err(visit_mismatch());
    }
    Ok(())
}

/// The desk's capture from the packet's fields.
fn capture(p: packets::Packet) -> ApiResult<Capture> {
    let tracking = TrackingCode::parse(&p.tracking_code).map_err(|_| visit_mismatch())?;
    let mut fingerprints = Vec::with_capacity(p.fingerprints.len());
    for (i, f) in p.fingerprints.into_iter().enumerate() {
        let status = crate::enrollment::finger_status(i, Some(&f.status)).map_err(refusal)?;
        fingerprints.push(CapturedFinger {
            position: i64::from(f.position),
            status,
            format: f.format,
            data: f.data,
        });
    }
    Ok(Capture {
        tracking,
        documents: Documents {
            birth_certificate_seen: p.birth_certificate_seen,
            old_card_collected: p.old_card_collected,
        },
        photo: p.photo,
        fingerprints,
        signature: p.signature,
    })
}
