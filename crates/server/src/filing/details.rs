//! Registration, step two (`POST /register/details`): birth dates, gender, religion, mother's name, mobile and
//! reason. Refuses a missing, forged or expired step-one token (back to step one); proposes the lunar birth date
//! from the solar one when asked or when it is left empty; files through `filing` and opens the
//! application's page with the citizen's cookie.

use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::filing::step_one::{self, Step1Form};
use crate::filing::{self as file, ApplicationInput, BirthCertificateInput, Filer};
use crate::state::{today, AppState};
use crate::web::dates::{self, Picked};
use crate::web::extract::PageForm;
use crate::web::form::{
    date_input, hidden_input, respond, see_other, select_input, text_input, Errors, Input,
};
use crate::web::html::{fa_digits, html, Markup};
use crate::web::session::{Citizen, Refused, Step1};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::{Channel, Gender, JalaliDate, Reason, Religion};
use serde::Deserialize;
use std::time::SystemTime;

/// Step two's fields, with step one's carried as hidden fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Details {
    pub national_code: String,
    pub series_letter: String,
    pub series_number: String,
    pub serial: String,
    pub token: String,
    pub birth_day: String,
    pub birth_month: String,
    pub birth_year: String,
    pub lunar_day: String,
    pub lunar_month: String,
    pub lunar_year: String,
    pub gender: String,
    pub religion: String,
    pub mother_name: String,
    pub mobile: String,
    pub reason: String,
    /// `propose_lunar` fills the lunar date from the solar one; anything else files.
    pub action: String,
}

const FIELDS: [&str; 7] = [
    "birth_date_jalali",
    "birth_date_hijri",
    "gender",
    "religion",
    "mother_name",
    "mobile",
    "reason",
];

/// What step two's own checks make of a form.
pub enum Checked {
    Ready(Box<ApplicationInput>),
    Again {
        errors: Errors,
        note: &'static str,
        status: StatusCode,
    },
}

/// Lunar years offered (births from 1300 Solar Hijri on fall within them).
const LUNAR_YEARS: (i32, i32) = (1320, 1460);
const FIRST_SOLAR_YEAR: i32 = 1300;

const NOTE_PROPOSED: &str =
    "تاریخ قمری از روی تاریخ شمسی محاسبه شد. تاریخ قمری رسمی ممکن است یکی دو روز \
با آن فرق کند؛ آن را با شناسنامهٔ خود مقایسه و در صورت نیاز اصلاح کنید.";

impl Details {
    pub fn new(step1: Step1, token: String) -> Self {
        Self {
            national_code: step1.national_code,
            series_letter: step1.series_letter,
            series_number: step1.series_number,
            serial: step1.serial,
            token,
            ..Self::default()
        }
    }

    fn step1(&self) -> Step1 {
        Step1 {
            national_code: self.national_code.clone(),
            series_letter: self.series_letter.clone(),
            series_number: self.series_number.clone(),
            serial: self.serial.clone(),
        }
    }

    fn propose_lunar(&mut self, solar: JalaliDate) {
        let h = solar.to_hijri();
        self.lunar_year = h.year().to_string();
        self.lunar_month = h.month().to_string();
        self.lunar_day = h.day().to_string();
    }

