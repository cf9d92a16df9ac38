//! Booking an appointment: `GET /applications/{tc}/appointment` asks for an area code and an open day and, when
//! both are given, lists the province's offices most-free-first; `POST` books the chosen one through
//! `journey::book` and returns to the application's page.

use crate::error::ApiError;
use crate::journey::book;
use crate::state::{today, AppState};
use crate::web::access::{open, Opened};
use crate::web::dates;
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::{hidden, html, options, see_other, text_field, Errors};
use crate::web::html::{escape, fa_digits};
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

async fn offices(state: &AppState, tc: &str, c: &Choice, errors: &mut Errors) -> String {
    if c.area_code.trim().is_empty() || c.date.trim().is_empty() {
        return String::new();
    }
    let (province, date, list) = match book::offices(state, &c.area_code, &c.date, 50).await {
        Ok(found) => found,
        Err(e) => {
            errors.api(&on_form(e), &FIELDS);
            return String::new();
        }
    };
    let heading = format!(
        "دفترهای استان {} برای {}",
        province.name_fa,
        dates::with_weekday(date)
    );
    if list.is_empty() {
        return format!(
            "<section class=\"card\"><h2>{heading}</h2><p id=\"no-offices\">در این استان دفتری پیدا نشد.</p></section>"
        );
    }
    let items: String = list
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let id = a.office.id.as_str();
            let checked = if id == c.office_id { " checked" } else { "" };
            let (disabled, free) = if a.free == 0 {
                (" disabled", "ظرفیت این روز پر است".to_string())
            } else {
                ("", format!("{} نوبت خالی", fa_digits(&a.free.to_string())))
            };
            format!(
                r#"<li class="office"><input type="radio" name="office_id" id="office-{n}" value="{id}"{checked}{disabled}>
<label for="office-{n}"><strong><bdi>{name}</bdi></strong>
<span class="where"><span class="kind">{kind}</span> <bdi>{city}</bdi>، <bdi>{address}</bdi></span><span class="free">{free}</span></label></li>"#,
                n = i + 1,
                id = escape(id),
                name = escape(&a.office.name),
                kind = a.office.kind.fa(),
                city = escape(&a.office.city),
                address = escape(&a.office.address),
            )
        })
        .collect();
    format!(
        r#"<section class="card"><h2>{heading}</h2>
<form method="post" action="/applications/{tc}/appointment" id="book-form" novalidate>
{area}{day}
<ul class="offices" id="offices">{items}</ul>
{err}
<div class="actions"><button type="submit" class="primary" id="book-submit">ثبت نوبت</button></div>
</form></section>"#,
        area = hidden("area_code", &c.area_code),
        day = hidden("date", &date.to_string()),
        err = errors.render("office_id"),
    )
}

async fn render(
    state: &AppState,
    o: &Opened,
    c: &Choice,
    mut errors: Errors,
    status: StatusCode,
) -> Response {
    let tc = o.tracking.as_str();
    let back = format!(
        "<p class=\"links\"><a href=\"/applications/{tc}\" id=\"back-link\">بازگشت به صفحهٔ درخواست</a></p>"
    );
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
        let body = format!(
            "<section class=\"card\"><h1>گرفتن نوبت</h1><p id=\"not-bookable\">{why}</p></section>{back}"
        );
        return html(StatusCode::CONFLICT, "گرفتن نوبت", &body);
    }
    let list = offices(state, tc, c, &mut errors).await;
    let area = if c.area_code.is_empty() {
        prefixes::province_of(o.app.national_code.prefix())
            .map(|p| fa_digits(p.province().area_code))
            .unwrap_or_default()
    } else {
        c.area_code.clone()
    };
    let day_class = if errors.get("date").is_some() {
        "field invalid"
    } else {
        "field"
    };
    let body = format!(
        r#"<section class="card">
<p class="steps">کد رهگیری <bdi dir="ltr">{tc_fa}</bdi></p>
<h1>گرفتن نوبت</h1>
<p class="lead">پیش‌شمارهٔ تلفن استان خود و روز مراجعه را انتخاب کنید تا دفترهای آن استان، به ترتیب بیشترین نوبت خالی، نمایش داده شوند.</p>
{top}
<form method="get" action="/applications/{tc}/appointment" id="area-form" novalidate>
<div class="row">
{area}
<div class="{day_class}"><label for="date">روز مراجعه</label>
<select id="date" name="date"{day_aria}>{days}</select>{day_err}</div>
</div>
<div class="actions"><button type="submit" class="primary" id="search-submit">نمایش دفترها</button></div>
</form>
</section>
{list}
{back}"#,
        tc_fa = fa_digits(tc),
        top = errors.render_top(),
        area = text_field(
            &errors,
            "area_code",
            "پیش‌شمارهٔ استان",
            &area,
            "مانند ۰۲۶ برای البرز یا ۰۲۱ برای تهران",
            r#" inputmode="numeric" maxlength="4" dir="ltr" class="short""#,
        ),
        day_aria = errors.aria("date"),
        days = options(&open_days(state), c.date.trim()),
        day_err = errors.render("date"),
    );
    html(status, "گرفتن نوبت", &body)
}
