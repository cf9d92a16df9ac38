use super::*;

#[tokio::test]
async fn staff_sessions_idempotency_and_bank_ledger() {
    for t in TestStore::all().await {
        let s = &t.store;
        let id = s
            .create_user(&NewUser {
                username: "op1".into(),
                password_hash: "$argon2id$x".into(),
                role: Role::Operator,
                office: Some(OfficeId::parse("30-0001").unwrap()),
                province: None,
                at: Utc::now(),
            })
            .await
            .unwrap();
        let dup = s
            .create_user(&NewUser {
                username: "op1".into(),
                password_hash: "h".into(),
                role: Role::Supervisor,
                office: None,
                province: None,
                at: Utc::now(),
            })
            .await;
        assert!(
            matches!(dup, Err(store::StoreError::Conflict(_))),
            "{}",
            t.name
        );
        let u = s.user_by_name("op1").await.unwrap().unwrap();
        assert_eq!((u.id, u.role), (id, Role::Operator));
        let exp = Utc::now() + chrono::Duration::hours(8);
        s.create_session("hash1", id, exp).await.unwrap();
        let (su, e) = s.session("hash1").await.unwrap().unwrap();
        assert_eq!(su.username, "op1");
        assert!((e - exp).num_seconds().abs() <= 1);
        assert!(s.session("nope").await.unwrap().is_none());
        s.create_session("hash2", id, exp).await.unwrap();
        assert!(s.end_session("hash2").await.unwrap());
        assert!(s.session("hash2").await.unwrap().is_none());
        assert!(!s.end_session("hash2").await.unwrap());

        // Offboarding: a new password or disabling ends every session; enabling brings none back.
        for h in ["hash3", "hash4"] {
            s.create_session(h, id, exp).await.unwrap();
        }
        assert_eq!(s.end_user_sessions("op1").await.unwrap(), 3, "{}", t.name);
        assert_eq!(s.end_user_sessions("nobody").await.unwrap(), 0);
        s.create_session("hash5", id, exp).await.unwrap();
        assert!(s.set_user_password("op1", "$argon2id$y").await.unwrap());
        assert!(s.session("hash5").await.unwrap().is_none());
        assert_eq!(
            s.user_by_name("op1").await.unwrap().unwrap().password_hash,
            "$argon2id$y"
        );
        assert!(!s.set_user_password("nobody", "h").await.unwrap());
        s.create_session("hash6", id, exp).await.unwrap();
        assert!(s.set_user_disabled("op1", true).await.unwrap());
        assert!(s.user_by_name("op1").await.unwrap().unwrap().disabled);
        assert!(s.session("hash6").await.unwrap().is_none());
        assert!(s.set_user_disabled("op1", false).await.unwrap());
        assert!(!s.user_by_name("op1").await.unwrap().unwrap().disabled);
        assert!(!s.set_user_disabled("nobody", true).await.unwrap());

        let at = Utc::now();
        assert_eq!(claim(s, "k1", "h1", at).await, IdempotencyClaim::Fresh);
        assert_eq!(claim(s, "k1", "h1", at).await, IdempotencyClaim::InProgress);
        s.idempotency_finish("sc", "k1", 201, b"{\"a\":1}")
            .await
            .unwrap();
        assert_eq!(
            claim(s, "k1", "h1", at).await,
            IdempotencyClaim::Replay {
                status: 201,
                body: b"{\"a\":1}".to_vec()
            }
        );
        assert_eq!(claim(s, "k1", "h2", at).await, IdempotencyClaim::Mismatch);
        assert_eq!(claim(s, "k2", "h1", at).await, IdempotencyClaim::Fresh);
        s.idempotency_release("sc", "k2").await.unwrap();
        assert_eq!(claim(s, "k2", "h1", at).await, IdempotencyClaim::Fresh);

        // An in-progress claim whose request died is taken over once it is older than the abandonment cutoff;
        // a finished one is replayed until it expires, then taken over as new.
        let later = at + chrono::Duration::minutes(5);
        assert_eq!(claim(s, "k3", "h1", at).await, IdempotencyClaim::Fresh);
        assert_eq!(
            s.idempotency_claim(
                "sc",
                "k3",
                "h1",
                later,
                at,
                at - chrono::Duration::hours(24)
            )
            .await
            .unwrap(),
            IdempotencyClaim::InProgress,
            "not yet abandoned at the cutoff itself"
        );
        assert_eq!(
            s.idempotency_claim(
                "sc",
                "k3",
                "h9",
                later,
                later - chrono::Duration::minutes(1),
                at - chrono::Duration::hours(24)
            )
            .await
            .unwrap(),
            IdempotencyClaim::Fresh,
            "an abandoned claim is taken over, even with another request"
        );
        assert_eq!(
            s.idempotency_claim("sc", "k1", "h2", later, at, later)
                .await
                .unwrap(),
            IdempotencyClaim::Fresh,
            "an expired answer is not replayed"
        );
        s.idempotency_finish("sc", "k1", 200, b"x").await.unwrap();
        assert_eq!(
            s.idempotency_purge(later + chrono::Duration::seconds(1))
                .await
                .unwrap(),
            3,
            "k1, k2 and k3"
        );
        assert_eq!(claim(s, "k1", "h1", later).await, IdempotencyClaim::Fresh);

        s.create_session("old", id, at - chrono::Duration::hours(1))
            .await
            .unwrap();
        s.create_session("live", id, exp).await.unwrap();
        assert_eq!(s.sessions_purge(at).await.unwrap(), 1);
        assert!(s.session("old").await.unwrap().is_none());
        assert!(s.session("live").await.unwrap().is_some());

        let tx = BankTransaction {
            token: "T1".into(),
            order_id: 7,
            amount_rials: 250_000,
            callback_url: "http://x/cb".into(),
            state: "created".into(),
            ref_id: None,
            created_at: Utc::now(),
        };
        s.bank_insert(&tx).await.unwrap();
        assert!(s
            .bank_update("T1", &["created"], "paid", Some("R1"))
            .await
            .unwrap());
        assert!(!s
            .bank_update("T1", &["created"], "cancelled", None)
            .await
            .unwrap());
        let got = s.bank_get("T1").await.unwrap().unwrap();
        assert_eq!(
            (got.state.as_str(), got.ref_id.as_deref()),
            ("paid", Some("R1"))
        );
        t.cleanup().await;
    }
}

