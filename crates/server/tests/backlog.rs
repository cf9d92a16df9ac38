//! The backlog of uncollected cards, on SQLite and PostgreSQL: the administrator's list by office, reason and age
//! (masked), a campaign through the outbox to every number linked to each holder that has not failed (never the
//! same number twice in a day), the office's call list (in full only for the office holding the cards), the
//! figures (holders reached, days from arrival to delivery, the campaign's effect, the backlog by day), and a
//! revoked card listed for destruction and destroyed with who and when recorded.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use chrono::Utc;
use domain::{Mobile, Role};
use serde_json::json;
use store_suite::fixtures::code;
use store_suite::lifecycle::{ch, oid, person, ready, setup};
use testkit::{TestApp, TestStore};

const TYPED: &str = "09121234567";

#[tokio::test]
async fn a_campaign_reaches_linked_numbers_once_a_day_and_its_effect_is_counted() {
    for db in TestStore::all().await {
        let app = TestApp::builder()
            .with_settings(|s| s.pickup_period_days = 0)
            .on(db)
            .await;
        setup(&app.db).await;
        let cards = ready(&app.db, 870, 3).await;
        let s = &app.db.store;
        // Two holders have a second number at the operators; all three typed the same (a family's phone).
        for (n, linked) in [(870, "09351110870"), (871, "09351110871")] {
            let mut p = person(&code(n), "1314567890", "");
            p.mobiles = vec![
                Mobile::parse(TYPED).unwrap(),
                Mobile::parse(linked).unwrap(),
            ];
            s.upsert_persons(&[p]).await.unwrap();
        }
        assert_eq!(
            server::cards::workers::expire_pickups(&app.state)
                .await
                .unwrap(),
            3
        );

        app.create_staff("nat-bk", Role::NationalAdmin, None, None)
            .await;
        let nat = format!("Bearer {}", app.token("nat-bk").await);
        // Tehran's administrator sees none of Alborz's cards and may not name its office.
        app.create_staff("teh-bk", Role::ProvinceAdmin, None, Some("23"))
            .await;
        let teh = format!("Bearer {}", app.token("teh-bk").await);
        let op = app.operator("op-bk", "10001").await;
        let other = app.operator("op-bk2", "10002").await;

        let list = app
            .get("/api/v1/backlog/cards?state=uncollected&reason=none")
            .auth(&nat)
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text());
        let list = list.json();
        assert_eq!(list.as_array().unwrap().len(), 3, "{} {list}", app.name());
        assert_eq!(list[0]["state"], "uncollected");
        assert_eq!(list[0]["national_code"], code(870).masked());
        assert_eq!(list[0]["name"], "");
        assert!(!list.to_string().contains(TYPED), "numbers masked: {list}");
        let moved = app
            .get("/api/v1/backlog/cards?reason=moved")
            .auth(&nat)
            .await
            .json();
        assert_eq!(moved.as_array().unwrap().len(), 0);
        let none = app.get("/api/v1/backlog/cards").auth(&teh).await.json();
        assert_eq!(none.as_array().unwrap().len(), 0, "{none}");
        let refused = app
            .get("/api/v1/backlog/cards?office_id=10001")
            .auth(&teh)
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = app.get("/api/v1/backlog/cards").auth(&op).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let bad = app
            .get("/api/v1/backlog/cards?reason=lazy")
            .auth(&nat)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"]["code"], "invalid_reason");

        // The campaign: the family phone once, each linked number once; the third holder's only number had its
        // message already today.
        let body = json!({"kind": "reminder", "state": "uncollected", "office_id": "10001"});
        let started = app
            .post_json("/api/v1/backlog/campaigns", &body)
            .auth(&nat)
            .await;
        assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
        let started = started.json();
        assert_eq!(started["messages"], 3, "{} {started}", app.name());
        assert_eq!(started["skipped"], 2, "{started}");
        assert_eq!(started["cards"], 2, "{started}");
        let (tc0, id0) = cards[0];
        let msgs: Vec<_> = s
            .sms_of(id0)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind.starts_with("campaign:"))
            .collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.mobile.as_str() == "09351110870"));
        assert!(msgs[0].text.contains("روز است"), "{}", msgs[0].text);
        // The same day again: nothing goes.
        let again = app
            .post_json("/api/v1/backlog/campaigns", &body)
            .auth(&nat)
            .await
            .json();
        assert_eq!(
            (again["messages"].as_u64(), again["skipped"].as_u64()),
            (Some(0), Some(5)),
            "{again}"
        );

        // A message delivered counts its holder reached; a card collected counts for the campaign and the wait.
        s.sms_report(msgs[0].id, true, "delivered", Utc::now())
            .await
            .unwrap();
        assert!(s
            .deliver(&tc0, &oid("10001"), 0, &ch("operator:op-bk"))
            .await
            .unwrap());
        server::backlog::figures::snapshot(&app.state)
            .await
            .unwrap();
        let f = app.get("/api/v1/backlog/figures").auth(&nat).await.json();
        let total = &f["total"];
        assert_eq!(total["waiting"], 2, "{} {f}", app.name());
        assert_eq!(total["uncollected"], 2);
        assert_eq!(
            (total["arrived"].as_u64(), total["reached"].as_u64()),
            (Some(3), Some(1)),
            "{f}"
        );
        assert_eq!(total["median_days_to_delivery"], 0);
        assert_eq!(f["offices"][0]["id"], "10001");
        let c = &f["campaigns"];
        assert_eq!(c.as_array().unwrap().len(), 2);
        assert_eq!(c[1]["collected_within_14_days"], 1, "{c}");
        assert_eq!(c[1]["delivered"], 1, "{c}");
        assert_eq!(c[1]["created_by"], "nat-bk");
        let day = &f["over_time"][0];
        assert_eq!(
            (day["waiting"].as_u64(), day["uncollected"].as_u64()),
            (Some(2), Some(2)),
            "{f}"
        );

        // The call list: in full for the office holding the cards, masked for the administrator, refused to another
        // office.
        let mine = app
            .get("/api/v1/backlog/call-list/10001")
            .auth(&op)
            .await
            .json();
        assert_eq!(mine.as_array().unwrap().len(), 2, "{mine}");
        assert_eq!(mine[0]["national_code"], code(871).as_str());
        assert_eq!(mine[0]["mobile"], TYPED);
        assert!(mine[0]["name"].as_str().unwrap().contains("مریم"), "{mine}");
        let masked = app
            .get("/api/v1/backlog/call-list/10001?format=csv")
            .auth(&nat)
            .await;
        assert!(masked
            .text()
            .starts_with("tracking_code,national_code,name,mobile"));
        assert!(
            masked.text().contains(&code(871).masked()),
            "{}",
            masked.text()
        );
        assert!(!masked.text().contains(code(871).as_str()));
        let theirs = app
            .get("/api/v1/backlog/call-list/10001")
            .auth(&other)
            .await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN);

        // The holder of the third card dies: its card is revoked, listed for destruction, destroyed once.
        let serials = s
            .revoke_cards_of(&code(872), &ch("system:deaths"))
            .await
            .unwrap();
        assert_eq!(serials.len(), 1);
        let listed = app.get("/api/v1/backlog/to-destroy").auth(&op).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["chip_serial"], serials[0].as_str());
        assert!(app
            .get("/api/v1/backlog/to-destroy")
            .auth(&other)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty());
        let path = format!("/api/v1/office/cards/{}/destroyed", serials[0].as_str());
        let refused = app.post(&path).auth(&other).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "another office's card"
        );
        let done = app.post(&path).auth(&op).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(
            app.post(&path).auth(&op).await.status,
            StatusCode::NOT_FOUND
        );
        let history = s.history(&cards[2].0).await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(last.event, domain::HistoryEvent::CARD_DESTROYED);
        assert_eq!(last.actor, "operator:op-bk");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_pages_list_start_a_campaign_and_record_a_destruction() {
    let app = TestApp::builder()
        .with_settings(|s| s.pickup_period_days = 0)
        .on(TestStore::sqlite().await)
        .await;
    setup(&app.db).await;
    let cards = ready(&app.db, 880, 2).await;
    server::cards::workers::expire_pickups(&app.state)
        .await
        .unwrap();
    app.create_staff("nat-pg", Role::NationalAdmin, None, None)
        .await;
    let cookie = format!("shenas_staff={}", app.token("nat-pg").await);

    let page = app
        .get("/admin/backlog?state=uncollected")
        .cookie(&cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("کارت‌های منتظر تحویل"), "{html}");
    assert!(html.contains("id=\"campaign-form\""));
    assert!(!html.contains(code(880).as_str()), "national codes masked");
    let bad = app.get("/admin/backlog?reason=lazy").cookie(&cookie).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let started = app
        .post_form(
            "/admin/backlog/campaigns",
            &[
                ("kind", "moved"),
                ("state", "uncollected"),
                ("office_id", ""),
                ("reason", ""),
                ("min_days", "0"),
            ],
        )
        .cookie(&cookie)
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
    let to = started.header("location").unwrap();
    assert!(to.contains("started="), "{to}");
    let sms = app.db.store.sms_of(cards[0].1).await.unwrap();
    let moved = sms
        .iter()
        .find(|m| m.kind.starts_with("campaign:"))
        .unwrap();
    assert!(
        moved
            .text
            .contains(&format!("/applications/{}/office", cards[0].0.as_str())),
        "the portal's link: {}",
        moved.text
    );
    let after = app.get(to).cookie(&cookie).await.text();
    assert!(after.contains("id=\"campaigns\""), "{after}");

    // The office's page: the call list in full, the card to destroy and its button.
    let serials = app
        .db
        .store
        .revoke_cards_of(&code(881), &ch("system:deaths"))
        .await
        .unwrap();
    let op = app.operator("op-pg", "10001").await;
    let op_cookie = format!("shenas_staff={}", op.trim_start_matches("Bearer "));
    let page = app.get("/office/backlog").cookie(&op_cookie).await.text();
    let fa: String = code(880)
        .as_str()
        .chars()
        .map(|c| char::from_u32(0x06F0 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    assert!(
        page.contains(&fa),
        "the national code in full, in Persian digits: {page}"
    );
    assert!(page.contains(serials[0].as_str()));
    let done = app
        .post(&format!(
            "/office/backlog/destroyed/{}",
            serials[0].as_str()
        ))
        .cookie(&op_cookie)
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.text().contains("id=\"none-to-destroy\""),
        "{}",
        done.text()
    );
    assert_eq!(
        app.get("/office/backlog").await.status,
        StatusCode::SEE_OTHER
    );

    // Who may not: no token, an operator starting a campaign, an administrator recording a destruction.
    assert_eq!(
        app.get("/api/v1/backlog/cards").await.status,
        StatusCode::UNAUTHORIZED
    );
    let body = json!({"kind": "reminder"});
    let refused = app
        .post_json("/api/v1/backlog/campaigns", &body)
        .auth(&op)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let nat = format!("Bearer {}", app.token("nat-pg").await);
    let refused = app
        .post(&format!(
            "/api/v1/office/cards/{}/destroyed",
            serials[0].as_str()
        ))
        .auth(&nat)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A replayed campaign request is answered from the first: one campaign, not two.
    let first = app
        .post_json("/api/v1/backlog/campaigns", &body)
        .auth(&nat)
        .header("idempotency-key", "campaign-2026-12-02")
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = app
        .post_json("/api/v1/backlog/campaigns", &body)
        .auth(&nat)
        .header("idempotency-key", "campaign-2026-12-02")
        .await;
    assert_eq!(again.json()["campaign_id"], first.json()["campaign_id"]);
    let listed = app.get("/api/v1/backlog/campaigns").auth(&nat).await.json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "the page's and this one: {listed}"
    );
}
