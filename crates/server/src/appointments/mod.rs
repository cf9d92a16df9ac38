//! Appointments: offices of the province an area code selects, ordered by free places on a day; booking and
//! cancelling a place. Closed days (Fridays, holidays of the table) and days outside the booking horizon are
//! refused before the store is asked; today, only places whose time is not over are given.

pub mod api;
pub mod listing;
pub mod pages;

use crate::error::{ApiError, ApiResult};
use crate::payment::application_not_found;
use crate::state::{today, AppState};
use axum::http::StatusCode;
use chrono::{Timelike, Utc};
use domain::{ApplicationState, JalaliDate, OfficeId, Province, TrackingCode};
use store::journey::{Appointment, Booked, Change, OfficeAvailability};

/// An area code as people type it (`026`, `26`, `۰۲۶`) → its province.
pub fn province_of_area_code(input: &str) -> ApiResult<&'static Province> {
    Province::by_area_code(input).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_area_code",
            "پیش‌شمارهٔ تلفن استان را درست وارد کنید (مثلاً ۰۲۶)",
            "enter a province's telephone area code (e.g. 026)",
        )
        .with_field("area_code")
    })
}

/// A day an appointment may be booked on: not past, within the horizon, offices open.
pub fn bookable_day(state: &AppState, input: &str) -> ApiResult<JalaliDate> {
    let date =
        JalaliDate::parse(input).map_err(|e| ApiError::validation(e).with_field("date_jalali"))?;
    let today = today();
    let horizon = i64::from(state.settings.booking_horizon_days);
    let ahead = date.day_number() - today.day_number();
    if !(0..=horizon).contains(&ahead) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
            format!(
                "روز نوبت باید از امروز تا {} روز آینده باشد",
                domain::text::to_persian_digits(&horizon.to_string())
            ),
            format!("the appointment day must be between today and {horizon} days ahead"),
        )
        .with_field("date_jalali"));
    }
    if let Some(c) = state.settings.holidays.closure(date) {
        return Err(ApiError::conflict(
            "office_closed",
            format!("دفاتر در این روز تعطیل است ({})", c.fa()),
            format!("offices are closed on this day ({})", c.en()),
        )
        .with_field("date_jalali"));
    }
    Ok(date)
}

pub async fn offices(
    state: &AppState,
    area_code: &str,
    date: &str,
    limit: u32,
) -> ApiResult<(&'static Province, JalaliDate, Vec<OfficeAvailability>)> {
    let province = province_of_area_code(area_code)?;
    let date = bookable_day(state, date)?;
    let listings = &state.services.reads.listings;
    let code = province.code();
    let kept = match listings.get(code, date) {
        Some(kept) => kept,
        None => {
            let ticket = listings.ticket();
            let offices = match listings.offices(code) {
                Some(o) => o,
                None => {
                    let o = std::sync::Arc::new(state.store.offices_in_province(code).await?);
                    listings.keep_offices(code, o.clone(), ticket);
                    o
                }
            };
            let taken = state.store.places_taken(code, date).await?;
            let read = std::sync::Arc::new(listing::Ranked::new(offices, &taken));
            listings.fill(code, date, read.clone(), ticket);
            read
        }
    };
    let n = limit.clamp(1, listing::KEPT) as usize;
    Ok((province, date, kept.top(n)))
}

pub async fn book(
    state: &AppState,
    tracking: &TrackingCode,
    office: &str,
    date: &str,
    actor: &str,
) -> ApiResult<Appointment> {
    let office =
        OfficeId::parse(office).map_err(|e| ApiError::validation(e).with_field("office_id"))?;
    let date = bookable_day(state, date)?;
    let now = Utc::now();
    let first_slot = if date == today() {
        first_open_slot(state, &office, now).await?
    } else {
        1
    };
    let change = Change {
        actor: actor.to_string(),
        at: now,
        reason: None,
    };
    match state
        .store
        .book_from(tracking, &office, date, first_slot, &change)
        .await?
    {
        Booked::Booked(a) => {
            state.services.reads.listings.booked(a.date);
            Ok(a)
        }
        Booked::NotFound => Err(application_not_found()),
        Booked::UnknownOffice => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_office",
            "دفتری با این شناسه وجود ندارد",
            "no office with this id",
        )
        .with_field("office_id")),
        Booked::NoCapacity => Err(ApiError::conflict(
            "no_capacity",
            "ظرفیت این دفتر در این روز پر شده است؛ دفتر یا روز دیگری انتخاب کنید",
            "this office is fully booked on this day",
        )),
        Booked::WrongState(ApplicationState::AwaitingPayment) => Err(ApiError::conflict(
            "application_not_paid",
            "هزینهٔ این درخواست هنوز پرداخت نشده است",
            "the application's fee has not been paid",
        )),
        Booked::WrongState(s) => Err(ApiError::conflict(
            "invalid_transition",
            format!("درخواستی که در وضعیت «{}» است نوبت تازه نمی‌پذیرد", s.fa()),
            format!(
                "an application that is {} cannot book an appointment",
                s.as_str()
            ),
        )),
    }
}

/// Today's first place at `office` whose time (see [`slot_time`]) is not over; 422 `slot_passed` when every
/// place's time is. An unknown office answers 1 and is refused by the booking itself.
async fn first_open_slot(
    state: &AppState,
    office: &OfficeId,
    now: chrono::DateTime<Utc>,
) -> ApiResult<u32> {
    let Some(capacity) = state.store.office(office).await?.map(|o| o.daily_capacity) else {
        return Ok(1);
    };
    let clock = crate::state::tehran(now);
    let minute = clock.hour() * 60 + clock.minute();
    (1..=capacity.max(1))
        .find(|&slot| slot_minutes(state, slot, capacity) >= minute)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "slot_passed",
                "وقت همهٔ نوبت‌های امروز این دفتر گذشته است؛ روز دیگری را انتخاب کنید",
                "the time of every place at this office today is over; choose another day",
            )
            .with_field("date_jalali")
        })
}

pub async fn cancel(
    state: &AppState,
    tracking: &TrackingCode,
    actor: &str,
) -> ApiResult<Appointment> {
    let change = Change {
        actor: actor.to_string(),
        at: Utc::now(),
        reason: None,
    };
    if let Some(a) = state.store.cancel_booking(tracking, &change).await? {
        state.services.reads.listings.booked(a.date);
        return Ok(a);
    }
    match state.store.application(tracking).await? {
        None => Err(application_not_found()),
        Some(_) => Err(ApiError::conflict(
            "no_appointment",
            "این درخواست نوبتی ندارد که لغو شود",
            "this application has no appointment to cancel",
        )),
    }
}

/// The time of a slot: the day's opening hours shared evenly among the office's places.
pub fn slot_time(state: &AppState, slot: u32, capacity: u32) -> String {
    let minutes = slot_minutes(state, slot, capacity);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A slot's time in minutes after midnight.
fn slot_minutes(state: &AppState, slot: u32, capacity: u32) -> u32 {
    let opens = state.settings.office_opens;
    let span = u64::from(state.settings.office_closes.saturating_sub(opens));
    let into = span * u64::from(slot.saturating_sub(1)) / u64::from(capacity.max(1));
    opens.saturating_add(u32::try_from(into).unwrap_or(u32::MAX))
}

/// The routes of this feature (booking and cancelling by API, the portal's booking page), with their OpenAPI
/// paths.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use axum::routing::get;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::book, api::cancel))
        .route(
            "/applications/{tracking_code}/appointment",
            get(pages::form).post(pages::submit),
        )
}
