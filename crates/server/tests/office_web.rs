#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The counter office pages driven in-process through their HTML forms, as a browser without JavaScript would:
//! login and the desk's day, check-in, enrollment posted as multipart/form-data (refused with the message at the
//! field, then done), the receipt PDF, the record and a transfer with the holder's finger, the supervisors'
//! adjudication with both photos, shipments and pickup forms, and the refusals: no session, another office, not a
//! supervisor.

use axum::http::{header, StatusCode};
use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, Mobile, NationalCode, OfficeId, ProvinceCode, Reason, Role,
    TrackingCode,
};
use store::journey::{Booked, Change, Filed, NewApplication};
use testkit::enrollment::{form as enrollment_body, ten_prints};
use testkit::{code_of, office, today, Answer, Multipart, PersonBuilder, TestApp, PASSWORD};

const OFFICE: &str = "KRJ-101";
const OTHER_OFFICE: &str = "KRJ-102";

fn fa(s: &str) -> String {
    domain::text::to_persian_digits(s)
}

/// A valid national code from nine digits (the tenth checks them).
fn national_code(nine: &str) -> String {
    code_of(nine.parse().unwrap()).to_string()
}

fn change(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

/// The pages served at http://127.0.0.1:8080.
async fn desk() -> TestApp {
    serving("http://127.0.0.1:8080").await
}

/// The pages served at `public_url`: two offices of Karaj, an operator and a supervisor of the first, an
/// operator of the second, a national administrator.
async fn serving(public_url: &str) -> TestApp {
    let counter = |id: &str, name: &str| {
        office(id)
            .name(name)
            .address("خیابان بهشتی، پلاک ۱۲")
            .capacity(10)
            .build()
    };
    TestApp::builder()
        .with_settings(|s| s.public_url = public_url.into())
        .offices(&[
            counter(OFFICE, "دفتر پیشخوان گوهردشت"),
            counter(OTHER_OFFICE, "دفتر پیشخوان مهرشهر"),
        ])
        .staff("op1", Role::Operator, Some(OFFICE), None)
        .staff("sup1", Role::Supervisor, Some(OFFICE), None)
        .staff("op2", Role::Operator, Some(OTHER_OFFICE), None)
        .staff("admin", Role::NationalAdmin, None, None)
        .build()
        .await
}

/// A person of the registry (national code from `nine`) with an application booked today at `OFFICE`: its
/// tracking code.
async fn booked(app: &TestApp, nine: &str, body: u64) -> TrackingCode {
    let s = &app.state.store;
    let code = national_code(nine);
    s.upsert_persons(&[PersonBuilder::with_code(&code)
        .of_tehran()
        .mobile("09121234567")
        .build()])
        .await
        .unwrap();
    let tc = TrackingCode::from_body(body);
    let filed = s
        .file_application(&NewApplication {
            tracking_code: tc,
            national_code: NationalCode::parse(&code).unwrap(),
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: Mobile::parse("09121234567").unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: Some(ProvinceCode::parse("30").unwrap()),
            actor: "citizen".into(),
            at: Utc::now(),
        })
        .await
        .unwrap();
    assert!(matches!(filed, Filed::Created(_)));
    assert!(s
        .transition(
            &tc,
            ApplicationState::AwaitingPayment,
            Event::PaymentSettled,
            &change("gateway:sandbox"),
        )
        .await
        .unwrap());
    let booked = s
        .book(
            &tc,
            &OfficeId::parse(OFFICE).unwrap(),
            today(),
            &change("citizen"),
        )
        .await
        .unwrap();
    assert!(matches!(booked, Booked::Booked(_)), "{booked:?}");
    tc
}

async fn state_of(app: &TestApp, tc: &TrackingCode) -> ApplicationState {
    app.state
        .store
        .application(tc)
        .await
        .unwrap()
        .unwrap()
        .state
}

/// Logs in through the form: the `name=value` pair of the staff cookie.
async fn login(app: &TestApp, username: &str) -> String {
    let a = app
        .post_form(
            "/office/login",
            &[("username", username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert_eq!(a.location(), "/office");
    let set = a.set_cookie().unwrap().to_string();
    assert!(set.starts_with("shenas_staff="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("Path=/office"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
}

async fn enroll(app: &TestApp, tc: &TrackingCode, cookie: &str, seed: u64) -> Answer {
    app.post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&testkit::enrollment::form_of(seed))
        .cookie(cookie)
        .await
}

#[tokio::test]
async fn without_a_session_pages_send_to_the_login() {
    let app = desk().await;
    let tc = TrackingCode::from_body(12_345_678_901);
    for uri in [
        "/office".to_string(),
        format!("/office/enroll/{}", tc.as_str()),
        format!("/office/receipts/{}.pdf", tc.as_str()),
        "/office/adjudications".to_string(),
        "/office/shipments".to_string(),
        "/office/pickup".to_string(),
        format!("/office/applications/{}", tc.as_str()),
    ] {
        let a = app.get(&uri).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(a.location(), "/office/login", "{uri}");
    }
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&Multipart::new())
        .cookie("shenas_staff=not-a-session")
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/office/login")
    );

    // The login form, a wrong password (Persian message, username kept), and staff without an office.
    let a = app.get("/office/login").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("<html lang=\"fa\" dir=\"rtl\">"));
    assert!(!a.text().contains("<script"));
    let a = app
        .post_form(
            "/office/login",
            &[("username", "op1"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.text().contains("نام کاربری یا گذرواژه درست نیست"));
    assert!(a.text().contains("value=\"op1\""));
    let admin = login(&app, "admin").await;
    let a = app.get("/office").cookie(&admin).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("دسترسی ندارید"));

    // Logging out forgets the cookie.
    let a = app.post_form("/office/logout", &[]).cookie(&admin).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let set = a.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        set.starts_with("shenas_staff=;") && set.contains("Max-Age=0"),
        "{set}"
    );
    // And ends the session: the old cookie no longer opens anything.
    let a = app.get("/office").cookie(&admin).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn desk_enrollment_receipt_record_and_transfer() {
    let app = desk().await;
    let tc = booked(&app, "001234567", 40_000_000_001).await;
    let op1 = login(&app, "op1").await;

    // The desk lists today's booked place with a link to enroll.
    let a = app.get("/office").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    let desk = a.text();
    assert!(desk.contains(&fa(tc.as_str())), "{desk}");
    assert!(desk.contains(&format!("href=\"/office/enroll/{}\"", tc.as_str())));
    assert!(desk.contains("نوبت گرفته شده"));
    assert!(desk.contains(&fa("00******79")), "masked national code");
    assert!(desk.contains("دفتر پیشخوان گوهردشت"));
    assert!(!desk.contains("<script"));

    // Check-in takes Persian digits; a wrong code is shown at the field.
    let a = app
        .post_form(
            "/office/checkin",
            &[("tracking_code", &fa(tc.as_str())), ("go", "enroll")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/office/enroll/{}", tc.as_str()));
    let a = app
        .post_form(
            "/office/checkin",
            &[("tracking_code", "123"), ("go", "record")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-tracking_code\""));
    assert!(a.text().contains("value=\"123\""));

    // The form: checklist, photo, ten fingers with Persian names, signature; multipart.
    let a = app
        .get(&format!("/office/enroll/{}", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let form = a.text();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("name=\"f10_file\""));
    assert!(form.contains("شست دست چپ"));
    assert!(form.contains("name=\"birth_certificate_seen\""));

    // A bad photo: the Persian message at the photo, choices kept, nothing changed.
    let mut prints = ten_prints(7);
    prints[9] = None; // finger 10 bandaged
    let body = enrollment_body(b"not a picture at all".to_vec(), &prints, true);
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.text();
    assert!(page.contains("id=\"err-photo\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains(
        "id=\"birth_certificate_seen\" name=\"birth_certificate_seen\" value=\"1\" checked"
    ));
    assert!(
        page.contains("<option value=\"bandaged\" selected>"),
        "status kept"
    );
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // Another finger's record in finger 4's row: the error is at that row.
    let mut prints = ten_prints(7);
    prints[3] = prints[4].clone();
    let body = enrollment_body(intake::fixtures::photo_jpeg(600, 800, 7), &prints, true);
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-f4\""), "{}", a.text());
    assert!(a.text().contains("<a href=\"#row-f4\" id=\"to-error\">"));
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // The checklist unticked: the message beside the checkbox.
    let body = enrollment_body(
        intake::fixtures::photo_jpeg(600, 800, 7),
        &ten_prints(7),
        false,
    );
    let a = app
        .post(&format!("/office/enroll/{}", tc.as_str()))
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-birth_certificate_seen\""));
    assert!(a.text().contains("شناسنامهٔ عکس‌دار"));

    // An operator of another office is refused, in Persian, and changes nothing.
    let op2 = login(&app, "op2").await;
    let a = app
        .get(&format!("/office/enroll/{}", tc.as_str()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("این درخواست مربوط به دفتر دیگری است"));
    let a = enroll(&app, &tc, &op2, 7).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // Done: the success page links to the receipt and the record.
    let a = enroll(&app, &tc, &op1, 7).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let done = a.text();
    assert!(done.contains("ثبت‌نام انجام شد"));
    let receipt = format!("/office/receipts/{}.pdf", tc.as_str());
    assert!(done.contains(&format!("href=\"{receipt}\"")));
    assert!(done.contains(&format!("href=\"/office/applications/{}\"", tc.as_str())));
    assert_eq!(state_of(&app, &tc).await, ApplicationState::Enrolled);

    let a = app.get(&receipt).cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    assert!(a.bytes.starts_with(b"%PDF"));
    let a = app.get(&receipt).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("دفتر دیگری"));

    // Enrolling twice is refused with a way to the record.
    let a = enroll(&app, &tc, &op1, 7).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a
        .text()
        .contains(&format!("/office/applications/{}", tc.as_str())));

    // The desk now shows the place as enrolled.
    let a = app.get("/office").cookie(&op1).await;
    assert!(a.text().contains(ApplicationState::Enrolled.fa()));

    // The record: state, offices and the history in Persian.
    let a = app
        .get(&format!("/office/applications/{}", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let record = a.text();
    assert!(record.contains(ApplicationState::Enrolled.fa()));
    assert!(record.contains("ثبت‌نام و اخذ زیست‌سنجی"));
    assert!(record.contains("پرداخت هزینه"));
    assert!(record.contains("متصدی <bdi class=\"muted\">op1</bdi>"));
    assert!(
        record.contains(&fa(&today().year().to_string())),
        "Jalali year"
    );
    assert!(record.contains("در انتظار جست‌وجوی اثر انگشت"));
    assert!(
        !record.contains("id=\"transfer\""),
        "the card already comes here"
    );

    // The other office sees no record, and may take the card only with the holder at its desk.
    let record_uri = format!("/office/applications/{}", tc.as_str());
    let transfer_uri = format!("{record_uri}/transfer");
    let a = app.get(&record_uri).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let page = a.text();
    assert!(page.contains("id=\"transfer\""));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("name=\"national_code\"") && page.contains("name=\"data\""));
    let destination = |app: &TestApp| {
        let s = app.state.store.clone();
        async move { s.enrollment(&tc).await.unwrap().unwrap().destination }
    };
    // The old bare form (no holder) moves nothing.
    let a = app.post_form(&transfer_uri, &[]).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    // Someone else's national code: as unknown, nothing moved, the record still closed.
    let holder = national_code("001234567");
    let own = || intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(7, 2), 1);
    let other = national_code("002345678");
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&other, 2, own()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text());
    assert!(a
        .text()
        .contains("درخواستی با این کد رهگیری و کد ملی پیدا نشد"));
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    // Someone else's finger: refused, recorded, the form kept.
    let stranger = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(99, 2), 1);
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&holder, 2, stranger))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    let page = a.text();
    assert!(page.contains("با انگشت دیگری دوباره تلاش کنید"), "{page}");
    assert!(
        page.contains(&format!("value=\"{}\"", fa(&holder))),
        "national code kept"
    );
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    assert_eq!(
        app.get(&record_uri).cookie(&op2).await.status,
        StatusCode::FORBIDDEN
    );
    // The holder's own finger: the card is redirected there and the record opens.
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&holder, 2, own()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(a.location().ends_with("?transferred=redirected"));
    assert_eq!(destination(&app).await.as_str(), OTHER_OFFICE);
    let a = app.get(a.location()).cookie(&op2).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("دفتر پیشخوان مهرشهر"));
    assert!(a.text().contains("flash ok"));
    let a = app
        .post(&transfer_uri)
        .multipart(&transfer_body(&holder, 2, own()))
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("کارت هم‌اکنون به همین دفتر فرستاده می‌شود"));
    // Both matches are kept with the operator and the office.
    let id = app.state.store.application(&tc).await.unwrap().unwrap().id;
    let tried = app.state.store.transfer_attempts(id).await.unwrap();
    let seen: Vec<(bool, &str, &str)> = tried
        .iter()
        .map(|t| (t.matched, t.operator.as_str(), t.office.as_str()))
        .collect();
    assert_eq!(
        seen,
        [(false, "op2", OTHER_OFFICE), (true, "op2", OTHER_OFFICE)]
    );
}

