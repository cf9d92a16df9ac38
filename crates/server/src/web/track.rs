//! Tracking (`GET` and `POST /track`): national code and tracking code together open the application's page
//! (the citizen's cookie is set); lookups are rate-limited per client and per national code.

use crate::citizen::payments::tracking;
use crate::client::ClientAddr;
use crate::journey::status;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::form::{html, see_other, text_field, Errors};
use crate::web::html::fa_digits;
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
    let found = match status::limit(&state, &client, &code) {
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
    let body = format!(
        r#"<section class="card">
<h1>پیگیری وضعیت درخواست</h1>
<p class="lead">کد ملی و کد رهگیری دوازده‌رقمی را که هنگام ثبت‌نام گرفتید وارد کنید.</p>
{top}
<form method="post" action="/track" id="track-form" novalidate>
{national_code}
{tracking_code}
<div class="actions"><button type="submit" class="primary" id="track-submit">نمایش وضعیت</button></div>
</form>
</section>
<p class="links">درخواستی ندارید؟ <a href="/register">ثبت‌نام کارت هوشمند ملی</a></p>"#,
        top = errors.render_top(),
        national_code = text_field(
            errors,
            "national_code",
            "کد ملی",
            &f.national_code,
            "",
            r#" inputmode="numeric" autocomplete="off" maxlength="14" dir="ltr""#,
        ),
        tracking_code = text_field(
            errors,
            "tracking_code",
            "کد رهگیری",
            &f.tracking_code,
            "دوازده رقم",
            r#" inputmode="numeric" autocomplete="off" maxlength="20" dir="ltr""#,
        ),
    );
    html(status, "پیگیری وضعیت", &body)
}
