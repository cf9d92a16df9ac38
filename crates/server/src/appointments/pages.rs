//! Booking an appointment: `GET /applications/{tc}/appointment` asks for an area code and an open day and, when
//! both are given, lists the province's offices most-free-first; `POST` books the chosen one through
//! `appointments` and returns to the application's page.

use crate::appointments as book;
use crate::error::ApiError;
use crate::state::{today, AppState};
use crate::web::access::{open, Opened};
use crate::web::dates;
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::{hidden_input, option_list, respond, see_other, text_input, Errors, Input};
use crate::web::html::{fa_digits, html, Markup};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{prefixes, ApplicationState};
use serde::Deserialize;

/// Open days offered in the day list.
const DAYS_OFFERED: usize = 30;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Choice {
    pub area_code: String,
    pub date: String,
    pub office_id: String,
}

const FIELDS: [&str; 3] = ["area_code", "date", "office_id"];

/// The journey names the day `date_jalali`; this form names it `date`.
fn on_form(mut e: ApiError) -> ApiError {
    if e.detail.field.as_deref() == Some("date_jalali") {
        e.detail.field = Some("date".into());
    }
    e
}

pub async fn form(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    PageQuery(q): PageQuery<Choice>,
    headers: HeaderMap,
) -> Response {
    match open(&state, &headers, &tc).await {
        Ok(o) => render(&state, &o, &q, Errors::default(), StatusCode::OK).await,
        Err(res) => res,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    headers: HeaderMap,
    PageForm(c): PageForm<Choice>,
) -> Response {
    let o = match open(&state, &headers, &tc).await {
        Ok(o) => o,
        Err(res) => return res,
    };
    let mut errors = Errors::default();
    if c.office_id.trim().is_empty() {
        errors.field("office_id", "یکی از دفترها را انتخاب کنید");
        return render(&state, &o, &c, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match book::book(&state, &o.tracking, &c.office_id, &c.date, "citizen").await {
        Ok(_) => see_other(
            &format!("/applications/{}?notice=booked", o.tracking.as_str()),
            None,
        ),
        Err(e) => {
            let e = on_form(e);
            errors.api(&e, &FIELDS);
            render(&state, &o, &c, errors, e.status).await
        }
    }
}

/// The open days from tomorrow on, within the booking horizon.
fn open_days(state: &AppState) -> Vec<(String, String)> {
    let today = today();
    let horizon = i64::from(state.settings.booking_horizon_days);
    let days = (1..=horizon)
        .filter_map(|n| today.add_days(n).ok())
        .filter(|d| state.settings.holidays.closure(*d).is_none())
        .take(DAYS_OFFERED)
        .map(|d| (d.to_string(), dates::with_weekday(d)));
    std::iter::once((String::new(), "روز را انتخاب کنید".to_string()))
        .chain(days)
        .collect()
}

async fn offices(state: &AppState, tc: &str, c: &Choice, errors: &mut Errors) -> Markup {
    if c.area_code.trim().is_empty() || c.date.trim().is_empty() {
        return html! {};
    }
    let (province, date, list) = match book::offices(state, &c.area_code, &c.date, 50).await {
        Ok(found) => found,
        Err(e) => {
            errors.api(&on_form(e), &FIELDS);
            return html! {};
        }
    };
    let heading = format!(
        "دفترهای استان {} برای {}",
        province.name_fa,
        dates::with_weekday(date)
    );
    if list.is_empty() {
        return html! {
            section.card { h2 { (heading) } p id="no-offices" { "در این استان دفتری پیدا نشد." } }
        };
    }
    html! {
        section.card {
            h2 { (heading) }
            form method="post" action={ "/applications/" (tc) "/appointment" } id="book-form" novalidate {
                (hidden_input("area_code", &c.area_code))
                (hidden_input("date", &date.to_string()))
                ul.offices #offices {
                    @for (i, a) in list.iter().enumerate() {
                        li.office {
                            input type="radio" name="office_id" id={ "office-" (i + 1) } value=(a.office.id.as_str())
                                checked[a.office.id.as_str() == c.office_id] disabled[a.free == 0];
                            label for={ "office-" (i + 1) } {
                                strong { bdi { (a.office.name) } }
                                span.where {
                                    span.kind { (a.office.kind.fa()) } " " bdi { (a.office.city) } "، "
                                    bdi { (a.office.address) }
                                }
                                span.free {
                                    @if a.free == 0 {
                                        "ظرفیت این روز پر است"
                                    } @else {
                                        (fa_digits(&a.free.to_string())) " نوبت خالی"
                                    }
                                }
                            }
                        }
                    }
                }
                (errors.beside("office_id"))
                div.actions { button type="submit" class="primary" id="book-submit" { "ثبت نوبت" } }
            }
        }
    }
}

async fn render(
    state: &AppState,
    o: &Opened,
    c: &Choice,
    mut errors: Errors,
    status: StatusCode,
) -> Response {
    let tc = o.tracking.as_str();
    let back = html! {
        p.links { a href={ "/applications/" (tc) } id="back-link" { "بازگشت به صفحهٔ درخواست" } }
    };
    if o.app.state != ApplicationState::AwaitingAppointment {
        let why = match o.app.state {
            ApplicationState::AwaitingPayment => {
                "پیش از گرفتن نوبت باید هزینهٔ درخواست را بپردازید.".to_string()
            }
            ApplicationState::AppointmentBooked => {
                "برای این درخواست نوبت گرفته‌اید؛ برای تغییر آن، نخست نوبت کنونی را لغو کنید."
                    .to_string()
            }
            s => format!("درخواستی که در وضعیت «{}» است نوبت تازه نمی‌پذیرد.", s.fa()),
        };
        let body = html! {
            section.card { h1 { "گرفتن نوبت" } p id="not-bookable" { (why) } }
            (back)
        };
        return respond(StatusCode::CONFLICT, "گرفتن نوبت", body);
    }
    let list = offices(state, tc, c, &mut errors).await;
    let area = if c.area_code.is_empty() {
        prefixes::province_of(o.app.national_code.prefix())
            .map(|p| fa_digits(p.province().area_code))
            .unwrap_or_default()
    } else {
        c.area_code.clone()
    };
    let body = html! {
        section.card {
            p.steps { "کد رهگیری " bdi dir="ltr" { (fa_digits(tc)) } }
            h1 { "گرفتن نوبت" }
            p.lead {
                "پیش‌شمارهٔ تلفن استان خود و روز مراجعه را انتخاب کنید تا دفترهای آن استان، به ترتیب بیشترین نوبت خالی، نمایش داده شوند."
            }
            (errors.top_box())
            form method="get" action={ "/applications/" (tc) "/appointment" } id="area-form" novalidate {
                div.row {
                    (text_input(&errors, "area_code", "پیش‌شمارهٔ استان", &area,
                        "مانند ۰۲۶ برای البرز یا ۰۲۱ برای تهران", Input::digits(4).class("short")))
                    div.field.invalid[errors.get("date").is_some()] {
                        label for="date" { "روز مراجعه" }
                        select id="date" name="date" aria-invalid=[errors.invalid("date")]
                            aria-describedby=[errors.described_by("date")] {
                            (option_list(&open_days(state), c.date.trim()))
                        }
                        (errors.beside("date"))
                    }
                }
                div.actions { button type="submit" class="primary" id="search-submit" { "نمایش دفترها" } }
            }
        }
        (list)
        (back)
    };
    respond(status, "گرفتن نوبت", body)
}
