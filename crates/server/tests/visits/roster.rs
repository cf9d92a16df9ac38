//! Rosters: every row answered; good rows land, bad rows come back with their codes and write nothing; the fee
//! by the institution kind's policy; who may send one.

use super::*;
use domain::{FeePolicy, TrackingCode};
use testkit::{code, err, mobile};

fn tc(s: &str) -> TrackingCode {
    TrackingCode::parse(s).unwrap()
}

#[tokio::test]
async fn a_roster_lands_its_good_rows_and_answers_each_bad_one() {
    let extra = [
        person(31).dead_on("1400-01-01"),
        person(32).born("1395-01-01"),
        PersonBuilder::with_code(code(33)),
    ];
    for app in builder(&extra).all().await {
        let name = app.name();
        let s = &app.db.store;
        let alborz = bearer(&app, "alborz").await;
        // Person 3 already has an application in progress.
        app.file(&testkit::filing(&person(3))).await;
        let visit = plan(&app, "alborz", "prison", 6, None).await;
        let rows = [
            format!("{},", code(1)),
            format!("{},{}", code(2), mobile(2)),
            format!("{},09129999999", code(4)),
            format!("{},", code(31)),
            format!("{},", code(32)),
            format!("{},", code(3)),
            format!("{},", code(99)),
            "123,".to_string(),
            format!("{},", code(33)),
            format!("{},", code(1)),
            format!("{},", code(5)),
            format!("{},", code(6)),
            format!("{},", code(7)),
            format!("{},", code(8)),
            format!("{},", code(9)),
        ];
        let csv = format!("national_code,mobile\n{}\n", rows.join("\n"));
        let (st, b) = send_roster(&app, &alborz, visit, &csv).await;
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        let lines: Vec<u64> = accepted(&b).iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 12, 13, 14, 15], "{name}: {b}");
        let refused: Vec<(u64, String)> = rejected(&b);
        let expected = [
            (4, "mobile_not_owned"),
            (5, "deceased"),
            (6, "underage"),
            (7, "active_application_exists"),
            (8, "registry_mismatch"),
            (9, "invalid_national_code"),
            (10, "no_mobile"),
            (11, "duplicate_row"),
            (16, "no_capacity"),
        ];
        let expected: Vec<(u64, String)> =
            expected.iter().map(|(l, c)| (*l, c.to_string())).collect();
        assert_eq!(refused, expected, "{name}: {b}");
        assert!(b["rejected"][0]["message"]
            .as_str()
            .unwrap()
            .contains("شماره"));

        // The accepted are booked at the unit on the visit's day, their fee waived with the reason recorded.
        for (_, t) in accepted(&b) {
            let a = s.application(&tc(&t)).await.unwrap().unwrap();
            assert_eq!(
                a.state,
                domain::ApplicationState::AppointmentBooked,
                "{name}"
            );
            let appt = a.appointment.unwrap();
            assert_eq!((appt.office_id.as_str(), appt.date), (UNIT, day(5)));
            let history = s.history(&tc(&t)).await.unwrap();
            assert!(history.iter().any(|h| h
                .reason
                .as_ref()
                .is_some_and(|r| r.to_string().contains("fee waived"))));
        }
        // The refused wrote nothing.
        for n in [4, 9, 31, 32, 33, 99] {
            assert!(
                s.active_application(&code(n)).await.unwrap().is_none(),
                "{name}: {n}"
            );
        }
        let v = s.visit(visit).await.unwrap().unwrap();
        assert_eq!(v.booked, 6);
        assert_eq!(s.visit_roster(visit).await.unwrap().len(), 6);
        // Refused inquiries are kept as at a desk.
        let audit = s
            .inquiry_refusals("province_admin:alborz", 10)
            .await
            .unwrap();
        let mut outcomes: Vec<&str> = audit.iter().map(|r| r.outcome.as_str()).collect();
        outcomes.sort_unstable();
        assert_eq!(
            outcomes,
            [
                "deceased",
                "mobile_not_owned",
                "registry_mismatch",
                "underage"
            ]
        );
        assert_eq!(audit[0].office.as_str(), UNIT);

        // The roster's people through the API, national codes masked.
        let (st, r) = app
            .get(&format!("/api/v1/visits/{visit}/roster"))
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        assert_eq!(r.as_array().unwrap().len(), 6);
        assert!(r[0]["national_code"].as_str().unwrap().contains('*'));
        assert_eq!(r[0]["state"], "appointment_booked");
    }
}

#[tokio::test]
async fn a_roster_is_refused_whole_only_for_what_is_not_a_roster() {
    for app in builder(&[]).all().await {
        let alborz = bearer(&app, "alborz").await;
        let tehran = bearer(&app, "tehran").await;
        let op = bearer(&app, "op").await;
        let visit = plan(&app, "alborz", "garrison", 5, None).await;
        let ok = format!("national_code,mobile\n{},\n", code(1));
        let (st, b) = send_roster(&app, &alborz, visit, "code\n1234567890\n").await;
        assert_eq!(
            (st, err(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_roster"))
        );
        let (st, b) = app
            .post(&format!("/api/v1/visits/{visit}/roster"))
            .auth(&alborz)
            .body("application/json", ok.clone())
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some("unsupported_media_type")
            )
        );
        let (st, _) = send_roster(&app, &tehran, visit, &ok).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = send_roster(&app, &op, visit, &ok).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = send_roster(&app, &alborz, visit + 100, &ok).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = app
            .post(&format!("/api/v1/visits/{visit}/roster"))
            .body("text/csv", ok.clone())
            .await
            .status_json();
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        // Nothing was booked by any of these.
        assert_eq!(app.db.store.visit(visit).await.unwrap().unwrap().booked, 0);
    }
}