/// The record page's transfer form: the holder's national code and one finger.
fn transfer_body(national_code: &str, position: u8, data: Vec<u8>) -> Multipart {
    Multipart::new()
        .text("national_code", &fa(national_code))
        .text("position", &position.to_string())
        .text("format", "iso19794_2")
        .file("data", "probe.iso", data)
}

#[tokio::test]
async fn supervisors_adjudicate_with_both_photos() {
    let app = desk().await;
    let first = booked(&app, "001234568", 40_000_000_002).await;
    let second = booked(&app, "002345678", 40_000_000_003).await;
    let op1 = login(&app, "op1").await;
    let sup1 = login(&app, "sup1").await;
    assert_eq!(enroll(&app, &first, &op1, 11).await.status, StatusCode::OK);
    assert_eq!(enroll(&app, &second, &op1, 11).await.status, StatusCode::OK);
    let s = &app.state.store;
    let a1 = s.application(&first).await.unwrap().unwrap().id;
    let a2 = s.application(&second).await.unwrap().unwrap().id;
    app.state
        .store
        .record_dedup(a1, &[], Utc::now())
        .await
        .unwrap();
    app.state
        .store
        .record_dedup(a2, &[(a1, 0.4321)], Utc::now())
        .await
        .unwrap();

    // Operators may not; the menu shows the queue to supervisors only.
    let a = app.get("/office/adjudications").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("سرپرست"));
    assert!(!app
        .get("/office")
        .cookie(&op1)
        .await
        .text()
        .contains("href=\"/office/adjudications\""));
    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "distinct")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let a = app.get("/office/adjudications").cookie(&sup1).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(page.contains(&format!("src=\"/office/photos/{}.jpg\"", first.as_str())));
    assert!(page.contains(&format!("src=\"/office/photos/{}.jpg\"", second.as_str())));
    assert!(page.contains("۰٫۴۳"), "{page}");
    // The note says how the fused score runs (a sum over up to ten fingers) and names the threshold in use
    // (security review F21: the page said "from 0 to 1" beside a score of 9.97, and an old threshold).
    let threshold = server::web::office::adjudications::score_fa(f64::from(
        biometrics::matcher::Thresholds::calibrated().dedup,
    ));
    assert!(
        page.contains(&format!("از {threshold} به بالا")) && page.contains("۰ تا ۱۰"),
        "{page}"
    );
    assert!(page.contains("value=\"duplicate\"") && page.contains("value=\"distinct\""));

    let a = app
        .get(&format!("/office/photos/{}.jpg", first.as_str()))
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers.get(header::CONTENT_TYPE).unwrap(), "image/jpeg");
    assert!(a.bytes.starts_with(&[0xff, 0xd8]));

    // No decision chosen: said at the top.
    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("note", "x")],
        )
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-form\""));

    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "distinct"), ("note", "دو برادر دوقلو")],
        )
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = app.get(a.location()).cookie(&sup1).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("دو شخص متفاوت"));
    assert!(a.text().contains("id=\"no-cases\""));
    let cases = app.state.store.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, Some(domain::Decision::Distinct));
    assert_eq!(cases[0].decided_by.as_deref(), Some("supervisor:sup1"));

    // Deciding again: the shared rule's refusal, in Persian.
    let a = app
        .post_form(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "duplicate")],
        )
        .cookie(&sup1)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("پیش‌تر تصمیم گرفته شده است"));
}

