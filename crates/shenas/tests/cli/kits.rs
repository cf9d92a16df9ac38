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
