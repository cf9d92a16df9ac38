//! The administrators' pages of visits (Persian, right to left, no JavaScript), under `/admin` where the staff
//! cookie lives: the list with the form that plans a visit and the home-visit requests waiting by area (each
//! with a button that groups them into a visit); one visit with its edit form, people, cards to hand over,
//! invoice and recorded changes. A liaison sees the list of the visits they are named on, with the roster form.
//! The pages only read forms and render: the rules are the API's operations.

use super::api::{detail, handover_of, visible};
use super::home::{self, GroupInput};
use super::{admin_scope, is_liaison, VisitInput, VisitPatch};
use crate::admin::login;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::dates::{day_fa, time_fa};
use crate::web::extract::{PageForm, PagePath};
use crate::web::form::{message_page, respond, see_other, select_input, text_input, Errors, Input};
use crate::web::html::{column_heads, fa_count, fa_digits, html, rials_fa, Markup};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::InstitutionKind;
use serde::Deserialize;
use store::visits::Visit;

/// The member of staff of the request's cookie, or the login page.
pub async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Staff, Response> {
    login::staff(state, headers)
        .await
        .ok_or_else(|| see_other("/admin/login", None))
}

fn forbidden() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "دسترسی ندارید",
        "بازدیدهای واحدهای سیار را مدیران کشوری و استانی و رابطان مؤسسه‌ها می‌بینند.",
    )
}

fn failure(e: &ApiError) -> Response {
    message_page(e.status, "انجام نشد", &e.detail.message)
}

fn kind_choices() -> Vec<(String, String)> {
    InstitutionKind::ALL
        .into_iter()
        .map(|k| (k.as_str().to_string(), k.fa().to_string()))
        .collect()
}

