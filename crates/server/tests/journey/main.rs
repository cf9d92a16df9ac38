//! The citizen's journey through the JSON API, on SQLite and on PostgreSQL: pre-registration and its refusals,
//! payment through the sandbox bank (callbacks replayed and reordered, a lost callback repaired), offices by free
//! capacity, booking, status with its rate limits, walk-ins by a logged-in operator, idempotency keys, the
//! captcha, and the HTTP gateway adapter against the sandbox bank served over TCP.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use domain::{JalaliDate, Person, Role};
use payments::Gateway;
use serde_json::{json, Value};
use server::Settings;
use testkit::{code, mobile, office, quiet, today, PersonBuilder, TestApp, TestStore};

/// Person `n` of the registry, whose mother's name the filings below write with a zero-width non-joiner.
fn registered(n: u32) -> PersonBuilder {
    PersonBuilder::new(n).mother("فاطمه زهرا")
}

/// Person `n`'s filing as a phone keyboard may send it: Persian digits, `+98`, the mother's name joined.
fn body_for(n: u32) -> Value {
    let birth = JalaliDate::parse("1370-05-12").unwrap();
    json!({
        "national_code": domain::text::to_persian_digits(code(n).as_str()),
        "birth_certificate": {"series_letter": "ج", "series_number": "12", "serial": "۳۴۵۶۷۸"},
        "birth_date_jalali": "1370-05-12",
        "birth_date_hijri": birth.to_hijri().to_string(),
        "gender": "male",
        "religion": "islam",
        "mother_name": "فاطمه‌زهرا",
        "mobile": format!("+98{}", &mobile(n)[1..]),
        "reason": "first_issue",
    })
}

async fn on(db: TestStore, settings: Settings) -> TestApp {
    TestApp::builder().settings(settings).on(db).await
}

/// The sandbox bank's token for paying `tc` (the applicant's national code read from the store).
async fn token_of(app: &TestApp, tc: &str) -> String {
    let t = domain::TrackingCode::parse(tc).unwrap();
    let nc = app
        .db
        .store
        .application(&t)
        .await
        .unwrap()
        .unwrap()
        .national_code;
    let a = app.start_payment(tc, nc.as_str()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let b = a.json();
    let url = b["redirect_url"].as_str().unwrap();
    url.split("token=").nth(1).unwrap().to_string()
}

async fn status_of(app: &TestApp, n: u32, tc: &str) -> Value {
    let (s, b) = app
        .get(&format!(
            "/api/v1/status?national_code={}&tracking_code={tc}",
            code(n)
        ))
        .await
        .status_json();
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn seed(app: &TestApp, persons: &[Person]) {
    app.db.store.upsert_persons(persons).await.unwrap();
    app.db
        .store
        .upsert_offices(&[
            office("30-0001").capacity(5).build(),
            office("30-0002").capacity(40).build(),
        ])
        .await
        .unwrap();
}

mod filing;
mod guards;
mod payment;
mod reads;
