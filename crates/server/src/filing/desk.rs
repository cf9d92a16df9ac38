//! The office's walk-in filing form (`GET` and `POST /office/file`): an operator files the application for a
//! person at the desk, on one page (no captcha: the operator is logged in), with the same checks, the same
//! per-operator limit and the same audit of refused registry inquiries as `POST /api/v1/office/applications`.
//! The office's service fee is added to the fee, as on the API.

use crate::error::ApiError;
use crate::filing::details::{self, Checked, Details};
use crate::filing::{self as file, BirthCertificateInput, Filer};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::form::{select_input, text_input, Errors, Input};
use crate::web::html::{fa_digits, html, rials_fa};
use crate::web::office::{desk, failure, reply, tracking_code, Desk};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::birth_certificate::SERIES_LETTERS;
use domain::Channel;

/// The form's fields, in the names the filing's errors use (a nested `birth_certificate.serial` shows at
/// `serial`).
const FIELDS: [&str; 11] = [
    "national_code",
    "series_letter",
    "series_number",
    "serial",
    "birth_date_jalali",
    "birth_date_hijri",
    "gender",
    "religion",
    "mother_name",
    "mobile",
    "reason",
];

pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match desk(&state, &headers).await {
        Ok(d) => render(
            &d,
            &Details::default(),
            &Errors::default(),
            "",
            StatusCode::OK,
        ),
        Err(r) => r,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(mut f): PageForm<Details>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let identity = file::parse_identity(
        &f.national_code,
        &BirthCertificateInput {
            series_letter: f.series_letter.clone(),
            series_number: f.series_number.clone(),
            serial: f.serial.clone(),
        },
    );
    let (input, mut errors, note, status) = match f.check() {
        Checked::Ready(input) => (
            Some(input),
            Errors::default(),
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Checked::Again {
            errors,
            note,
            status,
        } => (None, errors, note, status),
    };
    if let Err(e) = &identity {
        errors.api(e, &FIELDS);
    }
    let input = match input {
        Some(input) if identity.is_ok() => input,
        _ => {
            let status = if identity.is_err() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                status
            };
            return render(&desk, &f, &errors, note, status);
        }
    };
    if state.settings.rate_limits {
        if let Err(secs) = state
            .services
            .limiter
            .check(
                &format!("file:operator:{}", desk.staff.username),
                state.settings.filings_per_operator_per_minute,
            )
            .await
        {
            errors.api(&ApiError::rate_limited(secs), &FIELDS);
            return render(&desk, &f, &errors, "", StatusCode::TOO_MANY_REQUESTS);
        }
    }
    let filer = Filer {
        channel: Channel::Office,
        actor: desk.actor(),
        office: Some(desk.office.clone()),
    };
    match file::file(&state, &input, filer).await {
        Ok(app) => {
            let tc = app.tracking_code.as_str().to_string();
            let body = html! {
                section.card #filed {
                    h1 { "درخواست ثبت شد" }
                    p.flash.ok role="status" { "درخواست کارت هوشمند ملی برای متقاضی ثبت شد. · Application filed." }
                    dl.summary {
                        dt { "کد رهگیری" }
                        dd #filed-tracking-code { (tracking_code(&tc)) }
                        dt { "کد ملی" }
                        dd { bdi dir="ltr" { (fa_digits(&app.national_code.masked())) } }
                        dt { "وضعیت" }
                        dd { (app.state.fa()) }
                        dt { "هزینه (با کارمزد دفتر)" }
                        dd #filed-fee { (rials_fa(app.fee_rials)) }
                    }
                    p { "کد رهگیری را به متقاضی بدهید: پرداخت، نوبت‌گیری و پیگیری وضعیت با همین کد و کد ملی او انجام می‌شود." }
                    div.actions {
                        a.button.primary href={ "/office/applications/" (tc) } { "پروندهٔ درخواست" }
                        a.button href="/office/file" { "ثبت درخواست دیگر" }
                    }
                }
            };
            reply(StatusCode::CREATED, "درخواست ثبت شد", Some(&desk), body)
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED || e.status.is_server_error() => {
            failure(Some(&desk), &e)
        }
        Err(e) => {
            errors.api(&e, &FIELDS);
            render(&desk, &f, &errors, "", e.status)
        }
    }
}

fn render(desk: &Desk, f: &Details, errors: &Errors, note: &str, status: StatusCode) -> Response {
    let letters: Vec<(String, String)> = std::iter::once((String::new(), "حرف".to_string()))
        .chain(
            SERIES_LETTERS
                .iter()
                .map(|l| (l.to_string(), l.to_string())),
        )
        .collect();
    let body = html! {
        section.card {
            h1 { "ثبت درخواست برای مراجعه‌کننده" }
            p.lead { "برای کسی که خود نمی‌تواند در درگاه ثبت‌نام کند. مشخصات را از روی شناسنامهٔ متقاضی وارد کنید؛ درخواست با استعلام ثبت احوال و مالکیت شمارهٔ همراه ثبت می‌شود و هر پاسخ ردّ استعلام با نام شما ثبت می‌شود." }
            (errors.top_box())
            form method="post" action="/office/file" id="file-form" novalidate {
                button type="submit" name="action" value="file" class="default-submit" tabindex="-1"
                    aria-hidden="true" { "ثبت درخواست" }
                (text_input(errors, "national_code", "کد ملی", &f.national_code, "ده رقم، بدون خط تیره",
                    Input::code(14)))
                fieldset.group {
                    legend { "مشخصات شناسنامه" }
                    div.row {
                        (select_input(errors, "series_letter", "حرف سری", &letters, f.series_letter.trim()))
                        (text_input(errors, "series_number", "شمارهٔ سری", &f.series_number, "",
                            Input::digits(4).class("tiny")))
                        (text_input(errors, "serial", "سریال (شش رقم)", &f.serial, "",
                            Input::digits(8).class("short")))
                    }
                }
                (details::fields(f, errors, note))
                div.actions {
                    button type="submit" name="action" value="file" class="primary" id="file-submit" {
                        "ثبت درخواست"
                    }
                }
            }
        }
    };
    reply(status, "ثبت درخواست", Some(desk), body)
}
