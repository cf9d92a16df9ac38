//! Mobile units' offline kits and their packets (issue 13, item 4).
//!
//! Centrally: kits registered for a unit office (pending until an administrator approves them, revocable), and
//! the packets taken, kept by digest so a packet is taken once: the packet's row is written in the same
//! transaction as the enrollment it carries, so a refused packet changes nothing. On a kit's own database: the
//! packets it made (written with the local enrollment, in one transaction) and the service's answer to each.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::OfficeId;

use crate::applications::{Change, NewApplication};
use crate::appointments::Appointment;
use crate::enrollment::{Enrolled, NewEnrollment};
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KitState {
    Pending,
    Approved,
    Revoked,
}

impl KitState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kit {
    pub kit_id: String,
    pub unit_office: OfficeId,
    /// Ed25519, 64 hex digits.
    pub public_key: String,
    pub state: KitState,
    pub registered_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewKit {
    pub kit_id: String,
    pub unit_office: OfficeId,
    pub public_key: String,
    pub at: DateTime<Utc>,
}

/// What an approval or a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KitChanged {
    Done(Kit),
    NotFound,
    /// Approving a revoked kit, or approving/revoking twice.
    Refused(KitState),
}

/// A packet as the service takes it.
#[derive(Debug, Clone)]
pub struct NewPacket {
    /// SHA-256 of the signed content, hex.
    pub digest: String,
    pub packet_id: String,
    pub kit_id: String,
    pub visit_id: i64,
    /// `upload` or `import`.
    pub channel: String,
    /// The JSON answer, kept to be given again.
    pub answer: String,
}

/// A packet already taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenPacket {
    pub digest: String,
    pub packet_id: String,
    pub kit_id: String,
    pub tracking_code: String,
    pub answer: String,
    pub taken_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketTaken {
    /// Enrolled now, with the packet's row.
    Taken { application_id: i64 },
    /// The same packet was taken before: nothing written.
    Duplicate(TakenPacket),
    /// The enrollment was refused: nothing written.
    Refused(Enrolled),
}

/// A packet a kit made, and what the service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitPacket {
    pub packet_id: String,
    pub visit_id: i64,
    pub tracking_code: String,
    pub sealed: Vec<u8>,
    pub made_at: DateTime<Utc>,
    /// `waiting`, `taken` or `refused`.
    pub state: String,
    pub code: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// On a kit: an application of a loaded visit, booked at the unit on the visit's day.
#[derive(Debug, Clone)]
pub struct KitApplication {
    pub application: NewApplication,
    pub appointment: Appointment,
}

#[async_trait]
pub trait Kits: Send + Sync {
    /// Registers a kit as pending; registering the same key again returns the kit as it is.
    async fn register_kit(&self, k: &NewKit) -> Result<Kit>;

    async fn kit(&self, kit_id: &str) -> Result<Option<Kit>>;

    /// `pending → approved` or `pending | approved → revoked`, with who and when.
    async fn change_kit(
        &self,
        kit_id: &str,
        to: KitState,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<KitChanged>;

    async fn packet_taken(&self, digest: &str) -> Result<Option<TakenPacket>>;

    /// Enrolls as [`crate::Enrollments::enroll`] does and records the packet, in one transaction; a packet
    /// whose digest was taken before writes nothing.
    async fn take_packet(&self, e: &NewEnrollment, p: &NewPacket) -> Result<PacketTaken>;

    /// On a kit: enrolls as [`crate::Enrollments::enroll`] does and keeps the packet to send, in one transaction.
    async fn enroll_keeping_packet(&self, e: &NewEnrollment, p: &KitPacket) -> Result<Enrolled>;

    /// On a kit: the applications of a visit as the service sent them, each in `appointment_booked` with its
    /// appointment and history row, in one transaction; those already here are left as they are. Answers how
    /// many were new.
    async fn load_kit_applications(&self, apps: &[KitApplication], change: &Change) -> Result<u32>;

    /// On a kit: its packets, oldest first.
    async fn kit_packets(&self) -> Result<Vec<KitPacket>>;

    /// On a kit: the service's answer to one packet (`taken` or `refused` with its code).
    async fn answer_kit_packet(
        &self,
        packet_id: &str,
        state: &str,
        code: Option<&str>,
        answer: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
}
