//! The one validation error of the domain: a contract error code (`invalid_national_code`, …) with a precise
//! reason in English and in Persian. The field it belongs to is attached by whoever knows the field's name
//! (the HTTP layer knows JSON paths, the importer knows CSV columns); the domain never guesses it.

use std::fmt;

/// A value that failed a rule. `code` is the stable contract code; the messages say exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub code: &'static str,
    pub message_en: String,
    pub message_fa: String,
}

impl ValidationError {
    pub fn new(
        code: &'static str,
        message_en: impl Into<String>,
        message_fa: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message_en: message_en.into(),
            message_fa: message_fa.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message_en)
    }
}

impl std::error::Error for ValidationError {}

/// A validation error tied to the field it came from (a JSON path or a CSV column name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub error: ValidationError,
}

impl FieldError {
    pub fn new(field: impl Into<String>, error: ValidationError) -> Self {
        Self {
            field: field.into(),
            error,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.error)
    }
}

impl std::error::Error for FieldError {}

/// Attach a field name to a validation result.
pub trait AtField<T> {
    fn at(self, field: &str) -> Result<T, FieldError>;
}

impl<T> AtField<T> for Result<T, ValidationError> {
    fn at(self, field: &str) -> Result<T, FieldError> {
        self.map_err(|e| FieldError::new(field, e))
    }
}
