//! Shipments of cards to offices: from a manufacturer (one per batch and destination) or from one office to
//! another (a transfer), and their reception at the office, card by card.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ChipSerial, OfficeId, TrackingCode};

use crate::applications::Change;
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentState {
    InTransit,
    Received,
}

impl ShipmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InTransit => "in_transit",
            Self::Received => "received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in_transit" => Some(Self::InTransit),
            "received" => Some(Self::Received),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentCard {
    pub tracking_code: TrackingCode,
    pub chip_serial: ChipSerial,
    /// `None` until the shipment is received; then whether this card was in it.
    pub arrived: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub id: i64,
    pub batch_id: Option<i64>,
    /// The office a transfer comes from; `None` for a manufacturer's shipment.
    pub from_office: Option<OfficeId>,
    pub to_office: OfficeId,
    pub state: ShipmentState,
    pub created_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub cards: Vec<ShipmentCard>,
    /// Serials scanned at reception that were not in the shipment.
    pub unexpected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Done {
        ready: u64,
        missing: Vec<ChipSerial>,
        unexpected: Vec<String>,
    },
    NotFound,
    OtherOffice,
    AlreadyReceived,
}

#[async_trait]
pub trait Shipments: Send + Sync {
    async fn shipments_to(&self, office: &OfficeId, limit: u32) -> Result<Vec<Shipment>>;

    async fn shipment(&self, id: i64) -> Result<Option<Shipment>>;

    /// Receives a shipment at `office`. With `scanned`, only the cards scanned arrived: the others are reported
    /// missing (revoked and made again), and scanned serials not in the shipment are reported. Arrived cards go
    /// `dispatched → ready_for_pickup` and their holders get an SMS (queued in the same transaction).
    async fn receive_shipment(
        &self,
        id: i64,
        office: &OfficeId,
        scanned: Option<&[String]>,
        change: &Change,
    ) -> Result<Received>;
}
