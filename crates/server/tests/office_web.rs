#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The counter office pages driven in-process through their HTML forms, as a browser without JavaScript would:
//! login and the desk's day, check-in, enrollment posted as multipart/form-data (refused with the message at the
//! field, then done), the receipt PDF, the record and a transfer with the holder's finger, the supervisors'
//! adjudication with both photos, shipments and pickup forms, and the refusals: no session, another office, not a
//! supervisor.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, Mobile, NationalCode, Office, OfficeId, Person, ProvinceCode,
    Reason, Role, TrackingCode,
};
use http_body_util::BodyExt;
use server::state::today;
use server::{AppState, Settings};
use store::journey::{Booked, Change, Filed, NewApplication, NewUser};
use store_suite::TestStore;
use tower::ServiceExt;

const PASSWORD: &str = "a good long password";
const OFFICE: &str = "KRJ-101";
const OTHER_OFFICE: &str = "KRJ-102";
const BOUNDARY: &str = "----shenas-test-boundary-7MA4YWxkTrZu0gW";

struct TestApp {
    router: axum::Router,
    state: AppState,
    _db: TestStore,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn body(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

fn fa(s: &str) -> String {
    domain::text::to_persian_digits(s)
}

/// A valid national code from nine digits (the tenth checks them).
fn national_code(nine: &str) -> String {
    let s: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, c)| u32::from(c - b'0') * (10 - i as u32))
        .sum();
    let r = s % 11;
    let check = if r < 2 { r } else { 11 - r };
    format!("{nine}{check}")
}

fn person(code: &str, first: &str) -> Person {
    let row: [&str; 16] = [
        code,
        first,
        "رضایی",
        "حسن",
        "فاطمه",
        "male",
        "1370-05-12",
        "تهران",
        "islam",
        "ج",
        "12",
        "345678",
        "09121234567",
        "1314567890",
        "تهران خیابان آزادی",
        "",
    ];
    Person::from_row(&row, today()).unwrap()
}

fn office(id: &str, name: &str) -> Office {
    Office::from_row(&[
        id,
        name,
        "counter",
        "30",
        "کرج",
        "026",
        "خیابان بهشتی، پلاک ۱۲",
        "10",
    ])
    .unwrap()
}

fn change(actor: &str) -> Change {
    Change {
        actor: actor.into(),
        at: Utc::now(),
        reason: None,
    }
}

/// One part of a multipart body: a text field, or a file when `filename` is given.
enum PartData<'a> {
    Text(&'a str, String),
    File(&'a str, &'a str, Vec<u8>),
}

