//! Nationality cases: the case opened at a registry office for a person with no birth certificate, the
//! fingerprint hits found at opening, its evidence, the inquiries sent and their answers, the committee's
//! decisions, and every move of its state with who and when (see `domain::nationality`).
//!
//! Each state-changing method takes the state the caller saw and changes nothing when the case has moved since
//! (answering [`Moved::Moved`]): two desks acting at once cannot both act on the same state. The approval registers
//! the person in the civil registry and links the case in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::nationality::{Decision, EvidenceKind, Ground, InquiryKind, InquiryOutcome};
use domain::{CaseNumber, CaseState, Gender, Mobile, NationalCode, OfficeId, Person, ProvinceCode};

use crate::Result;

/// Who did something and when (actors as histories name them: `operator:USERNAME`, `committee:USERNAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// The applicant as the registry office took them at opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub first_name: String,
    pub last_name: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub gender: Gender,
    pub birth_place: String,
    pub birth_year: i32,
    /// `islam`, … as `domain::Religion` names them.
    pub religion: String,
    pub address: String,
    pub mobile: Option<Mobile>,
}

/// A case to open.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub province: ProvinceCode,
    pub office: OfficeId,
    pub applicant: Applicant,
    pub photo_key: String,
    pub templates_key: String,
    /// Enrolled applications the applicant's fingers matched (application id, score): with any, the case opens in
    /// `identity_conflict`.
    pub conflicts: Vec<(i64, f64)>,
    pub opened: Actor,
}

/// A case as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: i64,
    pub number: CaseNumber,
    pub province: ProvinceCode,
    pub office: OfficeId,
    pub state: CaseState,
    pub applicant: Applicant,
    pub photo_key: String,
    pub templates_key: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Once approved: the national code allocated.
    pub national_code: Option<NationalCode>,
}

/// A piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub note: String,
    /// The scanned document in the blob store, if one was given.
    pub document_key: Option<String>,
    /// The kind's own fields as JSON.
    pub details: String,
    pub by: Actor,
}

/// An inquiry sent, with its answer once it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    pub id: i64,
    pub kind: InquiryKind,
    /// The answering body's reference.
    pub reference: Option<String>,
    pub sent: Actor,
    pub outcome: Option<InquiryOutcome>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A committee decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDecision {
    pub decision: Decision,
    pub ground: Ground,
    pub members: Vec<String>,
    pub note: String,
    pub by: Actor,
    pub national_code: Option<NationalCode>,
}

/// One move of a case's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMove {
    pub from: Option<CaseState>,
    pub to: CaseState,
    pub by: Actor,
    pub reason: Option<String>,
}

/// A case with everything on it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFile {
    pub case: Case,
    pub conflicts: Vec<(i64, f64)>,
    pub evidence: Vec<Evidence>,
    pub inquiries: Vec<Inquiry>,
    pub decisions: Vec<CaseDecision>,
    pub history: Vec<CaseMove>,
    /// The latest application filed with the case's national code, once there is one.
    pub application: Option<String>,
}

/// A state change asked for; `reason` goes in the history.
#[derive(Debug, Clone)]
pub struct Move {
    pub from: CaseState,
    pub to: CaseState,
    pub by: Actor,
    pub reason: Option<String>,
}

/// A message to queue in the SMS outbox with a change.
#[derive(Debug, Clone)]
pub struct CaseSms {
    pub mobile: Mobile,
    pub kind: String,
    pub text: String,
}

/// What a conditional change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    Done,
    /// The case was not in the state the caller saw (or does not exist): nothing changed.
    Moved,
}

/// What an approval did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approved {
    Done,
    /// The national code is already someone's: nothing changed; draw another.
    CodeTaken,
    Moved,
}

/// An open case for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCase {
    pub province: ProvinceCode,
    pub state: CaseState,
    pub birth_year: i32,
}

#[async_trait]
pub trait Nationality: Send + Sync {
    /// Opens a case: its number is the next in the province; the state `open`, or `identity_conflict` with
    /// conflicts; the first history row.
    async fn open_case(&self, case: &NewCase) -> Result<Case>;

    async fn case_by_number(&self, number: &CaseNumber) -> Result<Option<CaseFile>>;

    /// Adds evidence, moving the case (`moved.from` to `moved.to`, possibly the same state) in one transaction.
    async fn add_evidence(&self, case_id: i64, moved: &Move, evidence: &Evidence) -> Result<Moved>;

    /// Records inquiries sent (one per kind and case; a kind already sent is left as it is), moving the case.
    async fn send_inquiries(
        &self,
        case_id: i64,
        moved: &Move,
        kinds: &[InquiryKind],
    ) -> Result<Moved>;

    /// Records an inquiry's answer (once: a second answer to the same inquiry is ignored, answering false).
    async fn answer_inquiry(
        &self,
        inquiry_id: i64,
        outcome: InquiryOutcome,
        answer: &str,
        reference: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Moves a case (a supervisor's look at a conflict, every inquiry answered).
    async fn move_case(&self, case_id: i64, moved: &Move) -> Result<Moved>;

    /// Records a decision that registers nobody (rejected, more evidence, a referral), with its SMS.
    async fn decide(
        &self,
        case_id: i64,
        moved: &Move,
        decision: &CaseDecision,
        sms: Option<&CaseSms>,
    ) -> Result<Moved>;

    /// Approves: the person is added to the civil registry with the decision's national code, the case is linked
    /// to it and moved to `approved`, the decision recorded and the SMS queued, all in one transaction.
    async fn approve(
        &self,
        case_id: i64,
        moved: &Move,
        decision: &CaseDecision,
        person: &Person,
        sms: Option<&CaseSms>,
    ) -> Result<Approved>;

    /// Every case not yet decided for good, for the dashboard.
    async fn open_cases(&self) -> Result<Vec<OpenCase>>;

    /// The cases of an office, newest first.
    async fn cases_of_office(&self, office: &OfficeId, limit: u32) -> Result<Vec<Case>>;

    /// The cases waiting for the committee (open, or back with more evidence) in a province (all with `None`).
    async fn cases_for_committee(
        &self,
        province: Option<ProvinceCode>,
        limit: u32,
    ) -> Result<Vec<Case>>;
}
