use super::*;

#[tokio::test]
async fn vendors_add_set_and_list() {
    for t in databases().await {
        let out = shenas(
            &[
                "vendors",
                "add",
                "--name",
                "pars-card",
                "--share",
                "60",
                "--daily-capacity",
                "5000",
                "--json",
            ],
            &t.url,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let added = last_json(&out);
        let key = added["api_key"].as_str().unwrap();
        assert!(key.starts_with("shn_"));
        // The key works, and only a hash of it is kept.
        let hash = server::agency::key::key_hash(key);
        assert_eq!(
            t.store.vendor_by_key(&hash).await.unwrap().unwrap().name,
            "pars-card"
        );
        let again = shenas(
            &[
                "vendors",
                "add",
                "--name",
                "pars-card",
                "--share",
                "40",
                "--daily-capacity",
                "1",
            ],
            &t.url,
        );
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
        let out = shenas(
            &[
                "vendors",
                "set",
                "--name",
                "pars-card",
                "--share",
                "70",
                "--daily-capacity",
                "6000",
                "--json",
            ],
            &t.url,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            last_json(&out)["vendors"][0],
            serde_json::json!({"vendor_id": added["vendor_id"], "name": "pars-card", "share_pct": 70, "daily_capacity": 6000})
        );
        let bad = shenas(
            &[
                "vendors",
                "set",
                "--name",
                "nobody",
                "--share",
                "1",
                "--daily-capacity",
                "1",
            ],
            &t.url,
        );
        assert!(!bad.status.success());
        let bad = shenas(
            &[
                "vendors",
                "add",
                "--name",
                "x-card",
                "--share",
                "101",
                "--daily-capacity",
                "1",
            ],
            &t.url,
        );
        assert!(!bad.status.success());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn vendors_key_add_and_key_revoke() {
    for t in databases().await {
        let out = shenas(
            &[
                "vendors",
                "add",
                "--name",
                "pars-card",
                "--share",
                "100",
                "--daily-capacity",
                "5000",
                "--json",
            ],
            &t.url,
        );
        ok(&out);
        let first = last_json(&out);
        let first_key = first["api_key"].as_str().unwrap().to_string();
        let first_prefix = first["key_prefix"].as_str().unwrap().to_string();

        // A second key, printed once; both work.
        let out = shenas(
            &["vendors", "key-add", "--name", "pars-card", "--json"],
            &t.url,
        );
        ok(&out);
        let second = last_json(&out);
        let second_key = second["api_key"].as_str().unwrap().to_string();
        assert!(second_key.starts_with("shn_"));
        assert_ne!(second_key, first_key);
        assert!(String::from_utf8_lossy(&out.stderr).contains(&second_key));
        let vendor_of = |key: String| {
            let store = t.store.clone();
            async move {
                store
                    .vendor_by_key(&server::agency::key::key_hash(&key))
                    .await
                    .unwrap()
                    .map(|v| v.name)
            }
        };
        assert_eq!(
            vendor_of(first_key.clone()).await.as_deref(),
            Some("pars-card")
        );
        assert_eq!(
            vendor_of(second_key.clone()).await.as_deref(),
            Some("pars-card")
        );

        // The first revoked: refused at once; the second still works; a second revocation is an error.
        let out = shenas(
            &["vendors", "key-revoke", "--prefix", &first_prefix, "--json"],
            &t.url,
        );
        ok(&out);
        assert_eq!(last_json(&out)["revoked"], first_prefix.as_str());
        assert_eq!(vendor_of(first_key).await, None);
        assert_eq!(vendor_of(second_key).await.as_deref(), Some("pars-card"));
        let again = shenas(
            &["vendors", "key-revoke", "--prefix", &first_prefix],
            &t.url,
        );
        assert!(!again.status.success());
        let nobody = shenas(&["vendors", "key-add", "--name", "nobody"], &t.url);
        assert!(!nobody.status.success());
        assert!(String::from_utf8_lossy(&nobody.stderr).contains("no manufacturer named nobody"));
        t.cleanup().await;
    }
}
