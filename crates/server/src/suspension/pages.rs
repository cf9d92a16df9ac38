//! The pages of a card's suspension. On the citizen's application page (`crate::web::application`), a delivered
//! card gets a box: active, with the button that reports it lost (`POST /applications/{tc}/report-lost`), or
//! suspended, with the day it will be revoked and what to do if it turns up. At the office,
//! `GET/POST /office/cards/reactivate` reactivates a card found again: the holder's national code, the serial
//! printed on the card, and one finger from the scanner.

use super::ReactivationInput;
use crate::state::{tehran_day, AppState};
use crate::web::access::{open, Opened};
use crate::web::dates;
use crate::web::extract::PagePath;
use crate::web::form::{message_page, see_other, select_input, text_input, Errors, Input};
use crate::web::html::{fa_digits, html, Markup};
use crate::web::office::data_field;
use crate::web::office::{
    desk, failure, finger_choices, flash_line, format_choices, multipart, reply, Desk,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::ApplicationState;

/// The card box of a delivered application's page (empty for other states, and for a revoked card).
pub async fn card_box(state: &AppState, o: &Opened) -> Markup {
    if o.app.state != ApplicationState::Delivered {
        return html! {};
    }
    let card = match state.store.card_of_application(o.app.id).await {
        Ok(Some(c)) if c.status == "active" => c,
        Ok(_) => return html! {},
        Err(e) => {
            tracing::error!(error = %e, "application page: card lookup failed");
            return html! {};
        }
    };
    let tc = o.tracking.as_str();
    match card.suspended_at {
        None => html! {
            section.card.next #card-box {
                h2 { "کارت شما" }
                p { "کارت هوشمند ملی شما فعال است." }
                p.note {
                    "اگر کارت را گم کرده‌اید، آن را همین‌جا معلق کنید: از این لحظه برای هیچ استعلامی پذیرفته نمی‌شود و "
                    "گواهی‌های امضای آن از کار می‌افتند. اگر پیدا شد، با کارت به یکی از دفاتر بروید تا با اثر انگشت دوباره فعال شود. "
                    "اگر تا " (fa_digits(&state.settings.suspension_days.to_string()))
                    " روز پیدا نشود، باطل می‌شود و باید درخواست «مفقودی کارت» ثبت کنید."
                }
                form method="post" action={ "/applications/" (tc) "/report-lost" } id="report-lost-form" {
                    button type="submit" class="secondary" id="report-lost-button" { "اعلام مفقودی و تعلیق کارت" }
                }
            }
        },
        Some(since) => {
            let until = since + chrono::Duration::days(i64::from(state.settings.suspension_days));
            let until = tehran_day(until)
                .map(dates::with_weekday)
                .unwrap_or_default();
            html! {
                section.card.next #card-box {
                    h2 { "کارت شما معلق است" }
                    dl.summary {
                        dt { "از" }
                        dd #suspended-since { (dates::day_fa(since)) }
                        dt { "باطل می‌شود در" }
                        dd #revoked-from { (until) }
                    }
                    p.note {
                        "اگر کارت پیدا شد، آن را با خود به یکی از دفاتر ببرید تا پس از تطبیق اثر انگشت دوباره فعال شود. "
                        "اگر پیدا نشد، برای کارت تازه درخواست «مفقودی کارت» ثبت کنید."
                    }
                }
            }
        }
    }
}

/// `POST /applications/{tc}/report-lost`: the portal's button.
pub async fn report_lost(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    headers: HeaderMap,
) -> Response {
    let o = match open(&state, &headers, &tc).await {
        Ok(o) => o,
        Err(res) => return res,
    };
    match super::report_loss(&state, &o.app, "citizen".into()).await {
        Ok(_) => see_other(
            &format!("/applications/{}?notice=suspended", o.tracking.as_str()),
            None,
        ),
        Err(e) => message_page(e.status, "اعلام مفقودی", &e.detail.message),
    }
}

#[derive(Debug, Clone)]
struct Form {
    national_code: String,
    card_serial: String,
    position: String,
    format: String,
}

impl Default for Form {
    fn default() -> Self {
        Self {
            national_code: String::new(),
            card_serial: String::new(),
            position: "2".into(),
            format: "iso19794_2".into(),
        }
    }
}

