//! Opening a case at a registry office: the applicant's details checked, the photo and ten fingers checked as at
//! enrollment, the fingers searched 1:N against everyone enrolled (a hit opens the case in `identity_conflict`
//! for a supervisor), the images kept in the blob store (sealed), and the case numbered in its province.

use super::{actor, at, registry_desk, CaseStatus};
use crate::auth::Staff;
use crate::enrollment::{finger_status, CapturedFinger, FingerprintInput};
use crate::error::{ApiError, ApiResult};
use crate::state::{today, AppState};
use domain::nationality::allocation;
use domain::person::{parse_name, parse_text};
use domain::{FieldError, Gender, Mobile, Religion, ValidationError};
use serde::{Deserialize, Serialize};
use store::nationality::{Actor, Applicant, NewCase};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpenCaseInput {
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub father_name: Option<String>,
    #[serde(default)]
    pub mother_name: Option<String>,
    /// `male` or `female`.
    pub gender: String,
    pub birth_place: String,
    /// The year of birth as known (Solar Hijri), e.g. `1380` or `"۱۳۸۰"`.
    #[schema(value_type = String, example = "1380")]
    pub birth_year_jalali: serde_json::Value,
    /// The applicant's mobile, for tracking and the decision's SMS.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Added beside the contract: recorded in the registry on approval (default `islam`).
    #[serde(default)]
    pub religion: Option<String>,
    /// Added beside the contract: the applicant's address, recorded in the registry on approval.
    #[serde(default)]
    pub address: Option<String>,
    /// Base64 JPEG or PNG, as at enrollment.
    pub photo: String,
    /// Exactly ten entries, positions 1–10, as at enrollment.
    pub fingerprints: Vec<FingerprintInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseOpened {
    #[serde(flatten)]
    pub status: CaseStatus,
    /// Where the temporary identity document is printed (this office).
    pub document_url: String,
    /// Enrolled persons the fingers matched (with a hit the case waits for a supervisor).
    pub identity_hits: usize,
}

/// A year typed as a number or as text (Persian digits allowed).
pub(crate) fn parse_year(v: &serde_json::Value, field: &str) -> ApiResult<i32> {
    let text = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let mut buf = [0u8; 4];
    let n = domain::text::fold_digits(&text, &mut buf).unwrap_or(0);
    let year = std::str::from_utf8(&buf[..n])
        .ok()
        .filter(|_| n == 4)
        .and_then(|s| s.parse::<i32>().ok());
    let year = year.ok_or_else(|| {
        ApiError::validation(ValidationError::new(
            "invalid_date",
            format!("{text:?} is not a year of four digits, such as 1380"),
            format!("«{text}» سال چهاررقمی نیست، مانند ۱۳۸۰"),
        ))
        .with_field(field)
    })?;
    allocation::birth_date(year, today()).map_err(at(field))?;
    Ok(year)
}

fn optional_name(v: &Option<String>, field: &str) -> ApiResult<Option<String>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_name(s).map(Some).map_err(at(field)),
    }
}

/// Checks the applicant's details (not the images).
pub fn applicant(input: &OpenCaseInput) -> ApiResult<Applicant> {
    Ok(Applicant {
        first_name: parse_name(&input.first_name).map_err(at("first_name"))?,
        last_name: parse_name(&input.last_name).map_err(at("last_name"))?,
        father_name: optional_name(&input.father_name, "father_name")?,
        mother_name: optional_name(&input.mother_name, "mother_name")?,
        gender: Gender::parse(&input.gender).map_err(at("gender"))?,
        birth_place: parse_text(&input.birth_place, 100, true).map_err(at("birth_place"))?,
        birth_year: parse_year(&input.birth_year_jalali, "birth_year_jalali")?,
        religion: match input.religion.as_deref().map(str::trim) {
            None | Some("") => Religion::Islam,
            Some(r) => Religion::parse(r).map_err(at("religion"))?,
        }
        .as_str()
        .to_string(),
        address: parse_text(input.address.as_deref().unwrap_or(""), 300, false)
            .map_err(at("address"))?,
        mobile: match input.mobile.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => Some(Mobile::parse(m).map_err(at("mobile"))?),
        },
    })
}

