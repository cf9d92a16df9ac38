//! Mobile enrollment units' visits: a unit (an office of kind `mobile_unit`) planned to an institution on a day,
//! with a capacity; the institutions and the liaison staff bound to them; the people booked onto a visit (from an
//! institution's roster, or disabled people's home-visit requests grouped by area); the institution's invoice.
//!
//! A person booked onto a visit is an ordinary application with an ordinary appointment at the unit's office on
//! the visit's day, so enrollment, production, shipment and pickup work on them unchanged; `visit_bookings` says
//! which visit (and which roster line) brought them. Booking a roster row writes the application, its fee
//! decision, its appointment and its booking row in one transaction, or nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ApplicationState, FeePolicy, InstitutionKind, JalaliDate, NationalCode, OfficeId, ProvinceCode,
    TrackingCode,
};

use crate::applications::{Change, NewApplication};
use crate::appointments::Appointment;
use crate::Result;

/// A visit as an administrator plans it.
#[derive(Debug, Clone)]
pub struct NewVisit {
    /// The unit: an office of kind `mobile_unit` (the caller checks the kind).
    pub unit: OfficeId,
    /// The unit's province.
    pub province: ProvinceCode,
    pub kind: InstitutionKind,
    /// The institution, when the visit is to one (see [`Visits::institution_ensure`]); none for home visits.
    pub institution_id: Option<i64>,
    pub institution_name: String,
    pub address: String,
    pub date: JalaliDate,
    pub capacity: u32,
    /// The institution's liaison (a username), who may upload the roster.
    pub liaison: Option<String>,
    /// For home visits, the area (city) whose requests it serves.
    pub area: Option<String>,
    pub created_by: String,
    pub at: DateTime<Utc>,
}

/// A planned visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: i64,
    pub unit: OfficeId,
    pub province: ProvinceCode,
    pub kind: InstitutionKind,
    pub institution_id: Option<i64>,
    pub institution_name: String,
    pub address: String,
    pub date: JalaliDate,
    pub capacity: u32,
    /// Places taken by bookings.
    pub booked: u32,
    pub liaison: Option<String>,
    pub area: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an administrator may change on a visit.
#[derive(Debug, Clone)]
pub struct VisitEdit {
    pub institution_name: String,
    pub address: String,
    pub date: JalaliDate,
    pub capacity: u32,
    pub liaison: Option<String>,
}

/// What editing a visit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitEdited {
    Edited,
    NotFound,
    /// The capacity asked is below the places already booked.
    BelowBooked(u32),
    /// The day cannot move once people are booked onto it (their appointments are on that day).
    HasBookings,
}

/// One person booked onto a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    /// The roster's line (the CSV's line number, header = 1), or the home-visit request's number.
    pub line: u32,
    pub state: ApplicationState,
    pub fee_policy: FeePolicy,
}

/// What booking one roster row did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitBooked {
    /// Filed and booked; the appointment is `None` while the person still has to pay (policy `person`).
    Booked {
        application_id: i64,
        tracking_code: TrackingCode,
        appointment: Option<Appointment>,
    },
    VisitNotFound,
    /// The visit's places are all taken.
    NoCapacity,
    ActiveExists,
    /// The drawn tracking code is taken: draw another.
    TrackingCodeTaken,
    /// The application cannot be booked from its state (booking an existing application).
    WrongState(ApplicationState),
    /// The application is already booked onto a visit.
    AlreadyBooked,
}

/// An institution a unit visits; liaisons are bound to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    pub id: i64,
    pub province: ProvinceCode,
    pub kind: InstitutionKind,
    pub name: String,
}

/// The one payment an institution owes for its roster (policy `institution`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitInvoice {
    pub visit_id: i64,
    pub institution_id: Option<i64>,
    pub people: u32,
    pub amount_rials: u64,
    /// `open` until the institution's payment is recorded, then `paid`.
    pub state: String,
    pub paid_ref: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A change recorded on a visit (planned, edited, roster uploaded, invoice paid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub what: String,
}

/// A disabled person's request for a home visit, once the welfare registry confirmed the disability.
#[derive(Debug, Clone)]
pub struct NewHomeVisitRequest {
    pub tracking_code: TrackingCode,
    pub province: ProvinceCode,
    /// The area (city) the unit will go to.
    pub area: String,
    pub address: String,
    /// The welfare organisation's reference for the confirmation.
    pub welfare_ref: String,
    pub requested_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeVisitRequest {
    pub id: i64,
    pub application_id: i64,
    pub tracking_code: TrackingCode,
    pub province: ProvinceCode,
    pub area: String,
    pub address: String,
    /// `confirmed` (waiting for a visit) or `booked`.
    pub state: String,
    pub visit_id: Option<i64>,
    pub welfare_ref: String,
    pub requested_at: DateTime<Utc>,
}

/// What filing a home-visit request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeVisitFiled {
    Created(HomeVisitRequest),
    /// The application already has one: it is answered again.
    Exists(HomeVisitRequest),
    NotFound,
}

