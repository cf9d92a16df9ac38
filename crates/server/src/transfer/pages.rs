//! `POST /office/applications/{tracking_code}/transfer`: the record page's form that brings a card to this
//! office for a holder who moved and stands at the desk: their national code and one finger (position, capture
//! format, the scanner's file) go to the shared `crate::transfer::with_holder`, the same check the API
//! makes. A mismatch is recorded and invites another finger.

use crate::error::ApiError;
use crate::state::AppState;
use crate::transfer::{with_holder, OfficeTransferInput};
use crate::web::extract::PagePath;
use crate::web::form::{see_other, select_input, text_input, Errors, Input};
use crate::web::html::{html, Markup};
use crate::web::office::multipart;
use crate::web::office::record::render;
use crate::web::office::{
    data_field, desk, failure, finger_choices, format_choices, Desk, FILE_HINT,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::TrackingCode;

/// What the form sends besides the file, as typed (kept to fill the form again).
#[derive(Debug, Clone)]
pub struct TransferForm {
    pub national_code: String,
    pub position: String,
    pub format: String,
}

impl Default for TransferForm {
    fn default() -> Self {
        Self {
            national_code: String::new(),
            position: "2".into(),
            format: "iso19794_2".into(),
        }
    }
}

const FIELDS: [&str; 4] = ["national_code", "position", "format", "data"];

/// The form, for the record page (and for the page that refuses another office's record).
pub fn section(tc: &str, desk: &Desk, f: &TransferForm, errors: &Errors) -> Markup {
    html! {
        section.card #transfer {
            h2 { "ارسال کارت به این دفتر" }
            p.note {
                "اگر دارنده جابه‌جا شده و می‌خواهد کارت را در «" (desk.office_name) "» بگیرد، کارت با حضور خود او به این دفتر "
                "فرستاده می‌شود: کد ملی او و یک اثر انگشت که با همان انگشتِ ثبت‌شده هنگام ثبت‌نام تطبیق داده می‌شود "
                "(پیش از صدور، تنها مقصد عوض می‌شود)."
            }
            (errors.top_box())
            form method="post" action={ "/office/applications/" (tc) "/transfer" } enctype="multipart/form-data"
                id="transfer-form" novalidate {
                (text_input(
                    errors,
                    "national_code",
                    "کد ملی دارنده",
                    &f.national_code,
                    "ده رقم، از روی کارت یا شناسنامهٔ دارنده",
                    Input::code(20),
                ))
                div.row {
                    (select_input(errors, "position", "انگشت", &finger_choices(), &f.position))
                    (select_input(errors, "format", "قالب پرونده", &format_choices(), &f.format))
                }
                (data_field(errors, FILE_HINT))
                div.actions {
                    button type="submit" class="primary" id="transfer-submit" { "تطبیق و ارسال کارت به این دفتر" }
                }
            }
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
    body: Bytes,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let tc = match TrackingCode::parse(&code) {
        Ok(t) => t,
        Err(e) => return failure(Some(&desk), &ApiError::validation(e)),
    };
    let mut errors = Errors::default();
    let Ok(fields) = multipart::request_fields(&headers, body).await else {
        errors.top("فرم کامل نرسید؛ لطفاً دوباره بفرستید.");
        let f = TransferForm::default();
        return render(
            &state,
            &desk,
            &tc,
            html! {},
            &errors,
            &f,
            Some(StatusCode::BAD_REQUEST),
        )
        .await;
    };
    let f = TransferForm {
        national_code: fields.text("national_code"),
        position: fields.text("position"),
        format: fields.text("format"),
    };
    let unprocessable = Some(StatusCode::UNPROCESSABLE_ENTITY);
    let fingerprint = match fields.probe() {
        Ok(p) => p,
        Err((field, message)) => {
            errors.field(field, message);
            return render(&state, &desk, &tc, html! {}, &errors, &f, unprocessable).await;
        }
    };
    let input = OfficeTransferInput {
        national_code: f.national_code.clone(),
        fingerprint,
    };
    match with_holder(&state, &desk.staff, tc.as_str(), &input).await {
        Ok(o) => see_other(
            &format!(
                "/office/applications/{}?transferred={}",
                tc.as_str(),
                if o.outcome == "shipped" {
                    "shipped"
                } else {
                    "redirected"
                }
            ),
            None,
        ),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => failure(Some(&desk), &e),
        Err(e) => {
            errors.api(&e, &FIELDS);
            render(&state, &desk, &tc, html! {}, &errors, &f, Some(e.status)).await
        }
    }
}
