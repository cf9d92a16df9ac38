//! Nationality cases through the JSON API, on SQLite and on PostgreSQL: a case from opening to approval to a new
//! national code to an application (`journey`), and every refusal (`refusals`): bad input, wrong role, wrong
//! office kind, a committee member who opened the case, an identity conflict, a double approval, an unknown case
//! and a wrong mobile on tracking; and the pages (`pages`).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod journey;
mod pages;
mod refusals;

use domain::Role;
use serde_json::{json, Value};
use std::sync::Arc;
use testkit::{office, PersonBuilder, TestApp};

/// Tehran's registry office, a counter office beside it, and a registry office in province 16.
pub const REGISTRY: &str = "23-0001";
pub const COUNTER: &str = "23-0002";
pub const OTHER_REGISTRY: &str = "16-0001";

/// The Iranian parent named in a DNA kinship result.
pub fn parent() -> PersonBuilder {
    PersonBuilder::new(41).of_tehran()
}

/// Someone already enrolled, whose fingers are synthetic person 901's.
pub fn enrolled() -> PersonBuilder {
    PersonBuilder::new(42).of_tehran()
}

pub const ENROLLED_SEED: u64 = 901;

/// The desks of a test: the apps (one per backend) and who is logged in.
pub struct Desk {
    pub app: TestApp,
    pub operator: String,
    pub supervisor: String,
    pub counter: String,
    pub other_registry: String,
    pub committee: String,
}

/// One app per backend with the offices, the parent and the enrolled person, the staff logged in; `adverse` makes
/// the foreign-nationals bureau answer against the applicant named so.
pub async fn desks(adverse: Option<(&str, &str)>) -> Vec<Desk> {
    let sandbox = Arc::new(inquiries::SandboxInquiries::default());
    if let Some((first, last)) = adverse {
        sandbox.answer_adverse(
            domain::nationality::InquiryKind::ForeignNationals,
            first,
            last,
        );
    }
    let apps = TestApp::builder()
        .offices(&[
            office(REGISTRY)
                .kind("registry")
                .located("23", "تهران", "021")
                .name("ادارهٔ ثبت احوال منطقهٔ ۶ تهران")
                .build(),
            office(COUNTER).located("23", "تهران", "021").build(),
            office(OTHER_REGISTRY)
                .kind("registry")
                .located("16", "ایلام", "084")
                .build(),
        ])
        .persons(&[parent().build(), enrolled().build()])
        .services(move |s| s.inquiries = sandbox.clone())
        .all()
        .await;
    let mut out = Vec::new();
    for app in apps {
        let operator = app.operator("reg.op", REGISTRY).await;
        let supervisor = app.staff_login("reg.sup", Role::Supervisor, REGISTRY).await;
        let counter = app.operator("counter.op", COUNTER).await;
        let other_registry = app.operator("zahedan.op", OTHER_REGISTRY).await;
        app.create_staff("committee1", Role::NationalityCommittee, None, Some("23"))
            .await;
        let committee = format!("Bearer {}", app.token("committee1").await);
        out.push(Desk {
            app,
            operator,
            supervisor,
            counter,
            other_registry,
            committee,
        });
    }
    out
}

/// The opening body for an applicant whose fingers are synthetic person `seed`'s.
pub fn opening(first: &str, last: &str, seed: u64) -> Value {
    let captured = testkit::enrollment::json_body("0", seed, &[]);
    json!({
        "first_name": first,
        "last_name": last,
        "father_name": "داد محمد",
        "mother_name": "بی‌بی",
        "gender": "female",
        "birth_place": "سراوان",
        "birth_year_jalali": "۱۳۷۸",
        "mobile": "09151234567",
        "address": "سراوان، کوچهٔ گلستان",
        "photo": captured["photo"],
        "fingerprints": captured["fingerprints"],
    })
}

/// Opens a case: its number.
pub async fn open(d: &Desk, body: &Value) -> (String, String) {
    let a = d
        .app
        .post_json("/api/v1/office/nationality-cases", body)
        .auth(&d.operator)
        .await;
    assert_eq!(a.status, axum::http::StatusCode::CREATED, "{}", a.text());
    let v = a.json();
    (
        v["case_number"].as_str().unwrap().to_string(),
        v["state"].as_str().unwrap().to_string(),
    )
}

pub fn testimony() -> Value {
    json!({
        "kind": "witness_testimony",
        "note": "استشهادیهٔ محلی با گواهی دو معتمد",
        "witnesses": [
            {"name": "غلام بلوچ", "certification": "3610000011"},
            {"name": "کریم ریگی", "certification": "3610000022"}
        ]
    })
}

/// Adds evidence: the answer's status and body.
pub async fn evidence(d: &Desk, case: &str, body: &Value) -> (axum::http::StatusCode, Value) {
    d.app
        .post_json(
            &format!("/api/v1/office/nationality-cases/{case}/evidence"),
            body,
        )
        .auth(&d.operator)
        .await
        .status_json()
}

pub fn approval(ground: &str) -> Value {
    json!({
        "decision": "approved",
        "members": ["رئیس کمیسیون", "نمایندهٔ دادگستری", "نمایندهٔ انتظامی"],
        "ground": ground,
        "note": "با استشهادیه و پاسخ استعلام‌ها"
    })
}

pub async fn decide(
    d: &Desk,
    who: &str,
    case: &str,
    body: &Value,
) -> (axum::http::StatusCode, Value) {
    d.app
        .post_json(&format!("/api/v1/nationality-cases/{case}/decision"), body)
        .auth(who)
        .await
        .status_json()
}