fn multipart(parts: &[PartData<'_>]) -> Vec<u8> {
    let mut b = Vec::new();
    for p in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            PartData::Text(name, value) => {
                b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                b.extend_from_slice(value.as_bytes());
            }
            PartData::File(name, filename, data) => {
                b.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                b.extend_from_slice(data);
            }
        }
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// What an enrollment form sends: the checklist, the photo, ten fingers (`prints[i]` for finger i + 1; `None`
/// marks it bandaged), the signature.
fn enrollment_body(photo: Vec<u8>, prints: &[Option<Vec<u8>>], birth_certificate: bool) -> Vec<u8> {
    let mut parts = Vec::new();
    if birth_certificate {
        parts.push(PartData::Text("birth_certificate_seen", "1".into()));
    }
    parts.push(PartData::File("photo", "photo.jpg", photo));
    let names: Vec<(String, String, String)> = (1..=10)
        .map(|p| {
            (
                format!("f{p}_status"),
                format!("f{p}_format"),
                format!("f{p}_file"),
            )
        })
        .collect();
    for (i, (status, format, file)) in names.iter().enumerate() {
        match &prints[i] {
            Some(data) => {
                parts.push(PartData::Text(status, "captured".into()));
                parts.push(PartData::Text(format, "iso19794_2".into()));
                parts.push(PartData::File(file, "finger.iso", data.clone()));
            }
            None => {
                parts.push(PartData::Text(status, "bandaged".into()));
                parts.push(PartData::Text(format, "iso19794_2".into()));
                parts.push(PartData::File(file, "", Vec::new()));
            }
        }
    }
    parts.push(PartData::File(
        "signature",
        "signature.png",
        intake::fixtures::signature_png(),
    ));
    multipart(&parts)
}

fn ten_prints(seed: u64) -> Vec<Option<Vec<u8>>> {
    intake::fixtures::ten_prints(seed)
        .into_iter()
        .map(|(_, d)| Some(d))
        .collect()
}

impl TestApp {
    async fn new() -> Self {
        Self::serving("http://127.0.0.1:8080").await
    }

    /// The pages served at `public_url`.
    async fn serving(public_url: &str) -> Self {
        let db = TestStore::sqlite().await;
        let s = &db.store;
        s.upsert_offices(&[
            office(OFFICE, "دفتر پیشخوان گوهردشت"),
            office(OTHER_OFFICE, "دفتر پیشخوان مهرشهر"),
        ])
        .await
        .unwrap();
        for (name, role, office) in [
            ("op1", Role::Operator, Some(OFFICE)),
            ("sup1", Role::Supervisor, Some(OFFICE)),
            ("op2", Role::Operator, Some(OTHER_OFFICE)),
            ("admin", Role::NationalAdmin, None),
        ] {
            s.create_user(&NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password(PASSWORD).unwrap(),
                role,
                office: office.map(|o| OfficeId::parse(o).unwrap()),
                province: None,
                at: Utc::now(),
            })
            .await
            .unwrap();
        }
        let state = AppState::new(
            db.store.clone(),
            Settings {
                captcha: false,
                rate_limits: false,
                public_url: public_url.into(),
                ..Settings::default()
            },
        );
        Self {
            router: server::router(state.clone()),
            state,
            _db: db,
        }
    }

    /// A person of the registry with an application booked today at `OFFICE`: its tracking code.
    async fn booked(&self, nine: &str, body: u64) -> TrackingCode {
        let s = &self.state.store;
        let code = national_code(nine);
        s.upsert_persons(&[person(&code, "علی")]).await.unwrap();
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

    async fn state_of(&self, tc: &TrackingCode) -> ApplicationState {
        self.state
            .store
            .application(tc)
            .await
            .unwrap()
            .unwrap()
            .state
    }

    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Answer {
        let mut req = Request::get(uri);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, uri: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Answer {
        let mut req =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn post_multipart(&self, uri: &str, body: Vec<u8>, cookie: Option<&str>) -> Answer {
        let mut req = Request::post(uri).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Logs in through the form: the `name=value` pair of the staff cookie.
    async fn login(&self, username: &str) -> String {
        let a = self
            .post(
                "/office/login",
                &[("username", username), ("password", PASSWORD)],
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body());
        assert_eq!(a.location(), "/office");
        let set = a
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(set.starts_with("shenas_staff="), "{set}");
        assert!(
            set.contains("HttpOnly") && set.contains("Path=/office"),
            "{set}"
        );
        set.split(';').next().unwrap().to_string()
    }

    async fn enroll(&self, tc: &TrackingCode, cookie: &str, seed: u64) -> Answer {
        let body = enrollment_body(
            intake::fixtures::photo_jpeg(600, 800, seed),
            &ten_prints(seed),
            true,
        );
        self.post_multipart(
            &format!("/office/enroll/{}", tc.as_str()),
            body,
            Some(cookie),
        )
        .await
    }
}

#[tokio::test]
async fn without_a_session_pages_send_to_the_login() {
    let app = TestApp::new().await;
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
        let a = app.get(&uri, None).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(a.location(), "/office/login", "{uri}");
    }
    let a = app
        .post_multipart(
            &format!("/office/enroll/{}", tc.as_str()),
            multipart(&[]),
            Some("shenas_staff=not-a-session"),
        )
        .await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/office/login")
    );

    // The login form, a wrong password (Persian message, username kept), and staff without an office.
    let a = app.get("/office/login", None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body().contains("<html lang=\"fa\" dir=\"rtl\">"));
    assert!(!a.body().contains("<script"));
    let a = app
        .post(
            "/office/login",
            &[("username", "op1"), ("password", "wrong password")],
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body().contains("نام کاربری یا گذرواژه درست نیست"));
    assert!(a.body().contains("value=\"op1\""));
    let admin = app.login("admin").await;
    let a = app.get("/office", Some(&admin)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body().contains("دسترسی ندارید"));

    // Logging out forgets the cookie.
    let a = app.post("/office/logout", &[], Some(&admin)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let set = a.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        set.starts_with("shenas_staff=;") && set.contains("Max-Age=0"),
        "{set}"
    );
    // And ends the session: the old cookie no longer opens anything.
    let a = app.get("/office", Some(&admin)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn desk_enrollment_receipt_record_and_transfer() {
    let app = TestApp::new().await;
    let tc = app.booked("001234567", 40_000_000_001).await;
    let op1 = app.login("op1").await;

    // The desk lists today's booked place with a link to enroll.
    let a = app.get("/office", Some(&op1)).await;
    assert_eq!(a.status, StatusCode::OK);
    let desk = a.body();
    assert!(desk.contains(&fa(tc.as_str())), "{desk}");
    assert!(desk.contains(&format!("href=\"/office/enroll/{}\"", tc.as_str())));
    assert!(desk.contains("نوبت گرفته شده"));
    assert!(desk.contains(&fa("00******79")), "masked national code");
    assert!(desk.contains("دفتر پیشخوان گوهردشت"));
    assert!(!desk.contains("<script"));

    // Check-in takes Persian digits; a wrong code is shown at the field.
    let a = app
        .post(
            "/office/checkin",
            &[("tracking_code", &fa(tc.as_str())), ("go", "enroll")],
            Some(&op1),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/office/enroll/{}", tc.as_str()));
    let a = app
        .post(
            "/office/checkin",
            &[("tracking_code", "123"), ("go", "record")],
            Some(&op1),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body().contains("id=\"err-tracking_code\""));
    assert!(a.body().contains("value=\"123\""));

    // The form: checklist, photo, ten fingers with Persian names, signature; multipart.
    let a = app
        .get(&format!("/office/enroll/{}", tc.as_str()), Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let form = a.body();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("name=\"f10_file\""));
    assert!(form.contains("شست دست چپ"));
    assert!(form.contains("name=\"birth_certificate_seen\""));

    // A bad photo: the Persian message at the photo, choices kept, nothing changed.
    let mut prints = ten_prints(7);
    prints[9] = None; // finger 10 bandaged
    let body = enrollment_body(b"not a picture at all".to_vec(), &prints, true);
    let a = app
        .post_multipart(&format!("/office/enroll/{}", tc.as_str()), body, Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.body();
    assert!(page.contains("id=\"err-photo\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains(
        "id=\"birth_certificate_seen\" name=\"birth_certificate_seen\" value=\"1\" checked"
    ));
    assert!(
        page.contains("<option value=\"bandaged\" selected>"),
        "status kept"
    );
    assert_eq!(app.state_of(&tc).await, ApplicationState::AppointmentBooked);

    // Another finger's record in finger 4's row: the error is at that row.
    let mut prints = ten_prints(7);
    prints[3] = prints[4].clone();
    let body = enrollment_body(intake::fixtures::photo_jpeg(600, 800, 7), &prints, true);
    let a = app
        .post_multipart(&format!("/office/enroll/{}", tc.as_str()), body, Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body().contains("id=\"err-f4\""), "{}", a.body());
    assert!(a.body().contains("<a href=\"#row-f4\" id=\"to-error\">"));
    assert_eq!(app.state_of(&tc).await, ApplicationState::AppointmentBooked);

    // The checklist unticked: the message beside the checkbox.
    let body = enrollment_body(
        intake::fixtures::photo_jpeg(600, 800, 7),
        &ten_prints(7),
        false,
    );
    let a = app
        .post_multipart(&format!("/office/enroll/{}", tc.as_str()), body, Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body().contains("id=\"err-birth_certificate_seen\""));
    assert!(a.body().contains("شناسنامهٔ عکس‌دار"));

    // An operator of another office is refused, in Persian, and changes nothing.
    let op2 = app.login("op2").await;
    let a = app
        .get(&format!("/office/enroll/{}", tc.as_str()), Some(&op2))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body().contains("این درخواست مربوط به دفتر دیگری است"));
    let a = app.enroll(&tc, &op2, 7).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(app.state_of(&tc).await, ApplicationState::AppointmentBooked);

    // Done: the success page links to the receipt and the record.
    let a = app.enroll(&tc, &op1, 7).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body());
    let done = a.body();
    assert!(done.contains("ثبت‌نام انجام شد"));
    let receipt = format!("/office/receipts/{}.pdf", tc.as_str());
    assert!(done.contains(&format!("href=\"{receipt}\"")));
    assert!(done.contains(&format!("href=\"/office/applications/{}\"", tc.as_str())));
    assert_eq!(app.state_of(&tc).await, ApplicationState::Enrolled);

    let a = app.get(&receipt, Some(&op1)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    assert!(a.bytes.starts_with(b"%PDF"));
    let a = app.get(&receipt, Some(&op2)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body().contains("دفتر دیگری"));

    // Enrolling twice is refused with a way to the record.
    let a = app.enroll(&tc, &op1, 7).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a
        .body()
        .contains(&format!("/office/applications/{}", tc.as_str())));

    // The desk now shows the place as enrolled.
    let a = app.get("/office", Some(&op1)).await;
    assert!(a.body().contains(ApplicationState::Enrolled.fa()));

    // The record: state, offices and the history in Persian.
    let a = app
        .get(&format!("/office/applications/{}", tc.as_str()), Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let record = a.body();
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
    let a = app.get(&record_uri, Some(&op2)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let page = a.body();
    assert!(page.contains("id=\"transfer\""));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("name=\"national_code\"") && page.contains("name=\"data\""));
    let destination = |app: &TestApp| {
        let s = app.state.store.clone();
        async move { s.enrollment(&tc).await.unwrap().unwrap().destination }
    };
    // The old bare form (no holder) moves nothing.
    let a = app.post(&transfer_uri, &[], Some(&op2)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body());
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    // Someone else's national code: as unknown, nothing moved, the record still closed.
    let holder = national_code("001234567");
    let own = || intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(7, 2), 1);
    let other = national_code("002345678");
    let a = app
        .post_multipart(&transfer_uri, transfer_body(&other, 2, own()), Some(&op2))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body());
    assert!(a
        .body()
        .contains("درخواستی با این کد رهگیری و کد ملی پیدا نشد"));
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    // Someone else's finger: refused, recorded, the form kept.
    let stranger = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(99, 2), 1);
    let a = app
        .post_multipart(
            &transfer_uri,
            transfer_body(&holder, 2, stranger),
            Some(&op2),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body());
    let page = a.body();
    assert!(page.contains("با انگشت دیگری دوباره تلاش کنید"), "{page}");
    assert!(
        page.contains(&format!("value=\"{}\"", fa(&holder))),
        "national code kept"
    );
    assert_eq!(destination(&app).await.as_str(), OFFICE);
    assert_eq!(
        app.get(&record_uri, Some(&op2)).await.status,
        StatusCode::FORBIDDEN
    );
    // The holder's own finger: the card is redirected there and the record opens.
    let a = app
        .post_multipart(&transfer_uri, transfer_body(&holder, 2, own()), Some(&op2))
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body());
    assert!(a.location().ends_with("?transferred=redirected"));
    assert_eq!(destination(&app).await.as_str(), OTHER_OFFICE);
    let a = app.get(a.location(), Some(&op2)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body().contains("دفتر پیشخوان مهرشهر"));
    assert!(a.body().contains("flash ok"));
    let a = app
        .post_multipart(&transfer_uri, transfer_body(&holder, 2, own()), Some(&op2))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.body().contains("کارت هم‌اکنون به همین دفتر فرستاده می‌شود"));
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
fn transfer_body(national_code: &str, position: u8, data: Vec<u8>) -> Vec<u8> {
    multipart(&[
        PartData::Text("national_code", fa(national_code)),
        PartData::Text("position", position.to_string()),
        PartData::Text("format", "iso19794_2".into()),
        PartData::File("data", "probe.iso", data),
    ])
}

#[tokio::test]
async fn supervisors_adjudicate_with_both_photos() {
    let app = TestApp::new().await;
    let first = app.booked("001234568", 40_000_000_002).await;
    let second = app.booked("002345678", 40_000_000_003).await;
    let op1 = app.login("op1").await;
    let sup1 = app.login("sup1").await;
    assert_eq!(app.enroll(&first, &op1, 11).await.status, StatusCode::OK);
    assert_eq!(app.enroll(&second, &op1, 11).await.status, StatusCode::OK);
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
    let a = app.get("/office/adjudications", Some(&op1)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body().contains("سرپرست"));
    assert!(!app
        .get("/office", Some(&op1))
        .await
        .body()
        .contains("href=\"/office/adjudications\""));
    let a = app
        .post(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "distinct")],
            Some(&op1),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let a = app.get("/office/adjudications", Some(&sup1)).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.body();
    assert!(page.contains(&format!("src=\"/office/photos/{}.jpg\"", first.as_str())));
    assert!(page.contains(&format!("src=\"/office/photos/{}.jpg\"", second.as_str())));
    assert!(page.contains("۰٫۴۳"), "{page}");
    assert!(page.contains("value=\"duplicate\"") && page.contains("value=\"distinct\""));

    let a = app
        .get(
            &format!("/office/photos/{}.jpg", first.as_str()),
            Some(&sup1),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers.get(header::CONTENT_TYPE).unwrap(), "image/jpeg");
    assert!(a.bytes.starts_with(&[0xff, 0xd8]));

    // No decision chosen: said at the top.
    let a = app
        .post(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("note", "x")],
            Some(&sup1),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body().contains("id=\"err-form\""));

    let a = app
        .post(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "distinct"), ("note", "دو برادر دوقلو")],
            Some(&sup1),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = app.get(a.location(), Some(&sup1)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body().contains("دو شخص متفاوت"));
    assert!(a.body().contains("id=\"no-cases\""));
    let cases = app.state.store.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, Some(domain::Decision::Distinct));
    assert_eq!(cases[0].decided_by.as_deref(), Some("supervisor:sup1"));

    // Deciding again: the shared rule's refusal, in Persian.
    let a = app
        .post(
            &format!("/office/adjudications/{}", second.as_str()),
            &[("decision", "duplicate")],
            Some(&sup1),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.body().contains("پیش‌تر تصمیم گرفته شده است"));
}

