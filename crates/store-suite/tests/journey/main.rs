//! The journey's store, on SQLite and on PostgreSQL: filing, history, payments applied once, bookings that never
//! pass capacity under concurrency, staff sessions, idempotency keys and the sandbox bank's ledger.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::{
    ApplicationState, Channel, Event, JalaliDate, Mobile, Office, OfficeId, PaymentState, Reason,
    Role, TrackingCode,
};
use store::journey::*;
use store_suite::fixtures::{self, code};
use store_suite::TestStore;

fn new_app(n: u32) -> NewApplication {
    NewApplication {
        tracking_code: TrackingCode::from_body(u64::from(n) * 7919 + 13),
        national_code: code(n),
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse("09121234567").unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: None,
        actor: "citizen".into(),
        at: Utc::now(),
    }
}

fn change() -> Change {
    Change {
        actor: "test".into(),
        at: Utc::now(),
        reason: None,
    }
}

fn office(id: &str, capacity: u32) -> Office {
    fixtures::office(id)
        .name("دفتر پیشخوان")
        .capacity(capacity)
        .build()
}

fn day() -> JalaliDate {
    JalaliDate::parse("1405-09-02").unwrap()
}

async fn paid_applications(s: &store::DynStore, from: u32, n: u32) -> Vec<TrackingCode> {
    let batch: Vec<SeedApplication> = (from..from + n)
        .map(|i| SeedApplication {
            application: new_app(i),
            state: ApplicationState::AwaitingAppointment,
        })
        .collect();
    s.seed_applications(&batch).await.unwrap();
    batch.iter().map(|b| b.application.tracking_code).collect()
}

async fn claim(
    s: &store::DynStore,
    key: &str,
    hash: &str,
    at: chrono::DateTime<Utc>,
) -> IdempotencyClaim {
    s.idempotency_claim(
        "sc",
        key,
        hash,
        at,
        at - chrono::Duration::minutes(1),
        at - chrono::Duration::hours(24),
    )
    .await
    .unwrap()
}

mod booking;
mod changes;
mod filing;
mod sessions;