fn visits_table(visits: &[Visit], liaison: bool) -> Markup {
    html! {
        @if visits.is_empty() {
            p.note { "بازدیدی برنامه‌ریزی نشده است." }
        } @else {
            div.scroll {
                table class="history" id="visits" {
                    (column_heads(&["روز", "واحد", "نوع", "مؤسسه", "نوبت / ظرفیت", ""]))
                    tbody {
                        @for v in visits {
                            tr {
                                td { (v.date.format_fa()) }
                                td { bdi dir="ltr" { (v.unit.as_str()) } }
                                td { (v.kind.fa()) }
                                td { (v.institution_name) }
                                td { (fa_count(u64::from(v.booked))) " / " (fa_count(u64::from(v.capacity))) }
                                td {
                                    @if liaison {
                                        a href={ "/admin/visits/" (v.id) "/roster" } { "فرستادن فهرست" }
                                    } @else {
                                        a href={ "/admin/visits/" (v.id) } { "جزئیات" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn create_form(errors: &Errors, f: &VisitForm) -> Markup {
    html! {
        section.card id="plan" {
            h2 { "برنامه‌ریزی بازدید تازه" }
            (errors.top_box())
            form method="post" action="/admin/visits" {
                (text_input(errors, "unit_id", "شناسهٔ واحد سیار", &f.unit_id, "مثلاً \u{2066}30-9001\u{2069}", Input::digits(7)))
                (select_input(errors, "institution_kind", "نوع مؤسسه", &kind_choices(), &f.institution_kind))
                (text_input(errors, "institution_name", "نام مؤسسه", &f.institution_name, "", Input::default()))
                (text_input(errors, "address", "نشانی", &f.address, "", Input::default()))
                (text_input(errors, "date_jalali", "روز بازدید", &f.date_jalali, "به شکل \u{2066}1405-09-20\u{2069}", Input::digits(10)))
                (text_input(errors, "capacity", "ظرفیت (نفر)", &f.capacity, "", Input::digits(4)))
                (text_input(errors, "liaison", "نام کاربری رابط مؤسسه", &f.liaison, "اختیاری؛ کاربری با نقش رابط", Input::code(64)))
                div.actions { button class="primary" type="submit" id="plan-visit" { "ثبت بازدید" } }
            }
        }
    }
}

fn home_requests(areas: &[home::AreaRequests], errors: &Errors, f: &GroupForm) -> Markup {
    html! {
        section.card id="home-requests" {
            h2 { "درخواست‌های بازدید در منزل در انتظار" }
            @if areas.is_empty() {
                p.note { "درخواستی در انتظار نیست." }
            }
            (errors.top_box())
            @for a in areas {
                h3 { (a.area) " — " (fa_count(a.requests.len() as u64)) " درخواست" }
                ul {
                    @for r in &a.requests {
                        li { bdi dir="ltr" { (r.tracking_code) } " · " (r.address) }
                    }
                }
                form method="post" action="/admin/visits/group-home" class="inline" {
                    input type="hidden" name="area" value=(a.area);
                    div.field {
                        label { "شناسهٔ واحد سیار" }
                        input name="unit_id" dir="ltr" value=(f.unit_id) required;
                    }
                    div.field {
                        label { "روز بازدید" }
                        input name="date_jalali" dir="ltr" value=(f.date_jalali) placeholder="1405-09-25" required;
                    }
                    div.actions { button class="primary" type="submit" { "تشکیل بازدید در منزل" } }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    pub unit_id: String,
    #[serde(default)]
    pub institution_kind: String,
    #[serde(default)]
    pub institution_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub date_jalali: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub liaison: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub unit_id: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub date_jalali: String,
}

/// A number typed with ASCII, Persian or Arabic-Indic digits.
fn capacity_of(s: &str) -> Result<u32, ApiError> {
    let ascii: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            c => c,
        })
        .collect();
    ascii.parse::<u32>().map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_capacity",
            "ظرفیت باید عدد باشد",
            "capacity must be a number",
        )
        .with_field("capacity")
    })
}

const FIELDS: [&str; 7] = [
    "unit_id",
    "institution_kind",
    "institution_name",
    "address",
    "date_jalali",
    "capacity",
    "liaison",
];

async fn render_list(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    errors: &Errors,
    form: &VisitForm,
    group_errors: &Errors,
    group: &GroupForm,
) -> Response {
    if is_liaison(staff) {
        let mine: Vec<Visit> = match state.store.visits(None).await {
            Ok(v) => v
                .into_iter()
                .filter(|v| v.liaison.as_deref() == Some(staff.username.as_str()))
                .collect(),
            Err(e) => return failure(&e.into()),
        };
        let body = html! {
            section.card {
                h1 { "بازدیدهای واحد سیار از مؤسسهٔ شما" }
                p.lead { "کاربر: " bdi { (staff.username) } }
                (visits_table(&mine, true))
            }
        };
        return respond(status, "بازدیدهای واحد سیار", body);
    }
    let Ok(scope) = admin_scope(staff) else {
        return forbidden();
    };
    let (visits, areas) = match (
        visible(state, staff, None).await,
        home::waiting(state, scope).await,
    ) {
        (Ok(v), Ok(a)) => (v, a),
        (Err(e), _) | (_, Err(e)) => return failure(&e),
    };
    let body = html! {
        section.card {
            h1 { "بازدیدهای واحدهای سیار" }
            p.lead { "کاربر: " bdi { (staff.username) } " · " a href="/admin/stats" { "آمار" } }
            (visits_table(&visits, false))
        }
        (create_form(errors, form))
        (home_requests(&areas, group_errors, group))
    };
    respond(status, "بازدیدهای واحدهای سیار", body)
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = VisitForm {
        institution_kind: "prison".into(),
        ..VisitForm::default()
    };
    render_list(
        &state,
        &staff,
        StatusCode::OK,
        &Errors::default(),
        &form,
        &Errors::default(),
        &GroupForm::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(f): PageForm<VisitForm>,
) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let done = match capacity_of(&f.capacity) {
        Ok(capacity) => {
            let input = VisitInput {
                unit_id: f.unit_id.clone(),
                institution_kind: f.institution_kind.clone(),
                institution_name: f.institution_name.clone(),
                address: f.address.clone(),
                date_jalali: f.date_jalali.clone(),
                capacity,
                liaison: Some(f.liaison.clone()),
                area: None,
            };
            super::create(&state, &staff, &input).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(v) => see_other(&format!("/admin/visits/{}", v.id), None),
        Err(e) if e.status == StatusCode::FORBIDDEN => forbidden(),
        Err(e) => {
            let mut errors = Errors::default();
            errors.api(&e, &FIELDS);
            render_list(
                &state,
                &staff,
                e.status,
                &errors,
                &f,
                &Errors::default(),
                &GroupForm::default(),
            )
            .await
        }
    }
}

pub async fn group_home(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(f): PageForm<GroupForm>,
) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input = GroupInput {
        unit_id: f.unit_id.clone(),
        area: f.area.clone(),
        date_jalali: f.date_jalali.clone(),
        capacity: None,
    };
    match home::group(&state, &staff, &input).await {
        Ok(g) => see_other(&format!("/admin/visits/{}", g.visit_id), None),
        Err(e) if e.status == StatusCode::FORBIDDEN => forbidden(),
        Err(e) => {
            let mut errors = Errors::default();
            errors.top(format!("«{}»: {}", f.area, e.detail.message));
            let form = VisitForm {
                institution_kind: "prison".into(),
                ..VisitForm::default()
            };
            render_list(
                &state,
                &staff,
                e.status,
                &Errors::default(),
                &form,
                &errors,
                &f,
            )
            .await
        }
    }
}

/// An event's instant (RFC 3339) as a Persian day and time, Tehran.
fn when(at: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => {
            let t = t.with_timezone(&chrono::Utc);
            format!("{} {}", day_fa(t), time_fa(t))
        }
        Err(_) => at.to_string(),
    }
}

async fn render_visit(
    state: &AppState,
    staff: &Staff,
    id: i64,
    status: StatusCode,
    errors: &Errors,
) -> Response {
    let v = match super::visit_for_admin(state, staff, id).await {
        Ok(v) => v,
        Err(e) if e.status == StatusCode::FORBIDDEN => return forbidden(),
        Err(e) => return failure(&e),
    };
    let (d, h) = match (detail(state, &v).await, handover_of(state, &v).await) {
        (Ok(d), Ok(h)) => (d, h),
        (Err(e), _) | (_, Err(e)) => return failure(&e),
    };
    let fee = state.settings.unit_fees.of(v.kind);
    let body = html! {
        section.card {
            h1 { "بازدید " (fa_digits(&v.id.to_string())) ": " (v.institution_name) }
            p.lead {
                (v.kind.fa()) " · " (v.date.format_fa()) " · واحد " bdi dir="ltr" { (v.unit.as_str()) }
                " · نوبت " (fa_count(u64::from(v.booked))) " از " (fa_count(u64::from(v.capacity)))
            }
            p { "نشانی: " (v.address) }
            p { "هزینه: " (fee.fa()) }
            p {
                "رابط: " @if let Some(l) = &v.liaison { bdi { (l) } } @else { "—" }
                " · " a href={ "/admin/visits/" (v.id) "/roster" } id="roster-link" { "فرستادن فهرست" }
                " · " a href="/admin/visits" { "همهٔ بازدیدها" }
            }
        }
        section.card id="edit" {
            h2 { "ویرایش" }
            (errors.top_box())
            form method="post" action={ "/admin/visits/" (v.id) } {
                (text_input(errors, "institution_name", "نام مؤسسه", &v.institution_name, "", Input::default()))
                (text_input(errors, "address", "نشانی", &v.address, "", Input::default()))
                (text_input(errors, "date_jalali", "روز بازدید", &v.date.to_string(), "پس از نوبت‌دهی تغییر نمی‌کند", Input::digits(10)))
                (text_input(errors, "capacity", "ظرفیت (نفر)", &v.capacity.to_string(), "", Input::digits(4)))
                (text_input(errors, "liaison", "نام کاربری رابط", v.liaison.as_deref().unwrap_or(""), "خالی: بدون رابط", Input::code(64)))
                div.actions { button class="primary" type="submit" id="save-visit" { "ذخیره" } }
            }
        }
        section.card id="people" {
            h2 { "نوبت‌گرفتگان (" (fa_count(d.roster.len() as u64)) ")" }
            @if d.roster.is_empty() { p.note { "هنوز کسی روی این بازدید نوبت ندارد." } } @else {
                div.scroll {
                    table class="history" {
                        (column_heads(&["سطر", "کد رهگیری", "کد ملی", "وضعیت"]))
                        tbody {
                            @for r in &d.roster {
                                tr {
                                    td { (fa_digits(&r.line.to_string())) }
                                    td { bdi dir="ltr" { (r.tracking_code) } }
                                    td { bdi dir="ltr" { (r.national_code) } }
                                    td { (r.state_fa) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card id="handover" {
            h2 { "کارت‌ها برای بازدید بازگشت" }
            p.lead {
                "آمادهٔ تحویل در واحد: " strong { (fa_count(h.ready.len() as u64)) }
                " · در راه: " (fa_count(u64::from(h.coming)))
                " · تحویل‌شده: " (fa_count(u64::from(h.delivered)))
            }
            @if !h.ready.is_empty() {
                ul {
                    @for r in &h.ready { li { bdi dir="ltr" { (r.tracking_code) } " · " (r.state_fa) } }
                }
                p.note { "تحویل با تطبیق اثر انگشت در صفحهٔ تحویل کارت واحد سیار انجام می‌شود." }
            }
        }
        @if let Some(i) = &d.invoice {
            section.card id="invoice" {
                h2 { "صورت‌حساب مؤسسه" }
                p { (fa_count(u64::from(i.people))) " نفر · " (rials_fa(i.amount_rials)) " · "
                    @if i.state == "paid" { "پرداخت‌شده" } @else { "پرداخت‌نشده" } }
            }
        }
        section.card id="events" {
            h2 { "سابقهٔ تغییرات" }
            ul {
                @for e in &d.events {
                    li {
                        (when(&e.at)) " · " bdi { (e.actor) } " · " bdi dir="ltr" { (e.what) }
                    }
                }
            }
        }
    };
    respond(status, "بازدید واحد سیار", body)
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if is_liaison(&staff) {
        return see_other(&format!("/admin/visits/{id}/roster"), None);
    }
    render_visit(&state, &staff, id, StatusCode::OK, &Errors::default()).await
}

pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<VisitForm>,
) -> Response {
    let staff = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let done = match capacity_of(&f.capacity) {
        Ok(capacity) => {
            let patch = VisitPatch {
                institution_name: Some(f.institution_name.clone()),
                address: Some(f.address.clone()),
                date_jalali: Some(f.date_jalali.clone()),
                capacity: Some(capacity),
                liaison: Some(f.liaison.clone()),
            };
            super::edit(&state, &staff, id, &patch).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(v) => see_other(&format!("/admin/visits/{}", v.id), None),
        Err(e) => {
            let mut errors = Errors::default();
            errors.api(&e, &FIELDS);
            render_visit(&state, &staff, id, e.status, &errors).await
        }
    }
}
