//! Office-day bookings: places of an office's daily capacity, taken and given back with the application's state,
//! and the desk's list of a day.

use async_trait::async_trait;
use domain::{
    ApplicationState, JalaliDate, NationalCode, Office, OfficeId, ProvinceCode, TrackingCode,
};

use crate::applications::Change;
use crate::Result;

/// A booked place at an office on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub office_id: OfficeId,
    pub date: JalaliDate,
    /// The place's number among the day's places, from 1 up to the office's daily capacity.
    pub slot: u32,
}

/// An office and its free places on a day.
#[derive(Debug, Clone)]
pub struct OfficeAvailability {
    pub office: Office,
    pub free: u32,
}

/// What a booking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    Booked(Appointment),
    NotFound,
    /// The application is not waiting for an appointment (not paid, already booked, or further on).
    WrongState(ApplicationState),
    NoCapacity,
    UnknownOffice,
}

/// One booked place of an office's day, as the desk sees its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEntry {
    pub slot: u32,
    pub tracking_code: TrackingCode,
    pub national_code: NationalCode,
    pub state: ApplicationState,
}

#[async_trait]
pub trait Appointments: Send + Sync {
    /// The places taken on `date` at the offices of a province that have any (the offices themselves come from
    /// [`crate::Registry::offices_in_province`]): what a listing kept in memory reads again.
    async fn places_taken(
        &self,
        province: ProvinceCode,
        date: JalaliDate,
    ) -> Result<Vec<(OfficeId, u32)>>;

    /// The offices of a province with their free places on `date`, most free first.
    async fn offices_by_free_capacity(
        &self,
        province: ProvinceCode,
        date: JalaliDate,
        limit: u32,
    ) -> Result<Vec<OfficeAvailability>>;

    /// Takes one place of the office's daily capacity for an application waiting for an appointment. Never
    /// books an office past its capacity, whatever the concurrency.
    async fn book(
        &self,
        tracking: &TrackingCode,
        office: &OfficeId,
        date: JalaliDate,
        change: &Change,
    ) -> Result<Booked> {
        self.book_from(tracking, office, date, 1, change).await
    }

    /// As [`Appointments::book`], giving only a place numbered `first_slot` or later (today's places whose time
    /// is over are not given): the lowest free one, `NoCapacity` when none is left up to the capacity.
    async fn book_from(
        &self,
        tracking: &TrackingCode,
        office: &OfficeId,
        date: JalaliDate,
        first_slot: u32,
        change: &Change,
    ) -> Result<Booked>;

    /// Frees the application's place; `None` when it had none.
    async fn cancel_booking(
        &self,
        tracking: &TrackingCode,
        change: &Change,
    ) -> Result<Option<Appointment>>;

    /// Places taken at an office on a day.
    async fn booked(&self, office: &OfficeId, date: JalaliDate) -> Result<u32>;

    /// The places booked at `office` on `day` (Jalali `YYYY-MM-DD`), by slot.
    async fn office_day(&self, office: &OfficeId, day: &str) -> Result<Vec<DayEntry>>;
}
