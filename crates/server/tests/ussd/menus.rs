use super::*;

#[tokio::test]
async fn both_paths_on_every_backend() {
    for db in TestStore::all().await {
        let name = db.name;
        let app = ussd_app(db, quiet()).await;
        let phone = "+989121000001"; // the family number as the network gives it
        let s = new_session();

        // The first screen.
        let first = ussd(&app, &s, phone, "").await;
        assert_eq!(
            first,
            "CON کارت هوشمند ملی\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری"
        );

        // 1: the family's applications, masked; person 4 has none.
        let list = ussd(&app, &s, phone, "1").await;
        assert!(list.starts_with("CON "), "{name}: {list}");
        assert!(
            list.contains(&format!("۱- {} منتظر پرداخت", masked(1))),
            "{name}: {list}"
        );
        assert!(
            list.contains(&format!("۲- {} آمادهٔ تحویل", masked(2))),
            "{name}: {list}"
        );
        assert!(!list.contains(&masked(4)), "{list}");
        assert!(!list.contains("۳-"), "{list}");

        // Person 1: the stage and its date, the session over.
        let one = ussd(&app, &s, phone, "1*1").await;
        assert!(one.starts_with("END "), "{one}");
        assert!(one.contains(&masked(1)), "{one}");
        assert!(one.contains("در انتظار پرداخت"), "{one}");
        assert!(one.contains(&today().format_fa()), "{one}");
        assert!(!one.contains("دفتر پیشخوان"), "{one}");

        // Person 2: the card waits at the office; its address on request.
        let two = ussd(&app, &s, phone, "1*2").await;
        assert!(two.starts_with("CON آمادهٔ تحویل از "), "{name}: {two}");
        assert!(two.contains("در دفتر پیشخوان کرج"), "{two}");
        assert!(two.ends_with("\n۱- نشانی ۲- دفتر دیگر"), "{two}");
        let addr = ussd(&app, &s, phone, "1*2*1").await;
        assert_eq!(
            addr, "END دفتر پیشخوان کرج\nکرج، خیابان بهشتی، کوچهٔ ۱۲، پلاک ۳",
            "{name}"
        );

        // 2: by national code and tracking code, typed in Persian digits, from any phone.
        let s = new_session();
        let other = "09359999999";
        assert_eq!(
            ussd(&app, &s, other, "2").await,
            "CON کد ملی ۱۰ رقمی را وارد کنید:"
        );
        let text = format!("2*{}", fa(3));
        assert_eq!(
            ussd(&app, &s, other, &text).await,
            "CON کد رهگیری ۱۲ رقمی را وارد کنید:"
        );
        let text = format!("2*{}*{}", fa(3), to_persian_digits(tc(3).as_str()));
        let three = ussd(&app, &s, other, &text).await;
        // Not yet on its way: the office it goes to may still change.
        assert!(three.starts_with("CON "), "{three}");
        assert!(three.ends_with("۲- دفتر دیگر"), "{three}");
        assert!(three.contains("در حال صدور از "), "{name}: {three}");
        assert!(three.contains(&masked(3)), "{three}");

        // The waiting card by path 2, and its address.
        let s = new_session();
        let text = format!("2*{}*{}", code(2), tc(2));
        let waits = ussd(&app, &s, other, &text).await;
        assert!(waits.contains("در دفتر پیشخوان کرج"), "{waits}");
        let addr = ussd(&app, &s, other, &format!("{text}*۱")).await;
        assert!(addr.contains("خیابان بهشتی"), "{addr}");

        // A wrong pair and an unknown code are answered alike.
        let s = new_session();
        let wrong_pair = ussd(&app, &s, other, &format!("2*{}*{}", code(1), tc(3))).await;
        let unknown = ussd(&app, &s, other, &format!("2*{}*{}", code(99), tc(3))).await;
        assert_eq!(wrong_pair, format!("END {}", screens::NOT_FOUND));
        assert_eq!(unknown, wrong_pair);

        // Person 3's own number lists only person 3.
        let s = new_session();
        let own = ussd(&app, &s, OWN, "1").await;
        assert!(
            own.contains(&format!("۱- {} در حال صدور", masked(3))),
            "{own}"
        );
        assert!(!own.contains("۲-"), "{own}");
    }
}

#[tokio::test]
async fn numbers_without_applications_or_not_mobiles() {
    let app = ussd_app(TestStore::sqlite().await, quiet()).await;
    let s = new_session();
    assert_eq!(
        ussd(&app, &s, "09120000000", "1").await,
        format!("END {}", screens::NONE_FOR_NUMBER)
    );
    // Not a mobile number: option 1 cannot work, option 2 still does.
    for phone in ["", "abc", "021 1234 5678"] {
        let s = new_session();
        assert_eq!(
            ussd(&app, &s, phone, "1").await,
            format!("END {}", screens::UNKNOWN_NUMBER)
        );
        let text = format!("2*{}*{}", code(3), tc(3));
        assert!(ussd(&app, &s, phone, &text).await.contains("در حال صدور"));
    }
}

