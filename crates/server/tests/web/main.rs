#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The citizen's web portal driven in-process through its HTML forms, as a browser without JavaScript would:
//! registration in two steps, the cookie, paying at the sandbox bank, booking and cancelling, printing, tracking.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::{ApplicationState, JalaliDate, Office, Person};
use server::state::today;
use server::Settings;
use testkit::{Answer, PersonBuilder, TestApp};

const NATIONAL_CODE: &str = "0499370899";
const MOBILE: &str = "09121234567";
const BIRTH: (&str, &str, &str) = ("1370", "5", "12");
const OFFICE_ID: &str = "KRJ-101";
const OFFICE_NAME: &str = "دفتر پیشخوان گوهردشت";

/// The `name=value` pair of the citizen cookie the answer sets.
fn citizen_cookie(a: &Answer) -> String {
    let set = a.set_cookie().unwrap();
    assert!(set.starts_with("shenas_citizen="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the first `<input name="NAME" value="…">` in a page.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

/// The option values of `<select id="ID">`, and the selected one.
fn select(html: &str, id: &str) -> (Vec<String>, Option<String>) {
    let start = html
        .find(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("no select {id}"));
    let end = start + html[start..].find("</select>").unwrap();
    let mut values = Vec::new();
    let mut selected = None;
    for opt in html[start..end].split("<option value=\"").skip(1) {
        let value = opt[..opt.find('"').unwrap()].to_string();
        if opt[value.len()..].starts_with("\" selected>") {
            selected = Some(value.clone());
        }
        values.push(value);
    }
    (values, selected)
}

fn person() -> Person {
    PersonBuilder::with_code(NATIONAL_CODE)
        .of_tehran()
        .mobile(MOBILE)
        .build()
}

fn office() -> Office {
    testkit::office(OFFICE_ID)
        .name(OFFICE_NAME)
        .address("خیابان بهشتی، پلاک ۱۲")
        .capacity(10)
        .build()
}

fn lunar_of_birth() -> domain::HijriDate {
    JalaliDate::new(1370, 5, 12).unwrap().to_hijri()
}

/// The portal without the captcha.
async fn portal() -> TestApp {
    portal_with(false).await
}

async fn portal_with(captcha: bool) -> TestApp {
    serving(captcha, &Settings::default().public_url).await
}

/// The portal served at `public_url`, with the person and the office.
async fn serving(captcha: bool, public_url: &str) -> TestApp {
    TestApp::builder()
        .with_settings(|s| {
            s.captcha = captcha;
            s.public_url = public_url.into();
        })
        .persons(&[person()])
        .offices(&[office()])
        .build()
        .await
}

/// A form posted as a browser encodes it.
async fn post(app: &TestApp, uri: &str, pairs: &[(&str, &str)], cookie: Option<&str>) -> Answer {
    app.post(uri)
        .body("application/x-www-form-urlencoded", form(pairs))
        .cookie_opt(cookie)
        .await
}

/// Step one with the person's identifiers (Persian digits, as people type them): step two's page.
async fn step1(app: &TestApp) -> Answer {
    let a = post(
        app,
        "/register",
        &[
            ("national_code", "۰۴۹۹۳۷۰۸۹۹"),
            ("series_letter", "ج"),
            ("series_number", "۱۲"),
            ("serial", "345678"),
        ],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert!(a.text().contains("id=\"details-form\""), "{}", a.text());
    a
}

/// Step two's fields, carried from `page` (step two as rendered), with `overrides`.
fn details(page: &str, overrides: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let lunar = lunar_of_birth();
    let mut fields: Vec<(&'static str, String)> = vec![
        ("national_code", input_value(page, "national_code")),
        ("series_letter", input_value(page, "series_letter")),
        ("series_number", input_value(page, "series_number")),
        ("serial", input_value(page, "serial")),
        ("token", input_value(page, "token")),
        ("birth_year", BIRTH.0.into()),
        ("birth_month", BIRTH.1.into()),
        ("birth_day", BIRTH.2.into()),
        ("lunar_year", lunar.year().to_string()),
        ("lunar_month", lunar.month().to_string()),
        ("lunar_day", lunar.day().to_string()),
        ("gender", "male".into()),
        ("religion", "islam".into()),
        ("mother_name", "فاطمه".into()),
        ("mobile", "۰۹۱۲۱۲۳۴۵۶۷".into()),
        ("reason", "first_issue".into()),
        ("action", "file".into()),
    ];
    for (k, v) in overrides {
        fields.retain(|(f, _)| f != k);
        fields.push((k, v.clone()));
    }
    fields
}

async fn post_details(app: &TestApp, fields: &[(&'static str, String)]) -> Answer {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(app, "/register/details", &pairs, None).await
}

/// Registers the person through both steps: the tracking code and the cookie.
async fn register(app: &TestApp) -> (String, String) {
    let page = step1(app).await.text();
    let a = post_details(app, &details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let tc = a
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    assert_eq!(tc.len(), 12, "{}", a.location());
    (tc, citizen_cookie(&a))
}

mod access;
mod forms;
mod journey;
mod shown;