    /// Step two's own checks (dates picked, choices made; the lunar date proposed when asked or left empty):
    /// the application's input when they pass, the form again otherwise. The rules themselves are the filing's.
    pub fn check(&mut self) -> Checked {
        let d = self;
        let mut errors = Errors::default();
        let solar = match dates::ymd(&d.birth_year, &d.birth_month, &d.birth_day) {
            Picked::Date(s) => match JalaliDate::parse(&s) {
                Ok(date) => Some(date),
                Err(e) => {
                    errors.field("birth_date_jalali", e.message_fa);
                    None
                }
            },
            _ => {
                errors.field(
                    "birth_date_jalali",
                    "روز، ماه و سال تولد شمسی را انتخاب کنید",
                );
                None
            }
        };
        let lunar = dates::ymd(&d.lunar_year, &d.lunar_month, &d.lunar_day);
        if d.action == "propose_lunar" || lunar == Picked::Nothing {
            let note = match solar {
                Some(s) => {
                    d.propose_lunar(s);
                    NOTE_PROPOSED
                }
                None => "",
            };
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Checked::Again {
                errors,
                note,
                status,
            };
        }
        if lunar == Picked::Partly {
            errors.field(
                "birth_date_hijri",
                "روز، ماه و سال تولد قمری را کامل انتخاب کنید",
            );
        }
        for (value, field, message) in [
            (&d.gender, "gender", "جنسیت را انتخاب کنید"),
            (&d.religion, "religion", "دین را انتخاب کنید"),
            (&d.mother_name, "mother_name", "نام مادر را وارد کنید"),
            (&d.mobile, "mobile", "شمارهٔ همراه را وارد کنید"),
            (&d.reason, "reason", "علت درخواست را انتخاب کنید"),
        ] {
            if value.trim().is_empty() {
                errors.field(field, message);
            }
        }
        if !errors.is_empty() {
            return Checked::Again {
                errors,
                note: "",
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
        }
        Checked::Ready(Box::new(ApplicationInput {
            national_code: d.national_code.clone(),
            birth_certificate: BirthCertificateInput {
                series_letter: d.series_letter.clone(),
                series_number: d.series_number.clone(),
                serial: d.serial.clone(),
            },
            birth_date_jalali: format!("{}-{}-{}", d.birth_year, d.birth_month, d.birth_day),
            birth_date_hijri: format!("{}-{}-{}", d.lunar_year, d.lunar_month, d.lunar_day),
            gender: d.gender.clone(),
            religion: d.religion.clone(),
            mother_name: d.mother_name.clone(),
            mobile: d.mobile.clone(),
            reason: d.reason.clone(),
            captcha_id: None,
            captcha_answer: None,
        }))
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageForm(mut d): PageForm<Details>,
) -> Response {
    if let Err(why) = d
        .step1()
        .check(&state.services.web_secret, &d.token, SystemTime::now())
    {
        return back_to_step1(&state, &d, why);
    }
    let input = match d.check() {
        Checked::Ready(input) => input,
        Checked::Again {
            errors,
            note,
            status,
        } => return render(&d, &errors, note, status),
    };
    let mut errors = Errors::default();
    if state.settings.rate_limits {
        if let Err(secs) = state
            .services
            .limiter
            .check(
                &format!("file:ip:{client}"),
                state.settings.filings_per_client_per_minute,
            )
            .await
        {
            errors.api(&ApiError::rate_limited(secs), &FIELDS);
            return render(&d, &errors, "", StatusCode::TOO_MANY_REQUESTS);
        }
    }
    let filer = Filer {
        channel: Channel::Portal,
        actor: "citizen".into(),
        office: None,
    };
    match file::file(&state, &input, filer).await {
        Ok(app) => {
            let tc = app.tracking_code.as_str().to_string();
            let cookie = Citizen {
                national_code: app.national_code.as_str().into(),
                tracking_code: tc.clone(),
            }
            .set_cookie(
                &state.services.web_secret,
                SystemTime::now(),
                state.settings.https(),
            );
            see_other(&format!("/applications/{tc}"), Some(cookie))
        }
        Err(e) if e.detail.code == "registry_mismatch" && state.settings.captcha => {
            // One registry inquiry per captcha, as on the API: a mismatch goes back to step one and a fresh
            // captcha, so a passed captcha cannot be used to probe the registry field by field.
            let mut errors = Errors::default();
            errors.top(e.detail.message.clone());
            let f = Step1Form {
                national_code: d.national_code.clone(),
                series_letter: d.series_letter.clone(),
                series_number: d.series_number.clone(),
                serial: d.serial.clone(),
                ..Step1Form::default()
            };
            step_one::render(&state, &f, &errors, e.status)
        }
        Err(e) => {
            errors.api(&e, &FIELDS);
            let status = e.status;
            render(&d, &errors, "", status)
        }
    }
}

fn back_to_step1(state: &AppState, d: &Details, why: Refused) -> Response {
    let mut errors = Errors::default();
    let (status, message) = match why {
        Refused::Expired => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "مهلت بیست‌دقیقه‌ای تکمیل فرم به پایان رسید؛ مرحلهٔ نخست را دوباره انجام دهید.",
        ),
        Refused::Forged => (
            StatusCode::FORBIDDEN,
            "اعتبار فرم تأیید نشد؛ مرحلهٔ نخست را دوباره انجام دهید.",
        ),
    };
    errors.top(message);
    let f = Step1Form {
        national_code: d.national_code.clone(),
        series_letter: d.series_letter.clone(),
        series_number: d.series_number.clone(),
        serial: d.serial.clone(),
        ..Step1Form::default()
    };
    step_one::render(state, &f, &errors, status)
}

/// Step two's fields (birth dates, gender, religion, mother's name, mobile, reason) with `d`'s values; `note`
/// is shown under the lunar date. The office's walk-in form shows the same fields.
pub fn fields(d: &Details, errors: &Errors, note: &str) -> Markup {
    let this_year = today().year();
    let solar = date_input(
        errors,
        "birth_date_jalali",
        "تاریخ تولد (شمسی)",
        ["birth_day", "birth_month", "birth_year"],
        [&d.birth_day, &d.birth_month, &d.birth_year],
        [
            dates::day_choices(31),
            dates::solar_month_choices(),
            dates::year_choices(FIRST_SOLAR_YEAR, this_year),
        ],
        html! {},
    );
    let lunar = date_input(
        errors,
        "birth_date_hijri",
        "تاریخ تولد (قمری)",
        ["lunar_day", "lunar_month", "lunar_year"],
        [&d.lunar_day, &d.lunar_month, &d.lunar_year],
        [
            dates::day_choices(30),
            dates::lunar_month_choices(),
            dates::year_choices(LUNAR_YEARS.0, LUNAR_YEARS.1),
        ],
        html! {
            button type="submit" name="action" value="propose_lunar" id="propose-lunar" class="secondary small" {
                "پیشنهاد تاریخ قمری از روی تاریخ شمسی"
            }
            @if !note.is_empty() {
                p.note.notice #note-lunar { (note) }
            }
        },
    );
    let religions: Vec<(String, String)> = std::iter::once((String::new(), "انتخاب کنید".into()))
        .chain(
            Religion::ALL
                .iter()
                .map(|r| (r.as_str().into(), r.fa().into())),
        )
        .collect();
    let reasons: Vec<(String, String)> = std::iter::once((String::new(), "انتخاب کنید".into()))
        .chain(
            Reason::ALL
                .iter()
                .map(|r| (r.as_str().into(), r.fa().into())),
        )
        .collect();
    html! {
        (solar)
        (lunar)
        fieldset.group.invalid[errors.get("gender").is_some()] #gender {
            legend { "جنسیت" }
            div.row {
                @for g in [Gender::Male, Gender::Female] {
                    label.choice for={ "gender-" (g.as_str()) } {
                        input type="radio" name="gender" id={ "gender-" (g.as_str()) } value=(g.as_str())
                            checked[d.gender == g.as_str()] aria-invalid=[errors.invalid("gender")]
                            aria-describedby=[errors.described_by("gender")];
                        " " (g.fa())
                    }
                }
            }
            (errors.beside("gender"))
        }
        (select_input(errors, "religion", "دین", &religions, &d.religion))
        (text_input(errors, "mother_name", "نام مادر", &d.mother_name,
            "همان‌گونه که در شناسنامه آمده است",
            Input { autocomplete: Some("off"), maxlength: Some(60), ..Input::default() }))
        (text_input(errors, "mobile", "شمارهٔ همراه", &d.mobile,
            "شماره‌ای که به نام خود شماست، مانند ۰۹۱۲۱۲۳۴۵۶۷",
            Input {
                inputmode: Some("tel"),
                autocomplete: Some("tel"),
                maxlength: Some(16),
                dir: Some("ltr"),
                class: None,
            }))
        (select_input(errors, "reason", "علت درخواست", &reasons, &d.reason))
    }
}

