use super::*;

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
