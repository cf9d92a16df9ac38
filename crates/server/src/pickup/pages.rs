//! `GET/POST /office/pickup`: handing a card over. The tracking code, a finger (position and capture format) and
//! the scanner's file go to the shared `crate::pickup::pickup` (1:1 against the finger enrolled at that
//! position); the result is the delivery with the pickup fee, or the mismatch inviting another finger.

use super::{pickup, PickupInput};
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::form::{select_input, text_input, Errors, Input};
use crate::web::html::{fa_digits, html, rials_fa, Markup};
use crate::web::office::multipart;
use crate::web::office::{data_field, FILE_HINT};
use crate::web::office::{
    desk, failure, finger_choices, flash_line, format_choices, reply, tracking_code, Desk,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PickupForm {
    #[serde(rename = "tc")]
    pub tracking_code: String,
    pub position: String,
    pub format: String,
}

impl Default for PickupForm {
    fn default() -> Self {
        Self {
            tracking_code: String::new(),
            position: "2".into(),
            format: "iso19794_2".into(),
        }
    }
}

const FIELDS: [&str; 4] = ["tracking_code", "position", "format", "data"];

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<PickupForm>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let f = PickupForm {
        tracking_code: fa_digits(q.tracking_code.trim()),
        ..PickupForm::default()
    };
    render(&desk, &f, html! {}, &Errors::default(), StatusCode::OK)
}

pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let fields = match multipart::request_fields(&headers, body).await {
        Ok(fields) => fields,
        Err(_) => {
            let mut errors = Errors::default();
            errors.top("فرم کامل نرسید؛ لطفاً دوباره بفرستید.");
            return render(
                &desk,
                &PickupForm::default(),
                html! {},
                &errors,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let f = PickupForm {
        tracking_code: fields.text("tracking_code"),
        position: fields.text("position"),
        format: fields.text("format"),
    };
    let mut errors = Errors::default();
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
    let input = PickupInput {
        tracking_code: f.tracking_code.clone(),
        fingerprint,
    };
    match pickup(&state, &desk.staff, input).await {
        Ok(done) => delivered(
            &desk,
            &f.tracking_code,
            done.pickup_fee_rials,
            &done.chip_serial,
        ),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => failure(Some(&desk), &e),
        Err(e) if e.detail.code == "fingerprint_mismatch" => {
            let notice = flash_line(false, &e.detail.message);
            render(&desk, &f, notice, &errors, e.status)
        }
        Err(e) => {
            errors.api(&e, &FIELDS);
            render(&desk, &f, html! {}, &errors, e.status)
        }
    }
}

fn delivered(desk: &Desk, tc: &str, fee: u64, chip: &str) -> Response {
    let tc = domain::text::to_ascii_digits(tc.trim());
    let body = html! {
        section.card #delivered {
            h1 { "کارت تحویل داده شد" }
            (flash_line(true, "اثر انگشت دارنده با انگشت ثبت‌شده مطابقت داشت."))
            dl {
                dt { "کد رهگیری" }
                dd { (tracking_code(&tc)) }
                dt { "سریال تراشه" }
                dd { bdi.code #chip-serial { (chip) } }
                dt { "هزینهٔ تحویل" }
                dd.amount #fee { (rials_fa(fee)) }
            }
            p.note { "کارت اکنون فعال است. هزینهٔ تحویل را از دارنده دریافت کنید." }
            div.actions {
                a.button.primary href="/office/pickup" { "تحویل کارت دیگر" }
                a.button href={ "/office/applications/" (tc) } { "پروندهٔ درخواست" }
                a.button href="/office" { "میز دفتر" }
            }
        }
    };
    reply(StatusCode::OK, "کارت تحویل داده شد", Some(desk), body)
}

fn render(
    desk: &Desk,
    f: &PickupForm,
    notice: Markup,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let body = html! {
        section.card {
            h1 { "تحویل کارت" }
            p.lead { "کارت پس از تطبیق یک اثر انگشت دارنده با همان انگشتِ ثبت‌شده هنگام ثبت‌نام تحویل می‌شود." }
            (notice)
            (errors.top_box())
            form method="post" action="/office/pickup" enctype="multipart/form-data" id="pickup-form" novalidate {
                (text_input(
                    errors,
                    "tracking_code",
                    "کد رهگیری",
                    &f.tracking_code,
                    "دوازده رقم",
                    Input::code(20),
                ))
                div.row {
                    (select_input(errors, "position", "انگشت", &finger_choices(), &f.position))
                    (select_input(errors, "format", "قالب پرونده", &format_choices(), &f.format))
                }
                (data_field(errors, FILE_HINT))
                div.actions {
                    button type="submit" class="primary" id="pickup-submit" { "تطبیق و تحویل" }
                    a.button href="/office" { "انصراف" }
                }
            }
        }
    };
    reply(status, "تحویل کارت", Some(desk), body)
}
