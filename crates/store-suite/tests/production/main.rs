//! After the journey, on SQLite and on PostgreSQL: enrollment, de-duplication and adjudication, batches shared among
//! manufacturers, per-card results, dispatch, shipments received with missing and unexpected cards, the SMS outbox,
//! pickup, uncollected cards with their reasons, transfers, revocations and deaths; and the counters still agree
//! with a full recount at the end.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{Duration, Utc};
use domain::{ApplicationState as S, Decision, DedupStatus, Mobile, UncollectedReason};
use store::production::*;
use store_suite::fixtures::code;
use store_suite::lifecycle::*;
use store_suite::TestStore;

fn stored_cert(
    serial: &str,
    role: &str,
    authority: Option<&str>,
    key: &str,
) -> store::pki::StoredCertificate {
    let now = Utc::now();
    store::pki::StoredCertificate {
        serial: serial.into(),
        authority: authority.map(Into::into),
        role: role.into(),
        subject: format!("CN={role}"),
        not_before: now,
        not_after: now + Duration::days(365),
        signing_until: (role == "document_signer").then(|| now + Duration::days(92)),
        key_label: authority.is_none().then(|| format!("{role}-0a0b0c0d")),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        key_sha256: key.into(),
        application_id: None,
        document_number: None,
        issued_at: now,
    }
}

fn hold(serial: &str) -> store::pki::CertificateChange {
    store::pki::CertificateChange {
        id: 0,
        authority: "citizen-ca".into(),
        serial: serial.into(),
        reason: "certificateHold".into(),
        at: Utc::now(),
    }
}

mod batches;
mod certificates;
mod outbox;
