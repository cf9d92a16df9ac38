use super::*;

#[tokio::test]
async fn filing_status_history_and_one_active_per_person() {
    for t in TestStore::all().await {
        let s = &t.store;
        let a = new_app(1);
        let Filed::Created(app) = s.file_application(&a).await.unwrap() else {
            panic!("{}: not created", t.name)
        };
        assert_eq!(app.state, ApplicationState::AwaitingPayment);
        let again = new_app(1);
        let mut again = again;
        again.tracking_code = TrackingCode::from_body(42);
        assert!(matches!(
            s.file_application(&again).await.unwrap(),
            Filed::ActiveExists
        ));
        let mut taken = new_app(2);
        taken.tracking_code = a.tracking_code;
        assert!(matches!(
            s.file_application(&taken).await.unwrap(),
            Filed::TrackingCodeTaken
        ));

        let st = s.status(&a.tracking_code).await.unwrap().unwrap();
        assert_eq!(st.state, ApplicationState::AwaitingPayment);
        assert_eq!(st.national_code, a.national_code);
        assert!(s
            .status(&TrackingCode::from_body(5))
            .await
            .unwrap()
            .is_none());

        // Cancelling frees the person to apply again.
        assert!(s
            .transition(
                &a.tracking_code,
                ApplicationState::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        assert!(!s
            .transition(
                &a.tracking_code,
                ApplicationState::AwaitingPayment,
                Event::Cancelled,
                &change()
            )
            .await
            .unwrap());
        assert!(matches!(
            s.file_application(&again).await.unwrap(),
            Filed::Created(_)
        ));
        let h = s.history(&a.tracking_code).await.unwrap();
        assert_eq!(h.len(), 2, "{}", t.name);
        assert_eq!(h[0].to, ApplicationState::AwaitingPayment);
        assert_eq!(h[1].from, Some(ApplicationState::AwaitingPayment));
        assert_eq!(h[1].to, ApplicationState::Cancelled);
        assert_eq!(h[1].actor, "test");
        assert_eq!(
            s.active_application(&code(1))
                .await
                .unwrap()
                .unwrap()
                .tracking_code,
            again.tracking_code
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_payment_is_applied_once_and_a_second_one_must_be_reversed() {
    for t in TestStore::all().await {
        let s = &t.store;
        let a = new_app(3);
        let Filed::Created(app) = s.file_application(&a).await.unwrap() else {
            panic!()
        };
        let p1 = s
            .create_payment(app.id, 250_000, "sandbox", Utc::now())
            .await
            .unwrap();
        let p2 = s
            .create_payment(app.id, 250_000, "sandbox", Utc::now())
            .await
            .unwrap();
        s.set_payment_token(p1, "tok-1").await.unwrap();
        assert_eq!(s.payment_by_token("tok-1").await.unwrap().unwrap().id, p1);
        assert_eq!(
            s.apply_payment(p1, "ref-1", &change()).await.unwrap(),
            PaymentApplied::Applied
        );
        assert_eq!(
            s.apply_payment(p1, "ref-1", &change()).await.unwrap(),
            PaymentApplied::AlreadyDone(PaymentState::Verified)
        );
        assert_eq!(
            s.apply_payment(p2, "ref-2", &change()).await.unwrap(),
            PaymentApplied::MustReverse
        );
        assert!(s.payment_is_applied(p1).await.unwrap());
        assert!(!s.payment_is_applied(p2).await.unwrap());
        assert_eq!(s.unfinished_payments(10).await.unwrap().len(), 2);
        assert!(s
            .set_payment_state(
                p2,
                PaymentState::Verified,
                PaymentState::Reversed,
                "reversed",
                Utc::now()
            )
            .await
            .unwrap());
        assert!(s
            .set_payment_state(
                p1,
                PaymentState::Verified,
                PaymentState::Settled,
                "settled",
                Utc::now()
            )
            .await
            .unwrap());
        assert!(s.unfinished_payments(10).await.unwrap().is_empty());
        let app = s.application(&a.tracking_code).await.unwrap().unwrap();
        assert_eq!(app.state, ApplicationState::AwaitingAppointment);
        let log = s.payment_log(p1).await.unwrap();
        let states: Vec<&str> = log.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(states, ["pending", "verified", "settled"], "{}", t.name);
        assert!(s
            .set_payment_state(
                p1,
                PaymentState::Pending,
                PaymentState::Verified,
                "x",
                Utc::now()
            )
            .await
            .is_ok_and(|moved| !moved));
        t.cleanup().await;
    }
}
