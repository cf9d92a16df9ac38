use super::*;

#[tokio::test]
async fn users_add_hashes_the_password_and_refuses_duplicates() {
    for t in databases().await {
        t.store
            .upsert_offices(&[testkit::office("30-0001")
                .name("دفتر پیشخوان")
                .capacity(40)
                .build()])
            .await
            .unwrap();
        let add = |args: &[&str], stdin: &str| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
                .args(args)
                .env("SHENAS_DATABASE_URL", &t.url)
                .env("SHENAS_LOG", "warn")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(stdin.as_bytes())
                .unwrap();
            child.wait_with_output().unwrap()
        };
        let args = [
            "users",
            "add",
            "--username",
            "Op.Karaj",
            "--role",
            "operator",
            "--office",
            "30-0001",
            "--password-stdin",
            "--json",
        ];
        let out = add(&args, "a long enough password\n");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(last_json(&out)["username"], "op.karaj");
        let u = t.store.user_by_name("op.karaj").await.unwrap().unwrap();
        assert!(u.password_hash.starts_with("$argon2id$"));
        assert!(server::auth::verify_password(
            "a long enough password",
            &u.password_hash
        ));
        let again = add(&args, "another long password\n");
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("taken"));
        // An operator needs an office that exists; a short password is refused.
        let bad = add(
            &[
                "users",
                "add",
                "--username",
                "op2",
                "--role",
                "operator",
                "--office",
                "30-0999",
                "--password-stdin",
            ],
            "a long enough password\n",
        );
        assert!(!bad.status.success());
        let short = add(
            &[
                "users",
                "add",
                "--username",
                "op3",
                "--role",
                "operator",
                "--office",
                "30-0001",
                "--password-stdin",
            ],
            "short\n",
        );
        assert!(!short.status.success());
        // Without --password-stdin a password is drawn and shown once.
        let drawn = add(
            &[
                "users",
                "add",
                "--username",
                "admin1",
                "--role",
                "national_admin",
                "--json",
            ],
            "",
        );
        assert!(drawn.status.success());
        let pw = last_json(&drawn)["password"].as_str().unwrap().to_string();
        let admin = t.store.user_by_name("admin1").await.unwrap().unwrap();
        assert!(server::auth::verify_password(&pw, &admin.password_hash));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn users_disable_enable_password_and_sessions_revoke() {
    for t in databases().await {
        let s = &t.store;
        let out = shenas_in(
            &[
                "users",
                "add",
                "--username",
                "leaver",
                "--role",
                "national_admin",
                "--password-stdin",
            ],
            &t.url,
            "the first long password\n",
        );
        ok(&out);
        let id = s.user_by_name("leaver").await.unwrap().unwrap().id;
        let exp = chrono::Utc::now() + chrono::Duration::hours(8);
        let open = |h: &'static str| async move { s.session(h).await.unwrap().is_some() };
        for h in ["s1", "s2"] {
            s.create_session(h, id, exp).await.unwrap();
        }

        // sessions-revoke: every session ends, the user stays.
        let out = shenas(
            &["users", "sessions-revoke", "--username", "leaver", "--json"],
            &t.url,
        );
        ok(&out);
        assert_eq!(last_json(&out)["sessions_ended"], 2, "{}", t.name);
        assert!(!open("s1").await && !open("s2").await);

        // password: a new one from standard input; the old one stops working, sessions end.
        s.create_session("s3", id, exp).await.unwrap();
        let out = shenas_in(
            &[
                "users",
                "password",
                "--username",
                "Leaver",
                "--password-stdin",
            ],
            &t.url,
            "the second long password\n",
        );
        ok(&out);
        let u = s.user_by_name("leaver").await.unwrap().unwrap();
        assert!(server::auth::verify_password(
            "the second long password",
            &u.password_hash
        ));
        assert!(!server::auth::verify_password(
            "the first long password",
            &u.password_hash
        ));
        assert!(!open("s3").await);
        // Too short, or drawn and shown once.
        let out = shenas_in(
            &[
                "users",
                "password",
                "--username",
                "leaver",
                "--password-stdin",
            ],
            &t.url,
            "short\n",
        );
        assert!(!out.status.success());
        let out = shenas(
            &["users", "password", "--username", "leaver", "--json"],
            &t.url,
        );
        ok(&out);
        let drawn = last_json(&out)["password"].as_str().unwrap().to_string();
        let u = s.user_by_name("leaver").await.unwrap().unwrap();
        assert!(server::auth::verify_password(&drawn, &u.password_hash));

        // disable: the user's sessions end at once and the account is marked; enable undoes the mark only.
        s.create_session("s4", id, exp).await.unwrap();
        let out = shenas(
            &["users", "disable", "--username", "leaver", "--json"],
            &t.url,
        );
        ok(&out);
        assert_eq!(last_json(&out)["disabled"], true);
        assert!(s.user_by_name("leaver").await.unwrap().unwrap().disabled);
        assert!(!open("s4").await);
        let out = shenas(&["users", "enable", "--username", "leaver"], &t.url);
        ok(&out);
        assert!(!s.user_by_name("leaver").await.unwrap().unwrap().disabled);
        assert!(!open("s4").await);

        // Unknown users are errors.
        for cmd in ["disable", "enable", "sessions-revoke", "password"] {
            let out = shenas(&["users", cmd, "--username", "nobody"], &t.url);
            assert!(!out.status.success(), "{cmd}");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("no user nobody"),
                "{cmd}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn users_add_binds_a_liaison_to_an_institution() {
    for t in databases().await {
        let add = |args: &[&str]| shenas_in(args, &t.url, "a long enough password\n");
        let liaison = [
            "users",
            "add",
            "--username",
            "liaison.qh",
            "--role",
            "liaison",
            "--province",
            "30",
            "--institution",
            "زندان قزل‌حصار",
            "--institution-kind",
            "prison",
            "--password-stdin",
        ];
        ok(&add(&liaison));
        let u = t.store.user_by_name("liaison.qh").await.unwrap().unwrap();
        assert_eq!(u.role, domain::Role::Liaison);
        let inst = t
            .store
            .user_institution("liaison.qh")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (inst.name.as_str(), inst.kind, inst.province.as_str()),
            ("زندان قزل‌حصار", domain::InstitutionKind::Prison, "30")
        );
        // A liaison needs an institution; only a liaison has one; the kind must be one of the five.
        let mut no_institution: Vec<&str> = liaison[..8].to_vec();
        no_institution[3] = "liaison.z";
        no_institution.push("--password-stdin");
        let out = add(&no_institution);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--institution"));
        let mut admin_with_one = liaison;
        admin_with_one[3] = "admin.x";
        admin_with_one[5] = "province_admin";
        let out = add(&admin_with_one);
        assert!(String::from_utf8_lossy(&out.stderr).contains("only a liaison"));
        let mut bad_kind = liaison;
        bad_kind[3] = "liaison.y";
        bad_kind[11] = "school";
        assert!(!add(&bad_kind).status.success());
        assert!(t.store.user_by_name("liaison.y").await.unwrap().is_none());
        t.cleanup().await;
    }
}
