//! Mobile units' kits and packets, on SQLite and on PostgreSQL: a kit registered (once per key), approved and
//! revoked with who and when; a packet taken with its enrollment in one transaction, taken once, and a refused
//! one writing nothing; on a kit, the visit's applications loaded and each enrollment kept with its packet.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::{
    ApplicationState as S, Channel, JalaliDate, Mobile, ProvinceCode, Reason, TrackingCode,
};
use store::appointments::Appointment;
use store::journey::*;
use store::kits::*;
use store::production::Enrolled;
use store_suite::fixtures::code;
use store_suite::lifecycle::{ch, new_enrollment, office, oid, person, state_of, tc};
use store_suite::TestStore;

const UNIT: &str = "30-9001";

fn new_kit(id: &str, key: &str) -> NewKit {
    NewKit {
        kit_id: id.into(),
        unit_office: oid(UNIT),
        public_key: key.into(),
        at: Utc::now(),
    }
}

fn application(n: u32) -> NewApplication {
    NewApplication {
        tracking_code: tc(n),
        national_code: code(n),
        reason: Reason::FirstIssue,
        channel: Channel::Office,
        mobile: Mobile::parse("09121234567").unwrap(),
        fee_rials: 0,
        filing_office: Some(oid(UNIT)),
        province: Some(ProvinceCode::parse("30").unwrap()),
        actor: "liaison:test".into(),
        at: Utc::now(),
    }
}

/// Application `n`, filed, paid and booked at the unit.
async fn booked(t: &TestStore, n: u32) -> TrackingCode {
    let s = &t.store;
    s.upsert_persons(&[person(&code(n), "1314567890", "")])
        .await
        .unwrap();
    assert!(matches!(
        s.file_application(&application(n)).await.unwrap(),
        Filed::Created(_)
    ));
    assert!(s
        .transition(
            &tc(n),
            S::AwaitingPayment,
            domain::Event::PaymentSettled,
            &ch("bank")
        )
        .await
        .unwrap());
    let b = s
        .book(
            &tc(n),
            &oid(UNIT),
            JalaliDate::parse("1405-09-02").unwrap(),
            &ch("liaison"),
        )
        .await
        .unwrap();
    assert!(matches!(b, Booked::Booked(_)), "{b:?}");
    tc(n)
}

async fn setup(t: &TestStore) {
    t.store.upsert_offices(&[office(UNIT)]).await.unwrap();
}

fn packet(n: u32, digest: &str, id: &str) -> NewPacket {
    NewPacket {
        digest: digest.into(),
        packet_id: id.into(),
        kit_id: "kit-a".into(),
        visit_id: 7,
        channel: "upload".into(),
        answer: format!(
            "{{\"tracking_code\":\"{}\",\"state\":\"enrolled\"}}",
            tc(n).as_str()
        ),
    }
}

#[tokio::test]
async fn a_kit_is_registered_once_approved_and_revoked_with_who_and_when() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        let k = s
            .register_kit(&new_kit("kit-a", &"ab".repeat(32)))
            .await
            .unwrap();
        assert_eq!(k.state, KitState::Pending, "{}", t.name);
        // The same key again: the kit as it is.
        let again = s
            .register_kit(&new_kit("kit-a", &"ab".repeat(32)))
            .await
            .unwrap();
        assert_eq!(again, k);
        // Another key under the same id is refused.
        assert!(s
            .register_kit(&new_kit("kit-a", &"cd".repeat(32)))
            .await
            .is_err());

        let at = Utc::now();
        match s
            .change_kit("kit-a", KitState::Approved, "admin:a", at)
            .await
            .unwrap()
        {
            KitChanged::Done(k) => {
                assert_eq!(k.state, KitState::Approved);
                assert_eq!(k.approved_by.as_deref(), Some("admin:a"));
                assert!(k.approved_at.is_some());
            }
            other => panic!("{}: {other:?}", t.name),
        }
        assert_eq!(
            s.change_kit("kit-a", KitState::Approved, "admin:b", at)
                .await
                .unwrap(),
            KitChanged::Refused(KitState::Approved)
        );
        match s
            .change_kit("kit-a", KitState::Revoked, "admin:b", at)
            .await
            .unwrap()
        {
            KitChanged::Done(k) => {
                assert_eq!(k.state, KitState::Revoked);
                assert_eq!(k.revoked_by.as_deref(), Some("admin:b"));
                assert_eq!(k.approved_by.as_deref(), Some("admin:a"));
            }
            other => panic!("{}: {other:?}", t.name),
        }
        // A revoked kit is never approved again.
        assert_eq!(
            s.change_kit("kit-a", KitState::Approved, "admin:a", at)
                .await
                .unwrap(),
            KitChanged::Refused(KitState::Revoked)
        );
        assert_eq!(
            s.change_kit("kit-x", KitState::Revoked, "admin:a", at)
                .await
                .unwrap(),
            KitChanged::NotFound
        );
    }
}

