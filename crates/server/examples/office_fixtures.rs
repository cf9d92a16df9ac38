//! Files for trying the office pages by hand or in a browser test (`tools/browser/office.mjs`), and optionally a
//! demo service with an office's day already under way.
//!
//! ```text
//! cargo run -p shenas-server --example office_fixtures -- DIR [--serve 127.0.0.1:8098]
//! ```
//!
//! Writes to DIR: `finger-01.iso` … `finger-10.iso` (ISO/IEC 19794-2 records of one synthetic person),
//! `photo.jpg` (600 × 800), `small-photo.jpg` (too small: refused), `signature.png`.
//!
//! With `--serve`, also starts the service on a throw-away SQLite database with office `30-0001` (operator `op1`,
//! supervisor `sup1`, password `office-demo-password`) and today's appointments there: some waiting to enroll
//! (one of them for the files above), one duplicate hit for the supervisor, one card waiting for pickup, one card
//! in a shipment on its way, one card uncollected (and a backlog campaign to it, and sixty days of made-up backlog
//! history for the chart); a national administrator `admin` for `/admin/stats` and `/admin/backlog`. It writes `demo.json` (who and which tracking codes) and `probe-match.iso` /
//! `probe-stranger.iso` (the waiting card's holder's right index finger, and someone else's), then serves until
//! stopped.

#![allow(clippy::unwrap_used)] // a demo tool: a failure is a failed run

use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, Mobile, NationalCode, OfficeId, Reason, Role, TrackingCode,
};
use server::auth::Staff;
use server::enrollment::{enroll, Capture, CapturedFinger, Documents};
use server::state::today;
use server::{AppState, Settings};
use std::path::{Path, PathBuf};
use store::journey::{Change, NewApplication};
use store::production::{CardOutcome, CardResult};
use testkit::app::create_user;
use testkit::{code_of, office, PersonBuilder};

const PASSWORD: &str = "office-demo-password";
const OFFICE: &str = "30-0001";
/// The synthetic person whose files are written for the browser's enrollment.
const FILES_SEED: u64 = 1;
/// The holder of the card waiting for pickup.
const READY_SEED: u64 = 3;

fn write_files(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (p, record) in intake::fixtures::ten_prints(FILES_SEED) {
        std::fs::write(dir.join(format!("finger-{p:02}.iso")), record).unwrap();
    }
    std::fs::write(
        dir.join("photo.jpg"),
        intake::fixtures::photo_jpeg(600, 800, FILES_SEED),
    )
    .unwrap();
    std::fs::write(
        dir.join("small-photo.jpg"),
        intake::fixtures::photo_jpeg(150, 200, FILES_SEED),
    )
    .unwrap();
    std::fs::write(dir.join("signature.png"), intake::fixtures::signature_png()).unwrap();
    std::fs::write(
        dir.join("probe-match.iso"),
        intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(READY_SEED, 2), 1),
    )
    .unwrap();
    std::fs::write(
        dir.join("probe-stranger.iso"),
        intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(977, 2), 1),
    )
    .unwrap();
}

