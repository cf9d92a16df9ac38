//! The people who run the programme: office operators and supervisors (each belongs to one office),
//! administrators of a province or of the nation (no office), the liaisons of institutions a mobile unit visits
//! (prisons, garrisons, care homes: no office), and the members of a province's nationality committee.

use crate::error::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Supervisor,
    ProvinceAdmin,
    NationalAdmin,
    /// An institution's contact for mobile-unit visits (uploads rosters); no office.
    Liaison,
    /// A member of a province's committee that decides nationality cases; no office.
    NationalityCommittee,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Operator,
        Role::Supervisor,
        Role::ProvinceAdmin,
        Role::NationalAdmin,
        Role::Liaison,
        Role::NationalityCommittee,
    ];

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "invalid_role",
                    "role must be operator, supervisor, province_admin, national_admin, liaison or nationality_committee",
                    "نقش باید یکی از متصدی، سرپرست، مدیر استان، مدیر کشوری، رابط مؤسسه یا عضو کمیسیون تابعیت باشد",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::ProvinceAdmin => "province_admin",
            Role::NationalAdmin => "national_admin",
            Role::Liaison => "liaison",
            Role::NationalityCommittee => "nationality_committee",
        }
    }

    /// The role's name in Persian, for pages.
    pub fn fa(self) -> &'static str {
        match self {
            Role::Operator => "متصدی",
            Role::Supervisor => "سرپرست",
            Role::ProvinceAdmin => "مدیر استان",
            Role::NationalAdmin => "مدیر کشوری",
            Role::Liaison => "رابط مؤسسه",
            Role::NationalityCommittee => "عضو کمیسیون تابعیت",
        }
    }

    /// Whether the role works at one office (and needs one).
    pub fn has_office(self) -> bool {
        matches!(self, Role::Operator | Role::Supervisor)
    }
}

/// A username: 3 to 64 characters of ASCII letters, digits, `.`, `_` and `-`.
pub fn parse_username(input: &str) -> Result<String, ValidationError> {
    let s = input.trim();
    let ok = (3..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(ValidationError::new(
            "invalid_username",
            "a username has 3 to 64 characters: ASCII letters, digits, '.', '_' or '-'",
            "نام کاربری ۳ تا ۶۴ نویسه از حروف لاتین، رقم، نقطه، خط زیر یا خط تیره است",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_usernames() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
        assert_eq!(parse_username(" Op.Tehran_1 ").unwrap(), "op.tehran_1");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("علی").is_err());
    }
}