#[tokio::test]
async fn the_fee_follows_the_institution_kinds_policy() {
    let b = builder(&[]).with_settings(|s| s.unit_fees.home = Some(FeePolicy::Person));
    for app in b.all().await {
        let name = app.name();
        let s = &app.db.store;
        let alborz = bearer(&app, "alborz").await;
        let fee = app
            .state
            .settings
            .fees
            .application_fee(testkit::today().year(), domain::Channel::Portal);

        // A care home pays for its residents in one invoice.
        let care = plan(&app, "alborz", "care_home", 5, None).await;
        let csv = format!("national_code,mobile\n{},\n{},\n", code(1), code(2));
        let (st, b) = send_roster(&app, &alborz, care, &csv).await;
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        assert_eq!(accepted(&b).len(), 2);
        let (_, d) = app
            .get(&format!("/api/v1/admin/visits/{care}"))
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(d["invoice"]["people"], 2, "{name}: {d}");
        assert_eq!(d["invoice"]["amount_rials"], 2 * fee);
        assert_eq!(d["invoice"]["state"], "open");
        for (_, t) in accepted(&b) {
            assert_eq!(app.state_of(&t).await, "appointment_booked");
        }
        let paid = format!("/api/v1/admin/visits/{care}/invoice/paid");
        let (st, i) = app
            .post_json(&paid, &json!({"reference": "TRS-1405-77"}))
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK, "{i}");
        assert_eq!(
            (i["state"].as_str(), i["paid_ref"].as_str()),
            (Some("paid"), Some("TRS-1405-77"))
        );
        let (st, i) = app
            .post_json(&paid, &json!({"reference": "TRS-1405-77"}))
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(
            (st, err(&i)),
            (StatusCode::CONFLICT, Some("no_open_invoice"))
        );

        // At home the person pays (as configured): booked onto the visit, the appointment comes with the payment.
        let home = plan(&app, "alborz", "home", 5, None).await;
        let csv = format!("national_code,mobile\n{},{}\n", code(6), mobile(6));
        let (st, b) = send_roster(&app, &alborz, home, &csv).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let t = accepted(&b)[0].1.clone();
        assert_eq!(app.state_of(&t).await, "awaiting_payment");
        assert!(s.visit_invoice(home).await.unwrap().is_none());
        app.pay(&t, code(6).as_str()).await;
        let a = s.application(&tc(&t)).await.unwrap().unwrap();
        assert_eq!(
            a.state,
            domain::ApplicationState::AppointmentBooked,
            "{name}"
        );
        let appt = a.appointment.unwrap();
        assert_eq!((appt.office_id.as_str(), appt.date), (UNIT, day(5)));
    }
}

#[tokio::test]
async fn only_the_liaison_named_on_a_visit_sends_its_roster() {
    let b = builder(&[])
        .staff("liaison.qh", Role::Liaison, None, Some("30"))
        .staff("liaison.other", Role::Liaison, None, Some("30"));
    for app in b.all().await {
        let name = app.name();
        let visit = plan(&app, "alborz", "prison", 5, Some("liaison.qh")).await;
        // Named on a visit to an institution, the liaison is bound to it.
        let bound = app
            .db
            .store
            .user_institution("liaison.qh")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(bound.name, "زندان قزل‌حصار", "{name}");
        let mine = bearer(&app, "liaison.qh").await;
        let other = bearer(&app, "liaison.other").await;
        let csv = format!("national_code,mobile\n{},\n", code(1));
        let (st, _) = send_roster(&app, &other, visit, &csv).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let (st, b) = send_roster(&app, &mine, visit, &csv).await;
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        assert_eq!(accepted(&b).len(), 1);
        let t = &accepted(&b)[0].1;
        let history = app.db.store.history(&tc(t)).await.unwrap();
        assert_eq!(history[0].actor, "liaison:liaison.qh");
        // A liaison sees the roster's answer, but plans and lists nothing.
        let (st, _) = app
            .get(&format!("/api/v1/visits/{visit}/roster"))
            .auth(&mine)
            .await
            .status_json();
        assert_eq!(st, StatusCode::OK);
        let (st, _) = app
            .get("/api/v1/admin/visits")
            .auth(&mine)
            .await
            .status_json();
        assert_eq!(st, StatusCode::FORBIDDEN);
        // A liaison bound to one institution cannot be named on another's visit.
        let alborz = bearer(&app, "alborz").await;
        let (st, b) = app
            .post_json(
                "/api/v1/admin/visits",
                &json!({"unit_id": UNIT, "institution_kind": "garrison", "institution_name": "پادگان کرج",
                        "address": "کرج", "date_jalali": day(6).to_string(), "capacity": 5,
                        "liaison": "liaison.qh"}),
            )
            .auth(&alborz)
            .await
            .status_json();
        assert_eq!(
            (st, err(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("liaison_of_another_institution")
            )
        );
    }
}
