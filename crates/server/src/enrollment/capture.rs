//! One enrollment as the desk takes it, whichever channel carried it (the JSON API, the office pages' form, a
//! mobile unit's packet): the images as bytes, each refusal at its field.

use super::{Documents, EnrollmentInput};
use crate::error::{ApiError, ApiResult};
use domain::{FieldError, TrackingCode, ValidationError};

/// One enrollment as taken at the desk, whichever channel carried it: the images as bytes.
#[derive(Debug, Clone)]
pub struct Capture {
    pub tracking: TrackingCode,
    pub documents: Documents,
    pub photo: Vec<u8>,
    /// The ten fingers, in the order given (a refusal names its index).
    pub fingerprints: Vec<CapturedFinger>,
    pub signature: Vec<u8>,
}

/// One finger as taken: captured with its record or image, or missing or bandaged without one.
#[derive(Debug, Clone)]
pub struct CapturedFinger {
    pub position: i64,
    pub status: intake::FingerStatus,
    /// `iso19794_2`, `ansi378`, `png` or `wsq`.
    pub format: Option<String>,
    pub data: Option<Vec<u8>>,
}

/// A finger's status as given (`captured` when none), or 422 `invalid_fingerprints` at `fingerprints[i].status`.
pub fn finger_status(i: usize, status: Option<&str>) -> ApiResult<intake::FingerStatus> {
    match status {
        None => Ok(intake::FingerStatus::Captured),
        Some(s) => intake::FingerStatus::parse(s).ok_or_else(|| {
            ApiError::from(FieldError::new(
                format!("fingerprints[{i}].status"),
                ValidationError::new(
                    "invalid_fingerprints",
                    "status is captured, missing or bandaged",
                    "وضعیت انگشت باید captured، missing یا bandaged باشد",
                ),
            ))
        }),
    }
}

impl Capture {
    /// The JSON body of `POST /api/v1/office/enrollments`: its base64 decoded, each refusal at its field.
    pub fn from_json(input: EnrollmentInput) -> ApiResult<Self> {
        let tracking = TrackingCode::parse(&input.tracking_code)
            .map_err(|e| ApiError::validation(e).with_field("tracking_code"))?;
        let photo = crate::cards::base64_field("photo", &input.photo)?;
        let signature = crate::cards::base64_field("signature", &input.signature)?;
        let mut fingerprints = Vec::with_capacity(input.fingerprints.len());
        for (i, f) in input.fingerprints.into_iter().enumerate() {
            let status = finger_status(i, f.status.as_deref())?;
            let data = f
                .data
                .as_deref()
                .map(|d| crate::cards::base64_field(&format!("fingerprints[{i}].data"), d))
                .transpose()?;
            fingerprints.push(CapturedFinger {
                position: f.position,
                status,
                format: f.format,
                data,
            });
        }
        Ok(Self {
            tracking,
            documents: input.documents,
            photo,
            fingerprints,
            signature,
        })
    }
}
