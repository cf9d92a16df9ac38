//! What the desk sends at enrollment: the JSON body of the API and the multipart form of the office pages, made
//! from the deterministic fixtures of `intake` (photo, signature, ten fingers of a synthetic person).

use crate::Multipart;
use base64::Engine;
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Base64, as the JSON API carries bytes.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    B64.encode(bytes)
}

/// The JSON enrollment of `tracking_code` whose fingers are synthetic person `seed`'s (ISO 19794-2), photo and
/// signature from the fixtures; fingers at the positions in `bandaged` are marked bandaged instead.
pub fn json_body(tracking_code: &str, seed: u64, bandaged: &[u8]) -> Value {
    let prints: Vec<Value> = intake::fixtures::ten_prints(seed)
        .into_iter()
        .map(|(p, rec)| {
            if bandaged.contains(&p) {
                json!({"position": p, "status": "bandaged"})
            } else {
                json!({"position": p, "format": "iso19794_2", "data": b64(rec)})
            }
        })
        .collect();
    json!({
        "tracking_code": tracking_code,
        "documents": {"birth_certificate_seen": true, "old_card_collected": false},
        "photo": b64(intake::fixtures::photo_jpeg(600, 800, seed)),
        "fingerprints": prints,
        "signature": b64(intake::fixtures::signature_png()),
    })
}

/// Synthetic person `seed`'s ten ISO records, finger 1 first, each captured.
pub fn ten_prints(seed: u64) -> Vec<Option<Vec<u8>>> {
    intake::fixtures::ten_prints(seed)
        .into_iter()
        .map(|(_, d)| Some(d))
        .collect()
}

/// What the office's enrollment form sends: the checklist, the photo, ten fingers (`prints[i]` for finger
/// i + 1; `None` marks it bandaged, its file input left empty), the signature.
pub fn form(photo: Vec<u8>, prints: &[Option<Vec<u8>>], birth_certificate: bool) -> Multipart {
    let mut m = Multipart::new();
    if birth_certificate {
        m = m.text("birth_certificate_seen", "1");
    }
    m = m.file("photo", "photo.jpg", photo);
    for (i, print) in prints.iter().enumerate().take(10) {
        let p = i + 1;
        let (status, file, data) = match print {
            Some(data) => ("captured", "finger.iso", data.clone()),
            None => ("bandaged", "", Vec::new()),
        };
        m = m
            .text(&format!("f{p}_status"), status)
            .text(&format!("f{p}_format"), "iso19794_2")
            .file(&format!("f{p}_file"), file, data);
    }
    m.file(
        "signature",
        "signature.png",
        intake::fixtures::signature_png(),
    )
}

/// The enrollment form of synthetic person `seed`, complete.
pub fn form_of(seed: u64) -> Multipart {
    form(
        intake::fixtures::photo_jpeg(600, 800, seed),
        &ten_prints(seed),
        true,
    )
}
