//! The typed inputs of [`crate::personalise`]: each constructor checks its value once, so that a `Holder` or a
//! `Document` that exists can be written on a chip. Nothing here formats a file; nothing here does I/O.

use crate::mrz::translit;
use crate::ChipError;
use chrono::{Datelike, NaiveDate};
use domain::{NationalCode, PostalCode};

/// The document number: 9 MRZ characters, `0-9` and `A-Z`, fillers `<` only at the end, assigned when the card
/// enters a batch and never reused.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    /// Length of a document number in a TD1 (longer numbers would overflow into the optional data).
    pub const LEN: usize = 9;

    pub fn parse(input: &str) -> Result<Self, ChipError> {
        let b = input.as_bytes();
        if b.len() != Self::LEN {
            return Err(ChipError::DocumentNumber(format!(
                "{} characters, exactly {} are required",
                input.chars().count(),
                Self::LEN
            )));
        }
        if !b
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || *c == b'<')
        {
            return Err(ChipError::DocumentNumber(
                "only 0-9, A-Z and the filler < are allowed".into(),
            ));
        }
        let fill = b.iter().position(|&c| c == b'<').unwrap_or(b.len());
        if fill == 0 || b[fill..].iter().any(|&c| c != b'<') {
            return Err(ChipError::DocumentNumber(
                "fillers may only pad the end of a number that starts with a letter or digit"
                    .into(),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DocumentNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentNumber({})", self.0)
    }
}

/// Sex as the MRZ writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    /// Written `<`.
    Unspecified,
}

impl Sex {
    pub fn mrz(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => '<',
        }
    }
}

impl From<domain::Gender> for Sex {
    fn from(g: domain::Gender) -> Self {
        match g {
            domain::Gender::Male => Sex::Male,
            domain::Gender::Female => Sex::Female,
        }
    }
}

/// The holder's name as the registry holds it (Persian script), with its MRZ transliteration worked out once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    surname: String,
    given_names: String,
    primary: Vec<String>,
    secondary: Vec<String>,
}

impl PersonName {
    /// A surname (the MRZ's primary identifier, required) and given names (secondary identifiers, may be empty),
    /// each transliterable by Doc 9303 Part 3's table. The Arabic yeh, alef maksura and kaf that Arabic keyboards
    /// type are first read as the Persian `ی` and `ک` (as the service stores names, `domain::text::tidy_display`),
    /// so one name has one MRZ whatever keyboard it was typed on.
    pub fn new(surname: &str, given_names: &str) -> Result<Self, ChipError> {
        let primary = translit::components(&persian_letters(surname))?;
        if primary.is_empty() {
            return Err(ChipError::Name("the surname is empty".into()));
        }
        let secondary = translit::components(&persian_letters(given_names))?;
        let (surname, given_names) = (surname.trim(), given_names.trim());
        text("surname", surname, 200)?;
        if !given_names.is_empty() {
            text("given names", given_names, 200)?;
        }
        Ok(Self {
            surname: surname.to_owned(),
            given_names: given_names.to_owned(),
            primary,
            secondary,
        })
    }

    pub fn surname(&self) -> &str {
        &self.surname
    }

    pub fn given_names(&self) -> &str {
        &self.given_names
    }

    pub(crate) fn primary_mrz(&self) -> &[String] {
        &self.primary
    }

    pub(crate) fn secondary_mrz(&self) -> &[String] {
        &self.secondary
    }
}

fn persian_letters(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            c => c,
        })
        .collect()
}

/// A permanent address: free-text components (province, city, street, …) and the postal code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    components: Vec<String>,
    postal_code: Option<PostalCode>,
}

impl Address {
    pub fn new(
        components: Vec<String>,
        postal_code: Option<PostalCode>,
    ) -> Result<Self, ChipError> {
        let components: Vec<String> = components
            .into_iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        for c in &components {
            text("address", c, 200)?;
            if c.contains('<') {
                return Err(ChipError::Text {
                    field: "address",
                    reason: "a component cannot hold '<', the separator of DG11".into(),
                });
            }
        }
        if components.is_empty() && postal_code.is_none() {
            return Err(ChipError::Text {
                field: "address",
                reason: "neither components nor a postal code".into(),
            });
        }
        Ok(Self {
            components,
            postal_code,
        })
    }

    /// The components and then the postal code, as DG11 stores them (joined by `<`).
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        self.components
            .iter()
            .map(String::as_str)
            .chain(self.postal_code.iter().map(PostalCode::as_str))
    }
}

/// Who the card is for.
#[derive(Debug, Clone)]
pub struct Holder {
    pub national_code: NationalCode,
    pub name: PersonName,
    /// Gregorian.
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// Free text in Persian, as the registry holds it.
    pub place_of_birth: Option<String>,
    pub address: Option<Address>,
}

