//! A prison visit's enrollment, end to end with the network unplugged and then restored, on SQLite and on
//! PostgreSQL at the service (the kit always runs on its own SQLite): the kit registers, waits for approval,
//! loads the visit; the desk's API enrolls on the kit with the service unreachable; sync fails gracefully and
//! loses nothing; the packets go by USB stick (`packets import`) and by sync once the network is back. Each refusal
//! is checked: a packet taken twice is taken once, an altered one, one for another visit, one whose application is
//! no longer enrollable, and a revoked kit's.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use axum::http::StatusCode;
use chrono::Utc;
use common::{kit_desk, listen, point_at};
use domain::{
    ApplicationState, Channel, FeePolicy, InstitutionKind, Mobile, OfficeId, ProvinceCode, Reason,
    TrackingCode,
};
use kit::KitDir;
use serde_json::json;
use server::kits::take::{take, Taken};
use store::journey::NewApplication;
use store::kits::KitState;
use store::visits::{NewVisit, VisitBooked};
use testkit::{office, Call, PersonBuilder, TestApp, TestStore};

const UNIT: &str = "30-9001";
const OTHER_UNIT: &str = "30-9002";

async fn visit(app: &TestApp, unit: &str) -> i64 {
    app.state
        .store
        .visit_create(&NewVisit {
            unit: OfficeId::parse(unit).unwrap(),
            province: ProvinceCode::parse("30").unwrap(),
            kind: InstitutionKind::Prison,
            institution_id: None,
            institution_name: "زندان قزل‌حصار".into(),
            address: "کرج، قزل‌حصار".into(),
            date: app.open_day(),
            capacity: 20,
            liaison: None,
            area: None,
            created_by: "admin:test".into(),
            at: Utc::now(),
        })
        .await
        .unwrap()
}

/// Person `n` on the roster of `visit` (fee waived): the tracking code.
async fn rostered(app: &TestApp, visit: i64, n: u32, unit: &str) -> String {
    let booked = app
        .state
        .store
        .visit_book_new(
            visit,
            n + 1,
            FeePolicy::Waived,
            &NewApplication {
                tracking_code: TrackingCode::from_body(u64::from(n) * 7919 + 104_729),
                national_code: testkit::code(n),
                reason: Reason::FirstIssue,
                channel: Channel::Office,
                mobile: Mobile::parse(&testkit::mobile(n)).unwrap(),
                fee_rials: 0,
                filing_office: Some(OfficeId::parse(unit).unwrap()),
                province: Some(ProvinceCode::parse("30").unwrap()),
                actor: "liaison:test".into(),
                at: Utc::now(),
            },
        )
        .await
        .unwrap();
    match booked {
        VisitBooked::Booked {
            tracking_code,
            appointment: Some(_),
            ..
        } => tracking_code.as_str().to_string(),
        other => panic!("person {n} not booked: {other:?}"),
    }
}

async fn state_of(app: &TestApp, tc: &str) -> ApplicationState {
    app.state
        .store
        .application(&TrackingCode::parse(tc).unwrap())
        .await
        .unwrap()
        .unwrap()
        .state
}

fn code_of(e: &server::error::ApiError) -> &str {
    &e.detail.code
}

#[tokio::test]
async fn a_visit_enrolled_offline_reaches_the_service_by_usb_and_by_sync() {
    for db in TestStore::all().await {
        scenario(db).await;
    }
}

