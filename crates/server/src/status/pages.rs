//! Tracking (`GET` and `POST /track`): national code and tracking code together open the application's page
//! (the citizen's cookie is set); lookups are rate-limited per client and per national code.

use crate::client::ClientAddr;
use crate::payment::api::tracking;
use crate::state::AppState;
use crate::status;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::form::{respond, see_other, text_input, Errors, Input};
use crate::web::html::{fa_digits, html};
use crate::web::session::Citizen;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::{AtField, NationalCode};
use serde::Deserialize;
use std::time::SystemTime;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TrackForm {
    pub national_code: String,
    pub tracking_code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackQuery {
    /// The tracking code to fill in (an application's page sends people here with it).
    pub tc: String,
}

const FIELDS: [&str; 2] = ["national_code", "tracking_code"];

pub async fn form(PageQuery(q): PageQuery<TrackQuery>) -> Response {
    let f = TrackForm {
        tracking_code: fa_digits(&q.tc),
        ..TrackForm::default()
    };
    render(&f, &Errors::default(), StatusCode::OK)
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(f): PageForm<TrackForm>,
) -> Response {
    let mut errors = Errors::default();
    let code = NationalCode::parse(&f.national_code).at("national_code");
    if let Err(e) = &code {
        errors.field("national_code", e.error.message_fa.clone());
    }
    let tc = tracking(&f.tracking_code);
    if let Err(e) = &tc {
        errors.api(e, &FIELDS);
    }
    let (Ok(code), Ok(tc)) = (code, tc) else {
        return render(&f, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let found = match status::limit(&state, &client, &code).await {
        Ok(()) => status::lookup(&state, &code, &tc).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(_) => {
            let cookie = Citizen {
                national_code: code.as_str().into(),
                tracking_code: tc.as_str().into(),
            }
            .set_cookie(
                &state.services.web_secret,
                SystemTime::now(),
                state.settings.https(),
            );
            see_other(&format!("/applications/{}", tc.as_str()), Some(cookie))
        }
        Err(e) => {
            errors.api(&e, &FIELDS);
            render(&f, &errors, e.status)
        }
    }
}

fn render(f: &TrackForm, errors: &Errors, status: StatusCode) -> Response {
    let body = html! {
        section.card {
            h1 { "پیگیری وضعیت درخواست" }
            p.lead { "کد ملی و کد رهگیری دوازده‌رقمی را که هنگام ثبت‌نام گرفتید وارد کنید." }
            (errors.top_box())
            form method="post" action="/track" id="track-form" novalidate {
                (text_input(errors, "national_code", "کد ملی", &f.national_code, "", Input::code(14)))
                (text_input(errors, "tracking_code", "کد رهگیری", &f.tracking_code, "دوازده رقم",
                    Input::code(20)))
                div.actions { button type="submit" class="primary" id="track-submit" { "نمایش وضعیت" } }
            }
        }
        p.links { "درخواستی ندارید؟ " a href="/register" { "ثبت‌نام کارت هوشمند ملی" } }
    };
    respond(status, "پیگیری وضعیت", body)
}
