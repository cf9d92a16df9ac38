//! `GET/POST /office/enroll/{tracking_code}`: the enrollment form (documents checklist, photo, ten fingers with
//! their status, format and file, signature) posted as `multipart/form-data` to the shared
//! `crate::enrollment::enroll`; a refusal shows its Persian message at the field (a finger's at its row) and
//! keeps what was chosen (files must be chosen again: browsers do not refill file inputs).
//!
//! `GET /office/receipts/{tracking_code}.pdf`: the enrollment receipt for the cookie's session, by the shared
//! `crate::cards::receipt::pdf` (same rules as the API).

use super::multipart;
use super::{desk, failure, finger_fa, flash, format_choices, message, respond, tc_fa, Desk};
use crate::enrollment::{booked_here, enroll, Documents, EnrollmentInput, FingerprintInput};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::dates::with_weekday;
use crate::web::extract::PagePath;
use crate::web::form::{options, Errors};
use crate::web::html::{escape, fa_digits};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
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

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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
            let body = format!(
                "<section class=\"card\"><h1>این درخواست منتظر ثبت‌نام نیست</h1>\
<p class=\"error\" role=\"alert\">{}</p><div class=\"actions\">\
<a class=\"button primary\" href=\"/office/applications/{code}\">پروندهٔ درخواست</a>\
<a class=\"button\" href=\"/office\">بازگشت به میز</a></div></section>",
                escape(&e.detail.message),
                code = tc.as_str(),
            );
            return Err(respond(e.status, "ثبت‌نام", Some(desk), &body));
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
    let mut fingerprints = Vec::with_capacity(10);
    for p in 1..=10usize {
        let status = fields.text(&format!("f{p}_status"));
        let format = fields.text(&format!("f{p}_format"));
        if !status.is_empty() {
            f.status[p - 1] = status.clone();
        }
        if !format.is_empty() {
            f.format[p - 1] = format.clone();
        }
        fingerprints.push(FingerprintInput {
            position: p as i64,
            status: Some(status).filter(|s| !s.is_empty()),
            format: Some(format).filter(|s| !s.is_empty()),
            data: fields.file(&format!("f{p}_file")).map(b64),
        });
    }
    let input = EnrollmentInput {
        tracking_code: tc.as_str().to_string(),
        documents: Documents {
            birth_certificate_seen: f.birth_certificate_seen,
            old_card_collected: f.old_card_collected,
        },
        photo: fields.file("photo").map(b64).unwrap_or_default(),
        fingerprints,
        signature: fields.file("signature").map(b64).unwrap_or_default(),
    };
    let capture = crate::enrollment::Capture::from_json(input);
    match async { enroll(&state, &desk.staff, capture?).await }.await {
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
    let body = format!(
        "<section class=\"card\" id=\"enrolled\"><h1>ثبت‌نام انجام شد</h1>{ok}\
<div class=\"tracking\"><p class=\"label\">کد رهگیری</p><p class=\"code\">{code}</p></div>\
<dl><dt>وضعیت</dt><dd>{state}</dd>\
<dt>جست‌وجوی تکرار اثر انگشت</dt><dd>در صف؛ نتیجه در پروندهٔ درخواست دیده می‌شود</dd></dl>\
<p class=\"note\">رسید ثبت‌نام را چاپ کنید و به متقاضی بدهید؛ تا رسیدن کارت به دفتر، چاپ دوباره رایگان است.</p>\
<div class=\"actions\"><a class=\"button primary\" id=\"receipt-link\" href=\"/office/receipts/{tc}.pdf\">چاپ رسید (PDF)</a>\
<a class=\"button\" id=\"record-link\" href=\"/office/applications/{tc}\">پروندهٔ درخواست</a>\
<a class=\"button\" href=\"/office\">بازگشت به میز</a></div></section>",
        ok = flash(true, "زیست‌سنجی و مدارک متقاضی ثبت شد."),
        code = fa_digits(tc),
        state = ApplicationState::Enrolled.fa(),
        tc = escape(tc),
    );
    respond(StatusCode::OK, "ثبت‌نام انجام شد", Some(desk), &body)
}

fn checkbox(errors: &Errors, name: &str, label: &str, checked: bool, hint: &str) -> String {
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!("<p class=\"hint\">{hint}</p>")
    };
    format!(
        "<div class=\"field{inv}\"><label class=\"choice\"><input type=\"checkbox\" id=\"{name}\" name=\"{name}\" value=\"1\"{c}{aria}> {label}</label>{hint}{err}</div>",
        inv = if errors.get(name).is_some() { " invalid" } else { "" },
        c = if checked { " checked" } else { "" },
        aria = errors.aria(name),
        err = errors.render(name),
    )
}

fn file_field(errors: &Errors, name: &str, label: &str, accept: &str, hint: &str) -> String {
    format!(
        "<div class=\"field{inv}\"><label for=\"{name}\">{label}</label>\
<input type=\"file\" id=\"{name}\" name=\"{name}\" accept=\"{accept}\"{aria}><p class=\"hint\">{hint}</p>{err}</div>",
        inv = if errors.get(name).is_some() { " invalid" } else { "" },
        aria = errors.aria(name),
        err = errors.render(name),
    )
}

