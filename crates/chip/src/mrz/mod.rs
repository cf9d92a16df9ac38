//! The machine-readable zone of a TD1 identity card (Doc 9303 Part 5 §4.2): three lines of 30 characters.
//!
//! ```text
//! line 1: ID IRN <document number, 9> <check> <optional data 1, 15: national code + fillers>
//! line 2: <birth YYMMDD> <check> <sex> <expiry YYMMDD> <check> IRN <optional data 2, 11> <composite check>
//! line 3: <primary identifier> << <secondary identifiers>, padded or truncated to 30
//! ```
//!
//! The composite check digit covers line 1 positions 6–30, line 2 positions 1–7, 9–15 and 19–29. Dates are
//! Gregorian. This module never reads an MRZ back and never holds anything but `0-9`, `A-Z` and `<`.

pub mod check;
pub mod name;
pub mod translit;

use crate::inputs::{DocumentNumber, PersonName, Sex};
use crate::ChipError;
use chrono::{Datelike, NaiveDate};
use domain::NationalCode;

/// Width of one TD1 line.
pub const LINE: usize = 30;
/// The document code of an identity card.
pub const DOCUMENT_CODE: &str = "ID";
/// Issuing state and nationality (ISO 3166-1 alpha-3, as Doc 9303 Part 3 lists it).
pub const STATE: &str = "IRN";

/// A complete TD1 MRZ: three lines of 30 MRZ characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Td1Mrz {
    lines: [String; 3],
}

/// What the MRZ says of the holder and the document.
pub struct MrzData<'a> {
    pub document_number: &'a DocumentNumber,
    pub national_code: &'a NationalCode,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub expiry_date: NaiveDate,
    pub name: &'a PersonName,
}

impl Td1Mrz {
    /// Builds the three lines.
    pub fn new(d: &MrzData<'_>) -> Result<Self, ChipError> {
        let number = d.document_number.as_str();
        let mut l1 = format!("{DOCUMENT_CODE}{STATE}{number}");
        l1.push(digit(number)?);
        l1.push_str(d.national_code.as_str());
        pad(&mut l1);

        let birth = yymmdd(d.birth_date);
        let expiry = yymmdd(d.expiry_date);
        let mut l2 = birth.clone();
        l2.push(digit(&birth)?);
        l2.push(d.sex.mrz());
        l2.push_str(&expiry);
        l2.push(digit(&expiry)?);
        l2.push_str(STATE);
        pad_to(&mut l2, LINE - 1);
        let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        l2.push(digit(&composite)?);

        let l3 = name::name_field(d.name.primary_mrz(), d.name.secondary_mrz(), LINE);
        Ok(Self {
            lines: [l1, l2, l3],
        })
    }

    /// The three lines, top to bottom.
    pub fn lines(&self) -> &[String; 3] {
        &self.lines
    }

    /// The 90 characters as DG1 stores them (the lines one after the other, no separators).
    pub fn concatenated(&self) -> String {
        self.lines.concat()
    }
}

impl std::fmt::Display for Td1Mrz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n{}\n{}", self.lines[0], self.lines[1], self.lines[2])
    }
}

/// `YYMMDD` of a Gregorian date.
pub fn yymmdd(date: NaiveDate) -> String {
    format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        date.month(),
        date.day()
    )
}

fn digit(field: &str) -> Result<char, ChipError> {
    check::check_digit(field.as_bytes())
        .map(char::from)
        .ok_or_else(|| ChipError::encoding(format!("{field:?} holds a non-MRZ character")))
}

fn pad(line: &mut String) {
    pad_to(line, LINE);
}

fn pad_to(line: &mut String, width: usize) {
    while line.len() < width {
        line.push('<');
    }
}

#[cfg(test)]
mod tests;
