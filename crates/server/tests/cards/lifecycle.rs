use super::*;

/// The scenario's people, staff and offices on one backend, and the phases it goes through in order.
pub(super) struct Desk<'a> {
    pub app: &'a TestApp,
    pub name: &'static str,
    pub op1_auth: String,
    pub sup1_auth: String,
    pub op2_auth: String,
    pub tc1: String,
    pub tc2: String,
    pub tc3: String,
}

impl Desk<'_> {
    pub fn op1(&self) -> Option<(&str, &str)> {
        Some(("authorization", self.op1_auth.as_str()))
    }

    pub fn sup1(&self) -> Option<(&str, &str)> {
        Some(("authorization", self.sup1_auth.as_str()))
    }

    pub fn op2(&self) -> Option<(&str, &str)> {
        Some(("authorization", self.op2_auth.as_str()))
    }
}

#[tokio::test]
async fn from_the_desk_to_the_holders_hand() {
    for app in TestApp::all().await {
        let s = &app.db.store;
        s.upsert_persons(&[holder(1).build(), holder(2).build(), holder(3).build()])
            .await
            .unwrap();
        s.upsert_offices(&[
            counter("30-0001", "دفتر پیشخوان کرج"),
            counter("30-0002", "دفتر پیشخوان فردیس"),
        ])
        .await
        .unwrap();
        let d = Desk {
            app: &app,
            name: app.db.name,
            op1_auth: app.staff_login("op1", Role::Operator, "30-0001").await,
            sup1_auth: app.staff_login("sup1", Role::Supervisor, "30-0001").await,
            op2_auth: app.staff_login("op2", Role::Operator, "30-0002").await,
            tc1: app.booked(&holder(1), "30-0001").await,
            tc2: app.booked(&holder(2), "30-0001").await,
            tc3: app.booked(&holder(3), "30-0001").await,
        };
        refusals(&d).await;
        enrollment_and_adjudication(&d).await;
        receipt(&d).await;
        let (batch_id, batch2) = super::production::production(&d).await;
        super::production::reception_sms_and_pickup(&d, batch_id, batch2).await;
        super::holder::verification_loss_transfer_and_death(&d).await;
        super::holder::figures(&d).await;
    }
}

pub(super) async fn refusals(d: &Desk<'_>) {
    let app = d.app;
    let name = d.name;
    let tc1 = d.tc1.as_str();
    let op1 = d.op1();
    let op2 = d.op2();
    let enroll = "/api/v1/office/enrollments";
    // --- Refusals: each a clear error, nothing changed. ---
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op2)
        .json(&enrollment(tc1, 1))
        .await
        .status_json();
    assert_eq!(
        (st, err(&b)),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{name}"
    );
    let (st, _) = app
        .call("POST", enroll)
        .json(&enrollment(tc1, 1))
        .await
        .status_json();
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let mut bad = enrollment(tc1, 1);
    bad["photo"] = json!(B64.encode(b"not a picture at all"));
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&bad)
        .await
        .status_json();
    assert_eq!(
        (st, err(&b), b["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("photo_unreadable"),
            Some("photo")
        ),
        "{b}"
    );
    let mut bad = enrollment(tc1, 1);
    let rec = B64
        .decode(bad["fingerprints"][2]["data"].as_str().unwrap())
        .unwrap();
    bad["fingerprints"][2]["data"] = json!(B64.encode(&rec[..rec.len() / 2]));
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&bad)
        .await
        .status_json();
    assert_eq!(
        (st, err(&b), b["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_fingerprint"),
            Some("fingerprints[2].data")
        ),
        "{b}"
    );
    let mut bad = enrollment(tc1, 1);
    bad["photo"] = json!(B64.encode(vec![0xFFu8; 3 * 1024 * 1024]));
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&bad)
        .await
        .status_json();
    assert_eq!(
        (st, err(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("photo_too_large")),
        "{b}"
    );
    // Past the service's body limit the request is refused before it is read.
    let mut huge = enrollment(tc1, 1);
    huge["photo"] = json!(B64.encode(vec![0u8; server::ENROLLMENT_BODY_LIMIT]));
    let (st, _) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&huge)
        .await
        .status_json();
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    let mut bad = enrollment(tc1, 1);
    bad["documents"]["birth_certificate_seen"] = json!(false);
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&bad)
        .await
        .status_json();
    assert_eq!(
        (st, err(&b), b["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("documents_incomplete"),
            Some("documents.birth_certificate_seen")
        )
    );
    assert_eq!(app.state_of(tc1).await, "appointment_booked");
}

