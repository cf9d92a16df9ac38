//! Registration, step one (`GET` and `POST /register`): national code, birth certificate and the captcha. A
//! passing step one renders step two with a signed token that proves it passed; it never files anything.

use crate::filing::details::{self, Details};
use crate::filing::step_one::{render, Step1Form};
use crate::filing::{self as file, BirthCertificateInput};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::form::Errors;
use crate::web::session::Step1;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::BirthCertificate;
use std::time::SystemTime;

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
