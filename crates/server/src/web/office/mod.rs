//! The office desk's frame and what its pages share (Persian, right to left, no JavaScript): the login, the
//! day's appointments and check-in, an application's record; the desk's menu, flash lines, finger choices and
//! the scanner's file field. The features' own pages (enrollment, adjudication, shipments, pickup, transfer,
//! reactivation, backlog) live in their folders and use these.
//!
//! The pages only read forms and render: every rule lives in the shared operations that the JSON API calls
//! too. The staff session is the API's own token, kept in the same
//! HttpOnly `shenas_staff` cookie as the administrators' dashboard (scoped to `/office`). Without it a page sends
//! the visitor to `/office/login`.

pub mod desk;
pub mod login;
pub mod multipart;
pub mod record;

use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::form::{see_other, Errors};
use crate::web::html::{fa_digits, html, Chrome, Markup};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{OfficeId, OfficeKind, Role};

const CSS: &str = include_str!("office.css");

/// The office pages' routes, merged into the service's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/office.css", get(css))
        .route("/office/login", get(login::form).post(login::submit))
        .route("/office/logout", post(login::logout))
        .route("/office", get(desk::show))
        .route("/office/checkin", post(desk::checkin))
        .route("/office/applications/{tracking_code}", get(record::show))
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// A logged-in member of an office's staff, with the office's name.
pub struct Desk {
    pub staff: Staff,
    pub office: OfficeId,
    pub office_name: String,
    /// The office's kind (`None` when the office is not in the store any more).
    pub office_kind: Option<OfficeKind>,
}

impl Desk {
    /// A registry office opens nationality cases.
    pub fn is_registry_office(&self) -> bool {
        self.office_kind == Some(OfficeKind::Registry)
    }

    pub fn is_supervisor(&self) -> bool {
        self.staff.role == Role::Supervisor
    }

    /// The actor recorded in histories, as the API records it.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.staff.username)
    }
}

/// The office staff of the request: a redirect to the login page without a live session, a Persian 403 page for
/// staff without an office (administrators).
pub async fn desk(state: &AppState, headers: &HeaderMap) -> Result<Desk, Response> {
    let Some(staff) = crate::admin::login::staff(state, headers).await else {
        return Err(see_other("/office/login", None));
    };
    let office = match staff.office() {
        Ok(o) => o.clone(),
        Err(_) => {
            return Err(message(
                None,
                StatusCode::FORBIDDEN,
                "دسترسی ندارید",
                "صفحه‌های دفتر پیشخوان برای متصدیان و سرپرستان دفترهاست.",
            ))
        }
    };
    let (office_name, office_kind) = match state.store.office(&office).await {
        Ok(Some(o)) => (o.name, Some(o.kind)),
        Ok(None) => (office.as_str().to_string(), None),
        Err(e) => return Err(failure(None, &ApiError::from(e))),
    };
    Ok(Desk {
        staff,
        office,
        office_name,
        office_kind,
    })
}

/// The desk's menu and who is signed in, after the brand in the header.
fn menu(desk: Option<&Desk>) -> Markup {
    html! {
        @if let Some(d) = desk {
            nav.desk-nav aria-label="صفحه‌های دفتر" {
                a href="/office" { "میز امروز" }
                a href="/office/file" { "ثبت درخواست" }
                a href="/office/pickup" { "تحویل کارت" }
                a href="/office/shipments" { "محموله‌ها" }
                a href="/office/backlog" { "کارت‌های منتظر" }
                @if d.is_supervisor() { a href="/office/adjudications" { "بررسی تکرار" } }
                @if d.is_registry_office() { a href="/office/nationality" { "پرونده‌های تابعیت" } }
            }
            div.who {
                span { bdi { (d.staff.username) } " · " (d.staff.role.fa()) " · " (d.office_name) }
                form method="post" action="/office/logout" {
                    button type="submit" class="link" { "خروج" }
                }
            }
        }
    }
}

/// The office desk's frame.
const DESK: Chrome<'static> = Chrome {
    site: "شناس · دفتر پیشخوان",
    stylesheet: Some("/office/office.css"),
    body_class: Some("office"),
    home: "/office",
    brand: "شناس · دفتر پیشخوان",
    footer: "سازمان ثبت احوال کشور · سامانهٔ کارت هوشمند ملی · میز دفتر",
};