fn change(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

const PEOPLE: [(&str, &str, &str, &str); 7] = [
    ("مریم", "احمدی", "رضا", "female"),
    ("علی", "کریمی", "حسین", "male"),
    ("زهرا", "موسوی", "مهدی", "female"),
    ("حسن", "رحیمی", "محمود", "male"),
    ("حسین", "رحیمی", "محمود", "male"),
    ("فاطمه", "نوری", "اکبر", "female"),
    ("رضا", "صادقی", "جواد", "male"),
];

async fn serve(dir: &Path, addr: &str) {
    let db = testkit::TestStore::sqlite().await;
    let s = db.store.clone();
    let office_id = OfficeId::parse(OFFICE).unwrap();
    s.upsert_offices(&[
        office(OFFICE)
            .name("دفتر پیشخوان دولت گوهردشت")
            .address("کرج، گوهردشت، بلوار موذن، پلاک ۱۲")
            .capacity(20)
            .build(),
        office("30-0002")
            .name("دفتر پیشخوان دولت مهرشهر")
            .address("کرج، مهرشهر، بلوار ارم، پلاک ۵")
            .capacity(20)
            .build(),
    ])
    .await
    .unwrap();
    for (name, role) in [
        ("op1", Role::Operator),
        ("sup1", Role::Supervisor),
        ("admin", Role::NationalAdmin),
    ] {
        let office = (role != Role::NationalAdmin).then_some(OFFICE);
        create_user(&s, name, PASSWORD, role, office, None).await;
    }
    let state = AppState::new(
        s.clone(),
        Settings {
            captcha: false,
            rate_limits: false,
            public_url: format!("http://{addr}"),
            ..Settings::default()
        },
    );

    // Seven people, each booked today at the office.
    let mut codes = Vec::new();
    for (i, (first, last, father, gender)) in PEOPLE.iter().enumerate() {
        let code = code_of(12_345_670 + i as u32 * 1_111).to_string();
        let person = PersonBuilder::with_code(&code)
            .first_name(first)
            .last_name(last)
            .father(father)
            .mother("سکینه")
            .gender(gender)
            .born("1368-03-21")
            .certificate("الف", "14", "123456")
            .mobile("09121234567")
            .address("کرج، گوهردشت")
            .build();
        s.upsert_persons(&[person]).await.unwrap();
        let tc = TrackingCode::from_body(41_200_000_000 + i as u64 * 7_919);
        s.file_application(&NewApplication {
            tracking_code: tc,
            national_code: NationalCode::parse(&code).unwrap(),
            reason: if i == 1 {
                Reason::ReplaceOldCard
            } else {
                Reason::FirstIssue
            },
            channel: Channel::Portal,
            mobile: Mobile::parse("09121234567").unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: Some(domain::ProvinceCode::parse("30").unwrap()),
            actor: "citizen".into(),
            at: Utc::now(),
        })
        .await
        .unwrap();
        s.transition(
            &tc,
            ApplicationState::AwaitingPayment,
            Event::PaymentSettled,
            &change("gateway:sandbox"),
        )
        .await
        .unwrap();
        s.book(&tc, &office_id, today(), &change("citizen"))
            .await
            .unwrap();
        codes.push(tc);
    }
    let [to_enroll, waiting_1, waiting_2, dup_first, dup_second, ready, in_transit] =
        codes[..].try_into().unwrap();
    let _ = waiting_1;

    let op = Staff {
        username: "op1".into(),
        role: Role::Operator,
        office: Some(office_id.clone()),
        province: None,
    };
    let enroll_one = |tc: TrackingCode, seed: u64, photo_seed: u64| {
        let input = Capture {
            tracking: tc,
            documents: Documents {
                birth_certificate_seen: true,
                old_card_collected: false,
            },
            photo: intake::fixtures::photo_jpeg(600, 800, photo_seed),
            fingerprints: intake::fixtures::ten_prints(seed)
                .into_iter()
                .map(|(p, d)| CapturedFinger {
                    position: i64::from(p),
                    status: intake::FingerStatus::Captured,
                    format: Some("iso19794_2".into()),
                    data: Some(d),
                })
                .collect(),
            signature: intake::fixtures::signature_png(),
        };
        let (state, op) = (state.clone(), op.clone());
        async move { enroll(&state, &op, input).await.unwrap() }
    };
    let id = |tc: TrackingCode| {
        let s = s.clone();
        async move { s.application(&tc).await.unwrap().unwrap().id }
    };

    // A card made, shipped and received: waiting for pickup.
    let (_, prefix, hash) = server::agency::key::new_api_key();
    let vendor = s
        .create_vendor("pars-card", 100, 100_000, &prefix, &hash, Utc::now())
        .await
        .unwrap();
    let ship = |tc: TrackingCode, serial: &'static str| {
        let (s, state) = (s.clone(), state.clone());
        async move {
            let app = s.application(&tc).await.unwrap().unwrap().id;
            s.record_dedup(app, &[], Utc::now()).await.unwrap();
            server::cards::workers::form_batches(&state).await.unwrap();
            let batch = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
            s.batch_results(
                vendor,
                batch.id,
                &[CardResult {
                    tracking_code: tc,
                    outcome: CardOutcome::Personalized(domain::ChipSerial::parse(serial).unwrap()),
                }],
                &change("vendor:pars-card"),
            )
            .await
            .unwrap();
            s.dispatch_batch(vendor, batch.id, &change("vendor:pars-card"))
                .await
                .unwrap()
                .unwrap()[0]
                .id
        }
    };
    // A card nobody collected (for the dashboard's chart): made, received, and past the pickup period.
    enroll_one(waiting_2, 7, 70).await;
    let late = ship(waiting_2, "SC-4120-0003").await;
    s.receive_shipment(late, &office_id, None, &change("operator:op1"))
        .await
        .unwrap();
    s.expire_pickups(
        Utc::now() + chrono::Duration::seconds(1),
        &change("system:pickup"),
        10,
    )
    .await
    .unwrap();
    enroll_one(ready, READY_SEED, 30).await;
    let received = ship(ready, "SC-4120-0001").await;
    s.receive_shipment(received, &office_id, None, &change("operator:op1"))
        .await
        .unwrap();
    // A card on its way.
    enroll_one(in_transit, 4, 40).await;
    let shipment = ship(in_transit, "SC-4120-0002").await;
    // A duplicate hit for the supervisor.
    enroll_one(dup_first, 5, 50).await;
    enroll_one(dup_second, 6, 51).await;
    s.record_dedup(id(dup_first).await, &[], Utc::now())
        .await
        .unwrap();
    s.record_dedup(
        id(dup_second).await,
        &[(id(dup_first).await, 0.38)],
        Utc::now(),
    )
    .await
    .unwrap();

    // The backlog's history for the dashboard's chart: sixty days of a backlog falling after a campaign. The
    // rows are made up for the demo (the hourly pass writes one a day in service); today's is the real count.
    let mut history = String::new();
    for d in 1..=60i64 {
        let day = store::backlog::tehran_day(Utc::now() - chrono::Duration::days(d));
        let waiting = 420 + d * 9 - if d < 20 { 0 } else { (d - 20) * 4 };
        history.push_str(&format!(
            "INSERT INTO backlog_days (day, province_code, waiting, uncollected, in_production) \
             VALUES ('{day}', '30', {waiting}, {}, 150);",
            waiting / 3
        ));
    }
    db.exec_raw(&history, &history).await;
    server::backlog::figures::snapshot(&state).await.unwrap();
    let boss = Staff {
        username: "admin".into(),
        role: Role::NationalAdmin,
        office: None,
        province: None,
    };
    let campaign = server::backlog::CampaignInput {
        kind: "reminder".into(),
        selection: server::backlog::Selection::default(),
    };
    server::backlog::start_campaign(&state, &boss, server::admin::figures::Scope::All, &campaign)
        .await
        .unwrap();

    let demo = serde_json::json!({
        "base": format!("http://{addr}"),
        "operator": "op1",
        "supervisor": "sup1",
        "password": PASSWORD,
        "enroll": to_enroll.as_str(),
        "ready": ready.as_str(),
        "ready_national_code": s.application(&ready).await.unwrap().unwrap().national_code.as_str(),
        "duplicate": dup_second.as_str(),
        "shipment": shipment,
        "in_transit_serial": "SC-4120-0002",
    });
    std::fs::write(
        dir.join("demo.json"),
        serde_json::to_string_pretty(&demo).unwrap(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    eprintln!("office demo on http://{addr}/office (op1 / sup1, password {PASSWORD})");
    axum::serve(
        listener,
        server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
    .unwrap();
    drop(db);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!("usage: office_fixtures DIR [--serve 127.0.0.1:8098]");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    write_files(&dir);
    eprintln!("fixtures written to {}", dir.display());
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let addr = args.get(i + 1).map_or("127.0.0.1:8098", String::as_str);
        serve(&dir, addr).await;
    }
}
