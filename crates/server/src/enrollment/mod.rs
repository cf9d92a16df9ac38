//! Enrollment at the booked office (`POST /api/v1/office/enrollments` and the office pages): the documents
//! checklist, the photo, ten fingers and the signature are checked; images and templates go to the blob store
//! (sealed); then one transaction moves the application to `enrolled`. A refusal changes nothing: blobs written for
//! a refused enrollment are deleted.

pub mod api;

pub mod pages;

mod capture;
pub use capture::{finger_status, Capture, CapturedFinger};

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use domain::{ApplicationState, FieldError, Reason, TrackingCode, ValidationError};
use serde::{Deserialize, Serialize};
use store::journey::Change;
use store::production::{CardHolder, Enrolled, FingerRecord, NewEnrollment};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Documents {
    /// The photo birth certificate was seen.
    pub birth_certificate_seen: bool,
    /// The old card was collected (needed when replacing or for a damaged card).
    pub old_card_collected: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FingerprintInput {
    /// ISO finger position: 1 right thumb … 5 right little, 6 left thumb … 10 left little.
    pub position: i64,
    /// `captured` (the default), `missing` or `bandaged`; the last two carry no data.
    #[serde(default)]
    pub status: Option<String>,
    /// `iso19794_2`, `ansi378`, `png` or `wsq`.
    #[serde(default)]
    pub format: Option<String>,
    /// Base64 of the record or image.
    #[serde(default)]
    pub data: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EnrollmentInput {
    pub tracking_code: String,
    pub documents: Documents,
    /// Base64 JPEG or PNG, portrait about 3:4, at least 300 × 400 pixels, at most 2 MiB.
    pub photo: String,
    /// Exactly ten entries, positions 1–10.
    pub fingerprints: Vec<FingerprintInput>,
    /// Base64 PNG.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrollmentCreated {
    pub tracking_code: String,
    #[schema(example = "enrolled")]
    pub state: String,
    /// Where the receipt PDF is printed from (this office only).
    pub receipt_url: String,
    /// The 1:N search runs after the answer: `pending` now.
    pub dedup: String,
}

fn documents_incomplete(field: &str, en: &str, fa: &str) -> ApiError {
    ApiError::from(FieldError::new(
        field,
        ValidationError::new("documents_incomplete", en, fa),
    ))
}

/// The checks that need the application: it exists, is booked at this office and waits for enrollment.
pub async fn booked_here(
    state: &AppState,
    staff: &Staff,
    tracking: &TrackingCode,
) -> ApiResult<store::journey::Application> {
    let office = staff.office()?;
    let app = state
        .store
        .application(tracking)
        .await?
        .ok_or_else(|| ApiError::not_found("درخواست", "application"))?;
    if app.appointment.as_ref().map(|a| &a.office_id) != Some(office) {
        return Err(other_office());
    }
    if app.state != ApplicationState::AppointmentBooked {
        return Err(wrong_state(app.state));
    }
    Ok(app)
}

pub fn other_office() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "این درخواست مربوط به دفتر دیگری است",
        "this application belongs to another office",
    )
}

pub fn wrong_state(s: ApplicationState) -> ApiError {
    ApiError::conflict(
        "invalid_transition",
        format!("درخواستی که در وضعیت «{}» است این کار را نمی‌پذیرد", s.fa()),
        format!("an application that is {} cannot take this", s.as_str()),
    )
}

/// Checks and stores one enrollment taken at this operator's desk. On a kit (`Services::kit`), the enrollment
/// also becomes a packet, kept in the same transaction to be sent to the service.
pub async fn enroll(
    state: &AppState,
    staff: &Staff,
    input: Capture,
) -> ApiResult<EnrollmentCreated> {
    let app = booked_here(state, staff, &input.tracking).await?;
    let now = chrono::Utc::now();
    let channel = match &state.services.kit {
        Some(kit) => Channel::Kit(kit.packet(&input, &app, &staff.username, now)?),
        None => Channel::Desk,
    };
    let change = Change {
        actor: format!("operator:{}", staff.username),
        at: now,
        reason: None,
    };
    match store_capture(state, &app, staff.office()?, change, input, channel).await? {
        Stored::Created(done) => Ok(done),
        Stored::Duplicate(_) => Err(ApiError::internal()),
    }
}

