//! The card's personalisation data, made and signed once, at enrollment: identity and postal code as checked
//! against the registry, the 300 × 400 card photo, and one ISO/IEC 19794-2 record per captured finger. The blob
//! holds the signature (base64) on its first line and the payload (JSON) after it; a manufacturer receives both
//! and writes the payload byte for byte. Signing at enrollment also keeps the claim of a large batch to reading
//! one blob per card.

use base64::Engine;
use serde::Serialize;
use store::production::CardHolder;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Fingerprint {
    pub position: u8,
    #[schema(example = "iso19794_2")]
    pub format: String,
    /// Base64 ISO/IEC 19794-2:2005 record (one view).
    pub data: String,
}

/// What the card carries. The `payload` of a claimed card is exactly this, serialised.
#[derive(Debug, Serialize, ToSchema)]
pub struct Personalisation {
    pub tracking_code: String,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub gender: String,
    pub birth_date_jalali: String,
    pub postal_code: Option<String>,
    /// Base64 JPEG, 300 × 400.
    pub photo_jpeg: String,
    pub fingerprints: Vec<Fingerprint>,
    /// When the issuing authority signed it (RFC 3339).
    pub signed_at: String,
}

/// The signed blob for one card.
pub fn build(
    signer: &super::signing::Signer,
    tracking_code: &str,
    holder: &CardHolder,
    photo_jpeg: &[u8],
    fingers: &[(u8, biometrics::Template)],
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let p = Personalisation {
        tracking_code: tracking_code.into(),
        national_code: holder.national_code.clone(),
        first_name: holder.first_name.clone(),
        last_name: holder.last_name.clone(),
        father_name: holder.father_name.clone(),
        gender: holder.gender.clone(),
        birth_date_jalali: holder.birth_date_jalali.clone(),
        postal_code: holder.postal_code.clone(),
        photo_jpeg: b64.encode(photo_jpeg),
        fingerprints: fingers
            .iter()
            .map(|(position, t)| Fingerprint {
                position: *position,
                format: "iso19794_2".into(),
                data: b64.encode(super::templates::to_iso(*position, t)),
            })
            .collect(),
        signed_at: at.to_rfc3339(),
    };
    let payload = serde_json::to_string(&p).unwrap_or_default();
    let mut out = signer.sign(payload.as_bytes()).into_bytes();
    out.push(b'\n');
    out.extend_from_slice(payload.as_bytes());
    out
}

/// (signature, payload) of a blob [`build`] wrote.
pub fn signed_parts(blob: Vec<u8>) -> Option<(String, String)> {
    let at = blob.iter().position(|&b| b == b'\n')?;
    let mut payload = blob;
    let signature = String::from_utf8(payload.drain(..=at).take(at).collect()).ok()?;
    Some((signature, String::from_utf8(payload).ok()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip() {
        let s = super::super::signing::Signer::random();
        let holder = CardHolder {
            national_code: "0012345678".into(),
            first_name: "زهرا".into(),
            last_name: "کریمی".into(),
            father_name: "علی".into(),
            gender: "female".into(),
            birth_date_jalali: "1370-05-12".into(),
            postal_code: None,
        };
        let blob = build(&s, "123", &holder, b"\xFF\xD8jpeg", &[], chrono::Utc::now());
        let (sig, payload) = signed_parts(blob).unwrap();
        assert_eq!(sig.len(), 88);
        assert!(payload.starts_with("{\"tracking_code\":\"123\""));
        assert!(signed_parts(Vec::from(*b"no newline")).is_none());
    }
}
