//! Enrollment at the office: the holder's data frozen from the registry record that was checked, the fingers as
//! enrolled, and the keys of the images. As everywhere, the application's move to `enrolled` is written with its
//! history row in the same transaction.
//!
//! Images and biometric data are not kept here: the store holds the keys under which the blob store keeps them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ApplicationState, DedupStatus, OfficeId, TrackingCode};

use crate::applications::Change;
use crate::Result;

/// What the card carries about its holder, frozen at enrollment from the registry record that was checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardHolder {
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub gender: String,
    pub birth_date_jalali: String,
    pub postal_code: Option<String>,
}

/// One finger as enrolled (the template itself is in the blob store).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FingerRecord {
    pub position: u8,
    /// `captured`, `missing` or `bandaged`.
    pub status: String,
    pub format: Option<String>,
    pub quality: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct NewEnrollment {
    pub tracking_code: TrackingCode,
    pub office: OfficeId,
    pub birth_certificate_seen: bool,
    pub old_card_collected: bool,
    pub holder: CardHolder,
    pub fingers: Vec<FingerRecord>,
    pub photo_key: String,
    pub card_photo_key: String,
    pub signature_key: String,
    pub templates_key: String,
    /// The signed personalisation data (see the vendor API).
    pub personalisation_key: String,
    pub change: Change,
}

/// What an enrollment attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolled {
    Done {
        application_id: i64,
    },
    NotFound,
    /// The application is booked at another office.
    OtherOffice,
    /// The application is not in `appointment_booked`.
    WrongState(ApplicationState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub state: ApplicationState,
    pub office: OfficeId,
    /// Where the card goes (the enrolling office, or the one the holder asked for).
    pub destination: OfficeId,
    pub operator: String,
    pub enrolled_at: DateTime<Utc>,
    pub birth_certificate_seen: bool,
    pub old_card_collected: bool,
    pub holder: CardHolder,
    pub fingers: Vec<FingerRecord>,
    pub photo_key: String,
    pub card_photo_key: String,
    pub signature_key: String,
    pub templates_key: String,
    pub personalisation_key: String,
    pub dedup: DedupStatus,
}

#[async_trait]
pub trait Enrollments: Send + Sync {
    /// Enrolls a booked application at its booked office: `appointment_booked → enrolled`, the enrollment row
    /// (de-duplication `pending`) and the history row, in one transaction.
    async fn enroll(&self, e: &NewEnrollment) -> Result<Enrolled>;

    async fn enrollment(&self, tracking: &TrackingCode) -> Result<Option<Enrollment>>;
}
