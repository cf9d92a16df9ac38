//! Mobile units' visits, on SQLite and on PostgreSQL: planning and editing a visit (with its recorded changes),
//! booking roster rows onto it by each fee policy (in one transaction, never past its capacity), a person who
//! pays later getting the appointment with the payment, liaisons bound to institutions, home-visit requests,
//! and the units' figures by institution kind.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Utc;
use domain::{
    ApplicationState, Channel, FeePolicy, InstitutionKind, JalaliDate, Mobile, OfficeId,
    ProvinceCode, Reason, Role, TrackingCode,
};
use store::journey::{Change, NewApplication, NewUser};
use store::visits::{
    HomeVisitFiled, NewHomeVisitRequest, NewVisit, VisitBooked, VisitEdit, VisitEdited,
};
use store::DynStore;
use store_suite::fixtures::{code, office};
use store_suite::TestStore;

fn unit() -> OfficeId {
    OfficeId::parse("30-9001").unwrap()
}

fn day() -> JalaliDate {
    JalaliDate::parse("1405-09-20").unwrap()
}

fn change() -> Change {
    Change {
        actor: "admin:alborz".into(),
        at: Utc::now(),
        reason: None,
    }
}

fn new_visit(kind: InstitutionKind, capacity: u32) -> NewVisit {
    NewVisit {
        unit: unit(),
        province: ProvinceCode::parse("30").unwrap(),
        kind,
        institution_id: None,
        institution_name: "زندان قزل‌حصار".into(),
        address: "کرج، قزل‌حصار".into(),
        date: day(),
        capacity,
        liaison: Some("liaison.qh".into()),
        area: None,
        created_by: "admin:alborz".into(),
        at: Utc::now(),
    }
}

fn application(n: u32, body: u64) -> NewApplication {
    NewApplication {
        tracking_code: TrackingCode::from_body(body),
        national_code: code(n),
        reason: Reason::FirstIssue,
        channel: Channel::Office,
        mobile: Mobile::parse("09121234567").unwrap(),
        fee_rials: 400_000,
        filing_office: Some(unit()),
        province: Some(ProvinceCode::parse("30").unwrap()),
        actor: "liaison:liaison.qh".into(),
        at: Utc::now(),
    }
}

