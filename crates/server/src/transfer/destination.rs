//! `GET/POST /applications/{tc}/office`: the holder picks the office the card goes to. Before the card reaches an
//! office only the destination changes; a card already waiting is shipped to the new office (the citizen's
//! transfer, `crate::transfer::transfer_to`, the same operation as `POST /api/v1/applications/{tc}/transfer`).
//! The offices are listed by the province's area code, as when booking.

use super::transfer_to;
use crate::appointments as book;
use crate::state::AppState;
use crate::web::access::{open, Opened};
use crate::web::extract::{PageForm, PagePath, PageQuery};
use crate::web::form::{respond, see_other, text_input, Errors, Input};
use crate::web::html::{fa_digits, html, Markup};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{prefixes, ApplicationState as S, OfficeId};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Choice {
    pub area_code: String,
    pub office_id: String,
}

/// The states in which the holder may send the card elsewhere.
pub fn movable(state: S) -> bool {
    matches!(
        state,
        S::Enrolled | S::InProduction | S::ProductionFailed | S::ReadyForPickup | S::Uncollected
    )
}

pub async fn form(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    PageQuery(c): PageQuery<Choice>,
    headers: HeaderMap,
) -> Response {
    match open(&state, &headers, &tc).await {
        Ok(o) => render(&state, &o, &c, Errors::default(), StatusCode::OK).await,
        Err(r) => r,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    PagePath(tc): PagePath<String>,
    headers: HeaderMap,
    PageForm(c): PageForm<Choice>,
) -> Response {
    let o = match open(&state, &headers, &tc).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let Ok(to) = OfficeId::parse(&c.office_id) else {
        errors.field("office_id", "دفتری را انتخاب کنید");
        return render(&state, &o, &c, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match transfer_to(&state, &o.tracking, &to, "citizen".into()).await {
        Ok(_) => see_other(
            &format!("/applications/{}?notice=moved", o.tracking.as_str()),
            None,
        ),
        Err(e) => {
            errors.api(&e, &["office_id"]);
            render(&state, &o, &c, errors, e.status).await
        }
    }
}

async fn offices(state: &AppState, c: &Choice, errors: &mut Errors) -> Markup {
    if c.area_code.trim().is_empty() {
        return html! {};
    }
    let province = match book::province_of_area_code(&c.area_code) {
        Ok(p) => p,
        Err(e) => {
            errors.api(&e, &["area_code"]);
            return html! {};
        }
    };
    let list = match state.store.offices_in_province(province.code()).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "destination page: offices failed");
            errors.top("فهرست دفترها در دسترس نیست؛ کمی بعد دوباره تلاش کنید.");
            return html! {};
        }
    };
    html! {
        section.card {
            h2 { "دفترهای استان " (province.name_fa) }
            form method="post" id="office-form" novalidate {
                ul.offices #offices {
                    @for (i, o) in list.iter().enumerate() {
                        li.office {
                            input type="radio" name="office_id" id={ "office-" (i + 1) } value=(o.id.as_str());
                            label for={ "office-" (i + 1) } {
                                strong { bdi { (o.name) } }
                                span.where {
                                    span.kind { (o.kind.fa()) } " " bdi { (o.city) } "، " bdi { (o.address) }
                                }
                            }
                        }
                    }
                }
                (errors.beside("office_id"))
                div.actions {
                    button type="submit" class="primary" id="office-submit" { "ارسال کارت به این دفتر" }
                }
            }
        }
    }
}

async fn render(
    state: &AppState,
    o: &Opened,
    c: &Choice,
    mut errors: Errors,
    status: StatusCode,
) -> Response {
    let tc = o.tracking.as_str();
    let back = html! {
        p.links { a href={ "/applications/" (tc) } id="back-link" { "بازگشت به صفحهٔ درخواست" } }
    };
    if !movable(o.app.state) {
        let body = html! {
            section.card {
                h1 { "تغییر دفتر تحویل" }
                p id="not-movable" {
                    "کارتِ درخواستی که در وضعیت «" (o.app.state.fa()) "» است به دفتر دیگری فرستاده نمی‌شود."
                }
            }
            (back)
        };
        return respond(StatusCode::CONFLICT, "تغییر دفتر تحویل", body);
    }
    let list = offices(state, c, &mut errors).await;
    let area = if c.area_code.is_empty() {
        prefixes::province_of(o.app.national_code.prefix())
            .map(|p| fa_digits(p.province().area_code))
            .unwrap_or_default()
    } else {
        c.area_code.clone()
    };
    let waiting = matches!(o.app.state, S::ReadyForPickup | S::Uncollected);
    let lead = if waiting {
        "کارت شما در دفتر آمادهٔ تحویل است. اگر جای دیگری زندگی می‌کنید، دفتر تازه را انتخاب کنید تا کارت به آن فرستاده شود؛ پس از رسیدن، پیامک می‌گیرید."
    } else {
        "کارت شما هنوز به دفتر نرسیده است. دفتری را که می‌خواهید کارت را از آن تحویل بگیرید انتخاب کنید."
    };
    let body = html! {
        section.card {
            p.steps { "کد رهگیری " bdi dir="ltr" { (fa_digits(tc)) } }
            h1 { "تغییر دفتر تحویل کارت" }
            p.lead { (lead) }
            (errors.top_box())
            form method="get" id="area-form" novalidate {
                (text_input(&errors, "area_code", "پیش‌شمارهٔ استان", &area,
                    "مانند ۰۲۶ برای البرز یا ۰۲۱ برای تهران", Input::digits(4).class("short")))
                div.actions { button type="submit" class="primary" id="search-submit" { "نمایش دفترها" } }
            }
        }
        (list)
        (back)
    };
    respond(status, "تغییر دفتر تحویل", body)
}
