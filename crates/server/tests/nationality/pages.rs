//! The pages of nationality cases: the office's evidence form, the committee's decision form, the portal's
//! tracking and the administrators' table of open cases, each driven as a browser drives it (forms, cookies, no
//! JavaScript). With `SHENAS_SCREENSHOTS=DIR` the pages are also written there with their stylesheet and fonts
//! and photographed with Chromium (`/usr/bin/chromium`), for a person to look at.

use super::*;
use axum::http::StatusCode;
use testkit::PASSWORD;

/// Logs in through a login form: the `name=value` pair of the staff cookie.
async fn login(app: &TestApp, path: &str, username: &str) -> String {
    let a = app
        .post_form(path, &[("username", username), ("password", PASSWORD)])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    a.set_cookie()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_pages_fill_decide_track_and_count_cases() {
    let d = desks(None).await.remove(0);
    let app = &d.app;
    let (case, _) = open(&d, &opening("گل‌بانو", "بلوچ", 7501)).await;
    let (other, _) = open(&d, &opening("ماه‌بی‌بی", "ریگی", 7502)).await;

    // The office: its cases, a case's file, the testimony through the form (refused with one witness first).
    let office = login(app, "/office/login", "reg.op").await;
    let list = app.get("/office/nationality").cookie(&office).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("گل‌بانو"), "{}", list.text());
    // Opening through the form: the photo and ten finger files, as the enrollment form sends them.
    let form = |first: &str| {
        testkit::enrollment::form_of(7503)
            .text("first_name", first)
            .text("last_name", "شه‌بخش")
            .text("gender", "female")
            .text("birth_place", "چابهار")
            .text("birth_year_jalali", "۱۳۸۲")
            .text("mobile", "09157654321")
    };
    let bad = app
        .post("/office/nationality")
        .multipart(&form(""))
        .cookie(&office)
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("نام خالی است"), "{}", bad.text());
    let opened = app
        .post("/office/nationality")
        .multipart(&form("سکینه"))
        .cookie(&office)
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text());
    assert!(
        opened.location().starts_with("/office/nationality/23-"),
        "{}",
        opened.location()
    );
    let page = app.get(opened.location()).cookie(&office).await.text();
    assert!(
        page.contains("سکینه") && page.contains("در حال بررسی"),
        "{page}"
    );
    let url = format!("/office/nationality/{case}");
    let one = app
        .post_form(
            &url,
            &[
                ("kind", "witness_testimony"),
                ("note", "یک گواه"),
                ("witness1_name", "غلام"),
                ("witness1_certification", "3610000011"),
            ],
        )
        .cookie(&office)
        .await;
    assert_eq!(one.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        one.text().contains("witnesses_insufficient"),
        "{}",
        one.text()
    );
    let ok = app
        .post_form(
            &url,
            &[
                ("kind", "witness_testimony"),
                ("note", "استشهادیهٔ محلی"),
                ("witness1_name", "غلام بلوچ"),
                ("witness1_certification", "3610000011"),
                ("witness2_name", "کریم ریگی"),
                ("witness2_certification", "3610000022"),
            ],
        )
        .cookie(&office)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let page = app.get(&url).cookie(&office).await.text();
    assert!(
        page.contains("استشهادیهٔ گواهان") && page.contains("بلامانع"),
        "{page}"
    );

    // The committee: its list, the file, the decision through the form.
    let committee = login(app, "/admin/login", "committee1").await;
    let list = app.get("/admin/nationality").cookie(&committee).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains(&other), "{}", list.text());
    let url = format!("/admin/nationality/{case}");
    let file = app.get(&url).cookie(&committee).await;
    assert!(file.text().contains("ثبت تصمیم"), "{}", file.text());
    let few = app
        .post_form(
            &url,
            &[
                ("decision", "approved"),
                ("ground", "art976_2"),
                ("members", "یک\nدو"),
                ("note", ""),
            ],
        )
        .cookie(&committee)
        .await;
    assert_eq!(few.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(few.text().contains("invalid_members"));
    let approved = app
        .post_form(
            &url,
            &[
                ("decision", "approved"),
                ("ground", "art976_2"),
                ("members", "رئیس\nنمایندهٔ دادگستری\nنمایندهٔ انتظامی"),
                ("note", "تأیید"),
            ],
        )
        .cookie(&committee)
        .await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.text()
    );
    let file = app.get(&url).cookie(&committee).await.text();
    assert!(
        file.contains("تابعیت تأیید شد") && file.contains("کد ملی تخصیص‌یافته"),
        "{file}"
    );

    // The portal: by case number and mobile; the wrong mobile shows nothing of the case.
    let t = app
        .get(&format!(
            "/nationality/track?case_number={case}&mobile=09151234567"
        ))
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.text().contains("تابعیت تأیید شد"), "{}", t.text());
    let wrong = app
        .get(&format!(
            "/nationality/track?case_number={case}&mobile=09120000000"
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(!wrong.text().contains("تابعیت تأیید شد"));

    // The national administrator's table: the two cases still open, in Tehran, aged 15 to 29.
    app.create_staff("nat", domain::Role::NationalAdmin, None, None)
        .await;
    let admin = login(app, "/admin/login", "nat").await;
    let table = app.get("/admin/nationality").cookie(&admin).await;
    assert_eq!(table.status, StatusCode::OK);
    let html = table.text();
    assert!(
        html.contains("id=\"open-cases\"") && html.contains("تهران"),
        "{html}"
    );
    assert!(html.contains("(۲ پرونده)"), "{html}");

    if let Ok(dir) = std::env::var("SHENAS_SCREENSHOTS") {
        let dir = std::path::PathBuf::from(dir);
        let pages = [
            (
                "office-case",
                format!("/office/nationality/{other}"),
                office.clone(),
            ),
            (
                "office-list",
                "/office/nationality".to_string(),
                office.clone(),
            ),
            (
                "committee-case",
                format!("/admin/nationality/{other}"),
                committee.clone(),
            ),
            (
                "track",
                format!("/nationality/track?case_number={case}&mobile=09151234567"),
                String::new(),
            ),
            (
                "admin-table",
                "/admin/nationality".to_string(),
                admin.clone(),
            ),
        ];
        for (name, path, cookie) in pages {
            let mut call = app.get(&path);
            if !cookie.is_empty() {
                call = call.cookie(&cookie);
            }
            shoot(app, &dir, name, &call.await.text()).await;
        }
    }
}

/// Writes `html` beside its stylesheets and fonts (fetched from the app) and photographs it with Chromium.
async fn shoot(app: &TestApp, dir: &std::path::Path, name: &str, html: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for asset in [
        "/assets/portal.css",
        "/assets/Vazirmatn-Regular.woff2",
        "/assets/Vazirmatn-Bold.woff2",
        "/office/office.css",
    ] {
        let bytes = app.get(asset).await.bytes;
        std::fs::write(dir.join(asset.rsplit('/').next().unwrap()), bytes).unwrap();
    }
    let css = std::fs::read_to_string(dir.join("portal.css"))
        .unwrap()
        .replace("/assets/", "");
    std::fs::write(dir.join("portal.css"), css).unwrap();
    let local = html
        .replace("/assets/portal.css", "portal.css")
        .replace("/office/office.css", "office.css");
    let file = dir.join(format!("{name}.html"));
    std::fs::write(&file, local).unwrap();
    let png = dir.join(format!("{name}.png"));
    let status = std::process::Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1100,1400",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", file.display()))
        .status();
    match status {
        Ok(s) => assert!(s.success(), "chromium failed on {name}"),
        Err(e) => eprintln!("SKIPPED screenshot {name}: chromium: {e}"),
    }
}
