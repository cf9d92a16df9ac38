//! Errors of the minutiae record parser: each says where (byte offset) and what was expected.

use std::fmt;

/// Why a minutiae record was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The buffer ended before a field could be read.
    Truncated {
        /// Offset of the field that could not be read.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
        /// What was being read.
        what: &'static str,
    },
    /// The first 4 bytes are not `FMR\0`.
    BadMagic {
        /// The bytes found.
        found: [u8; 4],
    },
    /// The version field is not `" 20\0"`.
    UnsupportedVersion {
        /// The bytes found at offset 4.
        found: [u8; 4],
    },
    /// The record length field disagrees with the buffer.
    LengthMismatch {
        /// Offset of the length field.
        offset: usize,
        /// Length the field declares.
        declared: usize,
        /// Bytes actually present.
        actual: usize,
    },
    /// A field holds a value the standard does not allow.
    InvalidField {
        /// Offset of the field.
        offset: usize,
        /// Field name.
        field: &'static str,
        /// The value found.
        value: u64,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// Bytes after the last view that are neither counted by a structure nor zero padding.
    TrailingBytes {
        /// Offset of the first unexpected byte.
        offset: usize,
        /// How many bytes are left over.
        count: usize,
    },
    /// The views parse but their sizes do not add up to the record length.
    Inconsistent {
        /// Offset where the views ended.
        offset: usize,
        /// Offset where the record length says they should end.
        expected_end: usize,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Truncated {
                offset,
                needed,
                available,
                what,
            } => write!(
                f,
                "record truncated at offset {offset}: {what} needs {needed} bytes, {available} left"
            ),
            RecordError::BadMagic { found } => write!(
                f,
                "not a finger minutiae record: expected \"FMR\\0\" at offset 0, found {found:02x?}"
            ),
            RecordError::UnsupportedVersion { found } => write!(
                f,
                "unsupported version at offset 4: expected \" 20\\0\", found {found:02x?}"
            ),
            RecordError::LengthMismatch {
                offset,
                declared,
                actual,
            } => write!(
                f,
                "record length field at offset {offset} declares {declared} bytes but the record has {actual}"
            ),
            RecordError::InvalidField {
                offset,
                field,
                value,
                expected,
            } => write!(
                f,
                "invalid {field} at offset {offset}: found {value}, expected {expected}"
            ),
            RecordError::TrailingBytes { offset, count } => write!(
                f,
                "{count} unexpected non-zero trailing bytes from offset {offset}"
            ),
            RecordError::Inconsistent {
                offset,
                expected_end,
            } => write!(
                f,
                "finger views end at offset {offset} but the record length says {expected_end}"
            ),
        }
    }
}

impl std::error::Error for RecordError {}

impl RecordError {
    /// The byte offset the error refers to (0 for the magic).
    pub fn offset(&self) -> usize {
        match self {
            RecordError::Truncated { offset, .. }
            | RecordError::LengthMismatch { offset, .. }
            | RecordError::InvalidField { offset, .. }
            | RecordError::TrailingBytes { offset, .. }
            | RecordError::Inconsistent { offset, .. } => *offset,
            RecordError::BadMagic { .. } => 0,
            RecordError::UnsupportedVersion { .. } => 4,
        }
    }
}
