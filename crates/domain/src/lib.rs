//! The rules of Iran's smart national card programme, with no I/O: identifiers that cannot hold invalid values,
//! the calendars, the provinces, the civil registry's record of a person, counter offices, the registry inquiry,
//! tracking codes and the card's lifecycle, and the nationality cases of people with no birth certificate.
//!
//! Everything here is pure: no files, no network, no clock (callers pass "today"). Every parser takes what a
//! person typed (Persian or Arabic-Indic digits, spaces, dashes) and answers a value or a precise
//! [`ValidationError`] in English and Persian.

pub mod application;
pub mod birth_certificate;
pub mod calendar;
pub mod closures;
pub mod error;
pub mod history;
pub mod inquiry;
pub mod lifecycle;
pub mod mobile;
pub mod national_code;
pub mod nationality;
pub mod office;
pub mod payment;
pub mod person;
pub mod postal_code;
pub mod production;
pub mod province;
pub mod schedule;
pub mod staff;
pub mod text;
pub mod tracking;
pub mod visit;

pub use application::{Channel, FeeSchedule, FeeTable, Reason};
pub use birth_certificate::{BirthCertificate, SeriesLetter};
pub use calendar::{GregorianDate, HijriDate, JalaliDate};
pub use closures::{Closure, Holidays};
pub use error::{AtField, FieldError, ValidationError};
pub use history::{HistoryEvent, HistoryReason};
pub use lifecycle::{ApplicationState, Event};
pub use mobile::Mobile;
pub use national_code::NationalCode;
pub use nationality::{CaseEvent, CaseNumber, CaseState};
pub use office::{Office, OfficeId, OfficeKind};
pub use payment::PaymentState;
pub use person::{Gender, Person, Religion};
pub use postal_code::PostalCode;
pub use production::{ChipSerial, Decision, DedupStatus, UncollectedReason, VendorRoom};
pub use province::{prefixes, Province, ProvinceCode};
pub use schedule::BatchSchedule;
pub use staff::Role;
pub use tracking::TrackingCode;
pub use visit::{FeePolicy, InstitutionKind, UnitFees};
