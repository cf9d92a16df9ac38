//! The administrators' simulation page: behind the dashboard's login, refused to operators; a pasted scenario runs
//! (or is uploaded as a file) and draws its charts; a bad one is answered on the form with the field at fault; CSV and JSON downloads.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::{header, StatusCode};
use domain::Role;
use testkit::{Multipart, TestApp, TestStore, PASSWORD};

const SMALL: &str = r#"
name = "Ilam test"
start = "1405-01-01"
days = 28
seed = 3
[provinces]
include = ["16"]
offices = 20
[[vendors]]
name = "A"
share = 1.0
daily_capacity = 400
"#;

async fn cookie(app: &TestApp, username: &str) -> String {
    app.post_form(
        "/admin/login",
        &[("username", username), ("password", PASSWORD)],
    )
    .await
    .cookie()
}

#[tokio::test]
async fn an_administrator_runs_a_scenario_and_sees_its_charts() {
    let app = TestApp::builder()
        .staff("nat", Role::NationalAdmin, None, None)
        .staff("op", Role::Operator, Some("30-0001"), None)
        .on(TestStore::sqlite().await)
        .await;
    let a = app.get("/admin/simulate").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/admin/login");

    let a = app
        .post_form(
            "/admin/simulate",
            &[("preset", "custom"), ("scenario", SMALL)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "no run without a login");
    let op = cookie(&app, "op").await;
    assert_eq!(
        app.get("/admin/simulate").cookie(&op).await.status,
        StatusCode::FORBIDDEN
    );

    let nat = cookie(&app, "nat").await;
    let a = app.get("/admin/simulate").cookie(&nat).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(
        page.contains("dir=\"rtl\"")
            && page.contains("خراسان رضوی ۱۳۹۸")
            && page.contains("<textarea")
    );
    assert!(!page.contains("<script"));

    let a = app
        .post_form(
            "/admin/simulate",
            &[
                ("preset", "custom"),
                ("scenario", SMALL),
                ("format", "html"),
            ],
        )
        .cookie(&nat)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let page = a.text();
    assert!(
        page.contains("Ilam test") && page.contains("ایلام"),
        "{page}"
    );
    assert_eq!(page.matches("<svg").count(), 3);
    assert!(!page.contains("<script") && !page.contains("style="));

    let bad = SMALL.replace("share = 1.0", "share = 0.5");
    let a = app
        .post_form(
            "/admin/simulate",
            &[("preset", "custom"), ("scenario", &bad)],
        )
        .cookie(&nat)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text().contains("the shares must add up to 1"),
        "{}",
        a.text()
    );
    // The text typed is kept on the form.
    assert!(a.text().contains("Ilam test"));

    let a = app
        .post_form(
            "/admin/simulate",
            &[
                ("preset", "custom"),
                ("scenario", SMALL),
                ("seed", "۷"),
                ("format", "csv"),
            ],
        )
        .cookie(&nat)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    // Four weeks, Ilam and "all".
    assert_eq!(a.text().lines().count(), 1 + 4 * 2);

    let a = app
        .post_form(
            "/admin/simulate",
            &[
                ("preset", "custom"),
                ("scenario", SMALL),
                ("format", "json"),
            ],
        )
        .cookie(&nat)
        .await;
    let report: serde_json::Value = serde_json::from_str(&a.text()).unwrap();
    assert_eq!(report["seed"], 3);
    assert_eq!(report["end"][0]["province"], "16");

    // A scenario file uploaded (multipart) stands for the text box, whatever preset is chosen.
    let upload = Multipart::new()
        .text("preset", "razavi-khorasan-1398")
        .text("scenario", "")
        .text("format", "json")
        .file("file", "ilam.toml", SMALL.as_bytes().to_vec());
    let a = app
        .post("/admin/simulate")
        .multipart(&upload)
        .cookie(&nat)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let report: serde_json::Value = serde_json::from_str(&a.text()).unwrap();
    assert_eq!(report["end"][0]["province"], "16");
}
