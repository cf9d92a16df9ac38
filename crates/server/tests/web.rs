#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The citizen's web portal driven in-process through its HTML forms, as a browser without JavaScript would:
//! registration in two steps, the cookie, paying at the sandbox bank, booking and cancelling, printing, tracking.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use domain::{ApplicationState, JalaliDate, Office, Person};
use http_body_util::BodyExt;
use server::state::today;
use server::{AppState, Settings};
use store_suite::TestStore;
use tower::ServiceExt;

const NATIONAL_CODE: &str = "0499370899";
const MOBILE: &str = "09121234567";
const BIRTH: (&str, &str, &str) = ("1370", "5", "12");
const OFFICE_ID: &str = "KRJ-101";
const OFFICE_NAME: &str = "دفتر پیشخوان گوهردشت";

struct TestApp {
    router: axum::Router,
    state: AppState,
    db: TestStore,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    /// The `name=value` pair of the citizen cookie the answer sets.
    fn cookie(&self) -> String {
        let set = self
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(set.starts_with("shenas_citizen="), "{set}");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        set.split(';').next().unwrap().to_string()
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the first `<input name="NAME" value="…">` in a page.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

/// The option values of `<select id="ID">`, and the selected one.
fn select(html: &str, id: &str) -> (Vec<String>, Option<String>) {
    let start = html
        .find(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("no select {id}"));
    let end = start + html[start..].find("</select>").unwrap();
    let mut values = Vec::new();
    let mut selected = None;
    for opt in html[start..end].split("<option value=\"").skip(1) {
        let value = opt[..opt.find('"').unwrap()].to_string();
        if opt[value.len()..].starts_with("\" selected>") {
            selected = Some(value.clone());
        }
        values.push(value);
    }
    (values, selected)
}

fn person() -> Person {
    let row: [&str; 16] = [
        NATIONAL_CODE,
        "علی",
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
        MOBILE,
        "1314567890",
        "تهران خیابان آزادی",
        "",
    ];
    Person::from_row(&row, today()).unwrap()
}

fn office() -> Office {
    Office::from_row(&[
        OFFICE_ID,
        OFFICE_NAME,
        "counter",
        "30",
        "کرج",
        "026",
        "خیابان بهشتی، پلاک ۱۲",
        "10",
    ])
    .unwrap()
}

fn lunar_of_birth() -> domain::HijriDate {
    JalaliDate::new(1370, 5, 12).unwrap().to_hijri()
}

impl TestApp {
    async fn new() -> Self {
        Self::with(false).await
    }

    async fn with(captcha: bool) -> Self {
        Self::serving(captcha, &Settings::default().public_url).await
    }

    /// The portal served at `public_url`.
    async fn serving(captcha: bool, public_url: &str) -> Self {
        let db = TestStore::sqlite().await;
        db.store.upsert_persons(&[person()]).await.unwrap();
        db.store.upsert_offices(&[office()]).await.unwrap();
        let state = AppState::new(
            db.store.clone(),
            Settings {
                captcha,
                rate_limits: false,
                public_url: public_url.into(),
                ..Settings::default()
            },
        );
        Self {
            router: server::router(state.clone()),
            state,
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
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Answer {
        let mut req = Request::get(uri);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, uri: &str, pairs: &[(&str, &str)], cookie: Option<&str>) -> Answer {
        let mut req =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(form(pairs))).unwrap()).await
    }

    /// Step one with the person's identifiers (Persian digits, as people type them): step two's page.
    async fn step1(&self) -> Answer {
        let a = self
            .post(
                "/register",
                &[
                    ("national_code", "۰۴۹۹۳۷۰۸۹۹"),
                    ("series_letter", "ج"),
                    ("series_number", "۱۲"),
                    ("serial", "345678"),
                ],
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(a.body.contains("id=\"details-form\""), "{}", a.body);
        a
    }

    /// Step two's fields, carried from `page` (step two as rendered), with `overrides`.
    fn details(page: &str, overrides: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        let lunar = lunar_of_birth();
        let mut fields: Vec<(&'static str, String)> = vec![
            ("national_code", input_value(page, "national_code")),
            ("series_letter", input_value(page, "series_letter")),
            ("series_number", input_value(page, "series_number")),
            ("serial", input_value(page, "serial")),
            ("token", input_value(page, "token")),
            ("birth_year", BIRTH.0.into()),
            ("birth_month", BIRTH.1.into()),
            ("birth_day", BIRTH.2.into()),
            ("lunar_year", lunar.year().to_string()),
            ("lunar_month", lunar.month().to_string()),
            ("lunar_day", lunar.day().to_string()),
            ("gender", "male".into()),
            ("religion", "islam".into()),
            ("mother_name", "فاطمه".into()),
            ("mobile", "۰۹۱۲۱۲۳۴۵۶۷".into()),
            ("reason", "first_issue".into()),
            ("action", "file".into()),
        ];
        for (k, v) in overrides {
            fields.retain(|(f, _)| f != k);
            fields.push((k, v.clone()));
        }
        fields
    }

    async fn post_details(&self, fields: &[(&'static str, String)]) -> Answer {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post("/register/details", &pairs, None).await
    }

    /// Registers the person through both steps: the tracking code and the cookie.
    async fn register(&self) -> (String, String) {
        let page = self.step1().await.body;
        let a = self.post_details(&Self::details(&page, &[])).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let tc = a
            .location()
            .strip_prefix("/applications/")
            .unwrap()
            .to_string();
        assert_eq!(tc.len(), 12, "{}", a.location());
        (tc, a.cookie())
    }
}

#[tokio::test]
async fn the_whole_journey_through_the_forms() {
    let app = TestApp::new().await;

    let home = app.get("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<html lang=\"fa\" dir=\"rtl\">"));
    assert!(home.body.contains("href=\"/register\""));
    assert!(home.body.contains("href=\"/track\""));
    assert!(!home.body.contains("<script"));

    let register = app.get("/register", None).await;
    assert_eq!(register.status, StatusCode::OK);
    assert!(register.body.contains("<select id=\"series_letter\""));
    assert!(!register.body.contains("captcha"), "captcha is off");

    // Step one passes; step two carries its values and a token.
    let page = app.step1().await.body;
    assert_eq!(input_value(&page, "national_code"), NATIONAL_CODE);
    assert_eq!(input_value(&page, "series_number"), "12");
    assert!(input_value(&page, "token").contains('.'));
    let (years, _) = select(&page, "birth_year");
    assert_eq!(years[1], today().year().to_string());
    assert_eq!(years.last().unwrap(), "1300");
    let (lunar_years, none) = select(&page, "lunar_year");
    assert_eq!(
        (lunar_years[0].as_str(), lunar_years[1].as_str(), none),
        ("", "1460", Some(String::new()))
    );
    assert!(page.contains(">ذی‌الحجه</option>"));

    // The proposal button fills the lunar date from the solar one, and so does leaving it empty.
    let lunar = lunar_of_birth();
    for overrides in [
        vec![("action", "propose_lunar".to_string())],
        vec![
            ("lunar_year", String::new()),
            ("lunar_month", String::new()),
            ("lunar_day", String::new()),
        ],
    ] {
        let a = app.post_details(&TestApp::details(&page, &overrides)).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(a.body.contains("id=\"note-lunar\""), "{}", a.body);
        assert_eq!(
            select(&a.body, "lunar_year").1,
            Some(lunar.year().to_string())
        );
        assert_eq!(
            select(&a.body, "lunar_month").1,
            Some(lunar.month().to_string())
        );
        assert_eq!(
            select(&a.body, "lunar_day").1,
            Some(lunar.day().to_string())
        );
        assert_eq!(select(&a.body, "birth_month").1, Some("5".to_string()));
        assert!(a.body.contains("value=\"فاطمه\""), "values are kept");
    }

    // Filing sets the cookie and opens the application's page.
    let filed = app.post_details(&TestApp::details(&page, &[])).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let tc = filed
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    let cookie = filed.cookie();
    let url = format!("/applications/{tc}");
    let a = app.get(&url, Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let tc_fa = domain::text::to_persian_digits(&tc);
    assert!(
        a.body.contains(&format!(
            "{} {} {}",
            &tc_fa[..8],
            &tc_fa[8..16],
            &tc_fa[16..]
        )),
        "the code in groups of Persian digits: {}",
        a.body
    );
    assert!(a
        .body
        .contains(&format!("id=\"tracking-code-ascii\">{tc}<")));
    assert!(a.body.contains("علی رضایی"));
    assert!(a.body.contains(ApplicationState::AwaitingPayment.fa()));
    assert!(a.body.contains("ریال"));
    assert!(a.body.contains("id=\"pay-form\""));

    // Pay at the sandbox bank, following its forms.
    let a = app.post(&format!("{url}/pay"), &[], Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(
        a.location().starts_with("/sandbox-bank/pay?token="),
        "{}",
        a.location()
    );
    let bank = app.get(a.location(), None).await;
    assert_eq!(bank.status, StatusCode::OK);
    let token = input_value(&bank.body, "token");
    let paid = app
        .post(
            "/sandbox-bank/pay",
            &[("token", &token), ("outcome", "success")],
            None,
        )
        .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert!(paid.body.contains("action=\"/api/v1/payments/callback\""));
    let back = app
        .post(
            "/api/v1/payments/callback",
            &[
                ("token", &input_value(&paid.body, "token")),
                ("status", &input_value(&paid.body, "status")),
                ("ref_id", &input_value(&paid.body, "ref_id")),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(back.location(), format!("{url}?payment=settled"));
    let a = app.get(back.location(), Some(&cookie)).await;
    assert!(a.body.contains("پرداخت با موفقیت انجام شد"), "{}", a.body);
    assert!(a.body.contains(ApplicationState::AwaitingAppointment.fa()));
    assert!(a.body.contains("(پرداخت شد"));
    assert!(a.body.contains(&format!("href=\"{url}/appointment\"")));
    assert!(!a.body.contains("id=\"pay-form\""));

    // The appointment page: open days, then the province's offices.
    let a = app.get(&format!("{url}/appointment"), Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let (days, _) = select(&a.body, "date");
    assert_eq!(days.len(), 31, "an empty choice and 30 open days");
    for d in &days[1..] {
        let d = JalaliDate::parse(d).unwrap();
        assert!(!d.is_friday(), "{d}");
        assert!(d > today());
    }
    let day = days[1].clone();
    let a = app
        .get(
            &format!("{url}/appointment?area_code=%DB%B0%DB%B2%DB%B6&date={day}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("دفترهای استان البرز"), "{}", a.body);
    assert!(a.body.contains(OFFICE_NAME));
    assert!(a.body.contains("۱۰ نوبت خالی"));
    assert!(
        a.body.contains(&format!(
            "<input type=\"radio\" name=\"office_id\" id=\"office-1\" value=\"{OFFICE_ID}\">"
        )),
        "{}",
        a.body
    );

    // Booking without choosing an office says so beside the list.
    let missing = app
        .post(
            &format!("{url}/appointment"),
            &[("area_code", "026"), ("date", &day)],
            Some(&cookie),
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("id=\"err-office_id\""),
        "{}",
        missing.body
    );

    // A Friday is refused with the journey's message beside the day.
    let friday = (1..=7)
        .map(|n| today().add_days(n).unwrap())
        .find(JalaliDate::is_friday)
        .unwrap()
        .to_string();
    let closed = app
        .post(
            &format!("{url}/appointment"),
            &[
                ("area_code", "026"),
                ("date", &friday),
                ("office_id", OFFICE_ID),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{}", closed.body);
    assert!(
        closed
            .body
            .contains("id=\"err-date\">دفاتر در این روز تعطیل است"),
        "{}",
        closed.body
    );

    let booked = app
        .post(
            &format!("{url}/appointment"),
            &[
                ("area_code", "026"),
                ("date", &day),
                ("office_id", OFFICE_ID),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    assert_eq!(booked.location(), format!("{url}?notice=booked"));
    let a = app.get(booked.location(), Some(&cookie)).await;
    assert!(a.body.contains("نوبت شما ثبت شد"));
    assert!(a.body.contains(ApplicationState::AppointmentBooked.fa()));
    assert!(
        a.body
            .contains(&format!("id=\"office-name\"><bdi>{OFFICE_NAME}</bdi>")),
        "{}",
        a.body
    );
    let day_fa = JalaliDate::parse(&day).unwrap().format_fa();
    assert!(a.body.contains(&day_fa), "{}", a.body);
    assert!(
        a.body.contains("id=\"appointment-time\">۰۷:۳۰<"),
        "the first place opens the day"
    );
    assert!(a.body.contains("id=\"cancel-form\""));
    // The history lists each stage once.
    let history = &a.body[a.body.find("id=\"history\"").unwrap()..];
    for s in [
        ApplicationState::AwaitingPayment,
        ApplicationState::AwaitingAppointment,
        ApplicationState::AppointmentBooked,
    ] {
        assert_eq!(
            history.matches(&format!("<td>{}</td>", s.fa())).count(),
            1,
            "{history}"
        );
    }

    // The printable page.
    let print = app.get(&format!("{url}/print"), Some(&cookie)).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("علی رضایی"));
    assert!(print
        .body
        .contains(&domain::text::to_persian_digits(NATIONAL_CODE)));
    assert!(print.body.contains(OFFICE_NAME));
    assert!(print.body.contains(&day_fa));

    // Cancelling frees the place and the application waits for an appointment again.
    let cancelled = app
        .post(&format!("{url}/appointment/cancel"), &[], Some(&cookie))
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    let a = app.get(cancelled.location(), Some(&cookie)).await;
    assert!(a.body.contains("نوبت شما لغو شد"));
    assert!(a.body.contains(&format!(
        "<span class=\"badge\">{}</span>",
        ApplicationState::AwaitingAppointment.fa()
    )));
    let again = app
        .post(&format!("{url}/appointment/cancel"), &[], Some(&cookie))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("این درخواست نوبتی ندارد"),
        "{}",
        again.body
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_forged_or_foreign_step1_token_is_refused() {
    let app = TestApp::new().await;
    let page = app.step1().await.body;
    let token = input_value(&page, "token");
    let (expiry, tag) = token.split_once('.').unwrap();
    let pushed = format!("{}.{tag}", expiry.parse::<u64>().unwrap() + 3600);
    for overrides in [
        vec![("token", String::new())],
        vec![("token", format!("{expiry}.{}", "0".repeat(64)))],
        vec![("token", pushed)],
        // A token is bound to the identifiers it was signed for.
        vec![("serial", "345679".to_string())],
    ] {
        let a = app.post_details(&TestApp::details(&page, &overrides)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{overrides:?}");
        assert!(a.body.contains("id=\"register-form\""), "back to step one");
        assert!(a.body.contains("اعتبار فرم تأیید نشد"), "{}", a.body);
        assert!(a.headers.get(header::SET_COOKIE).is_none());
    }
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);
    app.db.cleanup().await;
}

#[tokio::test]
async fn application_pages_need_the_cookie_of_that_application() {
    let app = TestApp::new().await;
    let (tc, cookie) = app.register().await;
    let url = format!("/applications/{tc}");
    for path in ["", "/appointment", "/print"] {
        let a = app.get(&format!("{url}{path}"), None).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(a.location(), format!("/track?tc={tc}"));
    }
    let a = app.post(&format!("{url}/pay"), &[], None).await;
    assert_eq!(a.location(), format!("/track?tc={tc}"));

    // A tampered cookie, or one for another code, opens nothing.
    let tampered = cookie.replace(&tc, &"1".repeat(12));
    let a = app.get(&url, Some(&tampered)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let other = domain::TrackingCode::from_body(12_345).to_string();
    let a = app
        .get(&format!("/applications/{other}"), Some(&cookie))
        .await;
    assert_eq!(a.location(), format!("/track?tc={other}"));

    // The tracking form prefills the code and, with the national code, opens the page.
    let track = app.get(a.location(), None).await;
    assert_eq!(track.status, StatusCode::OK);
    assert_eq!(
        input_value(&track.body, "tracking_code"),
        domain::text::to_persian_digits(&other)
    );
    // The prefilled (Persian) digits are read back as they are.
    let wrong = app
        .post(
            "/track",
            &[
                ("national_code", NATIONAL_CODE),
                ("tracking_code", &input_value(&track.body, "tracking_code")),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("درخواستی با این مشخصات پیدا نشد"));
    let bad = app
        .post(
            "/track",
            &[("national_code", "123"), ("tracking_code", "۱۲۳")],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"err-national_code\""));
    assert!(bad.body.contains("id=\"err-tracking_code\""));
    let ok = app
        .post(
            "/track",
            &[
                ("national_code", "۰۴۹۹۳۷۰۸۹۹"),
                ("tracking_code", &domain::text::to_persian_digits(&tc)),
            ],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), url);
    let page = app.get(&url, Some(&ok.cookie())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("علی رضایی"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn errors_are_shown_in_persian_beside_their_fields() {
    let app = TestApp::new().await;

    // Step one: each bad part beside its input, values kept.
    let a = app
        .post(
            "/register",
            &[
                ("national_code", "1234567890"),
                ("series_letter", "ج"),
                ("series_number", "12"),
                ("serial", "12"),
            ],
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body
            .contains("<p class=\"error\" id=\"err-national_code\">"),
        "{}",
        a.body
    );
    assert!(a.body.contains("value=\"1234567890\""));
    assert!(
        a.body
            .contains("id=\"err-serial\">سریال شناسنامه باید دقیقاً شش رقم باشد"),
        "the certificate's error is said at the same time: {}",
        a.body
    );

    let page = app.step1().await.body;
    let a = app
        .post(
            "/register",
            &[
                ("national_code", NATIONAL_CODE),
                ("series_letter", ""),
                ("series_number", "12"),
                ("serial", "12"),
            ],
            None,
        )
        .await;
    assert!(a.body.contains("id=\"err-series_letter\""), "{}", a.body);

    // A registry mismatch is said at the top, without naming the field.
    let a = app
        .post_details(&TestApp::details(&page, &[("mother_name", "مریم".into())]))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body
            .contains("<p class=\"error\">مشخصات واردشده با اطلاعات ثبت احوال مطابقت ندارد</p>"),
        "{}",
        a.body
    );
    assert!(a.body.contains("id=\"err-form\""));

    // Someone else's mobile, an impossible date, a lunar date too far off: beside their fields.
    let a = app
        .post_details(&TestApp::details(
            &page,
            &[("mobile", "09351234567".into())],
        ))
        .await;
    assert!(
        a.body
            .contains("id=\"err-mobile\">این شماره همراه به نام این کد ملی ثبت نشده است"),
        "{}",
        a.body
    );
    let a = app
        .post_details(&TestApp::details(
            &page,
            &[("birth_month", "12".into()), ("birth_day", "31".into())],
        ))
        .await;
    assert!(
        a.body.contains("id=\"err-birth_date_jalali\""),
        "{}",
        a.body
    );
    let a = app
        .post_details(&TestApp::details(
            &page,
            &[
                ("birth_day", String::new()),
                ("action", "propose_lunar".into()),
            ],
        ))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a
        .body
        .contains("id=\"err-birth_date_jalali\">روز، ماه و سال تولد شمسی را انتخاب کنید"));
    assert!(
        !a.body.contains("id=\"note-lunar\""),
        "nothing to propose from"
    );
    let far = JalaliDate::new(1370, 5, 22).unwrap().to_hijri();
    let a = app
        .post_details(&TestApp::details(
            &page,
            &[
                ("lunar_year", far.year().to_string()),
                ("lunar_month", far.month().to_string()),
                ("lunar_day", far.day().to_string()),
            ],
        ))
        .await;
    assert!(a.body.contains("id=\"err-birth_date_hijri\""), "{}", a.body);
    let a = app
        .post_details(&TestApp::details(
            &page,
            &[("gender", String::new()), ("reason", String::new())],
        ))
        .await;
    assert!(
        a.body.contains("id=\"err-gender\">جنسیت را انتخاب کنید"),
        "{}",
        a.body
    );
    assert!(a
        .body
        .contains("id=\"err-reason\">علت درخواست را انتخاب کنید"));
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);

    // A second application while one is in progress: at the top, with a way to track the first.
    app.register().await;
    let page = app.step1().await.body;
    let a = app.post_details(&TestApp::details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.body
            .contains("برای این کد ملی درخواست در جریانی وجود دارد"),
        "{}",
        a.body
    );
    assert!(a.body.contains("id=\"track-link\""));
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_captcha_is_shown_and_required_when_on() {
    let app = TestApp::with(true).await;
    let a = app.get("/register", None).await;
    let id = input_value(&a.body, "captcha_id");
    assert!(
        a.body
            .contains(&format!("<img src=\"/api/v1/captcha/{id}.png\"")),
        "{}",
        a.body
    );
    let img = app.get(&format!("/api/v1/captcha/{id}.png"), None).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers[header::CONTENT_TYPE], "image/png");
    let a = app
        .post(
            "/register",
            &[
                ("national_code", NATIONAL_CODE),
                ("series_letter", "ج"),
                ("series_number", "12"),
                ("serial", "345678"),
                ("captcha_id", &id),
            ],
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body
            .contains("id=\"err-captcha_answer\">کد امنیتی را وارد کنید"),
        "{}",
        a.body
    );
    assert!(a.body.contains("value=\"345678\""), "values are kept");
    assert_ne!(input_value(&a.body, "captcha_id"), id, "a fresh captcha");
    let wrong = app
        .post(
            "/register",
            &[
                ("national_code", NATIONAL_CODE),
                ("series_letter", "ج"),
                ("series_number", "12"),
                ("serial", "345678"),
                ("captcha_id", &input_value(&a.body, "captcha_id")),
                ("captcha_answer", "not digits"),
            ],
            None,
        )
        .await;
    assert!(
        wrong.body.contains("id=\"err-captcha_answer\""),
        "{}",
        wrong.body
    );
    assert!(!wrong.body.contains("id=\"details-form\""));

    // A passed captcha buys one registry inquiry: a mismatch goes back to step one and a fresh captcha.
    let page = app.get("/register", None).await;
    let id = input_value(&page.body, "captcha_id");
    let answer = app.state.services.captcha.answer(&id).unwrap();
    let step2 = app
        .post(
            "/register",
            &[
                ("national_code", NATIONAL_CODE),
                ("series_letter", "ج"),
                ("series_number", "12"),
                ("serial", "345678"),
                ("captcha_id", &id),
                ("captcha_answer", &answer),
            ],
            None,
        )
        .await;
    assert!(step2.body.contains("id=\"details-form\""), "{}", step2.body);
    let fields = TestApp::details(&step2.body, &[("mother_name", "مریم".into())]);
    let back = app.post_details(&fields).await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(back.body.contains("مطابقت ندارد"), "{}", back.body);
    assert!(
        !back.body.contains("id=\"details-form\""),
        "back at step one"
    );
    assert_ne!(
        input_value(&back.body, "captcha_id"),
        id,
        "with a fresh captcha"
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_person_sees_which_agencies_verified_them() {
    let app = TestApp::new().await;
    let (tc, cookie) = app.register().await;
    let page = app
        .get(&format!("/applications/{tc}/verifications"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"no-verifications\""),
        "{}",
        page.body
    );
    let s = &app.db.store;
    let id = s
        .create_agency(
            "بانک ملی ایران",
            &["account_opening".to_string()],
            60,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    s.record_verifications(&[store::agency::VerificationRecord {
        agency_id: id,
        key_id: 1,
        purpose: "account_opening".into(),
        national_code: domain::NationalCode::parse(NATIONAL_CODE).unwrap(),
        document: "receipt".into(),
        matched: true,
        at: chrono::Utc::now(),
    }])
    .await
    .unwrap();
    let page = app
        .get(&format!("/applications/{tc}/verifications"), Some(&cookie))
        .await;
    assert!(page.body.contains("بانک ملی ایران"), "{}", page.body);
    assert!(page.body.contains("تأیید شد"));
    let app_page = app.get(&format!("/applications/{tc}"), Some(&cookie)).await;
    assert!(app_page.body.contains("id=\"verifications-link\""));
    let anon = app
        .get(&format!("/applications/{tc}/verifications"), None)
        .await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    app.db.cleanup().await;
}

#[tokio::test]
async fn stored_office_text_is_isolated_on_the_appointment_card() {
    // An office imported before directional controls were refused: a right-to-left override in its name and an
    // isolate in its address. The card shows both inside <bdi>, so neither reorders what follows.
    let app = TestApp::new().await;
    let spoofed = Office {
        name: "دفتر \u{202E}نوگژاو".into(),
        address: "خیابان \u{2066}بهشتی".into(),
        ..office()
    };
    app.db.store.upsert_offices(&[spoofed]).await.unwrap();
    let (tc, cookie) = app.register().await;
    let t = domain::TrackingCode::parse(&tc).unwrap();
    let change = |actor: &str| store::journey::Change {
        actor: actor.into(),
        at: chrono::Utc::now(),
        reason: None,
    };
    assert!(app
        .db
        .store
        .transition(
            &t,
            ApplicationState::AwaitingPayment,
            domain::Event::PaymentSettled,
            &change("gateway:sandbox"),
        )
        .await
        .unwrap());
    let mut day = today().add_days(1).unwrap();
    while app.state.settings.holidays.closure(day).is_some() {
        day = day.add_days(1).unwrap();
    }
    let office = domain::OfficeId::parse(OFFICE_ID).unwrap();
    let booked = app
        .db
        .store
        .book(&t, &office, day, &change("citizen"))
        .await
        .unwrap();
    assert!(matches!(booked, store::journey::Booked::Booked(_)));
    let a = app.get(&format!("/applications/{tc}"), Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body
            .contains("id=\"office-name\"><bdi>دفتر \u{202E}نوگژاو</bdi>"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("<bdi>خیابان \u{2066}بهشتی</bdi>"),
        "{}",
        a.body
    );
    let print = app
        .get(&format!("/applications/{tc}/print"), Some(&cookie))
        .await;
    assert!(print.body.contains("<bdi>دفتر \u{202E}نوگژاو</bdi>"));
    app.db.cleanup().await;
}

/// F17: the citizen's cookie does not carry the national code (only a tag over it, checked against the
/// application's holder), is `Secure` over https, and the portal's pages carry the security headers.
#[tokio::test]
async fn the_citizen_cookie_hides_the_national_code_and_is_secure_over_https() {
    let app = TestApp::serving(false, "https://shenas.example").await;
    let home = app.get("/", None).await;
    let csp = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(home.headers.get("x-frame-options").unwrap(), "DENY");
    assert!(home.headers.contains_key("strict-transport-security"));

    let page = app.step1().await.body;
    let a = app.post_details(&TestApp::details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let set = a
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.ends_with("; Secure"), "{set}");
    assert!(!set.contains(NATIONAL_CODE), "{set}");
    let cookie = a.cookie();
    let tc = a
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    let url = format!("/applications/{tc}");
    assert_eq!(app.get(&url, Some(&cookie)).await.status, StatusCode::OK);

    // A cookie signed for the same tracking code and someone else's national code opens nothing.
    let stranger = server::web::session::Citizen {
        national_code: "0012345679".into(),
        tracking_code: tc.clone(),
    }
    .set_cookie(
        &app.state.services.web_secret,
        std::time::SystemTime::now(),
        true,
    );
    let stranger = stranger.split(';').next().unwrap();
    let a = app.get(&url, Some(stranger)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/track?tc={tc}"));
    app.db.cleanup().await;
}

/// F17: the portal's forms refuse a post from another site (the citizen's cookie rides along with it under
/// SameSite=Lax only for top-level navigations, but an old browser sends it anyway).
#[tokio::test]
async fn portal_forms_posted_from_another_site_are_refused() {
    let app = TestApp::new().await;
    let (tc, cookie) = app.register().await;
    let req = Request::post(format!("/applications/{tc}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    assert!(a.body.contains("درخواست از سایت دیگر"), "{}", a.body);
    let tracking = domain::TrackingCode::parse(&tc).unwrap();
    let held = app
        .state
        .store
        .application(&tracking)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.state, ApplicationState::AwaitingPayment);
    // The same form from the portal's own page goes on to the bank.
    let req = Request::post(format!("/applications/{tc}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(
        a.location().starts_with("/sandbox-bank/pay"),
        "{}",
        a.location()
    );
    app.db.cleanup().await;
}

/// F18: a form sent as something else, or a path that is not UTF-8, is answered with a Persian page (was
/// axum's English plain text).
#[tokio::test]
async fn unreadable_page_requests_get_a_persian_page() {
    let app = TestApp::new().await;
    let req = Request::post("/track").body(Body::from("x")).unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let kind = a
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(a.body.contains("درخواست خوانا نیست"), "{}", a.body);
    let a = app.get("/applications/%FF%FE/print", None).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("lang=\"fa\""), "{}", a.body);
    app.db.cleanup().await;
}
