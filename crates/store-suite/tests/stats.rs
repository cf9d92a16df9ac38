//! Statistics per province, on SQLite and on PostgreSQL: the counters kept by every change of state (filing,
//! transitions, payments, bookings and their cancellation, seeds, concurrent moves) always equal a recount of
//! the applications, and the eligible population leaves out the dead and the under-15s.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::{
    ApplicationState as S, Channel, Event, JalaliDate, Mobile, NationalCode, Office, OfficeId,
    Person, ProvinceCode, Reason, TrackingCode,
};
use std::collections::BTreeMap;
use store::journey::*;
use store::stats::{eligible_cutoff, ProvinceCounts};
use store_suite::fixtures::{self, code_in, PersonBuilder};
use store_suite::TestStore;

fn province(code: &str) -> ProvinceCode {
    ProvinceCode::parse(code).unwrap()
}

fn new_app(n: u32, prov: Option<&str>) -> NewApplication {
    NewApplication {
        tracking_code: TrackingCode::from_body(u64::from(n) * 7919 + 13),
        national_code: code_in("23", 500_000 + n),
        reason: Reason::FirstIssue,
        channel: Channel::Portal,
        mobile: Mobile::parse("09121234567").unwrap(),
        fee_rials: 250_000,
        filing_office: None,
        province: prov.map(province),
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

fn office(id: &str) -> Office {
    fixtures::office(id)
        .name("دفتر پیشخوان")
        .capacity(100)
        .build()
}

fn day() -> JalaliDate {
    JalaliDate::parse("1405-09-02").unwrap()
}

fn today() -> JalaliDate {
    JalaliDate::parse("1404-06-15").unwrap()
}

fn person(nc: &NationalCode, birth: &str, death: &str) -> Person {
    PersonBuilder::with_code(nc)
        .of_tehran()
        .born(birth)
        .dead_on(death)
        .as_of(today())
        .build()
}

fn states(counts: &[ProvinceCounts], province_code: &str) -> BTreeMap<S, u64> {
    counts
        .iter()
        .find(|c| c.province_code == province_code)
        .map(|c| c.by_state.clone())
        .unwrap_or_default()
}

async fn file(s: &store::DynStore, n: u32, prov: Option<&str>) -> Application {
    match s.file_application(&new_app(n, prov)).await.unwrap() {
        Filed::Created(a) => *a,
        _ => panic!("not filed"),
    }
}

async fn pay(s: &store::DynStore, app: &Application) -> PaymentApplied {
    let p = s
        .create_payment(app.id, 250_000, "sandbox", Utc::now())
        .await
        .unwrap();
    s.apply_payment(p, &format!("ref-{p}"), &change())
        .await
        .unwrap()
}

#[tokio::test]
async fn counters_follow_every_change_of_state() {
    for t in TestStore::all().await {
        let s = &t.store;
        s.upsert_offices(&[office("30-0001")]).await.unwrap();
        let o = OfficeId::parse("30-0001").unwrap();

        // Tehran: paid, booked, cancelled, booked again, enrolled.
        let a = file(s, 1, Some("23")).await;
        assert_eq!(pay(s, &a).await, PaymentApplied::Applied);
        assert_eq!(pay(s, &a).await, PaymentApplied::MustReverse);
        assert!(matches!(
            s.book(&a.tracking_code, &o, day(), &change())
                .await
                .unwrap(),
            Booked::Booked(_)
        ));
        assert!(s
            .cancel_booking(&a.tracking_code, &change())
            .await
            .unwrap()
            .is_some());
        assert!(s
            .cancel_booking(&a.tracking_code, &change())
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            s.book(&a.tracking_code, &o, day(), &change())
                .await
                .unwrap(),
            Booked::Booked(_)
        ));
        assert!(s
            .transition(
                &a.tracking_code,
                S::AppointmentBooked,
                Event::Enrolled,
                &change()
            )
            .await
            .unwrap());
        // A transition from a state it is not in changes nothing.
        assert!(!s
            .transition(
                &a.tracking_code,
                S::AppointmentBooked,
                Event::Enrolled,
                &change()
            )
            .await
            .unwrap());

        // Alborz: one cancelled, one unpaid; a second filing for the same person is refused.
        let b = file(s, 2, Some("30")).await;
        assert!(s
            .transition(
                &b.tracking_code,
                S::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        let _c = file(s, 3, Some("30")).await;
        let mut again = new_app(3, Some("30"));
        again.tracking_code = TrackingCode::from_body(99);
        assert!(matches!(
            s.file_application(&again).await.unwrap(),
            Filed::ActiveExists
        ));
        // Unknown province.
        let d = file(s, 4, None).await;
        assert_eq!(pay(s, &d).await, PaymentApplied::Applied);

        // Seeds, in several states and provinces, more than one chunk.
        let seeds: Vec<SeedApplication> = (0..1_200)
            .map(|i| SeedApplication {
                application: new_app(1_000 + i, [Some("23"), Some("30"), None][i as usize % 3]),
                state: [
                    S::Delivered,
                    S::InProduction,
                    S::ReadyForPickup,
                    S::Uncollected,
                ][i as usize % 4],
            })
            .collect();
        s.seed_applications(&seeds).await.unwrap();

        let kept = s.province_counts().await.unwrap();
        assert_eq!(kept, s.recount().await.unwrap(), "{}", t.name);
        let tehran = states(&kept, "23");
        assert_eq!(tehran.get(&S::Enrolled), Some(&1), "{}", t.name);
        assert_eq!(tehran.get(&S::AwaitingAppointment), None, "{}", t.name);
        assert_eq!(tehran.get(&S::Delivered), Some(&100), "{}", t.name);
        let alborz = states(&kept, "30");
        assert_eq!(alborz.get(&S::Cancelled), Some(&1), "{}", t.name);
        assert_eq!(alborz.get(&S::AwaitingPayment), Some(&1), "{}", t.name);
        let unknown = states(&kept, "");
        assert_eq!(unknown.get(&S::AwaitingAppointment), Some(&1), "{}", t.name);
        let total: u64 = kept.iter().flat_map(|c| c.by_state.values()).sum();
        assert_eq!(total, s.count_applications().await.unwrap());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_bookings_and_cancellations_keep_the_counters_exact() {
    for t in TestStore::all().await {
        let s = t.store.clone();
        s.upsert_offices(&[office("30-0002")]).await.unwrap();
        let batch: Vec<SeedApplication> = (0..40)
            .map(|i| SeedApplication {
                application: new_app(5_000 + i, Some("30")),
                state: S::AwaitingAppointment,
            })
            .collect();
        s.seed_applications(&batch).await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, b) in batch.iter().enumerate() {
            let s = s.clone();
            let tc = b.application.tracking_code;
            tasks.spawn(async move {
                let o = OfficeId::parse("30-0002").unwrap();
                s.book(&tc, &o, day(), &change()).await.unwrap();
                if i % 2 == 0 {
                    s.cancel_booking(&tc, &change()).await.unwrap();
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
        let kept = s.province_counts().await.unwrap();
        assert_eq!(kept, s.recount().await.unwrap(), "{}", t.name);
        let alborz = states(&kept, "30");
        assert_eq!(alborz.get(&S::AppointmentBooked), Some(&20), "{}", t.name);
        assert_eq!(alborz.get(&S::AwaitingAppointment), Some(&20), "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn eligible_counts_living_people_aged_fifteen_or_more() {
    assert_eq!(eligible_cutoff(today()), "1389-06-15");
    // 1403 is leap, 1388 is not: Esfand 30 becomes 29.
    assert_eq!(
        eligible_cutoff(JalaliDate::parse("1403-12-30").unwrap()),
        "1388-12-29"
    );
    for t in TestStore::all().await {
        let s = &t.store;
        s.upsert_persons(&[
            person(&code_in("23", 1), "1370-05-12", ""),
            person(&code_in("23", 2), "1389-06-15", ""), // 15 today
            person(&code_in("23", 3), "1389-06-16", ""), // 15 tomorrow
            person(&code_in("23", 4), "1360-01-01", "1400-01-01"), // dead
            person(&code_in("23", 5), "1395-01-01", ""), // a child
            person(&code_in("30", 6), "1350-01-01", ""),
        ])
        .await
        .unwrap();
        s.refresh_eligible(today()).await.unwrap();
        let kept = s.province_counts().await.unwrap();
        let eligible: BTreeMap<&str, u64> = kept
            .iter()
            .map(|c| (c.province_code.as_str(), c.eligible))
            .collect();
        assert_eq!(
            eligible,
            BTreeMap::from([("23", 2), ("30", 1)]),
            "{}",
            t.name
        );
        assert_eq!(kept, s.recount().await.unwrap());
        // A refresh replaces the counts: a day later, one more person is 15.
        s.refresh_eligible(JalaliDate::parse("1404-06-16").unwrap())
            .await
            .unwrap();
        let kept = s.province_counts().await.unwrap();
        assert_eq!(kept[0].province_code, "23");
        assert_eq!(kept[0].eligible, 3, "{}", t.name);
        t.cleanup().await;
    }
}