/// Which channel carried an enrollment, and what is written with it in its transaction.
#[derive(Debug)]
pub enum Channel {
    /// The desk, online: the enrollment alone.
    Desk,
    /// A kit's packet, taken by the service: the packet's row.
    Packet(store::kits::NewPacket),
    /// On a kit: the packet to send.
    Kit(store::kits::KitPacket),
}

/// What storing an enrollment did.
#[derive(Debug)]
pub enum Stored {
    Created(EnrollmentCreated),
    /// The same packet was taken before (only [`Channel::Packet`]): nothing written.
    Duplicate(store::kits::TakenPacket),
}

/// The enrollment of `app`, booked at `office`, whichever channel carried it: the documents, images and fingers
/// checked, the blobs written, then the application moved to `enrolled` with the channel's record, in one
/// transaction. `change` says who and when (the instant is the enrollment's).
pub async fn store_capture(
    state: &AppState,
    app: &store::journey::Application,
    office: &domain::OfficeId,
    change: Change,
    input: Capture,
    channel: Channel,
) -> ApiResult<Stored> {
    let Capture {
        tracking,
        documents,
        photo,
        fingerprints: prints,
        signature,
    } = input;
    if !documents.birth_certificate_seen {
        return Err(documents_incomplete(
            "documents.birth_certificate_seen",
            "the photo birth certificate must be seen before enrollment",
            "پیش از ثبت‌نام باید شناسنامهٔ عکس‌دار دیده شود",
        ));
    }
    if matches!(app.reason, Reason::ReplaceOldCard | Reason::Damaged)
        && !documents.old_card_collected
    {
        return Err(documents_incomplete(
            "documents.old_card_collected",
            "the old card must be collected when it is replaced",
            "برای تعویض، کارت قبلی باید تحویل گرفته شود",
        ));
    }
    // The image work is CPU-bound and takes up to ~50 MB a photo while it runs: off the async threads, and at
    // most a few at once however many uploads arrive (security review F10); the others wait their turn.
    let _permit = state
        .services
        .image_checks
        .acquire()
        .await
        .map_err(|_| ApiError::internal())?;
    let checked = tokio::task::spawn_blocking(move || {
        let checked_photo = intake::check_photo(&photo)?;
        let inputs: Vec<intake::FingerInput<'_>> = prints
            .iter()
            .map(|f| intake::FingerInput {
                position: f.position,
                status: f.status,
                format: f.format.as_deref(),
                data: f.data.as_deref(),
            })
            .collect();
        let fingers = intake::check_fingerprints(&inputs)?;
        intake::check_signature(&signature)?;
        Ok::<_, FieldError>((checked_photo, fingers, signature, photo))
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let (photo, fingers, signature, original) = checked?;

    let person = state
        .store
        .person(&app.national_code)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "registry_mismatch",
                "سابقهٔ این شخص در ثبت احوال پیدا نشد",
                "the person is no longer in the civil registry",
            )
        })?;
    if person.death_date.is_some() {
        return Err(ApiError::conflict(
            "deceased",
            "ثبت احوال فوت این شخص را ثبت کرده است",
            "the civil registry records this person as deceased",
        ));
    }
    let holder = CardHolder {
        national_code: person.national_code.as_str().to_string(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        father_name: person.father_name.clone(),
        gender: person.gender.as_str().to_string(),
        birth_date_jalali: person.birth_date.to_string(),
        postal_code: person.postal_code.as_ref().map(|p| p.as_str().to_string()),
    };
    let records: Vec<FingerRecord> = fingers
        .iter()
        .map(|f| FingerRecord {
            position: f.position,
            status: f.status.as_str().to_string(),
            format: f.format.map(|x| x.as_str().to_string()),
            quality: f.quality,
        })
        .collect();
    let captured: Vec<(u8, biometrics::Template)> = fingers
        .into_iter()
        .filter_map(|f| f.template.map(|t| (f.position, t)))
        .collect();

    let nonce: [u8; 6] = rand::random();
    let base = format!("enrollments/{}/{}", tracking.as_str(), hex::encode(nonce));
    let photo_key = format!("{base}/photo.{}", photo.format.as_str());
    let card_photo_key = format!("{base}/card.jpg");
    let signature_key = format!("{base}/signature.png");
    let templates_key = format!("{base}/templates.bin");
    let personalisation_key = format!("{base}/card-data.signed");
    let keys = [
        &photo_key,
        &card_photo_key,
        &signature_key,
        &templates_key,
        &personalisation_key,
    ];
    let now = change.at;
    let card_data = crate::cards::personalisation::build(
        &state.services.signer,
        tracking.as_str(),
        &holder,
        &photo.card_jpeg,
        &captured,
        now,
    );
    let blobs = &state.services.blobs;
    let templates = crate::cards::templates::encode(&captured);
    let written = tokio::try_join!(
        blobs.put(&photo_key, &original),
        blobs.put(&card_photo_key, &photo.card_jpeg),
        blobs.put(&signature_key, &signature),
        blobs.put(&templates_key, &templates),
        blobs.put(&personalisation_key, &card_data),
    );
    let forget = || async {
        for k in keys {
            let _ = blobs.delete(k).await;
        }
    };
    if let Err(e) = written {
        forget().await;
        tracing::error!(error = %e, "blob store write failed");
        return Err(ApiError::internal());
    }
    let new = NewEnrollment {
        tracking_code: tracking,
        office: office.clone(),
        birth_certificate_seen: documents.birth_certificate_seen,
        old_card_collected: documents.old_card_collected,
        holder,
        fingers: records,
        photo_key: photo_key.clone(),
        card_photo_key: card_photo_key.clone(),
        signature_key: signature_key.clone(),
        templates_key: templates_key.clone(),
        personalisation_key: personalisation_key.clone(),
        change,
    };
    let outcome = match &channel {
        Channel::Desk => state.store.enroll(&new).await.map(Ok),
        Channel::Kit(p) => state.store.enroll_keeping_packet(&new, p).await.map(Ok),
        Channel::Packet(p) => state.store.take_packet(&new, p).await.map(|t| match t {
            store::kits::PacketTaken::Taken { application_id } => {
                Ok(Enrolled::Done { application_id })
            }
            store::kits::PacketTaken::Refused(e) => Ok(e),
            store::kits::PacketTaken::Duplicate(d) => Err(Box::new(d)),
        }),
    };
    match outcome {
        Ok(Ok(Enrolled::Done { .. })) => {
            // A kit searches nothing: the service de-duplicates when the packet arrives.
            if !matches!(channel, Channel::Kit(_)) {
                state.services.dedup.wake.notify_one();
            }
            Ok(Stored::Created(EnrollmentCreated {
                tracking_code: tracking.as_str().to_string(),
                state: ApplicationState::Enrolled.as_str().into(),
                receipt_url: format!("/api/v1/office/receipts/{}.pdf", tracking.as_str()),
                dedup: "pending".into(),
            }))
        }
        other => {
            forget().await;
            match other? {
                Ok(Enrolled::Done { .. }) => Err(ApiError::internal()),
                Ok(Enrolled::NotFound) => Err(ApiError::not_found("درخواست", "application")),
                Ok(Enrolled::OtherOffice) => Err(other_office()),
                Ok(Enrolled::WrongState(s)) => Err(wrong_state(s)),
                Err(taken) => Ok(Stored::Duplicate(*taken)),
            }
        }
    }
}

/// The routes of this feature, with their OpenAPI paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::handler::Handler;
    use axum::routing::get;
    use utoipa_axum::router::UtoipaMethodRouterExt;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        // A photo of up to 2 MiB and ten images of up to 1 MiB each, in base64: more than the default 2 MB.
        .routes(
            routes!(api::create).layer(axum::extract::DefaultBodyLimit::max(
                crate::ENROLLMENT_BODY_LIMIT,
            )),
        )
        .routes(routes!(api::receipt))
        .route(
            "/office/enroll/{tracking_code}",
            get(pages::form)
                .post(pages::submit.layer(DefaultBodyLimit::max(crate::ENROLLMENT_BODY_LIMIT))),
        )
        .route("/office/receipts/{file}", get(pages::receipt))
}
