//! Mobile enrollment units: the kinds of institution a unit visits (prisons, garrisons, care homes, hospitals,
//! and disabled people's homes), and who pays the fee of the people it enrolls there.

use crate::error::ValidationError;

/// The kind of institution a mobile unit visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    Prison,
    Garrison,
    CareHome,
    Hospital,
    /// Disabled people at home, grouped by area into one visit.
    Home,
}

impl InstitutionKind {
    pub const ALL: [InstitutionKind; 5] = [
        Self::Prison,
        Self::Garrison,
        Self::CareHome,
        Self::Hospital,
        Self::Home,
    ];

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == input.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "invalid_institution_kind",
                    format!(
                        "institution kind must be prison, garrison, care_home, hospital or home, not {input:?}"
                    ),
                    format!(
                        "نوع مؤسسه باید زندان، پادگان، خانهٔ سالمندان، بیمارستان یا منزل باشد، نه «{input}»"
                    ),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prison => "prison",
            Self::Garrison => "garrison",
            Self::CareHome => "care_home",
            Self::Hospital => "hospital",
            Self::Home => "home",
        }
    }

    /// The Persian label shown on pages.
    pub fn fa(self) -> &'static str {
        match self {
            Self::Prison => "زندان",
            Self::Garrison => "پادگان",
            Self::CareHome => "خانهٔ سالمندان و مراکز نگهداری",
            Self::Hospital => "بیمارستان",
            Self::Home => "منزل (افراد دارای معلولیت)",
        }
    }
}

impl std::fmt::Display for InstitutionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who pays the fee of a person a unit enrolls, set per institution kind in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeePolicy {
    /// Nobody: the application is marked paid with 0 rials and the reason recorded.
    Waived,
    /// The institution, in one payment for the whole roster.
    Institution,
    /// The person, as usual, before the visit.
    Person,
}

impl FeePolicy {
    pub const ALL: [FeePolicy; 3] = [Self::Waived, Self::Institution, Self::Person];

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == input.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "invalid_fee_policy",
                    format!("fee policy must be waived, institution or person, not {input:?}"),
                    format!(
                        "شیوهٔ پرداخت هزینه باید waived، institution یا person باشد، نه «{input}»"
                    ),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waived => "waived",
            Self::Institution => "institution",
            Self::Person => "person",
        }
    }

    pub fn fa(self) -> &'static str {
        match self {
            Self::Waived => "بخشوده",
            Self::Institution => "پرداخت یکجا از سوی مؤسسه",
            Self::Person => "پرداخت از سوی خود شخص",
        }
    }

    /// The policy when the configuration says nothing for a kind: prisoners, conscripts and disabled people at
    /// home pay nothing; care homes and hospitals pay for their residents.
    pub fn default_for(kind: InstitutionKind) -> Self {
        match kind {
            InstitutionKind::Prison | InstitutionKind::Garrison | InstitutionKind::Home => {
                Self::Waived
            }
            InstitutionKind::CareHome | InstitutionKind::Hospital => Self::Institution,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_policies_read_back() {
        for k in InstitutionKind::ALL {
            assert_eq!(InstitutionKind::parse(k.as_str()).unwrap(), k);
            assert!(!k.fa().is_empty());
        }
        assert_eq!(
            InstitutionKind::parse(" care_home ").unwrap(),
            InstitutionKind::CareHome
        );
        assert_eq!(
            InstitutionKind::parse("school").unwrap_err().code,
            "invalid_institution_kind"
        );
        for p in FeePolicy::ALL {
            assert_eq!(FeePolicy::parse(p.as_str()).unwrap(), p);
        }
        assert_eq!(
            FeePolicy::parse("free").unwrap_err().code,
            "invalid_fee_policy"
        );
        assert_eq!(
            FeePolicy::default_for(InstitutionKind::Prison),
            FeePolicy::Waived
        );
    }
}