#[tokio::test]
async fn shipments_and_pickup_forms() {
    let app = desk().await;
    let tc = booked(&app, "001234569", 40_000_000_004).await;
    let op1 = login(&app, "op1").await;

    let a = app.get("/office/shipments").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("id=\"no-shipments\""));
    let a = app
        .post_form("/office/shipments/999/receive", &[("scanned", "")])
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.text().contains("محموله پیدا نشد"));

    let a = app
        .get(&format!("/office/pickup?tc={}", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let form = a.text();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains(&format!("value=\"{}\"", fa(tc.as_str()))));
    assert!(form.contains("انگشت اشارهٔ دست راست"));

    // No file: at the file's field, the rest kept.
    let body = Multipart::new()
        .text("tracking_code", tc.as_str())
        .text("position", "3")
        .text("format", "ansi378")
        .file("data", "", Vec::new());
    let a = app
        .post("/office/pickup")
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.text();
    assert!(page.contains("id=\"err-data\""));
    assert!(page.contains("<option value=\"3\" selected>"));
    assert!(page.contains("<option value=\"ansi378\" selected>"));

    // A card that is not waiting: the shared rule's message at the top.
    let probe = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(5, 2), 1);
    let body = Multipart::new()
        .text("tracking_code", tc.as_str())
        .text("position", "2")
        .text("format", "iso19794_2")
        .file("data", "probe.iso", probe);
    let a = app
        .post("/office/pickup")
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.text().contains("کارت آمادهٔ تحویل پیدا نشد"));
    assert!(a.text().contains("id=\"err-form\""));
    assert_eq!(
        state_of(&app, &tc).await,
        ApplicationState::AppointmentBooked
    );

    // A bad tracking code: at its field.
    let body = Multipart::new()
        .text("tracking_code", "12")
        .text("position", "2")
        .text("format", "iso19794_2")
        .file("data", "probe.iso", [1u8, 2, 3].to_vec());
    let a = app
        .post("/office/pickup")
        .multipart(&body)
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("id=\"err-tracking_code\""));
}