/// A whole office page: Persian, right to left, the portal's stylesheet and the office's, the desk's menu.
pub fn document(title: &str, desk: Option<&Desk>, body: Markup) -> Markup {
    crate::web::html::document(&DESK, title, menu(desk), body)
}

/// A whole office page as a response, never cached.
pub fn reply(status: StatusCode, title: &str, desk: Option<&Desk>, body: Markup) -> Response {
    crate::web::form::html_document(status, document(title, desk, body).into_string())
}

/// A page that only says something (a refusal, a failure), with a way back to the desk.
pub fn message(desk: Option<&Desk>, status: StatusCode, title: &str, text: &str) -> Response {
    let body = html! {
        section.card {
            h1 { (title) }
            p.error role="alert" { (fa_digits(text)) }
            @if desk.is_some() {
                p { a.button href="/office" { "بازگشت به میز" } }
            } @else {
                p { a.button href="/office/login" { "ورود کارکنان" } }
            }
        }
    };
    reply(status, title, desk, body)
}

/// An operation's refusal as a page: its Persian message, under a title that fits its status.
pub fn failure(desk: Option<&Desk>, e: &ApiError) -> Response {
    if e.status == StatusCode::UNAUTHORIZED {
        return see_other("/office/login", None);
    }
    let title = match e.status {
        StatusCode::FORBIDDEN => "دسترسی ندارید",
        StatusCode::NOT_FOUND => "پیدا نشد",
        s if s.is_server_error() => "خطای سامانه",
        _ => "انجام نشد",
    };
    message(desk, e.status, title, &e.detail.message)
}

/// A flash line above a page (`ok` or `fail`).
pub fn flash_line(ok: bool, text: &str) -> Markup {
    html! { p class={ "flash " (if ok { "ok" } else { "fail" }) } role="status" { (fa_digits(text)) } }
}

/// A tracking code, shown with Persian digits and kept left to right.
pub fn tracking_code(tc: &str) -> Markup {
    html! { bdi.code { (fa_digits(tc)) } }
}

/// An instant as `۱۹ آبان ۱۴۰۳ · ۰۹:۳۵` (Tehran).
pub fn when_fa(at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{} · {}",
        crate::web::dates::day_fa(at),
        crate::web::dates::time_fa(at)
    )
}

/// An RFC 3339 instant (as the shared record gives) shown as [`when_fa`]; kept as is when unreadable. Plain
/// text: the page escapes it where it is spliced.
pub fn rfc3339_fa(s: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| when_fa(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| s.to_string())
}

/// A finger's Persian name (`شست دست راست`).
pub fn finger_fa(position: u8) -> &'static str {
    intake::finger_name(position)
        .map(|(_, fa)| fa)
        .unwrap_or("انگشت نامشخص")
}

/// The capture formats a scanner may give, as `(value, label)`.
pub fn format_choices() -> Vec<(String, String)> {
    [
        ("iso19794_2", "ISO/IEC 19794-2"),
        ("ansi378", "ANSI/INCITS 378"),
        ("png", "تصویر PNG"),
        ("wsq", "تصویر WSQ"),
    ]
    .iter()
    .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
    .collect()
}

/// The ten fingers, as `(position, Persian name)` choices.
pub fn finger_choices() -> Vec<(String, String)> {
    (1..=10u8)
        .map(|p| {
            (
                p.to_string(),
                format!("{} – {}", fa_digits(&p.to_string()), finger_fa(p)),
            )
        })
        .collect()
}

/// The scanner's file of one finger (the field `data`), as the transfer, pickup and reactivation forms ask it;
/// `hint` says what the file is, when not empty.
pub fn data_field(errors: &Errors, hint: &str) -> Markup {
    html! {
        div class=(if errors.get("data").is_some() { "field invalid" } else { "field" }) {
            label for="data" { "پروندهٔ اثر انگشت" }
            input type="file" id="data" name="data" aria-invalid=[errors.invalid("data")]
                aria-describedby=[errors.described_by("data")];
            @if !hint.is_empty() { p.hint { (hint) } }
            (errors.beside("data"))
        }
    }
}

/// What the finger's file is.
pub const FILE_HINT: &str = "پرونده‌ای که دستگاه اسکن از انگشت انتخاب‌شده گرفته است.";
