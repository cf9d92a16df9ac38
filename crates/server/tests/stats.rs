//! Statistics per province through the API and the administrators' dashboard, on SQLite and on PostgreSQL:
//! a national administrator sees every province, a province administrator only theirs, others are refused;
//! the CSV export; the dashboard page with its server-drawn SVG after its login form.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::{header, StatusCode};
use domain::{ApplicationState as S, Channel, Person, ProvinceCode, Reason, Role};
use serde_json::{json, Value};
use store::journey::{NewApplication, SeedApplication};
use testkit::{code_in, Answer, PersonBuilder, TestApp, TestStore, PASSWORD};

fn person(province: &str, n: u32, birth: &str, death: &str) -> Person {
    PersonBuilder::with_code(code_in(province, n))
        .of_tehran()
        .born(birth)
        .dead_on(death)
        .build()
}

fn seed_app(n: u32, province: Option<&str>, state: S) -> SeedApplication {
    SeedApplication {
        application: NewApplication {
            tracking_code: domain::TrackingCode::from_body(u64::from(n) * 7919 + 13),
            national_code: code_in("23", 700_000 + n),
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: domain::Mobile::parse("09121234567").unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: province.map(|p| ProvinceCode::parse(p).unwrap()),
            actor: "seed".into(),
            at: chrono::Utc::now(),
        },
        state,
    }
}

/// Six persons of Tehran and Alborz, their applications in six states, a national administrator `nat`, Alborz's
/// administrator `alborz` and an operator `op`.
async fn stats_app(db: TestStore) -> TestApp {
    let app = TestApp::builder()
        .persons(&[
            person("23", 1, "1370-05-12", ""),
            person("23", 2, "1360-01-01", ""),
            person("23", 3, "1380-01-01", ""),
            person("23", 4, "1350-01-01", "1400-01-01"),
            person("30", 5, "1365-01-01", ""),
            person("30", 6, "1400-01-01", ""),
        ])
        .staff("nat", Role::NationalAdmin, None, None)
        .staff("alborz", Role::ProvinceAdmin, None, Some("30"))
        .staff("op", Role::Operator, Some("30-0001"), None)
        .on(db)
        .await;
    let s = &app.db.store;
    s.refresh_eligible(server::state::today()).await.unwrap();
    s.seed_applications(&[
        seed_app(1, Some("23"), S::Delivered),
        seed_app(2, Some("23"), S::InProduction),
        seed_app(3, Some("23"), S::ProductionFailed),
        seed_app(4, Some("30"), S::Enrolled),
        seed_app(5, Some("30"), S::Uncollected),
        seed_app(6, None, S::AwaitingPayment),
    ])
    .await
    .unwrap();
    app
}

/// Logs in through the dashboard's form.
async fn dashboard_login(app: &TestApp, username: &str, password: &str) -> Answer {
    app.post_form(
        "/admin/login",
        &[("username", username), ("password", password)],
    )
    .await
}

fn row<'a>(rows: &'a Value, code: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["province_code"] == code)
        .unwrap()
}

#[tokio::test]
async fn administrators_see_their_provinces_and_others_are_refused() {
    for db in TestStore::all().await {
        let app = stats_app(db).await;
        let name = app.db.name;
        let nat = app.token("nat").await;
        let a = app.get("/api/v1/stats/provinces").bearer(&nat).await;
        assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.text());
        let rows = a.json();
        assert_eq!(rows.as_array().unwrap().len(), 31, "{name}");
        assert_eq!(
            row(&rows, "23"),
            &json!({"province_code": "23", "eligible": 3, "applied": 3, "enrolled": 0,
                "in_production": 2, "ready_for_pickup": 0, "delivered": 1, "uncollected": 0,
                "coverage_pct": 33.3}),
            "{name}"
        );
        assert_eq!(
            row(&rows, "30"),
            &json!({"province_code": "30", "eligible": 1, "applied": 2, "enrolled": 1,
                "in_production": 0, "ready_for_pickup": 0, "delivered": 0, "uncollected": 1,
                "coverage_pct": 0.0}),
            "{name}"
        );
        assert_eq!(row(&rows, "00")["applied"], 0);

        let a = app.get("/api/v1/stats/national").bearer(&nat).await;
        assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.text());
        let n = a.json();
        assert_eq!(
            (n["eligible"].as_u64(), n["applied"].as_u64()),
            (Some(4), Some(6))
        );
        assert_eq!(n["coverage_pct"], 25.0);

        let alborz = app.token("alborz").await;
        let rows = app
            .get("/api/v1/stats/provinces")
            .bearer(&alborz)
            .await
            .json();
        assert_eq!(rows.as_array().unwrap().len(), 1, "{name}");
        assert_eq!(rows[0]["province_code"], "30");
        let n = app
            .get("/api/v1/stats/national")
            .bearer(&alborz)
            .await
            .json();
        assert_eq!(n["applied"], 2, "{name}");

        let op = app.token("op").await;
        for uri in ["/api/v1/stats/provinces", "/api/v1/stats/national"] {
            let a = app.get(uri).bearer(&op).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{name}");
            assert_eq!(a.json()["error"]["code"], "forbidden");
            let a = app.get(uri).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{name}");
            let a = app.get(uri).bearer("not-a-token").await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{name}");
        }
        let a = app
            .get("/api/v1/stats/provinces?format=xml")
            .bearer(&nat)
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn csv_export() {
    let app = stats_app(TestStore::sqlite().await).await;
    let nat = app.token("nat").await;
    let a = app
        .get("/api/v1/stats/provinces?format=csv")
        .bearer(&nat)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = a.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 32);
    assert_eq!(
        lines[0],
        "province_code,eligible,applied,enrolled,in_production,ready_for_pickup,delivered,uncollected,coverage_pct"
    );
    assert!(lines.contains(&"23,3,3,0,2,0,1,0,33.3"), "{}", a.text());
    let a = app
        .get("/api/v1/stats/national?format=csv")
        .bearer(&nat)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.text().lines().nth(1), Some("4,6,1,2,0,1,1,25.0"));
}

#[tokio::test]
async fn the_dashboard_draws_the_funnel_after_its_login() {
    let app = stats_app(TestStore::sqlite().await).await;
    let a = app.get("/admin/stats").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/admin/login");
    let a = app.get("/admin/login").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("dir=\"rtl\"") && a.text().contains("name=\"password\""));

    let a = dashboard_login(&app, "nat", "wrong").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.text().contains("نام کاربری یا گذرواژه درست نیست"));

    let a = dashboard_login(&app, "nat", PASSWORD).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/admin/stats");
    let set = a.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.starts_with("shenas_staff=") && set.contains("HttpOnly"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let a = app.get("/admin/stats").cookie(&cookie).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("<svg"), "{}", a.text());
    assert!(!a.text().contains("<script"));
    assert!(a.text().contains("تهران") && a.text().contains("البرز"));
    assert!(a.text().contains("۳۳٫۳٪"), "coverage of Tehran in Persian");
    assert!(
        a.text().contains(">۶</text>"),
        "applied nationally on the chart"
    );

    // A province administrator sees only their province.
    let a = dashboard_login(&app, "alborz", PASSWORD).await;
    let cookie = a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let a = app.get("/admin/stats").cookie(&cookie).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("البرز") && a.text().contains("<svg"));
    assert!(!a.text().contains("<th scope=\"row\">تهران</th>"));

    // An operator may log in but not see the statistics.
    let a = dashboard_login(&app, "op", PASSWORD).await;
    let cookie = a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get("/admin/stats").cookie(&cookie).await.status,
        StatusCode::FORBIDDEN
    );
}