/// Units' work by institution kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitKindStats {
    pub kind: InstitutionKind,
    pub visits: u64,
    pub booked: u64,
    /// Enrolled at a unit (the application reached `enrolled` or went further).
    pub enrolled: u64,
    pub delivered: u64,
    pub uncollected: u64,
}

#[async_trait]
pub trait Visits: Send + Sync {
    /// Plans a visit; its id. The creation is recorded among the visit's events.
    async fn visit_create(&self, visit: &NewVisit) -> Result<i64>;

    async fn visit(&self, id: i64) -> Result<Option<Visit>>;

    /// The visits of a province (every province's with `None`), by day then id.
    async fn visits(&self, province: Option<ProvinceCode>) -> Result<Vec<Visit>>;

    /// The people booked onto a visit, by line.
    async fn visit_roster(&self, visit_id: i64) -> Result<Vec<RosterEntry>>;

    /// Changes a visit (recorded with who and when).
    async fn visit_update(&self, id: i64, edit: &VisitEdit, change: &Change)
        -> Result<VisitEdited>;

    /// The visit's recorded changes, oldest first.
    async fn visit_events(&self, visit_id: i64) -> Result<Vec<VisitEvent>>;

    /// Records something that happened to a visit (a roster uploaded: how many accepted and rejected).
    async fn visit_note(&self, visit_id: i64, what: &str, change: &Change) -> Result<()>;

    /// Files a roster row's application and books it onto the visit, in one transaction: a place of the visit's
    /// capacity, the application (channel and filing office as `new` says), the fee decision (`waived` and
    /// `institution` settle it at once with the reason recorded, `institution` adding `fee_rials` to the visit's
    /// invoice; `person` leaves it awaiting payment), the appointment at the unit on the visit's day (for `person`, when
    /// the payment is applied), and the booking row.
    async fn visit_book_new(
        &self,
        visit_id: i64,
        line: u32,
        policy: FeePolicy,
        new: &NewApplication,
    ) -> Result<VisitBooked>;

    /// Books an existing application (awaiting payment or an appointment) onto a visit, likewise in one
    /// transaction.
    async fn visit_book_existing(
        &self,
        visit_id: i64,
        line: u32,
        policy: FeePolicy,
        tracking: &TrackingCode,
        change: &Change,
    ) -> Result<VisitBooked>;

    /// The visit an application is booked onto, if any.
    async fn visit_of(&self, tracking: &TrackingCode) -> Result<Option<i64>>;

    /// The institution of that province, kind and name, created when new.
    async fn institution_ensure(
        &self,
        province: ProvinceCode,
        kind: InstitutionKind,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<Institution>;

    async fn institution(&self, id: i64) -> Result<Option<Institution>>;

    /// Binds a staff account (a liaison) to an institution; `Ok(false)` when there is no such user.
    async fn user_set_institution(&self, username: &str, institution_id: i64) -> Result<bool>;

    /// The institution a staff account is bound to.
    async fn user_institution(&self, username: &str) -> Result<Option<Institution>>;

    async fn visit_invoice(&self, visit_id: i64) -> Result<Option<VisitInvoice>>;

    /// Records the institution's payment of its invoice; `Ok(false)` when there is no open invoice.
    async fn visit_invoice_paid(
        &self,
        visit_id: i64,
        paid_ref: &str,
        change: &Change,
    ) -> Result<bool>;

    /// Files a home-visit request for an application (one per application).
    async fn home_visit_request(&self, new: &NewHomeVisitRequest) -> Result<HomeVisitFiled>;

    /// Confirmed requests still waiting for a visit (of one province, or all), by area then id.
    async fn home_visit_requests_waiting(
        &self,
        province: Option<ProvinceCode>,
    ) -> Result<Vec<HomeVisitRequest>>;

    /// Marks a request booked onto a visit.
    async fn home_visit_request_booked(
        &self,
        request_id: i64,
        visit_id: i64,
        change: &Change,
    ) -> Result<bool>;

    /// Units' work by institution kind (of one province, or all); every kind is answered, zeros included.
    async fn unit_stats(&self, province: Option<ProvinceCode>) -> Result<Vec<UnitKindStats>>;
}
