//! Realistic synthetic data for demos, tests and benchmarks: a civil registry of Iranians
//! ([`persons::PersonGenerator`], the registry CSV of the contract) and the offices that enroll them
//! ([`offices::generate_offices`], the offices CSV).
//!
//! Everything is deterministic for a given seed. Registry rows always pass `domain::Person::from_row`, national
//! codes are unique within one generator's output, and each record's code prefix, birth place, address, postal
//! code and home mobile prefix agree with one province, drawn by its 2016 census population.

pub mod codes;
mod fmt;
pub mod names;
pub mod offices;
pub mod persons;
pub mod places;
pub mod pyramid;
mod rng;

pub use offices::{generate_offices, write_offices_csv};
pub use persons::PersonGenerator;

/// How many offices `shenas offices generate` makes by default: about the number of counter offices nationwide.
pub const DEFAULT_OFFICES: usize = 16_000;