#[tokio::test]
async fn shipments_and_pickup_forms() {
    let app = TestApp::new().await;
    let tc = app.booked("001234569", 40_000_000_004).await;
    let op1 = app.login("op1").await;

    let a = app.get("/office/shipments", Some(&op1)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body().contains("id=\"no-shipments\""));
    let a = app
        .post(
            "/office/shipments/999/receive",
            &[("scanned", "")],
            Some(&op1),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.body().contains("محموله پیدا نشد"));

    let a = app
        .get(&format!("/office/pickup?tc={}", tc.as_str()), Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let form = a.body();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains(&format!("value=\"{}\"", fa(tc.as_str()))));
    assert!(form.contains("انگشت اشارهٔ دست راست"));

    // No file: at the file's field, the rest kept.
    let body = multipart(&[
        PartData::Text("tracking_code", tc.as_str().into()),
        PartData::Text("position", "3".into()),
        PartData::Text("format", "ansi378".into()),
        PartData::File("data", "", Vec::new()),
    ]);
    let a = app.post_multipart("/office/pickup", body, Some(&op1)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.body();
    assert!(page.contains("id=\"err-data\""));
    assert!(page.contains("<option value=\"3\" selected>"));
    assert!(page.contains("<option value=\"ansi378\" selected>"));

    // A card that is not waiting: the shared rule's message at the top.
    let probe = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(5, 2), 1);
    let body = multipart(&[
        PartData::Text("tracking_code", tc.as_str().into()),
        PartData::Text("position", "2".into()),
        PartData::Text("format", "iso19794_2".into()),
        PartData::File("data", "probe.iso", probe),
    ]);
    let a = app.post_multipart("/office/pickup", body, Some(&op1)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.body().contains("کارت آمادهٔ تحویل پیدا نشد"));
    assert!(a.body().contains("id=\"err-form\""));
    assert_eq!(app.state_of(&tc).await, ApplicationState::AppointmentBooked);

    // A bad tracking code: at its field.
    let body = multipart(&[
        PartData::Text("tracking_code", "12".into()),
        PartData::Text("position", "2".into()),
        PartData::Text("format", "iso19794_2".into()),
        PartData::File("data", "probe.iso", vec![1, 2, 3]),
    ]);
    let a = app.post_multipart("/office/pickup", body, Some(&op1)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body().contains("id=\"err-tracking_code\""));
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

fn probe_body(tc: &TrackingCode, position: u8, data: Vec<u8>) -> Vec<u8> {
    multipart(&[
        PartData::Text("tracking_code", fa(tc.as_str())),
        PartData::Text("position", position.to_string()),
        PartData::Text("format", "iso19794_2".into()),
        PartData::File("data", "probe.iso", data),
    ])
}

#[tokio::test]
async fn a_shipment_is_received_and_the_card_handed_over() {
    let app = TestApp::new().await;
    let tc = app.booked("003456789", 40_000_000_005).await;
    let lost = app.booked("004567891", 40_000_000_006).await;
    let op1 = app.login("op1").await;
    assert_eq!(app.enroll(&tc, &op1, 21).await.status, StatusCode::OK);
    assert_eq!(app.enroll(&lost, &op1, 22).await.status, StatusCode::OK);
    let id = produce_and_ship(&app, &[(&tc, "SC-0001-AAAA"), (&lost, "SC-0002-AAAA")]).await;

    let a = app.get("/office/shipments", Some(&op1)).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.body();
    assert!(page.contains("در راه"));
    assert!(page.contains(&format!("action=\"/office/shipments/{id}/receive\"")));
    assert!(page.contains("SC-0001-AAAA"));

    // Another office may not receive it; the refusal is shown at its form, the scan kept.
    let op2 = app.login("op2").await;
    let a = app
        .post(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "")],
            Some(&op2),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body().contains("دفتر دیگری"));

    // One card scanned (lower case, as a reader may give it) and one serial that is not in the box.
    let a = app
        .post(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "sc-0001-aaaa\r\nSC-9999-ZZZZ\r\n")],
            Some(&op1),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body());
    let result = a.body();
    assert!(result.contains("<dd id=\"ready\">۱</dd>"), "{result}");
    assert!(result.contains("SC-0002-AAAA"), "missing listed");
    assert!(result.contains("SC-9999-ZZZZ"), "unexpected listed");
    assert_eq!(app.state_of(&tc).await, ApplicationState::ReadyForPickup);
    let a = app
        .post(
            &format!("/office/shipments/{id}/receive"),
            &[("scanned", "")],
            Some(&op1),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.body().contains("پیش‌تر تحویل گرفته شده است"));

    // The receipt is no longer printed once the card waits at the office.
    let a = app
        .get(&format!("/office/receipts/{}.pdf", tc.as_str()), Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.body().contains("آمادهٔ تحویل"));

    // Someone else's finger: the mismatch invites another finger, the form kept.
    let stranger = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(99, 2), 1);
    let a = app
        .post_multipart("/office/pickup", probe_body(&tc, 2, stranger), Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let page = a.body();
    assert!(page.contains("با انگشت دیگری دوباره تلاش کنید"), "{page}");
    assert!(page.contains(&format!("value=\"{}\"", fa(tc.as_str()))));
    assert_eq!(app.state_of(&tc).await, ApplicationState::ReadyForPickup);

    // The holder's own right index finger: delivered, with the pickup fee in rials.
    let own = intake::fixtures::iso_probe(2, intake::fixtures::finger_seed(21, 2), 1);
    let a = app
        .post_multipart("/office/pickup", probe_body(&tc, 2, own), Some(&op1))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body());
    let page = a.body();
    assert!(page.contains("کارت تحویل داده شد"));
    let fee = app
        .state
        .settings
        .fees
        .for_year(today().year())
        .pickup_rials;
    assert!(page.contains(&server::web::html::rials_fa(fee)), "{page}");
    assert_eq!(app.state_of(&tc).await, ApplicationState::Delivered);

    // The record shows the card, the message and both attempts.
    let a = app
        .get(&format!("/office/applications/{}", tc.as_str()), Some(&op1))
        .await;
    let record = a.body();
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
    let app = TestApp::new().await;
    let first = app.booked("001234568", 40_000_000_002).await;
    let second = app.booked("002345678", 40_000_000_003).await;
    let op1 = app.login("op1").await;
    let sup1 = app.login("sup1").await;
    assert_eq!(app.enroll(&first, &op1, 11).await.status, StatusCode::OK);
    assert_eq!(app.enroll(&second, &op1, 11).await.status, StatusCode::OK);
    let s = &app.state.store;
    let a1 = s.application(&first).await.unwrap().unwrap().id;
    let a2 = s.application(&second).await.unwrap().unwrap().id;
    s.record_dedup(a1, &[], Utc::now()).await.unwrap();
    s.record_dedup(a2, &[(a1, 0.4321)], Utc::now())
        .await
        .unwrap();

    let decide = |origin: Option<&'static str>, site: Option<&'static str>| {
        let mut req = Request::post(format!("/office/adjudications/{}", second.as_str()))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, sup1.clone());
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.body(Body::from("decision=distinct&note=csrf-test"))
            .unwrap()
    };
    for (origin, site) in [
        (Some("https://evil.example"), Some("cross-site")),
        (Some("https://evil.example"), None),
        (None, Some("cross-site")),
        (Some("null"), None),
    ] {
        let a = app.send(decide(origin, site)).await;
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
        assert!(a.body().contains("درخواست از سایت دیگر"), "{}", a.body());
        assert!(a.body().contains("lang=\"fa\" dir=\"rtl\""));
    }
    let cases = s.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, None, "a refused post decided something");

    // From the service's own page (the browser names its origin and a same-origin fetch): decided.
    let a = app
        .send(decide(Some("http://127.0.0.1:8080"), Some("same-origin")))
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body());
    let cases = s.dedup_cases_of(&second).await.unwrap();
    assert_eq!(cases[0].decision, Some(domain::Decision::Distinct));
}

