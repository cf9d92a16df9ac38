//! Filling a case at its registry office: evidence (each kind with the fields the instruction asks for, a
//! scanned document kept sealed in the blob store), the outside inquiries sent through their port and their
//! answers recorded, the results of a referral to the age commission or a court; and a supervisor's look at an
//! identity conflict.

use super::{actor, at, case_at_desk, invalid_transition, moved, CaseStatus};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use domain::nationality::evidence::{check_witnesses, Witness};
use domain::nationality::{EvidenceKind, InquiryKind, Ruling};
use domain::person::parse_text;
use domain::{CaseEvent, CaseState, NationalCode, Role, ValidationError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::nationality::{Actor, CaseFile, Evidence, Move, Moved};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct WitnessInput {
    pub name: String,
    /// The witness's national code or the number of their notarised signature.
    pub certification: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EvidenceInput {
    /// `witness_testimony`, `photo`, `parent_certificate`, `school_record`, `health_record`, `residence_record`,
    /// `dna_kinship`, `age_commission`, `court_ruling`.
    pub kind: String,
    pub note: String,
    /// The scanned document: base64 PDF, JPEG or PNG, at most 4 MiB.
    #[serde(default)]
    pub document: Option<String>,
    /// `witness_testimony`: at least two certified witnesses.
    #[serde(default)]
    pub witnesses: Option<Vec<WitnessInput>>,
    /// `dna_kinship`: the named Iranian parent's national code (in the civil registry).
    #[serde(default)]
    pub parent_national_code: Option<String>,
    /// `dna_kinship`: whether the laboratory confirmed the kinship.
    #[serde(default)]
    pub kinship_confirmed: Option<bool>,
    /// `age_commission`: the year of birth the commission determined.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "1378")]
    pub birth_year_jalali: Option<serde_json::Value>,
    /// `court_ruling`: `iranian` or `not_iranian`.
    #[serde(default)]
    pub ruling: Option<String>,
    /// `court_ruling`: the ruling's number.
    #[serde(default)]
    pub ruling_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InquiryView {
    pub kind: String,
    pub kind_fa: String,
    /// `clear`, `adverse`, or absent while unanswered.
    pub outcome: Option<String>,
    pub reference: Option<String>,
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceAdded {
    #[serde(flatten)]
    pub status: CaseStatus,
    pub evidence_count: usize,
    pub inquiries: Vec<InquiryView>,
}

pub fn inquiry_views(file: &CaseFile) -> Vec<InquiryView> {
    file.inquiries
        .iter()
        .map(|i| InquiryView {
            kind: i.kind.as_str().into(),
            kind_fa: i.kind.fa().into(),
            outcome: i.outcome.map(|o| o.as_str().into()),
            reference: i.reference.clone(),
            answer: i.answer.clone(),
        })
        .collect()
}

fn missing(field: &str, en: &str, fa: &str) -> ApiError {
    ApiError::validation(ValidationError::new("evidence_incomplete", en, fa)).with_field(field)
}

/// The kind's own fields, checked, as the JSON kept with the evidence; and the event the evidence is.
async fn details(
    state: &AppState,
    kind: EvidenceKind,
    input: &EvidenceInput,
    case_state: CaseState,
) -> ApiResult<(serde_json::Value, CaseEvent)> {
    let mut event = CaseEvent::EvidenceAdded;
    let details = match kind {
        EvidenceKind::WitnessTestimony => {
            let witnesses: Vec<Witness> = input
                .witnesses
                .iter()
                .flatten()
                .map(|w| Witness {
                    name: w.name.trim().to_string(),
                    certification: w.certification.trim().to_string(),
                })
                .collect();
            check_witnesses(&witnesses).map_err(at("witnesses"))?;
            json!({"witnesses": witnesses.iter().map(|w| json!({"name": w.name, "certification": w.certification})).collect::<Vec<_>>()})
        }
        EvidenceKind::DnaKinship => {
            let code = input.parent_national_code.as_deref().ok_or_else(|| {
                missing(
                    "parent_national_code",
                    "a kinship result names the Iranian parent",
                    "نتیجهٔ آزمایش خویشاوندی باید پدر یا مادر ایرانی را نام ببرد",
                )
            })?;
            let code = NationalCode::parse(code).map_err(at("parent_national_code"))?;
            if state.store.person(&code).await?.is_none() {
                return Err(ApiError::validation(ValidationError::new(
                    "parent_not_found",
                    "the named parent is not in the civil registry",
                    "پدر یا مادر نام‌برده در ثبت احوال پیدا نشد",
                ))
                .with_field("parent_national_code"));
            }
            let confirmed = input.kinship_confirmed.ok_or_else(|| {
                missing(
                    "kinship_confirmed",
                    "say whether the laboratory confirmed the kinship",
                    "تأیید یا عدم تأیید خویشاوندی از سوی آزمایشگاه را وارد کنید",
                )
            })?;
            json!({"parent_national_code": code.as_str(), "kinship_confirmed": confirmed})
        }
        EvidenceKind::AgeCommission => {
            let year = input.birth_year_jalali.as_ref().ok_or_else(|| {
                missing(
                    "birth_year_jalali",
                    "the commission's result is the year of birth it determined",
                    "نتیجهٔ کمیسیون سال تولدی است که تعیین کرده است",
                )
            })?;
            let year = super::open::parse_year(year, "birth_year_jalali")?;
            if case_state == CaseState::AgeCommission {
                event = CaseEvent::ReferralAnswered;
            }
            json!({"birth_year_jalali": year})
        }
        EvidenceKind::CourtRuling => {
            let ruling =
                Ruling::parse(input.ruling.as_deref().unwrap_or("")).map_err(at("ruling"))?;
            let number = parse_text(input.ruling_number.as_deref().unwrap_or(""), 60, true)
                .map_err(at("ruling_number"))?;
            if case_state == CaseState::Court {
                event = CaseEvent::ReferralAnswered;
            }
            json!({"ruling": ruling.as_str(), "ruling_number": number})
        }
        _ => json!({}),
    };
    Ok((details, event))
}

/// The magic numbers of the documents taken.
fn document_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else {
        None
    }
}

const DOCUMENT_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Adds evidence to a case at the office that opened it, then sends (or retries) the inquiries.
pub async fn add_evidence(
    state: &AppState,
    staff: &Staff,
    number: &str,
    input: EvidenceInput,
) -> ApiResult<EvidenceAdded> {
    let (_, file) = case_at_desk(state, staff, number).await?;
    let kind = EvidenceKind::parse(&input.kind).map_err(at("kind"))?;
    let note = parse_text(&input.note, 2000, true).map_err(at("note"))?;
    let case = &file.case;
    // Refused before the kind's fields are looked at: a decided case or an open identity conflict takes nothing.
    case.state
        .transition(CaseEvent::EvidenceAdded)
        .map_err(invalid_transition)?;
    let (details, event) = details(state, kind, &input, case.state).await?;
    let to = case.state.transition(event).map_err(invalid_transition)?;
    let document = match input.document.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let bytes = crate::cards::base64_field("document", d)?;
            if bytes.len() > DOCUMENT_MAX_BYTES {
                return Err(ApiError::validation(ValidationError::new(
                    "document_too_large",
                    "a document is at most 4 MiB",
                    "حجم مدرک حداکثر ۴ مگابایت است",
                ))
                .with_field("document"));
            }
            let ext = document_kind(&bytes).ok_or_else(|| {
                ApiError::validation(ValidationError::new(
                    "invalid_document",
                    "a document is a PDF, JPEG or PNG file",
                    "مدرک باید پرونده‌ای از نوع PDF، JPEG یا PNG باشد",
                ))
                .with_field("document")
            })?;
            let nonce: [u8; 8] = rand::random();
            let key = format!(
                "nationality/{}/evidence-{}.{ext}",
                case.number.to_string().to_ascii_lowercase(),
                hex::encode(nonce)
            );
            state.services.blobs.put(&key, &bytes).await.map_err(|e| {
                tracing::error!(error = %e, "blob store write failed");
                ApiError::internal()
            })?;
            Some(key)
        }
    };
    let by = Actor {
        actor: actor(staff),
        at: chrono::Utc::now(),
    };
    let m = Move {
        from: case.state,
        to,
        by: by.clone(),
        reason: Some(format!("evidence: {}", kind.as_str())),
    };
    let evidence = Evidence {
        kind,
        note,
        document_key: document.clone(),
        details: details.to_string(),
        by,
    };
    if state.store.add_evidence(case.id, &m, &evidence).await? == Moved::Moved {
        if let Some(k) = document {
            let _ = state.services.blobs.delete(&k).await;
        }
        return Err(moved());
    }
    settle_inquiries(state, staff, &case.number).await?;
    let file = state
        .store
        .case_by_number(&case.number)
        .await?
        .ok_or_else(super::not_found)?;
    Ok(EvidenceAdded {
        status: CaseStatus::of(&file.case.number, file.case.state),
        evidence_count: file.evidence.len(),
        inquiries: inquiry_views(&file),
    })
}

/// Sends the inquiries a case has not sent yet (once it is open with evidence), asks every unanswered one, and
/// records the answers; when all have answered the case is open again. A body that does not answer leaves its
/// inquiry unanswered and the case `inquiries_pending`: the next evidence (or look) asks again.
pub async fn settle_inquiries(
    state: &AppState,
    staff: &Staff,
    number: &domain::CaseNumber,
) -> ApiResult<()> {
    let file = state
        .store
        .case_by_number(number)
        .await?
        .ok_or_else(super::not_found)?;
    let case = &file.case;
    let unsent: Vec<InquiryKind> = InquiryKind::ALL
        .iter()
        .copied()
        .filter(|k| !file.inquiries.iter().any(|i| i.kind == *k))
        .collect();
    if !unsent.is_empty() && matches!(case.state, CaseState::Open | CaseState::MoreEvidence) {
        let m = Move {
            from: case.state,
            to: case
                .state
                .transition(CaseEvent::InquiriesSent)
                .map_err(invalid_transition)?,
            by: Actor {
                actor: actor(staff),
                at: chrono::Utc::now(),
            },
            reason: Some("inquiries sent".into()),
        };
        if state.store.send_inquiries(case.id, &m, &unsent).await? == Moved::Moved {
            return Err(moved());
        }
    }
    let file = state
        .store
        .case_by_number(number)
        .await?
        .ok_or_else(super::not_found)?;
    if file.case.state != CaseState::InquiriesPending {
        return Ok(());
    }
    let a = &file.case.applicant;
    let subject = inquiries::Subject {
        case_number: file.case.number.to_string(),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        father_name: a.father_name.clone(),
        birth_year_jalali: a.birth_year,
        birth_place: a.birth_place.clone(),
    };
    let mut all = true;
    for i in file.inquiries.iter().filter(|i| i.outcome.is_none()) {
        match state.services.inquiries.ask(i.kind, &subject).await {
            Ok(answer) => {
                state
                    .store
                    .answer_inquiry(
                        i.id,
                        answer.outcome,
                        &answer.detail,
                        Some(&answer.reference),
                        chrono::Utc::now(),
                    )
                    .await?;
            }
            Err(e) => {
                tracing::warn!(case = %file.case.number, kind = i.kind.as_str(), error = %e, "inquiry unanswered");
                all = false;
            }
        }
    }
    if all {
        let m = Move {
            from: CaseState::InquiriesPending,
            to: CaseState::Open,
            by: Actor {
                actor: "system:inquiries".into(),
                at: chrono::Utc::now(),
            },
            reason: Some("every inquiry answered".into()),
        };
        // A concurrent caller may have settled it first: either way it is settled.
        state.store.move_case(file.case.id, &m).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConflictInput {
    /// `distinct` (the hit is another person: the case goes on) or `duplicate` (the applicant already has an
    /// identity: the case is rejected).
    pub decision: String,
    pub note: String,
}

/// A supervisor of the opening office settles an identity conflict.
pub async fn settle_conflict(
    state: &AppState,
    staff: &Staff,
    number: &str,
    input: ConflictInput,
) -> ApiResult<CaseStatus> {
    let (_, file) = case_at_desk(state, staff, number).await?;
    if staff.role != Role::Supervisor {
        return Err(ApiError::forbidden());
    }
    let event = match input.decision.trim() {
        "distinct" => CaseEvent::ConflictCleared,
        "duplicate" => CaseEvent::ConflictConfirmed,
        other => {
            return Err(ApiError::validation(ValidationError::new(
                "invalid_decision",
                format!("{other:?} is not distinct or duplicate"),
                format!("«{other}» باید distinct یا duplicate باشد"),
            ))
            .with_field("decision"))
        }
    };
    let note = parse_text(&input.note, 2000, true).map_err(at("note"))?;
    let to = file
        .case
        .state
        .transition(event)
        .map_err(invalid_transition)?;
    let m = Move {
        from: file.case.state,
        to,
        by: Actor {
            actor: actor(staff),
            at: chrono::Utc::now(),
        },
        reason: Some(format!(
            "identity conflict: {}: {note}",
            input.decision.trim()
        )),
    };
    if state.store.move_case(file.case.id, &m).await? == Moved::Moved {
        return Err(moved());
    }
    Ok(CaseStatus::of(&file.case.number, to))
}