fn finger_rows(f: &EnrollForm, errors: &Errors) -> String {
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
        .collect();
    let formats = format_choices();
    (1..=10u8)
        .map(|p| {
            let i = usize::from(p) - 1;
            let row = format!("f{p}");
            let name = finger_fa(p);
            format!(
                "<tr class=\"{class}\" id=\"row-{row}\"><th scope=\"row\"><span class=\"num\">{n}</span> {name}</th>\
<td><select id=\"{row}_status\" name=\"{row}_status\" aria-label=\"وضعیت {name}\"{aria}>{st}</select></td>\
<td><select id=\"{row}_format\" name=\"{row}_format\" aria-label=\"قالب {name}\"{aria}>{fm}</select></td>\
<td><input type=\"file\" id=\"{row}_file\" name=\"{row}_file\" aria-label=\"فایل {name}\"{aria}>{err}</td></tr>",
                class = if errors.get(&row).is_some() { "invalid" } else { "" },
                n = fa_digits(&p.to_string()),
                aria = errors.aria(&row),
                st = options(&statuses, &f.status[i]),
                fm = options(&formats, &f.format[i]),
                err = errors.render(&row),
            )
        })
        .collect()
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
    let who = match person {
        Some(p) => format!(
            "<dt>نام و نام خانوادگی</dt><dd>{} {}</dd><dt>نام پدر</dt><dd>{}</dd>\
<dt>تاریخ تولد</dt><dd>{}</dd>",
            escape(&p.first_name),
            escape(&p.last_name),
            escape(&p.father_name),
            p.birth_date.format_fa(),
        ),
        None => String::new(),
    };
    let appointment = app
        .appointment
        .as_ref()
        .map(|a| {
            format!(
                "<dt>نوبت</dt><dd>{} · نوبت {}</dd>",
                with_weekday(a.date),
                fa_digits(&a.slot.to_string())
            )
        })
        .unwrap_or_default();
    let old_card_hint = if matches!(app.reason, Reason::ReplaceOldCard | Reason::Damaged) {
        "برای این علت درخواست، کارت قبلی باید تحویل گرفته شود."
    } else {
        "تنها برای تعویض کارت قدیمی یا کارت خراب لازم است."
    };
    let reselect = if errors.is_empty() {
        String::new()
    } else {
        // Where the message is, for a long form: a plain link to it.
        let at = FIELD_ANCHORS
            .iter()
            .find(|(field, _)| errors.get(field).is_some())
            .map(|(_, anchor)| format!(" <a href=\"#{anchor}\" id=\"to-error\">رفتن به خطا</a>"))
            .unwrap_or_default();
        format!(
            "<p class=\"notice\">ثبت‌نام انجام نشد؛ پیام خطا کنار همان بخش آمده است.{at} \
انتخاب‌ها نگه داشته شده‌اند، اما مرورگر فایل‌ها را نگه نمی‌دارد: عکس، اثر انگشت‌ها و امضا را دوباره انتخاب کنید.</p>"
        )
    };
    let body = format!(
        "<section class=\"card\"><h1>ثبت‌نام و اخذ زیست‌سنجی</h1>\
<dl class=\"summary\"><dt>کد رهگیری</dt><dd>{code}</dd><dt>کد ملی</dt><dd><bdi class=\"code\">{nc}</bdi></dd>{who}\
<dt>علت درخواست</dt><dd>{reason}</dd>{appointment}</dl></section>\
<form method=\"post\" action=\"/office/enroll/{tc}\" enctype=\"multipart/form-data\" id=\"enroll-form\" novalidate>\
<section class=\"card\">{top}{reselect}\
<fieldset class=\"group\"><legend>مدارک</legend>{bc}{old}</fieldset>\
<fieldset class=\"group\"><legend>عکس و امضا</legend>{photo}{signature}</fieldset></section>\
<section class=\"card\"><h2>اثر انگشت‌ها</h2>\
<p class=\"note\">برای هر انگشت وضعیت، قالب پرونده و پروندهٔ دستگاه اسکن را انتخاب کنید. انگشتِ «قطع/فاقد» یا «باندپیچی» پرونده ندارد.</p>\
{fingers_error}<div class=\"scroll\"><table class=\"history fingers\" id=\"fingers\">\
<thead><tr><th scope=\"col\">انگشت</th><th scope=\"col\">وضعیت</th><th scope=\"col\">قالب</th><th scope=\"col\">پرونده</th></tr></thead>\
<tbody>{rows}</tbody></table></div>\
<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"enroll-submit\">ثبت نهایی</button>\
<a class=\"button\" href=\"/office\">انصراف</a></div></section></form>",
        code = tc_fa(tc),
        nc = escape(&fa_digits(app.national_code.as_str())),
        reason = app.reason.fa(),
        top = errors.render_top(),
        bc = checkbox(
            errors,
            "birth_certificate_seen",
            "شناسنامهٔ عکس‌دار متقاضی دیده و با او تطبیق داده شد",
            f.birth_certificate_seen,
            "",
        ),
        old = checkbox(
            errors,
            "old_card_collected",
            "کارت قبلی متقاضی تحویل گرفته شد",
            f.old_card_collected,
            old_card_hint,
        ),
        photo = file_field(
            errors,
            "photo",
            "عکس چهره",
            "image/jpeg,image/png",
            "JPEG یا PNG، ایستاده با نسبت حدود ۳ به ۴، دست‌کم ۳۰۰ × ۴۰۰ نقطه، حداکثر ۲ مگابایت",
        ),
        signature = file_field(
            errors,
            "signature",
            "امضا",
            "image/png",
            "تصویر PNG از صفحهٔ امضا",
        ),
        fingers_error = errors.render("fingerprints"),
        rows = finger_rows(f, errors),
    );
    respond(status, "ثبت‌نام", Some(desk), &body)
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
