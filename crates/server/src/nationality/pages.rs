//! The pages of nationality cases (Persian, right to left, Jalali dates, Persian digits, no JavaScript): the
//! portal's tracking by case number and mobile; the administrators' table of open cases by province, age and
//! stage, and the committee's list, file and decision form (under `/admin`, with the administrators' login); the
//! registry office's list of its cases, each case's file and the evidence form. The pages call the same
//! operations as the API and show its refusals in Persian.

use super::api::{track_case, view, TrackQuery};
use super::decide::DecisionInput;
use super::file::{EvidenceInput, WitnessInput};
use crate::admin::login;
use crate::client::ClientAddr;
use crate::state::{tehran_day, AppState};
use crate::web::extract::{PageForm, PageQuery};
use crate::web::form::{message_page, respond, see_other, text_input, Errors, Input};
use crate::web::html::{column_heads, fa_count, fa_digits, html, Markup};
use crate::web::office::{desk, failure, reply};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::nationality::{Decision, EvidenceKind, Ground};
use domain::{CaseNumber, CaseState, Province, Role};
use serde::Deserialize;
use store::nationality::CaseFile;

fn day_fa(at: chrono::DateTime<chrono::Utc>) -> String {
    tehran_day(at).map(|d| d.format_fa()).unwrap_or_default()
}

// --- The portal: tracking -------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackForm {
    pub case_number: String,
    pub mobile: String,
}

/// `GET /nationality/track`: the form, and with both fields the case's state.
pub async fn track(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageQuery(f): PageQuery<TrackForm>,
) -> Response {
    let mut errors = Errors::default();
    let mut result = html! {};
    let mut status = StatusCode::OK;
    if !f.case_number.trim().is_empty() || !f.mobile.trim().is_empty() {
        let q = TrackQuery {
            mobile: Some(f.mobile.clone()),
        };
        match track_case(&state, &client, &f.case_number, &q).await {
            Ok(t) => {
                let updated = chrono::DateTime::parse_from_rfc3339(&t.updated_at)
                    .map(|d| day_fa(d.with_timezone(&chrono::Utc)))
                    .unwrap_or_default();
                result = html! {
                    section.card id="case-state" {
                        h2 { "پرونده " span dir="ltr" { (fa_digits(&t.status.case_number)) } }
                        p.lead { strong { (t.status.state_fa) } }
                        p { "آخرین تغییر: " (updated) }
                    }
                };
            }
            Err(e) => {
                status = e.status;
                errors.api(&e, &["case_number", "mobile"]);
            }
        }
    }
    let body = html! {
        section.card {
            h1 { "پیگیری پروندهٔ تعیین تابعیت" }
            p.lead { "شمارهٔ پرونده (روی سند موقت هویت) و شمارهٔ همراهی را که هنگام تشکیل پرونده دادید وارد کنید." }
            (errors.top_box())
            form method="get" action="/nationality/track" novalidate {
                (text_input(&errors, "case_number", "شمارهٔ پرونده", &f.case_number, "ده رقم و یک حرف لاتین، روی سند موقت هویت", Input::code(20)))
                (text_input(&errors, "mobile", "تلفن همراه", &f.mobile, "۰۹۱۲…", Input::code(16)))
                div.actions { button type="submit" class="primary" { "نمایش وضعیت" } }
            }
        }
        (result)
    };
    respond(status, "پیگیری پروندهٔ تابعیت", body)
}

// --- Administrators and the committee ----------------------------------------------------------------------------

/// Age bands of the applicants of open cases, by their year of birth.
const AGE_BANDS: [(&str, i32, i32); 4] = [
    ("زیر ۱۵ سال", 0, 14),
    ("۱۵ تا ۲۹ سال", 15, 29),
    ("۳۰ تا ۴۹ سال", 30, 49),
    ("۵۰ سال و بیشتر", 50, 200),
];

