use super::lifecycle::Desk;
use super::*;

pub(super) async fn verification_loss_transfer_and_death(d: &Desk<'_>) {
    let app = d.app;
    let name = d.name;
    let s = &d.app.db.store;
    let tc1 = d.tc1.as_str();
    let tc3 = d.tc3.as_str();
    // A bank verifies the delivered card by its serial.
    let (key, prefix, hash) = server::agency::key::new_api_key();
    let agency = s
        .create_agency(
            "bank-melli",
            &["account_opening".into()],
            600,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    s.add_api_key(agency, &prefix, &hash, chrono::Utc::now())
        .await
        .unwrap();
    let verify = |doc: Value| {
        let mut body = json!({"national_code": code(1).as_str(), "purpose": "account_opening"});
        body.as_object_mut()
            .unwrap()
            .extend(doc.as_object().unwrap().clone());
        body
    };
    let bank = Some(("x-api-key", key.as_str()));
    let (_, b) = app
        .call("POST", "/api/v1/verify")
        .header_opt(bank)
        .json(&verify(json!({"card_serial": "SC-0001-AAAA"})))
        .await
        .status_json();
    assert_eq!(
        (b["match"].as_bool(), b["document"].as_str()),
        (Some(true), Some("card")),
        "{b}"
    );
    let (_, b) = app
        .call("POST", "/api/v1/verify")
        .header_opt(bank)
        .json(&verify(json!({"tracking_code": tc1})))
        .await
        .status_json();
    assert_eq!(
        b["match"], false,
        "a delivered card's receipt no longer verifies: {b}"
    );

    // --- The card is lost: a new application (with its fee) revokes it at once. ---
    let (st, b) = app
        .call("POST", "/api/v1/applications")
        .json(&filing(1, "lost"))
        .await
        .status_json();
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(app.state_of(tc1).await, "revoked");
    let (_, b) = app
        .call("POST", "/api/v1/verify")
        .header_opt(bank)
        .json(&verify(json!({"card_serial": "SC-0001-AAAA"})))
        .await
        .status_json();
    assert_eq!(b["match"], false, "{b}");

    // --- Transfer: the remade card of person 3 goes to the other office; then a death. ---
    let (st, b) = app
        .call("POST", &format!("/api/v1/applications/{tc3}/transfer"))
        .json(&json!({"national_code": code(2).as_str(), "office_id": "30-0002"}))
        .await
        .status_json();
    assert_eq!(st, StatusCode::NOT_FOUND, "another person's code: {b}");
    let (st, b) = app
        .call("POST", &format!("/api/v1/applications/{tc3}/transfer"))
        .json(&json!({"national_code": code(3).as_str(), "office_id": "30-0002"}))
        .await
        .status_json();
    assert_eq!(
        (st, b["outcome"].as_str()),
        (StatusCode::OK, Some("redirected")),
        "{b}"
    );
    s.upsert_persons(&[holder(3).dead_on("1405-08-01").build()])
        .await
        .unwrap();
    assert_eq!(server::cards::workers::deaths(&app.state).await.unwrap(), 1);
    assert_eq!(app.state_of(tc3).await, "cancelled");

    assert_eq!(
        s.province_counts().await.unwrap(),
        s.recount().await.unwrap(),
        "{name}"
    );
}

pub(super) async fn figures(d: &Desk<'_>) {
    let app = d.app;
    let s = &d.app.db.store;
    let op1 = d.op1();
    // --- The figures: lead times, uncollected cards, office load, and the dashboard. ---
    s.create_user(&store::journey::NewUser {
        username: "boss".into(),
        password_hash: server::auth::hash_password("a good long password").unwrap(),
        role: Role::NationalAdmin,
        office: None,
        province: None,
        at: chrono::Utc::now(),
    })
    .await
    .unwrap();
    let (_, b) = app
        .call("POST", "/api/v1/auth/login")
        .json(&json!({"username": "boss", "password": "a good long password"}))
        .await
        .status_json();
    let boss_token = b["token"].as_str().unwrap().to_string();
    let boss_auth = format!("Bearer {boss_token}");
    let boss = Some(("authorization", boss_auth.as_str()));
    let (st, lt) = app
        .call("GET", "/api/v1/stats/lead-times")
        .header_opt(boss)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (lt["deliveries"].as_u64(), lt["median_days"].as_u64()),
        (Some(1), Some(0)),
        "{lt}"
    );
    assert_eq!(lt["within_aim_pct"], 100.0);
    let (st, _) = app
        .call("GET", "/api/v1/stats/lead-times")
        .header_opt(op1)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (_, u) = app
        .call("GET", "/api/v1/stats/uncollected")
        .header_opt(boss)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(u["total"], 0);
    assert_eq!(u["by_reason"].as_array().unwrap().len(), 16);
    let day = app.open_day();
    let (st, load) = app
        .call(
            "GET",
            &format!("/api/v1/stats/offices/load?date_jalali={day}"),
        )
        .header_opt(boss)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK, "{load}");
    assert_eq!(load[0]["office_id"], "30-0001");
    assert_eq!(
        (load[0]["booked"].as_u64(), load[0]["load_pct"].as_f64()),
        (Some(3), Some(6.0))
    );
    let a = app
        .get("/api/v1/stats/lead-times?format=csv")
        .auth(&boss_auth)
        .await;
    let (st, headers, csv) = (a.status, a.headers, a.bytes);
    assert_eq!(st, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(String::from_utf8(csv)
        .unwrap()
        .starts_with("from_days,to_days,deliveries\r\n0,7,1\r\n"));
    let a = app
        .get("/admin/stats")
        .cookie(format!("shenas_staff={boss_token}"))
        .await;
    let (st, page) = (a.status, a.bytes);
    assert_eq!(st, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    for id in ["lead-times", "uncollected", "office-load", "exports"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.contains("/api/v1/stats/provinces?format=csv"));
}
