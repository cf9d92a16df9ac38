//! The operators' commands, run as the binary, against SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};
use testkit::TestStore;

fn shenas(args: &[&str], database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(args)
        .env("SHENAS_DATABASE_URL", database)
        .env("SHENAS_LOG", "warn")
        .output()
        .expect("run shenas")
}

fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "last line is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn generate(dir: &Path, persons: u64, seed: u64) -> std::path::PathBuf {
    let path = dir.join(format!("registry_{persons}_{seed}.csv"));
    let out = shenas(
        &[
            "registry",
            "generate",
            "--persons",
            &persons.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
            path.to_str().unwrap(),
        ],
        "sqlite::memory:",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// A file of good rows and deliberately broken ones, each broken in one known way.
fn broken_file(dir: &Path, good: &Path) -> (std::path::PathBuf, Vec<(u64, &'static str)>) {
    let text = std::fs::read_to_string(good).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header = lines.remove(0);
    let sample = lines[0].clone();
    let fields: Vec<&str> = sample.split(',').collect();
    let with = |i: usize, v: &str| {
        let mut f = fields.clone();
        f[i] = v;
        f.join(",")
    };
    let mut bad_checksum = fields[0].to_string();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == '9' {
        '0'
    } else {
        char::from(last as u8 + 1)
    });
    let broken: Vec<(String, &'static str)> = vec![
        (with(0, &bad_checksum), "national_code"),
        (with(6, "1404-12-30"), "birth_date_jalali"),
        (with(5, "unknown"), "gender"),
        (with(12, "0912123"), "mobiles"),
        (with(11, "12"), "bc_serial"),
        (with(13, "0000000000"), "postal_code"),
        (fields[..10].join(","), ""),
        (with(1, "علی\u{7f}"), "first_name"),
    ];
    let path = dir.join("broken.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "{header}").unwrap();
    let mut expected = Vec::new();
    let mut line_no = 1u64;
    // Good rows 1..=500 (skipping the sample, whose variants are the broken ones), broken rows among them.
    for (i, good_line) in lines.iter().enumerate().skip(1).take(500) {
        line_no += 1;
        writeln!(f, "{good_line}").unwrap();
        if i % 60 == 0 && !broken.is_empty() && expected.len() < broken.len() {
            let (row, field) = &broken[expected.len()];
            line_no += 1;
            writeln!(f, "{row}").unwrap();
            expected.push((line_no, *field));
        }
    }
    // A row with invalid UTF-8 in the last name.
    let mut bytes = with(2, "XX").into_bytes();
    let pos = bytes.windows(2).position(|w| w == b"XX").unwrap();
    bytes[pos] = 0xff;
    f.write_all(&bytes).unwrap();
    f.write_all(b"\n").unwrap();
    line_no += 1;
    expected.push((line_no, "last_name"));
    (path, expected)
}

async fn databases() -> Vec<TestStore> {
    TestStore::all().await
}

#[tokio::test]
async fn import_generated_registry_then_rerun_updates_instead_of_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let file = generate(dir.path(), 3_000, 7);
    for t in databases().await {
        let out = shenas(
            &["registry", "import", file.to_str().unwrap(), "--json"],
            &t.url,
        );
        assert!(
            out.status.success(),
            "{}: {}",
            t.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let j = last_json(&out);
        assert_eq!(
            (
                j["imported"].as_u64(),
                j["updated"].as_u64(),
                j["rejected"].as_u64()
            ),
            (Some(3_000), Some(0), Some(0)),
            "{}: {j}",
            t.name
        );
        assert_eq!(t.store.count_persons().await.unwrap(), 3_000);

        let j = last_json(&shenas(
            &["registry", "import", file.to_str().unwrap(), "--json"],
            &t.url,
        ));
        assert_eq!(
            (
                j["imported"].as_u64(),
                j["updated"].as_u64(),
                j["unchanged"].as_u64()
            ),
            (Some(0), Some(0), Some(3_000)),
            "{}: {j}",
            t.name
        );

        // Change one person's mobile in the file: exactly one update.
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let mut f: Vec<String> = lines[10].split(',').map(String::from).collect();
        f[12] = "09129998877".into();
        lines[10] = f.join(",");
        let changed = dir.path().join("changed.csv");
        std::fs::write(&changed, lines.join("\n") + "\n").unwrap();
        let j = last_json(&shenas(
            &["registry", "import", changed.to_str().unwrap(), "--json"],
            &t.url,
        ));
        assert_eq!(
            (
                j["imported"].as_u64(),
                j["updated"].as_u64(),
                j["unchanged"].as_u64()
            ),
            (Some(0), Some(1), Some(2_999)),
            "{}: {j}",
            t.name
        );
        let code = domain::NationalCode::parse(&f[0]).unwrap();
        let m = domain::Mobile::parse("09129998877").unwrap();
        assert!(
            t.store
                .national_codes_by_mobile(&m)
                .await
                .unwrap()
                .contains(&code),
            "{}",
            t.name
        );
        assert_eq!(t.store.imports(10).await.unwrap().len(), 3);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn broken_rows_are_reported_with_line_and_field_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let good = generate(dir.path(), 600, 11);
    let (file, expected) = broken_file(dir.path(), &good);
    let report = dir.path().join("report.csv");
    for t in databases().await {
        let out = shenas(
            &[
                "registry",
                "import",
                file.to_str().unwrap(),
                "--report",
                report.to_str().unwrap(),
                "--json",
            ],
            &t.url,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j = last_json(&out);
        assert_eq!(
            j["rejected"].as_u64(),
            Some(expected.len() as u64),
            "{}: {j}",
            t.name
        );
        assert_eq!(j["imported"].as_u64(), Some(500), "{}: {j}", t.name);
        assert_eq!(t.store.count_persons().await.unwrap(), 500);

        let mut rdr = csv::Reader::from_path(&report).unwrap();
        let rows: Vec<(u64, String)> = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].parse().unwrap(), r[1].to_string())
            })
            .collect();
        let want: Vec<(u64, String)> = expected.iter().map(|(l, f)| (*l, f.to_string())).collect();
        assert_eq!(rows, want, "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_wrong_header_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.csv");
    std::fs::write(&file, "code,name\n0084575948,علی\n").unwrap();
    let t = TestStore::sqlite().await;
    let out = shenas(&["registry", "import", file.to_str().unwrap()], &t.url);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("header"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(t.store.count_persons().await.unwrap(), 0);
    t.cleanup().await;
}

/// Killing an import into a registry that already has people leaves whole transactions only (every person's
/// numbers are there with them), and running it again completes the load.
#[tokio::test]
async fn a_killed_import_leaves_no_half_written_person() {
    let dir = tempfile::tempdir().unwrap();
    let file = generate(dir.path(), 60_000, 5);
    let t = TestStore::sqlite().await;
    // Someone is already registered: this is an ordinary (not a first) load.
    let first = generate(dir.path(), 10, 99);
    let j = last_json(&shenas(
        &["registry", "import", first.to_str().unwrap(), "--json"],
        &t.url,
    ));
    assert_eq!(j["imported"].as_u64(), Some(10));
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args([
            "registry",
            "import",
            file.to_str().unwrap(),
            "--batch",
            "2000",
            "--transaction",
            "4000",
        ])
        .env("SHENAS_DATABASE_URL", &t.url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill once some batches have landed.
    for _ in 0..200 {
        if t.store.count_persons().await.unwrap() >= 4_010 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    let _ = child.wait();
    let landed = t.store.count_persons().await.unwrap() - 10;
    assert!(landed > 0 && landed < 60_000, "landed {landed}");
    assert_eq!(landed % 4_000, 0, "whole transactions only");
    let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM persons p WHERE p.mobiles <> '' AND \
         (SELECT count(*) FROM person_mobiles m WHERE m.national_code = p.national_code) = 0",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    pool.close().await;

    let j = last_json(&shenas(
        &["registry", "import", file.to_str().unwrap(), "--json"],
        &t.url,
    ));
    assert_eq!(j["imported"].as_u64(), Some(60_000 - landed), "{j}");
    assert_eq!(j["unchanged"].as_u64(), Some(landed), "{j}");
    t.cleanup().await;
}

/// A first load (into an empty registry) is one transaction: killed, it leaves the registry empty and usable.
#[tokio::test]
async fn a_killed_first_load_leaves_an_empty_usable_registry() {
    let dir = tempfile::tempdir().unwrap();
    let file = generate(dir.path(), 200_000, 6);
    let t = TestStore::sqlite().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(["registry", "import", file.to_str().unwrap()])
        .env("SHENAS_DATABASE_URL", &t.url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the load was still running when killed");
    assert_eq!(t.store.count_persons().await.unwrap(), 0);
    let small = generate(dir.path(), 50, 8);
    let j = last_json(&shenas(
        &["registry", "import", small.to_str().unwrap(), "--json"],
        &t.url,
    ));
    assert_eq!(j["imported"].as_u64(), Some(50), "{j}");
    let j = last_json(&shenas(
        &["registry", "import", small.to_str().unwrap(), "--json"],
        &t.url,
    ));
    assert_eq!(j["unchanged"].as_u64(), Some(50), "{j}");
    t.cleanup().await;
}

#[tokio::test]
async fn offices_generate_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("offices.csv");
    let out = shenas(
        &["offices", "generate", "--out", file.to_str().unwrap()],
        "sqlite::memory:",
    );
    assert!(out.status.success());
    for t in databases().await {
        let j = last_json(&shenas(
            &["offices", "import", file.to_str().unwrap(), "--json"],
            &t.url,
        ));
        let n = j["imported"].as_u64().unwrap();
        assert!((15_000..=17_000).contains(&n), "{}: {j}", t.name);
        assert_eq!(j["rejected"].as_u64(), Some(0));
        let tehran = t
            .store
            .offices_in_province(domain::ProvinceCode::parse("23").unwrap())
            .await
            .unwrap();
        assert!(
            tehran.len() > 1_500,
            "{}: {} offices in Tehran",
            t.name,
            tehran.len()
        );
        t.cleanup().await;
    }
}

#[test]
fn json_reports_end_the_output() {
    let out = shenas(
        &["bench", "national-code", "--iterations", "10000", "--json"],
        "sqlite::memory:",
    );
    assert!(out.status.success());
    let j = last_json(&out);
    assert!(j["ascii_ns"].as_f64().unwrap() > 0.0);
}

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

/// Runs `shenas` with `stdin` on standard input.
fn shenas_in(args: &[&str], database: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(args)
        .env("SHENAS_DATABASE_URL", database)
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
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