async fn with_unit(s: &DynStore) {
    s.upsert_offices(&[office("30-9001")
        .kind("mobile_unit")
        .name("واحد سیار البرز ۱")
        .capacity(20)
        .build()])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_visit_is_planned_listed_and_edited_with_its_changes_recorded() {
    for t in TestStore::all().await {
        let s = &t.store;
        with_unit(s).await;
        let id = s
            .visit_create(&new_visit(InstitutionKind::Prison, 3))
            .await
            .unwrap();
        let v = s.visit(id).await.unwrap().unwrap();
        assert_eq!(v.unit, unit(), "{}", t.name);
        assert_eq!(v.kind, InstitutionKind::Prison);
        assert_eq!(v.date, day());
        assert_eq!((v.capacity, v.booked), (3, 0));
        assert_eq!(v.liaison.as_deref(), Some("liaison.qh"));
        assert!(s.visit(id + 100).await.unwrap().is_none());
        let alborz = s
            .visits(Some(ProvinceCode::parse("30").unwrap()))
            .await
            .unwrap();
        assert_eq!(alborz.len(), 1);
        assert!(s
            .visits(Some(ProvinceCode::parse("23").unwrap()))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(s.visits(None).await.unwrap().len(), 1);

        let edit = VisitEdit {
            institution_name: "زندان مرکزی کرج".into(),
            address: v.address.clone(),
            date: JalaliDate::parse("1405-09-21").unwrap(),
            capacity: 5,
            liaison: None,
        };
        assert_eq!(
            s.visit_update(id, &edit, &change()).await.unwrap(),
            VisitEdited::Edited
        );
        let v = s.visit(id).await.unwrap().unwrap();
        assert_eq!(v.capacity, 5);
        assert_eq!(v.institution_name, "زندان مرکزی کرج");
        assert_eq!(v.liaison, None);
        let events = s.visit_events(id).await.unwrap();
        assert_eq!(events.len(), 2, "{}: {events:?}", t.name);
        assert!(events[0].what.starts_with("planned"));
        assert!(events[1].what.contains("capacity 3 → 5"), "{events:?}");
        assert_eq!(events[1].actor, "admin:alborz");
        assert_eq!(
            s.visit_update(id + 100, &edit, &change()).await.unwrap(),
            VisitEdited::NotFound
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn roster_rows_are_booked_by_policy_and_never_past_capacity() {
    for t in TestStore::all().await {
        let s = &t.store;
        with_unit(s).await;
        let inst = s
            .institution_ensure(
                ProvinceCode::parse("30").unwrap(),
                InstitutionKind::CareHome,
                "سرای سالمندان کهریزک",
                Utc::now(),
            )
            .await
            .unwrap();
        let mut nv = new_visit(InstitutionKind::CareHome, 2);
        nv.institution_id = Some(inst.id);
        let visit = s.visit_create(&nv).await.unwrap();

        // Institution pays: settled at once, appointment at the unit on the visit's day, on the invoice.
        let a = s
            .visit_book_new(visit, 2, FeePolicy::Institution, &application(1, 501))
            .await
            .unwrap();
        let VisitBooked::Booked {
            tracking_code,
            appointment: Some(appt),
            ..
        } = a
        else {
            panic!("{}: {a:?}", t.name)
        };
        assert_eq!(
            (appt.office_id.clone(), appt.date, appt.slot),
            (unit(), day(), 1)
        );
        let app = s.application(&tracking_code).await.unwrap().unwrap();
        assert_eq!(app.state, ApplicationState::AppointmentBooked, "{}", t.name);
        let history = s.history(&tracking_code).await.unwrap();
        assert!(
            history
                .iter()
                .any(|h| h.to == ApplicationState::AwaitingAppointment
                    && h.reason
                        .as_ref()
                        .is_some_and(|r| r.to_string().contains("paid by the institution"))),
            "{}: {history:?}",
            t.name
        );

        // A second application of the same person is refused and writes nothing.
        let again = s
            .visit_book_new(visit, 3, FeePolicy::Institution, &application(1, 502))
            .await
            .unwrap();
        assert_eq!(again, VisitBooked::ActiveExists, "{}", t.name);
        assert!(s
            .application(&TrackingCode::from_body(502))
            .await
            .unwrap()
            .is_none());

        // Person pays: booked on the visit, awaiting payment, no appointment yet.
        let b = s
            .visit_book_new(visit, 4, FeePolicy::Person, &application(2, 503))
            .await
            .unwrap();
        let VisitBooked::Booked {
            appointment: None, ..
        } = b
        else {
            panic!("{}: {b:?}", t.name)
        };
        // Full: the third is refused and leaves no application behind.
        let c = s
            .visit_book_new(visit, 5, FeePolicy::Waived, &application(3, 504))
            .await
            .unwrap();
        assert_eq!(c, VisitBooked::NoCapacity, "{}", t.name);
        assert!(s.active_application(&code(3)).await.unwrap().is_none());
        assert_eq!(
            s.visit_book_new(visit + 100, 5, FeePolicy::Waived, &application(3, 505))
                .await
                .unwrap(),
            VisitBooked::VisitNotFound
        );

        let roster = s.visit_roster(visit).await.unwrap();
        let lines: Vec<u32> = roster.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4], "{}", t.name);
        assert_eq!(roster[0].national_code, code(1));
        assert_eq!(roster[0].fee_policy, FeePolicy::Institution);
        assert_eq!(roster[1].state, ApplicationState::AwaitingPayment);
        assert_eq!(s.visit(visit).await.unwrap().unwrap().booked, 2);
        let invoice = s.visit_invoice(visit).await.unwrap().unwrap();
        assert_eq!((invoice.people, invoice.amount_rials), (1, 400_000));
        assert_eq!(invoice.state, "open");
        assert_eq!(invoice.institution_id, Some(inst.id));
        assert!(s
            .visit_invoice_paid(visit, "INV-1", &change())
            .await
            .unwrap());
        assert!(!s
            .visit_invoice_paid(visit, "INV-1", &change())
            .await
            .unwrap());
        assert_eq!(s.visit_invoice(visit).await.unwrap().unwrap().state, "paid");

        // The person pays: the payment brings the appointment at the unit with it.
        let tc2 = TrackingCode::from_body(503);
        let app2 = s.application(&tc2).await.unwrap().unwrap();
        let pay = s
            .create_payment(app2.id, 400_000, "sandbox", Utc::now())
            .await
            .unwrap();
        s.apply_payment(pay, "REF-1", &change()).await.unwrap();
        let app2 = s.application(&tc2).await.unwrap().unwrap();
        assert_eq!(
            app2.state,
            ApplicationState::AppointmentBooked,
            "{}",
            t.name
        );
        let appt2 = app2.appointment.unwrap();
        assert_eq!(
            (appt2.office_id, appt2.date, appt2.slot),
            (unit(), day(), 2)
        );
        assert_eq!(s.visit_of(&tc2).await.unwrap(), Some(visit));

        // Capacity cannot drop below the places taken, nor the day move once people are booked.
        let v = s.visit(visit).await.unwrap().unwrap();
        let mut edit = VisitEdit {
            institution_name: v.institution_name.clone(),
            address: v.address.clone(),
            date: v.date,
            capacity: 1,
            liaison: v.liaison.clone(),
        };
        assert_eq!(
            s.visit_update(visit, &edit, &change()).await.unwrap(),
            VisitEdited::BelowBooked(2)
        );
        edit.capacity = 2;
        edit.date = JalaliDate::parse("1405-09-22").unwrap();
        assert_eq!(
            s.visit_update(visit, &edit, &change()).await.unwrap(),
            VisitEdited::HasBookings
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_waived_fee_is_recorded_and_existing_applications_can_be_booked() {
    for t in TestStore::all().await {
        let s = &t.store;
        with_unit(s).await;
        let visit = s
            .visit_create(&new_visit(InstitutionKind::Home, 5))
            .await
            .unwrap();
        // An application filed on the portal, awaiting payment, booked onto a home visit: the fee is waived.
        let mut new = application(7, 700);
        new.channel = Channel::Portal;
        new.filing_office = None;
        s.file_application(&new).await.unwrap();
        let tc = TrackingCode::from_body(700);
        let filed = s
            .home_visit_request(&NewHomeVisitRequest {
                tracking_code: tc,
                province: ProvinceCode::parse("30").unwrap(),
                area: "کرج".into(),
                address: "کرج، گوهردشت".into(),
                welfare_ref: "W-1".into(),
                requested_by: "citizen".into(),
                at: Utc::now(),
            })
            .await
            .unwrap();
        let HomeVisitFiled::Created(req) = filed else {
            panic!("{}: {filed:?}", t.name)
        };
        let again = s
            .home_visit_request(&NewHomeVisitRequest {
                tracking_code: tc,
                province: ProvinceCode::parse("30").unwrap(),
                area: "کرج".into(),
                address: "x".into(),
                welfare_ref: "W-2".into(),
                requested_by: "citizen".into(),
                at: Utc::now(),
            })
            .await
            .unwrap();
        let HomeVisitFiled::Exists(first) = again else {
            panic!("{}: {again:?}", t.name)
        };
        // The first request is answered again, unchanged.
        assert_eq!((first.id, first.welfare_ref.as_str()), (req.id, "W-1"));
        let waiting = s.home_visit_requests_waiting(None).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].area, "کرج");

        let booked = s
            .visit_book_existing(visit, 1, FeePolicy::Waived, &tc, &change())
            .await
            .unwrap();
        assert!(
            matches!(
                booked,
                VisitBooked::Booked {
                    appointment: Some(_),
                    ..
                }
            ),
            "{}: {booked:?}",
            t.name
        );
        assert!(s
            .home_visit_request_booked(req.id, visit, &change())
            .await
            .unwrap());
        assert!(s
            .home_visit_requests_waiting(None)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            s.visit_book_existing(visit, 1, FeePolicy::Waived, &tc, &change())
                .await
                .unwrap(),
            VisitBooked::AlreadyBooked
        );
        let history = s.history(&tc).await.unwrap();
        assert!(history.iter().any(|h| h
            .reason
            .as_ref()
            .is_some_and(|r| r.to_string().contains("fee waived (0 rials)"))));
        assert_eq!(
            s.application(&tc).await.unwrap().unwrap().state,
            ApplicationState::AppointmentBooked
        );

        let stats = s.unit_stats(None).await.unwrap();
        assert_eq!(stats.len(), InstitutionKind::ALL.len());
        let home = stats
            .iter()
            .find(|k| k.kind == InstitutionKind::Home)
            .unwrap();
        assert_eq!(
            (home.visits, home.booked, home.enrolled),
            (1, 1, 0),
            "{}",
            t.name
        );
        let prison = stats
            .iter()
            .find(|k| k.kind == InstitutionKind::Prison)
            .unwrap();
        assert_eq!((prison.visits, prison.booked), (0, 0));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_liaison_is_bound_to_one_institution() {
    for t in TestStore::all().await {
        let s = &t.store;
        let p = ProvinceCode::parse("30").unwrap();
        let a = s
            .institution_ensure(p, InstitutionKind::Prison, "زندان قزل‌حصار", Utc::now())
            .await
            .unwrap();
        let same = s
            .institution_ensure(p, InstitutionKind::Prison, "زندان قزل‌حصار", Utc::now())
            .await
            .unwrap();
        assert_eq!(a, same, "{}", t.name);
        assert_eq!(s.institution(a.id).await.unwrap(), Some(a.clone()));
        s.create_user(&NewUser {
            username: "liaison.qh".into(),
            password_hash: "x".into(),
            role: Role::ProvinceAdmin,
            office: None,
            province: Some(p),
            at: Utc::now(),
        })
        .await
        .unwrap();
        assert!(s.user_institution("liaison.qh").await.unwrap().is_none());
        assert!(s.user_set_institution("liaison.qh", a.id).await.unwrap());
        assert!(!s.user_set_institution("nobody", a.id).await.unwrap());
        assert_eq!(s.user_institution("liaison.qh").await.unwrap(), Some(a));
        t.cleanup().await;
    }
}