/// Enrolled, cleared, made by a manufacturer and shipped to the office: the shipment's id.
async fn produce_and_ship(app: &TestApp, tcs: &[(&TrackingCode, &str)]) -> i64 {
    use store::production::{CardOutcome, CardResult};
    let s = &app.state.store;
    for (tc, _) in tcs {
        let id = s.application(tc).await.unwrap().unwrap().id;
        s.record_dedup(id, &[], Utc::now()).await.unwrap();
    }
    let (_, prefix, hash) = server::agency::key::new_api_key();
    let vendor = s
        .create_vendor("pars-card", 100, 100_000, &prefix, &hash, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        server::cards::workers::form_batches(&app.state)
            .await
            .unwrap()
            .len(),
        1
    );
    let batch = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
    let results: Vec<CardResult> = tcs
        .iter()
        .map(|(tc, serial)| CardResult {
            tracking_code: **tc,
            outcome: CardOutcome::Personalized(domain::ChipSerial::parse(serial).unwrap()),
        })
        .collect();
    s.batch_results(vendor, batch.id, &results, &change("vendor:pars-card"))
        .await
        .unwrap();
    let shipped = s
        .dispatch_batch(vendor, batch.id, &change("vendor:pars-card"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipped.len(), 1);
    shipped[0].id
}

fn probe_body(tc: &TrackingCode, position: u8, data: Vec<u8>) -> Multipart {
    Multipart::new()
        .text("tracking_code", &fa(tc.as_str()))
        .text("position", &position.to_string())
        .text("format", "iso19794_2")
        .file("data", "probe.iso", data)
}

#[tokio::test]
async fn a_shipment_is_received_and_the_card_handed_over() {
    let app = desk().await;
    let tc = booked(&app, "003456789", 40_000_000_005).await;
    let lost = booked(&app, "004567891", 40_000_000_006).await;
    let op1 = login(&app, "op1").await;
    assert_eq!(enroll(&app, &tc, &op1, 21).await.status, StatusCode::OK);
    assert_eq!(enroll(&app, &lost, &op1, 22).await.status, StatusCode::OK);
    let id = produce_and_ship(&app, &[(&tc, "SC-0001-AAAA"), (&lost, "SC-0002-AAAA")]).await;

    let a = app.get("/office/shipments").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(page.contains("در راه"));
    assert!(page.contains(&format!("action=\"/office/shipments/{id}/receive\"")));
    assert!(page.contains("SC-0001-AAAA"));

    // Another office may not receive it; the refusal is shown at its form, the scan kept.
    let op2 = login(&app, "op2").await;
    let a = app
        .post_form(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "")],
        )
        .cookie(&op2)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.text().contains("دفتر دیگری"));

    // One card scanned (lower case, as a reader may give it) and one serial that is not in the box.
    let a = app
        .post_form(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "sc-0001-aaaa\r\nSC-9999-ZZZZ\r\n")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let result = a.text();
    assert!(result.contains("<dd id=\"ready\">۱</dd>"), "{result}");
    assert!(result.contains("SC-0002-AAAA"), "missing listed");
    assert!(result.contains("SC-9999-ZZZZ"), "unexpected listed");
    assert_eq!(state_of(&app, &tc).await, ApplicationState::ReadyForPickup);
    let a = app
        .post_form(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "")],
        )
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("پیش‌تر تحویل گرفته شده است"));

    // The receipt is no longer printed once the card waits at the office.
    let a = app
        .get(&format!("/office/receipts/{}.pdf", tc.as_str()))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("آمادهٔ تحویل"));

    // Someone else's finger: the mismatch invites another finger, the form kept.
    let stranger = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(99, 2), 1);
    let a = app
        .post("/office/pickup")
        .multipart(&probe_body(&tc, 2, stranger))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let page = a.text();
    assert!(page.contains("با انگشت دیگری دوباره تلاش کنید"), "{page}");
    assert!(page.contains(&format!("value=\"{}\"", fa(tc.as_str()))));
    assert_eq!(state_of(&app, &tc).await, ApplicationState::ReadyForPickup);

    // The holder's own right index finger: delivered, with the pickup fee in rials.
    let own = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(21, 2), 1);
    let a = app
        .post("/office/pickup")
        .multipart(&probe_body(&tc, 2, own))
        .cookie(&op1)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let page = a.text();
    assert!(page.contains("کارت تحویل داده شد"));
    let fee = app
        .state
        .settings
        .fees
        .for_year(today().year())
        .pickup_rials;
    assert!(page.contains(&server::web::html::rials_fa(fee)), "{page}");
    assert_eq!(state_of(&app, &tc).await, ApplicationState::Delivered);

    // The record shows the card, the message and both attempts.
    let a = app
        .get(&format!("/office/applications/{}", tc.as_str()))
        .cookie(&op1)
        .await;
    let record = a.text();
    assert!(record.contains("SC-0001-AAAA"));
    assert!(record.contains("آماده بودن کارت"));
    assert!(record.contains("مطابقت نداشت") && record.contains("مطابقت داشت"));
    assert!(record.contains("تحویل کارت"));
}