#[tokio::test]
async fn a_packet_is_taken_with_its_enrollment_once_and_a_refused_one_writes_nothing() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        s.register_kit(&new_kit("kit-a", &"ab".repeat(32)))
            .await
            .unwrap();
        let one = booked(&t, 1).await;

        let e = new_enrollment(1, UNIT);
        let taken = s.take_packet(&e, &packet(1, "d1", "p1")).await.unwrap();
        assert!(
            matches!(taken, PacketTaken::Taken { .. }),
            "{}: {taken:?}",
            t.name
        );
        assert_eq!(state_of(&t, &one).await, S::Enrolled);
        let row = s.packet_taken("d1").await.unwrap().unwrap();
        assert_eq!(row.tracking_code, one.as_str());
        assert_eq!(row.kit_id, "kit-a");

        // The same digest, or the same packet id: nothing written, the first answer.
        for (d, id) in [("d1", "p9"), ("d9", "p1")] {
            match s.take_packet(&e, &packet(1, d, id)).await.unwrap() {
                PacketTaken::Duplicate(before) => assert_eq!(before.answer, row.answer),
                other => panic!("{}: {other:?}", t.name),
            }
        }
        assert!(s.packet_taken("d9").await.unwrap().is_none());

        // Another packet for an application already enrolled: refused, and no packet row.
        match s.take_packet(&e, &packet(1, "d2", "p2")).await.unwrap() {
            PacketTaken::Refused(Enrolled::WrongState(S::Enrolled)) => {}
            other => panic!("{}: {other:?}", t.name),
        }
        assert!(s.packet_taken("d2").await.unwrap().is_none());

        // Booked at another office than the packet's: refused, nothing written.
        let two = booked(&t, 2).await;
        s.upsert_offices(&[office("30-9002")]).await.unwrap();
        let elsewhere = new_enrollment(2, "30-9002");
        match s
            .take_packet(&elsewhere, &packet(2, "d3", "p3"))
            .await
            .unwrap()
        {
            PacketTaken::Refused(Enrolled::OtherOffice) => {}
            other => panic!("{}: {other:?}", t.name),
        }
        assert!(s.packet_taken("d3").await.unwrap().is_none());
        assert_eq!(state_of(&t, &two).await, S::AppointmentBooked);
        assert!(s.enrollment(&two).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_kit_loads_a_visit_and_keeps_each_enrollment_with_its_packet() {
    for t in TestStore::all().await {
        setup(&t).await;
        let s = &t.store;
        s.upsert_persons(&[
            person(&code(1), "1314567890", ""),
            person(&code(2), "1314567890", ""),
        ])
        .await
        .unwrap();
        let day = JalaliDate::parse("1405-09-02").unwrap();
        let apps: Vec<KitApplication> = [1, 2]
            .map(|n| KitApplication {
                application: application(n),
                appointment: Appointment {
                    office_id: oid(UNIT),
                    date: day,
                    slot: n,
                },
            })
            .to_vec();
        assert_eq!(
            s.load_kit_applications(&apps, &ch("kit:load"))
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            s.load_kit_applications(&apps, &ch("kit:load"))
                .await
                .unwrap(),
            0
        );
        let a = s.application(&tc(1)).await.unwrap().unwrap();
        assert_eq!(a.state, S::AppointmentBooked, "{}", t.name);
        assert_eq!(a.appointment.as_ref().map(|p| p.date), Some(day));
        assert_eq!(s.history(&tc(1)).await.unwrap().len(), 1);

        let kp = KitPacket {
            packet_id: "p1".into(),
            visit_id: 7,
            tracking_code: tc(1).as_str().into(),
            sealed: vec![1, 2, 3, 0, 255],
            made_at: Utc::now(),
            state: "waiting".into(),
            code: None,
            answer: None,
            answered_at: None,
        };
        let done = s
            .enroll_keeping_packet(&new_enrollment(1, UNIT), &kp)
            .await
            .unwrap();
        assert!(
            matches!(done, Enrolled::Done { .. }),
            "{}: {done:?}",
            t.name
        );
        // Enrolled already: refused, and no second packet kept.
        let again = KitPacket {
            packet_id: "p2".into(),
            ..kp.clone()
        };
        assert!(matches!(
            s.enroll_keeping_packet(&new_enrollment(1, UNIT), &again)
                .await
                .unwrap(),
            Enrolled::WrongState(S::Enrolled)
        ));
        let kept = s.kit_packets().await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].sealed, vec![1, 2, 3, 0, 255]);
        assert_eq!(kept[0].state, "waiting");

        s.answer_kit_packet("p1", "refused", Some("kit_not_approved"), "{}", Utc::now())
            .await
            .unwrap();
        let kept = s.kit_packets().await.unwrap();
        assert_eq!(kept[0].state, "refused");
        assert_eq!(kept[0].code.as_deref(), Some("kit_not_approved"));
        assert!(kept[0].answered_at.is_some());
    }
}
