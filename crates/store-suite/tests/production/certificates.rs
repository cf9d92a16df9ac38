use super::*;

#[tokio::test]
async fn pki_records_document_numbers_and_certificate_states_follow_the_card() {
    use store::pki::HolderIssued;
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        // The authorities: recorded once by init; a second init records nothing.
        let authorities = vec![
            stored_cert("01", "root_ca", None, "k-root"),
            stored_cert("02", "citizen_ca", Some("root"), "k-citizen"),
            stored_cert("03", "csca", None, "k-csca"),
            stored_cert("04", "document_signer", Some("csca"), "k-ds"),
        ];
        assert!(s.record_authorities(&authorities, true).await.unwrap());
        assert!(!s.record_authorities(&authorities[..1], true).await.unwrap());
        let kept = s.pki_authorities().await.unwrap();
        assert_eq!(kept.len(), 4, "{}", t.name);
        let ds = kept.iter().find(|c| c.role == "document_signer").unwrap();
        assert!(ds.signing_until.is_some());
        assert_eq!(ds.der, authorities[3].der);
        assert!(kept
            .iter()
            .find(|c| c.role == "root_ca")
            .unwrap()
            .signing_until
            .is_none());
        // A later DS (rotation) is recorded without the init check.
        assert!(s
            .record_authorities(
                &[stored_cert("05", "document_signer", Some("csca"), "k-ds2")],
                false
            )
            .await
            .unwrap());

        // Document numbers: one per card at batching, 9 characters, never the same twice.
        let codes = queue(&t, 300, 3, "10001").await;
        let vendor = s
            .create_vendor("pki-vendor", 100, 100_000, "vp", "hash-vp", Utc::now())
            .await
            .unwrap();
        let made = s
            .form_batches("1405-09-03", 1000, &ch("system"))
            .await
            .unwrap();
        assert_eq!(made.len(), 1);
        let docs = s.batch_documents(made[0].id).await.unwrap();
        assert_eq!(docs.len(), 3);
        let mut numbers: Vec<&str> = docs.iter().map(|d| d.document_number.as_str()).collect();
        assert!(
            numbers.iter().all(|n| n.len() == 9 && n.starts_with('A')),
            "{numbers:?}"
        );
        numbers.dedup();
        assert_eq!(numbers.len(), 3);
        assert_eq!(s.documents_without_chip_data(10).await.unwrap().len(), 3);
        assert!(s
            .set_chip_data(&docs[0].document_number, "lds/x", "04")
            .await
            .unwrap());
        assert_eq!(s.documents_without_chip_data(10).await.unwrap().len(), 2);
        let d0 = s.document(&docs[0].document_number).await.unwrap().unwrap();
        assert_eq!(
            (d0.lds_key.as_deref(), d0.ds_serial.as_deref()),
            (Some("lds/x"), Some("04"))
        );

        // Holder certificates: on hold from issuance; a repeat answers the same; a reused key is refused.
        let holder = |serial: &str, role: &str, key: &str, doc: &store::pki::Document| {
            let mut c = stored_cert(serial, role, Some("citizen-ca"), key);
            c.application_id = Some(doc.application_id);
            c.document_number = Some(doc.document_number.clone());
            c.key_label = None;
            c
        };
        let pair = [
            holder("a1", "holder_authentication", "k-a1", &docs[0]),
            holder("a2", "holder_signing", "k-a2", &docs[0]),
        ];
        assert_eq!(
            s.record_holder_certificates(&pair, &[hold("a1"), hold("a2")])
                .await
                .unwrap(),
            HolderIssued::Issued
        );
        match s
            .record_holder_certificates(&pair, &[hold("a1"), hold("a2")])
            .await
            .unwrap()
        {
            HolderIssued::Existing(c) => assert_eq!(
                c.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(),
                ["a1", "a2"]
            ),
            other => panic!("{other:?}"),
        }
        let reused = [
            holder("b1", "holder_authentication", "k-a1", &docs[1]),
            holder("b2", "holder_signing", "k-b2", &docs[1]),
        ];
        assert_eq!(
            s.record_holder_certificates(&reused, &[hold("b1"), hold("b2")])
                .await
                .unwrap(),
            HolderIssued::KeyTaken
        );
        assert!(s
            .document_certificates(&docs[1].document_number)
            .await
            .unwrap()
            .is_empty());
        let ids: Vec<i64> = docs.iter().map(|d| d.application_id).collect();
        assert_eq!(
            s.certified_in_batch(made[0].id, &ids).await.unwrap(),
            [docs[0].application_id]
        );
        let changes = s
            .certificate_changes("citizen-ca", "a1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].reason, "certificateHold");
        assert!(s
            .certificate_changes("citizen-ca", "ff")
            .await
            .unwrap()
            .is_none());
        assert!(s.certificate_changes("csca", "a1").await.unwrap().is_none());

        // CRL numbers grow per authority.
        assert_eq!(s.next_crl_number("citizen-ca").await.unwrap(), 1);
        assert_eq!(s.next_crl_number("citizen-ca").await.unwrap(), 2);
        assert_eq!(s.next_crl_number("csca").await.unwrap(), 1);

        // Production, then pickup: the card's certificates come off hold.
        let b = s.claim_batch(vendor, Utc::now()).await.unwrap().unwrap();
        let results: Vec<CardResult> = s
            .batch_cards(b.id)
            .await
            .unwrap()
            .iter()
            .map(|c| CardResult {
                tracking_code: c.tracking_code,
                outcome: CardOutcome::Personalized(serial(3000 + c.application_id as u32)),
            })
            .collect();
        s.batch_results(vendor, b.id, &results, &ch("vendor"))
            .await
            .unwrap();
        for sh in s
            .dispatch_batch(vendor, b.id, &ch("vendor"))
            .await
            .unwrap()
            .unwrap()
        {
            s.receive_shipment(sh.id, &sh.to_office, None, &ch("operator:op1"))
                .await
                .unwrap();
        }
        let card = s
            .card_by_document_number(&docs[0].document_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(card.application_id, docs[0].application_id);
        assert!(s
            .card_by_document_number("Z00000000")
            .await
            .unwrap()
            .is_none());
        let first = codes
            .iter()
            .find(|c| card.tracking_code == **c)
            .copied()
            .unwrap();
        let before = s.last_change_id().await.unwrap();
        assert!(s
            .deliver(&first, &oid("10001"), 20_000, &ch("operator:op1"))
            .await
            .unwrap());
        let released = s.changes_since(before, 10).await.unwrap();
        assert_eq!(
            released
                .iter()
                .map(|c| (c.serial.as_str(), c.reason.as_str()))
                .collect::<Vec<_>>(),
            [("a1", "removeFromCRL"), ("a2", "removeFromCRL")],
            "{}",
            t.name
        );
        // A lost card: revoked with keyCompromise, once.
        s.revoke_cards_of(&card.national_code, &because("citizen", "reported lost"))
            .await
            .unwrap();
        let all = s.authority_changes("citizen-ca").await.unwrap();
        let reasons: Vec<&str> = all
            .iter()
            .filter(|c| c.serial == "a1")
            .map(|c| c.reason.as_str())
            .collect();
        assert_eq!(
            reasons,
            ["certificateHold", "removeFromCRL", "keyCompromise"]
        );
        assert!(all.windows(2).all(|w| w[0].id < w[1].id));
        s.revoke_cards_of(&card.national_code, &because("citizen", "again"))
            .await
            .unwrap();
        assert_eq!(
            s.authority_changes("citizen-ca").await.unwrap().len(),
            all.len()
        );
        // Numbers go on from where they stopped.
        queue(&t, 310, 1, "10001").await;
        let next = s
            .form_batches("1405-09-04", 1000, &ch("system"))
            .await
            .unwrap();
        let later = s.batch_documents(next[0].id).await.unwrap();
        assert!(later[0].document_number > docs[2].document_number);
        t.cleanup().await;
    }
}
