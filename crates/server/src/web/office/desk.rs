//! `GET /office`: the desk's home. The day's booked places at the operator's office (slot, tracking code, masked
//! national code, state), with «ثبت‌نام» for those waiting to enroll; a check-in form that opens an application's
//! enrollment or record (`POST /office/checkin`); `?day=YYYY-MM-DD` shows another day.

use super::{desk, failure, respond, tc_fa, Desk};
use crate::error::ApiError;
use crate::state::{today, AppState};
use crate::web::dates::with_weekday;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::form::{see_other, text_field, Errors};
use crate::web::html::{escape, fa_digits};
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
    let rows: String = places
        .iter()
        .map(|p| {
            let tc = p.tracking_code.as_str();
            let action = if p.state == ApplicationState::AppointmentBooked {
                format!("<a class=\"button small primary\" href=\"/office/enroll/{tc}\">ثبت‌نام</a>")
            } else {
                format!("<a class=\"button small\" href=\"/office/applications/{tc}\">پرونده</a>")
            };
            format!(
                "<tr><td class=\"num\">{slot}</td><td>{code}</td>\
<td><bdi class=\"code\">{nc}</bdi></td><td><span class=\"state {class}\">{st}</span></td><td>{action}</td></tr>",
                slot = fa_digits(&p.slot.to_string()),
                code = tc_fa(tc),
                nc = escape(&fa_digits(&p.national_code.masked())),
                class = state_class(p.state),
                st = p.state.fa(),
            )
        })
        .collect();
    let table = if places.is_empty() {
        "<p class=\"note\">برای این روز نوبتی در این دفتر گرفته نشده است.</p>".to_string()
    } else {
        format!(
            "<div class=\"scroll\"><table class=\"history desk\" id=\"day-list\">\
<thead><tr><th scope=\"col\">نوبت</th><th scope=\"col\">کد رهگیری</th><th scope=\"col\">کد ملی</th>\
<th scope=\"col\">وضعیت</th><th scope=\"col\"></th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let nav_day = |d: Result<JalaliDate, domain::ValidationError>, label: &str| match d {
        Ok(d) => format!("<a href=\"/office?day={d}\">{label}</a>"),
        Err(_) => String::new(),
    };
    let is_today = day == today();
    let today_link = if is_today {
        String::new()
    } else {
        "<a href=\"/office\">امروز</a>".to_string()
    };
    let body = format!(
        "<section class=\"card\"><h1>میز دفتر · {office}</h1>\
<p class=\"lead\">{when}{today_mark} · {count} نوبت، {waiting} در انتظار ثبت‌نام</p>\
<p class=\"day-nav\">{prev}{today_link}{next}</p>{table}</section>\
<section class=\"card\"><h2>پذیرش متقاضی</h2>\
<p class=\"note\">کد رهگیری متقاضی را وارد کنید تا فرم ثبت‌نام (یا پروندهٔ درخواست) باز شود.</p>{top}\
<form method=\"post\" action=\"/office/checkin\" id=\"checkin-form\" novalidate>{field}\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"go\" value=\"enroll\" id=\"checkin-submit\">ثبت‌نام</button>\
<button type=\"submit\" name=\"go\" value=\"record\">پروندهٔ درخواست</button></div></form></section>\
<section class=\"card\"><h2>کارهای دیگر</h2><ul class=\"tasks\">\
<li><a href=\"/office/pickup\">تحویل کارت با تطبیق اثر انگشت</a></li>\
<li><a href=\"/office/cards/reactivate\">فعال‌سازی دوبارهٔ کارت مفقودِ پیداشده</a></li>\
<li><a href=\"/office/shipments\">محموله‌های رسیده و در راه</a></li>{adjudications}</ul></section>",
        office = escape(&desk.office_name),
        when = with_weekday(day),
        today_mark = if is_today { " (امروز)" } else { "" },
        count = fa_digits(&places.len().to_string()),
        waiting = fa_digits(&waiting.to_string()),
        prev = nav_day(day.add_days(-1), "→ روز قبل"),
        next = nav_day(day.add_days(1), "روز بعد ←"),
        top = errors.render_top(),
        field = text_field(
            errors,
            "tracking_code",
            "کد رهگیری",
            typed,
            "دوازده رقم",
            r#" inputmode="numeric" autocomplete="off" maxlength="20" dir="ltr""#,
        ),
        adjudications = if desk.is_supervisor() {
            "<li><a href=\"/office/adjudications\">بررسی موارد تکرار اثر انگشت</a></li>"
        } else {
            ""
        },
    );
    respond(status, "میز دفتر", Some(desk), &body)
}
