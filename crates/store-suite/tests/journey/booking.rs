use super::*;

#[tokio::test]
async fn booking_from_a_slot_skips_earlier_places_and_fills_gaps_after_it() {
    for t in TestStore::all().await {
        let s = t.store.clone();
        s.upsert_offices(&[office("30-0001", 4)]).await.unwrap();
        let codes = paid_applications(&s, 2000, 5).await;
        let office = OfficeId::parse("30-0001").unwrap();
        let slot = |b: Booked| match b {
            Booked::Booked(a) => a.slot,
            other => panic!("{}: {other:?}", t.name),
        };
        // From place 3 on: 3, then 4; places 1 and 2 stay free but are never given.
        let a = s.book_from(&codes[0], &office, day(), 3, &change()).await;
        assert_eq!(slot(a.unwrap()), 3, "{}", t.name);
        let b = s.book_from(&codes[1], &office, day(), 3, &change()).await;
        assert_eq!(slot(b.unwrap()), 4, "{}", t.name);
        assert_eq!(
            s.book_from(&codes[2], &office, day(), 3, &change())
                .await
                .unwrap(),
            Booked::NoCapacity,
            "{}",
            t.name
        );
        // The refused booking took no place and left the application waiting.
        assert_eq!(s.booked(&office, day()).await.unwrap(), 2);
        assert_eq!(
            s.application(&codes[2]).await.unwrap().unwrap().state,
            ApplicationState::AwaitingAppointment
        );
        // From place 1 the earlier gap is given.
        let c = s.book(&codes[2], &office, day(), &change()).await;
        assert_eq!(slot(c.unwrap()), 1, "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn two_hundred_racing_bookings_for_ten_places_book_exactly_ten() {
    for t in TestStore::all().await {
        let s = t.store.clone();
        s.upsert_offices(&[office("30-0001", 10)]).await.unwrap();
        let codes = paid_applications(&s, 1000, 200).await;
        let office = OfficeId::parse("30-0001").unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for tc in codes.clone() {
            let s = s.clone();
            let office = office.clone();
            tasks.spawn(async move { s.book(&tc, &office, day(), &change()).await });
        }
        let mut slots = Vec::new();
        let mut full = 0;
        while let Some(r) = tasks.join_next().await {
            match r.unwrap().unwrap() {
                Booked::Booked(a) => slots.push(a.slot),
                Booked::NoCapacity => full += 1,
                other => panic!("{}: {other:?}", t.name),
            }
        }
        slots.sort_unstable();
        assert_eq!(slots, (1..=10).collect::<Vec<u32>>(), "{}", t.name);
        assert_eq!(full, 190);
        assert_eq!(s.booked(&office, day()).await.unwrap(), 10);
        let list = s
            .offices_by_free_capacity(domain::ProvinceCode::parse("30").unwrap(), day(), 10)
            .await
            .unwrap();
        assert_eq!(list[0].free, 0);

        // Cancelling frees a place, and the next booking takes that slot again.
        let booked: Vec<TrackingCode> = {
            let mut v = Vec::new();
            for tc in &codes {
                if s.application(tc)
                    .await
                    .unwrap()
                    .unwrap()
                    .appointment
                    .is_some()
                {
                    v.push(*tc);
                }
            }
            v
        };
        let freed = s
            .cancel_booking(&booked[3], &change())
            .await
            .unwrap()
            .unwrap();
        assert!(s
            .cancel_booking(&booked[3], &change())
            .await
            .unwrap()
            .is_none());
        assert_eq!(s.booked(&office, day()).await.unwrap(), 9);
        let waiting = codes.iter().find(|c| !booked.contains(c)).unwrap();
        let Booked::Booked(again) = s.book(waiting, &office, day(), &change()).await.unwrap()
        else {
            panic!("{}: rebook", t.name)
        };
        assert_eq!(again.slot, freed.slot);
        assert_eq!(
            s.book(waiting, &office, day(), &change()).await.unwrap(),
            Booked::WrongState(ApplicationState::AppointmentBooked)
        );
        let unpaid = new_app(5000);
        s.file_application(&unpaid).await.unwrap();
        assert_eq!(
            s.book(&unpaid.tracking_code, &office, day(), &change())
                .await
                .unwrap(),
            Booked::WrongState(ApplicationState::AwaitingPayment)
        );
        let h = s.history(&booked[3]).await.unwrap();
        assert_eq!(h.last().unwrap().to, ApplicationState::AwaitingAppointment);
        t.cleanup().await;
    }
}