const OPEN_STATES: [CaseState; 6] = [
    CaseState::Open,
    CaseState::IdentityConflict,
    CaseState::InquiriesPending,
    CaseState::MoreEvidence,
    CaseState::AgeCommission,
    CaseState::Court,
];

/// `GET /admin/nationality`: for administrators the open cases by province, stage and age; for the committee,
/// the cases of its province with links to their files.
pub async fn admin(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(staff) = login::staff(&state, &headers).await else {
        return see_other("/admin/login", None);
    };
    if staff.role == Role::NationalityCommittee {
        return committee_list(&state, staff.province).await;
    }
    if !matches!(staff.role, Role::NationalAdmin | Role::ProvinceAdmin) {
        return message_page(
            StatusCode::FORBIDDEN,
            "دسترسی ندارید",
            "این صفحه برای مدیران و کمیسیون تابعیت است.",
        );
    }
    let cases = match state.store.open_cases().await {
        Ok(c) => c,
        Err(e) => return failure(None, &e.into()),
    };
    let year = crate::state::today().year();
    let rows: Vec<(&Province, Vec<u64>, Vec<u64>)> = Province::all()
        .iter()
        .filter(|p| staff.role == Role::NationalAdmin || staff.province == Some(p.code()))
        .map(|p| {
            let mine: Vec<_> = cases.iter().filter(|c| c.province == p.code()).collect();
            let by_state: Vec<u64> = OPEN_STATES
                .iter()
                .map(|s| mine.iter().filter(|c| c.state == *s).count() as u64)
                .collect();
            let by_age: Vec<u64> = AGE_BANDS
                .iter()
                .map(|(_, lo, hi)| {
                    mine.iter()
                        .filter(|c| (*lo..=*hi).contains(&(year - c.birth_year)))
                        .count() as u64
                })
                .collect();
            (p, by_state, by_age)
        })
        .filter(|(_, s, _)| s.iter().sum::<u64>() > 0)
        .collect();
    let mut heads = vec!["استان"];
    heads.extend(OPEN_STATES.iter().map(|s| s.fa()));
    heads.extend(AGE_BANDS.iter().map(|(n, _, _)| *n));
    heads.push("جمع");
    let body = html! {
        section.card {
            h1 { "پرونده‌های باز تعیین تابعیت" }
            p.lead { "پرونده‌های تعیین‌تکلیف‌نشده به تفکیک استان، مرحله و سن متقاضی (" (fa_count(cases.len() as u64)) " پرونده)." }
            @if rows.is_empty() {
                p { "پروندهٔ بازی نیست." }
            } @else {
                table id="open-cases" {
                    (column_heads(&heads))
                    tbody {
                        @for (p, by_state, by_age) in &rows {
                            tr {
                                th scope="row" { (p.name_fa) }
                                @for n in by_state { td { (fa_count(*n)) } }
                                @for n in by_age { td { (fa_count(*n)) } }
                                td { strong { (fa_count(by_state.iter().sum())) } }
                            }
                        }
                    }
                }
            }
            p.links { a href="/admin/stats" { "آمار استان‌ها" } }
        }
    };
    respond(StatusCode::OK, "پرونده‌های تابعیت", body)
}

async fn committee_list(state: &AppState, province: Option<domain::ProvinceCode>) -> Response {
    let cases = match state.store.cases_for_committee(province, 200).await {
        Ok(c) => c,
        Err(e) => return failure(None, &e.into()),
    };
    let body = html! {
        section.card {
            h1 { "پرونده‌های کمیسیون تابعیت" }
            table id="committee-cases" {
                (column_heads(&["شمارهٔ پرونده", "متقاضی", "سال تولد", "وضعیت", "تشکیل"]))
                tbody {
                    @for c in &cases {
                        tr {
                            td dir="ltr" { a href={"/admin/nationality/" (c.number)} { (fa_digits(&c.number.to_string())) } }
                            td { (c.applicant.first_name) " " (c.applicant.last_name) }
                            td { (fa_digits(&c.applicant.birth_year.to_string())) }
                            td { (c.state.fa()) }
                            td { (day_fa(c.opened_at)) }
                        }
                    }
                }
            }
        }
    };
    respond(StatusCode::OK, "کمیسیون تابعیت", body)
}

