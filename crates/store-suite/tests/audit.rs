//! The desks' audit, on SQLite and on PostgreSQL: refused registry inquiries read back per operator, newest first;
//! transfer attempts per application, oldest first.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{Duration, Utc};
use domain::{Channel, Mobile, NationalCode, OfficeId, Reason, TrackingCode};
use store::audit::{InquiryRefusal, TransferAttempt};
use store::journey::{Filed, NewApplication};
use store_suite::TestStore;

fn oid(s: &str) -> OfficeId {
    OfficeId::parse(s).unwrap()
}

fn refusal(operator: &str, minutes_ago: i64, outcome: &str) -> InquiryRefusal {
    InquiryRefusal {
        operator: operator.into(),
        office: oid("30-0001"),
        at: Utc::now() - Duration::minutes(minutes_ago),
        national_code: "00******48".into(),
        outcome: outcome.into(),
    }
}

#[tokio::test]
async fn refused_inquiries_are_kept_per_operator_newest_first() {
    for t in TestStore::all().await {
        let s = &t.store;
        s.record_inquiry_refusal(&refusal("op1", 3, "registry_mismatch"))
            .await
            .unwrap();
        s.record_inquiry_refusal(&refusal("op2", 2, "deceased"))
            .await
            .unwrap();
        s.record_inquiry_refusal(&refusal("op1", 1, "underage"))
            .await
            .unwrap();
        let got = s.inquiry_refusals("op1", 10).await.unwrap();
        let outcomes: Vec<&str> = got.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(outcomes, ["underage", "registry_mismatch"], "{}", t.name);
        assert_eq!(got[0].office, oid("30-0001"));
        assert_eq!(got[0].national_code, "00******48");
        assert!(got[0].at > got[1].at);
        assert_eq!(s.inquiry_refusals("op1", 1).await.unwrap().len(), 1);
        assert!(s.inquiry_refusals("nobody", 10).await.unwrap().is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn transfer_attempts_are_kept_per_application() {
    for t in TestStore::all().await {
        let s = &t.store;
        let nc = NationalCode::from_first_nine(b"100000001").unwrap();
        let new = NewApplication {
            tracking_code: TrackingCode::from_body(77),
            national_code: nc,
            reason: Reason::FirstIssue,
            channel: Channel::Portal,
            mobile: Mobile::parse("09121234567").unwrap(),
            fee_rials: 250_000,
            filing_office: None,
            province: None,
            actor: "citizen".into(),
            at: Utc::now(),
        };
        let Filed::Created(app) = s.file_application(&new).await.unwrap() else {
            panic!("{}: not filed", t.name)
        };
        for (i, matched) in [false, true].into_iter().enumerate() {
            s.record_transfer_attempt(&TransferAttempt {
                application_id: app.id,
                office: oid("06-0001"),
                operator: "opc".into(),
                at: Utc::now(),
                position: u8::try_from(i).unwrap() + 2,
                score: 0.25,
                matched,
            })
            .await
            .unwrap();
        }
        let got = s.transfer_attempts(app.id).await.unwrap();
        assert_eq!(got.len(), 2, "{}", t.name);
        assert_eq!((got[0].position, got[0].matched), (2, false));
        assert_eq!((got[1].position, got[1].matched), (3, true));
        assert_eq!(got[1].office, oid("06-0001"));
        assert_eq!(got[1].operator, "opc");
        assert!((got[1].score - 0.25).abs() < 1e-9);
        assert!(s.transfer_attempts(app.id + 1).await.unwrap().is_empty());
        t.cleanup().await;
    }
}
