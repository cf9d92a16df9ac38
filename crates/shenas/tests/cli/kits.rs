use super::*;
use store::kits::{KitState, NewKit};

fn packet_for(kit_id: &str, key: &packets::KitKey, service: &packets::ServiceKey) -> Vec<u8> {
    let p = packets::Packet {
        packet_id: [3; 16],
        kit_id: kit_id.into(),
        visit_id: 1,
        tracking_code: domain::TrackingCode::from_body(104_729).as_str().into(),
        national_code: testkit::code(1).as_str().into(),
        operator: "kit".into(),
        enrolled_at: chrono::Utc::now(),
        birth_certificate_seen: true,
        old_card_collected: false,
        photo: vec![1],
        fingerprints: Vec::new(),
        signature: vec![2],
    };
    packets::seal(&p, key, &service.public())
}

#[tokio::test]
async fn kits_approve_and_revoke_and_packets_import() {
    for t in databases().await {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let run = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_shenas"))
                .args(args)
                .env("SHENAS_DATABASE_URL", &t.url)
                .env("SHENAS_DATA_DIR", &data)
                .env("SHENAS_LOG", "warn")
                .output()
                .expect("run shenas")
        };
        t.store
            .upsert_offices(&[testkit::office("30-9001").kind("mobile_unit").build()])
            .await
            .unwrap();
        let key = packets::KitKey::generate();
        let kit_id = server::kits::kit_id_of(&key.public());
        t.store
            .register_kit(&NewKit {
                kit_id: kit_id.clone(),
                unit_office: domain::OfficeId::parse("30-9001").unwrap(),
                public_key: hex::encode(key.public()),
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();

        let out = run(&["kits", "approve", &kit_id, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(last_json(&out)["state"], "approved", "{}", t.name);
        let kit = t.store.kit(&kit_id).await.unwrap().unwrap();
        assert_eq!(kit.state, KitState::Approved);
        assert!(kit.approved_by.unwrap().starts_with("admin:cli:"));
        // Approving twice is refused.
        assert!(!run(&["kits", "approve", &kit_id]).status.success());

        // A folder with a file that is not a packet: refused by name, nothing accepted. The service's packet key
        // is made in the keys directory on the way.
        let usb = tmp.path().join("usb");
        std::fs::create_dir_all(&usb).unwrap();
        std::fs::write(usb.join("a-bad.shpk"), b"nonsense").unwrap();
        let out = run(&["packets", "import", usb.to_str().unwrap(), "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            last_json(&out),
            serde_json::json!({"accepted": 0, "duplicates": 0,
                "refused": [{"file": "a-bad.shpk", "code": "packet_invalid"}]}),
            "{}",
            t.name
        );
        // A packet sealed to that key and signed by the kit opens; it names no application on a visit.
        let service = packets::ServiceKey::from_secret(
            blobs::load_or_create_key(&data.join("keys").join("packet.key")).unwrap(),
        );
        std::fs::write(usb.join("b-kit.shpk"), packet_for(&kit_id, &key, &service)).unwrap();
        let out = run(&["packets", "import", usb.to_str().unwrap(), "--json"]);
        let refused = last_json(&out)["refused"].clone();
        assert_eq!(
            refused[1]["code"], "visit_mismatch",
            "{}: {refused}",
            t.name
        );

        let out = run(&["kits", "revoke", &kit_id, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(last_json(&out)["state"], "revoked");
        let out = run(&["packets", "import", usb.to_str().unwrap(), "--json"]);
        assert_eq!(
            last_json(&out)["refused"][1]["code"],
            "kit_revoked",
            "{}",
            t.name
        );
    }
}

/// `shenas kit serve`: the desk on the kit's database, with its operator made at the first start; an enrollment
/// through its API becomes a packet kept on the kit.
#[tokio::test]
async fn kit_serve_enrolls_offline_into_a_packet() {
    use domain::{Channel, FeePolicy, InstitutionKind, Mobile, OfficeId, ProvinceCode, Reason};
    use std::io::BufRead;
    let unit = "30-9001";
    let person = testkit::PersonBuilder::new(1);
    let central = testkit::TestApp::builder()
        .persons(&[person.build()])
        .offices(&[testkit::office(unit).kind("mobile_unit").build()])
        .build()
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = central.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let s = &central.state.store;
    let visit = s
        .visit_create(&store::visits::NewVisit {
            unit: OfficeId::parse(unit).unwrap(),
            province: ProvinceCode::parse("30").unwrap(),
            kind: InstitutionKind::Garrison,
            institution_id: None,
            institution_name: "پادگان".into(),
            address: "کرج".into(),
            date: central.open_day(),
            capacity: 5,
            liaison: None,
            area: None,
            created_by: "admin:test".into(),
            at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let tc = domain::TrackingCode::from_body(7_777_777);
    s.visit_book_new(
        visit,
        2,
        FeePolicy::Waived,
        &store::journey::NewApplication {
            tracking_code: tc,
            national_code: testkit::code(1),
            reason: Reason::FirstIssue,
            channel: Channel::Office,
            mobile: Mobile::parse(&testkit::mobile(1)).unwrap(),
            fee_rials: 0,
            filing_office: Some(OfficeId::parse(unit).unwrap()),
            province: Some(ProvinceCode::parse("30").unwrap()),
            actor: "liaison:test".into(),
            at: chrono::Utc::now(),
        },
    )
    .await
    .unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let dir = kit::KitDir::new(tmp.path().join("kit"));
    let reg = kit::init(&dir, &url, unit).await.unwrap();
    server::kits::change(s, &reg.kit_id, KitState::Approved, "admin:test")
        .await
        .unwrap();
    assert_eq!(kit::load(&dir, visit).await.unwrap().people, 1);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args([
            "kit",
            "--dir",
            dir.root.to_str().unwrap(),
            "serve",
            "--listen",
            &listen,
        ])
        .env("SHENAS_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut password = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(p) = line.split("password (shown once): ").nth(1) {
            password = Some(p.trim().to_string());
        }
        if line.contains("serving the desk") {
            break;
        }
    }
    let password = password.expect("the kit's operator password");
    let http = reqwest::Client::new();
    let base = format!("http://{listen}");
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(serde_json::json!({"username": "kit", "password": password}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let token: serde_json::Value = serde_json::from_str(&login.text().await.unwrap()).unwrap();
    let body = testkit::enrollment::json_body(tc.as_str(), 5, &[]);
    let enrolled = http
        .post(format!("{base}/api/v1/office/enrollments"))
        .header("content-type", "application/json")
        .header(
            "authorization",
            format!("Bearer {}", token["token"].as_str().unwrap()),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = enrolled.status().as_u16();
    let text = enrolled.text().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 201, "{text}");
    let kept = dir.store().await.unwrap().kit_packets().await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].tracking_code, tc.as_str());
    // The service is untouched until the packet arrives.
    assert_eq!(central.state_of(tc.as_str()).await, "appointment_booked");
}
