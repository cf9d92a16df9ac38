//! A card in its holder's hands, on SQLite and on PostgreSQL: a reported loss suspends it and puts its
//! certificates on hold, a repeat changes nothing, finding it again lifts both, and a suspension left past its
//! period revokes the card, its application and its certificates; every step in the application's history.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{Duration, Utc};
use domain::{ApplicationState as S, HistoryEvent, HistoryReason};
use store::cards::Suspended;
use store::pki::CertificateChange;
use store_suite::lifecycle::*;
use store_suite::TestStore;

fn hold(serial: &str) -> CertificateChange {
    CertificateChange {
        id: 0,
        authority: "citizen-ca".into(),
        serial: serial.into(),
        reason: "certificateHold".into(),
        at: Utc::now(),
    }
}

fn reasons(all: &[CertificateChange], serial: &str) -> Vec<String> {
    all.iter()
        .filter(|c| c.serial == serial)
        .map(|c| c.reason.clone())
        .collect()
}

#[tokio::test]
async fn a_lost_card_is_suspended_found_again_or_revoked() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        let waiting = ready(&t, 700, 2).await;
        let (first, first_id) = waiting[0];
        let (second, second_id) = waiting[1];
        // Holder certificates for the first card (on hold until pickup).
        // A fresh database: the one batch `ready` formed has a small id.
        let mut doc = None;
        for batch in 1..=20 {
            let docs = s.batch_documents(batch).await.unwrap();
            doc = doc.or(docs.into_iter().find(|d| d.application_id == first_id));
        }
        let doc = doc.expect("a document for the card");
        let mut certs = Vec::new();
        for (serial, role) in [("c1", "holder_authentication"), ("c2", "holder_signing")] {
            let mut c = store::pki::StoredCertificate {
                serial: serial.into(),
                authority: Some("citizen-ca".into()),
                role: role.into(),
                subject: "CN=T".into(),
                not_before: Utc::now(),
                not_after: Utc::now() + Duration::days(365),
                signing_until: None,
                key_label: None,
                der: vec![0x30, 0x00],
                key_sha256: format!("k-{serial}-{}", t.name),
                application_id: Some(first_id),
                document_number: Some(doc.document_number.clone()),
                issued_at: Utc::now(),
            };
            c.subject.push_str(serial);
            certs.push(c);
        }
        s.record_holder_certificates(&certs, &[hold("c1"), hold("c2")])
            .await
            .unwrap();

        // No card in hands before pickup.
        assert_eq!(
            s.suspend_card(first_id, &ch("citizen")).await.unwrap(),
            Suspended::NoCard,
            "{}",
            t.name
        );
        for code in [first, second] {
            assert!(s
                .deliver(&code, &oid("10001"), 20_000, &ch("operator:op1"))
                .await
                .unwrap());
        }
        let card = s.card_of_application(first_id).await.unwrap().unwrap();
        assert!(card.is_valid());

        // The loss reported: suspended, certificates on hold; a repeat changes nothing.
        let before = s.last_change_id().await.unwrap();
        let reported = because("citizen", "loss reported by the holder");
        let Suspended::Suspended(sus) = s.suspend_card(first_id, &reported).await.unwrap() else {
            panic!("{}: not suspended", t.name)
        };
        assert!(sus.suspended_at.is_some() && !sus.is_valid());
        assert_eq!(sus.status, "active");
        let held = s.changes_since(before, 10).await.unwrap();
        assert_eq!(
            held.iter()
                .map(|c| (c.serial.as_str(), c.reason.as_str()))
                .collect::<Vec<_>>(),
            [("c1", "certificateHold"), ("c2", "certificateHold")],
            "{}",
            t.name
        );
        match s.suspend_card(first_id, &ch("citizen")).await.unwrap() {
            Suspended::Already(c) => assert_eq!(c.suspended_at, sus.suspended_at),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.last_change_id().await.unwrap(), held[1].id);
        let verified = s.card(&card.chip_serial).await.unwrap().unwrap();
        assert!(!verified.is_valid());

        // Too recent to revoke.
        let old = Utc::now() - Duration::days(90);
        assert!(s
            .revoke_suspended(old, &ch("system:suspension"), 10)
            .await
            .unwrap()
            .is_empty());

        // Found again: valid, certificates off hold; a second reactivation is refused.
        let found = because("operator:op2", "finger 2 matched");
        assert!(s.reactivate_card(&card.chip_serial, &found).await.unwrap());
        assert!(!s.reactivate_card(&card.chip_serial, &found).await.unwrap());
        assert!(s.card(&card.chip_serial).await.unwrap().unwrap().is_valid());
        let all = s.authority_changes("citizen-ca").await.unwrap();
        assert_eq!(
            reasons(&all, "c1"),
            [
                "certificateHold",
                "removeFromCRL",
                "certificateHold",
                "removeFromCRL"
            ],
            "{}",
            t.name
        );

        // Lost again and never found: revoked past the period, with its certificates and application.
        s.suspend_card(first_id, &reported).await.unwrap();
        s.suspend_card(second_id, &reported).await.unwrap();
        let later = Utc::now() + Duration::seconds(1);
        let over = because("system:suspension", "suspended past its period");
        let mut revoked = s.revoke_suspended(later, &over, 10).await.unwrap();
        revoked.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        assert_eq!(revoked.len(), 2, "{}", t.name);
        assert!(s
            .revoke_suspended(later, &over, 10)
            .await
            .unwrap()
            .is_empty());
        let gone = s.card(&card.chip_serial).await.unwrap().unwrap();
        assert_eq!(gone.status, "revoked");
        assert!(!gone.is_valid());
        assert_eq!(state_of(&t, &first).await, S::Revoked);
        assert_eq!(state_of(&t, &second).await, S::Revoked);
        let all = s.authority_changes("citizen-ca").await.unwrap();
        assert_eq!(reasons(&all, "c2").last().unwrap(), "keyCompromise");
        assert!(!s.reactivate_card(&card.chip_serial, &found).await.unwrap());

        // Every step is in the history, with who and why.
        let history = s.history(&first).await.unwrap();
        let notes: Vec<(HistoryEvent, &str, Option<&HistoryReason>)> = history
            .iter()
            .filter(|h| {
                matches!(
                    h.event,
                    HistoryEvent::CARD_SUSPENDED | HistoryEvent::CARD_REACTIVATED
                )
            })
            .map(|h| (h.event, h.actor.as_str(), h.reason.as_ref()))
            .collect();
        assert_eq!(
            notes,
            [
                (
                    HistoryEvent::CARD_SUSPENDED,
                    "citizen",
                    Some(&HistoryReason::LossReported)
                ),
                (
                    HistoryEvent::CARD_REACTIVATED,
                    "operator:op2",
                    Some(&HistoryReason::FingerMatched(2))
                ),
                (
                    HistoryEvent::CARD_SUSPENDED,
                    "citizen",
                    Some(&HistoryReason::LossReported)
                ),
            ],
            "{}",
            t.name
        );
        let last = history.last().unwrap();
        assert_eq!(last.to, S::Revoked);
        assert_eq!(last.reason, Some(HistoryReason::SuspensionOver));
        t.cleanup().await;
    }
}
