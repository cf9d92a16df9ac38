//! The provincial committee's decision: recorded with the members present and its ground; refused to anyone who
//! opened the case; an approval registers the birth late (a newly allocated national code in the province's range,
//! drawn again while taken, and a birth-certificate serial) in one transaction with the case's link; an SMS
//! tells the applicant of every decision.

use super::{actor, at, invalid_transition, moved, not_found, username_of, CaseStatus};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::{today, AppState};
use domain::nationality::evidence::{check_approvable, FileSummary};
use domain::nationality::{allocation, Decision, EvidenceKind, Ground, Ruling};
use domain::person::parse_text;
use domain::text::{normalize_name, to_persian_digits};
use domain::{CaseEvent, CaseNumber, Person, Religion, Role, ValidationError};
use serde::{Deserialize, Serialize};
use store::nationality::{Actor, Approved, CaseDecision, CaseFile, CaseSms, Move, Moved};
use utoipa::ToSchema;

/// The fewest members a committee decides with.
pub const MIN_MEMBERS: usize = 3;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// `approved`, `rejected`, `more_evidence`; beside the contract, `refer_age_commission` and `refer_court`.
    pub decision: String,
    /// The members present (usernames or names), at least three.
    pub members: Vec<String>,
    /// For `approved` a clause of Civil Code article 976 (`art976_1` … `art976_5`) or `iranian_mother_1398`; for
    /// `rejected` its reason (`foreign_nationality`, `insufficient_evidence`, `existing_identity`); otherwise
    /// optional (`further_review`).
    #[serde(default)]
    pub ground: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionDone {
    #[serde(flatten)]
    pub status: CaseStatus,
    /// The national code allocated by an approval.
    pub national_code: Option<String>,
    /// The birth certificate of an approval: `{series_letter, series_number, serial}`.
    pub birth_certificate: Option<serde_json::Value>,
}

fn opened_by_member() -> ApiError {
    ApiError::conflict(
        "committee_member_opened_case",
        "عضوی از کمیسیون که پرونده را گشوده است نمی‌تواند دربارهٔ آن تصمیم بگیرد",
        "a committee member who opened the case cannot decide it",
    )
}

fn members(input: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, m) in input.iter().enumerate() {
        let field = format!("members[{i}]");
        let name = parse_text(m, 60, true).map_err(at(&field))?;
        if !out
            .iter()
            .any(|o| normalize_name(o) == normalize_name(&name))
        {
            out.push(name);
        }
    }
    if out.len() < MIN_MEMBERS {
        return Err(ApiError::validation(ValidationError::new(
            "invalid_members",
            format!("a committee decides with at least {MIN_MEMBERS} different members present"),
            "کمیسیون با حضور دست‌کم سه عضو متفاوت تصمیم می‌گیرد",
        ))
        .with_field("members"));
    }
    Ok(out)
}

/// What the approval needs of the file, from the file.
fn summary(file: &CaseFile) -> FileSummary {
    let ruling = file
        .evidence
        .iter()
        .rev()
        .filter(|e| e.kind == EvidenceKind::CourtRuling)
        .find_map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.details).ok()?;
            Ruling::parse(v["ruling"].as_str()?).ok()
        });
    FileSummary {
        evidence: file.evidence.iter().map(|e| e.kind).collect(),
        inquiries: file.inquiries.iter().map(|i| (i.kind, i.outcome)).collect(),
        ruling,
    }
}

/// The year of birth to register: the age commission's latest result, else the year given at opening.
fn birth_year(file: &CaseFile) -> i32 {
    file.evidence
        .iter()
        .rev()
        .filter(|e| e.kind == EvidenceKind::AgeCommission)
        .find_map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.details).ok()?;
            i32::try_from(v["birth_year_jalali"].as_i64()?).ok()
        })
        .unwrap_or(file.case.applicant.birth_year)
}

fn sms_text(number: &CaseNumber, d: Decision, code: Option<&str>) -> String {
    let n = number.to_string();
    match (d, code) {
        (Decision::Approved, Some(c)) => format!(
            "پرونده {n}: تابعیت ایرانی شما تأیید شد. کد ملی: {}. اکنون می‌توانید برای کارت ملی ثبت‌نام کنید.",
            to_persian_digits(c)
        ),
        (Decision::Rejected, _) => format!(
            "پرونده {n}: تابعیت ایرانی احراز نشد و پرونده به ادارهٔ اتباع خارجی ارجاع شد."
        ),
        (Decision::MoreEvidence, _) => {
            format!("پرونده {n}: کمیسیون مدارک بیشتری خواسته است؛ به ادارهٔ ثبت احوال مراجعه کنید.")
        }
        (Decision::ReferAgeCommission, _) => {
            format!("پرونده {n}: به کمیسیون تعیین سن ارجاع شد.")
        }
        _ => format!("پرونده {n}: به دادگاه ارجاع شد."),
    }
}

