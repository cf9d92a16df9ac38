//! The walk-in filing form (`/office/file`): one page for what the portal asks in two steps, refused field by
//! field, filed with the office's service fee, refused registry inquiries audited with the operator.

use super::*;

/// The form's pairs for this registry person (as `testkit::filing` gives the API's body), with `over` replacing
/// fields.
fn form_of(p: &PersonBuilder, over: &[(&str, &str)]) -> Vec<(String, String)> {
    let b = testkit::filing(p);
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    let ymd = |v: &serde_json::Value| {
        let d = s(v);
        let parts: Vec<u32> = d.split('-').map(|x| x.parse().unwrap()).collect();
        (
            parts[0].to_string(),
            parts[1].to_string(),
            parts[2].to_string(),
        )
    };
    let (y, m, d) = ymd(&b["birth_date_jalali"]);
    let (ly, lm, ld) = ymd(&b["birth_date_hijri"]);
    let mut pairs: Vec<(String, String)> = [
        ("national_code", fa(&s(&b["national_code"]))),
        ("series_letter", s(&b["birth_certificate"]["series_letter"])),
        ("series_number", s(&b["birth_certificate"]["series_number"])),
        ("serial", s(&b["birth_certificate"]["serial"])),
        ("birth_year", y),
        ("birth_month", m),
        ("birth_day", d),
        ("lunar_year", ly),
        ("lunar_month", lm),
        ("lunar_day", ld),
        ("gender", s(&b["gender"])),
        ("religion", s(&b["religion"])),
        ("mother_name", s(&b["mother_name"])),
        ("mobile", s(&b["mobile"])),
        ("reason", "first_issue".to_string()),
        ("action", "file".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in over {
        match pairs.iter_mut().find(|(pk, _)| pk == k) {
            Some(p) => p.1 = v.to_string(),
            None => pairs.push((k.to_string(), v.to_string())),
        }
    }
    pairs
}

async fn post(app: &TestApp, cookie: &str, pairs: &[(String, String)]) -> Answer {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form("/office/file", &pairs).cookie(cookie).await
}

#[tokio::test]
async fn an_operator_files_for_a_walk_in_on_one_page() {
    let app = desk().await;
    let person = PersonBuilder::new(301).of_tehran();
    app.state
        .store
        .upsert_persons(&[person.build()])
        .await
        .unwrap();
    let code = person.row()[0].to_string();

    // No session: to the login; an administrator has no desk.
    let a = app.get("/office/file").await;
    assert_eq!(
        (a.status, a.location()),
        (StatusCode::SEE_OTHER, "/office/login")
    );
    let admin = login(&app, "admin").await;
    assert_eq!(
        app.get("/office/file").cookie(&admin).await.status,
        StatusCode::FORBIDDEN
    );

    let op = login(&app, "op1").await;
    let a = app.get("/office/file").cookie(&op).await;
    assert_eq!(a.status, StatusCode::OK);
    let page = a.text();
    assert!(page.contains("id=\"file-form\"") && page.contains("name=\"national_code\""));
    assert!(
        page.contains("href=\"/office/file\""),
        "the desk's menu links the form"
    );
    assert!(!page.contains("<script"));
    assert!(
        !page.contains("captcha"),
        "no captcha for a logged-in operator"
    );

    // A bad national code and a missing mother's name are both said, at their fields, and nothing is filed.
    let a = post(
        &app,
        &op,
        &form_of(&person, &[("national_code", "123"), ("mother_name", "")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a.text();
    assert!(page.contains("id=\"err-national_code\""), "{page}");
    assert!(page.contains("id=\"err-mother_name\""), "{page}");
    assert!(
        page.contains("value=\"123\"") || page.contains("value=\"۱۲۳\""),
        "input kept"
    );

    // Details that do not match the registry: refused without saying which, and audited with the operator.
    let a = post(&app, &op, &form_of(&person, &[("mother_name", "ناشناس")])).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refusals = app
        .state
        .store
        .inquiry_refusals("operator:op1", 10)
        .await
        .unwrap();
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].outcome, "registry_mismatch");
    assert_eq!(refusals[0].office.as_str(), OFFICE);

    // Filed: the tracking code and the fee with the office's service fee; the application is the office's.
    let a = post(&app, &op, &form_of(&person, &[])).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let page = a.text();
    let fees = domain::FeeTable::default().for_year(today().year());
    let fee = server::web::html::rials_fa(fees.issuance_rials + fees.office_service_rials);
    assert!(page.contains(&fee), "{fee} in {page}");
    let nc = NationalCode::parse(&code).unwrap();
    let filed = app
        .state
        .store
        .active_application(&nc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(filed.channel, Channel::Office);
    assert_eq!(
        filed.filing_office.as_ref().map(|o| o.as_str()),
        Some(OFFICE)
    );
    assert!(
        page.contains(&fa(filed.tracking_code.as_str())),
        "tracking code shown"
    );
    let history = app.state.store.history(&filed.tracking_code).await.unwrap();
    assert_eq!(history[0].actor, "operator:op1");

    // Again: the person has an application in progress.
    let a = post(&app, &op, &form_of(&person, &[])).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.text().contains("درخواست در جریانی"));
}