pub(super) async fn enrollment_and_adjudication(d: &Desk<'_>) {
    let app = d.app;
    let name = d.name;
    let s = &d.app.db.store;
    let tc1 = d.tc1.as_str();
    let tc2 = d.tc2.as_str();
    let tc3 = d.tc3.as_str();
    let op1 = d.op1();
    let sup1 = d.sup1();
    let enroll = "/api/v1/office/enrollments";
    // --- Enrollment: person 1; person 2 with person 1's fingers; person 3 likewise. ---
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&enrollment(tc1, 1))
        .await
        .status_json();
    assert_eq!(st, StatusCode::CREATED, "{name}: {b}");
    assert_eq!(b["state"], "enrolled");
    assert_eq!(
        b["receipt_url"],
        format!("/api/v1/office/receipts/{tc1}.pdf")
    );
    let (st, b) = app
        .call("POST", enroll)
        .header_opt(op1)
        .json(&enrollment(tc1, 1))
        .await
        .status_json();
    assert_eq!(
        (st, err(&b)),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );
    for tc in [&tc2, &tc3] {
        let (st, b) = app
            .call("POST", enroll)
            .header_opt(op1)
            .json(&enrollment(tc, 1))
            .await
            .status_json();
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    assert_eq!(
        app.state
            .services
            .dedup
            .run_pending(&app.state)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        s.production_queue_len().await.unwrap(),
        1,
        "{name}: only the first is clear"
    );

    // --- Adjudication: supervisors only; a duplicate rejected, a look-alike let through. ---
    let (st, _) = app
        .call("GET", "/api/v1/office/adjudications")
        .header_opt(op1)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, cases) = app
        .call("GET", "/api/v1/office/adjudications")
        .header_opt(sup1)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK);
    assert_eq!(cases.as_array().unwrap().len(), 3, "{name}: {cases}");
    let (st, b) = app
        .call("POST", &format!("/api/v1/office/adjudications/{tc2}"))
        .header_opt(sup1)
        .json(&json!({"decision": "duplicate", "note": "same face, same prints"}))
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(app.state_of(tc2).await, "rejected");
    let (st, b) = app
        .call("POST", &format!("/api/v1/office/adjudications/{tc2}"))
        .header_opt(sup1)
        .json(&json!({"decision": "distinct"}))
        .await
        .status_json();
    assert_eq!(
        (st, err(&b)),
        (StatusCode::CONFLICT, Some("already_decided"))
    );
    let (st, _) = app
        .call("POST", &format!("/api/v1/office/adjudications/{tc3}"))
        .header_opt(sup1)
        .json(&json!({"decision": "distinct", "note": "twins"}))
        .await
        .status_json();
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.production_queue_len().await.unwrap(), 2);
    let (_, rec) = app
        .call("GET", &format!("/api/v1/office/applications/{tc2}"))
        .header_opt(op1)
        .header("content-type", "application/json")
        .await
        .status_json();
    let last = rec["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "supervisor:sup1");
    assert!(last["reason"].as_str().unwrap().contains(tc1), "{last}");
}

pub(super) async fn receipt(d: &Desk<'_>) {
    let app = d.app;
    let tc1 = d.tc1.as_str();
    let op2 = d.op2();
    let op1_auth = d.op1_auth.as_str();
    // --- The receipt: at the enrolling office only. ---
    let receipt = format!("/api/v1/office/receipts/{tc1}.pdf");
    let a = app.get(&receipt).auth(op1_auth).await;
    let (st, headers, pdf) = (a.status, a.headers, a.bytes);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdftotext(&pdf) {
        assert!(
            text.contains(&domain::text::to_persian_digits(tc1)),
            "{text}"
        );
        assert!(
            text.contains("محمدی‌نژاد") || text.contains("محمدینژاد"),
            "{text}"
        );
    }
    let (st, _) = app
        .call("GET", &receipt)
        .header_opt(op2)
        .header("content-type", "application/json")
        .await
        .status_json();
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The QR link says the receipt is valid.
    let url =
        server::cards::receipt::verify_url(&app.state, &domain::TrackingCode::parse(tc1).unwrap());
    let path = url.split_once("8080").unwrap().1.to_string();
    let a = app.get(&path).await;
    let (st, page) = (a.status, a.bytes);
    assert_eq!(st, StatusCode::OK);
    assert!(String::from_utf8(page)
        .unwrap()
        .contains("data-valid=\"true\""));
    let forged = path.replace("?t=", "?t=0");
    let st = app.get(&forged).await.status;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