/// Opens a case from the JSON body (base64 decoded, each refusal at its field).
pub async fn open(state: &AppState, staff: &Staff, input: OpenCaseInput) -> ApiResult<CaseOpened> {
    registry_desk(state, staff).await?;
    let applicant = applicant(&input)?;
    let photo = crate::cards::base64_field("photo", &input.photo)?;
    let mut prints = Vec::with_capacity(input.fingerprints.len());
    for (i, f) in input.fingerprints.iter().enumerate() {
        let status = finger_status(i, f.status.as_deref())?;
        let data = f
            .data
            .as_deref()
            .map(|d| crate::cards::base64_field(&format!("fingerprints[{i}].data"), d))
            .transpose()?;
        prints.push(CapturedFinger {
            position: f.position,
            status,
            format: f.format.clone(),
            data,
        });
    }
    open_capture(state, staff, applicant, photo, prints).await
}

/// Opens a case from what the desk took, whichever channel carried it (the API's JSON, the page's form).
pub async fn open_capture(
    state: &AppState,
    staff: &Staff,
    applicant: Applicant,
    photo: Vec<u8>,
    prints: Vec<CapturedFinger>,
) -> ApiResult<CaseOpened> {
    let office = registry_desk(state, staff).await?;
    let _permit = state
        .services
        .image_checks
        .acquire()
        .await
        .map_err(|_| ApiError::internal())?;
    let checked = tokio::task::spawn_blocking(move || {
        let checked = intake::check_photo(&photo)?;
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
        Ok::<_, FieldError>((checked, fingers, photo))
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let (checked, fingers, original) = checked?;
    let captured: Vec<(u8, biometrics::Template)> = fingers
        .into_iter()
        .filter_map(|f| f.template.map(|t| (f.position, t)))
        .collect();
    let templates = crate::cards::templates::encode(&captured);

    let hits = state
        .services
        .dedup
        .identify(state, &templates)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "nationality case: 1:N search failed");
            ApiError::internal()
        })?;

    let nonce: [u8; 8] = rand::random();
    let base = format!("nationality/{}/{}", office.id.as_str(), hex::encode(nonce));
    let photo_key = format!("{base}/photo.{}", checked.format.as_str());
    let card_photo_key = format!("{base}/card.jpg");
    let templates_key = format!("{base}/templates.bin");
    let blobs = &state.services.blobs;
    let written = tokio::try_join!(
        blobs.put(&photo_key, &original),
        blobs.put(&card_photo_key, &checked.card_jpeg),
        blobs.put(&templates_key, &templates),
    );
    if let Err(e) = written {
        for k in [&photo_key, &card_photo_key, &templates_key] {
            let _ = blobs.delete(k).await;
        }
        tracing::error!(error = %e, "blob store write failed");
        return Err(ApiError::internal());
    }
    let new = NewCase {
        province: office.province,
        office: office.id.clone(),
        applicant,
        // The document prints the card-sized JPEG; the original stays beside it.
        photo_key: card_photo_key,
        templates_key,
        conflicts: hits,
        opened: Actor {
            actor: actor(staff),
            at: chrono::Utc::now(),
        },
    };
    let case = match state.store.open_case(&new).await {
        Ok(c) => c,
        Err(e) => {
            for k in [&photo_key, &new.photo_key, &new.templates_key] {
                let _ = blobs.delete(k).await;
            }
            return Err(e.into());
        }
    };
    if !new.conflicts.is_empty() {
        tracing::info!(
            case = %case.number,
            hits = new.conflicts.len(),
            "nationality case: fingerprints match an enrolled person; waiting for a supervisor"
        );
    }
    Ok(CaseOpened {
        status: CaseStatus::of(&case.number, case.state),
        document_url: format!(
            "/api/v1/office/nationality-cases/{}/document.pdf",
            case.number
        ),
        identity_hits: new.conflicts.len(),
    })
}
