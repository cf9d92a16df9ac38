//! `GET/POST /office/enroll/{tracking_code}`: the enrollment form (documents checklist, photo, ten fingers with
//! their status, format and file, signature) posted as `multipart/form-data` to the shared
//! `crate::enrollment::enroll`; a refusal shows its Persian message at the field (a finger's at its row) and
//! keeps what was chosen (files must be chosen again: browsers do not refill file inputs).
//!
//! `GET /office/receipts/{tracking_code}.pdf`: the enrollment receipt for the cookie's session, by the shared
//! `crate::cards::receipt::pdf` (same rules as the API).

use crate::enrollment::{booked_here, enroll, finger_status, Capture, CapturedFinger, Documents};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::dates::with_weekday;
use crate::web::extract::PagePath;
use crate::web::form::{option_list, Errors};
use crate::web::html::{column_heads, fa_digits, html, Markup};
use crate::web::office::multipart;
use crate::web::office::{
    desk, failure, finger_fa, flash_line, format_choices, message, reply, tracking_code, Desk,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{ApplicationState, Person, Reason, TrackingCode};
use store::journey::Application;

const STATUSES: [(&str, &str); 3] = [
    ("captured", "ثبت‌شده"),
    ("missing", "قطع/فاقد"),
    ("bandaged", "باندپیچی/غیرقابل ثبت"),
];

/// What the operator chose, kept when the form comes back with an error.
#[derive(Debug, Clone)]
pub struct EnrollForm {
    pub birth_certificate_seen: bool,
    pub old_card_collected: bool,
    /// Per finger (index = position − 1).
    pub status: [String; 10],
    pub format: [String; 10],
}

impl Default for EnrollForm {
    fn default() -> Self {
        Self {
            birth_certificate_seen: false,
            old_card_collected: false,
            status: std::array::from_fn(|_| "captured".to_string()),
            format: std::array::from_fn(|_| "iso19794_2".to_string()),
        }
    }
}

/// The form's fields in page order, with where the page shows each one's message.
const FIELD_ANCHORS: [(&str, &str); 15] = [
    ("birth_certificate_seen", "birth_certificate_seen"),
    ("old_card_collected", "old_card_collected"),
    ("photo", "photo"),
    ("signature", "signature"),
    ("fingerprints", "fingers"),
    ("f1", "row-f1"),
    ("f2", "row-f2"),
    ("f3", "row-f3"),
    ("f4", "row-f4"),
    ("f5", "row-f5"),
    ("f6", "row-f6"),
    ("f7", "row-f7"),
    ("f8", "row-f8"),
    ("f9", "row-f9"),
    ("f10", "row-f10"),
];

/// The form's field for an API field: `fingerprints[3].data` is finger 4's row (`f4`).
pub fn form_field(api_field: &str) -> Option<String> {
    match api_field {
        "documents.birth_certificate_seen" => Some("birth_certificate_seen".into()),
        "documents.old_card_collected" => Some("old_card_collected".into()),
        "photo" | "signature" | "fingerprints" => Some(api_field.into()),
        f => {
            let rest = f.strip_prefix("fingerprints[")?;
            let i: usize = rest[..rest.find(']')?].parse().ok()?;
            (i < 10).then(|| format!("f{}", i + 1))
        }
    }
}

/// The page for a tracking code that is not one.
fn bad_code(desk: &Desk, e: &domain::ValidationError) -> Response {
    message(Some(desk), StatusCode::NOT_FOUND, "پیدا نشد", &e.message_fa)
}

/// The application and its person, if it waits for enrollment at this office; else the refusal as a page.
async fn booked(
    state: &AppState,
    desk: &Desk,
    tc: &TrackingCode,
) -> Result<(Application, Option<Person>), Response> {
    let app = match booked_here(state, &desk.staff, tc).await {
        Ok(a) => a,
        Err(e) if e.detail.code == "invalid_transition" => {
            // Already enrolled (or further on): the record says where it stands.
            let body = html! {
                section.card {
                    h1 { "این درخواست منتظر ثبت‌نام نیست" }
                    p.error role="alert" { (e.detail.message) }
                    div.actions {
                        a.button.primary href={ "/office/applications/" (tc.as_str()) } { "پروندهٔ درخواست" }
                        a.button href="/office" { "بازگشت به میز" }
                    }
                }
            };
            return Err(reply(e.status, "ثبت‌نام", Some(desk), body));
        }
        Err(e) => return Err(failure(Some(desk), &e)),
    };
    let person = state
        .store
        .person(&app.national_code)
        .await
        .map_err(|e| failure(Some(desk), &ApiError::from(e)))?;
    Ok((app, person))
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let tc = match TrackingCode::parse(&code) {
        Ok(t) => t,
        Err(e) => return bad_code(&desk, &e),
    };
    match booked(&state, &desk, &tc).await {
        Ok((app, person)) => render(
            &desk,
            &app,
            person.as_ref(),
            &EnrollForm::default(),
            &Errors::default(),
            StatusCode::OK,
        ),
        Err(r) => r,
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
        Err(e) => return bad_code(&desk, &e),
    };
    let (app, person) = match booked(&state, &desk, &tc).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = match multipart::request_fields(&headers, body).await {
        Ok(fields) => fields,
        Err(_) => {
            let mut errors = Errors::default();
            errors.top("فرم کامل نرسید؛ لطفاً فایل‌ها را دوباره انتخاب کنید و فرم را بفرستید.");
            return render(
                &desk,
                &app,
                person.as_ref(),
                &EnrollForm::default(),
                &errors,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let mut f = EnrollForm {
        birth_certificate_seen: fields.checked("birth_certificate_seen"),
        old_card_collected: fields.checked("old_card_collected"),
        ..EnrollForm::default()
    };
    // One pass over the ten rows: what was chosen is kept for the page, and each finger is read for the capture
    // (the first unreadable status refuses it, at its row).
    let mut fingerprints = Vec::with_capacity(10);
    let mut refused = None;
    for p in 1..=10usize {
        let status = fields.text(&format!("f{p}_status"));
        let format = fields.text(&format!("f{p}_format"));
        match finger_status(p - 1, Some(status.as_str()).filter(|s| !s.is_empty())) {
            Ok(parsed) => fingerprints.push(CapturedFinger {
                position: p as i64,
                status: parsed,
                format: Some(format.clone()).filter(|s| !s.is_empty()),
                data: fields.file(&format!("f{p}_file")).map(<[u8]>::to_vec),
            }),
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
        if !status.is_empty() {
            f.status[p - 1] = status;
        }
        if !format.is_empty() {
            f.format[p - 1] = format;
        }
    }
    let done = match refused {
        Some(e) => Err(e),
        None => {
            let capture = Capture {
                tracking: tc,
                documents: Documents {
                    birth_certificate_seen: f.birth_certificate_seen,
                    old_card_collected: f.old_card_collected,
                },
                photo: fields.file("photo").map(<[u8]>::to_vec).unwrap_or_default(),
                fingerprints,
                signature: fields
                    .file("signature")
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            };
            enroll(&state, &desk.staff, capture).await
        }
    };
    match done {
        Ok(done) => enrolled(&desk, &done.tracking_code),
        Err(e) => {
            if e.status == StatusCode::UNAUTHORIZED {
                return failure(Some(&desk), &e);
            }
            let mut errors = Errors::default();
            match e.detail.field.as_deref().and_then(form_field) {
                Some(field) => errors.field(&field, e.detail.message.clone()),
                None => errors.top(e.detail.message.clone()),
            }
            render(&desk, &app, person.as_ref(), &f, &errors, e.status)
        }
    }
}

fn enrolled(desk: &Desk, tc: &str) -> Response {
    let body = html! {
        section.card #enrolled {
            h1 { "ثبت‌نام انجام شد" }
            (flash_line(true, "زیست‌سنجی و مدارک متقاضی ثبت شد."))
            div.tracking {
                p.label { "کد رهگیری" }
                p.code { (fa_digits(tc)) }
            }
            dl {
                dt { "وضعیت" }
                dd { (ApplicationState::Enrolled.fa()) }
                dt { "جست‌وجوی تکرار اثر انگشت" }
                dd { "در صف؛ نتیجه در پروندهٔ درخواست دیده می‌شود" }
            }
            p.note { "رسید ثبت‌نام را چاپ کنید و به متقاضی بدهید؛ تا رسیدن کارت به دفتر، چاپ دوباره رایگان است." }
            div.actions {
                a.button.primary id="receipt-link" href={ "/office/receipts/" (tc) ".pdf" } { "چاپ رسید (PDF)" }
                a.button id="record-link" href={ "/office/applications/" (tc) } { "پروندهٔ درخواست" }
                a.button href="/office" { "بازگشت به میز" }
            }
        }
    };
    reply(StatusCode::OK, "ثبت‌نام انجام شد", Some(desk), body)
}

/// `field` or `field invalid`, for a field's box.
fn field_class(errors: &Errors, name: &str) -> &'static str {
    if errors.get(name).is_some() {
        "field invalid"
    } else {
        "field"
    }
}

fn checkbox(errors: &Errors, name: &str, label: &str, checked: bool, hint: &str) -> Markup {
    html! {
        div class=(field_class(errors, name)) {
            label.choice {
                input type="checkbox" id=(name) name=(name) value="1" checked[checked]
                    aria-invalid=[errors.invalid(name)] aria-describedby=[errors.described_by(name)];
                " " (label)
            }
            @if !hint.is_empty() { p.hint { (hint) } }
            (errors.beside(name))
        }
    }
}

fn file_field(errors: &Errors, name: &str, label: &str, accept: &str, hint: &str) -> Markup {
    html! {
        div class=(field_class(errors, name)) {
            label for=(name) { (label) }
            input type="file" id=(name) name=(name) accept=(accept) aria-invalid=[errors.invalid(name)]
                aria-describedby=[errors.described_by(name)];
            p.hint { (hint) }
            (errors.beside(name))
        }
    }
}

fn finger_rows(f: &EnrollForm, errors: &Errors) -> Markup {
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
        .collect();
    let formats = format_choices();
    html! {
        @for p in 1..=10u8 {
            @let i = usize::from(p) - 1;
            @let row = format!("f{p}");
            @let name = finger_fa(p);
            @let invalid = errors.invalid(&row);
            @let described_by = errors.described_by(&row);
            tr class=(if errors.get(&row).is_some() { "invalid" } else { "" }) id={ "row-" (row) } {
                th scope="row" { span.num { (fa_digits(&p.to_string())) } " " (name) }
                td {
                    select id={ (row) "_status" } name={ (row) "_status" } aria-label={ "وضعیت " (name) }
                        aria-invalid=[invalid] aria-describedby=[described_by.as_deref()] {
                        (option_list(&statuses, &f.status[i]))
                    }
                }
                td {
                    select id={ (row) "_format" } name={ (row) "_format" } aria-label={ "قالب " (name) }
                        aria-invalid=[invalid] aria-describedby=[described_by.as_deref()] {
                        (option_list(&formats, &f.format[i]))
                    }
                }
                td {
                    input type="file" id={ (row) "_file" } name={ (row) "_file" } aria-label={ "فایل " (name) }
                        aria-invalid=[invalid] aria-describedby=[described_by.as_deref()];
                    (errors.beside(&row))
                }
            }
        }
    }
}

fn render(
    desk: &Desk,
    app: &Application,
    person: Option<&Person>,
    f: &EnrollForm,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let tc = app.tracking_code.as_str();
    let old_card_hint = if matches!(app.reason, Reason::ReplaceOldCard | Reason::Damaged) {
        "برای این علت درخواست، کارت قبلی باید تحویل گرفته شود."
    } else {
        "تنها برای تعویض کارت قدیمی یا کارت خراب لازم است."
    };
    // Where the message is, for a long form: a plain link to it.
    let error_anchor = FIELD_ANCHORS
        .iter()
        .find(|(field, _)| errors.get(field).is_some())
        .map(|(_, anchor)| *anchor);
    let body = html! {
        section.card {
            h1 { "ثبت‌نام و اخذ زیست‌سنجی" }
            dl.summary {
                dt { "کد رهگیری" }
                dd { (tracking_code(tc)) }
                dt { "کد ملی" }
                dd { bdi.code { (fa_digits(app.national_code.as_str())) } }
                @if let Some(p) = person {
                    dt { "نام و نام خانوادگی" }
                    dd { (p.first_name) " " (p.last_name) }
                    dt { "نام پدر" }
                    dd { (p.father_name) }
                    dt { "تاریخ تولد" }
                    dd { (p.birth_date.format_fa()) }
                }
                dt { "علت درخواست" }
                dd { (app.reason.fa()) }
                @if let Some(a) = &app.appointment {
                    dt { "نوبت" }
                    dd { (with_weekday(a.date)) " · نوبت " (fa_digits(&a.slot.to_string())) }
                }
            }
        }
        form method="post" action={ "/office/enroll/" (tc) } enctype="multipart/form-data" id="enroll-form"
            novalidate {
            section.card {
                (errors.top_box())
                @if !errors.is_empty() {
                    p.notice {
                        "ثبت‌نام انجام نشد؛ پیام خطا کنار همان بخش آمده است."
                        @if let Some(anchor) = error_anchor {
                            " " a href={ "#" (anchor) } id="to-error" { "رفتن به خطا" }
                        }
                        " انتخاب‌ها نگه داشته شده‌اند، اما مرورگر فایل‌ها را نگه نمی‌دارد: عکس، اثر انگشت‌ها و امضا را دوباره انتخاب کنید."
                    }
                }
                fieldset.group {
                    legend { "مدارک" }
                    (checkbox(
                        errors,
                        "birth_certificate_seen",
                        "شناسنامهٔ عکس‌دار متقاضی دیده و با او تطبیق داده شد",
                        f.birth_certificate_seen,
                        "",
                    ))
                    (checkbox(
                        errors,
                        "old_card_collected",
                        "کارت قبلی متقاضی تحویل گرفته شد",
                        f.old_card_collected,
                        old_card_hint,
                    ))
                }
                fieldset.group {
                    legend { "عکس و امضا" }
                    (file_field(
                        errors,
                        "photo",
                        "عکس چهره",
                        "image/jpeg,image/png",
                        "JPEG یا PNG، ایستاده با نسبت حدود ۳ به ۴، دست‌کم ۳۰۰ × ۴۰۰ نقطه، حداکثر ۲ مگابایت",
                    ))
                    (file_field(errors, "signature", "امضا", "image/png", "تصویر PNG از صفحهٔ امضا"))
                }
            }
            section.card {
                h2 { "اثر انگشت‌ها" }
                p.note {
                    "برای هر انگشت وضعیت، قالب پرونده و پروندهٔ دستگاه اسکن را انتخاب کنید. انگشتِ «قطع/فاقد» یا «باندپیچی» پرونده ندارد."
                }
                (errors.beside("fingerprints"))
                div.scroll {
                    table.history.fingers #fingers {
                        (column_heads(&["انگشت", "وضعیت", "قالب", "پرونده"]))
                        tbody { (finger_rows(f, errors)) }
                    }
                }
                div.actions {
                    button type="submit" class="primary" id="enroll-submit" { "ثبت نهایی" }
                    a.button href="/office" { "انصراف" }
                }
            }
        }
    };
    reply(status, "ثبت‌نام", Some(desk), body)
}

pub async fn receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(file): PagePath<String>,
) -> Response {
    let desk = match desk(&state, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(code) = file.strip_suffix(".pdf") else {
        return failure(Some(&desk), &ApiError::not_found("رسید", "receipt"));
    };
    let tc = match TrackingCode::parse(code) {
        Ok(t) => t,
        Err(e) => return bad_code(&desk, &e),
    };
    match crate::cards::receipt::pdf(&state, &desk.office, &tc).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"receipt-{}.pdf\"", tc.as_str()),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => failure(Some(&desk), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::form_field;

    #[test]
    fn api_fields_map_to_the_form() {
        assert_eq!(form_field("fingerprints[3].data").as_deref(), Some("f4"));
        assert_eq!(form_field("fingerprints[0].status").as_deref(), Some("f1"));
        assert_eq!(form_field("fingerprints[10].data"), None);
        assert_eq!(form_field("fingerprints").as_deref(), Some("fingerprints"));
        assert_eq!(
            form_field("documents.old_card_collected").as_deref(),
            Some("old_card_collected")
        );
        assert_eq!(form_field("photo").as_deref(), Some("photo"));
        assert_eq!(form_field("tracking_code"), None);
    }
}