/// The review's reproduction (F17): a supervisor's cookie sent along with a form posted from another site. The
/// service refuses it with a Persian page before the decision is read; the same form from the service's own page
/// is decided.
#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_decides_nothing() {
    let app = desk().await;
    let first = booked(&app, "001234568", 40_000_000_002).await;
    let second = booked(&app, "002345678", 40_000_000_003).await;
    let op1 = login(&app, "op1").await;
    let sup1 = login(&app, "sup1").await;
    assert_eq!(enroll(&app, &first, &op1, 11).await.status, StatusCode::OK);
    assert_eq!(enroll(&app, &second, &op1, 11).await.status, StatusCode::OK);
    let s = &app.state.store;
    let a1 = s.application(&first).await.unwrap().unwrap().id;
    let a2 = s.application(&second).await.unwrap().unwrap().id;
    s.record_dedup(a1, &[], Utc::now()).await.unwrap();
    s.record_dedup(a2, &[(a1, 0.4321)], Utc::now())
        .await
        .unwrap();

    let decide = |origin: Option<&'static str>, site: Option<&'static str>| {
        let mut req = app
            .post(&format!("/office/adjudications/{}", second.as_str()))
            .cookie(&sup1);
        if let Some(o) = origin {
            req = req.header(header::ORIGIN.as_str(), o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.body(
            "application/x-www-form-urlencoded",
            "decision=distinct&note=csrf-test",
        )
    };
    for (origin, site) in [
        (Some("https://evil.example"), Some("cross-site")),
        (Some("https://evil.example"), None),
        (None, Some("cross-site")),
        (Some("null"), None),
    ] {
        let a = (decide(origin, site)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(
            a.headers
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{origin:?} {site:?}"
        );
        assert!(a.text().contains("درخواست از سایت دیگر"), "{}", a.text());
        assert!(a.text().contains("lang=\"fa\" dir=\"rtl\""));
    }
    let cases = s.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, None, "a refused post decided something");

    // From the service's own page (the browser names its origin and a same-origin fetch): decided.
    let a = decide(Some("http://127.0.0.1:8080"), Some("same-origin")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let cases = s.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, Some(domain::Decision::Distinct));
}

/// F17: the pages carry the security headers, and over https the staff cookies are `Secure` and answers carry
/// `Strict-Transport-Security`; over http neither.
#[tokio::test]
async fn pages_carry_security_headers_and_https_cookies_are_secure() {
    let plain = desk().await;
    let a = plain.get("/office/login").await;
    assert_eq!(a.status, StatusCode::OK);
    let h = |a: &Answer, name: &str| {
        a.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let csp = h(&a, "content-security-policy");
    for part in [
        "default-src 'none'",
        "style-src 'self'",
        "font-src 'self'",
        "img-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(h(&a, "x-frame-options"), "DENY");
    assert_eq!(h(&a, "x-content-type-options"), "nosniff");
    assert_eq!(h(&a, "referrer-policy"), "same-origin");
    assert_eq!(h(&a, "strict-transport-security"), "");
    // No inline style or script on the page the policy would break.
    assert!(!a.text().contains("style=") && !a.text().contains("<script"));
    let cookie = plain
        .post_form(
            "/office/login",
            &[("username", "op1"), ("password", PASSWORD)],
        )
        .await;
    assert!(!h(&cookie, "set-cookie").contains("Secure"));
    // The stylesheet is not a page: no page policy, still nosniff.
    let css = plain.get("/assets/portal.css").await;
    assert_eq!(h(&css, "x-content-type-options"), "nosniff");
    assert_eq!(h(&css, "content-security-policy"), "");

    let tls = serving("https://shenas.example").await;
    let a = tls.get("/office/login").await;
    assert!(h(&a, "strict-transport-security").starts_with("max-age="));
    for (login, path) in [("/office/login", "/office"), ("/admin/login", "/admin")] {
        let user = if path == "/admin" { "admin" } else { "op1" };
        let a = tls
            .post_form(login, &[("username", user), ("password", PASSWORD)])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{login}: {}", a.text());
        let set = h(&a, "set-cookie");
        assert!(
            set.ends_with("; Secure") && set.contains(&format!("Path={path}")),
            "{set}"
        );
    }
    let op1 = login(&tls, "op1").await;
    let out = tls.post_form("/office/logout", &[]).cookie(&op1).await;
    assert!(h(&out, "set-cookie").contains("Secure"));
}

/// F18: the review's `POST /office/shipments/2/receive` without a content type, and a path that is not UTF-8,
/// answer a Persian page in the office's frame (was axum's English plain text).
#[tokio::test]
async fn unreadable_office_requests_get_a_persian_page() {
    let app = desk().await;
    let op1 = login(&app, "op1").await;
    let a = app.post("/office/shipments/2/receive").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(a
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(a.text().contains("درخواست خوانا نیست"), "{}", a.text());
    assert!(a.text().contains("/office/office.css"), "{}", a.text());
    let a = app.get("/office/applications/%FF").cookie(&op1).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("درخواست خوانا نیست"), "{}", a.text());
}