impl Holder {
    pub(crate) fn check(&self) -> Result<(), ChipError> {
        if let Some(p) = &self.place_of_birth {
            text("place of birth", p, 200)?;
        }
        if !(1900..=2099).contains(&self.birth_date.year()) {
            return Err(ChipError::Dates(
                "the birth year must be 1900-2099 for the MRZ's two-digit year".into(),
            ));
        }
        Ok(())
    }
}

/// The document: its number, dates and issuing authority.
#[derive(Debug, Clone)]
pub struct Document {
    number: DocumentNumber,
    issue_date: NaiveDate,
    expiry_date: NaiveDate,
    authority: String,
}

impl Document {
    pub fn new(
        number: DocumentNumber,
        issue_date: NaiveDate,
        expiry_date: NaiveDate,
        authority: &str,
    ) -> Result<Self, ChipError> {
        if expiry_date <= issue_date {
            return Err(ChipError::Dates(
                "the expiry date must follow the issue date".into(),
            ));
        }
        if !(2000..=2099).contains(&expiry_date.year()) || issue_date.year() < 2000 {
            return Err(ChipError::Dates(
                "issue and expiry must fall in 2000-2099 for the MRZ's two-digit year".into(),
            ));
        }
        let authority = authority.trim();
        text("issuing authority", authority, 200)?;
        Ok(Self {
            number,
            issue_date,
            expiry_date,
            authority: authority.to_owned(),
        })
    }

    pub fn number(&self) -> &DocumentNumber {
        &self.number
    }
    pub fn issue_date(&self) -> NaiveDate {
        self.issue_date
    }
    pub fn expiry_date(&self) -> NaiveDate {
        self.expiry_date
    }
    pub fn authority(&self) -> &str {
        &self.authority
    }
}

/// A free-text value for DG11/DG12: not empty, at most `max` bytes of UTF-8, no control characters.
fn text(field: &'static str, value: &str, max: usize) -> Result<(), ChipError> {
    let err = |reason: String| Err(ChipError::Text { field, reason });
    if value.trim().is_empty() {
        return err("empty".into());
    }
    if value.len() > max {
        return err(format!("{} bytes, at most {max}", value.len()));
    }
    if value.chars().any(char::is_control) {
        return err("holds a control character".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn document_numbers() {
        assert!(DocumentNumber::parse("B12345678").is_ok());
        assert!(DocumentNumber::parse("A12<<<<<<").is_ok());
        for bad in [
            "B1234567",
            "B123456789",
            "b12345678",
            "<12345678",
            "A1<2<<<<<",
            "B1234567-",
            "۱۲۳۴۵۶۷۸۹",
        ] {
            assert!(DocumentNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names() {
        let n = PersonName::new(" کریمی ", "زهرا سادات").unwrap();
        assert_eq!(n.surname(), "کریمی");
        assert_eq!(n.secondary_mrz(), ["ZHRA", "SADAT"]);
        assert!(PersonName::new("", "زهرا").is_err());
        assert!(PersonName::new("\u{200C}", "زهرا").is_err());
        assert!(PersonName::new("کریمی۱", "").is_err());
        // Typed on an Arabic keyboard: the same MRZ.
        let arabic = PersonName::new("كريمي", "علي").unwrap();
        let persian = PersonName::new("کریمی", "علی").unwrap();
        assert_eq!(arabic.primary_mrz(), persian.primary_mrz());
        assert_eq!(arabic.secondary_mrz(), ["ELXYA"]);
    }

    #[test]
    fn documents_and_addresses() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let n = DocumentNumber::parse("B12345678").unwrap();
        assert!(Document::new(n.clone(), d(2025, 1, 1), d(2032, 1, 1), "ثبت احوال").is_ok());
        assert!(Document::new(n.clone(), d(2025, 1, 1), d(2025, 1, 1), "ثبت احوال").is_err());
        assert!(Document::new(n.clone(), d(2025, 1, 1), d(2132, 1, 1), "ثبت احوال").is_err());
        assert!(Document::new(n, d(2025, 1, 1), d(2032, 1, 1), " ").is_err());
        let postal = PostalCode::parse("1193653471").ok();
        let a = Address::new(
            vec!["تهران".into(), " ".into(), "خیابان آزادی".into()],
            postal,
        )
        .unwrap();
        assert_eq!(a.parts().count(), 3);
        assert!(Address::new(vec!["a<b".into()], None).is_err());
        assert!(Address::new(vec![], None).is_err());
        assert!(Address::new(vec!["line\nbreak".into()], None).is_err());
    }
}