/// Every role the domain knows is one the users table takes (the CHECK follows the enum), and the sessions'
/// reference to users still holds after SQLite's rebuild of the table (migration 0014).
#[tokio::test]
async fn every_role_is_stored_and_sessions_still_reference_users() {
    for t in TestStore::all().await {
        let s = &t.store;
        let mut ids = Vec::new();
        for (i, role) in Role::ALL.into_iter().enumerate() {
            let office = role
                .has_office()
                .then(|| OfficeId::parse("30-0001").unwrap());
            let id = s
                .create_user(&NewUser {
                    username: format!("user{i}"),
                    password_hash: "$argon2id$x".into(),
                    role,
                    office,
                    province: None,
                    at: Utc::now(),
                })
                .await
                .unwrap_or_else(|e| panic!("{}: {role:?}: {e}", t.name));
            ids.push(id);
            assert_eq!(
                s.user_by_name(&format!("user{i}"))
                    .await
                    .unwrap()
                    .unwrap()
                    .role,
                role,
                "{}",
                t.name
            );
        }
        let exp = Utc::now() + chrono::Duration::hours(1);
        let nobody = ids.iter().max().unwrap() + 1000;
        assert!(
            s.create_session("orphan", nobody, exp).await.is_err(),
            "{}: a session of no user was stored",
            t.name
        );
    }
}
