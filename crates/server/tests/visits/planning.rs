//! Planning and editing visits: who may, and what is refused.

use super::*;
use testkit::{code, err};

#[tokio::test]
async fn administrators_plan_list_and_edit_visits_of_their_province() {
    for app in builder(&[]).all().await {
        let name = app.name();
        let alborz = bearer(&app, "alborz").await;
        let tehran = bearer(&app, "tehran").await;
        let nat = bearer(&app, "nat").await;
        let op = bearer(&app, "op").await;
        let id = plan(&app, "alborz", "prison", 3, None).await;

        let body = |unit: &str, kind: &str, date: JalaliDate| {
            json!({"unit_id": unit, "institution_kind": kind, "institution_name": "پادگان امام علی",
                   "address": "کرج", "date_jalali": date.to_string(), "capacity": 10})
        };
        let post = |auth: &str, b: Value| {
            let auth = auth.to_string();
            let app = &app;
            async move {
                app.post_json("/api/v1/admin/visits", &b)
                    .auth(&auth)
                    .await
                    .status_json()
            }
        };
        // Another province's administrator, an operator: refused.
        let (st, b) = post(&tehran, body(UNIT, "garrison", day(3))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{name}"
        );
        let (st, _) = post(&op, body(UNIT, "garrison", day(3))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        // A counter office is no unit; a past day; an unknown kind.
        let (st, b) = post(&alborz, body("30-0001", "garrison", day(3))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_mobile_unit"))
        );
        let (st, b) = post(&alborz, body(UNIT, "garrison", day(-1))).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("date_in_past"))
        );
        let (st, b) = post(&alborz, body(UNIT, "school", day(3))).await;
        assert_eq!(
            (st, err(&b), b["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_institution_kind"),
                Some("institution_kind")
            )
        );
        // A liaison must be a liaison's account.
        let mut b = body(UNIT, "garrison", day(3));
        b["liaison"] = json!("op");
        let (st, b) = post(&alborz, b).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_liaison"))
        );
        // The national administrator plans anywhere.
        let (st, b) = post(&nat, body("23-9001", "hospital", day(4))).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        assert_eq!(b["province_code"], "23");
        assert_eq!(b["fee_policy"], "institution");

        // Lists: each administrator their province; the national one all, or one province.
        let list = |auth: &str, q: &str| {
            let auth = auth.to_string();
            let uri = format!("/api/v1/admin/visits{q}");
            let app = &app;
            async move { app.get(&uri).auth(&auth).await.status_json() }
        };
        let (st, b) = list(&alborz, "").await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(b.as_array().unwrap().len(), 1, "{name}: {b}");
        assert_eq!(b[0]["visit_id"], id);
        assert_eq!(b[0]["institution_kind_fa"], "زندان");
        assert_eq!(b[0]["fee_policy"], "waived");
        let (st, _) = list(&tehran, "?province_code=30").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (_, b) = list(&nat, "").await;
        assert_eq!(b.as_array().unwrap().len(), 2);
        let (_, b) = list(&nat, "?province_code=23").await;
        assert_eq!(b.as_array().unwrap().len(), 1);
        let (st, _) = list(&op, "").await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Editing: recorded with who and when; another province's administrator does not see it.
        let (st, b) = app
            .call("PATCH", &format!("/api/v1/admin/visits/{id}"))
            .auth(&alborz)
            .json(&json!({"capacity": 5, "address": "کرج، قزل‌حصار، درِ شمالی"}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["capacity"], 5);
        let (st, _) = app
            .call("PATCH", &format!("/api/v1/admin/visits/{id}"))
            .auth(&tehran)
            .json(&json!({"capacity": 6}))
            .await
            .status_json();
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, b) = app
            .get(&format!("/api/v1/admin/visits/{id}"))
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        let events = b["events"].as_array().unwrap();
        assert_eq!(events.len(), 2, "{b}");
        assert_eq!(events[1]["actor"], "province_admin:alborz");
        assert!(events[1]["what"]
            .as_str()
            .unwrap()
            .contains("capacity 3 → 5"));
    }
}

#[tokio::test]
async fn a_visit_with_people_keeps_its_day_and_its_places() {
    for app in builder(&[]).all().await {
        let alborz = bearer(&app, "alborz").await;
        let id = plan(&app, "alborz", "prison", 3, None).await;
        let csv = format!("national_code,mobile\n{},\n{},\n", code(1), code(2));
        let (st, b) = send_roster(&app, &alborz, id, &csv).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(accepted(&b).len(), 2, "{}: {b}", app.name());
        let patch = |v: Value| {
            let app = &app;
            let alborz = alborz.clone();
            async move {
                app.call("PATCH", &format!("/api/v1/admin/visits/{id}"))
                    .auth(&alborz)
                    .json(&v)
                    .await
                    .status_json()
            }
        };
        let (st, b) = patch(json!({"capacity": 0})).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_capacity"))
        );
        let (st, b) = patch(json!({"date_jalali": day(9).to_string()})).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("visit_has_bookings"))
        );
        let (st, b) = patch(json!({"capacity": 1})).await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::CONFLICT, Some("capacity_below_booked"))
        );
    }
}
