#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The citizen's web portal driven in-process through its HTML forms, as a browser without JavaScript would:
//! registration in two steps, the cookie, paying at the sandbox bank, booking and cancelling, printing, tracking.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::{ApplicationState, JalaliDate, Office, Person};
use server::state::today;
use server::Settings;
use testkit::{Answer, PersonBuilder, TestApp};

const NATIONAL_CODE: &str = "0499370899";
const MOBILE: &str = "09121234567";
const BIRTH: (&str, &str, &str) = ("1370", "5", "12");
const OFFICE_ID: &str = "KRJ-101";
const OFFICE_NAME: &str = "دفتر پیشخوان گوهردشت";

/// The `name=value` pair of the citizen cookie the answer sets.
fn citizen_cookie(a: &Answer) -> String {
    let set = a.set_cookie().unwrap();
    assert!(set.starts_with("shenas_citizen="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
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
    PersonBuilder::with_code(NATIONAL_CODE)
        .of_tehran()
        .mobile(MOBILE)
        .build()
}

fn office() -> Office {
    testkit::office(OFFICE_ID)
        .name(OFFICE_NAME)
        .address("خیابان بهشتی، پلاک ۱۲")
        .capacity(10)
        .build()
}

fn lunar_of_birth() -> domain::HijriDate {
    JalaliDate::new(1370, 5, 12).unwrap().to_hijri()
}

/// The portal without the captcha.
async fn portal() -> TestApp {
    portal_with(false).await
}

async fn portal_with(captcha: bool) -> TestApp {
    serving(captcha, &Settings::default().public_url).await
}

/// The portal served at `public_url`, with the person and the office.
async fn serving(captcha: bool, public_url: &str) -> TestApp {
    TestApp::builder()
        .with_settings(|s| {
            s.captcha = captcha;
            s.public_url = public_url.into();
        })
        .persons(&[person()])
        .offices(&[office()])
        .build()
        .await
}

/// A form posted as a browser encodes it.
async fn post(app: &TestApp, uri: &str, pairs: &[(&str, &str)], cookie: Option<&str>) -> Answer {
    app.post(uri)
        .body("application/x-www-form-urlencoded", form(pairs))
        .cookie_opt(cookie)
        .await
}

/// Step one with the person's identifiers (Persian digits, as people type them): step two's page.
async fn step1(app: &TestApp) -> Answer {
    let a = post(
        app,
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
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert!(a.text().contains("id=\"details-form\""), "{}", a.text());
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

async fn post_details(app: &TestApp, fields: &[(&'static str, String)]) -> Answer {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(app, "/register/details", &pairs, None).await
}

/// Registers the person through both steps: the tracking code and the cookie.
async fn register(app: &TestApp) -> (String, String) {
    let page = step1(app).await.text();
    let a = post_details(app, &details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let tc = a
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    assert_eq!(tc.len(), 12, "{}", a.location());
    (tc, citizen_cookie(&a))
}

#[tokio::test]
async fn the_whole_journey_through_the_forms() {
    let app = portal().await;

    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("<html lang=\"fa\" dir=\"rtl\">"));
    assert!(home.text().contains("href=\"/register\""));
    assert!(home.text().contains("href=\"/track\""));
    assert!(!home.text().contains("<script"));

    let register = app.get("/register").await;
    assert_eq!(register.status, StatusCode::OK);
    assert!(register.text().contains("<select id=\"series_letter\""));
    assert!(!register.text().contains("captcha"), "captcha is off");

    // Step one passes; step two carries its values and a token.
    let page = step1(&app).await.text();
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
        let a = post_details(&app, &details(&page, &overrides)).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert!(a.text().contains("id=\"note-lunar\""), "{}", a.text());
        assert_eq!(
            select(&a.text(), "lunar_year").1,
            Some(lunar.year().to_string())
        );
        assert_eq!(
            select(&a.text(), "lunar_month").1,
            Some(lunar.month().to_string())
        );
        assert_eq!(
            select(&a.text(), "lunar_day").1,
            Some(lunar.day().to_string())
        );
        assert_eq!(select(&a.text(), "birth_month").1, Some("5".to_string()));
        assert!(a.text().contains("value=\"فاطمه\""), "values are kept");
    }

    // Filing sets the cookie and opens the application's page.
    let filed = post_details(&app, &details(&page, &[])).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.text());
    let tc = filed
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    let cookie = citizen_cookie(&filed);
    let url = format!("/applications/{tc}");
    let a = app.get(&url).cookie(&cookie).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let tc_fa = domain::text::to_persian_digits(&tc);
    assert!(
        a.text().contains(&format!(
            "{} {} {}",
            &tc_fa[..8],
            &tc_fa[8..16],
            &tc_fa[16..]
        )),
        "the code in groups of Persian digits: {}",
        a.text()
    );
    assert!(a
        .text()
        .contains(&format!("id=\"tracking-code-ascii\">{tc}<")));
    assert!(a.text().contains("علی رضایی"));
    assert!(a.text().contains(ApplicationState::AwaitingPayment.fa()));
    assert!(a.text().contains("ریال"));
    assert!(a.text().contains("id=\"pay-form\""));

    // Pay at the sandbox bank, following its forms.
    let a = post(&app, &format!("{url}/pay"), &[], Some(&cookie)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(
        a.location().starts_with("/sandbox-bank/pay?token="),
        "{}",
        a.location()
    );
    let bank = app.get(a.location()).await;
    assert_eq!(bank.status, StatusCode::OK);
    let token = input_value(&bank.text(), "token");
    let paid = post(
        &app,
        "/sandbox-bank/pay",
        &[("token", &token), ("outcome", "success")],
        None,
    )
    .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text());
    assert!(paid.text().contains("action=\"/api/v1/payments/callback\""));
    let back = post(
        &app,
        "/api/v1/payments/callback",
        &[
            ("token", &input_value(&paid.text(), "token")),
            ("status", &input_value(&paid.text(), "status")),
            ("ref_id", &input_value(&paid.text(), "ref_id")),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.text());
    assert_eq!(back.location(), format!("{url}?payment=settled"));
    let a = app.get(back.location()).cookie(&cookie).await;
    assert!(
        a.text().contains("پرداخت با موفقیت انجام شد"),
        "{}",
        a.text()
    );
    assert!(a
        .text()
        .contains(ApplicationState::AwaitingAppointment.fa()));
    assert!(a.text().contains("(پرداخت شد"));
    assert!(a.text().contains(&format!("href=\"{url}/appointment\"")));
    assert!(!a.text().contains("id=\"pay-form\""));

    // The appointment page: open days, then the province's offices.
    let a = app.get(&format!("{url}/appointment")).cookie(&cookie).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let (days, _) = select(&a.text(), "date");
    assert_eq!(days.len(), 31, "an empty choice and 30 open days");
    for d in &days[1..] {
        let d = JalaliDate::parse(d).unwrap();
        assert!(!d.is_friday(), "{d}");
        assert!(d > today());
    }
    let day = days[1].clone();
    let a = app
        .get(&format!(
            "{url}/appointment?area_code=%DB%B0%DB%B2%DB%B6&date={day}"
        ))
        .cookie(&cookie)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert!(a.text().contains("دفترهای استان البرز"), "{}", a.text());
    assert!(a.text().contains(OFFICE_NAME));
    assert!(a.text().contains("۱۰ نوبت خالی"));
    assert!(
        a.text().contains(&format!(
            "<input type=\"radio\" name=\"office_id\" id=\"office-1\" value=\"{OFFICE_ID}\">"
        )),
        "{}",
        a.text()
    );

    // Booking without choosing an office says so beside the list.
    let missing = post(
        &app,
        &format!("{url}/appointment"),
        &[("area_code", "026"), ("date", &day)],
        Some(&cookie),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.text().contains("id=\"err-office_id\""),
        "{}",
        missing.text()
    );

    // A Friday is refused with the journey's message beside the day.
    let friday = (1..=7)
        .map(|n| today().add_days(n).unwrap())
        .find(JalaliDate::is_friday)
        .unwrap()
        .to_string();
    let closed = post(
        &app,
        &format!("{url}/appointment"),
        &[
            ("area_code", "026"),
            ("date", &friday),
            ("office_id", OFFICE_ID),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{}", closed.text());
    assert!(
        closed
            .text()
            .contains("id=\"err-date\">دفاتر در این روز تعطیل است"),
        "{}",
        closed.text()
    );

    let booked = post(
        &app,
        &format!("{url}/appointment"),
        &[
            ("area_code", "026"),
            ("date", &day),
            ("office_id", OFFICE_ID),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.text());
    assert_eq!(booked.location(), format!("{url}?notice=booked"));
    let a = app.get(booked.location()).cookie(&cookie).await;
    assert!(a.text().contains("نوبت شما ثبت شد"));
    assert!(a.text().contains(ApplicationState::AppointmentBooked.fa()));
    assert!(
        a.text()
            .contains(&format!("id=\"office-name\"><bdi>{OFFICE_NAME}</bdi>")),
        "{}",
        a.text()
    );
    let day_fa = JalaliDate::parse(&day).unwrap().format_fa();
    assert!(a.text().contains(&day_fa), "{}", a.text());
    assert!(
        a.text().contains("id=\"appointment-time\">۰۷:۳۰<"),
        "the first place opens the day"
    );
    assert!(a.text().contains("id=\"cancel-form\""));
    // The history lists each stage once.
    let history = &a.text()[a.text().find("id=\"history\"").unwrap()..];
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
    let print = app.get(&format!("{url}/print")).cookie(&cookie).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.text().contains("علی رضایی"));
    assert!(print
        .text()
        .contains(&domain::text::to_persian_digits(NATIONAL_CODE)));
    assert!(print.text().contains(OFFICE_NAME));
    assert!(print.text().contains(&day_fa));

    // Cancelling frees the place and the application waits for an appointment again.
    let cancelled = post(
        &app,
        &format!("{url}/appointment/cancel"),
        &[],
        Some(&cookie),
    )
    .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.text()
    );
    let a = app.get(cancelled.location()).cookie(&cookie).await;
    assert!(a.text().contains("نوبت شما لغو شد"));
    assert!(a.text().contains(&format!(
        "<span class=\"badge\">{}</span>",
        ApplicationState::AwaitingAppointment.fa()
    )));
    let again = post(
        &app,
        &format!("{url}/appointment/cancel"),
        &[],
        Some(&cookie),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text().contains("این درخواست نوبتی ندارد"),
        "{}",
        again.text()
    );
}

#[tokio::test]
async fn a_forged_or_foreign_step1_token_is_refused() {
    let app = portal().await;
    let page = step1(&app).await.text();
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
        let a = post_details(&app, &details(&page, &overrides)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{overrides:?}");
        assert!(
            a.text().contains("id=\"register-form\""),
            "back to step one"
        );
        assert!(a.text().contains("اعتبار فرم تأیید نشد"), "{}", a.text());
        assert!(a.headers.get(header::SET_COOKIE).is_none());
    }
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);
}

#[tokio::test]
async fn application_pages_need_the_cookie_of_that_application() {
    let app = portal().await;
    let (tc, cookie) = register(&app).await;
    let url = format!("/applications/{tc}");
    for path in ["", "/appointment", "/print"] {
        let a = app.get(&format!("{url}{path}")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(a.location(), format!("/track?tc={tc}"));
    }
    let a = post(&app, &format!("{url}/pay"), &[], None).await;
    assert_eq!(a.location(), format!("/track?tc={tc}"));

    // A tampered cookie, or one for another code, opens nothing.
    let tampered = cookie.replace(&tc, &"1".repeat(12));
    let a = app.get(&url).cookie(&tampered).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let other = domain::TrackingCode::from_body(12_345).to_string();
    let a = app
        .get(&format!("/applications/{other}"))
        .cookie(&cookie)
        .await;
    assert_eq!(a.location(), format!("/track?tc={other}"));

    // The tracking form prefills the code and, with the national code, opens the page.
    let track = app.get(a.location()).await;
    assert_eq!(track.status, StatusCode::OK);
    assert_eq!(
        input_value(&track.text(), "tracking_code"),
        domain::text::to_persian_digits(&other)
    );
    // The prefilled (Persian) digits are read back as they are.
    let wrong = post(
        &app,
        "/track",
        &[
            ("national_code", NATIONAL_CODE),
            (
                "tracking_code",
                &input_value(&track.text(), "tracking_code"),
            ),
        ],
        None,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.text().contains("درخواستی با این مشخصات پیدا نشد"));
    let bad = post(
        &app,
        "/track",
        &[("national_code", "123"), ("tracking_code", "۱۲۳")],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"err-national_code\""));
    assert!(bad.text().contains("id=\"err-tracking_code\""));
    let ok = post(
        &app,
        "/track",
        &[
            ("national_code", "۰۴۹۹۳۷۰۸۹۹"),
            ("tracking_code", &domain::text::to_persian_digits(&tc)),
        ],
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(ok.location(), url);
    let page = app.get(&url).cookie_opt(Some(&citizen_cookie(&ok))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("علی رضایی"));
}

#[tokio::test]
async fn errors_are_shown_in_persian_beside_their_fields() {
    let app = portal().await;

    // Step one: each bad part beside its input, values kept.
    let a = post(
        &app,
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
        a.text()
            .contains("<p class=\"error\" id=\"err-national_code\">"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("value=\"1234567890\""));
    assert!(
        a.text()
            .contains("id=\"err-serial\">سریال شناسنامه باید دقیقاً شش رقم باشد"),
        "the certificate's error is said at the same time: {}",
        a.text()
    );

    let page = step1(&app).await.text();
    let a = post(
        &app,
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
    assert!(
        a.text().contains("id=\"err-series_letter\""),
        "{}",
        a.text()
    );

    // A registry mismatch is said at the top, without naming the field.
    let a = post_details(&app, &details(&page, &[("mother_name", "مریم".into())])).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text()
            .contains("<p class=\"error\">مشخصات واردشده با اطلاعات ثبت احوال مطابقت ندارد</p>"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("id=\"err-form\""));

    // Someone else's mobile, an impossible date, a lunar date too far off: beside their fields.
    let a = post_details(&app, &details(&page, &[("mobile", "09351234567".into())])).await;
    assert!(
        a.text()
            .contains("id=\"err-mobile\">این شماره همراه به نام این کد ملی ثبت نشده است"),
        "{}",
        a.text()
    );
    let a = post_details(
        &app,
        &details(
            &page,
            &[("birth_month", "12".into()), ("birth_day", "31".into())],
        ),
    )
    .await;
    assert!(
        a.text().contains("id=\"err-birth_date_jalali\""),
        "{}",
        a.text()
    );
    let a = post_details(
        &app,
        &details(
            &page,
            &[
                ("birth_day", String::new()),
                ("action", "propose_lunar".into()),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a
        .text()
        .contains("id=\"err-birth_date_jalali\">روز، ماه و سال تولد شمسی را انتخاب کنید"));
    assert!(
        !a.text().contains("id=\"note-lunar\""),
        "nothing to propose from"
    );
    let far = JalaliDate::new(1370, 5, 22).unwrap().to_hijri();
    let a = post_details(
        &app,
        &details(
            &page,
            &[
                ("lunar_year", far.year().to_string()),
                ("lunar_month", far.month().to_string()),
                ("lunar_day", far.day().to_string()),
            ],
        ),
    )
    .await;
    assert!(
        a.text().contains("id=\"err-birth_date_hijri\""),
        "{}",
        a.text()
    );
    let a = post_details(
        &app,
        &details(
            &page,
            &[("gender", String::new()), ("reason", String::new())],
        ),
    )
    .await;
    assert!(
        a.text().contains("id=\"err-gender\">جنسیت را انتخاب کنید"),
        "{}",
        a.text()
    );
    assert!(a
        .text()
        .contains("id=\"err-reason\">علت درخواست را انتخاب کنید"));
    assert_eq!(app.db.store.count_applications().await.unwrap(), 0);

    // A second application while one is in progress: at the top, with a way to track the first.
    register(&app).await;
    let page = step1(&app).await.text();
    let a = post_details(&app, &details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.text()
            .contains("برای این کد ملی درخواست در جریانی وجود دارد"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("id=\"track-link\""));
}

#[tokio::test]
async fn the_captcha_is_shown_and_required_when_on() {
    let app = portal_with(true).await;
    let a = app.get("/register").await;
    let id = input_value(&a.text(), "captcha_id");
    assert!(
        a.text()
            .contains(&format!("<img src=\"/api/v1/captcha/{id}.png\"")),
        "{}",
        a.text()
    );
    let img = app.get(&format!("/api/v1/captcha/{id}.png")).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers[header::CONTENT_TYPE], "image/png");
    let a = post(
        &app,
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
        a.text()
            .contains("id=\"err-captcha_answer\">کد امنیتی را وارد کنید"),
        "{}",
        a.text()
    );
    assert!(a.text().contains("value=\"345678\""), "values are kept");
    assert_ne!(input_value(&a.text(), "captcha_id"), id, "a fresh captcha");
    let wrong = post(
        &app,
        "/register",
        &[
            ("national_code", NATIONAL_CODE),
            ("series_letter", "ج"),
            ("series_number", "12"),
            ("serial", "345678"),
            ("captcha_id", &input_value(&a.text(), "captcha_id")),
            ("captcha_answer", "not digits"),
        ],
        None,
    )
    .await;
    assert!(
        wrong.text().contains("id=\"err-captcha_answer\""),
        "{}",
        wrong.text()
    );
    assert!(!wrong.text().contains("id=\"details-form\""));

    // A passed captcha buys one registry inquiry: a mismatch goes back to step one and a fresh captcha.
    let page = app.get("/register").await;
    let id = input_value(&page.text(), "captcha_id");
    let answer = app.state.services.captcha.answer(&id).unwrap();
    let step2 = post(
        &app,
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
    assert!(
        step2.text().contains("id=\"details-form\""),
        "{}",
        step2.text()
    );
    let fields = details(&step2.text(), &[("mother_name", "مریم".into())]);
    let back = post_details(&app, &fields).await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(back.text().contains("مطابقت ندارد"), "{}", back.text());
    assert!(
        !back.text().contains("id=\"details-form\""),
        "back at step one"
    );
    assert_ne!(
        input_value(&back.text(), "captcha_id"),
        id,
        "with a fresh captcha"
    );
}

#[tokio::test]
async fn the_person_sees_which_agencies_verified_them() {
    let app = portal().await;
    let (tc, cookie) = register(&app).await;
    let page = app
        .get(&format!("/applications/{tc}/verifications"))
        .cookie(&cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("id=\"no-verifications\""),
        "{}",
        page.text()
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
        .get(&format!("/applications/{tc}/verifications"))
        .cookie(&cookie)
        .await;
    assert!(page.text().contains("بانک ملی ایران"), "{}", page.text());
    assert!(page.text().contains("تأیید شد"));
    let app_page = app
        .get(&format!("/applications/{tc}"))
        .cookie(&cookie)
        .await;
    assert!(app_page.text().contains("id=\"verifications-link\""));
    let anon = app.get(&format!("/applications/{tc}/verifications")).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn stored_office_text_is_isolated_on_the_appointment_card() {
    // An office imported before directional controls were refused: a right-to-left override in its name and an
    // isolate in its address. The card shows both inside <bdi>, so neither reorders what follows.
    let app = portal().await;
    let spoofed = Office {
        name: "دفتر \u{202E}نوگژاو".into(),
        address: "خیابان \u{2066}بهشتی".into(),
        ..office()
    };
    app.db.store.upsert_offices(&[spoofed]).await.unwrap();
    let (tc, cookie) = register(&app).await;
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
    let a = app
        .get(&format!("/applications/{tc}"))
        .cookie(&cookie)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.text()
            .contains("id=\"office-name\"><bdi>دفتر \u{202E}نوگژاو</bdi>"),
        "{}",
        a.text()
    );
    assert!(
        a.text().contains("<bdi>خیابان \u{2066}بهشتی</bdi>"),
        "{}",
        a.text()
    );
    let print = app
        .get(&format!("/applications/{tc}/print"))
        .cookie(&cookie)
        .await;
    assert!(print.text().contains("<bdi>دفتر \u{202E}نوگژاو</bdi>"));
}

/// F17: the citizen's cookie does not carry the national code (only a tag over it, checked against the
/// application's holder), is `Secure` over https, and the portal's pages carry the security headers.
#[tokio::test]
async fn the_citizen_cookie_hides_the_national_code_and_is_secure_over_https() {
    let app = serving(false, "https://shenas.example").await;
    let home = app.get("/").await;
    let csp = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(home.headers.get("x-frame-options").unwrap(), "DENY");
    assert!(home.headers.contains_key("strict-transport-security"));

    let page = step1(&app).await.text();
    let a = post_details(&app, &details(&page, &[])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let set = a
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.ends_with("; Secure"), "{set}");
    assert!(!set.contains(NATIONAL_CODE), "{set}");
    let cookie = citizen_cookie(&a);
    let tc = a
        .location()
        .strip_prefix("/applications/")
        .unwrap()
        .to_string();
    let url = format!("/applications/{tc}");
    assert_eq!(app.get(&url).cookie(&cookie).await.status, StatusCode::OK);

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
    let a = app.get(&url).cookie(stranger).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/track?tc={tc}"));
}

/// F17: the portal's forms refuse a post from another site (the citizen's cookie rides along with it under
/// SameSite=Lax only for top-level navigations, but an old browser sends it anyway).
#[tokio::test]
async fn portal_forms_posted_from_another_site_are_refused() {
    let app = portal().await;
    let (tc, cookie) = register(&app).await;
    let req = Request::post(format!("/applications/{tc}/pay"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    assert!(a.text().contains("درخواست از سایت دیگر"), "{}", a.text());
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
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(
        a.location().starts_with("/sandbox-bank/pay"),
        "{}",
        a.location()
    );
}

/// F18: a form sent as something else, or a path that is not UTF-8, is answered with a Persian page (was
/// axum's English plain text).
#[tokio::test]
async fn unreadable_page_requests_get_a_persian_page() {
    let app = portal().await;
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
    assert!(a.text().contains("درخواست خوانا نیست"), "{}", a.text());
    let a = app.get("/applications/%FF%FE/print").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("lang=\"fa\""), "{}", a.text());
}