/// F17: the pages carry the security headers, and over https the staff cookies are `Secure` and answers carry
/// `Strict-Transport-Security`; over http neither.
#[tokio::test]
async fn pages_carry_security_headers_and_https_cookies_are_secure() {
    let plain = TestApp::new().await;
    let a = plain.get("/office/login", None).await;
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
    assert!(!a.body().contains("style=") && !a.body().contains("<script"));
    let cookie = plain
        .post(
            "/office/login",
            &[("username", "op1"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert!(!h(&cookie, "set-cookie").contains("Secure"));
    // The stylesheet is not a page: no page policy, still nosniff.
    let css = plain.get("/assets/portal.css", None).await;
    assert_eq!(h(&css, "x-content-type-options"), "nosniff");
    assert_eq!(h(&css, "content-security-policy"), "");

    let tls = TestApp::serving("https://shenas.example").await;
    let a = tls.get("/office/login", None).await;
    assert!(h(&a, "strict-transport-security").starts_with("max-age="));
    for (login, path) in [("/office/login", "/office"), ("/admin/login", "/admin")] {
        let user = if path == "/admin" { "admin" } else { "op1" };
        let a = tls
            .post(login, &[("username", user), ("password", PASSWORD)], None)
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{login}: {}", a.body());
        let set = h(&a, "set-cookie");
        assert!(
            set.ends_with("; Secure") && set.contains(&format!("Path={path}")),
            "{set}"
        );
    }
    let op1 = tls.login("op1").await;
    let out = tls.post("/office/logout", &[], Some(&op1)).await;
    assert!(h(&out, "set-cookie").contains("Secure"));
}

/// F18: the review's `POST /office/shipments/2/receive` without a content type, and a path that is not UTF-8,
/// answer a Persian page in the office's frame (was axum's English plain text).
#[tokio::test]
async fn unreadable_office_requests_get_a_persian_page() {
    let app = TestApp::new().await;
    let op1 = app.login("op1").await;
    let req = Request::post("/office/shipments/2/receive")
        .header(header::COOKIE, &op1)
        .body(Body::empty())
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(a
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(a.body().contains("درخواست خوانا نیست"), "{}", a.body());
    assert!(a.body().contains("/office/office.css"), "{}", a.body());
    let a = app.get("/office/applications/%FF", Some(&op1)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body().contains("درخواست خوانا نیست"), "{}", a.body());
}
