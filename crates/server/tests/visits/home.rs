//! Home visits: a disabled person's request needs the welfare registry's confirmation; confirmed requests are
//! grouped by area into a unit's visit that books them.

use super::*;
use std::sync::Arc;
use testkit::{code, err};

fn with_welfare(b: Builder) -> Builder {
    b.services(|s| {
        s.welfare = Arc::new(
            welfare::SandboxWelfare::new()
                .with(code(7), Some("کرج"), Some("30"))
                .with(code(9), None, None)
                .with(code(10), Some("کرج"), Some("30")),
        )
    })
}

async fn ask(app: &TestApp, tc: &str, body: Value) -> (StatusCode, Value) {
    app.post_json(&format!("/api/v1/applications/{tc}/home-visit"), &body)
        .await
        .status_json()
}

#[tokio::test]
async fn a_home_visit_needs_a_confirmed_disability_and_requests_are_grouped_by_area() {
    for app in with_welfare(builder(&[])).all().await {
        let name = app.name();
        let tc = |n: u32| testkit::filing(&person(n));
        let t7 = app.file(&tc(7)).await;
        let t8 = app.file(&tc(8)).await;
        let t9 = app.file(&tc(9)).await;
        let t10 = app.booked(&person(10), "30-0001").await;

        let (st, b) = ask(&app, &t8, json!({"national_code": code(8).as_str()})).await;
        assert_eq!(
            (st, err(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("disability_not_confirmed")
            ),
            "{name}: {b}"
        );
        let (st, b) = ask(&app, &t7, json!({"national_code": code(8).as_str()})).await;
        assert_eq!((st, err(&b)), (StatusCode::NOT_FOUND, Some("not_found")));
        let (st, b) = ask(&app, &t10, json!({"national_code": code(10).as_str()})).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("home_visit_not_possible"))
        );

        let (st, first) = ask(&app, &t7, json!({"national_code": code(7).as_str()})).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {first}");
        assert_eq!(
            (first["state"].as_str(), first["area"].as_str()),
            (Some("confirmed"), Some("کرج"))
        );
        let (st, again) = ask(&app, &t7, json!({"national_code": code(7).as_str()})).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(again["request_id"], first["request_id"]);
        // The welfare registry does not know where person 9 lives: the city and province typed say it.
        let (st, b) = ask(
            &app,
            &t9,
            json!({"national_code": code(9).as_str(), "city": " کرج ", "province_code": "30",
                   "address": "کرج، گوهردشت، کوچهٔ ۳"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");

        let alborz = bearer(&app, "alborz").await;
        let tehran = bearer(&app, "tehran").await;
        let (st, w) = app
            .get("/api/v1/admin/home-visits")
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        assert_eq!(w.as_array().unwrap().len(), 1, "{name}: {w}");
        assert_eq!(w[0]["area"], "کرج");
        assert_eq!(w[0]["requests"].as_array().unwrap().len(), 2);
        let (_, w) = app
            .get("/api/v1/admin/home-visits")
            .auth(&tehran)
            .await
            .status_json();
        assert!(w.as_array().unwrap().is_empty());

        let group = json!({"unit_id": UNIT, "area": "کرج", "date_jalali": day(7).to_string()});
        let (st, g) = app
            .post_json("/api/v1/admin/home-visits", &group)
            .auth(&tehran)
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN, "{g}");
        let (st, g) = app
            .post_json("/api/v1/admin/home-visits", &group)
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(st, StatusCode::CREATED, "{name}: {g}");
        assert_eq!(g["booked"].as_array().unwrap().len(), 2, "{g}");
        let visit = g["visit_id"].as_i64().unwrap();
        let v = app.db.store.visit(visit).await.unwrap().unwrap();
        assert_eq!(
            (v.kind, v.area.as_deref(), v.booked),
            (domain::InstitutionKind::Home, Some("کرج"), 2)
        );
        // Booked at the unit on the visit's day, the fee waived (the `home` default).
        for t in [&t7, &t9] {
            let a = app
                .db
                .store
                .application(&domain::TrackingCode::parse(t).unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                a.state,
                domain::ApplicationState::AppointmentBooked,
                "{name}"
            );
            assert_eq!(a.appointment.unwrap().date, day(7));
        }
        let (_, again) = ask(&app, &t7, json!({"national_code": code(7).as_str()})).await;
        assert_eq!(
            (again["state"].as_str(), again["visit_id"].as_i64()),
            (Some("booked"), Some(visit))
        );
        let (st, b) = app
            .post_json("/api/v1/admin/home-visits", &group)
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("no_requests"))
        );
    }
}