/// The person the approval registers.
fn person(file: &CaseFile, code: domain::NationalCode) -> ApiResult<Person> {
    let a = &file.case.applicant;
    let birth_date = allocation::birth_date(birth_year(file), today())
        .map_err(|e| ApiError::conflict("invalid_date", e.message_fa, e.message_en))?;
    let birth_certificate = allocation::birth_certificate(u64::try_from(file.case.id).unwrap_or(0))
        .ok_or_else(ApiError::internal)?;
    Ok(Person {
        national_code: code,
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        father_name: a.father_name.clone().unwrap_or_default(),
        mother_name: a.mother_name.clone().unwrap_or_default(),
        gender: a.gender,
        birth_date,
        birth_place: a.birth_place.clone(),
        religion: Religion::parse(&a.religion).unwrap_or(Religion::Islam),
        birth_certificate,
        mobiles: a.mobile.iter().cloned().collect(),
        postal_code: None,
        address: a.address.clone(),
        death_date: None,
    })
}

/// Records the committee's decision on a case.
pub async fn decide(
    state: &AppState,
    staff: &Staff,
    number: &str,
    input: DecisionInput,
) -> ApiResult<DecisionDone> {
    if staff.role != Role::NationalityCommittee {
        return Err(ApiError::forbidden());
    }
    let number = CaseNumber::parse(number).map_err(at("case_number"))?;
    let decision = Decision::parse(&input.decision).map_err(at("decision"))?;
    let members = members(&input.members)?;
    let ground = match input.ground.as_deref().map(str::trim) {
        None | Some("") if !matches!(decision, Decision::Approved | Decision::Rejected) => {
            Ground::FurtherReview
        }
        g => Ground::parse(g.unwrap_or("")).map_err(at("ground"))?,
    };
    ground.fits(decision).map_err(at("ground"))?;
    let note = parse_text(&input.note, 2000, decision == Decision::Rejected).map_err(at("note"))?;

    let file = state
        .store
        .case_by_number(&number)
        .await?
        .ok_or_else(not_found)?;
    let case = &file.case;
    if let Some(p) = staff.province {
        if p != case.province {
            return Err(ApiError::forbidden());
        }
    }
    let opener = username_of(&case.opened_by);
    if staff.username == opener
        || members
            .iter()
            .any(|m| normalize_name(m) == normalize_name(opener))
    {
        return Err(opened_by_member());
    }
    let to = case
        .state
        .transition(CaseEvent::Decided(decision))
        .map_err(invalid_transition)?;
    let by = Actor {
        actor: actor(staff),
        at: chrono::Utc::now(),
    };
    let m = Move {
        from: case.state,
        to,
        by: by.clone(),
        reason: Some(format!(
            "committee: {} ({})",
            decision.as_str(),
            ground.as_str()
        )),
    };
    let sms = |code: Option<&str>| {
        case.applicant.mobile.map(|mobile| CaseSms {
            mobile,
            kind: format!("nationality_{}", decision.as_str()),
            text: sms_text(&case.number, decision, code),
        })
    };
    if decision != Decision::Approved {
        let d = CaseDecision {
            decision,
            ground,
            members,
            note,
            by,
            national_code: None,
        };
        if state
            .store
            .decide(case.id, &m, &d, sms(None).as_ref())
            .await?
            == Moved::Moved
        {
            return Err(moved());
        }
        return Ok(DecisionDone {
            status: CaseStatus::of(&case.number, to),
            national_code: None,
            birth_certificate: None,
        });
    }
    check_approvable(&summary(&file))
        .map_err(|e| ApiError::conflict(e.code, e.message_fa, e.message_en))?;
    for _ in 0..allocation::MAX_DRAWS {
        let Some(code) = allocation::candidate(case.province, rand::random()) else {
            continue;
        };
        let p = person(&file, code)?;
        let d = CaseDecision {
            decision,
            ground,
            members: members.clone(),
            note: note.clone(),
            by: by.clone(),
            national_code: Some(code),
        };
        match state
            .store
            .approve(case.id, &m, &d, &p, sms(Some(code.as_str())).as_ref())
            .await?
        {
            Approved::Done => {
                tracing::info!(case = %case.number, national_code = %code.masked(), "nationality approved; birth registered late");
                let bc = p.birth_certificate;
                return Ok(DecisionDone {
                    status: CaseStatus::of(&case.number, to),
                    national_code: Some(code.as_str().to_string()),
                    birth_certificate: Some(serde_json::json!({
                        "series_letter": bc.series_letter().as_str(),
                        "series_number": bc.series_number(),
                        "serial": bc.serial(),
                    })),
                });
            }
            Approved::CodeTaken => continue,
            Approved::Moved => return Err(moved()),
        }
    }
    tracing::error!(case = %case.number, "no free national code found in the province's range");
    Err(ApiError::internal())
}
