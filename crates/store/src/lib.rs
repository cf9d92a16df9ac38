//! The storage port. Everything Shenas keeps goes through [`Store`]; one crate per database implements it
//! (`shenas-store-sqlite`, the embedded default, and `shenas-store-postgres`, for production), each with its own
//! migrations, and one test suite (`shenas-store-suite`) holds both to the same behaviour.
//!
//! [`Store`] is the union of one trait per feature, each in the module of that name, in the order of an
//! application's life: the registry and offices, applications, payments, appointments, enrollment, de-duplication,
//! production, shipments, the SMS outbox, pickup and the card's later life; beside them staff, idempotency keys,
//! the sandbox bank's ledger, verification by agencies, statistics, the desks' audit, the national PKI's records,
//! mobile units' kits and packets, and nationality cases. `shenas-store-sql` has a
//! file of the same name for each, holding its SQL.
//!
//! This crate must never know which database is behind it: no SQL here, only domain values in and out.

use async_trait::async_trait;
use std::sync::Arc;

pub mod applications;
pub mod appointments;
pub mod audit;
pub mod backlog;
pub mod bank;
pub mod cards;
pub mod changes;
pub mod codec;
pub mod dedup;
pub mod enrollment;
mod error;
pub mod idempotency;
pub mod kits;
pub mod nationality;
pub mod outbox;
pub mod passes;
pub mod payments;
pub mod pickup;
pub mod pki;
pub mod production;
pub mod registry;
pub mod shipments;
pub mod staff;
pub mod stats;
pub mod verification;
pub mod visits;

pub use applications::Applications;
pub use appointments::Appointments;
pub use audit::Audit;
pub use backlog::Backlog;
pub use bank::SandboxBank;
pub use cards::Cards;
pub use changes::Changes;
pub use dedup::Dedup;
pub use enrollment::Enrollments;
pub use error::StoreError;
pub use idempotency::Idempotency;
pub use kits::Kits;
pub use nationality::Nationality;
pub use outbox::Outbox;
pub use passes::Passes;
pub use payments::Payments;
pub use pickup::Pickup;
pub use pki::Pki;
pub use production::{Production, Vendors};
pub use registry::{check_unique, ImportKind, ImportRecord, PersonWriter, Registry, UpsertCounts};
pub use shipments::Shipments;
pub use staff::Staff;
pub use stats::Stats;
pub use verification::Agencies;
pub use visits::Visits;

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Store:
    Registry
    + Applications
    + Payments
    + Appointments
    + Staff
    + Idempotency
    + SandboxBank
    + Enrollments
    + Dedup
    + Vendors
    + Production
    + Shipments
    + Outbox
    + Pickup
    + Cards
    + Agencies
    + Stats
    + Audit
    + Pki
    + Backlog
    + Passes
    + Changes
    + Nationality
    + Kits
    + Visits
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// How many bulk writers (each with its own connection and transactions) may run at once on disjoint keys.
    /// SQLite has one writer; a server database takes more.
    fn bulk_writers(&self) -> usize {
        1
    }

    /// A cheap round trip to the database, for health checks.
    async fn ping(&self) -> Result<()>;
}

pub type DynStore = Arc<dyn Store>;

/// Older paths: the citizen's journey (applications, payments, appointments, staff, idempotency keys and the
/// sandbox bank) was one module before the split by feature, and callers still name its types through it.
pub mod journey {
    pub use crate::applications::{
        Application, Change, Filed, HistoryEntry, NewApplication, SeedApplication, StatusView,
    };
    pub use crate::appointments::{Appointment, Booked, OfficeAvailability};
    pub use crate::bank::BankTransaction;
    pub use crate::idempotency::IdempotencyClaim;
    pub use crate::payments::{Payment, PaymentApplied};
    pub use crate::staff::{NewUser, User};
}

/// Older path of [`verification`].
pub mod agency {
    pub use crate::verification::{Agency, ApiKey, VerificationRecord, VerificationSeen};
}