/// A case's file as the committee and the office read it.
fn file_markup(file: &CaseFile) -> Markup {
    let v = view(file);
    let c = &file.case;
    html! {
        section.card id="case-file" {
            h1 { "پرونده " span dir="ltr" { (fa_digits(&v.status.case_number)) } }
            p.lead { "وضعیت: " strong { (v.status.state_fa) } }
            dl {
                dt { "متقاضی" } dd { (v.first_name) " " (v.last_name) }
                dt { "نام پدر" } dd { (v.father_name.clone().unwrap_or_else(|| "—".into())) }
                dt { "نام مادر" } dd { (v.mother_name.clone().unwrap_or_else(|| "—".into())) }
                dt { "سال و محل تولد (اظهاری)" } dd { (fa_digits(&v.birth_year_jalali.to_string())) "، " (v.birth_place) }
                dt { "تشکیل" } dd { (day_fa(c.opened_at)) " · " (v.opened_by) }
                @if let Some(code) = &v.national_code { dt { "کد ملی تخصیص‌یافته" } dd dir="ltr" { (fa_digits(code)) } }
                @if let Some(tc) = &v.application { dt { "درخواست کارت" } dd dir="ltr" { (fa_digits(tc)) } }
            }
            @if !v.identity_hits.is_empty() {
                p.error { "اثر انگشت متقاضی با " (fa_count(v.identity_hits.len() as u64)) " نفر ثبت‌نام‌شده مطابقت دارد." }
            }
            h2 { "مدارک" }
            @if file.evidence.is_empty() { p { "مدرکی ثبت نشده است." } } @else {
                table {
                    (column_heads(&["نوع", "شرح", "ثبت"]))
                    tbody { @for e in &file.evidence { tr { td { (e.kind.fa()) } td { (e.note) } td { (day_fa(e.by.at)) } } } }
                }
            }
            h2 { "استعلام‌ها" }
            @if file.inquiries.is_empty() { p { "استعلامی فرستاده نشده است؛ با نخستین مدرک فرستاده می‌شود." } } @else {
            table {
                (column_heads(&["مرجع", "پاسخ", "شرح"]))
                tbody {
                    @for i in &file.inquiries {
                        tr {
                            td { (i.kind.fa()) }
                            td { (i.outcome.map(|o| o.fa()).unwrap_or("در انتظار پاسخ")) }
                            td { (i.answer.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
            }
            h2 { "تصمیم‌ها و سابقه" }
            ul {
                @for d in &file.decisions { li { (d.decision.fa()) " · " (d.ground.fa()) " · " (day_fa(d.by.at)) } }
                @for h in &file.history { li { (h.to.fa()) " · " (h.by.actor) " · " (day_fa(h.by.at)) } }
            }
        }
    }
}

async fn case_for_committee(
    state: &AppState,
    headers: &HeaderMap,
    number: &str,
) -> Result<(crate::auth::Staff, CaseFile), Response> {
    let Some(staff) = login::staff(state, headers).await else {
        return Err(see_other("/admin/login", None));
    };
    if staff.role != Role::NationalityCommittee {
        return Err(message_page(
            StatusCode::FORBIDDEN,
            "دسترسی ندارید",
            "پرونده را کمیسیون تابعیت می‌بیند.",
        ));
    }
    let found = match CaseNumber::parse(number) {
        Ok(n) => state.store.case_by_number(&n).await.ok().flatten(),
        Err(_) => None,
    };
    match found {
        Some(f) if staff.province.is_none_or(|p| p == f.case.province) => Ok((staff, f)),
        _ => Err(message_page(
            StatusCode::NOT_FOUND,
            "پرونده پیدا نشد",
            "پرونده‌ای با این شماره در استان شما نیست.",
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub ground: String,
    /// One member a line.
    pub members: String,
    pub note: String,
}

fn decision_form(number: &str, f: &DecisionForm, errors: &Errors) -> Markup {
    html! {
        section.card {
            h2 { "تصمیم کمیسیون" }
            (errors.top_box())
            form method="post" action={"/admin/nationality/" (number)} {
                div.field {
                    label for="decision" { "تصمیم" }
                    select id="decision" name="decision" {
                        @for d in Decision::ALL { option value=(d.as_str()) selected[f.decision == d.as_str()] { (d.fa()) } }
                    }
                }
                div.field {
                    label for="ground" { "مبنا" }
                    select id="ground" name="ground" {
                        @for g in Ground::ALL { option value=(g.as_str()) selected[f.ground == g.as_str()] { (g.fa()) } }
                    }
                }
                div.field {
                    label for="members" { "اعضای حاضر (هر نفر در یک سطر، دست‌کم سه نفر)" }
                    textarea id="members" name="members" rows="4" { (f.members) }
                }
                div.field {
                    label for="note" { "شرح" }
                    textarea id="note" name="note" rows="3" { (f.note) }
                }
                div.actions { button type="submit" class="primary" { "ثبت تصمیم" } }
            }
        }
    }
}

/// `GET /admin/nationality/{case_number}`: the file and the decision form.
pub async fn committee_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    let (_, file) = match case_for_committee(&state, &headers, &number).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let n = file.case.number.to_string();
    let body = html! {
        (file_markup(&file))
        @if file.case.state == CaseState::Open { (decision_form(&n, &DecisionForm::default(), &Errors::default())) }
    };
    respond(StatusCode::OK, "پروندهٔ تابعیت", body)
}

/// `POST /admin/nationality/{case_number}`: the committee's decision.
pub async fn committee_decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> Response {
    let (staff, file) = match case_for_committee(&state, &headers, &number).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = DecisionInput {
        decision: f.decision.clone(),
        members: f
            .members
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        ground: Some(f.ground.clone()),
        note: f.note.clone(),
    };
    let n = file.case.number.to_string();
    match super::decide::decide(&state, &staff, &n, input).await {
        Ok(_) => see_other(&format!("/admin/nationality/{n}"), None),
        Err(e) => {
            let mut errors = Errors::default();
            errors.top(format!("{} ({})", e.detail.message, e.detail.code));
            let body = html! { (file_markup(&file)) (decision_form(&n, &f, &errors)) };
            respond(e.status, "پروندهٔ تابعیت", body)
        }
    }
}

// --- The registry office -----------------------------------------------------------------------------------------

/// `GET /office/nationality`: the office's cases and the opening form.
pub async fn office_list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let d = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    office_list_page(
        &state,
        &d,
        &OpenForm::default(),
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

async fn office_list_page(
    state: &AppState,
    d: &crate::web::office::Desk,
    f: &OpenForm,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let cases = match state.store.cases_of_office(&d.office, 200).await {
        Ok(c) => c,
        Err(e) => return failure(Some(d), &e.into()),
    };
    let body = html! {
        section.card {
            h1 { "پرونده‌های تعیین تابعیت" }
            @if cases.is_empty() { p { "پرونده‌ای در این اداره گشوده نشده است." } } @else {
                table id="office-cases" {
                    (column_heads(&["شمارهٔ پرونده", "متقاضی", "وضعیت", "تشکیل"]))
                    tbody {
                        @for c in &cases {
                            tr {
                                td dir="ltr" { a href={"/office/nationality/" (c.number)} { (fa_digits(&c.number.to_string())) } }
                                td { (c.applicant.first_name) " " (c.applicant.last_name) }
                                td { (c.state.fa()) }
                                td { (day_fa(c.opened_at)) }
                            }
                        }
                    }
                }
            }
        }
        (open_form(f, errors))
    };
    reply(status, "پرونده‌های تابعیت", Some(d), body)
}

/// The opening form's text fields (the photo and fingers are files).
#[derive(Debug, Default, Clone)]
pub struct OpenForm {
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub mother_name: String,
    pub gender: String,
    pub birth_place: String,
    pub birth_year_jalali: String,
    pub mobile: String,
    pub address: String,
}

const OPEN_FIELDS: [&str; 9] = [
    "first_name",
    "last_name",
    "father_name",
    "mother_name",
    "gender",
    "birth_place",
    "birth_year_jalali",
    "mobile",
    "address",
];

fn open_form(f: &OpenForm, errors: &Errors) -> Markup {
    let formats = crate::web::office::format_choices();
    html! {
        section.card {
            h2 { "تشکیل پرونده" }
            p.lead { "مشخصات متقاضی، عکس و ده اثر انگشت؛ اثر انگشت‌ها با همهٔ ثبت‌نام‌شدگان مقایسه می‌شود." }
            (errors.top_box())
            form method="post" action="/office/nationality" enctype="multipart/form-data" {
                (text_input(errors, "first_name", "نام", &f.first_name, "", Input::default()))
                (text_input(errors, "last_name", "نام خانوادگی", &f.last_name, "", Input::default()))
                (text_input(errors, "father_name", "نام پدر (در صورت آگاهی)", &f.father_name, "", Input::default()))
                (text_input(errors, "mother_name", "نام مادر (در صورت آگاهی)", &f.mother_name, "", Input::default()))
                div.field {
                    label for="gender" { "جنسیت" }
                    select id="gender" name="gender" {
                        option value="female" selected[f.gender == "female"] { "زن" }
                        option value="male" selected[f.gender == "male"] { "مرد" }
                    }
                }
                (text_input(errors, "birth_place", "محل تولد", &f.birth_place, "", Input::default()))
                (text_input(errors, "birth_year_jalali", "سال تولد (اظهاری)", &f.birth_year_jalali, "چهار رقم، مانند ۱۳۸۰", Input::digits(4)))
                (text_input(errors, "mobile", "تلفن همراه", &f.mobile, "برای پیگیری و پیامک تصمیم", Input::code(16)))
                (text_input(errors, "address", "نشانی", &f.address, "", Input::default()))
                div.field {
                    label for="photo" { "عکس (JPEG یا PNG)" }
                    input type="file" id="photo" name="photo" accept="image/jpeg,image/png";
                    (errors.beside("photo"))
                }
                table {
                    (column_heads(&["انگشت", "وضعیت", "قالب", "فایل"]))
                    tbody {
                        @for p in 1..=10u8 {
                            tr {
                                th scope="row" { (fa_digits(&p.to_string())) }
                                td {
                                    select name={ "f" (p) "_status" } aria-label={ "وضعیت انگشت " (p) } {
                                        option value="captured" { "گرفته شد" }
                                        option value="missing" { "ناموجود" }
                                        option value="bandaged" { "باندپیچی" }
                                    }
                                }
                                td { select name={ "f" (p) "_format" } aria-label={ "قالب انگشت " (p) } { (crate::web::form::option_list(&formats, "iso19794_2")) } }
                                td { input type="file" name={ "f" (p) "_file" } aria-label={ "فایل انگشت " (p) }; }
                            }
                        }
                    }
                }
                (errors.beside("fingerprints"))
                div.actions { button type="submit" class="primary" { "تشکیل پرونده" } }
            }
        }
    }
}

/// `POST /office/nationality`: opens a case from the form, then shows it.
pub async fn open_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let d = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Ok(fields) = crate::web::office::multipart::request_fields(&headers, body).await else {
        let mut errors = Errors::default();
        errors.top("فرم کامل نرسید؛ لطفاً فایل‌ها را دوباره انتخاب کنید و فرم را بفرستید.");
        return office_list_page(
            &state,
            &d,
            &OpenForm::default(),
            &errors,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let f = OpenForm {
        first_name: fields.text("first_name"),
        last_name: fields.text("last_name"),
        father_name: fields.text("father_name"),
        mother_name: fields.text("mother_name"),
        gender: fields.text("gender"),
        birth_place: fields.text("birth_place"),
        birth_year_jalali: fields.text("birth_year_jalali"),
        mobile: fields.text("mobile"),
        address: fields.text("address"),
    };
    let input = super::open::OpenCaseInput {
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        father_name: Some(f.father_name.clone()),
        mother_name: Some(f.mother_name.clone()),
        gender: f.gender.clone(),
        birth_place: f.birth_place.clone(),
        birth_year_jalali: serde_json::Value::String(f.birth_year_jalali.clone()),
        mobile: Some(f.mobile.clone()),
        religion: None,
        address: Some(f.address.clone()),
        photo: String::new(),
        fingerprints: Vec::new(),
    };
    let mut prints = Vec::with_capacity(10);
    let mut refused = None;
    for p in 1..=10usize {
        let status = fields.text(&format!("f{p}_status"));
        match crate::enrollment::finger_status(
            p - 1,
            Some(status.as_str()).filter(|s| !s.is_empty()),
        ) {
            Ok(status) => prints.push(crate::enrollment::CapturedFinger {
                position: p as i64,
                status,
                format: Some(fields.text(&format!("f{p}_format"))).filter(|s| !s.is_empty()),
                data: fields
                    .file(&format!("f{p}_file"))
                    .filter(|b| !b.is_empty())
                    .map(<[u8]>::to_vec),
            }),
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    let done = match (refused, super::open::applicant(&input)) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(applicant)) => {
            let photo = fields.file("photo").map(<[u8]>::to_vec).unwrap_or_default();
            super::open::open_capture(&state, &d.staff, applicant, photo, prints).await
        }
    };
    match done {
        Ok(opened) => see_other(
            &format!("/office/nationality/{}", opened.status.case_number),
            None,
        ),
        Err(e) => {
            let mut errors = Errors::default();
            errors.api(&e, &OPEN_FIELDS);
            office_list_page(&state, &d, &f, &errors, e.status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EvidenceForm {
    pub kind: String,
    pub note: String,
    pub witness1_name: String,
    pub witness1_certification: String,
    pub witness2_name: String,
    pub witness2_certification: String,
    pub parent_national_code: String,
    pub kinship_confirmed: String,
    pub birth_year_jalali: String,
    pub ruling: String,
    pub ruling_number: String,
}

fn evidence_form(number: &str, f: &EvidenceForm, errors: &Errors) -> Markup {
    html! {
        section.card {
            h2 { "افزودن مدرک" }
            (errors.top_box())
            form method="post" action={"/office/nationality/" (number)} {
                div.field {
                    label for="kind" { "نوع مدرک" }
                    select id="kind" name="kind" {
                        @for k in EvidenceKind::ALL { option value=(k.as_str()) selected[f.kind == k.as_str()] { (k.fa()) } }
                    }
                }
                (text_input(errors, "note", "شرح", &f.note, "", Input::default()))
                fieldset {
                    legend { "گواهان (استشهادیه)" }
                    (text_input(errors, "witness1_name", "نام گواه اول", &f.witness1_name, "", Input::default()))
                    (text_input(errors, "witness1_certification", "کد ملی یا شمارهٔ گواهی امضای گواه اول", &f.witness1_certification, "", Input::code(20)))
                    (text_input(errors, "witness2_name", "نام گواه دوم", &f.witness2_name, "", Input::default()))
                    (text_input(errors, "witness2_certification", "کد ملی یا شمارهٔ گواهی امضای گواه دوم", &f.witness2_certification, "", Input::code(20)))
                }
                fieldset {
                    legend { "آزمایش DNA، کمیسیون سن، حکم دادگاه" }
                    (text_input(errors, "parent_national_code", "کد ملی پدر یا مادر ایرانی", &f.parent_national_code, "", Input::code(14)))
                    div.field {
                        label for="kinship_confirmed" { "نتیجهٔ آزمایش" }
                        select id="kinship_confirmed" name="kinship_confirmed" {
                            option value="" { "—" }
                            option value="yes" selected[f.kinship_confirmed == "yes"] { "خویشاوندی تأیید شد" }
                            option value="no" selected[f.kinship_confirmed == "no"] { "خویشاوندی تأیید نشد" }
                        }
                    }
                    (text_input(errors, "birth_year_jalali", "سال تولد تعیین‌شده در کمیسیون", &f.birth_year_jalali, "", Input::digits(4)))
                    div.field {
                        label for="ruling" { "رأی دادگاه" }
                        select id="ruling" name="ruling" {
                            option value="" { "—" }
                            option value="iranian" selected[f.ruling == "iranian"] { "احراز تابعیت ایرانی" }
                            option value="not_iranian" selected[f.ruling == "not_iranian"] { "عدم احراز تابعیت ایرانی" }
                        }
                    }
                    (text_input(errors, "ruling_number", "شمارهٔ دادنامه", &f.ruling_number, "", Input::code(30)))
                }
                div.actions { button type="submit" class="primary" { "ثبت مدرک" } }
            }
        }
    }
}

/// `GET /office/nationality/{case_number}`: the case's file and the evidence form.
pub async fn office_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    let d = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match super::case_at_desk(&state, &d.staff, &number).await {
        Ok((_, file)) => office_page(
            &d,
            &file,
            &EvidenceForm::default(),
            &Errors::default(),
            StatusCode::OK,
        ),
        Err(e) => failure(Some(&d), &e),
    }
}

fn office_page(
    d: &crate::web::office::Desk,
    file: &CaseFile,
    f: &EvidenceForm,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let n = file.case.number.to_string();
    let body = html! {
        (file_markup(file))
        @if !file.case.state.is_final() {
            p.links { a href={"/api/v1/office/nationality-cases/" (n) "/document.pdf"} { "سند موقت هویت (PDF، با نشست API)" } }
        }
        @if file.case.state.takes_evidence() { (evidence_form(&n, f, errors)) }
    };
    reply(status, "پروندهٔ تابعیت", Some(d), body)
}

/// `POST /office/nationality/{case_number}`: evidence from the form.
pub async fn evidence_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    PageForm(f): PageForm<EvidenceForm>,
) -> Response {
    let d = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let witnesses: Vec<WitnessInput> = [
        (&f.witness1_name, &f.witness1_certification),
        (&f.witness2_name, &f.witness2_certification),
    ]
    .into_iter()
    .filter(|(n, c)| !n.trim().is_empty() || !c.trim().is_empty())
    .map(|(n, c)| WitnessInput {
        name: n.clone(),
        certification: c.clone(),
    })
    .collect();
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let input = EvidenceInput {
        kind: f.kind.clone(),
        note: f.note.clone(),
        document: None,
        witnesses: Some(witnesses),
        parent_national_code: opt(&f.parent_national_code),
        kinship_confirmed: match f.kinship_confirmed.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        birth_year_jalali: opt(&f.birth_year_jalali).map(serde_json::Value::String),
        ruling: opt(&f.ruling),
        ruling_number: opt(&f.ruling_number),
    };
    match super::file::add_evidence(&state, &d.staff, &number, input).await {
        Ok(added) => see_other(
            &format!("/office/nationality/{}", added.status.case_number),
            None,
        ),
        Err(e) => match super::case_at_desk(&state, &d.staff, &number).await {
            Ok((_, file)) => {
                let mut errors = Errors::default();
                errors.top(format!("{} ({})", e.detail.message, e.detail.code));
                office_page(&d, &file, &f, &errors, e.status)
            }
            Err(_) => failure(Some(&d), &e),
        },
    }
}
