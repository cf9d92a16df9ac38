//! The pages: an administrator plans a visit and sees it; the roster page answers row by row; a liaison lands on
//! their visits; the portal's home-visit page; the dashboard's table of units' work.

use super::*;
use testkit::{code, PASSWORD};

async fn login(app: &TestApp, user: &str) -> (String, String) {
    let a = app
        .post_form(
            "/admin/login",
            &[("username", user), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    (a.cookie(), a.location().to_string())
}

#[tokio::test]
async fn an_administrator_plans_a_visit_and_sends_its_roster_on_the_pages() {
    let b = builder(&[]).staff("liaison.qh", Role::Liaison, None, Some("30"));
    for app in b.all().await {
        let name = app.name();
        let (cookie, to) = login(&app, "alborz").await;
        assert_eq!(to, "/admin/stats");
        let a = app.get("/admin/visits").cookie(&cookie).await;
        assert_eq!(a.status, StatusCode::OK, "{name}");
        assert!(a.text().contains("برنامه‌ریزی بازدید تازه"));
        assert_eq!(app.get("/admin/visits").await.location(), "/admin/login");

        let date = day(5).to_string();
        let form = |unit: &str| {
            vec![
                ("unit_id", unit.to_string()),
                ("institution_kind", "prison".to_string()),
                ("institution_name", "زندان قزل‌حصار".to_string()),
                ("address", "کرج، قزل‌حصار".to_string()),
                ("date_jalali", date.clone()),
                ("capacity", "۱۰".to_string()),
                ("liaison", "liaison.qh".to_string()),
            ]
        };
        let pairs = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
        let bad = pairs(&form("30-0001"));
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = app.post_form("/admin/visits", &bad).cookie(&cookie).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.text().contains("این دفتر واحد سیار نیست"), "{name}");
        let good = form(UNIT);
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = app.post_form("/admin/visits", &good).cookie(&cookie).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{name}: {}", a.text());
        let at = a.location().to_string();
        let page = app.get(&at).cookie(&cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains("زندان قزل‌حصار") && html.contains("بخشوده"),
            "{name}"
        );
        let visit: i64 = at.rsplit('/').next().unwrap().parse().unwrap();

        // The liaison logs in, lands on their visits and sends the roster.
        let (lc, to) = login(&app, "liaison.qh").await;
        assert_eq!(to, "/admin/visits");
        let list = app.get("/admin/visits").cookie(&lc).await;
        assert!(
            list.text()
                .contains(&format!("/admin/visits/{visit}/roster")),
            "{name}"
        );
        let csv = format!("national_code,mobile\n{},\n{},\n", code(1), code(99));
        let a = app
            .post_form(
                &format!("/admin/visits/{visit}/roster"),
                &[("csv", csv.as_str())],
            )
            .cookie(&lc)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{name}");
        let html = a.text();
        assert!(
            html.contains("id=\"accepted\"") && html.contains("id=\"rejected\""),
            "{html}"
        );
        assert!(html.contains("registry_mismatch"));
        // The liaison cannot open the administrators' page of the visit: it sends them to the roster.
        let a = app.get(&format!("/admin/visits/{visit}")).cookie(&lc).await;
        assert_eq!(a.location(), format!("/admin/visits/{visit}/roster"));

        // The dashboard's table of units' work.
        let dash = app.get("/admin/stats").cookie(&cookie).await;
        assert_eq!(dash.status, StatusCode::OK);
        assert!(dash.text().contains("id=\"unit-stats\""));
    }
}

#[tokio::test]
async fn the_portal_asks_for_a_home_visit() {
    let app = builder(&[]).build().await;
    let page = app.get("/home-visit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("درخواست ثبت‌نام در منزل"));
    let t = app.file(&testkit::filing(&person(4))).await;
    let a = app
        .post_form(
            "/home-visit",
            &[
                ("tracking_code", t.as_str()),
                ("national_code", code(4).as_str()),
                ("city", "کرج"),
                ("address", ""),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains("بهزیستی"), "{}", a.text());
}
