//! `GET/POST /home-visit`: the portal's page where a disabled citizen, or a relative with the citizen's national
//! code and tracking code, asks for a mobile unit to come to the home. The rules are those of
//! `POST /api/v1/applications/{tracking_code}/home-visit` (the welfare registry confirms the disability).

use super::home::{self, HomeVisitInput};
use crate::client::ClientAddr;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::form::{respond, select_input, text_input, Errors, Input};
use crate::web::html::{fa_digits, html, Markup};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct HomeVisitForm {
    #[serde(default)]
    pub tracking_code: String,
    #[serde(default)]
    pub national_code: String,
    #[serde(default)]
    pub province_code: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub address: String,
}

const FIELDS: [&str; 5] = [
    "tracking_code",
    "national_code",
    "province_code",
    "city",
    "address",
];

/// The provinces, after an empty choice (the welfare registry's record, or the national code, then decides).
fn provinces() -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "— به انتخاب بهزیستی —".to_string())];
    out.extend(
        domain::Province::all()
            .iter()
            .map(|p| (p.code.to_string(), p.name_fa.to_string())),
    );
    out
}

fn form_page(errors: &Errors, f: &HomeVisitForm) -> Markup {
    html! {
        section.card {
            h1 { "درخواست ثبت‌نام در منزل" }
            p.lead {
                "اگر به سبب معلولیت نمی‌توانید به دفتر بیایید، واحد سیار ثبت‌نام به منزل شما می‌آید. "
                "معلولیت از سازمان بهزیستی استعلام می‌شود. یکی از بستگان هم می‌تواند با کد ملی و کد رهگیری "
                "متقاضی این درخواست را بدهد."
            }
            p.note { "نخست پیش‌ثبت‌نام کنید تا کد رهگیری بگیرید؛ برای ثبت‌نام در منزل نوبت دفتر نگیرید." }
            (errors.top_box())
            form method="post" action="/home-visit" {
                (text_input(errors, "tracking_code", "کد رهگیری", &f.tracking_code, "", Input::code(14)))
                (text_input(errors, "national_code", "کد ملی متقاضی", &f.national_code, "ده رقم", Input::code(12)))
                (select_input(errors, "province_code", "استان محل سکونت", &provinces(), &f.province_code))
                (text_input(errors, "city", "شهر محل سکونت", &f.city, "اگر بهزیستی نشانی را نداشته باشد", Input::default()))
                (text_input(errors, "address", "نشانی منزل", &f.address, "", Input::default()))
                div.actions { button class="primary" type="submit" id="ask-home-visit" { "ثبت درخواست" } }
            }
        }
    }
}

pub async fn form() -> Response {
    respond(
        StatusCode::OK,
        "ثبت‌نام در منزل",
        form_page(&Errors::default(), &HomeVisitForm::default()),
    )
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<HomeVisitForm>,
) -> Response {
    let input = HomeVisitInput {
        national_code: f.national_code.clone(),
        city: Some(f.city.clone()),
        address: Some(f.address.clone()),
        province_code: Some(f.province_code.clone()),
    };
    match home::request(&state, &client, &f.tracking_code, &input).await {
        Ok((_, a)) => {
            let body = html! {
                section.card id="home-visit-done" {
                    h1 { "درخواست شما ثبت شد" }
                    p.lead {
                        "معلولیت از سوی سازمان بهزیستی تأیید شد. شمارهٔ درخواست: "
                        strong { (fa_digits(&a.request_id.to_string())) }
                    }
                    p { "ناحیه: " (a.area) }
                    p {
                        "درخواست‌های هر ناحیه با هم در یک بازدید واحد سیار نوبت می‌گیرند؛ "
                        "روز و وضعیت نوبت را در «پیگیری وضعیت» می‌بینید."
                    }
                    p { a.button href="/track" { "پیگیری وضعیت" } }
                }
            };
            respond(StatusCode::CREATED, "ثبت‌نام در منزل", body)
        }
        Err(e) => {
            let mut errors = Errors::default();
            errors.api(&e, &FIELDS);
            respond(e.status, "ثبت‌نام در منزل", form_page(&errors, &f))
        }
    }
}
