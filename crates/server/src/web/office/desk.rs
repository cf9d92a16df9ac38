//! `GET /office`: the desk's home. The day's booked places at the operator's office (slot, tracking code, masked
//! national code, state), with «ثبت‌نام» for those waiting to enroll; a check-in form that opens an application's
//! enrollment or record (`POST /office/checkin`); `?day=YYYY-MM-DD` shows another day.

use super::{desk, failure, reply, tracking_code, Desk};
use crate::error::ApiError;
use crate::state::{today, AppState};
use crate::web::dates::with_weekday;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::form::{see_other, text_input, Errors, Input};
use crate::web::html::{column_heads, fa_digits, html};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{ApplicationState, JalaliDate, TrackingCode};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    pub day: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckIn {
    pub tracking_code: String,
    /// `enroll` (the default) or `record`.
    pub go: String,
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<DayQuery>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let day = JalaliDate::parse(q.day.trim()).unwrap_or_else(|_| today());
    render(&state, &desk, day, "", &Errors::default(), StatusCode::OK).await
}

pub async fn checkin(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(f): PageForm<CheckIn>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match TrackingCode::parse(&f.tracking_code) {
        Ok(tc) => {
            let to = if f.go == "record" {
                format!("/office/applications/{}", tc.as_str())
            } else {
                format!("/office/enroll/{}", tc.as_str())
            };
            see_other(&to, None)
        }
        Err(e) => {
            let mut errors = Errors::default();
            errors.field("tracking_code", e.message_fa);
            render(
                &state,
                &desk,
                today(),
                &f.tracking_code,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn state_class(s: ApplicationState) -> &'static str {
    match s {
        ApplicationState::AppointmentBooked => "waiting",
        ApplicationState::Cancelled | ApplicationState::Rejected | ApplicationState::Revoked => {
            "closed"
        }
        _ => "done",
    }
}

async fn render(
    state: &AppState,
    desk: &Desk,
    day: JalaliDate,
    typed: &str,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let places = match state.store.office_day(&desk.office, &day.to_string()).await {
        Ok(p) => p,
        Err(e) => return failure(Some(desk), &ApiError::from(e)),
    };
    let waiting = places
        .iter()
        .filter(|p| p.state == ApplicationState::AppointmentBooked)
        .count();
    let is_today = day == today();
    let nav_day = |d: Result<JalaliDate, domain::ValidationError>, label: &str| {
        html! {
            @if let Ok(d) = d {
                a href={ "/office?day=" (d) } { (label) }
            }
        }
    };
    let body = html! {
        section.card {
            h1 { "میز دفتر · " (desk.office_name) }
            p.lead {
                (with_weekday(day))
                @if is_today { " (امروز)" }
                " · " (fa_digits(&places.len().to_string())) " نوبت، "
                (fa_digits(&waiting.to_string())) " در انتظار ثبت‌نام"
            }
            p.day-nav {
                (nav_day(day.add_days(-1), "→ روز قبل"))
                @if !is_today { a href="/office" { "امروز" } }
                (nav_day(day.add_days(1), "روز بعد ←"))
            }
            @if places.is_empty() {
                p.note { "برای این روز نوبتی در این دفتر گرفته نشده است." }
            } @else {
                div.scroll {
                    table.history.desk #day-list {
                        (column_heads(&["نوبت", "کد رهگیری", "کد ملی", "وضعیت", ""]))
                        tbody {
                            @for p in &places {
                                @let tc = p.tracking_code.as_str();
                                tr {
                                    td.num { (fa_digits(&p.slot.to_string())) }
                                    td { (tracking_code(tc)) }
                                    td { bdi.code { (fa_digits(&p.national_code.masked())) } }
                                    td { span class={ "state " (state_class(p.state)) } { (p.state.fa()) } }
                                    td {
                                        @if p.state == ApplicationState::AppointmentBooked {
                                            a.button.small.primary href={ "/office/enroll/" (tc) } { "ثبت‌نام" }
                                        } @else {
                                            a.button.small href={ "/office/applications/" (tc) } { "پرونده" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "پذیرش متقاضی" }
            p.note { "کد رهگیری متقاضی را وارد کنید تا فرم ثبت‌نام (یا پروندهٔ درخواست) باز شود." }
            (errors.top_box())
            form method="post" action="/office/checkin" id="checkin-form" novalidate {
                (text_input(
                    errors,
                    "tracking_code",
                    "کد رهگیری",
                    typed,
                    "دوازده رقم",
                    Input::code(20),
                ))
                div.actions {
                    button type="submit" class="primary" name="go" value="enroll" id="checkin-submit" { "ثبت‌نام" }
                    button type="submit" name="go" value="record" { "پروندهٔ درخواست" }
                }
            }
        }
        section.card {
            h2 { "کارهای دیگر" }
            ul.tasks {
                li { a href="/office/pickup" { "تحویل کارت با تطبیق اثر انگشت" } }
                li { a href="/office/cards/reactivate" { "فعال‌سازی دوبارهٔ کارت مفقودِ پیداشده" } }
                li { a href="/office/shipments" { "محموله‌های رسیده و در راه" } }
                @if desk.is_supervisor() {
                    li { a href="/office/adjudications" { "بررسی موارد تکرار اثر انگشت" } }
                }
            }
        }
    };
    reply(status, "میز دفتر", Some(desk), body)
}