#[tokio::test]
async fn wrong_input_gets_a_hint_and_three_end_the_session() {
    let app = ussd_app(TestStore::sqlite().await, quiet()).await;
    let p = FAMILY;
    let s = new_session();
    let hinted_menu =
        "CON ورودی نادرست است.\n۱- درخواست‌های شمارهٔ من\n۲- پیگیری با کد ملی و کد رهگیری";
    assert_eq!(ussd(&app, &s, p, "9").await, hinted_menu);
    assert_eq!(ussd(&app, &s, p, "9*سلام").await, hinted_menu);
    assert_eq!(ussd(&app, &s, p, "9*").await, hinted_menu);
    assert_eq!(
        ussd(&app, &s, p, "9*x*7").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    // A right input in between starts the count again.
    assert_eq!(
        ussd(&app, &s, p, "9*x*2").await,
        "CON کد ملی ۱۰ رقمی را وارد کنید:"
    );
    // National code: too short, bad check digit, letters.
    assert_eq!(
        ussd(&app, &s, p, "2*123").await,
        "CON کد ملی درست نیست.\nکد ملی ۱۰ رقمی را وارد کنید:"
    );
    let bad_check = format!(
        "{}{}",
        &code(1).as_str()[..9],
        (code(1).as_str().as_bytes()[9] - b'0' + 1) % 10
    );
    assert!(ussd(&app, &s, p, &format!("2*{bad_check}"))
        .await
        .starts_with("CON کد ملی درست نیست."));
    assert_eq!(
        ussd(&app, &s, p, "2*123*abc*1").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
    let text = format!("2*123*{}", code(3));
    assert_eq!(
        ussd(&app, &s, p, &text).await,
        "CON کد رهگیری ۱۲ رقمی را وارد کنید:"
    );
    // Tracking code: a wrong check digit.
    let mut bad_tc = tc(3).as_str().to_string();
    let last = (bad_tc.pop().unwrap() as u8 - b'0' + 1) % 10;
    bad_tc.push((b'0' + last) as char);
    assert_eq!(
        ussd(&app, &s, p, &format!("{text}*{bad_tc}")).await,
        "CON کد رهگیری درست نیست.\nکد رهگیری ۱۲ رقمی را وارد کنید:"
    );
    assert!(ussd(&app, &s, p, &format!("{text}*{bad_tc}*{}", tc(3)))
        .await
        .contains("در حال صدور"));
    // The list: a number out of range, then a right one.
    let s = new_session();
    let list = ussd(&app, &s, p, "1*5").await;
    assert!(list.starts_with("CON ورودی نادرست است.\n۱- "), "{list}");
    assert!(ussd(&app, &s, p, "1*5*0")
        .await
        .starts_with("CON ورودی نادرست است."));
    assert!(ussd(&app, &s, p, "1*5*1")
        .await
        .contains("در انتظار پرداخت"));
    // The office screen: anything but 1 or 2 is wrong.
    let waits = ussd(&app, &s, p, "1*2*3").await;
    assert_eq!(
        waits,
        "CON ورودی نادرست است.\nدر دفتر پیشخوان کرج\n۱- نشانی ۲- دفتر دیگر"
    );
    assert!(ussd(&app, &s, p, "1*2*3*1").await.contains("خیابان بهشتی"));
    assert_eq!(
        ussd(&app, &s, p, "1*2*3*3*3").await,
        format!("END {}", screens::TOO_MANY_WRONG)
    );
}

#[tokio::test]
async fn many_codes_on_one_number_are_paged() {
    let db = TestStore::sqlite().await;
    let app = ussd_app(db, quiet()).await;
    // Eight more family members on the family number, each with an application.
    let persons: Vec<Person> = (10..18).map(person).collect();
    app.db.store.upsert_persons(&persons).await.unwrap();
    let seeds: Vec<SeedApplication> = (10..18)
        .map(|n| seeded(n, ApplicationState::AwaitingAppointment))
        .collect();
    app.db.store.seed_applications(&seeds).await.unwrap();
    let s = new_session();
    let mut text = "1".to_string();
    let mut shown = Vec::new();
    loop {
        let page = ussd(&app, &s, FAMILY, &text).await;
        assert!(page.starts_with("CON "), "{page}");
        shown.extend(
            page.lines()
                .filter(|l| l.contains("******"))
                .map(str::to_string),
        );
        if !page.ends_with("۰- بیشتر") {
            break;
        }
        text.push_str("*0");
    }
    // Every application once, numbered in order, two to a page.
    assert_eq!(shown.len(), 10, "{shown:?}");
    assert_eq!(text.matches('0').count(), 4, "{text}");
    for (i, line) in shown.iter().enumerate() {
        let n = to_persian_digits(&(i + 1).to_string());
        assert!(line.starts_with(&format!("{n}- ")), "{line}");
    }
    // 0 on the last page is wrong; a number from an earlier page still counts.
    let after = ussd(&app, &s, FAMILY, &format!("{text}*0")).await;
    assert!(after.starts_with("CON ورودی نادرست است."), "{after}");
    assert!(ussd(&app, &s, FAMILY, &format!("{text}*1"))
        .await
        .contains("در انتظار پرداخت"));
}

#[tokio::test]
async fn sessions_expire() {
    let settings = Settings {
        ussd_session_ttl: Duration::from_secs(1),
        ..quiet()
    };
    let app = ussd_app(TestStore::sqlite().await, settings).await;
    let s = new_session();
    assert!(ussd(&app, &s, FAMILY, "").await.starts_with("CON "));
    assert!(ussd(&app, &s, FAMILY, "2").await.starts_with("CON "));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let expired = "END نشست به پایان رسید؛ دوباره شماره‌گیری کنید.";
    assert_eq!(
        ussd(&app, &s, FAMILY, &format!("2*{}", code(3))).await,
        expired
    );
    assert_eq!(ussd(&app, &s, FAMILY, "").await, expired);
    // A new session works.
    assert!(ussd(&app, &new_session(), FAMILY, "2")
        .await
        .starts_with("CON "));
}
