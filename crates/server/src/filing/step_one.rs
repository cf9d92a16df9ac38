//! Registration step one's form and page, apart from its handlers (`register.rs`) so that step two
//! (`details.rs`), which shows step one again when the registry refuses what was typed there, and step one, which
//! shows step two when it passes, do not depend on each other.

use crate::state::AppState;
use crate::web::form::{hidden_input, respond, select_input, text_input, Errors, Input};
use crate::web::html::html;
use axum::http::StatusCode;
use axum::response::Response;
use domain::birth_certificate::SERIES_LETTERS;
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
