//! Nationality cases (`پرونده تعیین تابعیت`): people with no birth certificate, whose Iranian nationality must be
//! established before they can be registered late and then apply for a card. A case is opened at a registry
//! office, gathers evidence and the answers of outside inquiries, may be referred to the age-determination
//! commission or a court, and is decided by the provincial committee; an approval registers the birth late with a
//! newly allocated national code ([`allocation`]).
//!
//! Every move of a case goes through [`CaseState::transition`]; the caller records it with who and when.

pub mod allocation;
pub mod case_number;
pub mod evidence;

pub use case_number::CaseNumber;
pub use evidence::{Decision, EvidenceKind, Ground, InquiryKind, InquiryOutcome, Ruling};

use crate::error::ValidationError;

/// Where a case stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Opened, gathering evidence; the committee may decide it.
    Open,
    /// The applicant's fingers matched someone already enrolled: a supervisor must look before anything else.
    IdentityConflict,
    /// Inquiries went out and not all have answered.
    InquiriesPending,
    /// The committee asked for more evidence.
    MoreEvidence,
    /// The age is disputed: referred to the age-determination commission.
    AgeCommission,
    /// The inquiries could not settle it: referred to a court.
    Court,
    /// Iranian nationality established; the birth is registered late.
    Approved,
    /// Not established; referred to the foreign-nationals bureau.
    Rejected,
}

/// What moves a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseEvent {
    /// A supervisor found the fingerprint hit to be another person.
    ConflictCleared,
    /// A supervisor found the applicant already has an identity.
    ConflictConfirmed,
    InquiriesSent,
    /// Every inquiry has answered.
    InquiriesAnswered,
    /// Evidence was added (a ruling or the commission's result among it).
    EvidenceAdded,
    /// The result of the commission or the court was recorded.
    ReferralAnswered,
    Decided(Decision),
}

use CaseState as S;

impl CaseState {
    pub const ALL: [CaseState; 8] = [
        S::Open,
        S::IdentityConflict,
        S::InquiriesPending,
        S::MoreEvidence,
        S::AgeCommission,
        S::Court,
        S::Approved,
        S::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            S::Open => "open",
            S::IdentityConflict => "identity_conflict",
            S::InquiriesPending => "inquiries_pending",
            S::MoreEvidence => "more_evidence",
            S::AgeCommission => "age_commission",
            S::Court => "court",
            S::Approved => "approved",
            S::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The state as the applicant reads it.
    pub fn fa(self) -> &'static str {
        match self {
            S::Open => "در حال بررسی",
            S::IdentityConflict => "نیازمند بررسی هویت",
            S::InquiriesPending => "در انتظار پاسخ استعلام‌ها",
            S::MoreEvidence => "نیازمند مدارک بیشتر",
            S::AgeCommission => "ارجاع به کمیسیون تعیین سن",
            S::Court => "ارجاع به دادگاه",
            S::Approved => "تابعیت تأیید شد",
            S::Rejected => "تابعیت احراز نشد",
        }
    }

    /// No move leaves it.
    pub fn is_final(self) -> bool {
        matches!(self, S::Approved | S::Rejected)
    }

    /// Evidence may be added in this state.
    pub fn takes_evidence(self) -> bool {
        matches!(
            self,
            S::Open | S::InquiriesPending | S::MoreEvidence | S::AgeCommission | S::Court
        )
    }

    /// The next state after `event`, or `invalid_transition`.
    pub fn transition(self, event: CaseEvent) -> Result<CaseState, ValidationError> {
        use CaseEvent as E;
        let next = match (self, event) {
            (S::IdentityConflict, E::ConflictCleared) => Some(S::Open),
            (S::IdentityConflict, E::ConflictConfirmed) => Some(S::Rejected),
            (S::Open | S::MoreEvidence, E::InquiriesSent) => Some(S::InquiriesPending),
            (S::InquiriesPending, E::InquiriesAnswered) => Some(S::Open),
            (S::MoreEvidence, E::EvidenceAdded) => Some(S::Open),
            (
                s @ (S::Open | S::InquiriesPending | S::AgeCommission | S::Court),
                E::EvidenceAdded,
            ) => Some(s),
            (S::AgeCommission | S::Court, E::ReferralAnswered) => Some(S::Open),
            (S::Open, E::Decided(d)) => Some(match d {
                Decision::Approved => S::Approved,
                Decision::Rejected => S::Rejected,
                Decision::MoreEvidence => S::MoreEvidence,
                Decision::ReferAgeCommission => S::AgeCommission,
                Decision::ReferCourt => S::Court,
            }),
            _ => None,
        };
        next.ok_or_else(|| {
            ValidationError::new(
                "invalid_transition",
                format!("a case that is {} cannot take this", self.as_str()),
                format!(
                    "پرونده‌ای که در وضعیت «{}» است این کار را نمی‌پذیرد",
                    self.fa()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.as_str()), Some(s));
            assert!(!s.fa().is_empty());
        }
    }

    #[test]
    fn a_case_is_decided_once_and_only_when_open() {
        let approved = S::Open
            .transition(CaseEvent::Decided(Decision::Approved))
            .unwrap();
        assert_eq!(approved, S::Approved);
        for &d in Decision::ALL {
            let e = approved.transition(CaseEvent::Decided(d)).unwrap_err();
            assert_eq!(e.code, "invalid_transition");
            assert!(S::IdentityConflict
                .transition(CaseEvent::Decided(d))
                .is_err());
            assert!(S::InquiriesPending
                .transition(CaseEvent::Decided(d))
                .is_err());
        }
    }

    #[test]
    fn referrals_come_back_with_their_result() {
        let c = S::Open
            .transition(CaseEvent::Decided(Decision::ReferCourt))
            .unwrap();
        assert_eq!(c, S::Court);
        assert_eq!(c.transition(CaseEvent::EvidenceAdded).unwrap(), S::Court);
        assert_eq!(c.transition(CaseEvent::ReferralAnswered).unwrap(), S::Open);
        let m = S::Open
            .transition(CaseEvent::Decided(Decision::MoreEvidence))
            .unwrap();
        assert_eq!(m.transition(CaseEvent::EvidenceAdded).unwrap(), S::Open);
    }

    #[test]
    fn final_states_take_nothing() {
        let events = [
            CaseEvent::ConflictCleared,
            CaseEvent::ConflictConfirmed,
            CaseEvent::InquiriesSent,
            CaseEvent::InquiriesAnswered,
            CaseEvent::EvidenceAdded,
            CaseEvent::ReferralAnswered,
        ];
        for s in [S::Approved, S::Rejected] {
            assert!(s.is_final() && !s.takes_evidence());
            for e in events {
                assert!(s.transition(e).is_err(), "{s:?} {e:?}");
            }
        }
        assert_eq!(
            S::IdentityConflict
                .transition(CaseEvent::ConflictConfirmed)
                .unwrap(),
            S::Rejected
        );
    }
}
