//! The holder picks the office by USSD (issue 14, item 4), on SQLite and PostgreSQL: a card waiting at an office
//! is sent to another office of the province the holder names by its area code, and a card not yet on its way
//! changes its destination; a "no" changes nothing, a wrong area code gets a hint, and a gateway's retry of the
//! confirming request does not ship the card twice.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::http::StatusCode;
use domain::text::to_persian_digits;
use domain::TrackingCode;
use store_suite::fixtures::code;
use store_suite::lifecycle::{enrolled, ready, setup};
use testkit::{TestApp, TestStore};

async fn ussd(app: &TestApp, session: &str, text: &str) -> String {
    let a = app
        .post_form(
            "/ussd",
            &[
                ("sessionId", session),
                ("serviceCode", "*4*6090#"),
                ("phoneNumber", "09359990000"),
                ("text", text),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let t = a.text();
    assert!(t.chars().count() <= 80, "{t}");
    t
}

/// The inputs that reach an application by national code and tracking code, then `rest`.
fn path(n: u32, tc: &TrackingCode, rest: &str) -> String {
    format!(
        "2*{}*{}{rest}",
        to_persian_digits(code(n).as_str()),
        tc.as_str()
    )
}

#[tokio::test]
async fn a_waiting_card_is_sent_to_another_office_and_a_pending_one_redirected() {
    for db in TestStore::all().await {
        let app = TestApp::builder()
            .peer(std::net::SocketAddr::from(([127, 0, 0, 1], 40_000)))
            .on(db)
            .await;
        setup(&app.db).await;
        let (tc, _) = ready(&app.db, 890, 1).await[0];

        let waits = ussd(&app, "u1", &path(890, &tc, "")).await;
        assert!(waits.ends_with("۱- نشانی ۲- دفتر دیگر"), "{waits}");
        let ask = ussd(&app, "u1", &path(890, &tc, "*2")).await;
        assert_eq!(ask, "CON پیش‌شمارهٔ استان دفتر تازه (مثلاً ۰۲۱):");
        let hint = ussd(&app, "u1", &path(890, &tc, "*2*999")).await;
        assert!(hint.starts_with("CON پیش‌شماره درست نیست."), "{hint}");
        // Alborz (026): its two offices.
        let list = ussd(&app, "u1", &path(890, &tc, "*2*۰۲۶")).await;
        assert!(list.starts_with("CON دفترها:\n۱- "), "{list}");
        assert!(list.contains("\n۲- "), "{list}");
        let confirm = ussd(&app, "u1", &path(890, &tc, "*2*026*2")).await;
        assert!(confirm.starts_with("CON ارسال کارت به:"), "{confirm}");
        assert!(confirm.ends_with("۱- بله\n۲- خیر"), "{confirm}");
        let no = ussd(&app, "u2", &path(890, &tc, "*2*026*2*2")).await;
        assert_eq!(no, "END دفتر تحویل تغییر نکرد.");
        assert!(app
            .db
            .store
            .shipments_to(&store_suite::lifecycle::oid("10002"), 10)
            .await
            .unwrap()
            .is_empty());

        let yes = ussd(&app, "u3", &path(890, &tc, "*2*026*2*1")).await;
        assert!(
            yes.starts_with("END کارت به این دفتر فرستاده می‌شود:"),
            "{} {yes}",
            app.name()
        );
        let shipped = app
            .db
            .store
            .shipments_to(&store_suite::lifecycle::oid("10002"), 10)
            .await
            .unwrap();
        assert_eq!(shipped.len(), 1, "{}", app.name());
        // The gateway sends the same request again: still one shipment.
        let again = ussd(&app, "u3", &path(890, &tc, "*2*026*2*1")).await;
        assert!(again.starts_with("END "), "{again}");
        assert_eq!(
            app.db
                .store
                .shipments_to(&store_suite::lifecycle::oid("10002"), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let history = app.db.store.history(&tc).await.unwrap();
        assert!(
            history.iter().any(|h| h.actor == "citizen:ussd"),
            "{history:?}"
        );

        // Enrolled, not yet made: only the destination changes.
        let pending = enrolled(&app.db, 891, "10001").await;
        let screen = ussd(&app, "u4", &path(891, &pending, "")).await;
        assert!(screen.ends_with("۲- دفتر دیگر"), "{screen}");
        let done = ussd(&app, "u4", &path(891, &pending, "*2*026*2*1")).await;
        assert!(
            done.starts_with("END کارت به این دفتر فرستاده می‌شود:"),
            "{done}"
        );
        let history = app.db.store.history(&pending).await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(
            last.event,
            domain::HistoryEvent::DESTINATION_CHANGED,
            "{}",
            app.name()
        );
        assert_eq!(last.actor, "citizen:ussd");
        app.db.cleanup().await;
    }
}
