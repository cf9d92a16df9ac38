//! Statistics per province through the API and the administrators' dashboard, on SQLite and on PostgreSQL:
//! a national administrator sees every province, a province administrator only theirs, others are refused;
//! the CSV export; the dashboard page with its server-drawn SVG after its login form.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use domain::{ApplicationState as S, Channel, NationalCode, Person, ProvinceCode, Reason, Role};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::{AppState, Settings};
use store::journey::{NewApplication, NewUser, SeedApplication};
use store_suite::TestStore;
use tower::ServiceExt;

const PASSWORD: &str = "a good long password";

fn code_in(province: &str, n: u32) -> NationalCode {
    let prefix = domain::prefixes::of_province(ProvinceCode::parse(province).unwrap())[0];
    let nine = format!("{prefix:03}{n:06}");
    NationalCode::from_first_nine(nine.as_bytes().try_into().unwrap()).unwrap()
}

fn person(nc: &NationalCode, birth: &str, death: &str) -> Person {
    let row: [&str; 16] = [
        nc.as_str(),
        "علی",
        "رضایی",
        "حسن",
        "فاطمه",
        "male",
        birth,
        "تهران",
        "islam",
        "ج",
        "12",
        "345678",
        "",
        "1314567890",
        "تهران خیابان آزادی",
        death,
    ];
    Person::from_row(&row, server::state::today()).unwrap()
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

struct App {
    router: axum::Router,
    db: TestStore,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl App {
    async fn new(db: TestStore) -> Self {
        let settings = Settings {
            captcha: false,
            rate_limits: false,
            ..Settings::default()
        };
        let state = AppState::new(db.store.clone(), settings);
        let s = &db.store;
        s.upsert_persons(&[
            person(&code_in("23", 1), "1370-05-12", ""),
            person(&code_in("23", 2), "1360-01-01", ""),
            person(&code_in("23", 3), "1380-01-01", ""),
            person(&code_in("23", 4), "1350-01-01", "1400-01-01"),
            person(&code_in("30", 5), "1365-01-01", ""),
            person(&code_in("30", 6), "1400-01-01", ""),
        ])
        .await
        .unwrap();
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
        for (name, role, province) in [
            ("nat", Role::NationalAdmin, None),
            ("alborz", Role::ProvinceAdmin, Some("30")),
            ("op", Role::Operator, None),
        ] {
            s.create_user(&NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password(PASSWORD).unwrap(),
                role,
                office: (role == Role::Operator)
                    .then(|| domain::OfficeId::parse("30-0001").unwrap()),
                province: province.map(|p| ProvinceCode::parse(p).unwrap()),
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        }
        Self {
            router: server::router(state),
            db,
        }
    }

    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn token(&self, username: &str) -> String {
        let body = json!({"username": username, "password": PASSWORD}).to_string();
        let a = self
            .send(
                Request::post("/api/v1/auth/login")
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.json()["token"].as_str().unwrap().to_string()
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Answer {
        let mut r = Request::get(uri);
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }

    async fn page(&self, uri: &str, cookie: Option<&str>) -> Answer {
        let mut r = Request::get(uri);
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }

    /// Logs in through the dashboard's form; the cookie it sets.
    async fn dashboard_login(&self, username: &str, password: &str) -> Answer {
        let body =
            serde_urlencoded::to_string([("username", username), ("password", password)]).unwrap();
        self.send(
            Request::post("/admin/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
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
        let app = App::new(db).await;
        let name = app.db.name;
        let nat = app.token("nat").await;
        let a = app.get("/api/v1/stats/provinces", Some(&nat)).await;
        assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.text);
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

        let a = app.get("/api/v1/stats/national", Some(&nat)).await;
        assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.text);
        let n = a.json();
        assert_eq!(
            (n["eligible"].as_u64(), n["applied"].as_u64()),
            (Some(4), Some(6))
        );
        assert_eq!(n["coverage_pct"], 25.0);

        let alborz = app.token("alborz").await;
        let rows = app
            .get("/api/v1/stats/provinces", Some(&alborz))
            .await
            .json();
        assert_eq!(rows.as_array().unwrap().len(), 1, "{name}");
        assert_eq!(rows[0]["province_code"], "30");
        let n = app
            .get("/api/v1/stats/national", Some(&alborz))
            .await
            .json();
        assert_eq!(n["applied"], 2, "{name}");

        let op = app.token("op").await;
        for uri in ["/api/v1/stats/provinces", "/api/v1/stats/national"] {
            let a = app.get(uri, Some(&op)).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{name}");
            assert_eq!(a.json()["error"]["code"], "forbidden");
            let a = app.get(uri, None).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{name}");
            let a = app.get(uri, Some("not-a-token")).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{name}");
        }
        let a = app
            .get("/api/v1/stats/provinces?format=xml", Some(&nat))
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn csv_export() {
    let app = App::new(TestStore::sqlite().await).await;
    let nat = app.token("nat").await;
    let a = app
        .get("/api/v1/stats/provinces?format=csv", Some(&nat))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let lines: Vec<&str> = a.text.lines().collect();
    assert_eq!(lines.len(), 32);
    assert_eq!(
        lines[0],
        "province_code,eligible,applied,enrolled,in_production,ready_for_pickup,delivered,uncollected,coverage_pct"
    );
    assert!(lines.contains(&"23,3,3,0,2,0,1,0,33.3"), "{}", a.text);
    let a = app
        .get("/api/v1/stats/national?format=csv", Some(&nat))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.text.lines().nth(1), Some("4,6,1,2,0,1,1,25.0"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_dashboard_draws_the_funnel_after_its_login() {
    let app = App::new(TestStore::sqlite().await).await;
    let a = app.page("/admin/stats", None).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/admin/login");
    let a = app.page("/admin/login", None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.contains("dir=\"rtl\"") && a.text.contains("name=\"password\""));

    let a = app.dashboard_login("nat", "wrong").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.text.contains("نام کاربری یا گذرواژه درست نیست"));

    let a = app.dashboard_login("nat", PASSWORD).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/admin/stats");
    let set = a.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.starts_with("shenas_staff=") && set.contains("HttpOnly"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let a = app.page("/admin/stats", Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.contains("<svg"), "{}", a.text);
    assert!(!a.text.contains("<script"));
    assert!(a.text.contains("تهران") && a.text.contains("البرز"));
    assert!(a.text.contains("۳۳٫۳٪"), "coverage of Tehran in Persian");
    assert!(
        a.text.contains(">۶</text>"),
        "applied nationally on the chart"
    );

    // A province administrator sees only their province.
    let a = app.dashboard_login("alborz", PASSWORD).await;
    let cookie = a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let a = app.page("/admin/stats", Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.contains("البرز") && a.text.contains("<svg"));
    assert!(!a.text.contains("<th scope=\"row\">تهران</th>"));

    // An operator may log in but not see the statistics.
    let a = app.dashboard_login("op", PASSWORD).await;
    let cookie = a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.page("/admin/stats", Some(&cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    app.db.cleanup().await;
}