async fn scenario(db: TestStore) {
    let backend = db.name;
    let people: Vec<PersonBuilder> = (1..=6).map(PersonBuilder::new).collect();
    let persons: Vec<domain::Person> = people.iter().map(PersonBuilder::build).collect();
    let app = TestApp::builder()
        .persons(&persons)
        .offices(&[
            office(UNIT).kind("mobile_unit").name("واحد سیار ۱").build(),
            office(OTHER_UNIT)
                .kind("mobile_unit")
                .name("واحد سیار ۲")
                .build(),
        ])
        .on(db)
        .await;
    let url = listen(&app).await;
    let prison = visit(&app, UNIT).await;
    let garrison = visit(&app, OTHER_UNIT).await;
    let mut tcs = Vec::new();
    for n in 1..=5 {
        tcs.push(rostered(&app, prison, n, UNIT).await);
    }
    let elsewhere = rostered(&app, garrison, 6, OTHER_UNIT).await;

    // init: registered, pending; loading is refused until an administrator approves the kit.
    let tmp = tempfile::tempdir().unwrap();
    let dir = KitDir::new(tmp.path().join("kit"));
    let reg = kit::init(&dir, &url, UNIT).await.unwrap();
    assert_eq!(reg.state, "pending", "{backend}");
    assert_eq!(
        reg.service_public_key,
        hex::encode(app.state.services.packet_key.public())
    );
    let e = kit::load(&dir, prison).await.unwrap_err();
    assert!(e.to_string().contains("kit_not_approved"), "{backend}: {e}");
    let kit_id = reg.kit_id.clone();
    let approved =
        server::kits::change(&app.state.store, &kit_id, KitState::Approved, "admin:test")
            .await
            .unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("admin:test"));
    assert!(approved.approved_at.is_some());

    // load: the visit's five people, on the kit's own database.
    let loaded = kit::load(&dir, prison).await.unwrap();
    assert_eq!((loaded.people, loaded.new), (5, 5), "{backend}");
    assert_eq!(
        kit::load(&dir, prison).await.unwrap().new,
        0,
        "{backend}: loaded twice"
    );
    let e = kit::load(&dir, garrison).await.unwrap_err();
    assert!(e.to_string().contains("not_found"), "{backend}: {e}");

    // The cable is pulled: enrollment on the kit goes on.
    point_at(&dir, "http://127.0.0.1:9");
    let (desk, op) = kit_desk(&dir, UNIT).await;
    for (i, tc) in tcs.iter().enumerate().take(4) {
        let body = testkit::enrollment::json_body(tc, 40 + i as u64, &[]);
        let a = Call::new(&desk, "POST", "/api/v1/office/enrollments")
            .auth(&op)
            .json(&body)
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{backend}: {}", a.text());
    }
    // The fifth through the desk's pages on the kit, as its operator would.
    let a = Call::new(&desk, "POST", "/office/login")
        .form(&[("username", "kitop"), ("password", testkit::PASSWORD)])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{backend}: {}", a.text());
    let cookie = a
        .set_cookie()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let a = Call::new(&desk, "POST", &format!("/office/enroll/{}", tcs[4]))
        .multipart(&testkit::enrollment::form_of(44))
        .cookie(&cookie)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{backend}: {}", a.text());
    // The receipt prints on site.
    let a = Call::new(
        &desk,
        "GET",
        &format!("/api/v1/office/receipts/{}.pdf", tcs[0]),
    )
    .auth(&op)
    .await;
    assert_eq!(a.status, StatusCode::OK, "{backend}: {}", a.text());
    // The kit's page lists what waits.
    let a = Call::new(&desk, "GET", "/office/packets")
        .cookie(&cookie)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{backend}: {}", a.text());
    assert_eq!(a.text().matches("در انتظار ارسال").count(), 5, "{backend}");
    let r = kit::sync(&dir).await.unwrap();
    assert!(r.unreachable, "{backend}");
    assert_eq!((r.sent, r.waiting), (0, 5), "{backend}");
    let kept = dir.store().await.unwrap().kit_packets().await.unwrap();
    assert_eq!(kept.len(), 5);
    assert!(kept.iter().all(|p| p.state == "waiting"));
    for tc in &tcs {
        assert_eq!(
            state_of(&app, tc).await,
            ApplicationState::AppointmentBooked
        );
    }

    // A USB stick: export, then `packets import` at the service.
    let usb = tmp.path().join("usb");
    assert_eq!(kit::export(&dir, &usb).await.unwrap(), 5);
    let file_of = |tc: &str| {
        let p = kept.iter().find(|p| p.tracking_code == tc).unwrap();
        std::fs::read(usb.join(format!("{}.shpk", p.packet_id))).unwrap()
    };
    let first = file_of(&tcs[0]);
    assert!(matches!(
        take(&app.state, &first, "import").await.unwrap(),
        Taken::New(_)
    ));
    assert_eq!(state_of(&app, &tcs[0]).await, ApplicationState::Enrolled);
    let e = app
        .state
        .store
        .enrollment(&TrackingCode::parse(&tcs[0]).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.office.as_str(), UNIT);
    assert_eq!(e.operator, format!("kit:{kit_id}/operator:kitop"));
    // Taken once: the same packet again answers the same and changes nothing.
    let history = app
        .state
        .store
        .history(&e.tracking_code)
        .await
        .unwrap()
        .len();
    match take(&app.state, &first, "import").await.unwrap() {
        Taken::Again(a) => assert_eq!(a.state, "enrolled"),
        other => panic!("{backend}: {other:?}"),
    }
    assert_eq!(
        app.state
            .store
            .history(&e.tracking_code)
            .await
            .unwrap()
            .len(),
        history
    );

    // An altered packet.
    let mut altered = file_of(&tcs[1]);
    let n = altered.len();
    altered[n / 2] ^= 0x40;
    let err = take(&app.state, &altered, "import").await.unwrap_err();
    assert_eq!(code_of(&err), "packet_invalid", "{backend}");
    assert_eq!(
        state_of(&app, &tcs[1]).await,
        ApplicationState::AppointmentBooked
    );

    // An application no longer enrollable: the registry records a death since the roster.
    let dead = people[2]
        .clone()
        .dead_on(&app.open_day().to_string())
        .build();
    app.state.store.upsert_persons(&[dead]).await.unwrap();
    let err = take(&app.state, &file_of(&tcs[2]), "import")
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "application_not_enrollable", "{backend}");
    assert_eq!(
        state_of(&app, &tcs[2]).await,
        ApplicationState::AppointmentBooked
    );

    // A packet for another visit: the garrison's person, signed by this kit, with either visit.
    let key = dir.key().unwrap();
    let forged = |visit_id: i64| {
        let p = packets::Packet {
            packet_id: rand_id(visit_id),
            kit_id: kit_id.clone(),
            visit_id,
            tracking_code: elsewhere.clone(),
            national_code: testkit::code(6).as_str().into(),
            operator: "kitop".into(),
            enrolled_at: Utc::now(),
            birth_certificate_seen: true,
            old_card_collected: false,
            photo: intake::fixtures::photo_jpeg(600, 800, 99),
            fingerprints: intake::fixtures::ten_prints(99)
                .into_iter()
                .map(|(position, d)| packets::Finger {
                    position,
                    status: "captured".into(),
                    format: Some("iso19794_2".into()),
                    data: Some(d),
                })
                .collect(),
            signature: intake::fixtures::signature_png(),
        };
        packets::seal(&p, &key, &app.state.services.packet_key.public())
    };
    for v in [prison, garrison] {
        let err = take(&app.state, &forged(v), "upload").await.unwrap_err();
        assert_eq!(code_of(&err), "visit_mismatch", "{backend}: visit {v}");
    }
    assert_eq!(
        state_of(&app, &elsewhere).await,
        ApplicationState::AppointmentBooked
    );

    // The cable is back: sync sends what waits, records each answer, shows the refusal.
    point_at(&dir, &url);
    let r = kit::sync(&dir).await.unwrap();
    assert!(!r.unreachable, "{backend}");
    assert_eq!(
        (r.sent, r.taken, r.duplicates),
        (5, 3, 1),
        "{backend}: {r:?}"
    );
    assert_eq!(r.refused.len(), 1, "{backend}: {r:?}");
    assert_eq!(r.refused[0].tracking_code, tcs[2]);
    assert_eq!(r.refused[0].code, "application_not_enrollable");
    for tc in [&tcs[0], &tcs[1], &tcs[3], &tcs[4]] {
        assert_eq!(
            state_of(&app, tc).await,
            ApplicationState::Enrolled,
            "{backend}"
        );
    }
    let kept = dir.store().await.unwrap().kit_packets().await.unwrap();
    assert_eq!(kept.iter().filter(|p| p.state == "taken").count(), 4);
    let refused = kept.iter().find(|p| p.state == "refused").unwrap();
    assert_eq!(refused.code.as_deref(), Some("application_not_enrollable"));
    let a = Call::new(&desk, "GET", "/office/packets")
        .cookie(&cookie)
        .await;
    assert!(a.text().contains("application_not_enrollable"), "{backend}");
    assert_eq!(a.text().matches("پذیرفته شد").count(), 4, "{backend}");
    // Through the API, a repeat is 200 with the same body.
    let a = Call::new(&app.router, "POST", "/api/v1/packets")
        .body("application/octet-stream", first.clone())
        .await;
    assert_eq!(a.status, StatusCode::OK, "{backend}: {}", a.text());
    assert_eq!(
        a.json(),
        json!({"tracking_code": tcs[0], "state": "enrolled"})
    );

    // Revoked: recorded with who and when; its packets are refused from then on, and it loads nothing.
    let revoked = server::kits::change(&app.state.store, &kit_id, KitState::Revoked, "admin:test")
        .await
        .unwrap();
    assert_eq!(revoked.revoked_by.as_deref(), Some("admin:test"));
    let a = Call::new(&app.router, "POST", "/api/v1/packets")
        .body("application/octet-stream", forged(prison))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{backend}: {}", a.text());
    assert_eq!(a.json()["error"]["code"], "kit_revoked");
    let e = kit::load(&dir, prison).await.unwrap_err();
    assert!(e.to_string().contains("kit_revoked"), "{backend}: {e}");
    let r = kit::sync(&dir).await.unwrap();
    assert_eq!(r.refused.len(), 1, "{backend}: {r:?}");
    assert_eq!(r.refused[0].code, "kit_revoked");
}

fn rand_id(seed: i64) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&seed.to_be_bytes());
    id[8..].copy_from_slice(&Utc::now().timestamp_micros().to_be_bytes());
    id
}