/// The reactivation form's fields, where a refusal is shown.
const FIELDS: [&str; 5] = ["national_code", "card_serial", "position", "format", "data"];

/// `GET /office/cards/reactivate`.
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match desk(&state, &headers).await {
        Ok(d) => render(
            &d,
            &Form::default(),
            html! {},
            &Errors::default(),
            StatusCode::OK,
        ),
        Err(r) => r,
    }
}

/// `POST /office/cards/reactivate` (multipart, with the scanner's file).
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let Ok(fields) = multipart::request_fields(&headers, body).await else {
        errors.top("فرم کامل نرسید؛ لطفاً دوباره بفرستید.");
        return render(
            &desk,
            &Form::default(),
            html! {},
            &errors,
            StatusCode::BAD_REQUEST,
        );
    };
    let f = Form {
        national_code: fields.text("national_code"),
        card_serial: fields.text("card_serial"),
        position: fields.text("position"),
        format: fields.text("format"),
    };
    let fingerprint = match fields.probe() {
        Ok(p) => p,
        Err((field, message)) => {
            errors.field(field, message);
            return render(
                &desk,
                &f,
                html! {},
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let input = ReactivationInput {
        national_code: f.national_code.clone(),
        card_serial: f.card_serial.trim().to_string(),
        fingerprint,
    };
    match super::reactivate(&state, &desk.staff, &input).await {
        Ok(_) => {
            let body = html! {
                section.card #reactivated {
                    h1 { "کارت دوباره فعال شد" }
                    (flash_line(true, "اثر انگشت دارنده با انگشت ثبت‌شده مطابقت داشت."))
                    dl {
                        dt { "سریال کارت" }
                        dd { bdi.code { (input.card_serial) } }
                    }
                    p.note {
                        "کارت از این لحظه برای استعلام پذیرفته می‌شود و گواهی‌های آن از حالت تعلیق خارج شدند. کارت را به دارنده بازگردانید."
                    }
                    div.actions { a.button href="/office" { "میز دفتر" } }
                }
            };
            reply(StatusCode::OK, "کارت دوباره فعال شد", Some(&desk), body)
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => failure(Some(&desk), &e),
        Err(e) if e.detail.code == "fingerprint_mismatch" => render(
            &desk,
            &f,
            flash_line(false, &e.detail.message),
            &errors,
            e.status,
        ),
        Err(e) => {
            errors.api(&e, &FIELDS);
            render(&desk, &f, html! {}, &errors, e.status)
        }
    }
}

fn render(desk: &Desk, f: &Form, notice: Markup, errors: &Errors, status: StatusCode) -> Response {
    let body = html! {
        section.card {
            h1 { "فعال‌سازی دوبارهٔ کارت پیداشده" }
            p.lead {
                "کارتی که مفقود اعلام شده و پیدا شده است، با حضور دارنده و تطبیق یک اثر انگشت او دوباره فعال می‌شود."
            }
            (notice)
            (errors.top_box())
            form method="post" action="/office/cards/reactivate" enctype="multipart/form-data" id="reactivate-form"
                novalidate {
                div.row {
                    (text_input(
                        errors,
                        "national_code",
                        "کد ملی دارنده",
                        &f.national_code,
                        "ده رقم",
                        Input::code(12),
                    ))
                    (text_input(
                        errors,
                        "card_serial",
                        "سریال کارت",
                        &f.card_serial,
                        "همان‌که پشت کارت چاپ شده است",
                        Input {
                            autocomplete: Some("off"),
                            maxlength: Some(40),
                            dir: Some("ltr"),
                            ..Input::default()
                        },
                    ))
                }
                div.row {
                    (select_input(errors, "position", "انگشت", &finger_choices(), &f.position))
                    (select_input(errors, "format", "قالب پرونده", &format_choices(), &f.format))
                }
                (data_field(errors, ""))
                div.actions {
                    button type="submit" class="primary" id="reactivate-submit" { "تطبیق و فعال‌سازی" }
                    a.button href="/office" { "انصراف" }
                }
            }
        }
    };
    reply(status, "فعال‌سازی دوبارهٔ کارت", Some(desk), body)
}
