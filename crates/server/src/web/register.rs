//! Registration, step one (`GET` and `POST /register`): national code, birth certificate and the captcha. A
//! passing step one renders step two with a signed token that proves it passed; it never files anything.

use crate::journey::file::{self, BirthCertificateInput};
use crate::state::AppState;
use crate::web::details::{self, Details};
use crate::web::extract::PageForm;
use crate::web::form::{hidden_input, respond, select_input, text_input, Errors, Input};
use crate::web::html::html;
use crate::web::session::Step1;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::birth_certificate::SERIES_LETTERS;
use domain::BirthCertificate;
use serde::Deserialize;
use std::time::SystemTime;

/// The fields of step one, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Step1Form {
    pub national_code: String,
    pub series_letter: String,
    pub series_number: String,
    pub serial: String,
    pub captcha_id: String,
    pub captcha_answer: String,
    /// `new_captcha` asks for another picture, keeping what was typed.
    pub action: String,
}

const FIELDS: [&str; 5] = [
    "national_code",
    "series_letter",
    "series_number",
    "serial",
    "captcha_answer",
];

pub async fn form(State(state): State<AppState>) -> Response {
    render(
        &state,
        &Step1Form::default(),
        &Errors::default(),
        StatusCode::OK,
    )
}

pub async fn submit(State(state): State<AppState>, PageForm(f): PageForm<Step1Form>) -> Response {
    if f.action == "new_captcha" {
        return render(&state, &f, &Errors::default(), StatusCode::OK);
    }
    let mut errors = Errors::default();
    let identity = file::parse_identity(
        &f.national_code,
        &BirthCertificateInput {
            series_letter: f.series_letter.clone(),
            series_number: f.series_number.clone(),
            serial: f.serial.clone(),
        },
    );
    if let Err(e) = &identity {
        errors.api(e, &FIELDS);
        // `parse_identity` stops at the national code; a bad certificate is worth saying at the same time.
        if e.detail.field.as_deref() == Some("national_code") {
            if let Err(bc) = BirthCertificate::parse(&f.series_letter, &f.series_number, &f.serial)
            {
                errors.field(&bc.field, bc.error.message_fa);
            }
        }
    }
    let filled = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    if let Err(e) = file::check_captcha(
        &state,
        filled(&f.captcha_id).as_deref(),
        filled(&f.captcha_answer).as_deref(),
    ) {
        errors.api(&e, &FIELDS);
    }
    match identity {
        Ok(id) if errors.is_empty() => {
            let bc = id.birth_certificate;
            let step1 = Step1 {
                national_code: id.national_code.as_str().into(),
                series_letter: bc.series_letter().as_str().into(),
                series_number: bc.series_number(),
                serial: bc.serial().into(),
            };
            let token = step1.token(&state.services.web_secret, SystemTime::now());
            details::render(
                &Details::new(step1, token),
                &Errors::default(),
                "",
                StatusCode::OK,
            )
        }
        _ => render(&state, &f, &errors, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// Step one's form with `f`'s values, a fresh captcha (when it is on) and `errors`.
pub fn render(state: &AppState, f: &Step1Form, errors: &Errors, status: StatusCode) -> Response {
    let letters: Vec<(String, String)> = std::iter::once((String::new(), "حرف".to_string()))
        .chain(
            SERIES_LETTERS
                .iter()
                .map(|l| (l.to_string(), l.to_string())),
        )
        .collect();
    let captcha = state
        .settings
        .captcha
        .then(|| state.services.captcha.issue(SystemTime::now()));
    let body = html! {
        section.card {
            p.steps { "مرحلهٔ ۱ از ۲" }
            h1 { "ثبت‌نام کارت هوشمند ملی" }
            p.lead { "کد ملی و مشخصات شناسنامهٔ خود را وارد کنید. رقم‌ها را می‌توانید فارسی یا لاتین بنویسید." }
            (errors.top_box())
            form method="post" action="/register" id="register-form" novalidate {
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
                    p.hint { "سری و سریال در پایین صفحهٔ نخست شناسنامه چاپ شده است؛ مثلاً «ج/۱۲ ۳۴۵۶۷۸»." }
                }
                @if let Some(c) = &captcha {
                    fieldset.captcha {
                        legend { "کد امنیتی" }
                        img src={ "/api/v1/captcha/" (c.id) ".png" } alt="تصویر کد امنیتی: پنج رقم" width="200"
                            height="70" id="captcha-image";
                        (hidden_input("captcha_id", &c.id))
                        (text_input(errors, "captcha_answer", "رقم‌های تصویر", "",
                            "پنج رقمی را که در تصویر می‌بینید بنویسید.", Input::code(10).class("short")))
                    }
                }
                div.actions {
                    button type="submit" class="primary" id="register-submit" { "ادامه" }
                    @if captcha.is_some() {
                        button type="submit" name="action" value="new_captcha" id="new-captcha" class="secondary" {
                            "تصویر دیگری نشانم بده"
                        }
                    }
                }
            }
        }
    };
    respond(status, "ثبت‌نام", body)
}