/// Step two's form with `d`'s values; `note` is shown under the lunar date.
pub fn render(d: &Details, errors: &Errors, note: &str, status: StatusCode) -> Response {
    let carried = [
        ("national_code", &d.national_code),
        ("series_letter", &d.series_letter),
        ("series_number", &d.series_number),
        ("serial", &d.serial),
        ("token", &d.token),
    ];
    let body = html! {
        section.card {
            p.steps { "مرحلهٔ ۲ از ۲" }
            h1 { "مشخصات متقاضی" }
            dl.summary {
                dt { "کد ملی" }
                dd { bdi dir="ltr" { (fa_digits(&d.national_code)) } }
                dt { "شناسنامه" }
                dd {
                    "سری " (d.series_letter) "/" (fa_digits(&d.series_number)) "، سریال "
                    bdi dir="ltr" { (fa_digits(&d.serial)) }
                }
            }
            p.note { a href="/register" { "تغییر کد ملی یا شناسنامه" } }
            (errors.top_box())
            @if errors.has_code("active_application_exists") {
                p { a href="/track" id="track-link" { "پیگیری وضعیت درخواست پیشین" } }
            }
            form method="post" action="/register/details" id="details-form" novalidate {
                button type="submit" name="action" value="file" class="default-submit" tabindex="-1"
                    aria-hidden="true" { "ثبت درخواست" }
                @for (name, value) in &carried { (hidden_input(name, value)) }
                (fields(d, errors, note))
                div.actions {
                    button type="submit" name="action" value="file" class="primary" id="details-submit" {
                        "ثبت درخواست"
                    }
                }
            }
        }
    };
    respond(status, "مشخصات متقاضی", body)
}
