//! What `shenas serve` refuses at start. `--demo` (security review F5): staff and a manufacturer only in an
//! empty database, with a password and a key drawn per install and printed once; a database the demo made is
//! reused as it is; any other database is refused. The blob key (F12): never created beside sealed blobs, and a
//! key that does not open the store refused; files private and SQLite synced in full (F19). Production mode (F21):
//! no sandbox bank, no default public URL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use testkit::TestStore;

fn serve_demo(database: &str, data_dir: &std::path::Path) -> (String, bool) {
    serve(&["--demo"], &[], database, data_dir)
}

/// Runs `serve` until it says it is serving (or exits); answers what it printed on standard error and whether
/// it was serving.
fn serve(
    flags: &[&str],
    env: &[(&str, &str)],
    database: &str,
    data_dir: &std::path::Path,
) -> (String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "off",
        ])
        .args(flags)
        .envs(env.iter().copied())
        .env("SHENAS_DATABASE_URL", database)
        .env("SHENAS_DATA_DIR", data_dir)
        .env("SHENAS_DEMO__PERSONS", "400")
        .env("SHENAS_DEMO__OFFICES", "400")
        .env("SHENAS_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = String::new();
    let mut serving = false;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("Shenas is serving") {
            serving = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (seen, serving)
}

fn password(printed: &str) -> Option<String> {
    let at = printed.find("(password ")? + "(password ".len();
    Some(printed[at..].split([',', ' ']).next()?.to_string())
}

#[tokio::test]
async fn demo_accounts_only_in_an_empty_database_with_secrets_drawn_per_install() {
    for db in TestStore::all().await {
        let name = db.name;
        let url = db.url.clone();
        let dir = tempfile::tempdir().unwrap();
        let (first, serving) = serve_demo(&url, dir.path());
        assert!(serving, "{name}: {first}");
        let pw = password(&first).unwrap_or_else(|| panic!("{name}: no password in {first}"));
        assert_ne!(pw, "shenas-demo-1405", "{name}: not the published one");
        assert!(first.contains("X-Api-Key: shn_"), "{name}: {first}");
        assert!(
            !first.contains("shn_demo0000_"),
            "{name}: not the key every install shared"
        );
        let users = db.store.count_users().await.unwrap();
        assert_eq!(users, 3, "{name}");

        // The same demo database again: used as it is, nothing added, no secret printed again.
        let (second, serving) = serve_demo(&url, dir.path());
        assert!(serving, "{name}: {second}");
        assert!(password(&second).is_none(), "{name}: {second}");
        assert!(!second.contains("X-Api-Key"), "{name}");
        assert_eq!(db.store.count_users().await.unwrap(), 3, "{name}");
        assert_eq!(db.store.vendors().await.unwrap().len(), 1, "{name}");

        // A member of staff of its own makes it a database the demo must not touch.
        db.store
            .create_user(&store::journey::NewUser {
                username: "realadmin".into(),
                password_hash: "$argon2id$x".into(),
                role: domain::Role::NationalAdmin,
                office: None,
                province: None,
                at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        let (third, serving) = serve_demo(&url, dir.path());
        assert!(!serving, "{name}: {third}");
        assert!(third.contains("--demo refused"), "{name}: {third}");
        assert_eq!(db.store.count_users().await.unwrap(), 4, "{name}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn demo_refused_on_a_loaded_registry() {
    let db = TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let offices = synth::offices::generate_offices(7, 20);
    db.store.upsert_offices(&offices).await.unwrap();
    let (printed, serving) = serve_demo(&db.url, dir.path());
    assert!(!serving, "{printed}");
    assert!(printed.contains("--demo refused"), "{printed}");
    assert_eq!(db.store.count_users().await.unwrap(), 0);
    assert!(db.store.vendors().await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test]
async fn a_blob_key_is_never_made_beside_sealed_blobs_nor_used_on_a_store_it_does_not_open() {
    let db = TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let (printed, serving) = serve(&[], &[], &db.url, dir.path());
    assert!(serving, "{printed}");
    let key = dir.path().join("keys").join("blob.key");
    let original = std::fs::read(&key).unwrap();

    // The key went missing (a mis-mounted keys directory): refused, and no new key is made.
    std::fs::remove_file(&key).unwrap();
    let (printed, serving) = serve(&[], &[], &db.url, dir.path());
    assert!(!serving, "{printed}");
    assert!(
        printed.contains("the key") && printed.contains("is missing"),
        "{printed}"
    );
    assert!(!key.exists());

    // Another key in its place: refused.
    std::fs::write(&key, format!("{}\n", "ab".repeat(32))).unwrap();
    let (printed, serving) = serve(&[], &[], &db.url, dir.path());
    assert!(!serving, "{printed}");
    assert!(
        printed.contains("does not open the blob store"),
        "{printed}"
    );

    // The right key back: serving again. Files are private.
    std::fs::write(&key, &original).unwrap();
    let (printed, serving) = serve(&[], &[], &db.url, dir.path());
    assert!(serving, "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let db_file = db.url.trim_start_matches("sqlite://");
        let mode = std::fs::metadata(db_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database file");
        let canary = walk(&dir.path().join("blobs"));
        assert!(!canary.is_empty());
        for f in canary {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
    // Acknowledged writes are synced in full (F19): the store opens SQLite with synchronous=FULL (2).
    let store = store_sqlite::SqliteStore::connect(&db.url).await.unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(synchronous, 2, "synchronous=FULL");
    db.cleanup().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn production_mode_refuses_the_sandbox_bank_and_a_default_public_url() {
    let db = TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let (printed, serving) = serve(&[], &[("SHENAS_MODE", "production")], &db.url, dir.path());
    assert!(!serving, "{printed}");
    assert!(
        printed.contains("sandbox bank") && printed.contains("public_url"),
        "{printed}"
    );
    let env = [
        ("SHENAS_MODE", "production"),
        ("SHENAS_GATEWAY_URL", "http://127.0.0.1:9/bank"),
        ("SHENAS_PUBLIC_URL", "https://shenas.example"),
    ];
    // Production never makes the national PKI by itself: it refuses until the key ceremony has run.
    let (printed, serving) = serve(&[], &env, &db.url, dir.path());
    assert!(!serving && printed.contains("pki init"), "{printed}");
    let init = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["pki", "init"])
        .envs(env.iter().copied())
        .env("SHENAS_DATABASE_URL", &db.url)
        .env("SHENAS_DATA_DIR", dir.path())
        .env("SHENAS_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let (printed, serving) = serve(&[], &env, &db.url, dir.path());
    assert!(serving, "{printed}");
    db.cleanup().await;
}
