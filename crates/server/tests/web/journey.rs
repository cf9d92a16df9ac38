use super::*;

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
