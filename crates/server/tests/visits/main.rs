//! Mobile enrollment units' visits through the JSON API and the pages, on SQLite and on PostgreSQL: planning and
//! editing visits (province administrators only in their province), rosters whose good rows land while bad rows
//! come back with their reasons, the fee policy by institution kind, home visits confirmed by the welfare
//! registry and grouped by area, a prison visit's cards from roster to enrollment at the unit, production,
//! shipment back to the unit and handover with a fingerprint, and the units' figures.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use domain::{JalaliDate, Office, Role};
use serde_json::{json, Value};
use testkit::{office, Builder, PersonBuilder, TestApp};

mod cards;
mod home;
mod pages;
mod planning;
mod roster;

/// The unit: a mobile-unit office of Alborz.
pub const UNIT: &str = "30-9001";

pub fn unit() -> Office {
    office(UNIT)
        .kind("mobile_unit")
        .name("واحد سیار البرز ۱")
        .capacity(30)
        .build()
}

/// A mobile unit of Tehran, and a counter office of Alborz.
pub fn other_offices() -> Vec<Office> {
    vec![
        office("23-9001")
            .kind("mobile_unit")
            .name("واحد سیار تهران")
            .located("23", "تهران", "021")
            .build(),
        office("30-0001").name("دفتر پیشخوان کرج").build(),
    ]
}

/// A visit day, `days` ahead.
pub fn day(days: i64) -> JalaliDate {
    testkit::today().add_days(days).unwrap()
}

/// Person `n`: an adult of the registry with mobile 0912000000n.
pub fn person(n: u32) -> PersonBuilder {
    PersonBuilder::new(n)
}

/// The apps for a test: the unit and the other offices, persons 1..=20 and these, a national administrator
/// `nat`, Alborz's administrator `alborz`, Tehran's `tehran`, and an operator `op` of the unit.
pub fn builder(extra: &[PersonBuilder]) -> Builder {
    let mut persons: Vec<domain::Person> = (1..=20).map(|n| person(n).build()).collect();
    persons.extend(extra.iter().map(PersonBuilder::build));
    let mut offices = vec![unit()];
    offices.extend(other_offices());
    TestApp::builder()
        .persons(&persons)
        .offices(&offices)
        .staff("nat", Role::NationalAdmin, None, None)
        .staff("alborz", Role::ProvinceAdmin, None, Some("30"))
        .staff("tehran", Role::ProvinceAdmin, None, Some("23"))
        .staff("op", Role::Operator, Some(UNIT), None)
}

pub async fn bearer(app: &TestApp, user: &str) -> String {
    format!("Bearer {}", app.token(user).await)
}

/// Plans a visit as `who` (asserting 201): its id.
pub async fn plan(
    app: &TestApp,
    who: &str,
    kind: &str,
    capacity: u32,
    liaison: Option<&str>,
) -> i64 {
    let auth = bearer(app, who).await;
    let (st, b) = app
        .post_json(
            "/api/v1/admin/visits",
            &json!({"unit_id": UNIT, "institution_kind": kind, "institution_name": "زندان قزل‌حصار",
                    "address": "کرج، جادهٔ قزل‌حصار", "date_jalali": day(5).to_string(),
                    "capacity": capacity, "liaison": liaison}),
        )
        .auth(&auth)
        .await
        .status_json();
    assert_eq!(st, StatusCode::CREATED, "{}: {b}", app.name());
    b["visit_id"].as_i64().unwrap()
}

/// Sends a roster as `auth`: status and answer.
pub async fn send_roster(app: &TestApp, auth: &str, visit: i64, csv: &str) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/visits/{visit}/roster"))
        .auth(auth)
        .body("text/csv", csv.to_string())
        .await
        .status_json()
}

/// `(line, code)` of every rejected row.
pub fn rejected(b: &Value) -> Vec<(u64, String)> {
    b["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(line, tracking_code)` of every accepted row.
pub fn accepted(b: &Value) -> Vec<(u64, String)> {
    b["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["tracking_code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
